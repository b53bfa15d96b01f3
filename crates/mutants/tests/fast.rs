//! The fast subset of the mutation harness, run by `cargo test` against the
//! engine at /var/run/docker.sock (or DOCKER_HOST's unix socket): mutants
//! over every area, each of which its named check must catch, so that a
//! weakened check turns the test red; the baseline (the proxy with no mutant
//! changes no verdict); and the proxy's transparency on the wire.
//!
//! dockhand runs as a program, as `scripts/mutants` runs it: the binary is
//! built once per test process with `cargo build -p dockhand` into this
//! test's own target directory (or taken from `DOCKHAND_BIN`).

mod common;

use std::path::Path;
use std::time::Instant;

use common::{dockhand, engine};

use dockhand_mutants::catalogue;
use dockhand_mutants::run::{compare, run_checks, MutantResult, Shapes};
use dockhand_mutants::MutationProxy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// Each mutant of the subset and the case that must catch it.
const SUBSET: &[(&str, &str)] = &[
    ("ping-no-api-version", "system/ping/get"),
    ("version-no-git-commit", "system/version/fields"),
    ("events-no-exit-code", "system/events/container-lifecycle"),
    ("kill-stopped-500", "containers/kill/default-and-errors:stopped"),
    ("logs-streams-swapped", "logs/framing/streams:both"),
    ("exec-start-streams-swapped", "exec/run/attached"),
    ("attach-first-frame-twice", "attach/framing/streams:both"),
    ("archive-head-no-stat", "archive/roundtrip/stat:file"),
    ("image-tag-200", "images/tag/create"),
    ("volume-inspect-no-mountpoint", "volumes/create/named"),
    ("volume-list-drops-dockhand-volumes", "volumes/list/filters:label"),
    ("network-create-no-warning", "networks/create/bridge:plain"),
];

fn cases() -> Vec<String> {
    SUBSET.iter().map(|(_, c)| c.to_string()).collect()
}

/// The baseline, then the mutants, in one test: two runs of one case at once
/// would see each other's events (the events checks filter by the case's
/// label, which is the same in both runs).
#[tokio::test(flavor = "multi_thread")]
async fn the_baseline_holds_and_each_mutant_of_the_fast_subset_is_killed_by_its_named_check() {
    the_proxy_without_a_mutant_changes_no_verdict().await;
    each_mutant_of_the_fast_subset_is_killed_by_its_named_check().await;
}

async fn the_proxy_without_a_mutant_changes_no_verdict() {
    let engine = engine();
    let direct = run_checks(
        dockhand(),
        &format!("unix://{}", engine.display()),
        &cases(),
        None,
        Shapes::Off,
    )
    .await
    .unwrap();
    let proxy = MutationProxy::start(&engine, None).unwrap();
    let proxied = run_checks(dockhand(), &proxy.host(), &cases(), None, Shapes::Off)
        .await
        .unwrap();
    assert_eq!(
        compare(&direct, &proxied),
        vec![],
        "verdicts direct and through the proxy"
    );
    for (_, case) in SUBSET {
        let v = &proxied.cases[*case];
        assert_eq!(
            v.kind, "passed",
            "{case} must pass unmutated for a kill to mean anything: {}",
            v.message
        );
    }
    assert!(proxy.errors().is_empty(), "{:?}", proxy.errors());
}

async fn each_mutant_of_the_fast_subset_is_killed_by_its_named_check() {
    let engine = engine();
    let started = Instant::now();
    let mut survivors = Vec::new();
    for (name, case) in SUBSET {
        let m = catalogue::find(name).unwrap_or_else(|| panic!("no mutant {name}"));
        assert!(
            run_globs_match(m.catchers, case),
            "{case} is not among {name}'s named checks {:?}",
            m.catchers
        );
        let proxy = MutationProxy::start(&engine, Some(m.clone())).unwrap();
        let run = run_checks(dockhand(), &proxy.host(), &[case.to_string()], None, Shapes::Off)
            .await
            .unwrap();
        let verdict = run.cases.get(*case).cloned();
        // The baseline test shows the case passes unmutated.
        let baseline = dockhand_mutants::run::RunOutcome {
            cases: [(
                case.to_string(),
                dockhand_mutants::run::Verdict {
                    kind: "passed".into(),
                    message: String::new(),
                },
            )]
            .into(),
            ..Default::default()
        };
        let r = MutantResult::judge(m, &baseline, &run, proxy.applied());
        if !r.killed() {
            survivors.push(format!("{name} (applied {}): {case} ended {verdict:?}", r.applied));
        }
    }
    assert!(
        survivors.is_empty(),
        "mutants that survived their named check: {survivors:#?}"
    );
    eprintln!("{} mutants in {:.1}s", SUBSET.len(), started.elapsed().as_secs_f64());
}

