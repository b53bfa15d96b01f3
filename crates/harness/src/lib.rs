//! dockhand-harness: the check framework.
//!
//! A [`Check`] is an async function of a [`Ctx`] with static [`CheckMeta`].
//! The [`Runner`] schedules [`PlannedCase`]s, unwinds cleanups, accounts for
//! leaks and watches the engine, and tells the world only through [`Event`]s,
//! which reporters consume.

pub mod check;
pub mod context;
pub mod events;
pub mod exit;
pub mod probe;
pub mod runner;
pub mod sweep;

pub use check::{Check, CheckCase, CheckError, CheckFuture, CheckMeta, CheckResult, Mismatch, Need};
pub use context::{Cleanup, Ctx, Transcript};
pub use events::{CaseKey, Counts, EngineSummary, Event, Outcome};
pub use probe::{ProbeImage, ProbeState};
pub use runner::{PlannedCase, RunSummary, Runner, RunnerOptions};
pub use sweep::{sweep, SweepReport, SweepScope};
