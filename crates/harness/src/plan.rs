//! [`PlannedCase`]: a check case as the runner will run it, with what the
//! planner decided before the run. Made by [`Planner`](crate::Planner), run by
//! the [`Runner`](crate::Runner).

use std::time::Duration;

use serde_json::Value;

use crate::check::CheckCase;
use crate::events::CaseKey;
use crate::known::Listed;

/// A case as the runner will run it: with its iteration, knobs and verdicts
/// decided before the run (skip reasons, known-failure reasons).
#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub case: CheckCase,
    pub iteration: u32,
    /// The check's configuration section (`{}` when none).
    pub settings: Value,
    /// The check's own deadline, overriding [`RunnerOptions::check_timeout`].
    pub timeout: Option<Duration>,
    /// Decided before running: not applicable here.
    pub skip: Option<String>,
    /// Listed in the known-failures file.
    pub known_failure: Option<Listed>,
    /// The `any-case` entries covering it: shape findings excused in it.
    pub excused: Vec<Listed>,
}

impl PlannedCase {
    pub fn key(&self) -> CaseKey {
        CaseKey {
            id: self.case.id(),
            iteration: self.iteration,
        }
    }
}
