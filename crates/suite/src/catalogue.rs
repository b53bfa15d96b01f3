//! The catalogue: the declaration of every bundled check (id, summary,
//! tags, lowest API version, needs, variants, the reference's operations),
//! area by area in run order. Each check's body lives in its area's module
//! (`<area>/<group>.rs`), and each area's shared helpers in its `mod.rs`.
//!
//! One place for the declarations, because they are data: `dockhand list`
//! prints them, and a reader looking for a check id finds it here.

pub(crate) mod system {
    use dockhand_engine::{ApiVersion, Method};
    use dockhand_harness::Check;

    use crate::system::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "system/ping/get",
                "GET /_ping answers 200 \"OK\" with API-Version, Docker-Experimental, OSType, Cache-Control and Pragma",
                |ctx| Box::pin(ping::run(ctx, Method::GET)),
            )
            .tags(&["ping", "smoke"])
            .reference(&["SystemPing", "SystemVersion"]),
            Check::new(
                "system/ping/head",
                "HEAD /_ping answers 200 with an empty body and the same headers as GET",
                |ctx| Box::pin(ping::run(ctx, Method::HEAD)),
            )
            .tags(&["ping", "smoke"])
            .min_api(ApiVersion::new(1, 40))
            .reference(&["SystemPingHead", "SystemVersion"]),
            Check::new(
                "system/version/fields",
                "GET /version has the documented fields, ApiVersion >= MinAPIVersion, an Engine component, and equals the unversioned /version",
                |ctx| Box::pin(version::run_fields(ctx)),
            )
            .tags(&["version", "smoke"])
            .reference(&["SystemVersion"]),
            Check::new(
                "system/version/unsupported",
                "a request under an API version above ApiVersion or below MinAPIVersion gets 400 naming the supported bound",
                |ctx| Box::pin(version::run_unsupported(ctx)),
            )
            .tags(&["version", "errors"])
            .variants(&["too-new", "too-old"])
            .reference(&["SystemVersion"]),
            Check::new(
                "system/info/fields",
                "GET /info has the documented fields, consistent with GET /version (ServerVersion, OSType, KernelVersion)",
                |ctx| Box::pin(info::run_fields(ctx)),
            )
            .tags(&["info", "smoke"])
            .reference(&["SystemInfo", "SystemVersion"]),
            Check::new(
                "system/info/container-counts",
                "GET /info's Containers, ContainersRunning/Paused/Stopped agree with GET /containers/json, including three containers of the check's own (running, created, exited)",
                |ctx| Box::pin(info::run_counts(ctx)),
            )
            .tags(&["info", "containers"])
            .reference(&["SystemInfo", "ContainerList", "ContainerCreate", "ContainerStart", "ContainerWait"]),
            Check::new(
                "system/events/container-lifecycle",
                "a labelled container's life streams create, start, die, destroy in order, with the documented fields",
                |ctx| Box::pin(events::run_lifecycle(ctx)),
            )
            .tags(&["events", "smoke"])
            .reference(&["SystemEvents", "ContainerCreate", "ContainerStart", "ContainerDelete"]),
            Check::new(
                "system/events/filters",
                "the type, event and label filters of GET /events let through exactly the matching events",
                |ctx| Box::pin(events::run_filters(ctx)),
            )
            .tags(&["events"])
            .variants(&["type", "event", "label"])
            .reference(&["SystemEvents", "VolumeCreate", "VolumeDelete"]),
            Check::new(
                "system/events/since-until",
                "GET /events with since and a past until replays the events and ends; with a near future until it ends by itself then",
                |ctx| Box::pin(events::run_since_until(ctx)),
            )
            .tags(&["events"])
            .reference(&["SystemEvents"]),
            Check::new(
                "system/events/bad-params",
                "GET /events with since after until, a malformed since, or malformed filters gets 400 bad parameter",
                |ctx| Box::pin(events::run_bad_params(ctx)),
            )
            .tags(&["events", "errors"])
            .variants(&["since-after-until", "bad-since", "bad-filters"])
            .reference(&["SystemEvents"]),
            Check::new(
                "system/df/usage",
                "GET /system/df has LayersSize, the probe image, the check's container and its volume with UsageData, and BuildCache",
                |ctx| Box::pin(df::run(ctx)),
            )
            .tags(&["df"])
            .reference(&["SystemDataUsage", "VolumeCreate", "ContainerCreate"]),
        ]
    }
}

pub(crate) mod containers {
    use dockhand_engine::ApiVersion;
    use dockhand_harness::Check;

