//! Area `system`: ping, version, info, events and data usage.

mod df;
mod events;
mod info;
mod ping;
mod version;

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        ping::get(),
        ping::head(),
        version::fields(),
        version::unsupported(),
        info::fields(),
        info::container_counts(),
        events::container_lifecycle(),
        events::filters(),
        events::since_until(),
        events::bad_params(),
        df::usage(),
    ]
}
