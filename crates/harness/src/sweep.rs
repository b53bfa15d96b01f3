//! Sweeping what dockhand runs left behind: re-exported from
//! `dockhand-objects` (see its `sweep` module).

pub use dockhand_objects::sweep::{sweep, SweepReport, SweepScope};
