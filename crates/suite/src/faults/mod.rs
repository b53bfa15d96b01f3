//! Area `faults`: the engine misbehaves under dockhand, and dockhand must say
//! which way, within the call's deadline plus 1 s. Every case needs
//! `--private-engine` and breaks a throwaway private engine of its own
//! (dockhand-daemon), which it always removes; the run's engine is never touched.
//!
//! - [`daemon`]: absent, killed during a stop, frozen during a logs follow and
//!   a create, restarted during a run;
//! - [`restart`]: which containers run after a daemon restart (live restore ×
//!   kill or stop × restart policy), and logs that survive it.

pub(crate) mod daemon;
pub(crate) mod private;
pub(crate) mod restart;
