//! Area `attach`.

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub fn checks() -> Vec<Check> {
    vec![]
}
