//! Area `swarm`: the swarm, its nodes, services, networks, secrets and
//! configs, and what happens when nodes fail.
//!
//! Checks that need only a swarm manager (`Need::Swarm`) run on any engine in
//! swarm mode; those that take nodes down need a local cluster
//! (`dockhand check --cluster NAME`, `Need::Cluster`). On a cluster, checks
//! that drain nodes, take them down or change the swarm's spec hold the
//! cluster gate exclusively; the rest share it (see `support::gate`).

pub(crate) mod data;
pub(crate) mod faults;
pub(crate) mod networks;
pub(crate) mod nodes;
pub(crate) mod services;
pub(crate) mod spec;
pub(crate) mod support;