    use crate::containers::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "containers/lifecycle/start-stop-logs",
                "create, start, stop, logs and remove a probe container, with the documented statuses and framing",
                |ctx| Box::pin(lifecycle::run(ctx)),
            )
            .tags(&["lifecycle", "logs", "smoke"])
            .reference(&[
                "ContainerCreate",
                "ContainerStart",
                "ContainerStop",
                "ContainerLogs",
                "ContainerDelete",
            ]),
            Check::new(
                "containers/create/config",
                "each create setting (env, cmd, entrypoint, workdir, user, labels, hostname) reaches the process and inspect",
                |ctx| Box::pin(create::run_config(ctx)),
            )
            .tags(&["create"])
            .variants(&["env", "cmd", "entrypoint", "workdir", "user", "labels", "hostname"])
            .reference(&[
                "ContainerCreate",
                "ContainerStart",
                "ContainerWait",
                "ContainerLogs",
                "ContainerInspect",
                "ContainerList",
            ]),
            Check::new(
                "containers/create/errors",
                "create refuses an invalid name (400), a taken name (409) and a missing image (404), and creates nothing",
                |ctx| Box::pin(create::run_errors(ctx)),
            )
            .tags(&["create", "errors"])
            .variants(&["invalid-name", "duplicate-name", "missing-image"])
            .reference(&["ContainerCreate", "ContainerList"]),
            Check::new(
                "containers/list/filters",
                "list filters (label, name, id, status, ancestor, exited, before/since, running only) select exactly the matching containers",
                |ctx| Box::pin(inspect::run_list(ctx)),
            )
            .tags(&["list"])
            // Each variant sets up its three containers once and asserts two filters.
            .variants(&[
                "label-and-name",
                "id-and-status",
                "ancestor-and-exited",
                "before-since-and-running-only",
            ])
            .reference(&["ContainerList", "ContainerCreate", "ContainerStart", "ContainerWait"]),
            Check::new(
                "containers/inspect/fields",
                "inspect of a running container reports the documented fields, by id, name and id prefix, with sizes on request",
                |ctx| Box::pin(inspect::run_fields(ctx)),
            )
            .tags(&["inspect"])
            .reference(&["ContainerInspect", "ContainerCreate", "ContainerStart"]),
            Check::new(
                "containers/errors/not-found",
                "every container endpoint answers 404 for a container that does not exist",
                |ctx| Box::pin(inspect::run_not_found(ctx)),
            )
            .tags(&["errors"])
            .reference(&[
                "ContainerInspect",
                "ContainerTop",
                "ContainerLogs",
                "ContainerChanges",
                "ContainerExport",
                "ContainerStats",
                "ContainerResize",
                "ContainerStart",
                "ContainerStop",
                "ContainerRestart",
                "ContainerKill",
                "ContainerUpdate",
                "ContainerRename",
                "ContainerPause",
                "ContainerUnpause",
                "ContainerWait",
                "ContainerDelete",
            ]),
            Check::new(
                "containers/top/processes",
                "top lists the probe's process under Titles, honours ps_args, and refuses a stopped container",
                |ctx| Box::pin(observe::run_top(ctx)),
            )
            .tags(&["top"])
            .variants(&["running", "ps-args", "stopped"])
            .reference(&["ContainerTop", "ContainerInspect"]),
            Check::new(
                "containers/stats/read",
                "stats once (stream=false, one-shot) and as a stream whose precpu_stats is the previous read's cpu_stats",
                |ctx| Box::pin(observe::run_stats(ctx)),
            )
            .tags(&["stats"])
            .min_api(ApiVersion::new(1, 41))
            .variants(&["one-shot", "stream"])
            .reference(&["ContainerStats"]),
            Check::new(
                "containers/changes/kinds",
                "changes reports a file the probe added (Kind 1) and one it modified (Kind 0)",
                |ctx| Box::pin(observe::run_changes(ctx)),
            )
            .tags(&["changes"])
            .reference(&["ContainerChanges"]),
            Check::new(
                "containers/export/tar",
                "export is a tar of the container's filesystem: the probe binary byte for byte, and a file the probe wrote",
                |ctx| Box::pin(observe::run_export(ctx)),
            )
            .tags(&["export"])
            .reference(&["ContainerExport"]),
            Check::new(
                "containers/kill/signal",
                "kill with a signal (by name or number) delivers it to the probe, which reports it; TERM and INT end it with 0",
                |ctx| Box::pin(signals::run_kill_signal(ctx)),
            )
            .tags(&["kill", "signals"])
            .variants(&[
                "sigusr1",
                "sighup",
                "sigwinch",
                "sigurg",
                "sigquit",
                "number-10",
                "sigterm",
                "sigint",
            ])
            .reference(&["ContainerKill", "ContainerLogs", "ContainerInspect", "ContainerWait"]),
            Check::new(
                "containers/kill/default-and-errors",
                "kill defaults to SIGKILL (exit code 137), refuses a stopped container (409) and an unknown signal (400)",
                |ctx| Box::pin(signals::run_kill_errors(ctx)),
            )
            .tags(&["kill", "errors"])
            .variants(&["default-sigkill", "stopped", "invalid-signal"])
            .reference(&["ContainerKill", "ContainerWait", "ContainerInspect"]),
            Check::new(
                "containers/pause/freeze",
                "pause freezes (State.Paused, status paused), unpause thaws; a signal sent while paused arrives after; kill works while paused",
                |ctx| Box::pin(signals::run_pause(ctx)),
            )
            .tags(&["pause"])
            .variants(&["pause-unpause", "signal-while-paused", "kill-while-paused"])
            .reference(&["ContainerPause", "ContainerUnpause", "ContainerKill", "ContainerInspect", "ContainerList", "ContainerWait"]),
            Check::new(
                "containers/resize/tty",
                "resize of a TTY container answers 200 and reaches the process as SIGWINCH",
                |ctx| Box::pin(signals::run_resize(ctx)),
            )
            .tags(&["resize", "tty"])
            .reference(&["ContainerResize", "ContainerLogs"]),
            Check::new(
                "containers/wait/condition",
                "wait returns when its condition is met: not-running, next-exit (after the next start), removed",
                |ctx| Box::pin(wait::run_condition(ctx)),
            )
            .tags(&["wait"])
            .min_api(wait::WAIT_CONDITIONS)
            .variants(&["not-running", "next-exit", "removed"])
            .reference(&["ContainerWait", "ContainerStart", "ContainerDelete", "ContainerInspect"]),
            Check::new(
                "containers/wait/exit-code",
                "wait, inspect and the exited filter report the probe's exit code",
                |ctx| Box::pin(wait::run_exit_code(ctx)),
            )
            .tags(&["wait"])
            .min_api(wait::WAIT_CONDITIONS)
            .variants(&["code-0", "code-1", "code-42", "code-255"])
            .reference(&["ContainerWait", "ContainerInspect", "ContainerList"]),
            Check::new(
                "containers/wait/invalid-condition",
                "wait refuses a condition outside not-running, next-exit, removed with 400",
                |ctx| Box::pin(wait::run_invalid_condition(ctx)),
            )
            .tags(&["wait"])
            .min_api(wait::WAIT_CONDITIONS)
            .reference(&["ContainerWait"]),
            Check::new(
                "containers/restart/manual",
                "restart of a running or stopped container runs the probe anew: state, StartedAt and Pid change",
                |ctx| Box::pin(restart::run_manual(ctx)),
            )
            .tags(&["restart", "lifecycle"])
            .variants(&["running", "stopped"])
            .reference(&["ContainerRestart", "ContainerStop", "ContainerInspect", "ContainerLogs"]),
            Check::new(
                "containers/stop/signal-timeout",
                "stop sends Config.StopSignal, then SIGKILL when the grace period (t or StopTimeout) ends: exit code 137",
                |ctx| Box::pin(restart::run_stop_signal(ctx)),
            )
            .tags(&["stop", "signals"])
            .variants(&["query-t", "stop-timeout"])
            .reference(&["ContainerStop", "ContainerCreate", "ContainerInspect", "ContainerLogs"]),
            Check::new(
                "containers/restart/policy",
                "restart policies: on-failure:2 restarts a failing probe twice (RestartCount 2), not a succeeding one; always restarts until stopped",
                |ctx| Box::pin(restart::run_policy(ctx)),
            )
            .tags(&["restart"])
            .variants(&["on-failure", "on-failure-success", "always-then-stop"])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerInspect", "ContainerStop", "ContainerLogs"]),
            Check::new(
                "containers/update/settings",
                "update of a running container changes its restart policy, memory limit and CPU shares, as inspect (and stats) then show",
                |ctx| Box::pin(restart::run_update(ctx)),
            )
            .tags(&["update"])
            .variants(&["restart-policy", "memory", "cpu-shares"])
            .reference(&["ContainerUpdate", "ContainerInspect", "ContainerStats"]),
            Check::new(
                "containers/rename/name",
                "rename gives the container a new name (the old one is gone) and refuses a name in use with 409",
                |ctx| Box::pin(restart::run_rename(ctx)),
            )
            .tags(&["rename"])
            .variants(&["new-name", "name-taken"])
            .reference(&["ContainerRename", "ContainerInspect", "ContainerList"]),
            Check::new(
                "containers/remove/delete",
                "remove refuses a running container (409), force removes it, v=1 removes its anonymous volume and v=0 keeps it",
                |ctx| Box::pin(remove::run_delete(ctx)),
            )
            .tags(&["remove"])
            .variants(&["running-conflict", "force-running", "anonymous-volume", "keep-volume"])
            .reference(&[
                "ContainerDelete",
                "ContainerInspect",
                "ContainerCreate",
                "VolumeInspect",
            ]),
            Check::new(
                "containers/remove/auto-remove",
                "a container with HostConfig.AutoRemove is gone after it exits; wait condition=removed reports its exit code",
                |ctx| Box::pin(remove::run_auto_remove(ctx)),
            )
            .tags(&["remove", "wait"])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerWait", "ContainerInspect"]),
            Check::new(
                "containers/prune/label",
                "prune with the case's label filter deletes its stopped containers (not the running one, nor one excluded by label!=)",
                |ctx| Box::pin(remove::run_prune(ctx)),
            )
            .tags(&["prune"])
            .variants(&["label", "label-not"])
            .reference(&["ContainerPrune", "ContainerInspect", "ContainerList"]),
        ]
    }
}

