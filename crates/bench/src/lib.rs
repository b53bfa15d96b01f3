//! dockhand-bench: `dockhand bench`, engine latency and throughput per
//! operation, on one engine or several side by side ([`Bench`]); and, as
//! binaries, the client's overhead against raw-socket baselines
//! (`scripts/bench`), the soak (`scripts/soak`) and the shapes' cost.
//!
//! [`Workload`]s expand into [`Measure`]s (throughput once per concurrency);
//! [`run`](Bench::run) times them on [`ops`]' operations, interleaving the
//! engines, and tells [`BenchReporter`]s through [`BenchEvent`]s: the
//! [`Terminal`] table, [`JsonLines`]; [`plot`] draws the CDFs.

mod error;
mod events;
mod ops;
mod overhead;
pub mod pki;
pub mod plot;
mod run;
mod stats;
mod terminal;
mod workload;

pub use error::BenchError;
pub use events::{BenchEvent, BenchReporter, Collect, EngineDesc, JsonLines, ResultRow};
pub use ops::LOG_BYTES;
pub use overhead::{measure as measure_overhead, Overhead, OverheadError};
pub use run::{Bench, BenchOptions, BenchOutcome, Budget};
pub use stats::{fmt_us, percentile, ratio, Summary};
pub use terminal::Terminal;
pub use workload::{Measure, Workload};
