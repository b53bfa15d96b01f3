//! The [`Runner`]: schedules check cases over `jobs` workers, enforces the
//! per-check deadline, unwinds each check's cleanup stack, accounts for leaks,
//! and watches the engine. It reports only through [`Event`]s.
//!
//! This module schedules and reports; one case's life (its context, deadline,
//! cleanup and leak accounting) is in `case`, and how the engine is found
//! down (liveness pings, the watchdog's ping) in `watchdog`.

mod case;
mod watchdog;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockhand_engine::{CallObserver, Engine, EngineError};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use case::{run_case, CaseEngine, CaseResult};
use watchdog::{liveness, watchdog_engine};

use crate::cluster::ClusterHandle;
use crate::events::{Counts, EngineSummary, Event, Outcome};
use crate::exit;
use crate::interrupt::Signal;
use crate::objects::{Capabilities, EngineIdentity};
use crate::plan::PlannedCase;
use crate::probe::ProbeImage;
use crate::schedule::{self, History};
use crate::sweep::{sweep, SweepScope};

/// Where events go.
pub type EventSink = mpsc::UnboundedSender<Event>;

/// How the runner runs.
#[derive(Clone)]
pub struct RunnerOptions {
    pub run_id: String,
    pub jobs: usize,
    /// The deadline of one check case, cleanup excluded.
    pub check_timeout: Duration,
    /// The deadline of the watchdog's ping.
    pub watchdog_timeout: Duration,
    /// Also receives every call (for `--verbose`).
    pub call_observer: Option<Arc<dyn CallObserver>>,
    pub resumed_from: Option<String>,
    /// Validate every reply against the reference's shapes for the
    /// negotiated version (`dockhand-shapes`): the cases' schema findings.
    pub shapes: bool,
    /// `--strict`: an unsupported operation fails the run as a failure does.
    pub strict: bool,
    /// Earlier runs' case durations: cases start longest first
    /// ([`crate::schedule::order`]).
    pub history: Arc<History>,
}

/// The verdict of a whole run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub counts: Counts,
    pub exit_code: i32,
    pub engine_down: Option<String>,
    pub interrupted: bool,
}

/// The runner of one run against one engine.
pub struct Runner {
    engine: Engine,
    probe: Arc<ProbeImage>,
    opts: RunnerOptions,
    events: EventSink,
    cluster: Option<Arc<ClusterHandle>>,
    identity: Option<Arc<EngineIdentity>>,
}

/// RFC 3339 timestamp of now (UTC).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The engine summary for events.
pub fn engine_summary(engine: &Engine) -> EngineSummary {
    let info = engine.info();
    EngineSummary {
        endpoint: engine.endpoint().address.to_string(),
        endpoint_source: engine.endpoint().source.to_string(),
        name: info.map(|i| i.name.clone()).unwrap_or_default(),
        version: info.map(|i| i.version.clone()).unwrap_or_default(),
        api_version: engine.api_version().to_string(),
        os: info.map(|i| i.os.clone()).unwrap_or_default(),
        arch: info.map(|i| i.arch.clone()).unwrap_or_default(),
    }
}

impl Runner {
    pub fn new(engine: Engine, probe: Arc<ProbeImage>, opts: RunnerOptions, events: EventSink) -> Self {
        Runner {
            engine,
            probe,
            opts,
            events,
            cluster: None,
            identity: None,
        }
    }

    /// The engine's identity, read once for the run: its capabilities say
    /// which swarm-scoped kinds the final sweep and leak accounting list.
    /// Without it, the runner reads it itself when the run starts.
    pub fn with_identity(mut self, identity: Arc<EngineIdentity>) -> Self {
        self.identity = Some(identity);
        self
    }

    /// The given identity's capabilities, else the engine's as probed now;
    /// an engine that cannot even be probed gets none listed (the run will
    /// find it down soon enough).
    async fn capabilities(&self) -> Capabilities {
        if let Some(i) = &self.identity {
            return i.capabilities;
        }
        match EngineIdentity::probe(&self.engine).await {
            Ok(i) => i.capabilities,
            Err(e) => {
                tracing::warn!("cannot read the engine's capabilities: {e}");
                Capabilities::from_statuses([404; 4])
            }
        }
    }

    /// Gives every check the run's local cluster ([`Ctx::cluster`]).
    pub fn with_cluster(mut self, cluster: Arc<ClusterHandle>) -> Self {
        self.cluster = Some(cluster);
        self
    }

    fn emit(&self, e: Event) {
        // A closed sink means the reporters are gone: nothing left to tell.
        let _ = self.events.send(e);
    }