pub(crate) mod logs {
    use dockhand_engine::ApiVersion;
    use dockhand_harness::Check;

    use crate::logs::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "logs/framing/streams",
                "logs of a non-TTY container are frames of type 1 (stdout) and 2 (stderr) carrying exactly the selected streams' bytes",
                |ctx| Box::pin(framing::run_streams(ctx)),
            )
            .tags(&["logs", "framing"])
            .variants(&["stdout", "stderr", "both"])
            .reference(&["ContainerLogs", "ContainerAttach"]),
            Check::new(
                "logs/framing/tty-raw",
                "logs of a TTY container are the raw terminal bytes, not multiplexed, with no Content-Type",
                |ctx| Box::pin(framing::run_tty_raw(ctx)),
            )
            .tags(&["logs", "framing", "tty"])
            .reference(&["ContainerLogs", "ContainerAttach"]),
            Check::new(
                "logs/framing/timestamps",
                "timestamps=1 prefixes every line with an RFC 3339 time, never going back, within the container's life",
                |ctx| Box::pin(framing::run_timestamps(ctx)),
            )
            .tags(&["logs", "timestamps"])
            .reference(&["ContainerLogs"]),
            Check::new(
                "logs/select/tail",
                "tail=N returns the last N lines, tail=all every line, tail=0 none",
                |ctx| Box::pin(select::run_tail(ctx)),
            )
            .tags(&["logs"])
            .variants(&["two", "all", "zero"])
            .reference(&["ContainerLogs"]),
            Check::new(
                "logs/select/since-until",
                "since and until, as UNIX timestamps in seconds, cut the logs between two lines written 1.1 s apart",
                |ctx| Box::pin(select::run_since_until(ctx)),
            )
            .tags(&["logs", "timestamps"])
            .min_api(ApiVersion::new(1, 35))
            .reference(&["ContainerLogs"]),
            Check::new(
                "logs/follow/ends-on-exit",
                "follow=1 streams the lines of a running container and the stream ends by itself when the container exits",
                |ctx| Box::pin(follow::run(ctx)),
            )
            .tags(&["logs", "follow"])
            .reference(&["ContainerLogs"]),
            Check::new(
                "logs/errors/status",
                "logs with neither stdout nor stderr is 400; logs of a missing container is 404",
                |ctx| Box::pin(errors::run(ctx)),
            )
            .tags(&["logs", "errors"])
            .variants(&["no-stream", "missing-container"])
            .reference(&["ContainerLogs"]),
            Check::new(
                "logs/flood/64mib",
                "64 MiB of stdout comes back through the logs byte for byte (FNV-1a 64 of the payload equals the probe's)",
                |ctx| Box::pin(flood::run(ctx)),
            )
            .tags(&["logs", "slow"])
            .reference(&["ContainerLogs"]),
        ]
    }
}

pub(crate) mod exec {
    use dockhand_engine::ApiVersion;
    use dockhand_harness::Check;

