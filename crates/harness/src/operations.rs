//! [`OPERATIONS`]: the Engine API's operations as dockhand knows them, and
//! [`Coverage`], which of them the registered checks exercise.
//!
//! The table holds the 106 operations of the v1.41 reference (moby's
//! `docs/api/v1.41.yaml`): every `operationId` with its method, path template
//! and tag, the first API version dockhand may use it at, and a line of
//! dockhand's own saying what it does. A check names the operations it
//! exercises in `CheckMeta::reference`, by these ids.
//!
//! `min_api` is the version whose reference first documents the operation,
//! floored at dockhand's oldest supported version ([`MIN_API_VERSION`], 1.25):
//! operations older than that say 1.25.

use dockhand_engine::{ApiVersion, MIN_API_VERSION};

use crate::check::Check;

/// One operation of the Engine API.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Operation {
    /// The reference's `operationId`, e.g. `ContainerStart`.
    pub id: &'static str,
    pub method: &'static str,
    /// The path template, unversioned, e.g. `/containers/{id}/start`.
    pub path: &'static str,
    /// The reference's tag (its section), e.g. `Container`.
    pub tag: &'static str,
    /// The first API version that has the operation (1.25 at the lowest).
    pub min_api: ApiVersion,
    /// What it does, in a line.
    pub summary: &'static str,
}

impl Operation {
    /// Swarm-mode, plugin and session operations: the ones a stock engine
    /// outside a swarm, with no plugins, mostly cannot serve.
    pub fn is_core(&self) -> bool {
        !matches!(
            self.tag,
            "Swarm" | "Node" | "Service" | "Task" | "Secret" | "Config" | "Plugin" | "Session"
        )
    }
}

const V125: ApiVersion = MIN_API_VERSION;

const fn op(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    min_api: ApiVersion,
    summary: &'static str,
) -> Operation {
    Operation {
        id,
        method,
        path,
        tag,
        min_api,
        summary,
    }
}

