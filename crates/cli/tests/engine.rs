//! `dockhand engine start|stop|ls|logs` and `dockhand check --private-engine`,
//! end to end, with real private dockerd instances. Needs root and dockerd; the
//! tests fail (they do not skip) without them.
//!
//! Tests that start engines run one at a time, and every engine a test starts
//! is stopped by a guard, also when the test panics.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::kit::host::{alive, netns_exists, wait_until};
use crate::kit::serial::{self, Serial};
use crate::kit::{
    assert_engine_gone as assert_gone, dockhand, engine_dir as state_dir, engine_netns, events, run, text, Finished,
    Running, Signal, StopEngine as Stop, WAIT,
};

/// Engines started through the binary, one at a time: `check
/// --private-engine` sweeps the dead `check-*` engines another test looks at.
fn serial() -> Serial {
    serial::exclusive(serial::PRIVATE_ENGINES)
}

fn dockhand_in(dir: &Path, args: &[&str]) -> Output {
    dockhand(args).dir(dir).output()
}

fn netns(name: &str) -> bool {
    netns_exists(&engine_netns(name))
}

fn record(name: &str) -> Value {
    let path = state_dir(name).join("dockhand-engine.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn name(test: &str) -> String {
    format!("t{}-{test}", std::process::id())
}

#[test]
fn start_ls_logs_stop_an_engine_that_outlives_dockhand() {
    let _s = serial();
    let n = name("life");
    let _stop = Stop(n.clone());
    let o = run(&["engine", "start", &n, "--live-restore", "--arg=--debug"]);
    assert!(o.status.success(), "{}", text(&o));
    let socket = state_dir(&n).join("docker.sock");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        stdout.trim(),
        format!("export DOCKER_HOST=unix://{}", socket.display()),
        "{}",
        text(&o)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("dockhand engine stop {n}")), "{err}");

    // The dockhand that started it is gone; the engine answers.
    let host = format!("unix://{}", socket.display());
    let v = run(&["--host", &host, "version"]);
    assert!(v.status.success(), "{}", text(&v));
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("negotiated 1.41"),
        "{}",
        text(&v)
    );
    let rec = record(&n);
    let pid = rec["dockerd_pid"].as_u64().unwrap() as u32;
    let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap()).replace('\0', " ");
    assert!(
        cmdline.contains("--live-restore") && cmdline.contains("--debug"),
        "{cmdline}"
    );
    assert!(netns(&n));

    let ls = run(&["engine", "ls"]);
    assert!(ls.status.success(), "{}", text(&ls));
    let out = String::from_utf8_lossy(&ls.stdout);
    assert!(out.lines().next().unwrap().starts_with("NAME"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with(&format!("{n} ")))
        .unwrap_or_else(|| panic!("{out}"));
    for part in [
        pid.to_string(),
        host.clone(),
        "running".into(),
        rec["started"].as_str().unwrap().to_string(),
    ] {
        assert!(row.contains(&part), "{part} in {row}");
    }

    let logs = run(&["engine", "logs", &n, "-n", "3"]);
    assert!(logs.status.success(), "{}", text(&logs));
    let lines: Vec<String> = String::from_utf8_lossy(&logs.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let all = run(&["engine", "logs", &n]);
    let all = String::from_utf8_lossy(&all.stdout);
    assert!(
        all.contains("API listen on") && all.ends_with(&format!("{}\n", lines.join("\n"))),
        "{all}"
    );

    // The name is taken while it runs.
    let again = run(&["engine", "start", &n]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already running"),
        "{}",
        text(&again)
    );

    let t = Instant::now();
    let stop = run(&["engine", "stop", &n]);
    eprintln!("engine stop took {:?}", t.elapsed());
    assert!(stop.status.success(), "{}", text(&stop));
    assert!(
        String::from_utf8_lossy(&stop.stdout).contains("stopped private engine"),
        "{}",
        text(&stop)
    );
    assert!(!alive(pid), "dockerd {pid} is gone");
    assert_gone(&n);
    let ls = run(&["engine", "ls"]);
    assert!(!String::from_utf8_lossy(&ls.stdout).contains(&n), "{}", text(&ls));
    let again = run(&["engine", "stop", &n]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("no private engine named"),
        "{}",
        text(&again)
    );
    let logs = run(&["engine", "logs", &n]);
    assert_eq!(logs.status.code(), Some(3), "{}", text(&logs));
}

#[test]
fn an_engine_whose_process_died_is_listed_stale_and_stop_removes_it() {
    let _s = serial();
    let n = name("stale");
    let _stop = Stop(n.clone());
    let o = run(&["engine", "start", &n]);
    assert!(o.status.success(), "{}", text(&o));
    let rec = record(&n);
    let supervisor = rec["supervisor_pid"].as_u64().unwrap() as i32;
    let dockerd = rec["dockerd_pid"].as_u64().unwrap() as u32;
    // The owner dies without cleaning up; its daemons die with it.
    // SAFETY: SIGKILL to the supervisor this test's engine start spawned.
    assert_eq!(unsafe { libc::kill(supervisor, libc::SIGKILL) }, 0);
    wait_until("dockerd dies with its supervisor", Duration::from_secs(10), || {
        !alive(dockerd)
    });

    let ls = run(&["engine", "ls"]);
    let out = String::from_utf8_lossy(&ls.stdout);
    let row = out
        .lines()
        .find(|l| l.starts_with(&format!("{n} ")))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("stale"), "{row}");
    assert!(netns(&n) && state_dir(&n).exists(), "leftovers are there to remove");

    let stop = run(&["engine", "stop", &n]);
    assert!(stop.status.success(), "{}", text(&stop));
    assert!(
        String::from_utf8_lossy(&stop.stdout).contains("whose process had died"),
        "{}",
        text(&stop)
    );
    assert_gone(&n);
}

