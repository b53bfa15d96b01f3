//! dockhand-shapes: the Engine API's response shapes as data, and a validator
//! of replies against them.
//!
//! [`v1_41`] holds the reference's definitions ([`Def`], [`Field`], [`Ty`])
//! and, per operation ([`OpShape`], by the reference's `operationId`), the
//! body and media type of each documented status. Later versions are deltas
//! ([`delta::DELTAS`]); a [`Catalog`] is the shapes of one negotiated version.
//! [`Catalog::validate`] checks one reply and returns [`Finding`]s;
//! [`Catalog::route`] finds the operation a request reached.
//!
//! The crate knows nothing of checks or runs: the harness feeds it replies.

pub mod delta;
mod route;
pub use route::{path_version, route};
pub mod shape;
pub mod v1_41;
mod validate;

use dockhand_engine::ApiVersion;

pub use delta::Catalog;
pub use shape::{Body, Def, Field, OpShape, Ty};
pub use validate::{Finding, FindingKind, Reply, ACTUAL_MAX};

/// The oldest version the shapes describe: v1.41, the base. A reply to a
/// request sent under an older version (`/v1.11/version`, a run pinned to
/// `--api-version 1.40`) is not validated: dockhand has no deltas going
/// back, and an older version's replies differ (errors were plain text
/// before 1.24).
pub const FLOOR: ApiVersion = ApiVersion::new(1, 41);

/// The operations of the base version, v1.41.
pub fn operations() -> &'static [OpShape] {
    v1_41::OPS
}

/// The number of (operation, status) shapes the base version defines: every
/// documented status of every operation.
pub fn shape_count() -> usize {
    v1_41::OPS.iter().map(|o| o.replies.len() + o.errors.len()).sum()
}
