//! `dockhand check` against a private dockerd that is frozen (SIGSTOP) before
//! or during the run: exit 2 within the call deadline plus 1 s, naming the call
//! that got no reply. The machine's own daemon is never touched; the private
//! engine is killed and removed when the test ends, also on panic.

use std::time::{Duration, Instant};

use crate::kit::{dockhand, host_arg, runtime, start_private, WAIT};

const DEADLINE: Duration = Duration::from_secs(2);

#[test]
fn frozen_before_the_run_exits_2_within_deadline_plus_1s() {
    let rt = runtime();
    let mut pe = start_private(&rt, "c", "before");
    pe.freeze().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let o = dockhand(["--host", &host_arg(&pe), "--timeout", "2s", "check"])
        .dir(dir.path())
        .output();
    let took = t.elapsed();
    pe.thaw().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(took < DEADLINE + Duration::from_secs(1), "took {took:?}");
    assert!(
        err.contains("not responding") && err.contains("GET /version") && err.contains("2s"),
        "{err}"
    );
    rt.block_on(pe.shutdown()).unwrap();
}

#[test]
fn frozen_during_the_run_exits_2_within_deadline_plus_1s() {
    let rt = runtime();
    let mut pe = start_private(&rt, "c", "during");
    let dir = tempfile::tempdir().unwrap();
    let mut child = dockhand([
        "--host",
        &host_arg(&pe),
        "--timeout",
        "2s",
        "check",
        "--format",
        "json",
        "--repeat",
        "40",
        // The check this test was written around; the whole suite would
        // make the run's shape (and its timing) depend on every area.
        "containers/lifecycle/*",
    ])
    .dir(dir.path())
    .spawn();
    // Freeze once the first case has finished: the next ones are mid-flight.
    child.wait_for_event("check-finished");
    let seen = child.events_so_far().len();
    pe.freeze().unwrap();
    let frozen_at = Instant::now();
    let done = child.finish(DEADLINE + WAIT);
    let took = frozen_at.elapsed();
    pe.thaw().unwrap();
    let rest: Vec<String> = done.stdout.lines().skip(seen).map(String::from).collect();
    let all = rest.join("\n");
    assert_eq!(done.code(), Some(2), "{all}");
    assert!(
        took < DEADLINE + Duration::from_secs(1),
        "exit {took:?} after the freeze\n{all}"
    );
    let down = rest
        .iter()
        .find(|l| l.contains("\"event\":\"engine-down\""))
        .unwrap_or_else(|| panic!("no engine-down event:\n{all}"));
    assert!(
        down.contains("not responding") || down.contains("went silent"),
        "{down}"
    );
    assert!(
        down.contains("/v1.41/") || down.contains("/_ping"),
        "names the call: {down}"
    );
    assert!(
        all.contains("\"kind\":\"not-run\""),
        "the rest are marked not run:\n{all}"
    );
    rt.block_on(pe.shutdown()).unwrap();
}
