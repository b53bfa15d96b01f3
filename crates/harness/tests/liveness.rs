//! The runner's liveness ping, on a private engine (dockhand-daemon): a check
//! blocked in a call that may wait on purpose (`/wait` with a long allowance)
//! does not hold the run when the engine freezes. The run ends within the
//! call deadline plus one second of the freeze, the engine is declared down
//! naming the call that got no reply, and the cut-off case is not-run, so
//! `--resume` reruns it. Nor does a case whose cleanup is under way when the
//! engine freezes. Needs root and dockerd; fails loudly without them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{Engine, Request};
use dockhand_harness::{Check, CheckCase, CheckResult, Cleanup, Ctx, Event, Outcome, PlannedCase, RunSummary};
use serde_json::json;
use tokio::sync::{mpsc, watch, Notify};

mod kit;
use kit::engines::{connect, start_private, unique_name};
use kit::{check as test_check, host, planned, runner};

const DEADLINE: Duration = Duration::from_secs(2);

/// Told when the check is about to block in its long wait.
static WAITING: Notify = Notify::const_new();

async fn waits_on_purpose(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let r = ctx
        .engine()
        .container_create(
            Some(&ctx.name("idle")),
            &json!({"Image": image, "Cmd": ["idle"], "Labels": ctx.labels()}),
        )
        .await?
        .ok()?;
    let id = r.json::<serde_json::Value>()?["Id"].as_str().unwrap().to_string();
    ctx.defer(Cleanup::Container(id.clone()));
    ctx.engine().container_start(&id).await?.ok()?;
    WAITING.notify_one();
    // The container idles: this waits out its whole allowance unless cut off.
    ctx.engine()
        .send(Request::post(format!("/containers/{id}/wait")).allowance(Duration::from_secs(120)))
        .await?;
    Ok(())
}

async fn private_engine(test: &str) -> (PrivateEngine, Engine) {
    let pe = start_private(PrivateEngineOptions::new(unique_name("h", test))).await;
    let engine = connect(pe.endpoint(), DEADLINE).await;
    (pe, engine)
}

/// Runs `iterations` cases of `check`, one at a time; returns the run's task
/// and its events.
fn run(
    engine: Engine,
    check: Check,
    iterations: u32,
) -> (
    tokio::task::JoinHandle<dockhand_harness::RunSummary>,
    mpsc::UnboundedReceiver<Event>,
) {
    let checks = [check];
    let plan: Vec<PlannedCase> = (1..=iterations)
        .map(|iteration| planned(CheckCase::expand(&checks).remove(0), iteration))
        .collect();
    let run_id = format!("l{:07x}{}", std::process::id(), checks[0].meta.id.len());
    let (runner, rx) = runner(engine, run_id, 1, Duration::from_secs(300));
    let (int_tx, int_rx) = watch::channel(0u32);
    let task = tokio::spawn(async move {
        let _keep = int_tx;
        runner.run(plan, int_rx).await
    });
    (task, rx)
}

fn outcomes(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<(u32, Outcome, Vec<String>)> {
    kit::finished(rx)
        .into_iter()
        .map(|f| (f.iteration, f.outcome, f.cleanup_notes))
        .collect()
}

/// The run's summary once it ended, `took` after the freeze, asserting that
/// it declared the engine down (exit 2) within the call deadline plus 1 s.
fn ended_down_in_time(
    summary: Result<Result<RunSummary, tokio::task::JoinError>, tokio::time::error::Elapsed>,
    took: Duration,
) -> RunSummary {
    let summary = summary.expect("the run ended").unwrap();
    eprintln!("run ended {took:?} after the freeze");
    assert_eq!(summary.exit_code, 2);
    assert!(
        took < DEADLINE + Duration::from_secs(1),
        "ended {took:?} after the freeze"
    );
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_engine_is_found_while_a_check_waits_on_purpose() {
    let (mut pe, engine) = private_engine("liveness").await;
    let (run, mut rx) = run(
        engine,
        test_check(
            "test/waits-on-purpose",
            "blocks in POST /containers/{id}/wait with a 120 s allowance",
            |c| Box::pin(waits_on_purpose(c)),
        ),
        3,
    );

    tokio::time::timeout(Duration::from_secs(60), WAITING.notified())
        .await
        .expect("the check reached its wait");
    // Let the wait call reach the engine, and a liveness ping or two pass.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let frozen_at = Instant::now();
    pe.freeze().unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(30), run).await;
    let took = frozen_at.elapsed();
    pe.thaw().unwrap();
    let summary = ended_down_in_time(summary, took);
    let diagnosis = summary.engine_down.expect("the engine was declared down");
    assert!(
        diagnosis.contains("not responding") && diagnosis.contains("GET /_ping got no reply within 2s"),
        "{diagnosis}"
    );
    let outcomes = outcomes(&mut rx);
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for (i, o, _) in &outcomes {
        match o {
            Outcome::NotRun { reason } if *i == 1 => {
                assert!(reason.contains("cut off") && reason.contains("--resume"), "{reason}")
            }
            Outcome::NotRun { reason } => assert!(reason.contains("engine not responding"), "{reason}"),
            other => panic!("case {i}: expected not-run, got {other:?}"),
        }
    }
    pe.shutdown().await.unwrap();
}

/// The private dockerd's pid, for the check that freezes it.
static DOCKERD: AtomicU32 = AtomicU32::new(0);

/// Creates three containers for its cleanup, then freezes the engine
/// (SIGSTOP, until the kernel reports it stopped) and passes: the runner's
/// cleanup meets the frozen engine.
async fn freezes_before_its_cleanup(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    for i in 0..3 {
        let r = ctx
            .engine()
            .container_create(
                Some(&ctx.name(&format!("c{i}"))),
                &json!({"Image": image, "Labels": ctx.labels()}),
            )
            .await?
            .ok()?;
        let id = r.json::<serde_json::Value>()?["Id"].as_str().unwrap().to_string();
        ctx.defer(Cleanup::Container(id));
    }
    let pid = DOCKERD.load(Ordering::SeqCst);
    // SAFETY: a signal to the test's own private dockerd.
    assert_eq!(unsafe { libc::kill(pid as i32, libc::SIGSTOP) }, 0);
    while host::state(pid) != Some('T') {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    *FROZEN_AT.lock().unwrap() = Some(Instant::now());
    Ok(())
}

static FROZEN_AT: std::sync::Mutex<Option<Instant>> = std::sync::Mutex::new(None);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_during_a_cases_cleanup_cuts_the_cleanup_off() {
    let (mut pe, engine) = private_engine("cleanup").await;
    DOCKERD.store(pe.pid().expect("dockerd runs"), Ordering::SeqCst);
    let (run, mut rx) = run(
        engine,
        test_check(
            "test/freezes-before-its-cleanup",
            "creates three containers, freezes the engine, passes",
            |c| Box::pin(freezes_before_its_cleanup(c)),
        ),
        2,
    );
    let summary = tokio::time::timeout(Duration::from_secs(60), run).await;
    let took = FROZEN_AT.lock().unwrap().expect("the check froze the engine").elapsed();
    pe.thaw().unwrap();
    // Without the cut-off, each of the three removals waits out the deadline.
    ended_down_in_time(summary, took);
    let outcomes = outcomes(&mut rx);
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    let (_, first, notes) = &outcomes[0];
    assert_eq!(first, &Outcome::Passed, "the check itself finished: {notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("cleanup cut off") && n.contains("--resume")),
        "{notes:?}"
    );
    assert!(matches!(&outcomes[1].1, Outcome::NotRun { .. }), "{outcomes:?}");
    pe.shutdown().await.unwrap();
}
