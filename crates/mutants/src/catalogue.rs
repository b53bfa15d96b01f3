//! [`CATALOGUE`]: the mutants, each a [`Mutant`]: a stable name, what it
//! does, the operations whose replies it changes (with an optional status or
//! query condition), the [`Mutation`], and the case-id globs of the checks
//! that should catch it.
//!
//! A mutant models one way an engine could be wrong while everything else it
//! does stays right. Conditions keep a mutant on the replies it is about: a
//! status mutant of an error reply (`status: Some(404)`) leaves the
//! operation's successes alone, so the run still gets to the error.

use std::time::Duration;

use crate::mutate::{FrameOp, JsonOp, Mutation, Pick};

/// One mutant of the catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutant {
    /// Stable, kebab-case, unique.
    pub name: &'static str,
    /// The API area it belongs to (`system`, `containers`, `logs`, ...).
    pub area: &'static str,
    /// What it does, in a line.
    pub description: &'static str,
    /// Ids of the operations (`crate::route`) whose replies it changes.
    pub operations: &'static [&'static str],
    /// Only replies with this status.
    pub status: Option<u16>,
    /// Only requests whose query string contains this.
    pub query: Option<&'static str>,
    pub mutation: Mutation,
    /// Globs of the case ids that should catch it.
    pub catchers: &'static [&'static str],
}

impl Mutant {
    /// Whether the mutant applies to a reply of `operation` with `status`,
    /// to a request with `query`.
    pub fn applies(&self, operation: &str, query: &str, status: u16) -> bool {
        self.operations.contains(&operation)
            && self.status.is_none_or(|s| s == status)
            && self.query.is_none_or(|q| query.contains(q))
    }
}

/// The mutant called `name`, of either set.
pub fn find(name: &str) -> Option<&'static Mutant> {
    CATALOGUE.iter().chain(SHAPES).find(|m| m.name == name)
}

/// Catalogue names close to `name`, closest first (for "did you mean").
pub fn close_names(name: &str) -> Vec<&'static str> {
    let mut scored: Vec<(f64, &'static str)> = CATALOGUE
        .iter()
        .chain(SHAPES)
        .map(|m| {
            let score = strsim::jaro_winkler(name, m.name).max(if m.name.contains(name) { 0.9 } else { 0.0 });
            (score, m.name)
        })
        .filter(|(s, _)| *s >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let best = scored.first().map_or(0.0, |s| s.0);
    scored
        .into_iter()
        .filter(|s| s.0 >= best - 0.03)
        .take(3)
        .map(|(_, n)| n)
        .collect()
}

const fn m(
    name: &'static str,
    area: &'static str,
    description: &'static str,
    operations: &'static [&'static str],
    mutation: Mutation,
    catchers: &'static [&'static str],
) -> Mutant {
    Mutant {
        name,
        area,
        description,
        operations,
        status: None,
        query: None,
        mutation,
        catchers,
    }
}

/// The same mutant, only on replies with `status`.
const fn on_status(mut mutant: Mutant, status: u16) -> Mutant {
    mutant.status = Some(status);
    mutant
}

/// The same mutant, only on requests whose query contains `query`.
const fn on_query(mut mutant: Mutant, query: &'static str) -> Mutant {
    mutant.query = Some(query);
    mutant
}

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

use JsonOp::{Drop, Remove, Rename, Retype, Set};
use Mutation::{Delay, Frames, Json, Lines, RemoveHeader, SetHeader, Status};

