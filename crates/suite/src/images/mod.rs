//! Area `images`: build, import, tag, inspect, history, list, save and load,
//! commit, delete, prune, and the registry endpoints (which need a registry
//! that dockhand, offline, does not have: their success paths are skipped).

pub(crate) mod build;
pub(crate) mod commit;
pub(crate) mod delete;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod prune;
pub(crate) mod registry;
pub(crate) mod save;
pub(crate) mod support;
