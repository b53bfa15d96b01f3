//! One case's life: [`run_case`] builds its [`Ctx`], runs the check in a task
//! of its own under the check's deadline, has the watchdog confirm an engine
//! a timed-out or engine-down case suspects, unwinds the cleanup stack and
//! accounts for leaks, and turns all that into a [`CaseResult`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_engine::{label_filter, CallObserver, CallRecord, Engine, EngineError};
use dockhand_shapes::{Catalog, Finding, FindingKind};
use tokio::sync::watch;

use super::watchdog::declared_down;
use super::RunnerOptions;
use crate::check::Need;
use crate::cluster::ClusterHandle;
use crate::context::{owner, Cleanup, Ctx, CtxInner, Tee, Transcript, LABEL_CASE, LABEL_OWNER, LABEL_RUN};
use crate::events::Outcome;
use crate::failure::CheckError;
use crate::known::Listed;
use crate::objects;
use crate::objects::Capabilities;
use crate::observed::{Fact, Observed};
use crate::plan::PlannedCase;
use crate::probe::ProbeImage;
use crate::schema::{self, CallFinding, ShapeCheck, ShapeSeen};

/// How a case ended, for the scheduler to report.
pub(super) struct CaseResult {
    pub(super) planned: PlannedCase,
    pub(super) outcome: Outcome,
    pub(super) duration: Duration,
    pub(super) transcript: Vec<CallRecord>,
    pub(super) cleanup_notes: Vec<String>,
    pub(super) schema: Vec<Finding>,
    /// The documented shapes its replies were validated against.
    pub(super) validated: Vec<ShapeSeen>,
    /// The watchdog's diagnosis when the engine stopped answering.
    pub(super) engine_down: Option<EngineError>,
}

impl CaseResult {
    /// A case that never ran: skipped before it started, or not run.
    pub(super) fn unrun(planned: PlannedCase, outcome: Outcome) -> CaseResult {
        CaseResult {
            planned,
            outcome,
            duration: Duration::ZERO,
            transcript: vec![],
            cleanup_notes: vec![],
            schema: vec![],
            validated: vec![],
            engine_down: None,
        }
    }
}

/// The check's own verdict, before the watchdog and cleanup have their say.
struct Verdict {
    outcome: Outcome,
    /// The check timed out or lost the engine: the watchdog pings.
    suspect_engine: bool,
    /// The runner declared the engine down while the check ran.
    cut_off: bool,
}

/// The engine as a case sees it: the client, the watchdog's client on its
/// short deadline, and the capabilities leak accounting goes by.
pub(super) struct CaseEngine {
    pub engine: Engine,
    pub watchdog: Engine,
    pub caps: Capabilities,
}

