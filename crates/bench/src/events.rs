//! [`BenchEvent`]: what a bench tells its reporters, and with `--format
//! json` the world, one JSON object a line (docs/bench.md lists the fields);
//! [`BenchReporter`], their consumer, and [`JsonLines`], the JSON one.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::overhead::Overhead;
use crate::stats::Summary;

/// An engine of the bench, as the results name it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EngineDesc {
    /// Its name in the results (`docker 20.10.24+dfsg1`, or `--engine LABEL=URL`'s).
    pub label: String,
    pub endpoint: String,
    /// The product as the engine names itself (`Docker Engine - Community`, `Podman Engine`).
    pub product: String,
    pub version: String,
    /// The API version the bench speaks to it.
    pub api_version: String,
}

/// A workload's figures on one engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRow {
    /// The workload (`ping`, `throughput/c4`).
    pub workload: String,
    /// The engine's label.
    pub engine: String,
    /// Operations in flight at once.
    pub concurrency: u32,
    /// False for the workload a stop signal or an engine going down cut
    /// short: its figures are those of the operations done by then.
    pub complete: bool,
    #[serde(flatten)]
    pub summary: Summary,
    /// Every measured latency in microseconds, sorted: the CDF the plots draw.
    pub samples_us: Vec<f64>,
    /// The first error's message, when there were errors.
    pub first_error: Option<String>,
}

/// The event a bench emits, in this order: `bench-started`, `overhead` per
/// engine, per workload one `result` per engine and a `ratio` with two
/// engines, `engine-down` or `interrupted` at most once, `bench-finished`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum BenchEvent {
    BenchStarted {
        run_id: String,
        started_at: String,
        engines: Vec<EngineDesc>,
        /// The measures in run order (`throughput/c4` per concurrency).
        workloads: Vec<String>,
        /// Measured operations per workload and engine, or null with a duration.
        iterations: Option<u32>,
        /// Time per workload and engine, or null with iterations.
        duration_ms: Option<u64>,
        /// Operations per workload and engine discarded first.
        warmup: u32,
        /// Interleaved rounds per workload (engines alternate each round).
        rounds: u32,
        /// The host's 1, 5 and 15 minute load averages at the start.
        load_average: Option<[f64; 3]>,
    },
    /// The instrument's own cost on one engine: its ping against a raw
    /// socket's, or why it could not be measured.
    Overhead {
        engine: String,
        #[serde(flatten)]
        measured: Option<Overhead>,
        unavailable: Option<String>,
    },
    Result(ResultRow),
    /// With two engines: the second's p50 and p99 over the first's.
    Ratio {
        workload: String,
        first: String,
        second: String,
        p50: Option<f64>,
        p99: Option<f64>,
    },
    EngineDown {
        engine: String,
        since: String,
        diagnosis: String,
    },
    Interrupted {
        signal: String,
    },
    BenchFinished {
        duration_ms: u64,
        /// Objects of the bench still on an engine at the end, removed then
        /// (only after an interruption or a failed removal).
        removed: Vec<String>,
        exit_code: i32,
    },
}

/// A consumer of a bench's events.
pub trait BenchReporter: Send {
    fn event(&mut self, e: &BenchEvent);
    /// `done` of `total` units of work (operations, or milliseconds with
    /// `--duration`), in `what`.
    fn progress(&mut self, _done: u64, _total: u64, _what: &str) {}
}

/// `--format json`: one event a line on stdout, flushed.
pub struct JsonLines;

impl BenchReporter for JsonLines {
    fn event(&mut self, e: &BenchEvent) {
        let mut out = std::io::stdout().lock();
        if let Ok(line) = serde_json::to_string(e) {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }
}

/// Forwards every event to `inner` and keeps the results (for the plots).
pub struct Collect<R> {
    pub inner: R,
    pub results: Vec<ResultRow>,
}

impl<R: BenchReporter> BenchReporter for Collect<R> {
    fn event(&mut self, e: &BenchEvent) {
        if let BenchEvent::Result(r) = e {
            self.results.push(r.clone());
        }
        self.inner.event(e);
    }

    fn progress(&mut self, done: u64, total: u64, what: &str) {
        self.inner.progress(done, total, what);
    }
}

impl BenchReporter for Box<dyn BenchReporter> {
    fn event(&mut self, e: &BenchEvent) {
        (**self).event(e);
    }

    fn progress(&mut self, done: u64, total: u64, what: &str) {
        (**self).progress(done, total, what);
    }
}
