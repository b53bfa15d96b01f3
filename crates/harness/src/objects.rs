//! Listing and removing labelled objects, and the engine identity whose
//! capabilities say which kinds can be listed: re-exported from
//! `dockhand-objects`, which environments share (see its `labelled` module).

pub use dockhand_objects::identity::{Capabilities, EngineIdentity, Family};
pub use dockhand_objects::labelled::{list, list_swarm, remove, Labelled, ObjectKind};