    /// Runs the plan. `interrupts` carries the number of the signal that
    /// interrupted the run (0 until one does, see [`crate::interrupt`]); it stops
    /// scheduling, and the running cases finish (within their deadlines) and
    /// clean up. They are not aborted mid-call: the engine would complete a
    /// create whose reply nobody reads, and its object would escape cleanup.
    pub async fn run(&self, plan: Vec<PlannedCase>, mut interrupts: watch::Receiver<u32>) -> RunSummary {
        let started = Instant::now();
        let caps = self.capabilities().await;
        self.emit(Event::RunStarted {
            run_id: self.opts.run_id.clone(),
            started_at: now_rfc3339(),
            engine: engine_summary(&self.engine),
            selection: plan.iter().map(PlannedCase::key).collect(),
            jobs: self.opts.jobs,
            resumed_from: self.opts.resumed_from.clone(),
        });

        let mut counts = Counts::default();
        let mut queue: VecDeque<PlannedCase> = schedule::order(plan, &self.opts.history);
        let mut running: JoinSet<CaseResult> = JoinSet::new();
        let mut stop_reason: Option<String> = None;
        let mut engine_down: Option<String> = None;
        let mut interrupted = false;
        let jobs = self.opts.jobs.max(1);
        let watchdog = watchdog_engine(&self.engine, self.opts.watchdog_timeout);
        // Set once the engine is declared down: cases still in flight stop
        // waiting on it instead of running out their own (longer) deadlines.
        let (down_tx, down_rx) = watch::channel::<Option<String>>(None);
        // Liveness: a check's own calls may wait on purpose far longer than the
        // call deadline (stop with `t`, wait), and a frozen engine would hold
        // the run for that long. So the runner pings on its own, one ping at a
        // time under the call deadline: a frozen engine is found within the
        // deadline plus one interval, whatever the checks are waiting on.
        let every = (self.engine.deadlines().call / 8).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let liveness = liveness(self.engine.clone(), every, self.cluster.clone());
        tokio::pin!(liveness);

        loop {
            while stop_reason.is_none() && running.len() < jobs {
                let Some(pc) = queue.pop_front() else { break };
                if let Some(reason) = pc.skip.clone() {
                    self.finish(&mut counts, CaseResult::unrun(pc, Outcome::Skipped { reason }));
                    continue;
                }
                self.emit(Event::CheckStarted {
                    case: pc.key(),
                    area: pc.case.check.meta.area.to_string(),
                });
                running.spawn(run_case(
                    CaseEngine {
                        engine: self.engine.clone(),
                        watchdog: watchdog.clone(),
                        caps,
                    },
                    self.probe.clone(),
                    self.opts.clone(),
                    pc,
                    down_rx.clone(),
                    self.cluster.clone(),
                ));
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                joined = running.join_next() => {
                    let Some(joined) = joined else { break };
                    let r = match joined {
                        Ok(r) => r,
                        // run_case catches the check's panics itself; this is a bug in the runner.
                        Err(e) => panic!("runner task failed: {e}"),
                    };
                    if let (Some(e), None) = (&r.engine_down, &engine_down) {
                        let (reason, diagnosis) = self.declare_down(e, &down_tx);
                        stop_reason = Some(reason);
                        engine_down = Some(diagnosis);
                    }
                    self.finish(&mut counts, r);
                }
                e = &mut liveness, if engine_down.is_none() => {
                    let (reason, diagnosis) = self.declare_down(&e, &down_tx);
                    stop_reason = Some(reason);
                    engine_down = Some(diagnosis);
                }
                changed = interrupts.changed(), if !interrupted => {
                    if changed.is_ok() && *interrupts.borrow() > 0 {
                        interrupted = true;
                        self.emit(Event::Interrupted { at: now_rfc3339() });
                        let by = Signal::from_number(*interrupts.borrow() as i32).unwrap_or(Signal::Interrupt);
                        stop_reason.get_or_insert_with(|| format!("interrupted by {by}"));
                    }
                }
            }
        }
        // Anything of this run still on the engine is a leftover by now: an
        // object the engine finished creating after its check was cut off, or
        // one a killed earlier segment of a resumed run had in flight.
        if engine_down.is_none() {
            match sweep(&self.engine, &caps, SweepScope::Run(&self.opts.run_id)).await {
                Ok(r) if r.total() > 0 => self.emit(Event::Swept {
                    containers: r.containers,
                    volumes: r.volumes,
                    networks: r.networks,
                    images: r.images,
                }),
                Ok(_) => {}
                Err(e) => tracing::warn!("the final sweep of run {} failed: {e}", self.opts.run_id),
            }
        }
        let reason = stop_reason.unwrap_or_else(|| "the run stopped".into());
        for pc in queue {
            self.finish(
                &mut counts,
                CaseResult::unrun(pc, Outcome::NotRun { reason: reason.clone() }),
            );
        }
        let exit_code = if engine_down.is_some() {
            exit::ENGINE_DOWN
        } else if interrupted {
            Signal::from_number(*interrupts.borrow() as i32).map_or(exit::INTERRUPTED, Signal::exit_code)
        } else if counts.fail_run(self.opts.strict) {
            exit::CHECK_FAILED
        } else {
            exit::SUCCESS
        };
        self.emit(Event::RunFinished {
            counts: counts.clone(),
            duration_ms: started.elapsed().as_millis() as u64,
            exit_code,
        });
        RunSummary {
            counts,
            exit_code,
            engine_down,
            interrupted,
        }
    }

    /// Declares the engine down: tells the reporters and cuts off the cases
    /// in flight. Returns why scheduling stops, and the diagnosis.
    fn declare_down(&self, e: &EngineError, down_tx: &watch::Sender<Option<String>>) -> (String, String) {
        let since = now_rfc3339();
        let diagnosis = e.to_string();
        self.emit(Event::EngineDown {
            since: since.clone(),
            diagnosis: diagnosis.clone(),
        });
        let _ = down_tx.send(Some(diagnosis.clone()));
        (format!("engine not responding since {since}: {diagnosis}"), diagnosis)
    }

    fn finish(&self, counts: &mut Counts, r: CaseResult) {
        let CaseResult {
            planned: pc,
            outcome,
            duration,
            transcript,
            cleanup_notes,
            schema,
            validated,
            ..
        } = r;
        let outcome = match &pc.known_failure {
            Some(known) => known.judge(outcome),
            None => outcome,
        };
        counts.add(&outcome);
        self.emit(Event::CheckFinished {
            case: pc.key(),
            area: pc.case.check.meta.area.to_string(),
            outcome,
            duration_ms: duration.as_millis() as u64,
            transcript,
            cleanup_notes,
            schema,
            validated,
        });
    }
}