/// Every operation of the v1.41 reference, in the reference's order.
pub const OPERATIONS: &[Operation] = &[
    // Container
    op(
        "ContainerList",
        "GET",
        "/containers/json",
        "Container",
        V125,
        "lists containers, running ones unless all is set, with filters",
    ),
    op(
        "ContainerCreate",
        "POST",
        "/containers/create",
        "Container",
        V125,
        "creates a container from an image and a configuration, optionally named",
    ),
    op(
        "ContainerInspect",
        "GET",
        "/containers/{id}/json",
        "Container",
        V125,
        "returns a container's configuration and state",
    ),
    op(
        "ContainerTop",
        "GET",
        "/containers/{id}/top",
        "Container",
        V125,
        "lists the processes running in a container",
    ),
    op(
        "ContainerLogs",
        "GET",
        "/containers/{id}/logs",
        "Container",
        V125,
        "returns a container's stdout and stderr as logged, framed unless it has a TTY",
    ),
    op(
        "ContainerChanges",
        "GET",
        "/containers/{id}/changes",
        "Container",
        V125,
        "lists files added, modified or deleted in a container's filesystem",
    ),
    op(
        "ContainerExport",
        "GET",
        "/containers/{id}/export",
        "Container",
        V125,
        "streams a container's whole filesystem as a tar archive",
    ),
    op(
        "ContainerStats",
        "GET",
        "/containers/{id}/stats",
        "Container",
        V125,
        "returns resource usage samples, streamed or once",
    ),
    op(
        "ContainerResize",
        "POST",
        "/containers/{id}/resize",
        "Container",
        V125,
        "sets the size of a container's TTY",
    ),
    op(
        "ContainerStart",
        "POST",
        "/containers/{id}/start",
        "Container",
        V125,
        "starts a container; 304 when it already runs",
    ),
    op(
        "ContainerStop",
        "POST",
        "/containers/{id}/stop",
        "Container",
        V125,
        "stops a container with its stop signal, killing it after a grace period",
    ),
    op(
        "ContainerRestart",
        "POST",
        "/containers/{id}/restart",
        "Container",
        V125,
        "stops, then starts a container",
    ),
    op(
        "ContainerKill",
        "POST",
        "/containers/{id}/kill",
        "Container",
        V125,
        "sends a signal to a running container, SIGKILL by default",
    ),
    op(
        "ContainerUpdate",
        "POST",
        "/containers/{id}/update",
        "Container",
        V125,
        "changes a container's resource limits and restart policy in place",
    ),
    op(
        "ContainerRename",
        "POST",
        "/containers/{id}/rename",
        "Container",
        V125,
        "gives a container a new name",
    ),
    op(
        "ContainerPause",
        "POST",
        "/containers/{id}/pause",
        "Container",
        V125,
        "freezes every process of a container",
    ),
    op(
        "ContainerUnpause",
        "POST",
        "/containers/{id}/unpause",
        "Container",
        V125,
        "thaws a paused container",
    ),
    op(
        "ContainerAttach",
        "POST",
        "/containers/{id}/attach",
        "Container",
        V125,
        "hijacks the connection for a container's stdin, stdout and stderr",
    ),
    op(
        "ContainerAttachWebsocket",
        "GET",
        "/containers/{id}/attach/ws",
        "Container",
        V125,
        "attaches to a container over a websocket",
    ),
    op(
        "ContainerWait",
        "POST",
        "/containers/{id}/wait",
        "Container",
        V125,
        "blocks until a container reaches a condition, then returns its exit code",
    ),
    op(
        "ContainerDelete",
        "DELETE",
        "/containers/{id}",
        "Container",
        V125,
        "removes a container, optionally forced and with its anonymous volumes",
    ),
    op(
        "ContainerArchiveInfo",
        "HEAD",
        "/containers/{id}/archive",
        "Container",
        V125,
        "describes a path in a container in a header, without its content",
    ),
    op(
        "ContainerArchive",
        "GET",
        "/containers/{id}/archive",
        "Container",
        V125,
        "returns a path in a container as a tar archive",
    ),
    op(
        "PutContainerArchive",
        "PUT",
        "/containers/{id}/archive",
        "Container",
        V125,
        "extracts a tar archive into a directory of a container",
    ),
    op(
        "ContainerPrune",
        "POST",
        "/containers/prune",
        "Container",
        V125,
        "removes stopped containers matching filters",
    ),
    // Image
    op(
        "ImageList",
        "GET",
        "/images/json",
        "Image",
        V125,
        "lists images, with filters",
    ),
    op(
        "ImageBuild",
        "POST",
        "/build",
        "Image",
        V125,
        "builds an image from a tar context with a Dockerfile, streaming progress",
    ),
    op(
        "BuildPrune",
        "POST",
        "/build/prune",
        "Image",
        ApiVersion::new(1, 31),
        "removes build cache",
    ),
    op(
        "ImageCreate",
        "POST",
        "/images/create",
        "Image",
        V125,
        "pulls an image from a registry, or imports one from a rootfs tar",
    ),
    op(
        "ImageInspect",
        "GET",
        "/images/{name}/json",
        "Image",
        V125,
        "returns an image's configuration and metadata",
    ),
    op(
        "ImageHistory",
        "GET",
        "/images/{name}/history",
        "Image",
        V125,
        "lists the steps that made an image, newest first",
    ),
    op(
        "ImagePush",
        "POST",
        "/images/{name}/push",
        "Image",
        V125,
        "pushes an image to its registry, streaming progress",
    ),
    op(
        "ImageTag",
        "POST",
        "/images/{name}/tag",
        "Image",
        V125,
        "adds a repository:tag name to an image",
    ),
    op(
        "ImageDelete",
        "DELETE",
        "/images/{name}",
        "Image",
        V125,
        "untags or deletes an image, and its untagged parents unless noprune",
    ),
    op(
        "ImageSearch",
        "GET",
        "/images/search",
        "Image",
        V125,
        "searches a registry for images",
    ),
    op(
        "ImagePrune",
        "POST",
        "/images/prune",
        "Image",
        V125,
        "deletes unused (by default only untagged) images matching filters",
    ),
    op(
        "ImageCommit",
        "POST",
        "/commit",
        "Image",
        V125,
        "makes an image from a container's filesystem and configuration",
    ),
    op(
        "ImageGet",
        "GET",
        "/images/{name}/get",
        "Image",
        V125,
        "exports one image as a tar archive",
    ),
    op(
        "ImageGetAll",
        "GET",
        "/images/get",
        "Image",
        V125,
        "exports several images in one tar archive",
    ),
    op(
        "ImageLoad",
        "POST",
        "/images/load",
        "Image",
        V125,
        "imports images and tags from a tar archive",
    ),
    // System
    op(
        "SystemAuth",
        "POST",
        "/auth",
        "System",
        V125,
        "checks registry credentials, possibly returning an identity token",
    ),
    op(
        "SystemInfo",
        "GET",
        "/info",
        "System",
        V125,
        "returns engine-wide information and counts",
    ),
    op(
        "SystemVersion",
        "GET",
        "/version",
        "System",
        V125,
        "returns the engine's version and its API versions",
    ),
    op(
        "SystemPing",
        "GET",
        "/_ping",
        "System",
        V125,
        "answers OK with the API version in the headers",
    ),
    op(
        "SystemPingHead",
        "HEAD",
        "/_ping",
        "System",
        ApiVersion::new(1, 40),
        "the ping's headers without a body",
    ),
    op(
        "SystemEvents",
        "GET",
        "/events",
        "System",
        V125,
        "streams engine events, with time bounds and filters",
    ),
    op(
        "SystemDataUsage",
        "GET",
        "/system/df",
        "System",
        V125,
        "returns the disk space used by images, containers, volumes and build cache",
    ),
    // Exec
    op(
        "ContainerExec",
        "POST",
        "/containers/{id}/exec",
        "Exec",
        V125,
        "creates an exec instance in a running container",
    ),
    op(
        "ExecStart",
        "POST",
        "/exec/{id}/start",
        "Exec",
        V125,
        "starts an exec instance, detached or attached",
    ),
    op(
        "ExecResize",
        "POST",
        "/exec/{id}/resize",
        "Exec",
        V125,
        "sets the size of an exec instance's TTY",
    ),
    op(
        "ExecInspect",
        "GET",
        "/exec/{id}/json",
        "Exec",
        V125,
        "returns an exec instance's state and exit code",
    ),
    // Volume
    op(
        "VolumeList",
        "GET",
        "/volumes",
        "Volume",
        V125,
        "lists volumes, with filters",
    ),
    op(
        "VolumeCreate",
        "POST",
        "/volumes/create",
        "Volume",
        V125,
        "creates a volume",
    ),
    op(
        "VolumeInspect",
        "GET",
        "/volumes/{name}",
        "Volume",
        V125,
        "returns a volume's details",
    ),
    op(
        "VolumeDelete",
        "DELETE",
        "/volumes/{name}",
        "Volume",
        V125,
        "removes a volume; 409 while a container uses it",
    ),
    op(
        "VolumePrune",
        "POST",
        "/volumes/prune",
        "Volume",
        V125,
        "removes unused volumes matching filters",
    ),
    // Network
    op(
        "NetworkList",
        "GET",
        "/networks",
        "Network",
        V125,
        "lists networks, with filters",
    ),
    op(
        "NetworkInspect",
        "GET",
        "/networks/{id}",
        "Network",
        V125,
        "returns a network's details and its endpoints",
    ),
    op(
        "NetworkDelete",
        "DELETE",
        "/networks/{id}",
        "Network",
        V125,
        "removes a network",
    ),
    op(
        "NetworkCreate",
        "POST",
        "/networks/create",
        "Network",
        V125,
        "creates a network",
    ),
    op(
        "NetworkConnect",
        "POST",
        "/networks/{id}/connect",
        "Network",
        V125,
        "connects a container to a network",
    ),
    op(
        "NetworkDisconnect",
        "POST",
        "/networks/{id}/disconnect",
        "Network",
        V125,
        "disconnects a container from a network",
    ),
    op(
        "NetworkPrune",
        "POST",
        "/networks/prune",
        "Network",
        V125,
        "removes unused networks matching filters",
    ),
    // Plugin
    op(
        "PluginList",
        "GET",
        "/plugins",
        "Plugin",
        V125,
        "lists installed plugins",
    ),
    op(
        "GetPluginPrivileges",
        "GET",
        "/plugins/privileges",
        "Plugin",
        V125,
        "lists the privileges a remote plugin asks for",
    ),
    op(
        "PluginPull",
        "POST",
        "/plugins/pull",
        "Plugin",
        V125,
        "pulls and installs a plugin",
    ),
    op(
        "PluginInspect",
        "GET",
        "/plugins/{name}/json",
        "Plugin",
        V125,
        "returns an installed plugin's details",
    ),
    op(
        "PluginDelete",
        "DELETE",
        "/plugins/{name}",
        "Plugin",
        V125,
        "removes a plugin",
    ),
    op(
        "PluginEnable",
        "POST",
        "/plugins/{name}/enable",
        "Plugin",
        V125,
        "enables a plugin",
    ),
    op(
        "PluginDisable",
        "POST",
        "/plugins/{name}/disable",
        "Plugin",
        V125,
        "disables a plugin",
    ),
    op(
        "PluginUpgrade",
        "POST",
        "/plugins/{name}/upgrade",
        "Plugin",
        ApiVersion::new(1, 26),
        "replaces a plugin with another remote version",
    ),
    op(
        "PluginCreate",
        "POST",
        "/plugins/create",
        "Plugin",
        V125,
        "creates a plugin from a rootfs and manifest tar",
    ),
    op(
        "PluginPush",
        "POST",
        "/plugins/{name}/push",
        "Plugin",
        V125,
        "pushes a plugin to a registry",
    ),
    op(
        "PluginSet",
        "POST",
        "/plugins/{name}/set",
        "Plugin",
        V125,
        "sets a plugin's settings",
    ),
    // Node
    op("NodeList", "GET", "/nodes", "Node", V125, "lists a swarm's nodes"),
    op(
        "NodeInspect",
        "GET",
        "/nodes/{id}",
        "Node",
        V125,
        "returns a node's details",
    ),
    op(
        "NodeDelete",
        "DELETE",
        "/nodes/{id}",
        "Node",
        V125,
        "removes a node from the swarm",
    ),
    op(
        "NodeUpdate",
        "POST",
        "/nodes/{id}/update",
        "Node",
        V125,
        "changes a node's spec at a given version",
    ),
    // Swarm
    op(
        "SwarmInspect",
        "GET",
        "/swarm",
        "Swarm",
        V125,
        "returns the swarm's details",
    ),
    op(
        "SwarmInit",
        "POST",
        "/swarm/init",
        "Swarm",
        V125,
        "makes the engine the first manager of a new swarm",
    ),
    op(
        "SwarmJoin",
        "POST",
        "/swarm/join",
        "Swarm",
        V125,
        "joins an existing swarm with a token",
    ),
    op("SwarmLeave", "POST", "/swarm/leave", "Swarm", V125, "leaves the swarm"),
    op(
        "SwarmUpdate",
        "POST",
        "/swarm/update",
        "Swarm",
        V125,
        "changes the swarm's spec, optionally rotating tokens or the unlock key",
    ),
    op(
        "SwarmUnlockkey",
        "GET",
        "/swarm/unlockkey",
        "Swarm",
        V125,
        "returns the key that unlocks a locked manager",
    ),
    op(
        "SwarmUnlock",
        "POST",
        "/swarm/unlock",
        "Swarm",
        V125,
        "unlocks a locked manager with its key",
    ),
    // Service
    op(
        "ServiceList",
        "GET",
        "/services",
        "Service",
        V125,
        "lists services, with filters",
    ),
    op(
        "ServiceCreate",
        "POST",
        "/services/create",
        "Service",
        V125,
        "creates a service",
    ),
    op(
        "ServiceInspect",
        "GET",
        "/services/{id}",
        "Service",
        V125,
        "returns a service's details",
    ),
    op(
        "ServiceDelete",
        "DELETE",
        "/services/{id}",
        "Service",
        V125,
        "removes a service",
    ),
    op(
        "ServiceUpdate",
        "POST",
        "/services/{id}/update",
        "Service",
        V125,
        "changes a service's spec at a given version, or rolls it back",
    ),
    op(
        "ServiceLogs",
        "GET",
        "/services/{id}/logs",
        "Service",
        ApiVersion::new(1, 29),
        "returns the logs of a service's tasks",
    ),
    // Task
    op("TaskList", "GET", "/tasks", "Task", V125, "lists tasks, with filters"),
    op(
        "TaskInspect",
        "GET",
        "/tasks/{id}",
        "Task",
        V125,
        "returns a task's details",
    ),
    op(
        "TaskLogs",
        "GET",
        "/tasks/{id}/logs",
        "Task",
        ApiVersion::new(1, 29),
        "returns a task's logs",
    ),
    // Secret
    op(
        "SecretList",
        "GET",
        "/secrets",
        "Secret",
        V125,
        "lists secrets, without their data",
    ),
    op(
        "SecretCreate",
        "POST",
        "/secrets/create",
        "Secret",
        V125,
        "creates a secret",
    ),
    op(
        "SecretInspect",
        "GET",
        "/secrets/{id}",
        "Secret",
        V125,
        "returns a secret's metadata",
    ),
    op(
        "SecretDelete",
        "DELETE",
        "/secrets/{id}",
        "Secret",
        V125,
        "removes a secret",
    ),
    op(
        "SecretUpdate",
        "POST",
        "/secrets/{id}/update",
        "Secret",
        V125,
        "changes a secret's labels at a given version",
    ),
    // Config
    op(
        "ConfigList",
        "GET",
        "/configs",
        "Config",
        ApiVersion::new(1, 30),
        "lists configs",
    ),
    op(
        "ConfigCreate",
        "POST",
        "/configs/create",
        "Config",
        ApiVersion::new(1, 30),
        "creates a config",
    ),
    op(
        "ConfigInspect",
        "GET",
        "/configs/{id}",
        "Config",
        ApiVersion::new(1, 30),
        "returns a config with its data",
    ),
    op(
        "ConfigDelete",
        "DELETE",
        "/configs/{id}",
        "Config",
        ApiVersion::new(1, 30),
        "removes a config",
    ),
    op(
        "ConfigUpdate",
        "POST",
        "/configs/{id}/update",
        "Config",
        ApiVersion::new(1, 30),
        "changes a config's labels at a given version",
    ),
    // Distribution
    op(
        "DistributionInspect",
        "GET",
        "/distribution/{name}/json",
        "Distribution",
        ApiVersion::new(1, 30),
        "asks the registry for an image's digest and platforms",
    ),
    // Session
    op(
        "Session",
        "POST",
        "/session",
        "Session",
        ApiVersion::new(1, 39),
        "upgrades the connection to HTTP/2 for client-side services (BuildKit)",
    ),
];

