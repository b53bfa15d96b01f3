//! The [`Runner`]: schedules check cases over `jobs` workers, enforces the
//! per-check deadline, unwinds each check's cleanup stack, accounts for leaks,
//! and watches the engine. It reports only through [`Event`]s.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_engine::{label_filter, CallObserver, Deadlines, Engine, EngineError};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::check::{CheckCase, CheckError, Need};
use crate::cluster::ClusterHandle;
use crate::context::{owner, Cleanup, Ctx, CtxInner, Tee, Transcript, LABEL_CASE, LABEL_OWNER, LABEL_RUN};
use crate::events::{CaseKey, Counts, EngineSummary, Event, Outcome};
use crate::exit;
use crate::interrupt::Signal;
use crate::known::Listed;
use crate::objects;
use crate::probe::ProbeImage;
use crate::sweep::{sweep, SweepScope};

/// Where events go.
pub type EventSink = mpsc::UnboundedSender<Event>;

/// A case as the runner will run it: with its iteration, knobs and verdicts
/// decided before the run (skip reasons, known-failure reasons).
#[derive(Debug, Clone)]
pub struct PlannedCase {
    pub case: CheckCase,
    pub iteration: u32,
    /// The check's configuration section (`{}` when none).
    pub settings: Value,
    /// The check's own deadline, overriding [`RunnerOptions::check_timeout`].
    pub timeout: Option<Duration>,
    /// Decided before running: not applicable here.
    pub skip: Option<String>,
    /// Listed in the known-failures file.
    pub known_failure: Option<Listed>,
}

impl PlannedCase {
    pub fn key(&self) -> CaseKey {
        CaseKey {
            id: self.case.id(),
            iteration: self.iteration,
        }
    }
}

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
}

struct CaseResult {
    planned: PlannedCase,
    outcome: Outcome,
    duration: Duration,
    transcript: Vec<dockhand_engine::CallRecord>,
    cleanup_notes: Vec<String>,
    /// The watchdog's diagnosis when the engine stopped answering.
    engine_down: Option<EngineError>,
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
        self.emit(Event::RunStarted {
            run_id: self.opts.run_id.clone(),
            started_at: now_rfc3339(),
            engine: engine_summary(&self.engine),
            selection: plan.iter().map(PlannedCase::key).collect(),
            jobs: self.opts.jobs,
            resumed_from: self.opts.resumed_from.clone(),
        });

        let mut counts = Counts::default();
        let mut queue: VecDeque<PlannedCase> = plan.into();
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
                    self.finish(
                        &mut counts,
                        pc,
                        Outcome::Skipped { reason },
                        Duration::ZERO,
                        vec![],
                        vec![],
                    );
                    continue;
                }
                self.emit(Event::CheckStarted {
                    case: pc.key(),
                    area: pc.case.check.meta.area.to_string(),
                });
                running.spawn(run_case(
                    self.engine.clone(),
                    watchdog.clone(),
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
                        let since = now_rfc3339();
                        let diagnosis = e.to_string();
                        self.emit(Event::EngineDown { since: since.clone(), diagnosis: diagnosis.clone() });
                        stop_reason = Some(format!("engine not responding since {since}: {diagnosis}"));
                        engine_down = Some(diagnosis.clone());
                        let _ = down_tx.send(Some(diagnosis));
                    }
                    self.finish(&mut counts, r.planned, r.outcome, r.duration, r.transcript, r.cleanup_notes);
                }
                e = &mut liveness, if engine_down.is_none() => {
                    let since = now_rfc3339();
                    let diagnosis = e.to_string();
                    self.emit(Event::EngineDown { since: since.clone(), diagnosis: diagnosis.clone() });
                    stop_reason = Some(format!("engine not responding since {since}: {diagnosis}"));
                    engine_down = Some(diagnosis.clone());
                    let _ = down_tx.send(Some(diagnosis));
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
            match sweep(&self.engine, SweepScope::Run(&self.opts.run_id)).await {
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
                pc,
                Outcome::NotRun { reason: reason.clone() },
                Duration::ZERO,
                vec![],
                vec![],
            );
        }
        let exit_code = if engine_down.is_some() {
            exit::ENGINE_DOWN
        } else if interrupted {
            Signal::from_number(*interrupts.borrow() as i32).map_or(exit::INTERRUPTED, Signal::exit_code)
        } else if counts.failed + counts.error > 0 {
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

    fn finish(
        &self,
        counts: &mut Counts,
        pc: PlannedCase,
        outcome: Outcome,
        duration: Duration,
        transcript: Vec<dockhand_engine::CallRecord>,
        cleanup_notes: Vec<String>,
    ) {
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
        });
    }
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".into()
    }
}

