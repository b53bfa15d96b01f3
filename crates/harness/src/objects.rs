//! Listing and removing labelled objects: re-exported from
//! `dockhand-objects`, which environments share (see its `labelled` module).

pub use dockhand_objects::labelled::{list, list_swarm, remove, Labelled, ObjectKind};