    use crate::exec::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "exec/run/detached",
                "an exec started with Detach=true answers 200 with an empty body, runs, and inspect reports its exit code",
                |ctx| Box::pin(run::run_detached(ctx)),
            )
            .tags(&["exec"])
            .reference(&["ContainerExec", "ExecStart", "ExecInspect"]),
            Check::new(
                "exec/run/attached",
                "the probe binary run as an attached exec: 101 upgrade, stdout and stderr as frames of type 1 and 2, the stream ends, exit code inspected",
                |ctx| Box::pin(run::run_attached(ctx)),
            )
            .tags(&["exec", "framing", "smoke"])
            .reference(&["ContainerExec", "ExecStart", "ExecInspect", "ImageInspect"]),
            Check::new(
                "exec/run/inspect-running",
                "inspect of an exec reading stdin: Running, Pid, Open* and ProcessConfig; stdin echoed; after the half-close it ends with its exit code",
                |ctx| Box::pin(run::run_inspect_running(ctx)),
            )
            .tags(&["exec", "stdin"])
            .reference(&["ContainerExec", "ExecStart", "ExecInspect"]),
            Check::new(
                "exec/options/process",
                "an exec's Env, User, WorkingDir and Tty are what the probe sees (env, whoami, pwd; a TTY exec streams raw bytes)",
                |ctx| Box::pin(options::run(ctx)),
            )
            .tags(&["exec"])
            .min_api(ApiVersion::new(1, 35))
            .variants(&["env", "user", "workdir", "tty"])
            .reference(&["ContainerExec", "ExecStart", "ExecInspect"]),
            Check::new(
                "exec/resize/tty",
                "ExecResize of a running TTY exec answers 200 and the process receives SIGWINCH",
                |ctx| Box::pin(resize::run(ctx)),
            )
            .tags(&["exec", "tty"])
            .reference(&["ContainerExec", "ExecStart", "ExecResize"]),
            Check::new(
                "exec/errors/status",
                "ContainerExec answers 409 on a stopped or paused container and 404 on a missing one; a missing exec id is 404 to start, inspect and resize; ExecStart in a container paused since the create is 409",
                |ctx| Box::pin(errors::run(ctx)),
            )
            .tags(&["exec", "errors"])
            .variants(&["stopped-container", "paused-container", "missing-container", "missing-exec", "start-paused"])
            .reference(&["ContainerExec", "ExecStart", "ExecInspect", "ExecResize", "ContainerPause", "ContainerUnpause"]),
        ]
    }
}

pub(crate) mod attach {

    use dockhand_harness::Check;

    use crate::attach::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "attach/stdin/echo",
                "stdin written to an upgraded attach comes back on stdout through the probe; the half-close ends a StdinOnce container's input",
                |ctx| Box::pin(stdin::run(ctx)),
            )
            .tags(&["attach", "stdin", "smoke"])
            .reference(&["ContainerCreate", "ContainerAttach", "ContainerStart", "ContainerWait"]),
            Check::new(
                "attach/framing/streams",
                "attach streams frames of type 1 and 2 for the streams asked for, raw bytes with a TTY, and 200 with the same stream without the upgrade headers",
                |ctx| Box::pin(framing::run(ctx)),
            )
            .tags(&["attach", "framing"])
            .variants(&["both", "stdout-only", "stderr-only", "tty", "no-upgrade"])
            .reference(&["ContainerAttach", "ContainerStart"]),
            Check::new(
                "attach/replay/logs",
                "attach with logs=1 replays earlier output; with stream=0 the stream then ends, with stream=1 live output follows",
                |ctx| Box::pin(replay::run(ctx)),
            )
            .tags(&["attach", "logs"])
            .variants(&["logs-only", "logs-then-stream"])
            .reference(&["ContainerAttach", "ContainerLogs", "ContainerKill"]),
            Check::new(
                "attach/errors/missing-container",
                "attach to a container that does not exist is 404, with the upgrade headers or without",
                |ctx| Box::pin(errors::run(ctx)),
            )
            .tags(&["attach", "errors"])
            .reference(&["ContainerAttach"]),
        ]
    }
}

pub(crate) mod archive {

    use dockhand_harness::Check;

    use crate::archive::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "archive/roundtrip/put-then-cat",
                "a tar put into a created container is extracted: the probe's cat= prints the file from inside",
                |ctx| Box::pin(roundtrip::run_put_then_cat(ctx)),
            )
            .tags(&["archive", "smoke"])
            .reference(&["PutContainerArchive", "ContainerStart", "ContainerLogs"]),
            Check::new(
                "archive/roundtrip/stat",
                "HEAD gives X-Docker-Container-Path-Stat, base64 JSON with the name, size, mode, mtime and linkTarget of what was put",
                |ctx| Box::pin(roundtrip::run_stat(ctx)),
            )
            .tags(&["archive"])
            .variants(&["file", "directory", "symlink"])
            .reference(&["PutContainerArchive", "ContainerArchiveInfo"]),
            Check::new(
                "archive/roundtrip/get",
                "GET returns an application/x-tar holding what was put: names, contents, modes, mtimes, link targets",
                |ctx| Box::pin(roundtrip::run_get(ctx)),
            )
            .tags(&["archive"])
            .variants(&["file", "directory"])
            .reference(&["PutContainerArchive", "ContainerArchive"]),
            Check::new(
                "archive/errors/status",
                "archive endpoints: 404 for a missing path or container, 400 without path or when PUT targets a file, 403 on a read-only rootfs, noOverwriteDirNonDir refuses",
                |ctx| Box::pin(errors::run(ctx)),
            )
            .tags(&["archive", "errors"])
            .variants(&[
                "missing-path",
                "missing-container",
                "missing-path-parameter",
                "put-to-file",
                "read-only-rootfs",
                "no-overwrite-dir-non-dir",
            ])
            .reference(&["ContainerArchiveInfo", "ContainerArchive", "PutContainerArchive"]),
        ]
    }
}

pub(crate) mod images {
    use dockhand_engine::ApiVersion;
    use dockhand_harness::Check;