pub(super) async fn run_case(
    CaseEngine { engine, watchdog, caps }: CaseEngine,
    probe: Arc<ProbeImage>,
    opts: RunnerOptions,
    planned: PlannedCase,
    mut engine_down_rx: watch::Receiver<Option<String>>,
    cluster: Option<Arc<ClusterHandle>>,
) -> CaseResult {
    let started = Instant::now();
    let transcript = Arc::new(Transcript::default());
    let shape_check = opts
        .shapes
        .then(|| Arc::new(ShapeCheck::new(Catalog::new(engine.api_version()))));
    let ctx = case_ctx(engine, probe, &opts, &planned, cluster, &transcript, &shape_check);
    let timeout = planned.timeout.unwrap_or(opts.check_timeout);
    let Verdict {
        outcome,
        suspect_engine,
        mut cut_off,
    } = run_check(&ctx, &planned, timeout, &mut engine_down_rx).await;
    // A failure whose reply says the operation is not implemented.
    let mut outcome = crate::unsupported::judge(outcome);
    let duration = started.elapsed();

    // The watchdog: a check that timed out or lost the engine triggers one ping
    // with the short deadline. Only a failed ping declares the engine down.
    let engine_down = if suspect_engine {
        match confirm_down(&watchdog, &mut engine_down_rx).await {
            Ok(down) => down,
            Err(CutOff) => {
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
        outcome = not_run_if_error(outcome);
    }
    // Cleanup and leak accounting, unless the engine is gone: a dead engine
    // would make every cleanup call wait out its deadline. A resumed run sweeps.
    let notes = if engine_down.is_none() && !cut_off {
        clean_up_unless_down(&ctx, &planned, &caps, &opts.run_id, &mut outcome, &mut engine_down_rx).await
    } else {
        vec!["cleanup skipped: the engine is not answering; `dockhand check --resume` or `dockhand clean` sweeps what is left".into()]
    };
    // Cleanup is done: other cluster checks may go on (see ClusterCtx::exclusive).
    drop(ctx.inner.gate.lock().unwrap_or_else(|p| p.into_inner()).take());
    // Every reply is in, cleanup's included.
    let (found, validated) = shape_check.map(|s| (s.take(), s.take_validated())).unwrap_or_default();
    fail_on_findings(&mut outcome, &planned, &found);
    CaseResult {
        planned,
        outcome,
        duration,
        transcript: transcript.calls(),
        cleanup_notes: notes,
        schema: found.into_iter().map(|f| f.finding).collect(),
        validated,
        engine_down,
    }
}

/// A case that passed fails on schema findings that fail, with the first
/// as its observed fact (for a pin to excuse). A listed case's failure is
/// excused only as it is: failing findings besides make it another failure,
/// unless they see the very deviation its own failure observed
/// ([`same_deviation`]) or another of its pins. Findings an `any-case` entry
/// pins are set aside first: a case that passed and met only those is a
/// known failure. A listed case's own entry may pin several deviations: when
/// every failing finding is one of them, the first stands for them all as
/// the fact its judge excuses.
fn fail_on_findings(outcome: &mut Outcome, planned: &PlannedCase, found: &[CallFinding]) {
    let (excused, found): (Vec<CallFinding>, Vec<CallFinding>) = found
        .iter()
        .cloned()
        .partition(|f| f.finding.kind.fails() && excuse_of(planned, f).is_some());
    let pinned = |f: &CallFinding| planned.known_failure.as_ref().is_some_and(|k| k.excuses(&f.observed()));
    match outcome {
        Outcome::Passed => {
            if let Some((message, observed)) = schema::verdict(&found) {
                let failing = || found.iter().filter(|f| f.finding.kind.fails());
                let observed = match failing().all(&pinned) {
                    true => failing().next().map(CallFinding::observed),
                    false => observed,
                };
                *outcome = Outcome::Failed { message, observed };
            } else if let Some((message, _)) = schema::verdict(&excused) {
                let mut pins: Vec<&Listed> = excused.iter().filter_map(|f| excuse_of(planned, f)).collect();
                pins.dedup_by(|a, b| a.deviations == b.deviations);
                *outcome = Outcome::KnownFailure {
                    message,
                    reason: pins.iter().map(|l| l.reason.as_str()).collect::<Vec<_>>().join("; "),
                    deviation: pins.iter().map(|l| l.pinned()).collect::<Vec<_>>().join("; "),
                };
            }
        }
        Outcome::Failed {
            message: m,
            observed: o,
        } if planned.known_failure.is_some() => {
            let besides: Vec<CallFinding> = found
                .iter()
                .filter(|f| o.as_ref().is_none_or(|o| !same_deviation(o, f)) && !pinned(f))
                .cloned()
                .collect();
            if let Some((message, _)) = schema::verdict(&besides) {
                *m = format!("{m}; and {message}");
                *o = None;
            }
        }
        _ => {}
    }
}

/// The `any-case` entry of the case that pins this finding, if any.
fn excuse_of<'a>(planned: &'a PlannedCase, f: &CallFinding) -> Option<&'a Listed> {
    let seen = f.observed();
    planned.excused.iter().find(|l| l.excuses(&seen))
}

/// Whether a schema finding sees the deviation a check's failure observed,
/// on the same reply: a wrong `Content-Type` (the shapes see it as the
/// media type, and a body that is not the JSON that type promised), or the
/// same field (`*` in the observed pointer standing for any list index), or
/// for an observed status, a body of that reply that is not the JSON its
/// status promised (the check's own assertion of the error body saw it too).
/// Anything else the shapes find on that reply is another deviation.
fn same_deviation(o: &Observed, f: &CallFinding) -> bool {
    if (&o.method, &o.path) != (&f.method, &f.path) {
        return false;
    }
    match &o.fact {
        Fact::Header { name, .. } => {
            name.eq_ignore_ascii_case("content-type")
                && f.finding.pointer.is_empty()
                && matches!(f.finding.kind, FindingKind::MediaType | FindingKind::InvalidJson)
        }
        Fact::Field { pointer, .. } => {
            let (a, b) = (pointer.split('/'), f.finding.pointer.split('/'));
            a.clone().count() == b.clone().count() && a.zip(b).all(|(x, y)| x == y || x == "*")
        }
        Fact::Command { .. } | Fact::Framing { .. } => false,
        Fact::Status { status, .. } => {
            f.finding.status == *status
                && f.finding.pointer.is_empty()
                && matches!(f.finding.kind, FindingKind::MediaType | FindingKind::InvalidJson)
        }
    }
}