/// The operation with this id.
pub fn find(id: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.id == id)
}

/// One operation and the checks that name it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OperationCoverage {
    #[serde(flatten)]
    pub operation: Operation,
    /// Ids of the checks whose `reference` names the operation.
    pub checks: Vec<&'static str>,
}

/// `covered` of `total` operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub covered: usize,
    pub total: usize,
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.covered, self.total)
    }
}

/// Which operations of an API version the checks exercise.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Coverage {
    pub api_version: ApiVersion,
    pub operations: Vec<OperationCoverage>,
    /// Every operation of the version.
    pub overall: Tally,
    /// Leaving out swarm, plugin and session operations.
    pub core: Tally,
    /// Names in checks' `reference` that are no operation id (typos).
    pub unknown: Vec<UnknownReference>,
}

/// A check's `reference` entry that names no operation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnknownReference {
    pub check: &'static str,
    pub reference: &'static str,
}

impl Coverage {
    /// The coverage of the operations `version` has by `checks`. Every check
    /// that names an operation counts, so a check must name only operations
    /// it can pass on: a check that always skips (a success path nobody can
    /// reach offline) would claim coverage it never gives.
    pub fn of(checks: &[Check], version: ApiVersion) -> Coverage {
        let operations: Vec<OperationCoverage> = OPERATIONS
            .iter()
            .filter(|o| o.min_api <= version)
            .map(|o| OperationCoverage {
                operation: *o,
                checks: checks
                    .iter()
                    .filter(|c| c.meta.reference.contains(&o.id))
                    .map(|c| c.meta.id)
                    .collect(),
            })
            .collect();
        let tally = |core_only: bool| {
            let ops: Vec<_> = operations
                .iter()
                .filter(|o| !core_only || o.operation.is_core())
                .collect();
            Tally {
                covered: ops.iter().filter(|o| !o.checks.is_empty()).count(),
                total: ops.len(),
            }
        };
        let unknown = checks
            .iter()
            .flat_map(|c| {
                c.meta.reference.iter().map(move |r| UnknownReference {
                    check: c.meta.id,
                    reference: r,
                })
            })
            .filter(|u| find(u.reference).is_none())
            .collect();
        Coverage {
            api_version: version,
            overall: tally(false),
            core: tally(true),
            operations,
            unknown,
        }
    }