    use crate::images::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "images/build/dockerfile",
                "build FROM the probe with a build arg, COPY, ENV, ENTRYPOINT and labels; the stream ends with the image id, history lists the steps, a container shows the file and environment",
                |ctx| Box::pin(build::run_dockerfile(ctx)),
            )
            .tags(&["build", "history"])
            .min_api(ApiVersion::new(1, 30))
            .reference(&["ImageBuild", "ImageInspect", "ImageHistory", "ContainerCreate", "ContainerStart"]),
            Check::new(
                "images/build/failures",
                "a Dockerfile syntax error is refused before the build (400); a COPY of a missing file and a failing RUN report error and errorDetail in the stream and tag nothing",
                |ctx| Box::pin(build::run_failure(ctx)),
            )
            .tags(&["build", "errors"])
            .variants(&["unknown-instruction", "copy-missing", "run-fails"])
            .reference(&["ImageBuild"]),
            Check::new(
                "images/import/from-src",
                "import a rootfs tar from the request body (fromSrc=-) with repo, tag, message and changes; inspect shows them and a container's filesystem holds the file",
                |ctx| Box::pin(import::run_from_src(ctx)),
            )
            .tags(&["import"])
            .reference(&["ImageCreate", "ImageInspect", "ImageHistory", "ContainerCreate", "ContainerArchive"]),
            Check::new(
                "images/tag/create",
                "tag an image twice (201); inspect and a reference-filtered list show both tags; re-tagging moves a tag to another image",
                |ctx| Box::pin(import::run_tag(ctx)),
            )
            .tags(&["tag"])
            .reference(&["ImageTag", "ImageInspect", "ImageList"]),
            Check::new(
                "images/tag/errors",
                "tagging a missing image is 404; an invalid or upper-case repository name is 400 bad parameter",
                |ctx| Box::pin(import::run_tag_error(ctx)),
            )
            .tags(&["tag", "errors"])
            .variants(&["missing-image", "invalid-repo", "uppercase-repo"])
            .reference(&["ImageTag"]),
            Check::new(
                "images/inspect/fields",
                "inspect the probe by tag, full id and short id: the documented fields with their types; a missing image is 404",
                |ctx| Box::pin(import::run_inspect(ctx)),
            )
            .tags(&["inspect", "smoke"])
            .reference(&["ImageInspect"]),
            Check::new(
                "images/list/filters",
                "list images with the label, reference, dangling and before/since filters; each returns exactly the case's matching images with the summary fields",
                |ctx| Box::pin(list::run(ctx)),
            )
            .tags(&["list"])
            .variants(&["label", "reference", "dangling", "before-since"])
            .reference(&["ImageList"]),
            Check::new(
                "images/save/one",
                "save one image by tag (manifest names its config, whose digest is the image id, its tag and layers) and by id (no repositories file); delete it and load the archive back to the same id",
                |ctx| Box::pin(save::run_one(ctx)),
            )
            .tags(&["save", "load"])
            .reference(&["ImageGet", "ImageLoad", "ImageDelete", "ImageInspect"]),
            Check::new(
                "images/save/several",
                "save two images in one archive (names=a&names=b): one manifest entry each; delete both and load them back, quietly, to the same ids",
                |ctx| Box::pin(save::run_all(ctx)),
            )
            .tags(&["save", "load"])
            .reference(&["ImageGetAll", "ImageLoad", "ImageDelete", "ImageInspect"]),
            Check::new(
                "images/commit/changes",
                "commit a container that wrote a file, with repo, tag, comment, author and changes (ENV, LABEL, CMD): 201 with the id; inspect shows them and a container of the image prints the file",
                |ctx| Box::pin(commit::run_changes(ctx)),
            )
            .tags(&["commit"])
            .reference(&["ImageCommit", "ImageInspect", "ContainerCreate", "ContainerStart", "ContainerWait"]),
            Check::new(
                "images/commit/missing-container",
                "commit of a container that does not exist is 404",
                |ctx| Box::pin(commit::run_missing(ctx)),
            )
            .tags(&["commit", "errors"])
            .reference(&["ImageCommit"]),
            Check::new(
                "images/delete/in-use",
                "deleting an image a stopped container uses is 409 by tag and by id; force untags and deletes it (200), the container stays; deleting it again is 404",
                |ctx| Box::pin(delete::run_in_use(ctx)),
            )
            .tags(&["delete", "errors"])
            .reference(&["ImageDelete", "ImageInspect", "ContainerCreate", "ContainerInspect"]),
            Check::new(
                "images/delete/tags",
                "an image with two tags: delete by id is 409, delete by one tag only untags it, delete by the last tag untags and deletes",
                |ctx| Box::pin(delete::run_tags(ctx)),
            )
            .tags(&["delete", "tag"])
            .reference(&["ImageDelete", "ImageTag", "ImageInspect"]),
            Check::new(
                "images/delete/parents",
                "deleting a committed image also deletes its untagged parent, unless noprune=1",
                |ctx| Box::pin(delete::run_parents(ctx)),
            )
            .tags(&["delete", "commit"])
            .variants(&["prune", "noprune"])
            .reference(&["ImageDelete", "ImageCommit", "ImageInspect", "ContainerDelete"]),
            Check::new(
                "images/prune/filters",
                "prune with dangling=true removes only untagged images; dangling=false removes every unused one but keeps an image a container uses; the reply lists them and the space reclaimed",
                |ctx| Box::pin(prune::run(ctx)),
            )
            .tags(&["prune"])
            .min_api(ApiVersion::new(1, 29))
            .variants(&["dangling", "all-unused"])
            .reference(&["ImagePrune", "ImageInspect"]),
            Check::new(
                "images/registry/unreachable",
                "pull, push, search and distribution inspect against a registry that refuses connections fail with the documented status and a message naming it",
                |ctx| Box::pin(registry::run(ctx)),
            )
            .tags(&["registry", "errors"])
            .min_api(ApiVersion::new(1, 30))
            .variants(&["pull", "push", "search", "distribution"])
            .reference(&["ImageCreate", "ImagePush", "ImageSearch", "DistributionInspect", "ImageTag"]),
            Check::new(
                "images/registry/push-missing",
                "push of an image that does not exist locally is 404 no such image",
                |ctx| Box::pin(registry::run_push_missing(ctx)),
            )
            .tags(&["registry", "errors"])
            .reference(&["ImagePush"]),
        ]
    }
}

pub(crate) mod volumes {

    use dockhand_harness::Check;

