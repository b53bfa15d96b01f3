//! Area `images`: build, import, tag, inspect, history, list, save and load,
//! commit, delete, prune, and the registry endpoints (which need a registry
//! that dockhand, offline, does not have: their success paths are skipped).

mod build;
mod commit;
mod delete;
mod import;
mod list;
mod prune;
mod registry;
mod save;
mod support;

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        build::dockerfile(),
        build::failures(),
        import::from_src(),
        import::tag(),
        import::tag_errors(),
        import::inspect_probe(),
        list::filters(),
        save::one(),
        save::all(),
        commit::changes(),
        commit::missing(),
        delete::in_use(),
        delete::tags(),
        delete::parents(),
        prune::prune(),
        registry::unreachable(),
        registry::push_missing(),
    ]
}
