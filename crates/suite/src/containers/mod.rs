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

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        lifecycle::start_stop_logs(),
        create::config(),
        create::errors(),
        inspect::list_filters(),
        inspect::fields(),
        inspect::not_found(),
        observe::top(),
        observe::stats(),
        observe::changes(),
        observe::export(),
        signals::kill_signal(),
        signals::kill_errors(),
        signals::pause(),
        signals::resize(),
        wait::condition(),
        wait::exit_code(),
        wait::invalid_condition(),
        restart::manual(),
        restart::stop_signal(),
        restart::policy(),
        restart::update(),
        restart::rename(),
        remove::delete(),
        remove::auto_remove(),
        remove::prune(),
    ]
}
