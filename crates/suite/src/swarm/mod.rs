//! Area `swarm`: the swarm, its nodes, services, networks, secrets and
//! configs, and what happens when nodes fail.
//!
//! Checks that need only a swarm manager (`Need::Swarm`) run on any engine in
//! swarm mode; those that take nodes down need a local cluster
//! (`dockhand check --cluster NAME`, `Need::Cluster`). On a cluster, checks
//! that drain nodes, take them down or change the swarm's spec hold the
//! cluster gate exclusively; the rest share it (see `support::gate`).

mod data;
mod faults;
mod networks;
mod nodes;
mod services;
mod spec;
pub(crate) mod support;

use dockhand_engine::ApiVersion;
use dockhand_harness::{Check, CheckFuture, Ctx, Need};

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