/// Every mutant, by area.
pub static CATALOGUE: &[Mutant] = &[
    // system
    m(
        "ping-no-api-version",
        "system",
        "GET /_ping without its API-Version header",
        &["SystemPing"],
        RemoveHeader("Api-Version"),
        &["system/ping/get"],
    ),
    m(
        "ping-head-experimental-true",
        "system",
        "HEAD /_ping says Docker-Experimental: true while /version says it is not",
        &["SystemPingHead"],
        SetHeader("Docker-Experimental", "true"),
        &["system/ping/head"],
    ),
    m(
        "ping-ostype-windows",
        "system",
        "GET /_ping says OSType: windows on a linux engine",
        &["SystemPing"],
        SetHeader("OSType", "windows"),
        &["system/ping/get"],
    ),
    m(
        "ping-content-type-json",
        "system",
        "GET /_ping answers with Content-Type: application/json",
        &["SystemPing"],
        SetHeader("Content-Type", "application/json"),
        &["system/ping/get"],
    ),
    m(
        "version-no-git-commit",
        "system",
        "GET /version without GitCommit",
        &["SystemVersion"],
        Json(Remove("GitCommit")),
        &["system/version/fields"],
    ),
    m(
        "version-go-version-retyped",
        "system",
        "GET /version with GoVersion as an array instead of a string",
        &["SystemVersion"],
        Json(Retype("GoVersion")),
        &["system/version/fields"],
    ),
    on_status(
        m(
            "version-unsupported-500",
            "system",
            "a request under an unsupported API version gets 500 instead of 400",
            &["SystemVersion"],
            Status(500),
            &["system/version/unsupported:*"],
        ),
        400,
    ),
    m(
        "info-no-ostype",
        "system",
        "GET /info without OSType",
        &["SystemInfo"],
        Json(Remove("OSType")),
        &["system/info/fields"],
    ),
    m(
        "info-containers-retyped",
        "system",
        "GET /info with Containers as a string",
        &["SystemInfo"],
        Json(Retype("Containers")),
        &["system/info/*"],
    ),
    m(
        "df-layers-size-zero",
        "system",
        "GET /system/df says LayersSize 0",
        &["SystemDataUsage"],
        Json(Set("LayersSize", "0")),
        &["system/df/usage"],
    ),
    // events
    m(
        "events-no-action",
        "events",
        "every event of GET /events without Action",
        &["SystemEvents"],
        Lines(Remove("Action")),
        &[
            "system/events/container-lifecycle",
            "system/events/filters:*",
            "system/events/since-until",
        ],
    ),
    m(
        "events-no-actor-id",
        "events",
        "every event without Actor.ID",
        &["SystemEvents"],
        Lines(Remove("Actor/ID")),
        &["system/events/container-lifecycle", "system/events/filters:*"],
    ),
    m(
        "events-type-renamed",
        "events",
        "every event's Type field named type",
        &["SystemEvents"],
        Lines(Rename("Type", "type")),
        &["system/events/*"],
    ),
    m(
        "events-no-exit-code",
        "events",
        "events without Actor.Attributes.exitCode (the die event's exit code)",
        &["SystemEvents"],
        Lines(Remove("Actor/Attributes/exitCode")),
        &["system/events/container-lifecycle"],
    ),
    m(
        "events-content-type-removed",
        "events",
        "GET /events without its Content-Type",
        &["SystemEvents"],
        RemoveHeader("Content-Type"),
        &["system/events/*"],
    ),
    on_status(
        m(
            "events-bad-params-500",
            "events",
            "GET /events with since after until gets 500 instead of 400",
            &["SystemEvents"],
            Status(500),
            &["system/events/bad-params:since-after-until"],
        ),
        400,
    ),
    // containers
    on_status(
        m(
            "create-200",
            "containers",
            "container create answers 200 instead of 201",
            &["ContainerCreate"],
            Status(200),
            &["containers/create/*"],
        ),
        201,
    ),
    m(
        "create-no-warnings",
        "containers",
        "container create's reply without Warnings (required in ContainerCreateResponse)",
        &["ContainerCreate"],
        Json(Remove("Warnings")),
        &["containers/create/errors:duplicate-name"],
    ),
    m(
        "inspect-no-path",
        "containers",
        "container inspect without Path",
        &["ContainerInspect"],
        Json(Remove("Path")),
        &["containers/inspect/fields"],
    ),
    m(
        "inspect-exit-code-retyped",
        "containers",
        "container inspect with State.ExitCode as a string",
        &["ContainerInspect"],
        Json(Retype("State/ExitCode")),
        &["containers/wait/exit-code:*", "containers/kill/*"],
    ),
    m(
        "list-drops-dockhand-containers",
        "containers",
        "GET /containers/json leaves out dockhand's containers",
        &["ContainerList"],
        Json(Drop("", Pick::Containing("/dh-"))),
        &["containers/list/filters:*", "containers/inspect/fields"],
    ),
    m(
        "list-names-retyped",
        "containers",
        "GET /containers/json with each Names as a string",
        &["ContainerList"],
        Json(Retype("*/Names")),
        &["containers/list/filters:label-and-name"],
    ),
    on_status(
        m(
            "start-200",
            "containers",
            "container start answers 200 instead of 204",
            &["ContainerStart"],
            Status(200),
            &["containers/lifecycle/start-stop-logs", "containers/*"],
        ),
        204,
    ),
    on_status(
        m(
            "start-again-204",
            "containers",
            "starting a running container answers 204 instead of 304",
            &["ContainerStart"],
            Status(204),
            &["containers/lifecycle/start-stop-logs"],
        ),
        304,
    ),
    m(
        "stop-delayed",
        "containers",
        "container stop replies 6 s late, as if it waited for the grace period",
        &["ContainerStop"],
        Delay(secs(6)),
        &["containers/lifecycle/start-stop-logs"],
    ),
    m(
        "restart-delayed",
        "containers",
        "container restart replies 6 s late",
        &["ContainerRestart"],
        Delay(secs(6)),
        &["containers/restart/manual:*"],
    ),
    m(
        "wait-status-code-changed",
        "containers",
        "POST /wait reports StatusCode 99",
        &["ContainerWait"],
        Json(Set("StatusCode", "99")),
        &["containers/wait/*"],
    ),
    on_status(
        m(
            "kill-stopped-500",
            "containers",
            "killing a stopped container gets 500 instead of 409",
            &["ContainerKill"],
            Status(500),
            &["containers/kill/default-and-errors:stopped"],
        ),
        409,
    ),
    on_status(
        m(
            "pause-paused-500",
            "containers",
            "pausing a paused container gets 500 instead of 409",
            &["ContainerPause"],
            Status(500),
            &["containers/pause/freeze:pause-unpause"],
        ),
        409,
    ),
    on_status(
        m(
            "unpause-running-200",
            "containers",
            "unpausing a container that is not paused answers 200, a success, instead of an error",
            &["ContainerUnpause"],
            Status(200),
            &["containers/pause/freeze:pause-unpause"],
        ),
        500,
    ),
    on_status(
        m(
            "rename-200",
            "containers",
            "container rename answers 200 instead of 204",
            &["ContainerRename"],
            Status(200),
            &["containers/rename/name:new-name"],
        ),
        204,
    ),
    on_status(
        m(
            "delete-running-500",
            "containers",
            "removing a running container without force gets 500 instead of 409",
            &["ContainerDelete"],
            Status(500),
            &["containers/remove/delete:running-conflict"],
        ),
        409,
    ),
    m(
        "top-no-titles",
        "containers",
        "GET /top without Titles",
        &["ContainerTop"],
        Json(Remove("Titles")),
        &["containers/top/processes:*"],
    ),
    m(
        "changes-kind-retyped",
        "containers",
        "GET /changes with each Kind as a string",
        &["ContainerChanges"],
        Json(Retype("*/Kind")),
        &["containers/changes/kinds"],
    ),
    m(
        "stats-no-memory-stats",
        "containers",
        "GET /stats without memory_stats, one-shot and streamed",
        &["ContainerStats"],
        Lines(Remove("memory_stats")),
        &["containers/stats/read:*", "containers/update/settings:memory"],
    ),
    // logs
    m(
        "logs-streams-swapped",
        "logs",
        "log frames with stdout and stderr swapped",
        &["ContainerLogs"],
        Frames(FrameOp::SwapStreams),
        &["logs/framing/streams:*"],
    ),
    m(
        "logs-first-frame-dropped",
        "logs",
        "the first frame of every log reply left out",
        &["ContainerLogs"],
        Frames(FrameOp::Drop(0)),
        &["logs/framing/*", "logs/select/*"],
    ),
    m(
        "logs-first-frame-twice",
        "logs",
        "the first frame of every log reply sent twice",
        &["ContainerLogs"],
        Frames(FrameOp::Duplicate(0)),
        &["logs/framing/*", "logs/select/*"],
    ),
    m(
        "logs-content-type-set",
        "logs",
        "GET /logs with a Content-Type, which the reference says it does not set",
        &["ContainerLogs"],
        SetHeader("Content-Type", "application/vnd.docker.multiplexed-stream"),
        &["logs/framing/*"],
    ),
    on_status(
        m(
            "logs-missing-container-500",
            "logs",
            "logs of a missing container get 500 instead of 404",
            &["ContainerLogs"],
            Status(500),
            &["logs/errors/status:missing-container", "containers/errors/not-found"],
        ),
        404,
    ),
    // exec
    on_status(
        m(
            "exec-create-200",
            "exec",
            "exec create answers 200 instead of 201",
            &["ContainerExec"],
            Status(200),
            &["exec/*"],
        ),
        201,
    ),
    m(
        "exec-inspect-exit-code-changed",
        "exec",
        "exec inspect reports ExitCode 42",
        &["ExecInspect"],
        Json(Set("ExitCode", "42")),
        &["exec/run/*", "exec/options/*"],
    ),
    m(
        "exec-inspect-running-retyped",
        "exec",
        "exec inspect with Running as a string",
        &["ExecInspect"],
        Json(Retype("Running")),
        &["exec/run/*"],
    ),
    m(
        "exec-start-streams-swapped",
        "exec",
        "an attached exec's frames with stdout and stderr swapped",
        &["ExecStart"],
        Frames(FrameOp::SwapStreams),
        &["exec/run/attached", "exec/options/*"],
    ),
    m(
        "exec-start-first-frame-dropped",
        "exec",
        "the first frame of an attached exec left out",
        &["ExecStart"],
        Frames(FrameOp::Drop(0)),
        &["exec/run/attached", "exec/options/*"],
    ),
    on_status(
        m(
            "exec-start-missing-500",
            "exec",
            "starting a missing exec gets 500 instead of 404",
            &["ExecStart"],
            Status(500),
            &["exec/errors/status:missing-exec"],
        ),
        404,
    ),
    m(
        "exec-resize-500",
        "exec",
        "every exec resize answers 500",
        &["ExecResize"],
        Status(500),
        &["exec/resize/tty", "exec/errors/*"],
    ),
    // attach
    m(
        "attach-streams-swapped",
        "attach",
        "attach frames with stdout and stderr swapped",
        &["ContainerAttach"],
        Frames(FrameOp::SwapStreams),
        &["attach/framing/streams:*"],
    ),
    m(
        "attach-first-frame-twice",
        "attach",
        "the first frame of an attach stream sent twice",
        &["ContainerAttach"],
        Frames(FrameOp::Duplicate(0)),
        &["attach/*"],
    ),
    m(
        "attach-no-content-type",
        "attach",
        "the attach reply without Content-Type",
        &["ContainerAttach"],
        RemoveHeader("Content-Type"),
        &["attach/framing/streams:*", "attach/stdin/echo"],
    ),
    on_status(
        m(
            "attach-missing-500",
            "attach",
            "attach to a missing container gets 500 instead of 404",
            &["ContainerAttach"],
            Status(500),
            &["attach/errors/missing-container"],
        ),
        404,
    ),
    // archive
    m(
        "archive-head-no-stat",
        "archive",
        "HEAD /archive without X-Docker-Container-Path-Stat",
        &["ContainerArchiveInfo"],
        RemoveHeader("X-Docker-Container-Path-Stat"),
        &["archive/roundtrip/stat:*"],
    ),
    on_status(
        m(
            "archive-get-no-stat",
            "archive",
            "GET /archive without X-Docker-Container-Path-Stat",
            &["ContainerArchive"],
            RemoveHeader("X-Docker-Container-Path-Stat"),
            &["archive/roundtrip/get:*"],
        ),
        200,
    ),
    on_status(
        m(
            "archive-get-content-type-json",
            "archive",
            "GET /archive with Content-Type: application/json",
            &["ContainerArchive"],
            SetHeader("Content-Type", "application/json"),
            &["archive/roundtrip/get:*"],
        ),
        200,
    ),
    on_status(
        m(
            "archive-put-201",
            "archive",
            "PUT /archive answers 201 instead of 200",
            &["PutContainerArchive"],
            Status(201),
            &["archive/roundtrip/*"],
        ),
        200,
    ),
    on_status(
        m(
            "archive-missing-path-500",
            "archive",
            "HEAD and GET /archive of a missing path get 500 instead of 404",
            &["ContainerArchiveInfo", "ContainerArchive"],
            Status(500),
            &["archive/errors/status:missing-path"],
        ),
        404,
    ),
    // images
    m(
        "image-inspect-no-architecture",
        "images",
        "image inspect without Architecture",
        &["ImageInspect"],
        Json(Remove("Architecture")),
        &["images/inspect/fields"],
    ),
    m(
        "image-list-no-repo-tags",
        "images",
        "GET /images/json without RepoTags",
        &["ImageList"],
        Json(Remove("*/RepoTags")),
        &["images/list/filters:*", "images/tag/create"],
    ),
    on_status(
        m(
            "image-tag-200",
            "images",
            "image tag answers 200 instead of 201",
            &["ImageTag"],
            Status(200),
            &["images/tag/create", "images/delete/tags"],
        ),
        201,
    ),
    m(
        "image-delete-first-entry-dropped",
        "images",
        "DELETE /images leaves out the first Untagged/Deleted entry",
        &["ImageDelete"],
        Json(Drop("", Pick::First)),
        &["images/delete/*"],
    ),
    m(
        "image-history-created-retyped",
        "images",
        "image history with each Created as a string",
        &["ImageHistory"],
        Json(Retype("*/Created")),
        &["images/build/dockerfile", "images/import/from-src"],
    ),
    m(
        "build-no-error",
        "images",
        "a failed build's progress lines without error",
        &["ImageBuild"],
        Lines(Remove("error")),
        &["images/build/failures:*"],
    ),
    on_query(
        m(
            "import-no-status",
            "images",
            "an import's progress lines without status (which carries the new image's id)",
            &["ImageCreate"],
            Lines(Remove("status")),
            &["images/import/from-src"],
        ),
        "fromSrc",
    ),
    on_status(
        m(
            "commit-200",
            "images",
            "commit answers 200 instead of 201",
            &["ImageCommit"],
            Status(200),
            &["images/commit/changes", "images/delete/parents:*"],
        ),
        201,
    ),
    m(
        "image-prune-reclaimed-retyped",
        "images",
        "image prune with SpaceReclaimed as a string",
        &["ImagePrune"],
        Json(Retype("SpaceReclaimed")),
        &["images/prune/filters:*"],
    ),
    // volumes
    on_status(
        m(
            "volume-create-200",
            "volumes",
            "volume create answers 200 instead of 201",
            &["VolumeCreate"],
            Status(200),
            &["volumes/create/*"],
        ),
        201,
    ),
    m(
        "volume-inspect-no-mountpoint",
        "volumes",
        "volume inspect without Mountpoint",
        &["VolumeInspect"],
        Json(Remove("Mountpoint")),
        &["volumes/create/*"],
    ),
    m(
        "volume-inspect-labels-retyped",
        "volumes",
        "volume inspect with Labels as a string",
        &["VolumeInspect"],
        Json(Retype("Labels")),
        &["volumes/create/named", "volumes/create/driver-opts"],
    ),
    m(
        "volume-list-drops-dockhand-volumes",
        "volumes",
        "GET /volumes leaves out dockhand's volumes",
        &["VolumeList"],
        Json(Drop("Volumes", Pick::Containing("\"dh-"))),
        &["volumes/list/filters:*"],
    ),
    on_status(
        m(
            "volume-delete-in-use-500",
            "volumes",
            "removing a volume in use gets 500 instead of 409",
            &["VolumeDelete"],
            Status(500),
            &["volumes/remove/in-use:plain"],
        ),
        409,
    ),
    m(
        "volume-prune-first-deleted-dropped",
        "volumes",
        "volume prune leaves the first name out of VolumesDeleted",
        &["VolumePrune"],
        Json(Drop("VolumesDeleted", Pick::First)),
        &["volumes/data/prune"],
    ),
    // networks
    on_status(
        m(
            "network-create-200",
            "networks",
            "network create answers 200 instead of 201",
            &["NetworkCreate"],
            Status(200),
            &["networks/create/*"],
        ),
        201,
    ),
    m(
        "network-create-no-warning",
        "networks",
        "network create's reply without Warning",
        &["NetworkCreate"],
        Json(Remove("Warning")),
        &["networks/create/bridge:*", "networks/create/duplicate-name:*"],
    ),
    m(
        "network-inspect-internal-true",
        "networks",
        "network inspect says Internal: true for every network",
        &["NetworkInspect"],
        Json(Set("Internal", "true")),
        &["networks/create/bridge:plain"],
    ),
    m(
        "network-inspect-containers-retyped",
        "networks",
        "network inspect with Containers as a string",
        &["NetworkInspect"],
        Json(Retype("Containers")),
        &["networks/create/*", "networks/connect/aliases"],
    ),
    m(
        "network-list-drops-dockhand-networks",
        "networks",
        "GET /networks leaves out dockhand's networks",
        &["NetworkList"],
        Json(Drop("", Pick::Containing("\"dh-"))),
        &["networks/list/filters:*", "networks/create/*"],
    ),
    on_status(
        m(
            "network-connect-missing-500",
            "networks",
            "connecting to a missing network gets 500 instead of 404",
            &["NetworkConnect"],
            Status(500),
            &["networks/connect/errors:connect-missing-*"],
        ),
        404,
    ),
    on_status(
        m(
            "network-delete-200",
            "networks",
            "network delete answers 200 instead of 204",
            &["NetworkDelete"],
            Status(200),
            &["networks/remove/*"],
        ),
        204,
    ),
];

