//! [`Bench`]: a bench run over one or more engines. Per workload: set-up on
//! each engine, a warm-up that is discarded, then rounds in which the
//! engines take turns (A, B, then B, A, ...), so drift in the machine hits
//! every engine alike; then the figures. The instrument's own overhead is
//! measured on each engine first. A stop signal ends the measuring at once;
//! what was measured so far is reported, and everything the bench made
//! (labelled `dockhand.run=<run id>`) is removed. An engine that stops
//! answering (below HTTP: no reply within the deadline, refused, lost) ends
//! the bench with [`BenchError::EngineDown`], after its figures so far.

use std::time::{Duration, Instant};

use dockhand_engine::{Deadlines, Engine};
use dockhand_harness::{exit, Interrupts, ProbeImage, Signal};
use futures_util::StreamExt;
use serde_json::Value;

use crate::error::BenchError;
use crate::events::{BenchEvent, BenchReporter, EngineDesc, ResultRow};
use crate::ops::{self, Fixture, OpError, Target};
use crate::overhead;
use crate::stats::{ratio, Summary};
use crate::workload::{Measure, Workload};

/// How much to measure of each workload on each engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// This many operations (spread over the rounds).
    Iterations(u32),
    /// About this long (each round gets its share).
    Duration(Duration),
}

/// What a bench measures and how.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub measures: Vec<Measure>,
    pub budget: Budget,
    /// Operations per workload and engine discarded before measuring.
    pub warmup: u32,
    /// Rounds per workload; the engines alternate within each.
    pub rounds: u32,
    /// Pings each way for the instrument's overhead (0: not measured).
    pub overhead_calls: usize,
}

impl BenchOptions {
    /// Checks the numbers: a count of 0 measures nothing.
    pub fn validate(&self) -> Result<(), BenchError> {
        let bad = |m: &str| Err(BenchError::InvalidOption(m.to_string()));
        if self.measures.iter().any(|m| m.concurrency == 0) {
            return bad("--concurrency 0 would run no life-cycle at all: give 1 or more (default 1,4,16)");
        }
        match self.budget {
            Budget::Iterations(0) => return bad("--iterations 0 would measure nothing: give 1 or more"),
            Budget::Duration(d) if d.is_zero() => return bad("--duration 0 would measure nothing: give e.g. 10s"),
            _ => {}
        }
        if self.rounds == 0 {
            return bad("--rounds 0 would measure nothing: give 1 or more (default 5)");
        }
        Ok(())
    }
}

/// One workload's samples on one engine, as they accumulate.
#[derive(Debug, Clone, Default)]
struct Row {
    samples: Vec<Duration>,
    errors: usize,
    busy: Duration,
    first_error: Option<String>,
}

impl Row {
    fn failed(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }
}

/// The measure in progress and its rows: kept outside the measuring
/// future, so that a stop signal, which drops that future, leaves them.
#[derive(Default)]
struct Current {
    measure: Option<Measure>,
    rows: Vec<Row>,
}

/// The engines of a bench, prepared, and what to measure on them.
pub struct Bench {
    targets: Vec<Target>,
    descs: Vec<EngineDesc>,
    options: BenchOptions,
    run_id: String,
}

/// How a bench ended when it was not cut short by an engine.
#[derive(Debug, Clone, Copy)]
pub struct BenchOutcome {
    pub exit_code: i32,
    pub interrupted: Option<Signal>,
}

