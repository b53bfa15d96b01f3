//! dockhand-objects: dockhand's objects on an engine.
//!
//! Everything dockhand creates carries labels ([`labels`]): the run, check
//! and case, the owning process and an expiry. [`list`] finds labelled
//! objects and [`remove`] deletes one; the runner's cleanup stack, its leak
//! accounting, the sweeper ([`sweep()`]) and environments' teardown all go
//! through them. [`ProbeImage`] loads the test image once per engine.
//! [`EngineIdentity`] says what the engine is and which endpoint families it
//! serves ([`Capabilities`]), so that listing skips the ones it lacks.
//!
//! This crate sits below both `dockhand-harness` (checks) and `dockhand-env`
//! (environments), so that neither needs the other for this plumbing.

pub mod identity;
pub mod labelled;
pub mod labels;
pub mod probe;
pub mod sweep;

pub use identity::{Capabilities, EngineIdentity, Family};
pub use labelled::{list, list_swarm, remove, Labelled, ObjectKind};
pub use labels::{
    expired, hostname, owner, unix_now, LABEL_CASE, LABEL_CHECK, LABEL_EXPIRES, LABEL_OWNER, LABEL_RUN, OBJECT_LIFETIME,
};
pub use probe::{ensure_on, ProbeImage, ProbeState};
pub use sweep::{sweep, SweepReport, SweepScope};