#[test]
fn bad_engine_names_are_usage_errors() {
    for args in [
        vec!["engine", "start", "a/b"],
        vec!["engine", "stop", ".x"],
        vec!["engine", "logs", "a b"],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("invalid private engine name"),
            "{}",
            text(&o)
        );
    }
}

/// `check --private-engine` with `args`; returns the output, the engine's
/// name, and a guard that removes what the run may have left (after the
/// test's own assertions, which it must not hide).
fn private_check(dir: &Path, args: &[&str]) -> (Finished, String, Stop) {
    let child = dockhand(["check", "--private-engine"]).args(args).dir(dir).spawn();
    let name = format!("check-{}", child.pid());
    let stop = Stop(name.clone());
    (child.finish(Duration::from_secs(600)), name, stop)
}

#[test]
fn check_private_engine_runs_on_its_own_engine_enables_fault_checks_and_removes_it() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let (o, n, _stop) = private_check(
        dir.path(),
        &[
            "--format",
            "json",
            "containers/lifecycle/*",
            "faults/engine/*",
            "networks/reach/published",
        ],
    );
    assert_eq!(o.code(), Some(0), "{}", o.text());
    let ev = o.events();
    let started = ev.iter().find(|e| e["event"] == "run-started").expect("run-started");
    let endpoint = started.to_string();
    assert!(
        endpoint.contains(&format!("/tmp/dockhand/engines/{n}/docker.sock")),
        "{endpoint}"
    );
    let finished: Vec<&Value> = ev.iter().filter(|e| e["event"] == "check-finished").collect();
    // The published-port cases read the port on the engine's own loopback,
    // inside its network namespace, not on ours.
    assert_eq!(finished.len(), 5, "{ev:?}");
    assert!(
        finished.iter().all(|e| e["outcome"]["kind"] == "passed"),
        "{finished:?}"
    );
    assert!(
        o.stderr.contains(&format!("removed private engine '{n}'")),
        "{}",
        o.text()
    );
    assert_gone(&n);

    // Without the flag the checks that need one are skipped, saying how to
    // run them. A run on the machine's engine, whose sweep must not take a
    // test's planted orphan.
    let _engine = serial::shared(serial::ENGINE);
    let o = dockhand_in(dir.path(), &["check", "--format", "json", "faults/engine/*"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let skipped: Vec<Value> = events(&o)
        .into_iter()
        .filter(|e| e["event"] == "check-finished")
        .collect();
    assert_eq!(skipped.len(), 2);
    for s in &skipped {
        assert_eq!(s["outcome"]["kind"], "skipped", "{s}");
        assert!(s.to_string().contains("--private-engine"), "{s}");
    }
}

/// An operation Podman 4.3 does not implement (ContainerUpdate: its router's
/// plain-text 404 "Not Found") is `unsupported`, with the reply as evidence;
/// it does not fail the run, unless `--strict`.
#[test]
fn podman_answers_container_update_as_unsupported_and_strict_fails_on_it() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    for (strict, code) in [(false, 0), (true, 1)] {
        let mut args = vec![
            "check",
            "--private-engine=podman",
            "--format",
            "json",
            "containers/update/settings:memory",
        ];
        if strict {
            args.push("--strict");
        }
        let child = dockhand(args).dir(dir.path()).spawn();
        let name = format!("check-{}", child.pid());
        let _stop = Stop(name.clone());
        let o = child.finish(Duration::from_secs(600));
        assert_eq!(o.code(), Some(code), "{}", o.text());
        let ev = o.events();
        let f = ev
            .iter()
            .find(|e| e["event"] == "check-finished")
            .expect("check-finished");
        let outcome = &f["outcome"];
        assert_eq!(outcome["kind"], "unsupported", "{f}");
        assert_eq!(outcome["operation"], "ContainerUpdate", "{f}");
        assert_eq!(outcome["status"], 404, "{f}");
        assert_eq!(outcome["message"], "Not Found", "{f}");
        let done = ev.iter().find(|e| e["event"] == "run-finished").expect("run-finished");
        assert_eq!(done["counts"]["unsupported"], 1, "{done}");
        assert_eq!(done["exit_code"], code, "{done}");
        assert_gone(&name);
    }
}

