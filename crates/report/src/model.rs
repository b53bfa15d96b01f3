//! What a report is made of: [`Run`]s (one `dockhand check` run each, from
//! its `run-started` to its `run-finished`), their [`Case`]s, and the
//! [`Verdict`] columns every table counts by.
//!
//! The events themselves are the harness's types ([`Event`], [`Outcome`]);
//! this module only adds what a report needs on top: the verdict as a column
//! (including `unsupported`, whatever the harness in use knows of it), the
//! evidence of an unsupported case, and tallies.

use std::collections::BTreeMap;

use dockhand_harness::Observed;
use dockhand_harness::{CaseKey, Counts, EngineSummary, Finding, Outcome};
use serde::Deserialize;

pub use dockhand_engine::CallRecord;

/// A case's verdict, as the report's tables count it: one column each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Failed,
    Error,
    Known,
    Unsupported,
    Fixed,
    Passed,
    Skipped,
    NotRun,
}

impl Verdict {
    /// Every column, in the order tables show them.
    pub const ALL: [Verdict; 8] = [
        Verdict::Passed,
        Verdict::Failed,
        Verdict::Error,
        Verdict::Known,
        Verdict::Unsupported,
        Verdict::Fixed,
        Verdict::Skipped,
        Verdict::NotRun,
    ];

    /// From an outcome's `kind` as `--format json` writes it.
    pub fn from_kind(kind: &str) -> Option<Verdict> {
        Some(match kind {
            "passed" => Verdict::Passed,
            "failed" => Verdict::Failed,
            "error" => Verdict::Error,
            "known-failure" => Verdict::Known,
            "unsupported" => Verdict::Unsupported,
            "fixed" => Verdict::Fixed,
            "skipped" => Verdict::Skipped,
            "not-run" => Verdict::NotRun,
            _ => return None,
        })
    }

    /// The `kind` it came from; also the key of data attributes and CSS classes.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Error => "error",
            Verdict::Known => "known-failure",
            Verdict::Unsupported => "unsupported",
            Verdict::Fixed => "fixed",
            Verdict::Skipped => "skipped",
            Verdict::NotRun => "not-run",
        }
    }

    /// The column's heading.
    pub fn heading(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Error => "error",
            Verdict::Known => "known",
            Verdict::Unsupported => "unsupported",
            Verdict::Fixed => "fixed",
            Verdict::Skipped => "skipped",
            Verdict::NotRun => "not run",
        }
    }

    /// The terminal's label (`PASS`, `UNSUPP`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Passed => "PASS",
            Verdict::Failed => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Known => "KNOWN",
            Verdict::Unsupported => "UNSUPP",
            Verdict::Fixed => "FIXED",
            Verdict::Skipped => "SKIP",
            Verdict::NotRun => "NOT RUN",
        }
    }

    /// Failed or error: what makes a run fail.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Failed | Verdict::Error)
    }
}

/// The evidence of an `unsupported` case: the operation, and the status and
/// message the engine answered it with (docs/json-events.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Unsupported {
    pub operation: String,
    pub status: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub reason: String,
}

/// One case's `check-finished`.
#[derive(Debug, Clone)]
pub struct Case {
    pub key: CaseKey,
    pub area: String,
    pub verdict: Verdict,
    /// The outcome as the harness parsed it. For an `unsupported` case read
    /// [`Case::unsupported`]: a harness without that kind holds a stand-in here.
    pub outcome: Outcome,
    pub unsupported: Option<Unsupported>,
    pub duration_ms: u64,
    pub transcript: Vec<CallRecord>,
    pub cleanup_notes: Vec<String>,
    pub schema: Vec<Finding>,
}

impl Case {
    /// `id` for the first iteration, `id #N` for later ones.
    pub fn name(&self) -> String {
        case_name(&self.key)
    }

    /// The failure's message, or the reason of any other outcome.
    pub fn detail(&self) -> Option<String> {
        if let Some(u) = &self.unsupported {
            return Some(format!(
                "{} answered {} {:?}: {}",
                u.operation, u.status, u.message, u.reason
            ));
        }
        self.outcome.detail().map(str::to_string)
    }

    /// The failure's facts (`observed`), when the check reported them.
    pub fn observed(&self) -> Option<&Observed> {
        match &self.outcome {
            Outcome::Failed { observed, .. } => observed.as_ref(),
            _ => None,
        }
    }

    /// Schema findings that fail a case (not `extra`, not `undocumented-status`).
    pub fn failing_findings(&self) -> impl Iterator<Item = &Finding> {
        self.schema.iter().filter(|f| f.kind.fails())
    }
}

/// `id` for the first iteration, `id #N` for later ones.
pub fn case_name(key: &CaseKey) -> String {
    if key.iteration <= 1 {
        key.id.clone()
    } else {
        format!("{} #{}", key.id, key.iteration)
    }
}

