//! API v1.41, the base version: its definitions ([`defs`], [`swarm`]) and its
//! operations ([`ops::OPS`]). Later versions are deltas on it (`crate::delta`).

mod defs;
mod ops;
mod swarm;

pub use defs::*;
pub use ops::OPS;
pub use swarm::*;
