//! The runner's pieces: which checks claim a mutant's operations
//! ([`Listing`]), one `dockhand check` run and its outcomes ([`run_checks`]),
//! the baseline comparison ([`compare`]) and a mutant's verdict
//! ([`Verdict`]).
//!
//! dockhand is run as a program (`dockhand check --host … --format json`),
//! as a user runs it, so the mutants test the verdicts users get, through
//! the documented JSON events (`docs/json-events.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

use crate::catalogue::Mutant;

/// A runner failure.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot run {program}: {source}; build it with `cargo build -p dockhand`")]
    Spawn { program: String, source: std::io::Error },
    #[error("`dockhand {command}` failed (exit {code:?}): {stderr}")]
    Failed {
        command: String,
        code: Option<i32>,
        stderr: String,
    },
    #[error("`dockhand {command}` printed a line that is not JSON: {line}")]
    NotJson { command: String, line: String },
}

/// The bundled checks: each case id with the operations its check names.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub cases: Vec<(String, Vec<String>)>,
}

impl Listing {
    /// `dockhand list --format json` (which needs no engine).
    pub async fn load(dockhand: &Path) -> Result<Listing, RunError> {
        let out = output(dockhand, &["list", "--format", "json"]).await?;
        if !out.status.success() {
            return Err(failed("list", &out));
        }
        let mut cases = Vec::new();
        for v in json_lines("list", &out.stdout)? {
            let refs = v["reference"]
                .as_array()
                .map(|a| a.iter().filter_map(|r| r.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            cases.push((v["id"].as_str().unwrap_or_default().to_string(), refs));
        }
        Ok(Listing { cases })
    }

    /// The cases whose check names one of `mutant`'s operations.
    pub fn claimants(&self, mutant: &Mutant) -> Vec<String> {
        self.cases
            .iter()
            .filter(|(_, refs)| refs.iter().any(|r| mutant.operations.contains(&r.as_str())))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// One case's verdict in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `passed`, `failed`, `error`, `skipped`, `known-failure`, `fixed`, `not-run`.
    pub kind: String,
    /// The failure message or skip reason, when there is one.
    pub message: String,
}

impl Verdict {
    pub fn is_failure(&self) -> bool {
        self.kind == "failed" || self.kind == "error"
    }
}

/// What one `dockhand check` run gave.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// Verdict per case id (first iteration).
    pub cases: BTreeMap<String, Verdict>,
    pub exit_code: Option<i32>,
    /// The last lines of standard error, for a run that stopped early.
    pub stderr_tail: String,
}

/// Whether a run validates replies against the response shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shapes {
    /// `--no-shapes`: the catalogue's runs.
    Off,
    /// Validation on: the shapes-on set ([`crate::catalogue::SHAPES`]).
    On,
}

/// Runs `dockhand check --no-shapes --no-known-failures --host <host>
/// --format json <cases>` (without `--no-shapes` for [`Shapes::On`]).
///
/// Without the response shapes: a mutant of the catalogue must be killed by
/// the hand-written assertions of the checks it names, and a case whose
/// replies carry one of the engine's known shape deviations would otherwise
/// never pass unmutated. Without the known failures: their pins of shape
/// deviations cannot occur with the shapes off, and would report such cases
/// fixed, not passed; with the shapes on, a case with a pinned deviation is
/// no passing baseline, so it can kill nothing.
pub async fn run_checks(
    dockhand: &Path,
    host: &str,
    cases: &[String],
    jobs: Option<usize>,
    shapes: Shapes,
) -> Result<RunOutcome, RunError> {
    run(dockhand, host, cases, jobs, shapes, None).await
}

/// [`run_checks`] with the response shapes on and the known-failures file
/// `known_failures` (`--known-failures FILE`) instead of none: to show what
/// a list's entries excuse in a mutated run, and what they do not.
pub async fn run_checks_listed(
    dockhand: &Path,
    host: &str,
    cases: &[String],
    known_failures: &Path,
) -> Result<RunOutcome, RunError> {
    run(dockhand, host, cases, None, Shapes::On, Some(known_failures)).await
}

async fn run(
    dockhand: &Path,
    host: &str,
    cases: &[String],
    jobs: Option<usize>,
    shapes: Shapes,
    known_failures: Option<&Path>,
) -> Result<RunOutcome, RunError> {
    let mut args: Vec<String> = vec!["check".into()];
    if shapes == Shapes::Off {
        args.push("--no-shapes".into());
    }
    match known_failures {
        Some(file) => args.extend(["--known-failures".into(), file.display().to_string()]),
        None => args.push("--no-known-failures".into()),
    }
    args.extend(["--host".into(), host.into(), "--format".into(), "json".into()]);
    if let Some(j) = jobs {
        args.extend(["--jobs".into(), j.to_string()]);
    }
    args.extend(cases.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = output(dockhand, &args).await?;
    let mut outcome = RunOutcome {
        exit_code: out.status.code(),
        stderr_tail: tail(&String::from_utf8_lossy(&out.stderr), 5),
        ..RunOutcome::default()
    };
    for v in json_lines("check", &out.stdout)? {
        if v["event"] != "check-finished" || v["case"]["iteration"].as_u64() != Some(1) {
            continue;
        }
        let o = &v["outcome"];
        let message = o["message"].as_str().or(o["reason"].as_str()).unwrap_or_default();
        outcome.cases.insert(
            v["case"]["id"].as_str().unwrap_or_default().to_string(),
            Verdict {
                kind: o["kind"].as_str().unwrap_or("?").to_string(),
                message: message.to_string(),
            },
        );
    }
    if outcome.cases.is_empty() && !matches!(out.status.code(), Some(0 | 1)) {
        return Err(failed("check", &out));
    }
    Ok(outcome)
}

/// The JSON lines `dockhand <command>` printed.
fn json_lines(command: &str, stdout: &[u8]) -> Result<Vec<Value>, RunError> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).map_err(|_| RunError::NotJson {
                command: command.into(),
                line: line.to_string(),
            })
        })
        .collect()
}

