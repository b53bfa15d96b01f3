//! The order cases start in: [`order`] puts the longest first, by
//! [`History`], the durations earlier runs recorded in their journals, so
//! that a long case (`logs/flood/64mib`) does not start last and hold the
//! run's tail while the other workers idle. Without history, cases tagged
//! `slow` go first and the rest keep the plan's order.
//!
//! Only the start order changes: every case still runs, with the same
//! verdict, and `run-started` lists the selection in the plan's order.

use std::collections::{HashMap, VecDeque};
use std::path::Path;

use crate::journal::Journal;
use crate::plan::PlannedCase;

/// How many of the newest journals history is read from.
pub const JOURNALS_READ: usize = 5;

/// Case durations from earlier runs: the newest recorded per case id.
#[derive(Debug, Clone, Default)]
pub struct History {
    ms: HashMap<String, u64>,
}

impl History {
    /// The durations in the newest `newest` journals of `dir` (by
    /// modification time; a journal that cannot be read is passed over: a
    /// history is a hint, never a reason to stop a run).
    pub fn from_journals(dir: &Path, newest: usize) -> History {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return History::default();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        let mut h = History::default();
        // Oldest first, so that a newer run's figure wins.
        for (_, path) in files.iter().rev().take(newest).rev() {
            if let Ok(j) = Journal::load(path) {
                h.ms.extend(j.durations().map(|(id, ms)| (id.to_string(), ms)));
            }
        }
        h
    }

    /// A history of the given durations (case id, milliseconds).
    pub fn of<'a>(ms: impl IntoIterator<Item = (&'a str, u64)>) -> History {
        History {
            ms: ms.into_iter().map(|(id, ms)| (id.to_string(), ms)).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ms.is_empty()
    }

    /// The recorded duration of a case, in milliseconds.
    pub fn get(&self, case_id: &str) -> Option<u64> {
        self.ms.get(case_id).copied()
    }

    /// The median of the recorded durations: what a case without history
    /// is expected to take.
    fn median(&self) -> u64 {
        let mut v: Vec<u64> = self.ms.values().copied().collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    }
}

/// The plan in the order its cases should start: cases skipped before they
/// start first (they finish at once), then by expected duration, longest
/// first: the recorded one, else, for a case tagged `slow`, longer than any
/// recorded, else the median of the history. Ties keep the plan's order.
pub fn order(plan: Vec<PlannedCase>, history: &History) -> VecDeque<PlannedCase> {
    let median = history.median();
    let mut keyed: Vec<(u64, PlannedCase)> = plan
        .into_iter()
        .map(|pc| {
            let expected = if pc.skip.is_some() {
                u64::MAX
            } else if let Some(ms) = history.get(&pc.case.id()) {
                ms
            } else if pc.case.check.meta.tags.contains(&"slow") {
                u64::MAX - 1
            } else {
                median
            };
            (expected, pc)
        })
        .collect();
    // A stable sort: equal expectations keep the plan's order.
    keyed.sort_by_key(|(expected, _)| std::cmp::Reverse(*expected));
    keyed.into_iter().map(|(_, pc)| pc).collect()
}
