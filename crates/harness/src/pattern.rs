//! Matching ids: [`IdPattern`], the glob a selection, a skip, a
//! known-failures entry or a check's configuration section names cases by,
//! and [`closest`], the did-you-mean for an id, tag or key that matches
//! nothing.
//!
//! An id pattern is a glob in which `*` also crosses `/`. It selects a case
//! when it matches the case id (`check-id` or `check-id:variant`), the check
//! id (all its variants), or a group the check is in (`containers` and
//! `containers/lifecycle` both select `containers/lifecycle/start-stop-logs`).

use globset::{Glob, GlobMatcher};

use crate::check::CheckCase;

/// A compiled id glob.
#[derive(Debug, Clone)]
pub struct IdPattern {
    glob: String,
    matcher: GlobMatcher,
}

impl IdPattern {
    pub fn new(glob: &str) -> Result<Self, globset::Error> {
        Ok(IdPattern {
            glob: glob.to_string(),
            matcher: Glob::new(glob)?.compile_matcher(),
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.glob
    }

    /// Whether the pattern selects the case `case_id` of the check `check_id`.
    pub fn matches(&self, check_id: &str, case_id: &str) -> bool {
        let is = |s: &str| self.matcher.is_match(s);
        is(case_id) || is(check_id) || check_id.match_indices('/').any(|(i, _)| is(&check_id[..i]))
    }

    /// Whether the pattern selects the case.
    pub fn matches_case(&self, case: &CheckCase) -> bool {
        self.matches(case.check.meta.id, &case.id())
    }
}

/// The last `/`-separated segment of an id.
fn last_segment(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Up to `n` candidates close to `word`, best first: by normalized
/// Levenshtein distance on the whole id, or Jaro-Winkler similarity of the
/// last path segments, whichever is closer. Nothing when none is close.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>, n: usize) -> Vec<String> {
    const THRESHOLD: f64 = 0.75;
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| {
            let whole = strsim::normalized_levenshtein(word, c);
            let last = strsim::jaro_winkler(last_segment(word), last_segment(c));
            (whole.max(last), c)
        })
        .filter(|(score, _)| *score >= THRESHOLD)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, c)| c.to_string()).collect()
}
