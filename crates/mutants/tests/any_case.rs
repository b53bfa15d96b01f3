//! An `any-case = true` known-failure entry excuses the shape finding it
//! pins, and nothing else: a case that meets the pinned finding and also
//! fails a hand-written assertion still fails. Shown on real replies of the
//! engine at /var/run/docker.sock (or DOCKER_HOST's unix socket), mutated by
//! two proxies in a chain, each with one mutant:
//!
//! - `inspect-cpushares-string` (of the shapes-on set): every
//!   `ContainerInspect` reply gives `HostConfig.CpuShares` as a string, which
//!   no assertion of `containers/inspect/fields` reads; only the shapes see
//!   it, and the list below pins exactly that finding as `any-case`;
//! - `inspect-no-path` (of the catalogue): the same replies without `Path`,
//!   which the reference does not require (no finding) and the check's own
//!   assertion of `Path and Args` reads.
//!
//! dockhand runs as a program, built by `tests/common` as for `fast.rs`
//! it (or taken from `DOCKHAND_BIN`).

mod common;

use common::{dockhand, engine};

use dockhand_mutants::catalogue;
use dockhand_mutants::run::{run_checks, run_checks_listed, RunOutcome, Shapes, Verdict};
use dockhand_mutants::MutationProxy;

const CASE: &str = "containers/inspect/fields";

/// The list the runs below apply: one `any-case` entry for every
/// `containers/*` case, pinning the finding the first mutant causes (the
/// probe container's `CpuShares` is 0, as a string `"0"`).
const LIST: &str = r#"
[[known-failure]]
check = "containers/*"
any-case = true
reason = "test: HostConfig.CpuShares as a string (the mutant inspect-cpushares-string)"
[known-failure.deviation]
call = "ContainerInspect"
field = "/HostConfig/CpuShares"
value = '"0"'
"#;

fn verdict(run: &RunOutcome, what: &str) -> Verdict {
    run.cases.get(CASE).cloned().unwrap_or_else(|| {
        panic!(
            "{what}: no verdict for {CASE} (exit {:?}): {}",
            run.exit_code, run.stderr_tail
        )
    })
}

fn mutant(name: &str) -> catalogue::Mutant {
    catalogue::find(name)
        .cloned()
        .unwrap_or_else(|| panic!("no mutant {name}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_any_case_entry_excuses_its_finding_but_not_a_failing_assertion() {
    let engine = engine();
    let cases = [CASE.to_string()];
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("known-failures.toml");
    std::fs::write(&list, LIST).unwrap();

    // Unmutated, with the list: a pass (an any-case entry not met fixes nothing).
    let direct = format!("unix://{}", engine.display());
    let v = verdict(
        &run_checks_listed(dockhand(), &direct, &cases, &list).await.unwrap(),
        "unmutated",
    );
    assert_eq!(v.kind, "passed", "unmutated: {}", v.message);

    // The shape mutant alone: caught by the shapes without the list ...
    let shapes_only = MutationProxy::start(&engine, Some(mutant("inspect-cpushares-string"))).unwrap();
    let run = run_checks(dockhand(), &shapes_only.host(), &cases, None, Shapes::On)
        .await
        .unwrap();
    let v = verdict(&run, "shape mutant, no list");
    assert_eq!(v.kind, "failed", "shape mutant, no list: {}", v.message);
    assert!(
        v.message
            .contains("ContainerInspect 200 /HostConfig/CpuShares: wrong-type: expected integer, got \"0\""),
        "{}",
        v.message
    );
    // ... and excused by the entry with it: the finding is exactly the pinned one.
    let v = verdict(
        &run_checks_listed(dockhand(), &shapes_only.host(), &cases, &list)
            .await
            .unwrap(),
        "shape mutant, listed",
    );
    assert_eq!(v.kind, "known-failure", "shape mutant, listed: {}", v.message);

    // Both mutants: the same excused finding, and the check's own assertion
    // fails. The entry does not excuse that: the case fails, for `Path`.
    let both = MutationProxy::start(&shapes_only.socket_path(), Some(mutant("inspect-no-path"))).unwrap();
    let applied_before = shapes_only.applied();
    let v = verdict(
        &run_checks_listed(dockhand(), &both.host(), &cases, &list)
            .await
            .unwrap(),
        "both mutants, listed",
    );
    assert!(
        both.applied() > 0 && shapes_only.applied() > applied_before,
        "both mutants applied: {} and {}",
        both.applied(),
        shapes_only.applied() - applied_before
    );
    assert_eq!(v.kind, "failed", "both mutants, listed: {}", v.message);
    assert!(v.message.contains("Path and Args"), "{}", v.message);
    assert!(
        !v.message.contains("CpuShares"),
        "the pinned finding is excused: {}",
        v.message
    );
    for p in [&shapes_only, &both] {
        assert!(p.errors().is_empty(), "{:?}", p.errors());
    }
}
