//! The runner against this machine's engine: cleanup runs whatever the check
//! did (passed, panicked, timed out), an object left behind fails its check
//! by name and is removed, and a listed case is a known failure only when it
//! fails with its pinned deviation.

use std::time::Duration;

use dockhand_engine::label_filter;
use dockhand_harness::config::TomlFile;
use dockhand_harness::{Check, CheckCase, CheckResult, Cleanup, Ctx, KnownFailures, Listed, Outcome, PlannedCase};
use serde_json::json;
use tokio::sync::watch;

mod kit;
use kit::{machine_engine, planned, runner};

fn check(id: &'static str, run: fn(Ctx) -> dockhand_harness::CheckFuture) -> Check {
    kit::check(id, "runner test", run)
}

/// Creates a labelled probe container; registers its removal when `defer`.
async fn make_container(ctx: &Ctx, defer: bool) -> Result<String, dockhand_harness::CheckError> {
    let image = ctx.probe().await?;
    let r = ctx
        .engine()
        .container_create(Some(&ctx.name("c")), &json!({"Image": image, "Labels": ctx.labels()}))
        .await?
        .ok()?;
    let id = r.json::<serde_json::Value>()?["Id"].as_str().unwrap().to_string();
    if defer {
        ctx.defer(Cleanup::Container(id.clone()));
    }
    Ok(id)
}

async fn leaks(ctx: Ctx) -> CheckResult {
    make_container(&ctx, false).await.map(|_| ())
}

async fn panics(ctx: Ctx) -> CheckResult {
    make_container(&ctx, true).await?;
    panic!("deliberate panic after creating a container");
}

