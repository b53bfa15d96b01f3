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
        spec::inspect_update(),
        nodes::list_inspect(),
        nodes::update(),
        services::lifecycle(),
        services::rollback(),
        services::spread(),
        services::global(),
        services::scale(),
        services::rolling_update(),
        services::logs(),
        networks::dns_round_robin(),
        networks::vip_connect(),
        networks::ingress(),
        data::secrets_configs(),
        nodes::drain(),
        faults::kill_worker(),
        faults::leader_election(),
        faults::quorum(),
    ]
}
