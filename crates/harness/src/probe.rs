//! The probe image, loaded once per engine: re-exported from
//! `dockhand-objects`, which environments share (see its `probe` module).

pub use dockhand_objects::probe::{ensure_on, ProbeImage, ProbeState};
