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
/// Interrupted by Ctrl-C (SIGINT): 128 + 2, as for every stop signal
/// ([`crate::interrupt::Signal::exit_code`]).
pub const INTERRUPTED: i32 = 130;
/// Interrupted by SIGTERM: 128 + 15.
pub const TERMINATED: i32 = 143;
/// Interrupted by SIGHUP (the terminal or session went away): 128 + 1.
pub const HUNG_UP: i32 = 129;
