//! Reading `--format json` event files into [`Run`]s, with the errors a user
//! can act on: [`LoadError`].
//!
//! Every line is first JSON, then redacted ([`crate::redact`]), then the
//! harness's [`Event`]. A file is refused (exit 3 in the binary) when it is
//! empty, not JSON lines, not dockhand's events, or does not open with
//! `run-started`. A run without `run-finished` (killed, or still running),
//! or whose last line was cut off mid-way, is kept and marked incomplete.
//!
//! A file whose first event is one only `dockhand bench --format json`
//! writes (`bench-started`, `result`, ...) is read as a bench's instead
//! ([`crate::bench`]); each file is one or the other, never both.
//!
//! The `unsupported` outcome (docs/json-events.md) is read whether or not the
//! harness this report is built with knows it: its evidence is taken from
//! the JSON, and an outcome the harness cannot parse is stood in for by a
//! `skipped` one, which no section reads for such a case.

use std::path::Path;

use dockhand_harness::{Event, Outcome};
use serde_json::Value;

use crate::bench::{parse_bench, BenchRun, BENCH_ONLY};
pub use crate::error::LoadError;
use crate::jsonl::json_values;
use crate::model::{Case, Finished, Run, Unsupported, Verdict};

/// What one file holds: check runs or benches (one kind per file).
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub runs: Vec<Run>,
    pub benches: Vec<BenchRun>,
}

/// The runs or benches in one event file (usually one; several when files
/// were joined).
pub fn load_file(path: &Path) -> Result<Loaded, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    parse(&shown, &String::from_utf8_lossy(&text))
}

/// The runs or benches in `text`, the content of the file named `path`.
pub fn parse(path: &str, text: &str) -> Result<Loaded, LoadError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(LoadError::Empty { path: path.to_string() });
    }
    let first_kind = serde_json::from_str::<Value>(lines[0].1)
        .ok()
        .and_then(|v| v.get("event").and_then(Value::as_str).map(str::to_string));
    if first_kind.is_some_and(|k| BENCH_ONLY.contains(&k.as_str())) {
        return Ok(Loaded {
            runs: Vec::new(),
            benches: parse_bench(path, text, &lines)?,
        });
    }
    Ok(Loaded {
        runs: parse_runs(path, text, &lines)?,
        benches: Vec::new(),
    })
}

/// The check runs in `lines` (the non-empty lines of `text`).
fn parse_runs(path: &str, text: &str, lines: &[(usize, &str)]) -> Result<Vec<Run>, LoadError> {
    let (values, torn) = json_values(path, text, lines)?;
    let mut runs: Vec<Run> = Vec::new();
    for (n, value) in values {
        let not_event = |detail: String| LoadError::NotEvent {
            path: path.to_string(),
            line: n,
            detail,
        };
        let Some(kind) = value.get("event").and_then(Value::as_str).map(str::to_string) else {
            return Err(not_event("no `event` field".into()));
        };
        if BENCH_ONLY.contains(&kind.as_str()) {
            return Err(not_event(format!(
                "`{kind}`: a bench's event in a check run's file; give each run's output as a file of its own"
            )));
        }
        let (event, unsupported) = event_of(value).map_err(|e| not_event(format!("`{kind}`: {e}")))?;
        if let Event::RunStarted {
            run_id,
            started_at,
            engine,
            selection,
            jobs,
            resumed_from,
        } = event
        {
            runs.push(Run {
                source: path.to_string(),
                run_id,
                started_at,
                engine,
                selection,
                jobs,
                resumed_from,
                cases: Vec::new(),
                finished: None,
                engine_down: None,
                interrupted: None,
                torn: false,
            });
            continue;
        }
        let Some(run) = runs.last_mut() else {
            return Err(LoadError::NoRunStarted {
                path: path.to_string(),
                line: n,
                what: format!("`{kind}`"),
            });
        };
        match event {
            Event::CheckFinished {
                case,
                area,
                outcome,
                duration_ms,
                transcript,
                cleanup_notes,
                schema,
                ..
            } => {
                let verdict = match &unsupported {
                    Some(_) => Verdict::Unsupported,
                    None => verdict_of(&outcome),
                };
                // A resumed run relays the earlier segments' verdicts again: the last one counts.
                run.cases.retain(|c| c.key != case);
                run.cases.push(Case {
                    key: case,
                    area,
                    verdict,
                    outcome,
                    unsupported,
                    duration_ms,
                    transcript,
                    cleanup_notes,
                    schema,
                });
            }
            Event::RunFinished {
                counts,
                duration_ms,
                exit_code,
            } => {
                run.finished = Some(Finished {
                    counts,
                    duration_ms,
                    exit_code,
                })
            }
            Event::EngineDown { since, diagnosis } => run.engine_down = Some((since, diagnosis)),
            Event::Interrupted { at } => run.interrupted = Some(at),
            // Nothing a report shows.
            Event::CheckStarted { .. } | Event::Swept { .. } | Event::RunStarted { .. } => {}
        }
    }
    if torn {
        if let Some(run) = runs.last_mut() {
            run.torn = true;
        }
    }
    Ok(runs)
}

/// The event, and the evidence when it is an `unsupported` case.
fn event_of(mut value: Value) -> Result<(Event, Option<Unsupported>), serde_json::Error> {
    let unsupported = match value.pointer("/outcome/kind").and_then(Value::as_str) {
        Some("unsupported") if value["event"] == "check-finished" => {
            Some(serde_json::from_value::<Unsupported>(value["outcome"].clone())?)
        }
        _ => None,
    };
    match serde_json::from_value::<Event>(value.clone()) {
        Ok(e) => Ok((e, unsupported)),
        Err(e) => {
            let Some(u) = &unsupported else { return Err(e) };
            // A harness without the `unsupported` kind: a stand-in outcome.
            value["outcome"] = serde_json::json!({"kind": "skipped", "reason": u.reason});
            Ok((serde_json::from_value(value)?, unsupported))
        }
    }
}

/// The column of an outcome, by its `kind` as the JSON names it, so that a
/// kind the harness adds later needs no change here beyond [`Verdict`].
fn verdict_of(outcome: &Outcome) -> Verdict {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.get("kind").and_then(Value::as_str).and_then(Verdict::from_kind))
        .unwrap_or(Verdict::Error)
}
