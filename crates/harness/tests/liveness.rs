//! The runner's liveness ping, on a private engine (dockhand-daemon): a check
//! blocked in a call that may wait on purpose (`/wait` with a long allowance)
//! does not hold the run when the engine freezes. The run ends within the
//! call deadline plus one second of the freeze, the engine is declared down
//! naming the call that got no reply, and the cut-off case is not-run, so
//! `--resume` reruns it. Needs root and dockerd; fails loudly without them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{ApiVersion, ConnectOptions, Deadlines, Engine, Request};
use dockhand_harness::{
    Check, CheckCase, CheckMeta, CheckResult, Cleanup, Ctx, Event, Outcome, PlannedCase, ProbeImage, Runner,
    RunnerOptions,
};
use serde_json::json;
use tokio::sync::{mpsc, watch, Notify};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_engine_is_found_while_a_check_waits_on_purpose() {
    let name = format!("h{}-liveness", std::process::id());
    let mut pe = PrivateEngine::start(PrivateEngineOptions::new(&name))
        .await
        .unwrap_or_else(|e| panic!("this test needs root and dockerd and does not skip: {e}"));
    let engine = Engine::connect(ConnectOptions {
        endpoint: pe.endpoint(),
        deadlines: Deadlines {
            call: DEADLINE,
            stream_idle: DEADLINE,
        },
        pinned_version: None,
    })
    .await
    .unwrap();
    let checks = [Check {
        meta: CheckMeta {
            id: "test/waits-on-purpose",
            summary: "blocks in POST /containers/{id}/wait with a 120 s allowance",
            area: "test",
            tags: &[],
            min_api: ApiVersion::new(1, 25),
            needs: &[],
            reference: &[],
        },
        variants: &[],
        run: |c| Box::pin(waits_on_purpose(c)),
    }];
    let plan: Vec<PlannedCase> = (1..=3)
        .map(|iteration| PlannedCase {
            case: CheckCase::expand(&checks).remove(0),
            iteration,
            settings: json!({}),
            timeout: None,
            skip: None,
            known_failure: None,
        })
        .collect();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let runner = Runner::new(
        engine,
        Arc::new(ProbeImage::new()),
        RunnerOptions {
            run_id: format!("l{:07x}", std::process::id()),
            jobs: 1,
            check_timeout: Duration::from_secs(300),
            watchdog_timeout: Duration::from_millis(750),
            call_observer: None,
            resumed_from: None,
        },
        tx,
    );
    let (_int_tx, int_rx) = watch::channel(0u32);
    let run = tokio::spawn(async move { runner.run(plan, int_rx).await });

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
    let summary = summary.expect("the run ended").unwrap();
    eprintln!("run ended {took:?} after the freeze");

    assert_eq!(summary.exit_code, 2);
    assert!(
        took < DEADLINE + Duration::from_secs(1),
        "ended {took:?} after the freeze"
    );
    let diagnosis = summary.engine_down.expect("the engine was declared down");
    assert!(
        diagnosis.contains("not responding") && diagnosis.contains("GET /_ping got no reply within 2s"),
        "{diagnosis}"
    );
    let mut outcomes = vec![];
    while let Ok(e) = rx.try_recv() {
        if let Event::CheckFinished { case, outcome, .. } = e {
            outcomes.push((case.iteration, outcome));
        }
    }
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for (i, o) in &outcomes {
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