async fn hangs(ctx: Ctx) -> CheckResult {
    make_container(&ctx, true).await?;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

async fn tidy(ctx: Ctx) -> CheckResult {
    make_container(&ctx, true).await.map(|_| ())
}

/// Each variant sees its own name; variant `fails` fails, the other passes.
async fn variants(ctx: Ctx) -> CheckResult {
    make_container(&ctx, true).await?;
    dockhand_harness::ensure!(ctx.variant() != Some("fails"), "the variant", "not `fails`", "`fails`");
    Ok(())
}

/// Expects 200 from an inspect of a container that does not exist: the
/// engine answers 404 "No such container", a deviation to pin.
async fn inspects_missing(ctx: Ctx) -> CheckResult {
    let r = ctx
        .engine()
        .container_inspect("dead0000beef0000dead0000beef0000dead0000beef0000dead0000beef0000")
        .await?;
    ctx.expect_status(&r, 200, "inspect of a missing container")
}

/// The same deviation, after leaving a container behind.
async fn inspects_missing_and_leaks(ctx: Ctx) -> CheckResult {
    make_container(&ctx, false).await?;
    inspects_missing(ctx).await
}

/// An entry listing a case with `pin` as its `[known-failure.deviation]`.
fn listed(reason: &str, extra: &str, pin: &str) -> Option<Listed> {
    let file = TomlFile::new(
        "known.toml",
        format!("[[known-failure]]\ncheck = \"*\"\nreason = \"{reason}\"\n{extra}[known-failure.deviation]\n{pin}"),
    );
    let known = KnownFailures::parse(&file).expect("a valid entry");
    Some(Listed::from(&known.entries()[0]))
}

/// The deviation `inspects_missing` meets.
const NO_SUCH_CONTAINER: &str = "call = \"ContainerInspect\"\nstatus = 404\nmessage = \"No such container\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_always_runs_and_leaks_are_blamed_and_removed() {
    let engine = machine_engine().await;
    let run_id = format!("t{:07x}", std::process::id());
    let checks = [
        check("test/leaks", |c| Box::pin(leaks(c))),
        check("test/panics", |c| Box::pin(panics(c))),
        check("test/hangs", |c| Box::pin(hangs(c))),
        check("test/tidy", |c| Box::pin(tidy(c))),
        // Listed as known failures, and passing: fixed, unless intermittent.
        check("test/listed", |c| Box::pin(tidy(c))),
        check("test/listed-intermittent", |c| Box::pin(tidy(c))),
        // Listed, and failing: as pinned, otherwise, and as pinned with a leak.
        check("test/listed-deviates", |c| Box::pin(inspects_missing(c))),
        check("test/listed-otherwise", |c| Box::pin(inspects_missing(c))),
        check("test/listed-leaks", |c| Box::pin(inspects_missing_and_leaks(c))),
        Check {
            variants: &["passes", "fails"],
            ..check("test/variants", |c| Box::pin(variants(c)))
        },
    ];
    let plan: Vec<PlannedCase> = CheckCase::expand(&checks)
        .into_iter()
        .map(|case| PlannedCase {
            known_failure: match case.id().as_str() {
                "test/listed" => listed("was broken", "", NO_SUCH_CONTAINER),
                "test/listed-intermittent" => listed(
                    "sometimes broken",
                    "intermittent = true\nrate = \"1 in 6\"\n",
                    NO_SUCH_CONTAINER,
                ),
                "test/listed-deviates" | "test/listed-leaks" => listed("404", "", NO_SUCH_CONTAINER),
                "test/listed-otherwise" => listed("500", "", "call = \"ContainerInspect\"\nstatus = 500\n"),
                _ => None,
            },
            ..planned(case, 1)
        })
        .collect();
    let (runner, mut rx) = runner(engine.clone(), run_id.clone(), 2, Duration::from_secs(5));
    let (_int_tx, int_rx) = watch::channel(0u32);
    let summary = runner.run(plan, int_rx).await;
    drop(runner);

    let outcomes: std::collections::HashMap<String, (Outcome, Vec<String>)> = kit::finished(&mut rx)
        .into_iter()
        .map(|f| (f.id, (f.outcome, f.cleanup_notes)))
        .collect();
    let (o, notes) = &outcomes["test/leaks"];
    match o {
        Outcome::Failed { message, .. } => assert!(
            message.contains("left behind") && message.contains(&format!("container dh-{run_id}-")),
            "{message}"
        ),
        other => panic!("a leaking check must fail, got {other:?}"),
    }
    assert!(notes.iter().any(|n| n.contains("left behind")), "{notes:?}");
    match &outcomes["test/panics"].0 {
        Outcome::Error { message } => assert!(message.contains("deliberate panic"), "{message}"),
        other => panic!("{other:?}"),
    }
    match &outcomes["test/hangs"].0 {
        Outcome::Error { message } => assert!(message.contains("deadline of 5s"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(outcomes["test/tidy"].0, Outcome::Passed);
    assert_eq!(
        outcomes["test/listed"].0,
        Outcome::Fixed {
            reason: "was broken".into()
        }
    );
    assert_eq!(outcomes["test/listed-intermittent"].0, Outcome::Passed);
    // Failing with the pinned deviation is known; any other way fails and
    // says what the entry excuses and what happened.
    match &outcomes["test/listed-deviates"].0 {
        Outcome::KnownFailure {
            message,
            reason,
            deviation,
        } => {
            assert!(message.contains("expected status 200, got status 404"), "{message}");
            assert_eq!(reason, "404");
            assert_eq!(
                deviation,
                "ContainerInspect (GET /containers/{id}/json) answering 404 with a message matching /No such container/"
            );
        }
        other => panic!("the pinned deviation is a known failure, got {other:?}"),
    }
    match &outcomes["test/listed-otherwise"].0 {
        Outcome::Failed { message, observed } => {
            assert!(
                message.starts_with(
                    "listed as known for ContainerInspect (GET /containers/{id}/json) answering 500, but failed with: \
                     inspect of a missing container (GET /v1."
                ) && message.contains("expected status 200, got status 404 with message \"No such container"),
                "{message}"
            );
            assert!(
                matches!(observed, Some(o) if o.method == "GET" && o.path.ends_with("beef0000/json")),
                "{observed:?}"
            );
        }
        other => panic!("another status is a failure, got {other:?}"),
    }
    match &outcomes["test/listed-leaks"].0 {
        Outcome::Failed { message, observed } => {
            assert!(
                message.starts_with("listed as known for ContainerInspect (GET /containers/{id}/json) answering 404")
                    && message.contains("; and left behind after cleanup (now removed): container dh-"),
                "{message}"
            );
            assert_eq!(observed, &None);
        }
        other => panic!("a leak besides the deviation is a failure, got {other:?}"),
    }
    assert_eq!(outcomes["test/tidy"].1, Vec::<String>::new());
    // Sub-checks run and are reported each on its own, under `id:variant`.
    assert_eq!(outcomes["test/variants:passes"].0, Outcome::Passed);
    assert!(
        matches!(&outcomes["test/variants:fails"].0, Outcome::Failed { message, .. } if message.contains("the variant")),
        "{:?}",
        outcomes["test/variants:fails"]
    );
    assert!(
        !outcomes.contains_key("test/variants"),
        "the parent is not a case of its own"
    );
    assert!(summary.engine_down.is_none(), "a slow check is not a dead engine");
    assert_eq!(summary.exit_code, dockhand_harness::exit::CHECK_FAILED);

    // Whatever happened, nothing of the run is left on the engine.
    let left = engine
        .container_list(true, Some(&label_filter(&[&format!("dockhand.run={run_id}")])))
        .await
        .unwrap();
    assert!(left.is_empty(), "left behind: {left:?}");
}