fn run_globs_match(globs: &[&str], case: &str) -> bool {
    dockhand_mutants::run::globs(globs).is_match(case)
}

/// One raw HTTP/1.1 exchange; returns the reply's bytes up to the close.
async fn exchange(socket: &Path, request: &str) -> Vec<u8> {
    let mut s = UnixStream::connect(socket).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    out
}

/// The reply without its Date field, which differs from call to call.
fn without_date(reply: &[u8]) -> String {
    String::from_utf8_lossy(reply)
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_the_mutant_does_not_target_pass_byte_for_byte() {
    let engine = engine();
    let request = "GET /v1.41/version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
    let direct = exchange(&engine, request).await;
    for mutant in [None, catalogue::find("kill-stopped-500").cloned()] {
        let proxy = MutationProxy::start(&engine, mutant.clone()).unwrap();
        let proxied = exchange(&proxy.socket_path(), request).await;
        assert_eq!(without_date(&proxied), without_date(&direct), "mutant {mutant:?}");
        assert_eq!(proxy.applied(), 0);
    }
    // The targeted reply does change, and only in what the mutant says.
    let proxy = MutationProxy::start(&engine, catalogue::find("version-no-git-commit").cloned()).unwrap();
    let proxied = without_date(&exchange(&proxy.socket_path(), request).await);
    assert_eq!(proxy.applied(), 1);
    let body = |reply: &str| -> serde_json::Value {
        serde_json::from_str(reply.split_once("\r\n\r\n").map_or("", |(_, b)| b)).unwrap()
    };
    assert!(body(&without_date(&direct)).get("GitCommit").is_some());
    let mutated = body(&proxied);
    assert!(
        mutated.get("GitCommit").is_none() && mutated.get("GoVersion").is_some(),
        "{proxied}"
    );
}

/// The shapes-on set: each mutant changes a field that no hand-written
/// assertion of its named check reads, so the check passes it with the
/// shapes off, and fails it with them on; unmutated, it passes both ways.
#[tokio::test(flavor = "multi_thread")]
async fn the_shapes_catch_what_no_assertion_reads() {
    const CASE: &str = "containers/create/config:env";
    let engine = engine();
    let case = [CASE.to_string()];
    let passed = |run: &dockhand_mutants::run::RunOutcome, what: &str| {
        let v = &run.cases[CASE];
        assert_eq!(v.kind, "passed", "{what}: {}", v.message);
    };
    let proxy = MutationProxy::start(&engine, None).unwrap();
    passed(
        &run_checks(dockhand(), &proxy.host(), &case, None, Shapes::On)
            .await
            .unwrap(),
        "unmutated, with the shapes",
    );
    for m in dockhand_mutants::SHAPES {
        assert!(run_globs_match(m.catchers, CASE), "{}: {:?}", m.name, m.catchers);
        let proxy = MutationProxy::start(&engine, Some(m.clone())).unwrap();
        let off = run_checks(dockhand(), &proxy.host(), &case, None, Shapes::Off)
            .await
            .unwrap();
        passed(&off, &format!("{} without the shapes (no assertion reads it)", m.name));
        let on = run_checks(dockhand(), &proxy.host(), &case, None, Shapes::On)
            .await
            .unwrap();
        let v = &on.cases[CASE];
        assert_eq!(v.kind, "failed", "{} with the shapes: {}", m.name, v.message);
        assert!(
            v.message
                .contains("depart from the API reference's shapes: ContainerInspect 200 /"),
            "{}: {}",
            m.name,
            v.message
        );
        assert!(proxy.applied() > 0, "{}", m.name);
    }
}
