//! The typed events a run emits: [`Event`]. Reporters (terminal, JSON lines,
//! JUnit, the journal) consume them; the runner never formats output itself.
//!
//! The JSON form of an event (`serde_json::to_string(&event)`) is the
//! `--format json` line format; docs/json-events.md documents it.

use dockhand_engine::CallRecord;
use dockhand_shapes::Finding;
use serde::{Deserialize, Serialize};

use crate::observed::Observed;
use crate::schema::ShapeSeen;

/// The outcome of one check case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    Passed,
    /// The engine did not behave as the reference says.
    Failed {
        message: String,
        /// The call and the reply's status or field the failure is about,
        /// when the check reported them: what a known failure's pin is
        /// matched against.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        observed: Option<Observed>,
    },
    /// The check could not run to a verdict (setup broke, timeout, panic, engine down).
    Error {
        message: String,
    },
    /// Not applicable to this engine, version or setup.
    Skipped {
        reason: String,
    },
    /// Failed with the deviation the known-failures file lists for the case.
    KnownFailure {
        message: String,
        reason: String,
        /// The pinned deviation, e.g. `VolumeList (GET /volumes) replying /Warnings = null`.
        #[serde(default)]
        deviation: String,
    },
    /// Listed as a known failure, yet passed: take it off the list.
    Fixed {
        reason: String,
    },
    /// Never started: the run stopped first.
    NotRun {
        reason: String,
    },
    /// The engine answered the case's operation with an explicit "not
    /// implemented" ([`crate::unsupported`] has the rule): its reply is the
    /// evidence. Never a pass; fails the run only under `--strict`.
    Unsupported {
        /// The reference's operation id, e.g. `PluginList`.
        operation: String,
        status: u16,
        /// The engine's message (or body), truncated.
        message: String,
        /// One line: why the reply counts as "not implemented".
        reason: String,
    },
}

impl Outcome {
    /// The short word reports print.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Failed { .. } => "FAIL",
            Outcome::Error { .. } => "ERROR",
            Outcome::Skipped { .. } => "SKIP",
            Outcome::KnownFailure { .. } => "KNOWN",
            Outcome::Fixed { .. } => "FIXED",
            Outcome::NotRun { .. } => "NOT RUN",
            Outcome::Unsupported { .. } => "UNSUPP",
        }
    }

    /// Whether this outcome makes the run fail (`--strict` adds
    /// [`Outcome::Unsupported`], see [`Counts::fail_run`]).
    pub fn fails_run(&self) -> bool {
        matches!(self, Outcome::Failed { .. } | Outcome::Error { .. })
    }

    /// Whether the case reached a verdict (and so is not re-run by `--resume`).
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::NotRun { .. })
    }

    /// The message or reason, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Passed => None,
            Outcome::Failed { message, .. } | Outcome::Error { message } => Some(message),
            Outcome::Skipped { reason } | Outcome::Fixed { reason } | Outcome::NotRun { reason } => Some(reason),
            Outcome::KnownFailure { message, .. } => Some(message),
            Outcome::Unsupported { reason, .. } => Some(reason),
        }
    }
}

/// Counts of outcomes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub error: usize,
    pub skipped: usize,
    pub known_failure: usize,
    pub fixed: usize,
    pub not_run: usize,
    /// Absent in events written before the outcome existed.
    #[serde(default)]
    pub unsupported: usize,
}

impl Counts {
    pub fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Error { .. } => self.error += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
            Outcome::KnownFailure { .. } => self.known_failure += 1,
            Outcome::Fixed { .. } => self.fixed += 1,
            Outcome::NotRun { .. } => self.not_run += 1,
            Outcome::Unsupported { .. } => self.unsupported += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed
            + self.failed
            + self.error
            + self.skipped
            + self.known_failure
            + self.fixed
            + self.not_run
            + self.unsupported
    }

    /// Whether these outcomes fail the run: a failure or an error, or, when
    /// `strict`, an unsupported operation.
    pub fn fail_run(&self, strict: bool) -> bool {
        self.failed + self.error > 0 || (strict && self.unsupported > 0)
    }
}

/// What the run knows about the engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineSummary {
    pub endpoint: String,
    /// What chose the endpoint: "from --host", "from context lab, chosen by
    /// DOCKER_CONTEXT", "the default" (absent in journals written before it).
    #[serde(default)]
    pub endpoint_source: String,
    pub name: String,
    pub version: String,
    pub api_version: String,
    pub os: String,
    pub arch: String,
}

/// One case's identity in events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CaseKey {
    /// `check-id` or `check-id:variant`.
    pub id: String,
    /// 1-based iteration (`--repeat`).
    pub iteration: u32,
}

/// An event of a run, in the order the runner emits them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    RunStarted {
        run_id: String,
        /// RFC 3339.
        started_at: String,
        engine: EngineSummary,
        /// The cases selected, in schedule order.
        selection: Vec<CaseKey>,
        jobs: usize,
        /// The journal of the run being resumed, if any.
        resumed_from: Option<String>,
    },
    /// Objects left by earlier crashed runs were removed.
    Swept {
        containers: usize,
        volumes: usize,
        networks: usize,
        images: usize,
    },
    CheckStarted {
        case: CaseKey,
        area: String,
    },
    CheckFinished {
        case: CaseKey,
        area: String,
        outcome: Outcome,
        duration_ms: u64,
        /// The API calls the check made, in order.
        transcript: Vec<CallRecord>,
        /// Cleanup problems, leaks included (a leak also fails the check).
        cleanup_notes: Vec<String>,
        /// Where the case's replies depart from the reference's shapes
        /// (`dockhand-shapes`); absent in journals written before them.
        #[serde(default)]
        schema: Vec<Finding>,
        /// The documented (operation, status) shapes the case's replies were
        /// validated against; absent in journals written before them.
        #[serde(default)]
        validated: Vec<ShapeSeen>,
    },
    /// The engine stopped answering; no further check is scheduled.
    EngineDown {
        since: String,
        diagnosis: String,
    },
    /// Ctrl-C: no further check is scheduled; running checks are cleaned up.
    Interrupted {
        at: String,
    },
    RunFinished {
        counts: Counts,
        duration_ms: u64,
        exit_code: i32,
    },
}