    use crate::volumes::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "volumes/create/named",
                "a named local volume with labels: 201 and a Volume with Name, Driver, Mountpoint, Labels, Scope, Options, CreatedAt; inspect says the same",
                |ctx| Box::pin(create::run_named(ctx)),
            )
            .tags(&["volumes", "smoke"])
            .reference(&["VolumeCreate", "VolumeInspect"]),
            Check::new(
                "volumes/create/anonymous",
                "a volume created without a Name gets a generated one (\"If not specified, Docker generates a name\")",
                |ctx| Box::pin(create::run_anonymous(ctx)),
            )
            .tags(&["volumes"])
            .reference(&["VolumeCreate", "VolumeInspect"]),
            Check::new(
                "volumes/create/driver-opts",
                "DriverOpts type=tmpfs,device=tmpfs,o=size=1m come back as Options and mount a 1 MiB tmpfs in a container",
                |ctx| Box::pin(create::run_driver_opts(ctx)),
            )
            .tags(&["volumes"])
            .reference(&["VolumeCreate", "VolumeInspect", "ContainerCreate"]),
            Check::new(
                "volumes/create/invalid-name",
                "a local volume name with a slash is refused with 400 and nothing is created",
                |ctx| Box::pin(create::run_invalid_name(ctx)),
            )
            .tags(&["volumes", "errors"])
            // Not "too-short" (a one-character name): VolumeCreate documents
            // no name rule, and the two-character minimum is Docker's local
            // driver's own (Podman 4.3 accepts "a").
            .variants(&["slash"])
            .reference(&["VolumeCreate", "VolumeInspect"]),
            Check::new(
                "volumes/remove/missing",
                "inspect and delete of a volume that does not exist get 404 with a message",
                |ctx| Box::pin(remove::run_missing(ctx)),
            )
            .tags(&["volumes", "errors"])
            .variants(&["inspect", "delete"])
            .reference(&["VolumeInspect", "VolumeDelete"]),
            Check::new(
                "volumes/remove/in-use",
                "delete of a volume a container uses gets 409 (force too) and keeps it; once the container is gone, 204 and inspect gets 404",
                |ctx| Box::pin(remove::run_in_use(ctx)),
            )
            .tags(&["volumes", "errors"])
            .variants(&["plain", "force"])
            .reference(&["VolumeDelete", "VolumeInspect", "ContainerDelete"]),
            Check::new(
                "volumes/list/filters",
                "GET /volumes with the label (key, key=value), name, dangling and driver filters returns exactly the matching volumes",
                |ctx| Box::pin(list::run_filters(ctx)),
            )
            .tags(&["volumes", "list"])
            .variants(&["label", "label-value", "name", "dangling-true", "dangling-false", "driver"])
            .reference(&["VolumeList", "VolumeCreate"]),
            Check::new(
                "volumes/list/schema",
                "GET /volumes answers the required Volumes and Warnings as arrays (both x-nullable: false), each volume with the required fields",
                |ctx| Box::pin(list::run_schema(ctx)),
            )
            .tags(&["volumes", "list"])
            .reference(&["VolumeList"]),
            Check::new(
                "volumes/data/persists",
                "a file one container writes into a named volume is read back by another container mounting it elsewhere",
                |ctx| Box::pin(data::run_persists(ctx)),
            )
            .tags(&["volumes", "containers"])
            .reference(&["VolumeCreate", "ContainerCreate", "ContainerStart", "ContainerDelete"]),
            Check::new(
                "volumes/data/prune",
                "POST /volumes/prune with the check's label removes its unused volumes, reports them in VolumesDeleted with SpaceReclaimed, and keeps the one in use",
                |ctx| Box::pin(data::run_prune(ctx)),
            )
            .tags(&["volumes", "prune"])
            .reference(&["VolumePrune", "VolumeInspect"]),
        ]
    }
}

pub(crate) mod networks {

    use dockhand_harness::Check;

    use crate::networks::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "networks/create/bridge",
                "a bridge network, plain or internal, with labels and an option: 201 with Id and Warning; inspect and list show the documented fields",
                |ctx| Box::pin(create::run_bridge(ctx)),
            )
            .tags(&["networks", "smoke"])
            .variants(&["plain", "internal"])
            .reference(&["NetworkCreate", "NetworkInspect", "NetworkList"]),
            Check::new(
                "networks/create/ipam",
                "IPAM Subnet, IPRange and Gateway come back on inspect, and a container on the network gets an address in the range and that gateway",
                |ctx| Box::pin(create::run_ipam(ctx)),
            )
            .tags(&["networks"])
            .reference(&["NetworkCreate", "NetworkInspect", "ContainerCreate", "ContainerInspect"]),
            Check::new(
                "networks/create/duplicate-name",
                "a second network of the same name gets 409 with CheckDuplicate, and 201 with a Warning without it",
                |ctx| Box::pin(create::run_duplicate(ctx)),
            )
            .tags(&["networks", "errors"])
            .variants(&["check-duplicate", "no-check"])
            .reference(&["NetworkCreate", "NetworkList"]),
            Check::new(
                "networks/create/predefined-name",
                "creating a network named like a pre-defined one (bridge, host, none) gets 403",
                |ctx| Box::pin(create::run_predefined(ctx)),
            )
            .tags(&["networks", "errors"])
            .variants(&["bridge", "host", "none"])
            .reference(&["NetworkCreate"]),
            Check::new(
                "networks/remove/missing",
                "inspect and delete of a network that does not exist get 404 with a message",
                |ctx| Box::pin(remove::run_missing(ctx)),
            )
            .tags(&["networks", "errors"])
            .variants(&["inspect", "delete"])
            .reference(&["NetworkInspect", "NetworkDelete"]),
            Check::new(
                "networks/remove/in-use",
                "delete of a network a running container is attached to gets 403 and keeps it; after disconnect, 204 and inspect gets 404",
                |ctx| Box::pin(remove::run_in_use(ctx)),
            )
            .tags(&["networks", "errors"])
            .reference(&["NetworkDelete", "NetworkInspect", "NetworkDisconnect"]),
            Check::new(
                "networks/remove/prune",
                "POST /networks/prune with the check's label removes its unused networks, reports them in NetworksDeleted, and keeps the one in use",
                |ctx| Box::pin(remove::run_prune(ctx)),
            )
            .tags(&["networks", "prune"])
            .reference(&["NetworkPrune", "NetworkInspect"]),
            Check::new(
                "networks/list/filters",
                "GET /networks with the label, name, id, driver, type and dangling filters returns exactly the matching networks",
                |ctx| Box::pin(list::run_filters(ctx)),
            )
            .tags(&["networks", "list"])
            .variants(&["label", "label-value", "name", "id", "driver", "type-custom", "type-builtin", "dangling-true", "dangling-false"])
            .reference(&["NetworkList", "NetworkCreate"]),
            Check::new(
                "networks/connect/aliases",
                "connect of a running container with an alias: 200, the network's Containers and the container's Networks show it; disconnect: 200 and both forget it",
                |ctx| Box::pin(connect::run_aliases(ctx)),
            )
            .tags(&["networks", "smoke"])
            .reference(&["NetworkConnect", "NetworkDisconnect", "NetworkInspect", "ContainerInspect"]),
            Check::new(
                "networks/connect/errors",
                "connect or disconnect with a missing network or container gets 404, a second connect 403, a malformed body 400",
                |ctx| Box::pin(connect::run_errors(ctx)),
            )
            .tags(&["networks", "errors"])
            .variants(&[
                "connect-missing-network",
                "connect-missing-network-created",
                "connect-missing-container",
                "connect-twice",
                "connect-bad-body",
                "disconnect-missing-network",
                "disconnect-missing-network-created",
                "disconnect-missing-container",
            ])
            .reference(&["NetworkConnect", "NetworkDisconnect"]),
            Check::new(
                "networks/reach/dns",
                "a container reaches a peer on a user-defined network by its name, by an alias given at create, and by one given at connect",
                |ctx| Box::pin(reach::run_dns(ctx)),
            )
            .tags(&["networks", "dns"])
            .variants(&["name", "alias", "connect-alias"])
            .reference(&["NetworkCreate", "NetworkConnect", "ContainerCreate", "ContainerInspect"]),
            Check::new(
                "networks/reach/internal",
                "from an internal network a container cannot reach a peer's port published on its gateway; from a plain bridge network it can",
                |ctx| Box::pin(reach::run_internal(ctx)),
            )
            .tags(&["networks", "isolation"])
            .variants(&["internal", "bridge"])
            .reference(&["NetworkCreate", "ContainerCreate", "ContainerInspect"]),
            Check::new(
                "networks/reach/published",
                "a port published on 127.0.0.1 (HostPort 0, or a free port) is shown by inspect and list, and answers the host with the probe's greeting",
                |ctx| Box::pin(reach::run_published(ctx)),
            )
            .tags(&["networks", "ports"])
            .variants(&["port-zero", "fixed"])
            .reference(&["ContainerCreate", "ContainerInspect", "ContainerList"]),
        ]
    }
}

