//! Exit codes: stable, documented, in one place.

/// Every selected check passed (or was skipped or a known failure).
pub const SUCCESS: i32 = 0;
/// At least one check failed or could not run.
pub const CHECK_FAILED: i32 = 1;
/// The engine is unreachable or not responding.
pub const ENGINE_DOWN: i32 = 2;
/// Usage or configuration error.
pub const USAGE: i32 = 3;
/// No check matched the selection.
pub const NO_MATCH: i32 = 4;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: i32 = 130;
