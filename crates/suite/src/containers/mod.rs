//! Area `containers`: the container endpoints, from create to prune.

mod common;
mod create;
mod inspect;
mod lifecycle;
mod observe;
mod remove;
mod restart;
mod signals;
mod wait;

use dockhand_engine::ApiVersion;
use dockhand_harness::Check;

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
