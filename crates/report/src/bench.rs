//! `dockhand bench --format json` files (docs/bench.md): [`BenchRun`]s, read
//! from the bench's own events ([`dockhand_bench::BenchEvent`]) by
//! [`parse_bench`], which [`crate::load`] calls for a file whose first event
//! is a bench's. The same rules as for a check's events: the file must open
//! with `bench-started`; a bench without `bench-finished`, or whose last line
//! was cut off, is kept and marked incomplete.

use dockhand_bench::{BenchEvent, EngineDesc, Overhead, ResultRow};
use serde_json::Value;

use crate::error::LoadError;
use crate::jsonl::json_values;

/// The event kinds only a bench writes: a file opening with one of them is
/// read as a bench's (`engine-down` and `interrupted` are a check's too).
pub const BENCH_ONLY: [&str; 5] = ["bench-started", "overhead", "result", "ratio", "bench-finished"];

/// The instrument's own cost on one engine (the `overhead` event).
#[derive(Debug, Clone)]
pub struct InstrumentOverhead {
    pub engine: String,
    pub measured: Option<Overhead>,
    /// Why it could not be measured (an engine over TLS or ssh).
    pub unavailable: Option<String>,
}

/// With two engines: the second's p50 and p99 over the first's (`ratio`).
#[derive(Debug, Clone)]
pub struct Ratio {
    pub workload: String,
    pub first: String,
    pub second: String,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

/// A `bench-finished`.
#[derive(Debug, Clone)]
pub struct BenchFinished {
    pub duration_ms: u64,
    pub removed: Vec<String>,
    pub exit_code: i32,
}

/// One `dockhand bench` run, from its events.
#[derive(Debug, Clone)]
pub struct BenchRun {
    /// The file it was read from, as given.
    pub source: String,
    pub run_id: String,
    pub started_at: String,
    pub engines: Vec<EngineDesc>,
    /// The measures in run order (`throughput/c4` per concurrency).
    pub workloads: Vec<String>,
    pub iterations: Option<u32>,
    pub duration_ms: Option<u64>,
    pub warmup: u32,
    pub rounds: u32,
    pub load_average: Option<[f64; 3]>,
    pub overhead: Vec<InstrumentOverhead>,
    /// Per workload one row per engine, in the order they came.
    pub results: Vec<ResultRow>,
    pub ratios: Vec<Ratio>,
    /// `engine-down`: engine, since, diagnosis.
    pub engine_down: Option<(String, String, String)>,
    /// `interrupted`: the signal.
    pub interrupted: Option<String>,
    pub finished: Option<BenchFinished>,
    /// The file's last line was cut off mid-way.
    pub torn: bool,
}

impl BenchRun {
    /// Whether the bench reached its `bench-finished`.
    pub fn is_complete(&self) -> bool {
        self.finished.is_some() && !self.torn
    }

    /// "docker vs podman": the engines' labels.
    pub fn title(&self) -> String {
        let labels: Vec<&str> = self.engines.iter().map(|e| e.label.as_str()).collect();
        labels.join(" vs ")
    }

    /// The workloads with results, in run order.
    pub fn measured_workloads(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.results {
            if !out.contains(&r.workload.as_str()) {
                out.push(&r.workload);
            }
        }
        out
    }

    /// The rows of one workload, one per engine.
    pub fn rows_of(&self, workload: &str) -> Vec<&ResultRow> {
        self.results.iter().filter(|r| r.workload == workload).collect()
    }

    pub fn ratio_of(&self, workload: &str) -> Option<&Ratio> {
        self.ratios.iter().find(|r| r.workload == workload)
    }

