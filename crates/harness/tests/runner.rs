//! The runner against this machine's engine: cleanup runs whatever the check
//! did (passed, panicked, timed out), an object left behind fails its check
//! by name and is removed, and a listed case is a known failure only when it
//! fails with its pinned deviation. And schema findings end to end, against
//! a stand-in engine (see [`a_mutant_no_assertion_reads_fails_the_case`]).

use std::time::Duration;

use dockhand_engine::{label_filter, Address, ApiVersion, Deadlines, Endpoint, EndpointSource, Engine, Request};
use dockhand_harness::config::TomlFile;
use dockhand_harness::{
    Check, CheckCase, CheckResult, Cleanup, Ctx, FindingKind, KnownFailures, Listed, Observed, Outcome, PlannedCase,
    RunnerOptions,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixListener;
use tokio::sync::watch;

mod kit;
use kit::{machine_engine, planned, runner, runner_with};

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

/// Asserts that a case listed for `NO_SUCH_CONTAINER`, which met it and
/// also `besides` (`what`), failed with no fact a pin could excuse.
fn failed_besides_404(outcome: &Outcome, besides: &str, what: &str) {
    match outcome {
        Outcome::Failed { message, observed } => {
            assert!(
                message.starts_with("listed as known for ContainerInspect (GET /containers/{id}/json) answering 404")
                    && message.contains(&format!("; and {besides}")),
                "{message}"
            );
            assert_eq!(observed, &None);
        }
        other => panic!("{what} besides the listed deviation is a failure, got {other:?}"),
    }
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
    failed_besides_404(
        &outcomes["test/listed-leaks"].0,
        "left behind after cleanup (now removed): container dh-",
        "a leak",
    );
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

/// The recorded inspect with `HostConfig.CpuShares` a string.
fn mutant_inspect() -> String {
    let mut v: Value =
        serde_json::from_str(include_str!("../../shapes/tests/fixtures/container-inspect.json")).unwrap();
    v["HostConfig"]["CpuShares"] = json!("512");
    v.to_string()
}

/// Answers each request on the socket: the mutant inspect for container
/// `x`, 404 for the missing container of `inspects_missing`, `OK` to a
/// ping, empty lists to the runner's leak accounting and sweep.
async fn stand_in(listener: UnixListener) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = Vec::new();
            loop {
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    let mut chunk = [0u8; 4096];
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                buf.drain(..head_end);
                let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
                let (status, ct, body) = if path.contains("/containers/x/json") {
                    ("200 OK", "application/json", mutant_inspect())
                } else if path.contains("/containers/dead") {
                    (
                        "404 Not Found",
                        "application/json",
                        r#"{"message":"No such container: dead"}"#.to_string(),
                    )
                } else if path.contains("/secrets/create") {
                    // As Docker 20.10 answers: `ID` where IdResponse has `Id`.
                    ("201 Created", "application/json", r#"{"ID":"s1"}"#.to_string())
                } else if path.ends_with("/_ping") {
                    ("200 OK", "text/plain; charset=utf-8", "OK".to_string())
                } else if path.contains("/volumes") {
                    (
                        "200 OK",
                        "application/json",
                        r#"{"Volumes":[],"Warnings":[]}"#.to_string(),
                    )
                } else if path.contains("/json") || path.contains("/networks") {
                    ("200 OK", "application/json", "[]".to_string())
                } else {
                    (
                        "404 Not Found",
                        "application/json",
                        r#"{"message":"not here"}"#.to_string(),
                    )
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if conn.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Inspects the container and asserts only that it runs.
async fn inspects(ctx: Ctx) -> CheckResult {
    let r = ctx.engine().send(Request::get("/containers/x/json")).await?.ok()?;
    let v: Value = r.json()?;
    let running = v["State"]["Running"].to_string();
    dockhand_harness::ensure!(running == "true", "State.Running", "true", running);
    Ok(())
}

/// Inspects the mutant, then meets `inspects_missing`'s deviation.
async fn inspects_then_misses(ctx: Ctx) -> CheckResult {
    ctx.engine().send(Request::get("/containers/x/json")).await?;
    inspects_missing(ctx).await
}

/// Inspects the mutant, then creates a secret: two deviations.
async fn inspects_and_creates_a_secret(ctx: Ctx) -> CheckResult {
    ctx.engine().send(Request::get("/containers/x/json")).await?;
    let r = ctx
        .engine()
        .send(Request::post("/secrets/create").json(&json!({"Name": "s", "Data": ""})))
        .await?;
    ctx.expect_status(&r, 201, "secret create")
}

/// An entry listing a case with each of `pins` as one
/// `[[known-failure.deviation]]`.
fn listed_for_each(pins: &[&str]) -> Option<Listed> {
    let tables: String = pins
        .iter()
        .map(|p| format!("[[known-failure.deviation]]\n{p}"))
        .collect();
    let file = TomlFile::new(
        "known.toml",
        format!("[[known-failure]]\ncheck = \"*\"\nreason = \"two\"\n{tables}"),
    );
    let known = KnownFailures::parse(&file).expect("a valid entry");
    Some(Listed::from(&known.entries()[0]))
}

/// The pin of the secret's missing `Id`.
const SECRET_ID: &str = "call = \"SecretCreate\"\nfield = \"/Id\"\nvalue = '\"(absent)\"'\n";

/// The pin of the mutant's finding, with `value` the actual value as JSON.
fn cpu_shares(value: &str) -> String {
    format!("call = \"ContainerInspect\"\nfield = \"/HostConfig/CpuShares\"\nvalue = '{value}'\n")
}

/// A check whose own assertions pass, against an engine whose container
/// inspect carries a mutant no assertion reads (`HostConfig.CpuShares` as a
/// string), fails with that finding as its observed fact; a pin of exactly
/// that finding excuses it, and nothing else does: a pin of another value, an
/// entry for another deviation, or a listed failure with the finding besides
/// are failures. With validation off the case passes. The engine is a
/// stand-in answering canned bytes (a reply recorded from Docker 20.10,
/// mutated), since no real engine sends the mutant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutant_no_assertion_reads_fails_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("engine.sock");
    tokio::spawn(stand_in(UnixListener::bind(&socket).unwrap()));
    let endpoint = Endpoint {
        address: Address::Unix(socket),
        source: EndpointSource::Flag,
    };
    let engine = Engine::with_version(endpoint, Deadlines::default(), ApiVersion::new(1, 41));
    let checks = [
        check("test/inspects", |c| Box::pin(inspects(c))),
        check("test/inspects-pinned", |c| Box::pin(inspects(c))),
        check("test/inspects-pinned-otherwise", |c| Box::pin(inspects(c))),
        check("test/inspects-listed-status", |c| Box::pin(inspects(c))),
        check("test/inspects-then-misses", |c| Box::pin(inspects_then_misses(c))),
        check("test/two-deviations", |c| Box::pin(inspects_and_creates_a_secret(c))),
        check("test/two-deviations-one-pinned", |c| {
            Box::pin(inspects_and_creates_a_secret(c))
        }),
    ];
    let plan = |shapes_pinned: bool| -> Vec<PlannedCase> {
        CheckCase::expand(&checks)
            .into_iter()
            .map(|case| PlannedCase {
                known_failure: match (case.id().as_str(), shapes_pinned) {
                    ("test/inspects-pinned", true) => listed("mutant", "", &cpu_shares("\"512\"")),
                    ("test/inspects-pinned-otherwise", true) => listed("mutant", "", &cpu_shares("\"1024\"")),
                    ("test/inspects-listed-status" | "test/inspects-then-misses", true) => {
                        listed("404", "", NO_SUCH_CONTAINER)
                    }
                    ("test/two-deviations", true) => listed_for_each(&[&cpu_shares("\"512\""), SECRET_ID]),
                    ("test/two-deviations-one-pinned", true) => listed_for_each(&[&cpu_shares("\"512\"")]),
                    _ => None,
                },
                ..planned(case, 1)
            })
            .collect()
    };
    let run_id = format!("s{:07x}", std::process::id());
    let (runner, mut rx) = runner(engine.clone(), run_id.clone(), 1, Duration::from_secs(5));
    let (_int_tx, int_rx) = watch::channel(0u32);
    runner.run(plan(true), int_rx).await;
    drop(runner);
    let finished: std::collections::HashMap<_, _> =
        kit::finished(&mut rx).into_iter().map(|f| (f.id.clone(), f)).collect();

    let mutant = Observed::field_value("GET", "/v1.41/containers/x/json", "/HostConfig/CpuShares", json!("512"));
    let unlisted = &finished["test/inspects"];
    match &unlisted.outcome {
        Outcome::Failed { message, observed } => {
            assert!(
                message
                    .contains("ContainerInspect 200 /HostConfig/CpuShares: wrong-type: expected integer, got \"512\""),
                "{message}"
            );
            assert_eq!(observed.as_ref(), Some(&mutant));
        }
        other => panic!("the mutant must fail the case, got {other:?}"),
    }
    let failing: Vec<_> = unlisted.schema.iter().filter(|f| f.kind.fails()).collect();
    assert_eq!(failing.len(), 1, "{:#?}", unlisted.schema);
    assert_eq!(
        (failing[0].pointer.as_str(), failing[0].kind),
        ("/HostConfig/CpuShares", FindingKind::WrongType)
    );
    assert!(
        matches!(&finished["test/inspects-pinned"].outcome, Outcome::KnownFailure { deviation, .. }
            if deviation == "ContainerInspect (GET /containers/{id}/json) replying /HostConfig/CpuShares = \"512\""),
        "{:?}",
        finished["test/inspects-pinned"].outcome
    );
    for (id, why) in [
        ("test/inspects-pinned-otherwise", "a pin of another value"),
        ("test/inspects-listed-status", "an entry for another deviation"),
    ] {
        match &finished[id].outcome {
            Outcome::Failed { message, observed } => {
                assert!(message.starts_with("listed as known for "), "{id}: {message}");
                assert_eq!(observed.as_ref(), Some(&mutant), "{id}");
            }
            other => panic!("{why} excuses no finding, got {other:?}"),
        }
    }
    // Two deviations in one case: an entry pinning each excuses the case,
    // and names both; one pinning only one of them excuses nothing.
    match &finished["test/two-deviations"].outcome {
        Outcome::KnownFailure { deviation, .. } => assert_eq!(
            deviation,
            "ContainerInspect (GET /containers/{id}/json) replying /HostConfig/CpuShares = \"512\" \
             and SecretCreate (POST /secrets/create) replying /Id = \"(absent)\""
        ),
        other => panic!("both deviations pinned: a known failure, got {other:?}"),
    }
    match &finished["test/two-deviations-one-pinned"].outcome {
        Outcome::Failed { message, .. } => assert!(
            message.starts_with("listed as known for ContainerInspect") && message.contains("(and 1 more)"),
            "{message}"
        ),
        other => panic!("a deviation no pin names fails the case, got {other:?}"),
    }
    failed_besides_404(
        &finished["test/inspects-then-misses"].outcome,
        "the engine's replies depart from the API reference's shapes: ",
        "a schema finding",
    );

    let (runner, mut rx) = runner_with(
        engine,
        RunnerOptions {
            shapes: false,
            ..kit::options(run_id, 1, Duration::from_secs(5))
        },
    );
    let (_int_tx, int_rx) = watch::channel(0u32);
    runner.run(plan(false), int_rx).await;
    drop(runner);
    let finished = kit::finished(&mut rx);
    let unlisted = finished.iter().find(|f| f.id == "test/inspects").unwrap();
    assert_eq!(unlisted.outcome, Outcome::Passed);
    assert!(unlisted.schema.is_empty());
}

/// Cases start longest first by the durations earlier runs recorded in
/// their journals; a case without history is expected to take the median,
/// and without any history a `slow` case goes first and the rest keep the
/// plan's order. Cases skipped before they start come first.
#[test]
fn cases_start_longest_first_by_their_history() {
    use dockhand_harness::schedule::{order, History};
    fn tidy_case(c: Ctx) -> dockhand_harness::CheckFuture {
        Box::pin(tidy(c))
    }
    let mut slow = check("test/slow", tidy_case);
    slow.meta.tags = &["slow"];
    let checks = [
        check("test/a", tidy_case),
        check("test/b", tidy_case),
        slow,
        check("test/c", tidy_case),
        check("test/skipped", tidy_case),
    ];
    let plan = || -> Vec<PlannedCase> {
        CheckCase::expand(&checks)
            .into_iter()
            .map(|case| {
                let skip = (case.id() == "test/skipped").then(|| "not here".to_string());
                PlannedCase {
                    skip,
                    ..planned(case, 1)
                }
            })
            .collect()
    };
    let ids = |h: &History| -> Vec<String> { order(plan(), h).iter().map(|pc| pc.case.id()).collect() };
    assert_eq!(
        ids(&History::default()),
        ["test/skipped", "test/slow", "test/a", "test/b", "test/c"]
    );
    // b took longest, a least; c has no history: the median (b's 900, a's
    // 10, slow's 400: 400), after slow in the plan's order.
    let h = History::of([("test/a", 10), ("test/b", 900), ("test/slow", 400)]);
    assert_eq!(ids(&h), ["test/skipped", "test/b", "test/slow", "test/c", "test/a"]);
}

/// A journal's durations are the history of the next run.
#[test]
fn history_is_read_from_the_newest_journals() {
    use dockhand_harness::journal::JournalWriter;
    use dockhand_harness::report::Reporter;
    use dockhand_harness::schedule::History;
    use dockhand_harness::{CaseKey, Event};
    let dir = tempfile::tempdir().unwrap();
    let finished = |id: &str, ms: u64| Event::CheckFinished {
        case: CaseKey {
            id: id.into(),
            iteration: 1,
        },
        area: "test".into(),
        outcome: if ms > 0 {
            Outcome::Passed
        } else {
            Outcome::Skipped { reason: "no".into() }
        },
        duration_ms: ms,
        transcript: vec![],
        cleanup_notes: vec![],
        schema: vec![],
        validated: vec![],
    };
    for (run, ms) in [("r0000001", 100), ("r0000002", 700)] {
        let mut w = JournalWriter::create(dir.path(), run).unwrap();
        w.event(&Event::RunStarted {
            run_id: run.into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            engine: dockhand_harness::EngineSummary {
                endpoint: "unix:///e.sock".into(),
                endpoint_source: "from --host".into(),
                name: "e".into(),
                version: "1".into(),
                api_version: "1.41".into(),
                os: "linux".into(),
                arch: "amd64".into(),
            },
            selection: vec![],
            jobs: 1,
            resumed_from: None,
        })
        .unwrap();
        w.event(&finished("test/a", ms)).unwrap();
        w.event(&finished("test/skipped", 0)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let h = History::from_journals(dir.path(), 5);
    assert_eq!(h.get("test/a"), Some(700), "the newer run's figure");
    assert_eq!(h.get("test/skipped"), None, "a case that did not run has no duration");
    assert_eq!(History::from_journals(dir.path(), 1).get("test/a"), Some(700));
    assert!(History::from_journals(&dir.path().join("none"), 5).is_empty());
}
