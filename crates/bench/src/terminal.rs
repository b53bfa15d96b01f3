//! [`Terminal`]: the human form of a bench. A row per workload and engine
//! as each workload ends (count, p50, p90, p99, max, mean, ops/s, errors),
//! the ratio line with two engines, the instrument's overhead beside the
//! engine figures, and a progress bar on stderr when it is a terminal.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::events::{BenchEvent, BenchReporter, ResultRow};
use crate::stats::fmt_us;

/// Prints the results as a table on stdout.
pub struct Terminal {
    bar: Option<ProgressBar>,
    engine_width: usize,
    header: bool,
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal {
            bar: None,
            engine_width: 6,
            header: false,
        }
    }

    fn print(&self, text: &str) {
        let write = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn row(&self, r: &ResultRow) -> String {
        let s = &r.summary;
        let mut err = match &r.first_error {
            Some(e) => format!("  ({})", first_line(e)),
            None => String::new(),
        };
        if !r.complete {
            err.push_str("  (cut short)");
        }
        format!(
            "{:<16} {:<w$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9.1} {:>6}{err}\n",
            r.workload,
            r.engine,
            s.count,
            fmt_us(s.p50_us),
            fmt_us(s.p90_us),
            fmt_us(s.p99_us),
            fmt_us(s.max_us),
            fmt_us(s.mean_us),
            s.ops_per_s,
            s.errors,
            w = self.engine_width
        )
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    let mut cut: String = line.chars().take(100).collect();
    if cut.len() < line.len() {
        cut.push('…');
    }
    cut
}

impl BenchReporter for Terminal {
    fn event(&mut self, e: &BenchEvent) {
        match e {
            BenchEvent::BenchStarted {
                engines,
                workloads,
                iterations,
                duration_ms,
                warmup,
                rounds,
                load_average,
                ..
            } => {
                self.engine_width = engines.iter().map(|e| e.label.len()).max().unwrap_or(6).max(6);
                let names: Vec<String> = engines
                    .iter()
                    .map(|e| format!("{} ({} at {}, API {})", e.label, e.product, e.endpoint, e.api_version))
                    .collect();
                let budget = match (iterations, duration_ms) {
                    (Some(n), _) => format!("{n} operations"),
                    (None, Some(ms)) => format!("{:.1}s", *ms as f64 / 1000.0),
                    _ => String::new(),
                };
                let load = load_average
                    .map(|l| format!("; load average {:.2} {:.2} {:.2}", l[0], l[1], l[2]))
                    .unwrap_or_default();
                self.print(&format!(
                    "Benchmarking {} workloads on {}: {budget} per workload and engine after {warmup} warm-up, in {rounds} interleaved rounds{load}\n",
                    workloads.len(),
                    names.join(" and ")
                ));
                if std::io::stderr().is_terminal() {
                    let bar = ProgressBar::new(1);
                    bar.set_style(
                        ProgressStyle::with_template("{bar:30} {percent:>3}% {elapsed_precise} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    self.bar = Some(bar);
                }
            }
            BenchEvent::Overhead {
                engine,
                measured,
                unavailable,
            } => {
                let text = match (measured, unavailable) {
                    (Some(m), _) => format!(
                        "Instrument on {engine}: ping p50 {} through dockhand's client, {} on a raw socket: {:+.1}µs per call ({:.2}x), {} calls each\n",
                        fmt_us(m.client_p50_us),
                        fmt_us(m.raw_p50_us),
                        m.overhead_us,
                        m.ratio,
                        m.calls
                    ),
                    (None, Some(why)) => format!("Instrument on {engine}: overhead not measured: {why}\n"),
                    _ => String::new(),
                };
                self.print(&text);
            }
            BenchEvent::Result(r) => {
                if !self.header {
                    self.header = true;
                    self.print(&format!(
                        "{:<16} {:<w$} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}\n",
                        "WORKLOAD",
                        "ENGINE",
                        "COUNT",
                        "P50",
                        "P90",
                        "P99",
                        "MAX",
                        "MEAN",
                        "OPS/S",
                        "ERRORS",
                        w = self.engine_width
                    ));
                }
                self.print(&self.row(r));
            }
            BenchEvent::Ratio {
                workload,
                first,
                second,
                p50,
                p99,
            } => {
                let x = |v: &Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}x"));
                self.print(&format!(
                    "{:<16} {second} / {first}: p50 {}, p99 {}\n",
                    format!("  {workload}"),
                    x(p50),
                    x(p99)
                ));
            }
            BenchEvent::EngineDown {
                engine,
                since,
                diagnosis,
            } => {
                self.print(&format!(
                    "ENGINE DOWN {engine} since {since}: {diagnosis}; the bench stops\n"
                ));
            }
            BenchEvent::Interrupted { signal } => {
                self.print(&format!(
                    "Interrupted by {signal}: the figures above are what was measured\n"
                ));
            }
            BenchEvent::BenchFinished {
                duration_ms, removed, ..
            } => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                for r in removed {
                    self.print(&format!("removed {r}\n"));
                }
                self.print(&format!("Bench finished in {:.1}s\n", *duration_ms as f64 / 1000.0));
            }
        }
    }

    fn progress(&mut self, done: u64, total: u64, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_length(total.max(1));
            bar.set_position(done.min(total));
            bar.set_message(what.to_string());
        }
    }
}