/// The case's context: the engine records every call into the case's
/// transcript (and to the run's observer, for `--verbose`), and shows every
/// reply to the case's shape check.
fn case_ctx(
    engine: Engine,
    probe: Arc<ProbeImage>,
    opts: &RunnerOptions,
    planned: &PlannedCase,
    cluster: Option<Arc<ClusterHandle>>,
    transcript: &Arc<Transcript>,
    shape_check: &Option<Arc<ShapeCheck>>,
) -> Ctx {
    let mut observers: Vec<Arc<dyn CallObserver>> = vec![transcript.clone()];
    observers.extend(opts.call_observer.clone());
    observers.extend(shape_check.clone().map(|s| s as Arc<dyn CallObserver>));
    let observer: Arc<dyn CallObserver> = Arc::new(Tee(observers));
    Ctx {
        inner: Arc::new(CtxInner {
            engine: engine.with_observer(observer.clone()),
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
    }
}

/// Runs the check in a task of its own, until it returns, panics, runs out
/// of `timeout`, or the runner declares the engine down.
async fn run_check(
    ctx: &Ctx,
    planned: &PlannedCase,
    timeout: Duration,
    engine_down_rx: &mut watch::Receiver<Option<String>>,
) -> Verdict {
    let mut task = tokio::spawn((planned.case.check.run)(ctx.clone()));
    let mut suspect_engine = false;
    let mut cut_off = false;
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
        diagnosis = declared_down(engine_down_rx) => {
            task.abort();
            cut_off = true;
            Outcome::Error { message: format!("cut off: the engine stopped answering while this check ran ({diagnosis})") }
        }
    };
    Verdict {
        outcome,
        suspect_engine,
        cut_off,
    }
}

/// The runner declared the engine down while the watchdog pinged.
struct CutOff;

/// The watchdog's one ping with the short deadline: the engine's trouble
/// when it fails. If the runner declares the engine down meanwhile (its
/// liveness ping), that is the answer: no need to wait out the ping.
async fn confirm_down(
    watchdog: &Engine,
    engine_down_rx: &mut watch::Receiver<Option<String>>,
) -> Result<Option<EngineError>, CutOff> {
    tokio::select! {
        r = watchdog.ping() => Ok(match r {
            Ok(r) if r.status.is_success() => None,
            Ok(r) => Some(r.api_error()),
            Err(e) => Some(e),
        }),
        _ = declared_down(engine_down_rx) => Err(CutOff),
    }
}

/// An error outcome of a case the engine's outage cut short, as not-run.
fn not_run_if_error(outcome: Outcome) -> Outcome {
    let Outcome::Error { message } = outcome else {
        return outcome;
    };
    let why = if message.starts_with("cut off") {
        message
    } else {
        format!("cut off: the engine stopped answering while this check ran ({message})")
    };
    Outcome::NotRun {
        reason: format!("{why}; `dockhand check --resume` runs it again"),
    }
}

/// [`clean_up`], cut off like a check when the engine stops answering
/// meanwhile, rather than holding the run for a call deadline per object.
/// A leak fails a passed `outcome` (and makes a listed case's failure
/// another failure). Returns the cleanup notes.
async fn clean_up_unless_down(
    ctx: &Ctx,
    planned: &PlannedCase,
    caps: &Capabilities,
    run_id: &str,
    outcome: &mut Outcome,
    engine_down_rx: &mut watch::Receiver<Option<String>>,
) -> Vec<String> {
    let done = tokio::select! {
        r = clean_up(ctx, planned, caps, run_id) => Some(r),
        _ = declared_down(engine_down_rx) => None,
    };
    match done {
        Some((notes, leaked)) => {
            match (leaked, &mut *outcome) {
                (Some(msg), Outcome::Passed) => *outcome = Outcome::Failed { message: msg, observed: None },
                // An unsupported operation is no excuse for a leak.
                (Some(msg), Outcome::Unsupported { operation, status, .. }) => {
                    *outcome = Outcome::Failed {
                        message: format!("{operation} answered {status} (unsupported); and {msg}"),
                        observed: None,
                    }
                }
                // A listed case's failure is excused only as it is: a leak
                // besides makes it another failure.
                (Some(msg), Outcome::Failed { message, observed }) if planned.known_failure.is_some() => {
                    *message = format!("{message}; and {msg}");
                    *observed = None;
                }
                _ => {}
            }
            notes
        }
        None => vec!["cleanup cut off: the engine stopped answering during it; `dockhand check --resume` or `dockhand clean` sweeps what is left".into()],
    }
}

/// Unwinds the case's cleanup stack in reverse, then accounts for leaks:
/// the notes to report, and the message that fails a passed case when
/// something was left behind.
async fn clean_up(
    ctx: &Ctx,
    planned: &PlannedCase,
    caps: &Capabilities,
    run_id: &str,
) -> (Vec<String>, Option<String>) {
    let engine = ctx.engine();
    let mut notes = Vec::new();
    let mut leaked_msg = None;
    let cleanups: Vec<Cleanup> = std::mem::take(&mut *ctx.inner.cleanup.lock().unwrap_or_else(|p| p.into_inner()));
    for c in cleanups.into_iter().rev() {
        let (kind, id) = c.target();
        if let Err(e) = objects::remove(engine, kind, id).await {
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
    match leaks(engine, run_id, &ctx.case_label(), swarm.then_some(caps)).await {
        Ok(leaked) if !leaked.is_empty() => {
            let msg = format!("left behind after cleanup (now removed): {}", leaked.join(", "));
            notes.push(msg.clone());
            leaked_msg = Some(msg);
        }
        Ok(_) => {}
        Err(e) => notes.push(format!("leak accounting failed: {e}")),
    }
    (notes, leaked_msg)
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
async fn leaks(
    engine: &Engine,
    run_id: &str,
    case: &str,
    swarm: Option<&Capabilities>,
) -> Result<Vec<String>, EngineError> {
    let filter = label_filter(&[
        &format!("{LABEL_RUN}={run_id}"),
        &format!("{LABEL_CASE}={case}"),
        &format!("{LABEL_OWNER}={}", owner()),
    ]);
    let mut found = Vec::new();
    let mut left = Vec::new();
    if let Some(caps) = swarm {
        left.extend(objects::list_swarm(engine, caps, &filter).await?);
    }
    left.extend(objects::list(engine, &filter).await?);
    for o in left {
        objects::remove(engine, o.kind, &o.id).await?;
        found.push(o.to_string());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: u16, pointer: &str, kind: FindingKind) -> CallFinding {
        CallFinding {
            method: "GET".into(),
            path: "/v1.41/events?filters=%7Bnot".into(),
            finding: Finding {
                operation: "SystemEvents".into(),
                status,
                pointer: pointer.into(),
                kind,
                expected: "object ErrorResponse".into(),
                actual: "EOF while parsing a value at line 1 column 0: ".into(),
            },
        }
    }

    #[test]
    fn an_observed_status_sees_its_reply_s_body_that_is_not_json_and_nothing_else() {
        // Podman 4.3's 400 to GET /events?filters={not json: an empty body.
        let seen = Observed {
            method: "GET".into(),
            path: "/v1.41/events?filters=%7Bnot".into(),
            fact: Fact::Status {
                status: 400,
                message: String::new(),
            },
        };
        assert!(same_deviation(&seen, &finding(400, "", FindingKind::InvalidJson)));
        assert!(same_deviation(&seen, &finding(400, "", FindingKind::MediaType)));
        assert!(!same_deviation(&seen, &finding(500, "", FindingKind::InvalidJson)));
        assert!(!same_deviation(&seen, &finding(400, "/message", FindingKind::BadEnum)));
        let mut elsewhere = finding(400, "", FindingKind::InvalidJson);
        elsewhere.path = "/v1.41/info".into();
        assert!(!same_deviation(&seen, &elsewhere));
    }
}