    /// The totals line: `covered 12/106 operations; outside swarm, plugins and session 12/64`.
    pub fn totals_line(&self) -> String {
        format!(
            "covered {} operations of API {}; outside swarm, plugins and session {}",
            self.overall, self.api_version, self.core
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_v1_41_reference_has_106_operations_64_outside_swarm_plugins_session() {
        assert_eq!(OPERATIONS.len(), 106);
        assert_eq!(OPERATIONS.iter().filter(|o| o.is_core()).count(), 64);
        let ids: HashSet<_> = OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(ids.len(), OPERATIONS.len(), "operation ids are unique");
        let routes: HashSet<_> = OPERATIONS.iter().map(|o| (o.method, o.path)).collect();
        assert_eq!(routes.len(), OPERATIONS.len(), "method and path are unique");
    }

    #[test]
    fn counts_by_tag() {
        let count = |t: &str| OPERATIONS.iter().filter(|o| o.tag == t).count();
        let want = [
            ("Container", 25),
            ("Image", 15),
            ("System", 7),
            ("Exec", 4),
            ("Volume", 5),
            ("Network", 7),
            ("Plugin", 11),
            ("Node", 4),
            ("Swarm", 7),
            ("Service", 6),
            ("Task", 3),
            ("Secret", 5),
            ("Config", 5),
            ("Distribution", 1),
            ("Session", 1),
        ];
        for (t, n) in want {
            assert_eq!(count(t), n, "operations tagged {t}");
        }
        assert_eq!(want.iter().map(|w| w.1).sum::<usize>(), OPERATIONS.len());
    }

    #[test]
    fn older_versions_have_fewer_operations() {
        let c = Coverage::of(&[], ApiVersion::new(1, 30));
        assert!(c
            .operations
            .iter()
            .all(|o| o.operation.min_api <= ApiVersion::new(1, 30)));
        assert!(!c.operations.iter().any(|o| o.operation.id == "SystemPingHead"));
        assert_eq!(c.overall.total, 106 - 3);
        assert_eq!(c.overall.covered, 0);
        assert!(OPERATIONS.iter().all(|o| o.min_api >= MIN_API_VERSION));
    }

    #[test]
    fn paths_are_templates_without_version() {
        for o in OPERATIONS {
            assert!(o.path.starts_with('/') && !o.path.starts_with("/v1"), "{}", o.id);
            assert!(["GET", "POST", "PUT", "DELETE", "HEAD"].contains(&o.method), "{}", o.id);
            assert!(!o.summary.is_empty() && o.summary.len() < 100, "{}", o.id);
        }
    }
}