async fn output(dockhand: &Path, args: &[&str]) -> Result<std::process::Output, RunError> {
    tokio::process::Command::new(dockhand)
        .args(args)
        .env_remove("DOCKHAND_LOG")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| RunError::Spawn {
            program: dockhand.display().to_string(),
            source,
        })
}

fn failed(command: &str, out: &std::process::Output) -> RunError {
    RunError::Failed {
        command: command.into(),
        code: out.status.code(),
        stderr: tail(&String::from_utf8_lossy(&out.stderr), 5),
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A case whose verdict differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub case: String,
    pub direct: Option<Verdict>,
    pub proxied: Option<Verdict>,
}

/// The cases whose verdict kinds differ between a direct and a proxied run.
pub fn compare(direct: &RunOutcome, proxied: &RunOutcome) -> Vec<Difference> {
    let cases: BTreeSet<&String> = direct.cases.keys().chain(proxied.cases.keys()).collect();
    cases
        .into_iter()
        .filter_map(|c| {
            let (d, p) = (direct.cases.get(c), proxied.cases.get(c));
            (d.map(|v| &v.kind) != p.map(|v| &v.kind)).then(|| Difference {
                case: c.clone(),
                direct: d.cloned(),
                proxied: p.cloned(),
            })
        })
        .collect()
}

/// The result of one mutant.
#[derive(Debug, Clone)]
pub struct MutantResult {
    pub mutant: &'static Mutant,
    /// Replies, frames or lines the proxy changed.
    pub applied: usize,
    /// Cases that passed in the baseline and failed or errored under the
    /// mutant, with the first line of their message.
    pub killed_by: Vec<(String, String)>,
    /// How many cases ran.
    pub cases: usize,
    /// Whether one of the killers matches the mutant's named checks.
    pub by_named: bool,
    /// A note on a run that ended abnormally (engine down, usage error).
    pub note: Option<String>,
}

impl MutantResult {
    pub fn killed(&self) -> bool {
        !self.killed_by.is_empty()
    }

    /// Judges a mutant's run against the baseline's verdicts.
    pub fn judge(mutant: &'static Mutant, baseline: &RunOutcome, run: &RunOutcome, applied: usize) -> MutantResult {
        let killed_by: Vec<(String, String)> = run
            .cases
            .iter()
            .filter(|(case, v)| v.is_failure() && baseline.cases.get(*case).is_some_and(|b| b.kind == "passed"))
            .map(|(case, v)| (case.clone(), v.message.lines().next().unwrap_or_default().to_string()))
            .collect();
        let named = globs(mutant.catchers);
        let by_named = killed_by.iter().any(|(c, _)| named.is_match(c));
        let note = match run.exit_code {
            Some(0 | 1) => None,
            code => Some(format!(
                "dockhand exited {code:?}: {}",
                run.stderr_tail.replace('\n', " / ")
            )),
        };
        MutantResult {
            mutant,
            applied,
            killed_by,
            cases: run.cases.len(),
            by_named,
            note,
        }
    }
}

/// A glob set of case-id globs (validated by the catalogue's tests).
pub fn globs(patterns: &[&str]) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        b.add(
            globset::GlobBuilder::new(p)
                .literal_separator(false)
                .build()
                .expect("catalogue globs are valid"),
        );
    }
    b.build().expect("catalogue globs build")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(cases: &[(&str, &str)]) -> RunOutcome {
        RunOutcome {
            cases: cases
                .iter()
                .map(|(c, k)| {
                    (
                        c.to_string(),
                        Verdict {
                            kind: k.to_string(),
                            message: format!("{k} message\nmore"),
                        },
                    )
                })
                .collect(),
            exit_code: Some(1),
            stderr_tail: String::new(),
        }
    }

    #[test]
    fn a_kill_is_a_pass_that_became_a_failure_or_error() {
        let m = crate::catalogue::find("logs-streams-swapped").unwrap();
        let base = outcome(&[
            ("logs/framing/streams:both", "passed"),
            ("logs/select/tail:two", "passed"),
            ("logs/x", "known-failure"),
            ("logs/y", "failed"),
        ]);
        let run = outcome(&[
            ("logs/framing/streams:both", "failed"),
            ("logs/select/tail:two", "passed"),
            ("logs/x", "error"),
            ("logs/y", "failed"),
        ]);
        let r = MutantResult::judge(m, &base, &run, 3);
        assert_eq!(
            r.killed_by,
            vec![("logs/framing/streams:both".to_string(), "failed message".to_string())]
        );
        assert!(r.killed() && r.by_named && r.note.is_none());
        let r = MutantResult::judge(m, &base, &base, 0);
        assert!(!r.killed());
    }

    #[test]
    fn the_baseline_comparison_names_each_difference() {
        let a = outcome(&[("a", "passed"), ("b", "skipped"), ("c", "passed")]);
        let b = outcome(&[("a", "passed"), ("b", "failed"), ("d", "passed")]);
        let d = compare(&a, &b);
        let cases: Vec<&str> = d.iter().map(|d| d.case.as_str()).collect();
        assert_eq!(cases, ["b", "c", "d"]);
        assert!(compare(&a, &a).is_empty());
    }
}