pub(crate) mod faults {

    use dockhand_harness::{Check, Need};

    use crate::faults::*;

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            Check::new(
                "faults/engine/absent",
                "an engine that is not there (no socket, or a socket nobody listens on) is unreachable at once, naming the socket",
                |ctx| Box::pin(daemon::run_absent(ctx)),
            )
            .tags(daemon::TAGS)
            .needs(&[Need::PrivateEngine])
            .variants(&["missing-socket", "dead-socket"])
            .reference(&["SystemVersion", "SystemPing"]),
            Check::new(
                "faults/daemon/killed-during-stop",
                "dockerd SIGKILLed while a stop (t=30) waits on a container: the stop call fails as connection lost at once, later calls are refused",
                |ctx| Box::pin(daemon::run_killed_during_stop(ctx)),
            )
            .tags(daemon::TAGS)
            .needs(&[Need::PrivateEngine])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerStop", "ContainerLogs", "SystemPing"]),
            Check::new(
                "faults/daemon/frozen-during-logs-follow",
                "dockerd frozen (SIGSTOP) during a logs follow: the stream goes idle after its idle deadline, naming the call; it answers again once thawed",
                |ctx| Box::pin(daemon::run_frozen_during_logs(ctx)),
            )
            .tags(daemon::TAGS)
            .needs(&[Need::PrivateEngine])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerLogs", "SystemPing"]),
            Check::new(
                "faults/daemon/frozen-during-create",
                "dockerd frozen (SIGSTOP) under a create: not responding after the call deadline, naming POST /containers/create; it answers again once thawed",
                |ctx| Box::pin(daemon::run_frozen_during_create(ctx)),
            )
            .tags(daemon::TAGS)
            .needs(&[Need::PrivateEngine])
            .reference(&["ContainerCreate", "SystemPing"]),
            Check::new(
                "faults/daemon/restarted-during-run",
                "dockerd (--live-restore) restarted while calls run: calls fail as unreachable or connection lost while it is down, each within its deadline, then succeed again on the same handle and a fresh one",
                |ctx| Box::pin(daemon::run_restarted_during_run(ctx)),
            )
            .tags(daemon::TAGS)
            .needs(&[Need::PrivateEngine])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerInspect", "ContainerLogs", "SystemVersion"]),
            Check::new(
                "faults/restart/policy",
                "which containers run after dockerd restarts: live-restore on/off x dockerd killed/stopped x restart policy no/always/unless-stopped, as documented",
                |ctx| Box::pin(restart::run_policy(ctx)),
            )
            .tags(&["faults", "private-engine", "restart"])
            .needs(&[Need::PrivateEngine])
            .variants(&[
                "live-restore-on-killed-no",
                "live-restore-on-stopped-no",
                "live-restore-off-killed-no",
                "live-restore-off-stopped-no",
                "live-restore-on-killed-always",
                "live-restore-on-stopped-always",
                "live-restore-off-killed-always",
                "live-restore-off-stopped-always",
                "live-restore-on-killed-unless-stopped",
                "live-restore-on-stopped-unless-stopped",
                "live-restore-off-killed-unless-stopped",
                "live-restore-off-stopped-unless-stopped",
            ])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerInspect"]),
            Check::new(
                "faults/restart/logs-survive",
                "a container's logs are all there, framed and in order, after dockerd is stopped or killed and started again",
                |ctx| Box::pin(restart::run_logs_survive(ctx)),
            )
            .tags(&["faults", "private-engine", "restart", "logs"])
            .needs(&[Need::PrivateEngine])
            .variants(&["stopped", "killed"])
            .reference(&["ContainerCreate", "ContainerStart", "ContainerLogs"]),
        ]
    }
}

pub(crate) mod swarm {
    use dockhand_engine::ApiVersion;
    use dockhand_harness::{Check, CheckFuture, Ctx, Need};

    use crate::swarm::*;

    /// A check of the area: it needs a swarm manager, and API 1.30, where the
    /// service and task fields the checks read are all present.
    fn swarm_check(id: &'static str, summary: &'static str, run: fn(Ctx) -> CheckFuture) -> Check {
        Check::new(id, summary, run)
            .min_api(ApiVersion::new(1, 30))
            .needs(&[Need::Swarm])
    }

