//! Area `faults`: the engine misbehaves under dockhand, and dockhand must say
//! which way, within the call's deadline plus 1 s. Every case needs
//! `--private-engine` and breaks a throwaway private engine of its own
//! (dockhand-daemon), which it always removes; the run's engine is never touched.
//!
//! - [`daemon`]: absent, killed during a stop, frozen during a logs follow and
//!   a create, restarted during a run;
//! - [`restart`]: which containers run after a daemon restart (live restore ×
//!   kill or stop × restart policy), and logs that survive it.

mod daemon;
mod private;
mod restart;

use dockhand_harness::Check;
use dockhand_harness::Need;

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