/// A `run-finished`.
#[derive(Debug, Clone)]
pub struct Finished {
    pub counts: Counts,
    pub duration_ms: u64,
    pub exit_code: i32,
}

/// One run, from its events.
#[derive(Debug, Clone)]
pub struct Run {
    /// The file it was read from, as given.
    pub source: String,
    pub run_id: String,
    pub started_at: String,
    pub engine: EngineSummary,
    pub selection: Vec<CaseKey>,
    pub jobs: usize,
    pub resumed_from: Option<String>,
    /// The cases in the order they finished.
    pub cases: Vec<Case>,
    /// `None` when the run never wrote `run-finished`: it was killed, or is
    /// still running. The report is then marked incomplete.
    pub finished: Option<Finished>,
    /// `engine-down`: since, and the watchdog's diagnosis.
    pub engine_down: Option<(String, String)>,
    /// `interrupted`: when.
    pub interrupted: Option<String>,
    /// The file's last line was cut off mid-way (a run killed while writing).
    pub torn: bool,
}

impl Run {
    /// "Podman Engine 4.3.1": the engine as it names itself.
    pub fn engine_title(&self) -> String {
        format!("{} {}", self.engine.name, self.engine.version)
    }

    /// Whether the run reached its `run-finished`.
    pub fn is_complete(&self) -> bool {
        self.finished.is_some() && !self.torn
    }

    /// Selected cases with no verdict in the file.
    pub fn unfinished(&self) -> Vec<&CaseKey> {
        self.selection
            .iter()
            .filter(|k| !self.cases.iter().any(|c| &c.key == *k))
            .collect()
    }

    /// The cases counted by verdict.
    pub fn tally(&self) -> Tally {
        Tally::of(self.cases.iter())
    }

    /// The cases counted by verdict, per area (areas sorted by name).
    pub fn tally_by_area(&self) -> BTreeMap<&str, Tally> {
        let mut by: BTreeMap<&str, Tally> = BTreeMap::new();
        for c in &self.cases {
            by.entry(c.area.as_str()).or_default().add(c.verdict);
        }
        by
    }

    pub fn case(&self, key: &CaseKey) -> Option<&Case> {
        self.cases.iter().find(|c| &c.key == key)
    }
}

/// Counts by verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [usize; Verdict::ALL.len()],
}

impl Tally {
    pub fn of<'a>(cases: impl Iterator<Item = &'a Case>) -> Tally {
        let mut t = Tally::default();
        for c in cases {
            t.add(c.verdict);
        }
        t
    }

    pub fn add(&mut self, v: Verdict) {
        self.counts[index(v)] += 1;
    }

    pub fn get(&self, v: Verdict) -> usize {
        self.counts[index(v)]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

fn index(v: Verdict) -> usize {
    Verdict::ALL.iter().position(|&x| x == v).unwrap_or_default()
}

/// The parts of a failure's message as `Mismatch` writes it:
/// `what (request): expected E, got A [reference: R]`. `None` when the
/// message has another form (an API error, a leak, a broken setup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageParts<'a> {
    pub what: &'a str,
    pub request: Option<&'a str>,
    pub expected: &'a str,
    pub actual: &'a str,
    pub reference: Option<&'a str>,
}

impl<'a> MessageParts<'a> {
    pub fn parse(message: &'a str) -> Option<MessageParts<'a>> {
        let (head, rest) = message.split_once(": expected ")?;
        let (expected, tail) = rest.split_once(", got ")?;
        let (actual, reference) = match tail.rfind(" [reference: ") {
            Some(i) if tail.ends_with(']') => (&tail[..i], Some(&tail[i + " [reference: ".len()..tail.len() - 1])),
            _ => (tail, None),
        };
        let (what, request) = match head.rfind(" (") {
            Some(i) if head.ends_with(')') => (&head[..i], Some(&head[i + 2..head.len() - 1])),
            _ => (head, None),
        };
        Some(MessageParts {
            what,
            request,
            expected,
            actual,
            reference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_parts_follow_the_mismatch_form() {
        let m = "second start of a running container (POST /v1.41/containers/abc/start): expected status 304, got status 204 [reference: ContainerStart: 304 container already started]";
        let p = MessageParts::parse(m).unwrap();
        assert_eq!(p.what, "second start of a running container");
        assert_eq!(p.request, Some("POST /v1.41/containers/abc/start"));
        assert_eq!(p.expected, "status 304");
        assert_eq!(p.actual, "status 204");
        assert_eq!(p.reference, Some("ContainerStart: 304 container already started"));
        let p = MessageParts::parse("limit: expected 5 results, got 25").unwrap();
        assert_eq!((p.what, p.request, p.reference), ("limit", None, None));
        assert_eq!(MessageParts::parse("the check panicked: index out of bounds"), None);
    }

    #[test]
    fn every_verdict_has_its_kind() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::from_kind(v.key()), Some(v));
        }
        assert_eq!(Verdict::from_kind("maybe"), None);
    }
}