    /// Why the bench is incomplete or stopped early, if it is.
    pub fn note(&self) -> Option<String> {
        let who = format!("bench {} ({})", self.title(), self.source);
        if !self.is_complete() {
            let cut = if self.torn { ", its last line cut off" } else { "" };
            let end = if self.finished.is_some() {
                ""
            } else {
                " has no bench-finished event"
            };
            return Some(format!(
                "{who}{end}{cut}: interrupted or still running; {} of its {} workloads have results",
                self.measured_workloads().len(),
                self.workloads.len()
            ));
        }
        let why = match (&self.interrupted, &self.engine_down) {
            (_, Some((engine, since, diagnosis))) => format!("engine {engine} went down at {since} ({diagnosis})"),
            (Some(signal), None) => format!("it was interrupted ({signal})"),
            (None, None) => return None,
        };
        Some(format!(
            "{who}: {why}; results marked \"cut short\" are those of the operations done by then"
        ))
    }
}

/// The benches in `lines` (non-empty `(line number, text)` pairs of the file
/// `path`, whose whole text is `text`), each from its `bench-started`.
pub fn parse_bench(path: &str, text: &str, lines: &[(usize, &str)]) -> Result<Vec<BenchRun>, LoadError> {
    let (values, torn) = json_values(path, text, lines)?;
    let mut runs: Vec<BenchRun> = Vec::new();
    let hint = "give the output of `dockhand bench --format json`";
    for (n, value) in values {
        let not_event = |detail: String| LoadError::NotBenchEvent {
            path: path.to_string(),
            line: n,
            detail: format!("{detail}; {hint}"),
        };
        let Some(kind) = value.get("event").and_then(Value::as_str).map(str::to_string) else {
            return Err(not_event("no `event` field".into()));
        };
        if runs.is_empty() && kind != "bench-started" {
            return Err(LoadError::NoBenchStarted {
                path: path.to_string(),
                line: n,
                what: format!("`{kind}`"),
            });
        }
        let event: BenchEvent = serde_json::from_value(value).map_err(|e| {
            let what = if matches!(
                kind.as_str(),
                "run-started" | "check-started" | "check-finished" | "run-finished"
            ) {
                "a check's event in a bench's file (give each run's output as a file of its own)".to_string()
            } else {
                e.to_string()
            };
            not_event(format!("`{kind}`: {what}"))
        })?;
        if let BenchEvent::BenchStarted {
            run_id,
            started_at,
            engines,
            workloads,
            iterations,
            duration_ms,
            warmup,
            rounds,
            load_average,
        } = event
        {
            runs.push(BenchRun {
                source: path.to_string(),
                run_id,
                started_at,
                engines,
                workloads,
                iterations,
                duration_ms,
                warmup,
                rounds,
                load_average,
                overhead: Vec::new(),
                results: Vec::new(),
                ratios: Vec::new(),
                engine_down: None,
                interrupted: None,
                finished: None,
                torn: false,
            });
            continue;
        }
        let Some(run) = runs.last_mut() else {
            continue; // not reached: refused above
        };
        match event {
            BenchEvent::Overhead {
                engine,
                measured,
                unavailable,
            } => run.overhead.push(InstrumentOverhead {
                engine,
                measured,
                unavailable,
            }),
            BenchEvent::Result(row) => run.results.push(row),
            BenchEvent::Ratio {
                workload,
                first,
                second,
                p50,
                p99,
            } => run.ratios.push(Ratio {
                workload,
                first,
                second,
                p50,
                p99,
            }),
            BenchEvent::EngineDown {
                engine,
                since,
                diagnosis,
            } => run.engine_down = Some((engine, since, diagnosis)),
            BenchEvent::Interrupted { signal } => run.interrupted = Some(signal),
            BenchEvent::BenchFinished {
                duration_ms,
                removed,
                exit_code,
            } => {
                run.finished = Some(BenchFinished {
                    duration_ms,
                    removed,
                    exit_code,
                })
            }
            BenchEvent::BenchStarted { .. } => {}
        }
    }
    if torn {
        if let Some(run) = runs.last_mut() {
            run.torn = true;
        }
    }
    Ok(runs)
}