impl Bench {
    /// Loads the probe image on each engine (labels: given, or product and
    /// version) and checks the options.
    pub async fn prepare(engines: Vec<(Option<String>, Engine)>, options: BenchOptions) -> Result<Bench, BenchError> {
        options.validate()?;
        let mut targets: Vec<Target> = Vec::new();
        let mut descs = Vec::new();
        for (label, engine) in engines {
            // One per engine: a `ProbeImage` loads its image once.
            let probe = ProbeImage::new();
            probe.ensure(&engine).await?;
            let inspect: Value = engine
                .send(dockhand_engine::Request::get(format!(
                    "/images/{}/json",
                    probe.reference()
                )))
                .await?
                .ok()?
                .json()?;
            let entrypoint = inspect["Config"]["Entrypoint"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_else(|| vec!["/probe".to_string()]);
            let info = engine.info().cloned();
            let (product, version) = info
                .as_ref()
                .map(|i| (i.name.clone(), i.version.clone()))
                .unwrap_or_default();
            let mut label = label.unwrap_or_else(|| default_label(&product, &version));
            if targets.iter().any(|t| t.label == label) {
                label = format!("{label} #{}", targets.len() + 1);
            }
            descs.push(EngineDesc {
                label: label.clone(),
                endpoint: engine.endpoint().address.to_string(),
                product,
                version,
                api_version: engine.api_version().to_string(),
            });
            targets.push(Target {
                label,
                engine,
                probe: probe.reference().to_string(),
                entrypoint,
            });
        }
        Ok(Bench {
            targets,
            descs,
            options,
            run_id: format!("bench-{}", dockhand_harness::session::new_run_id()),
        })
    }

    /// The engines as the results name them.
    pub fn engines(&self) -> &[EngineDesc] {
        &self.descs
    }

    /// Runs the bench, telling `reporter` everything; see the module's doc.
    pub async fn run(
        &self,
        reporter: &mut dyn BenchReporter,
        interrupts: &Interrupts,
    ) -> Result<BenchOutcome, BenchError> {
        let started = Instant::now();
        let o = &self.options;
        reporter.event(&BenchEvent::BenchStarted {
            run_id: self.run_id.clone(),
            started_at: dockhand_harness::runner::now_rfc3339(),
            engines: self.descs.clone(),
            workloads: o.measures.iter().map(Measure::name).collect(),
            iterations: match o.budget {
                Budget::Iterations(n) => Some(n),
                Budget::Duration(_) => None,
            },
            duration_ms: match o.budget {
                Budget::Duration(d) => Some(d.as_millis() as u64),
                Budget::Iterations(_) => None,
            },
            warmup: o.warmup,
            rounds: o.rounds,
            load_average: load_average(),
        });
        interrupts.on_repeat(|s| {
            dockhand_harness::interrupt::say(&format!(
                "\naborted by {s}; `dockhand clean` removes what the bench left once this process is gone"
            ));
            std::process::exit(s.exit_code());
        });
        let mut errors = 0usize;
        let mut current = Current::default();
        let measured = tokio::select! {
            r = self.measure_all(reporter, &mut errors, &mut current) => r.map(|()| None),
            s = interrupts.first() => Ok(Some(s)),
        };
        let (interrupted, down) = match measured {
            Ok(s) => (s, None),
            Err(e) => (None, Some(e)),
        };
        // The workload cut short: what it measured so far.
        if let Some(m) = current.measure.take() {
            self.report(reporter, &m, &current.rows, false, &mut errors);
        }
        if let Some(s) = interrupted {
            reporter.event(&BenchEvent::Interrupted { signal: s.to_string() });
        }
        if let Some((engine, since, error)) = &down {
            reporter.event(&BenchEvent::EngineDown {
                engine: engine.clone(),
                since: since.clone(),
                diagnosis: error.to_string(),
            });
        }
        let removed = self.remove_leftovers(down.as_ref().map(|d| d.0.as_str())).await;
        let exit_code = match (&down, interrupted) {
            (Some(_), _) => exit::ENGINE_DOWN,
            (None, Some(s)) => s.exit_code(),
            (None, None) if errors > 0 => exit::CHECK_FAILED,
            _ => exit::SUCCESS,
        };
        reporter.event(&BenchEvent::BenchFinished {
            duration_ms: started.elapsed().as_millis() as u64,
            removed,
            exit_code,
        });
        match down {
            Some((engine, since, error)) => Err(BenchError::EngineDown {
                engine,
                since,
                error: Box::new(error),
            }),
            None => Ok(BenchOutcome { exit_code, interrupted }),
        }
    }

    /// Every measure in turn; on an engine failing below HTTP, its label,
    /// the time and the error. Results are reported as each measure ends.
    async fn measure_all(
        &self,
        reporter: &mut dyn BenchReporter,
        errors: &mut usize,
        current: &mut Current,
    ) -> Result<(), (String, String, dockhand_engine::EngineError)> {
        let down = |t: &Target, e| (t.label.clone(), dockhand_harness::runner::now_rfc3339(), e);
        let o = &self.options;
        if o.overhead_calls > 0 {
            for t in &self.targets {
                let (measured, unavailable) = match overhead::measure(&t.engine, o.overhead_calls).await {
                    Ok(m) => (Some(m), None),
                    Err(overhead::OverheadError::Engine(e)) if e.is_engine_down() => return Err(down(t, e)),
                    Err(e) => (None, Some(e.to_string())),
                };
                reporter.event(&BenchEvent::Overhead {
                    engine: t.label.clone(),
                    measured,
                    unavailable,
                });
            }
        }
        let per_engine_units = match o.budget {
            Budget::Iterations(n) => u64::from(n + o.warmup),
            Budget::Duration(d) => d.as_millis() as u64,
        };
        let total = per_engine_units * (o.measures.len() * self.targets.len()) as u64;
        let mut done = 0u64;
        for m in &o.measures {
            let name = m.name();
            let labels: Vec<Value> = self
                .targets
                .iter()
                .map(|t| ops::labels(&self.run_id, m, &t.label))
                .collect();
            current.measure = Some(*m);
            current.rows = vec![Row::default(); self.targets.len()];
            let rows = &mut current.rows;
            let mut fixtures = Vec::with_capacity(self.targets.len());
            for (i, t) in self.targets.iter().enumerate() {
                match ops::setup(m, t, &labels[i], &self.run_id).await {
                    Ok(f) => fixtures.push(Some(f)),
                    Err(OpError::Down(e)) => return Err(down(t, e)),
                    Err(OpError::Failed(msg)) => {
                        rows[i].failed(format!("set-up: {msg}"));
                        fixtures.push(None);
                    }
                }
            }
            // Warm-up: discarded, but an engine going down still counts.
            for (i, t) in self.targets.iter().enumerate() {
                let Some(f) = fixtures[i].as_mut() else { continue };
                let mut scratch = Row::default();
                let warm = Budget::Iterations(o.warmup.max(u32::from(m.workload == Workload::Throughput)));
                if o.warmup > 0 {
                    self.batch(m, t, f, &labels[i], warm, &mut scratch)
                        .await
                        .map_err(|e| down(t, e))?;
                }
                done += u64::from(o.warmup) * matches!(o.budget, Budget::Iterations(_)) as u64;
                reporter.progress(done, total, &format!("{name} on {} (warm-up)", t.label));
            }
            let k = self.targets.len();
            for round in 0..o.rounds {
                for turn in 0..k {
                    let i = (turn + round as usize) % k;
                    let t = &self.targets[i];
                    let Some(f) = fixtures[i].as_mut() else { continue };
                    let share = match o.budget {
                        Budget::Iterations(n) => Budget::Iterations(n / o.rounds + u32::from(round < n % o.rounds)),
                        Budget::Duration(d) => Budget::Duration(d / o.rounds),
                    };
                    self.batch(m, t, f, &labels[i], share, &mut rows[i])
                        .await
                        .map_err(|e| down(t, e))?;
                    done += match share {
                        Budget::Iterations(n) => u64::from(n),
                        Budget::Duration(d) => d.as_millis() as u64,
                    };
                    reporter.progress(done, total, &format!("{name} on {}", t.label));
                }
            }
            for (i, t) in self.targets.iter().enumerate() {
                if let Some(f) = fixtures[i].take() {
                    match ops::teardown(t, f).await {
                        Err(OpError::Down(e)) => return Err(down(t, e)),
                        Err(OpError::Failed(msg)) => rows[i].failed(format!("removal: {msg}")),
                        Ok(()) => {}
                    }
                }
            }
            current.measure = None;
            self.report(reporter, m, &current.rows, true, errors);
        }
        Ok(())
    }

    /// Reports one measure's rows (and their ratio with two engines).
    fn report(&self, reporter: &mut dyn BenchReporter, m: &Measure, rows: &[Row], complete: bool, errors: &mut usize) {
        let name = m.name();
        let summaries: Vec<Summary> = rows.iter().map(|r| Summary::of(&r.samples, r.errors, r.busy)).collect();
        for ((t, row), summary) in self.targets.iter().zip(rows).zip(&summaries) {
            *errors += row.errors;
            let mut sorted = row.samples.clone();
            sorted.sort();
            reporter.event(&BenchEvent::Result(ResultRow {
                workload: name.clone(),
                engine: t.label.clone(),
                concurrency: m.concurrency,
                complete,
                summary: summary.clone(),
                samples_us: sorted.iter().map(|d| d.as_secs_f64() * 1e6).collect(),
                first_error: row.first_error.clone(),
            }));
        }
        if let [a, b] = summaries.as_slice() {
            reporter.event(&BenchEvent::Ratio {
                workload: name,
                first: self.targets[0].label.clone(),
                second: self.targets[1].label.clone(),
                p50: ratio(a.p50_us, b.p50_us),
                p99: ratio(a.p99_us, b.p99_us),
            });
        }
    }

    /// Runs `budget` worth of `m` on `t` into `row`; an engine failing below
    /// HTTP is returned, any other failure is counted in the row.
    async fn batch(
        &self,
        m: &Measure,
        t: &Target,
        f: &mut Fixture,
        labels: &Value,
        budget: Budget,
        row: &mut Row,
    ) -> Result<(), dockhand_engine::EngineError> {
        let begun = Instant::now();
        let more = |count: u32| match budget {
            Budget::Iterations(n) => count < n,
            Budget::Duration(d) => count == 0 || begun.elapsed() < d,
        };
        if m.workload == Workload::Throughput {
            // Life-cycles with `concurrency` in flight; ops/s over wall time.
            let c = m.concurrency as usize;
            let mut count = 0u32;
            while more(count) {
                // Never fewer than `c` at once, or the round would not
                // reach its concurrency: a round's share is at least `c`.
                let n = match budget {
                    Budget::Iterations(n) => ((n - count) as usize).max(c),
                    Budget::Duration(_) => c * 2,
                };
                let wall = Instant::now();
                let results: Vec<_> = futures_util::stream::iter(0..n)
                    .map(|_| ops::lifecycle(t, labels))
                    .buffer_unordered(c)
                    .collect()
                    .await;
                row.busy += wall.elapsed();
                for r in results {
                    match r {
                        Ok(d) => row.samples.push(d),
                        Err(OpError::Failed(msg)) => row.failed(msg),
                        Err(OpError::Down(e)) => return Err(e),
                    }
                }
                count += n as u32;
            }
            return Ok(());
        }
        let mut count = 0u32;
        while more(count) {
            match ops::once(m, t, f, labels).await {
                Ok(d) => {
                    row.samples.push(d);
                    row.busy += d;
                }
                Err(OpError::Failed(msg)) => row.failed(msg),
                Err(OpError::Down(e)) => return Err(e),
            }
            count += 1;
        }
        Ok(())
    }

    /// Removes whatever of the bench is still on the engines (after an
    /// interruption, an operation cut off mid-way may have made something):
    /// listed by the run's label. The engine that went down is left alone.
    async fn remove_leftovers(&self, down: Option<&str>) -> Vec<String> {
        let filters = serde_json::json!({
            "label": [format!("{}={}", dockhand_harness::context::LABEL_RUN, self.run_id)]
        })
        .to_string();
        let mut removed = Vec::new();
        for t in self.targets.iter().filter(|t| Some(t.label.as_str()) != down) {
            // Short deadlines: a stuck engine must not hold the exit.
            let engine = t.engine.with_deadlines(Deadlines {
                call: Duration::from_secs(10),
                stream_idle: Duration::from_secs(10),
            });
            let Ok(objects) = dockhand_harness::objects::list(&engine, &filters).await else {
                continue;
            };
            for obj in objects {
                if dockhand_harness::objects::remove(&engine, obj.kind, &obj.id)
                    .await
                    .is_ok()
                {
                    removed.push(format!("{obj} on {}", t.label));
                }
            }
        }
        removed
    }
}

/// `docker 20.10.24+dfsg1`, `podman 4.3.1`: short enough for a table.
fn default_label(product: &str, version: &str) -> String {
    let kind = if product.to_ascii_lowercase().contains("podman") {
        "podman"
    } else {
        "docker"
    };
    format!("{kind} {version}").trim().to_string()
}

/// `/proc/loadavg`'s three figures.
fn load_average() -> Option<[f64; 3]> {
    let s = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = s.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}
