//! End-to-end tests of the `dockhand` binary against this machine's engine.
//! They assert what a user sees (exit codes, lines) and what the engine is
//! left with (nothing labelled by the run).

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::kit::serial::{self, Serial};
use crate::kit::{assert_run_clean, count, dockhand, events, lifecycle_run, run, run_id, text, Signal, WAIT};

/// Runs that sweep would see each other's planted orphans: one at a time.
fn serial() -> Serial {
    serial::exclusive(serial::ENGINE)
}

#[test]
fn check_passes_and_leaves_nothing_behind() {
    let _engine = serial();
    for round in 0..2 {
        let o = run(&["check", "--format", "json", "containers/lifecycle/*"]);
        assert_eq!(o.status.code(), Some(0), "round {round}: {}", text(&o));
        let ev = events(&o);
        let started = ev
            .iter()
            .find(|e| e["event"] == "run-started")
            .expect("a run-started event");
        let run_id = started["run_id"].as_str().expect("run-started has run_id");
        let finished: Vec<&Value> = ev.iter().filter(|e| e["event"] == "check-finished").collect();
        assert_eq!(finished.len(), 1, "{}", text(&o));
        assert_eq!(finished[0]["case"]["id"], "containers/lifecycle/start-stop-logs");
        assert_eq!(finished[0]["outcome"]["kind"], "passed", "{}", text(&o));
        assert!(
            finished[0]["transcript"].as_array().is_some_and(|t| t.len() >= 10),
            "the transcript records the calls"
        );
        eprintln!("round {round}");
        assert_run_clean(run_id);
    }
}

#[test]
fn human_output_has_one_line_per_check_and_a_summary() {
    let _engine = serial();
    let o = run(&["check", "containers/lifecycle/start-stop-logs"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("PASS ") && l.ends_with("s  containers/lifecycle/start-stop-logs")),
        "{out}"
    );
    assert!(out.contains("1 case: 1 passed"), "{out}");
}