    /// The checks of the area, registered in one place.
    pub(crate) fn checks() -> Vec<Check> {
        vec![
            swarm_check(
                "swarm/swarm/inspect-update",
                "inspect the swarm; update its labels and rotate the worker token at the current version; a stale version is refused",
                |ctx| Box::pin(spec::run(ctx)),
            )
            .tags(&["swarm"])
            .reference(&["SwarmInspect", "SwarmUpdate"]),
            swarm_check(
                "swarm/nodes/list-inspect",
                "list nodes (and filter by role), inspect one by ID and by name, 404 for an unknown node; a local cluster's nodes are all there",
                |ctx| Box::pin(nodes::run_list(ctx)),
            )
            .tags(nodes::TAGS)
            .reference(&["NodeList", "NodeInspect"]),
            swarm_check(
                "swarm/nodes/update",
                "update a node's labels and availability at its version; a stale version and an unknown node are refused",
                |ctx| Box::pin(nodes::run_update(ctx)),
            )
            .tags(nodes::TAGS)
            .reference(&["NodeInspect", "NodeUpdate"]),
            swarm_check(
                "swarm/services/lifecycle",
                "create, inspect, list, update (env, replicas, image tag) and delete a service, with convergence",
                |ctx| Box::pin(services::run_lifecycle(ctx)),
            )
            .tags(services::TAGS)
            .reference(&[
                "ServiceCreate",
                "ServiceInspect",
                "ServiceList",
                "ServiceUpdate",
                "ServiceDelete",
                "TaskList",
                "ImageTag",
                "ImageDelete",
            ]),
            swarm_check(
                "swarm/services/rollback",
                "rolling back an update restores the previous spec, and the tasks follow",
                |ctx| Box::pin(services::run_rollback(ctx)),
            )
            .tags(services::TAGS)
            .reference(&["ServiceCreate", "ServiceUpdate", "ServiceInspect", "TaskList"]),
            swarm_check(
                "swarm/services/spread",
                "replicas of a service spread over the nodes: as many replicas as nodes puts one on each",
                |ctx| Box::pin(services::run_spread(ctx)),
            )
            .tags(services::TAGS)
            .reference(&["ServiceCreate", "TaskList", "NodeList"]),
            swarm_check(
                "swarm/services/global",
                "a global service runs exactly one task on every schedulable node",
                |ctx| Box::pin(services::run_global(ctx)),
            )
            .tags(services::TAGS)
            .reference(&["ServiceCreate", "TaskList", "NodeList"]),
            swarm_check(
                "swarm/services/scale",
                "scaling a replicated service up (1 -> 4) and down (4 -> 2) converges to the new count",
                |ctx| Box::pin(services::run_scale(ctx)),
            )
            .tags(services::TAGS)
            .reference(&["ServiceCreate", "ServiceUpdate", "TaskList"]),
            swarm_check(
                "swarm/services/rolling-update",
                "a rolling update honours its order (stop-first, start-first) and parallelism",
                |ctx| Box::pin(services::run_rolling(ctx)),
            )
            .tags(services::TAGS)
            .variants(&["stop-first", "start-first", "parallel-2"])
            .reference(&["ServiceCreate", "ServiceUpdate", "ServiceInspect", "TaskList"]),
            swarm_check(
                "swarm/services/logs",
                "service and task logs carry the tasks' stdout and stderr lines on their own streams; tasks inspect by id",
                |ctx| Box::pin(services::run_logs(ctx)),
            )
            .tags(services::TAGS)
            .reference(&["ServiceLogs", "TaskLogs", "TaskList", "TaskInspect"]),
            swarm_check(
                "swarm/networks/dns-round-robin",
                "on an overlay network, tasks.<service> resolves to every task's address and connects; the service name resolves to its virtual IP",
                |ctx| Box::pin(networks::run_dns(ctx)),
            )
            .tags(networks::TAGS)
            .reference(&["NetworkCreate", "ServiceCreate", "ServiceInspect", "TaskList", "ServiceLogs"]),
            swarm_check(
                "swarm/networks/vip-connect",
                "on an overlay network, a connection to the service name reaches a task through the virtual IP",
                |ctx| Box::pin(networks::run_vip(ctx)),
            )
            .tags(networks::TAGS)
            .reference(&["NetworkCreate", "ServiceCreate", "ServiceLogs"]),
            swarm_check(
                "swarm/networks/ingress",
                "a port published on the ingress network is reachable on every node's address, also where no task runs",
                |ctx| Box::pin(networks::run_ingress(ctx)),
            )
            .tags(networks::TAGS)
            .reference(&["ServiceCreate", "ServiceInspect", "NodeList", "ServiceLogs"]),
            swarm_check(
                "swarm/data/secrets-configs",
                "secrets and configs: create, inspect (a secret's data is never returned), list by label, mount into a task with their content, delete, 404 after",
                |ctx| Box::pin(data::run(ctx)),
            )
            .tags(&["swarm", "secrets", "configs"])
            .reference(&[
                "SecretCreate",
                "SecretInspect",
                "SecretList",
                "SecretDelete",
                "ConfigCreate",
                "ConfigInspect",
                "ConfigList",
                "ConfigDelete",
                "ServiceCreate",
                "ServiceLogs",
            ]),
            swarm_check(
                "swarm/nodes/drain",
                "draining a node reschedules its tasks on the other nodes",
                |ctx| Box::pin(nodes::run_drain(ctx)),
            )
            .tags(nodes::TAGS)
            .reference(&["NodeUpdate", "ServiceCreate", "TaskList"]),
            swarm_check(
                "swarm/faults/kill-worker",
                "killing a worker's engine: the node goes Down and its tasks are rescheduled on healthy nodes",
                |ctx| Box::pin(faults::run_kill_worker(ctx)),
            )
            .tags(faults::TAGS)
            .needs(&[Need::Swarm, Need::Cluster])
            .reference(&["NodeList", "ServiceCreate", "TaskList"]),
            swarm_check(
                "swarm/faults/leader-election",
                "stopping the leader's engine: the other managers elect a new leader",
                |ctx| Box::pin(faults::run_leader(ctx)),
            )
            .tags(faults::TAGS)
            .needs(&[Need::Swarm, Need::Cluster])
            .reference(&["NodeList"]),
            swarm_check(
                "swarm/faults/quorum",
                "with 2 of 3 managers stopped, writes fail with a clear error; restarting one restores them",
                |ctx| Box::pin(faults::run_quorum(ctx)),
            )
            .tags(faults::TAGS)
            .needs(&[Need::Swarm, Need::Cluster])
            .reference(&["SecretCreate", "NodeList"]),
        ]
    }
}