#[test]
fn check_private_engine_removes_its_engine_when_the_run_fails_early() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    // The JUnit file cannot be written: an error after the engine started.
    let (o, n, _stop) = private_check(dir.path(), &["--junit", "/nonexistent/dir/report.xml", "containers/*"]);
    assert_eq!(o.code(), Some(3), "{}", o.text());
    assert!(o.stderr.contains("JUnit"), "{}", o.text());
    assert_gone(&n);
}

/// A long `check --private-engine` run in `dir`, its engine's name, and a
/// guard that removes what it may leave.
fn private_run(dir: &Path) -> (Running, String, Stop) {
    let child = dockhand([
        "check",
        "--private-engine",
        "--format",
        "json",
        "--repeat",
        "30",
        "containers/lifecycle/*",
    ])
    .dir(dir)
    .spawn();
    let name = format!("check-{}", child.pid());
    let stop = Stop(name.clone());
    (child, name, stop)
}

/// `check --private-engine` interrupted by `signals` once the run's first
/// case finished: it removes its engine (no dockerd, containerd or shim
/// process, network namespace or state directory left) and exits 128 + the
/// first signal's number, after the summary (the `run-finished` event) when
/// it stopped in order.
fn a_private_engine_run_removes_its_engine_when_interrupted(signals: &[Signal]) {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, n, _stop) = private_run(dir.path());
    child.wait_for_event("check-finished");
    assert!(netns(&n), "the run's engine {n} is up");
    for s in signals {
        child.signal(*s);
        std::thread::sleep(Duration::from_millis(50));
    }
    let o = child.finish(WAIT);
    assert_eq!(o.code(), Some(signals[0].exit_code()), "{signals:?}: {}", o.text());
    assert!(
        o.stderr.contains(&format!("removed private engine '{n}'")),
        "{signals:?}: {}",
        o.text()
    );
    if signals.len() == 1 {
        let last = o.events().pop().unwrap_or_default();
        assert_eq!(last["event"], "run-finished", "{signals:?}: {}", o.text());
        assert_eq!(last["exit_code"], signals[0].exit_code());
    }
    assert_gone(&n);
}

#[test]
fn check_private_engine_removes_its_engine_on_ctrl_c_once_or_twice() {
    a_private_engine_run_removes_its_engine_when_interrupted(&[Signal::Int]);
    a_private_engine_run_removes_its_engine_when_interrupted(&[Signal::Int, Signal::Int]);
}

#[test]
fn check_private_engine_removes_its_engine_on_sigterm() {
    a_private_engine_run_removes_its_engine_when_interrupted(&[Signal::Term]);
}

#[test]
fn check_private_engine_removes_its_engine_on_sighup() {
    a_private_engine_run_removes_its_engine_when_interrupted(&[Signal::Hup]);
}

#[test]
fn a_killed_private_engine_run_is_swept_by_the_next_one() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let (mut child, n, _stop) = private_run(dir.path());
    child.wait_for_event("check-started");
    child.kill(); // SIGKILL: no destructor runs
    assert!(
        netns(&n) && state_dir(&n).exists(),
        "a killed run leaves its engine's traces"
    );
    let (o, next, _next_stop) = private_check(dir.path(), &["faults/engine/*"]);
    assert_eq!(o.code(), Some(0), "{}", o.text());
    assert_gone(&n);
    assert_gone(&next);
}

#[test]
fn private_engine_and_host_conflict() {
    let o = run(&["--host", "unix:///var/run/docker.sock", "check", "--private-engine"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("drop --host"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_unreachable_engine_suggests_a_private_one_when_dockerd_is_installed() {
    let o = run(&["--host", "unix:///run/dockhand-no-such.sock", "check"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("engine unreachable") && err.contains("/run/dockhand-no-such.sock"),
        "{err}"
    );
    assert!(
        err.contains("dockhand check --private-engine") && err.contains("dockhand engine start"),
        "{err}"
    );
}