/// The shapes-on set: mutants of fields no hand-written assertion of their
/// named checks reads, which only the response shapes (docs/shapes.md) can
/// catch. `scripts/mutants --shapes` runs them with validation on (and no
/// known failures), baseline included; the catalogue above runs without.
pub static SHAPES: &[Mutant] = &[
    m(
        "inspect-cpushares-string",
        "containers",
        "container inspect gives HostConfig.CpuShares as a string (\"0\"), not an integer",
        &["ContainerInspect"],
        Json(Retype("HostConfig/CpuShares")),
        &["containers/create/config:*"],
    ),
    m(
        "inspect-networks-array",
        "containers",
        "container inspect gives NetworkSettings.Networks as an array, not a map of EndpointSettings",
        &["ContainerInspect"],
        Json(Set("NetworkSettings/Networks", "[]")),
        &["containers/create/config:*"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn names_are_unique_kebab_case_and_operations_exist() {
        let mut names = HashSet::new();
        for m in CATALOGUE.iter().chain(SHAPES) {
            assert!(names.insert(m.name), "{} twice", m.name);
            assert!(
                m.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                m.name
            );
            assert!(!m.operations.is_empty() && !m.catchers.is_empty(), "{}", m.name);
            for op in m.operations {
                assert!(
                    dockhand_harness::operations::find(op).is_some(),
                    "{}: no operation {op}",
                    m.name
                );
            }
            for glob in m.catchers {
                globset::Glob::new(glob).unwrap_or_else(|e| panic!("{}: {glob}: {e}", m.name));
            }
            if let Mutation::Json(JsonOp::Set(_, v)) | Mutation::Lines(JsonOp::Set(_, v)) = &m.mutation {
                serde_json::from_str::<serde_json::Value>(v).unwrap_or_else(|e| panic!("{}: {e}", m.name));
            }
        }
    }

    #[test]
    fn at_least_forty_mutants_over_every_area() {
        assert!(CATALOGUE.len() >= 40, "{}", CATALOGUE.len());
        let mut by_area = BTreeMap::new();
        for m in CATALOGUE {
            *by_area.entry(m.area).or_insert(0) += 1;
        }
        for area in [
            "system",
            "events",
            "containers",
            "logs",
            "exec",
            "attach",
            "archive",
            "images",
            "volumes",
            "networks",
        ] {
            assert!(by_area.get(area).copied().unwrap_or(0) >= 2, "area {area}: {by_area:?}");
        }
    }

    #[test]
    fn conditions_and_close_names() {
        let m = find("kill-stopped-500").unwrap();
        assert!(m.applies("ContainerKill", "", 409));
        assert!(!m.applies("ContainerKill", "", 204));
        assert!(!m.applies("ContainerStop", "", 409));
        let m = find("import-no-status").unwrap();
        assert!(m.applies("ImageCreate", "fromSrc=-&repo=x", 200));
        assert!(!m.applies("ImageCreate", "fromImage=x", 200));
        assert_eq!(
            close_names("logs-streams-swaped").first(),
            Some(&"logs-streams-swapped")
        );
        assert!(close_names("zzzzzzzz").is_empty());
    }
}
