//! Area `containers`: the container life-cycle endpoints.

mod lifecycle;

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub fn checks() -> Vec<Check> {
    vec![lifecycle::start_stop_logs()]
}