#[test]
fn verbose_prints_each_call_with_status_and_latency() {
    let _engine = serial();
    let o = run(&["--verbose", "check", "containers/lifecycle/start-stop-logs"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("POST /v1.41/containers/create?name=") && err.contains("-> 201 ("),
        "{err}"
    );
    assert!(err.contains("-> 304 ("), "the second start is shown: {err}");
}

#[test]
fn a_crashed_runs_leftovers_are_swept_first() {
    let _engine = serial();
    // A container labelled as if by a dockhand process that no longer exists.
    let name = format!("dockhand-test-orphan-{}", std::process::id());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let o = run(&["image", "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let created = Command::new("docker")
        .args(["create", "--name", &name, "--label", "dockhand.run=deadbeef", "--label"])
        .arg(format!("dockhand.owner={}/4194303", host.trim()))
        .args(["--label", "dockhand.check=test", "dockhand/probe:0.1.0"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", text(&created));
    assert_eq!(count("container", "dockhand.run=deadbeef"), 1);
    let o = run(&["check", "--format", "json", "containers/lifecycle/*"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(count("container", "dockhand.run=deadbeef"), 0, "the orphan was swept");
    assert!(
        events(&o)
            .iter()
            .any(|e| e["event"] == "swept" && e["containers"].as_u64() >= Some(1)),
        "{}",
        text(&o)
    );
}

#[test]
fn absent_engine_exits_2_fast_naming_endpoint_and_source() {
    let t = Instant::now();
    let o = run(&["--host", "unix:///run/dockhand-no-such.sock", "check"]);
    let took = t.elapsed();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // A bound against waiting (a retry loop, a connect timeout), not a speed
    // target: an absent socket is refused at once, so the run must not take
    // anything near the call deadline. Start-up speed is measured elsewhere.
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unix:///run/dockhand-no-such.sock (from --host)"), "{err}");
    assert!(err.contains("the socket does not exist"), "{err}");

    let o = dockhand(["check"]).env("DOCKER_HOST", "tcp://127.0.0.1:1").output();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("tcp://127.0.0.1:1 (from DOCKER_HOST)") && err.contains("refused"),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_3_and_no_match_exits_4() {
    assert_eq!(run(&["check", "--no-such-flag"]).status.code(), Some(3));
    assert_eq!(run(&["--host", "http://x", "check"]).status.code(), Some(3));
    assert_eq!(run(&["--timeout", "soon", "check"]).status.code(), Some(3));
    let o = run(&["check", "nothing/matches/*"]);
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
}

#[test]
fn version_names_both_sides() {
    let o = run(&["version"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(concat!("dockhand ", env!("CARGO_PKG_VERSION"))), "{out}");
    assert!(out.contains("negotiated 1.41"), "{out}");
}

#[test]
fn a_killed_run_resumes_without_duplicates_or_leftovers() {
    let _engine = serial();
    let dir = tempfile::tempdir().unwrap();
    let jdir = dir.path().join("journal");
    let mut child = dockhand(lifecycle_run("json", 1, 12)).dir(dir.path()).spawn();
    let run_id = run_id(&[child.wait_for_event("run-started")]);
    for _ in 0..3 {
        child.wait_for_event("check-finished");
    }
    child.kill(); // SIGKILL: no cleanup, no final event

    let o = dockhand(["check", "--format", "json", "--resume"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
    let started = ev.iter().find(|e| e["event"] == "run-started").unwrap();
    assert_eq!(started["run_id"], run_id.as_str(), "the resumed run keeps its id");
    let resumed: Vec<u64> = ev
        .iter()
        .filter(|e| e["event"] == "check-finished")
        .map(|e| e["case"]["iteration"].as_u64().unwrap())
        .collect();
    assert!(
        resumed.len() >= 9 && resumed.len() <= 10,
        "reran only what did not finish: {resumed:?}"
    );
    assert!(
        !resumed.contains(&1),
        "iteration 1 finished before the kill: {resumed:?}"
    );
    let last = ev.iter().rfind(|e| e["event"] == "run-finished").unwrap();
    assert_eq!(last["counts"]["passed"], 12, "the summary is the union: {last}");

    // The journal holds each iteration exactly once with a final outcome.
    let journal = std::fs::read_to_string(jdir.join(format!("{run_id}.jsonl")))
        .or_else(|_| std::fs::read_to_string(dir.path().join(".dockhand/journal").join(format!("{run_id}.jsonl"))))
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    for l in journal.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        if v["event"] == "check-finished" && v["outcome"]["kind"] != "not-run" {
            assert!(
                seen.insert(v["case"]["iteration"].as_u64().unwrap()),
                "duplicate in journal: {l}"
            );
        }
    }
    assert_eq!(seen.len(), 12);
    assert_run_clean(&run_id);
}

#[test]
fn config_errors_name_the_file_line_and_valid_keys() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dockhand.toml"), "timeout = \"5s\"\njbos = 3\n").unwrap();
    let o = dockhand(["config", "show"]).dir(dir.path()).output();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("jbos") && err.contains("dockhand.toml") && err.contains("line 2"),
        "{err}"
    );
    assert!(err.contains("jobs"), "lists the valid keys: {err}");
}

/// The first interrupt stops scheduling, lets the running checks finish and
/// clean up, reports the rest not run with the summary and how to finish the
/// run, and exits 128 + the signal's number; nothing of the run is left.
/// Seen twice: as `--format json` events, and in the terminal's words.
fn the_first_interrupt_stops_scheduling_and_cleans_up(signal: Signal) {
    let _engine = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut child = dockhand(lifecycle_run("json", 2, 30)).dir(dir.path()).spawn();
    let run_id = run_id(&[child.wait_for_event("run-started")]);
    child.wait_for_event("check-finished");
    child.signal(signal);
    let done = child.finish(WAIT);
    let rest = done.events();
    assert_eq!(done.code(), Some(signal.exit_code()), "{signal:?}: {}", done.text());
    assert!(rest.iter().any(|e| e["event"] == "interrupted"), "{rest:?}");
    let not_run = rest
        .iter()
        .filter(|e| e["event"] == "check-finished" && e["outcome"]["kind"] == "not-run")
        .count();
    assert!(not_run >= 20, "scheduling stopped: only {not_run} not run");
    let finished = rest
        .iter()
        .rfind(|e| e["event"] == "run-finished")
        .expect("a final event");
    assert_eq!(finished["exit_code"], signal.exit_code());
    assert_run_clean(&run_id);

    // The same run in the terminal's words.
    let mut child = dockhand(lifecycle_run("human", 2, 30)).dir(dir.path()).spawn();
    let first = child.wait_for_line("the run's first line", |l| l.starts_with("Running "));
    let run_id = first.rsplit_once("; run ").expect("the run id").1.trim().to_string();
    child.wait_for_line("a finished case", |l| l.starts_with("PASS "));
    child.signal(signal);
    let done = child.finish(WAIT);
    assert_eq!(done.code(), Some(signal.exit_code()), "{signal:?}: {}", done.text());
    assert!(
        done.stdout.lines().any(|l| l.starts_with("Summary ")),
        "the summary: {}",
        done.text()
    );
    let hint = done
        .stdout
        .lines()
        .find(|l| l.starts_with("Interrupted at ") && l.ends_with("; `dockhand check --resume` runs them."))
        .unwrap_or_else(|| panic!("how to finish the run: {}", done.text()));
    let not_run: usize = hint
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of cases not run: {hint}"));
    assert!(not_run >= 20, "scheduling stopped: only {not_run} not run: {hint}");
    assert_run_clean(&run_id);
}

#[test]
fn ctrl_c_stops_scheduling_cleans_up_and_exits_130() {
    the_first_interrupt_stops_scheduling_and_cleans_up(Signal::Int);
}

#[test]
fn sigterm_stops_scheduling_cleans_up_and_exits_143() {
    the_first_interrupt_stops_scheduling_and_cleans_up(Signal::Term);
}

#[test]
fn sighup_stops_scheduling_cleans_up_and_exits_129() {
    the_first_interrupt_stops_scheduling_and_cleans_up(Signal::Hup);
}

#[test]
fn a_second_ctrl_c_aborts_and_says_how_to_sweep() {
    let _engine = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut child = dockhand(lifecycle_run("json", 2, 30)).dir(dir.path()).spawn();
    child.wait_for_event("check-started");
    for _ in 0..2 {
        child.signal(Signal::Int);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.finish(WAIT);
    let err = &out.stderr;
    assert_eq!(out.code(), Some(130), "{err}");
    assert!(
        err.contains("aborted") && err.contains("dockhand check --resume"),
        "{err}"
    );
    // What the abort may have left is swept by the command it names.
    let o = dockhand(["check", "--format", "json", "--resume"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_run_clean(&run_id(&events(&o)));
}

#[test]
fn a_listed_known_failure_that_passes_is_reported_fixed() {
    let _engine = serial();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("known.toml"),
        "[[known-failure]]\ncheck = \"containers/lifecycle/*\"\nengine = \"*\"\nversion = \"*\"\nreason = \"test: listed on purpose\"\n\
         [known-failure.deviation]\ncall = \"ContainerStart\"\nstatus = 500\n",
    )
    .unwrap();
    let o = dockhand(["check", "--known-failures", "known.toml", "containers/lifecycle/*"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("FIXED") && l.contains("containers/lifecycle/start-stop-logs")),
        "{out}"
    );
    assert!(out.contains("known.toml"), "the summary says which file to edit: {out}");
}

#[test]
fn a_known_failures_entry_without_a_pin_or_with_a_malformed_one_exits_3_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let entry = "[[known-failure]]\ncheck = \"system/ping\"\nreason = \"test: listed on purpose\"\n";
    for (text_of_file, want) in [
        (
            format!("# mine\n{entry}"),
            "missing the deviation of the entry in known.toml line 2, column 1; every known failure pins what the engine does instead",
        ),
        (
            format!("{entry}[known-failure.deviation]\ncall = \"SystemPing\"\nstatus = 99\n"),
            "invalid `status` in known.toml line 6, column 10: not an HTTP status",
        ),
        (
            format!("{entry}[known-failure.deviation]\ncall = \"SystemPng\"\nstatus = 500\n"),
            "invalid `call` in known.toml line 5, column 8: no operation `SystemPng` in the v1.41 reference; did you mean `SystemPing`?",
        ),
    ] {
        std::fs::write(dir.path().join("known.toml"), text_of_file).unwrap();
        let o = dockhand(["check", "--known-failures", "known.toml", "system/ping"])
            .dir(dir.path())
            .output();
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{err}");
    }
}
