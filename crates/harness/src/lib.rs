//! dockhand-harness: the check framework.
//!
//! A [`Check`] is an async function of a [`Ctx`] with static [`CheckMeta`].
//! The [`Runner`] schedules [`PlannedCase`]s, unwinds cleanups, accounts for
//! leaks and watches the engine, and tells the world only through [`Event`]s,
//! which reporters consume.

pub mod check;
pub mod cluster;
pub mod config;
pub mod context;
pub mod deviation;
pub mod events;
pub mod exit;
pub mod failure;
pub mod hostnet;
pub mod interrupt;
pub mod journal;
pub mod known;
pub mod objects;
pub mod observed;
pub mod operations;
pub mod pattern;
pub mod plan;
pub mod probe;
pub mod reply;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod schema;
pub mod select;
pub mod session;
pub mod sweep;
pub mod unsupported;

pub use check::{Check, CheckBody, CheckCase, CheckFuture, CheckMeta, Need};
pub use cluster::{ClusterCtx, ClusterHandle, ClusterNode, ControlFuture, NodeControl};
pub use config::{ConfigError, EffectiveConfig, Overrides};
pub use context::{Cleanup, Ctx, Transcript};
pub use deviation::Deviation;
pub use dockhand_shapes::{Finding, FindingKind};
pub use events::{CaseKey, Counts, EngineSummary, Event, Outcome};
pub use failure::{CheckError, CheckResult, Mismatch};
pub use interrupt::{Interrupts, Signal};
pub use journal::{Journal, JournalError, JournalWriter};
pub use known::{KnownFailures, Listed};
pub use objects::{Capabilities, EngineIdentity, Family};
pub use observed::{Fact, Observed};
pub use operations::{Coverage, Operation, OPERATIONS};
pub use pattern::IdPattern;
pub use plan::PlannedCase;
pub use probe::{ProbeImage, ProbeState};
pub use report::{Fanout, JsonReporter, JunitReporter, Reporter, TerminalOptions, TerminalReporter};
pub use report::{OutputFormat, ReporterBuilder};
pub use runner::{RunSummary, Runner, RunnerOptions};
pub use select::{applicability, select, EngineCaps, Filter, Planner, SelectError};
pub use session::{Selection, Session, SessionError, SessionOptions, Target, TargetKind};
pub use sweep::{sweep, SweepReport, SweepScope};