/// Resolves with the diagnosis once the runner declares the engine down.
async fn declared_down(rx: &mut watch::Receiver<Option<String>>) -> String {
    loop {
        if let Some(d) = rx.borrow_and_update().clone() {
            return d;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Pings the engine until a ping fails below HTTP (no reply within the call
/// deadline, refused, lost), `every` apart, and returns that failure. Not
/// while a cluster check has the run's own engine down on purpose.
async fn liveness(engine: Engine, every: Duration, cluster: Option<Arc<ClusterHandle>>) -> EngineError {
    loop {
        match engine.ping().await {
            Err(e) if e.is_engine_down() && !cluster.as_ref().is_some_and(|c| c.own_engine_down()) => return e,
            _ => tokio::time::sleep(every).await,
        }
    }
}

/// A handle whose calls use the short watchdog deadline.
fn watchdog_engine(engine: &Engine, timeout: Duration) -> Engine {
    Engine::with_version(
        engine.endpoint().clone(),
        Deadlines {
            call: timeout,
            stream_idle: timeout,
        },
        engine.api_version(),
    )
}

async fn run_case(
    engine: Engine,
    watchdog: Engine,
    probe: Arc<ProbeImage>,
    opts: RunnerOptions,
    planned: PlannedCase,
    mut engine_down_rx: watch::Receiver<Option<String>>,
    cluster: Option<Arc<ClusterHandle>>,
) -> CaseResult {
    let started = Instant::now();
    let transcript = Arc::new(Transcript::default());
    let mut observers: Vec<Arc<dyn CallObserver>> = vec![transcript.clone()];
    observers.extend(opts.call_observer.clone());
    let observer: Arc<dyn CallObserver> = Arc::new(Tee(observers));
    let engine = engine.with_observer(observer.clone());
    let ctx = Ctx {
        inner: Arc::new(CtxInner {
            engine: engine.clone(),
            run_id: opts.run_id.clone(),
            check_id: planned.case.check.meta.id,
            variant: planned.case.variant,
            iteration: planned.iteration,
            settings: planned.settings.clone(),
            probe,
            cleanup: Mutex::new(Vec::new()),
            transcript: transcript.clone(),
            observer,
            cluster,
            gate: Arc::new(Mutex::new(None)),
        }),
    };
    let mut task = tokio::spawn((planned.case.check.run)(ctx.clone()));
    let mut suspect_engine = false;
    let mut cut_off = false;
    let timeout = planned.timeout.unwrap_or(opts.check_timeout);
    let outcome = tokio::select! {
        joined = &mut task => match joined {
            Ok(Ok(())) => Outcome::Passed,
            Ok(Err(e)) => {
                let (o, suspect) = classify(e);
                suspect_engine = suspect;
                o
            }
            Err(j) if j.is_panic() => Outcome::Error { message: format!("the check panicked: {}", panic_message(&*j.into_panic())) },
            Err(j) => Outcome::Error { message: format!("the check was cancelled: {j}") },
        },
        _ = tokio::time::sleep(timeout) => {
            task.abort();
            suspect_engine = true;
            Outcome::Error { message: format!("the check did not finish within its deadline of {}; raise it with --check-timeout or in the check's configuration", dockhand_engine::fmt_duration(timeout)) }
        }
        diagnosis = declared_down(&mut engine_down_rx) => {
            task.abort();
            cut_off = true;
            Outcome::Error { message: format!("cut off: the engine stopped answering while this check ran ({diagnosis})") }
        }
    };
    let duration = started.elapsed();

    // Cleanup and leak accounting, unless the engine is gone: a dead engine
    // would make every cleanup call wait out its deadline. A resumed run sweeps.
    let mut notes = Vec::new();
    let mut outcome = outcome;
    // The watchdog: a check that timed out or lost the engine triggers one ping
    // with the short deadline. Only a failed ping declares the engine down.
    // If the runner declares the engine down meanwhile (its liveness ping),
    // that is the answer: no need to wait out the watchdog's ping.
    let engine_down = if suspect_engine {
        tokio::select! {
            r = watchdog.ping() => match r {
                Ok(r) if r.status.is_success() => None,
                Ok(r) => Some(r.api_error()),
                Err(e) => Some(e),
            },
            _ = declared_down(&mut engine_down_rx) => {
                cut_off = true;
                None
            }
        }
    } else {
        None
    };
    // A case the engine's outage cut short reached no verdict on the engine's
    // behaviour: it is not-run, so that `--resume` runs it again.
    if cut_off || engine_down.is_some() {
        if let Outcome::Error { message } = &outcome {
            let why = if message.starts_with("cut off") {
                message.clone()
            } else {
                format!("cut off: the engine stopped answering while this check ran ({message})")
            };
            outcome = Outcome::NotRun {
                reason: format!("{why}; `dockhand check --resume` runs it again"),
            };
        }
    }
    if engine_down.is_none() && !cut_off {
        // The engine may stop answering while the case cleans up: then the
        // cleanup is cut off like a check, rather than holding the run for a
        // call deadline per object.
        let work = async {
            let mut notes = Vec::new();
            let mut leaked_msg = None;
            let cleanups: Vec<Cleanup> =
                std::mem::take(&mut *ctx.inner.cleanup.lock().unwrap_or_else(|p| p.into_inner()));
            for c in cleanups.into_iter().rev() {
                let (kind, id) = c.target();
                if let Err(e) = objects::remove(&engine, kind, id).await {
                    notes.push(format!("cleanup of {c:?} failed: {e}"));
                }
            }
            let swarm = planned
                .case
                .check
                .meta
                .needs
                .iter()
                .any(|n| matches!(n, Need::Swarm | Need::Cluster));
            match leaks(&engine, &opts.run_id, &ctx.case_label(), swarm).await {
                Ok(leaked) if !leaked.is_empty() => {
                    let msg = format!("left behind after cleanup (now removed): {}", leaked.join(", "));
                    notes.push(msg.clone());
                    leaked_msg = Some(msg);
                }
                Ok(_) => {}
                Err(e) => notes.push(format!("leak accounting failed: {e}")),
            }
            (notes, leaked_msg)
        };
        let done = tokio::select! {
            r = work => Some(r),
            _ = declared_down(&mut engine_down_rx) => None,
        };
        match done {
            Some((n, leaked)) => {
                notes.extend(n);
                match (leaked, &mut outcome) {
                    (Some(msg), Outcome::Passed) => outcome = Outcome::Failed { message: msg, observed: None },
                    // A listed case's failure is excused only as it is: a leak
                    // besides makes it another failure.
                    (Some(msg), Outcome::Failed { message, observed }) if planned.known_failure.is_some() => {
                        *message = format!("{message}; and {msg}");
                        *observed = None;
                    }
                    _ => {}
                }
            }
            None => notes.push("cleanup cut off: the engine stopped answering during it; `dockhand check --resume` or `dockhand clean` sweeps what is left".into()),
        }
    } else {
        notes.push("cleanup skipped: the engine is not answering; `dockhand check --resume` or `dockhand clean` sweeps what is left".into());
    }
    // Cleanup is done: other cluster checks may go on (see ClusterCtx::exclusive).
    drop(ctx.inner.gate.lock().unwrap_or_else(|p| p.into_inner()).take());
    CaseResult {
        planned,
        outcome,
        duration,
        transcript: transcript.calls(),
        cleanup_notes: notes,
        engine_down,
    }
}

fn classify(e: CheckError) -> (Outcome, bool) {
    match e {
        CheckError::Failed(m) => {
            let observed = m.observed.clone();
            (
                Outcome::Failed {
                    message: m.to_string(),
                    observed,
                },
                false,
            )
        }
        CheckError::Engine(e) if e.is_engine_down() => (Outcome::Error { message: e.to_string() }, true),
        CheckError::Engine(e) => {
            let observed = crate::observed::Observed::of_engine_error(&e);
            (
                Outcome::Failed {
                    message: e.to_string(),
                    observed,
                },
                false,
            )
        }
        CheckError::Broken(m) => (Outcome::Error { message: m }, false),
        CheckError::Skip(reason) => (Outcome::Skipped { reason }, false),
    }
}

/// Finds and removes objects of a case still present after its cleanup. Only
/// this process's objects count: a killed earlier segment of a resumed run
/// may have objects with the same case label that the engine finished
/// creating after it died; the resume's sweep handles those.
/// Swarm checks also have their services, secrets and configs accounted for.
async fn leaks(engine: &Engine, run_id: &str, case: &str, swarm: bool) -> Result<Vec<String>, EngineError> {
    let filter = label_filter(&[
        &format!("{LABEL_RUN}={run_id}"),
        &format!("{LABEL_CASE}={case}"),
        &format!("{LABEL_OWNER}={}", owner()),
    ]);
    let mut found = Vec::new();
    let mut left = Vec::new();
    if swarm {
        left.extend(objects::list_swarm(engine, &filter).await?);
    }
    left.extend(objects::list(engine, &filter).await?);
    for o in left {
        objects::remove(engine, o.kind, &o.id).await?;
        found.push(o.to_string());
    }
    Ok(found)
}
