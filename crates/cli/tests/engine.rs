//! `dockhand engine start|stop|ls|logs` and `dockhand check --private-engine`,
//! end to end, with real private dockerd instances. Needs root and dockerd; the
//! tests fail (they do not skip) without them.
//!
//! Tests that start engines run one at a time, and every engine a test starts
//! is stopped by a guard, also when the test panics.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

mod support;
use support::{events, text};

static ENGINES: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ENGINES.lock().unwrap_or_else(|p| p.into_inner())
}

/// The binary in `dir`, with XDG_RUNTIME_DIR cleared so engine state goes
/// under /tmp/dockhand, where these tests look for it.
fn dockhand_in(dir: &Path, args: &[&str]) -> Output {
    support::dockhand()
        .current_dir(dir)
        .args(args)
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("run dockhand")
}

fn dockhand(args: &[&str]) -> Output {
    dockhand_in(Path::new("/"), args)
}

/// Where dockhand keeps the state of engine `name` (XDG_RUNTIME_DIR is cleared above).
fn state_dir(name: &str) -> PathBuf {
    PathBuf::from("/tmp/dockhand/engines").join(name)
}

fn netns(name: &str) -> PathBuf {
    PathBuf::from("/run/netns").join(format!("dockhand-{name}"))
}

fn alive(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')))
}

fn record(name: &str) -> Value {
    let path = state_dir(name).join("dockhand-engine.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < until, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops the named engine when dropped (a no-op once the test stopped it).
struct Stop(String);

impl Drop for Stop {
    fn drop(&mut self) {
        if state_dir(&self.0).exists() || netns(&self.0).exists() {
            let o = dockhand(&["engine", "stop", &self.0]);
            if !o.status.success() {
                eprintln!("cleanup of engine {}: {}", self.0, text(&o));
            }
        }
    }
}

fn name(test: &str) -> String {
    format!("t{}-{test}", std::process::id())
}

fn assert_gone(name: &str) {
    assert!(!netns(name).exists(), "network namespace of {name} left behind");
    assert!(!state_dir(name).exists(), "state directory of {name} left behind");
}

#[test]
fn start_ls_logs_stop_an_engine_that_outlives_dockhand() {
    let _s = serial();
    let n = name("life");
    let _stop = Stop(n.clone());
    let o = dockhand(&["engine", "start", &n, "--live-restore", "--arg=--debug"]);
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
    let v = dockhand(&["--host", &host, "version"]);
    assert!(v.status.success(), "{}", text(&v));
    assert!(
        String::from_utf8_lossy(&v.stdout).contains("negotiated 1.41"),
        "{}",
        text(&v)
    );
    let rec = record(&n);
    let pid = rec["dockerd_pid"].as_u64().unwrap();
    let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap()).replace('\0', " ");
    assert!(
        cmdline.contains("--live-restore") && cmdline.contains("--debug"),
        "{cmdline}"
    );
    assert!(netns(&n).exists());

    let ls = dockhand(&["engine", "ls"]);
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

    let logs = dockhand(&["engine", "logs", &n, "-n", "3"]);
    assert!(logs.status.success(), "{}", text(&logs));
    let lines: Vec<String> = String::from_utf8_lossy(&logs.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let all = dockhand(&["engine", "logs", &n]);
    let all = String::from_utf8_lossy(&all.stdout);
    assert!(
        all.contains("API listen on") && all.ends_with(&format!("{}\n", lines.join("\n"))),
        "{all}"
    );

    // The name is taken while it runs.
    let again = dockhand(&["engine", "start", &n]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already running"),
        "{}",
        text(&again)
    );

    let t = Instant::now();
    let stop = dockhand(&["engine", "stop", &n]);
    eprintln!("engine stop took {:?}", t.elapsed());
    assert!(stop.status.success(), "{}", text(&stop));
    assert!(
        String::from_utf8_lossy(&stop.stdout).contains("stopped private engine"),
        "{}",
        text(&stop)
    );
    assert!(!alive(pid), "dockerd {pid} is gone");
    assert_gone(&n);
    let ls = dockhand(&["engine", "ls"]);
    assert!(!String::from_utf8_lossy(&ls.stdout).contains(&n), "{}", text(&ls));
    let again = dockhand(&["engine", "stop", &n]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("no private engine named"),
        "{}",
        text(&again)
    );
    let logs = dockhand(&["engine", "logs", &n]);
    assert_eq!(logs.status.code(), Some(3), "{}", text(&logs));
}

#[test]
fn an_engine_whose_process_died_is_listed_stale_and_stop_removes_it() {
    let _s = serial();
    let n = name("stale");
    let _stop = Stop(n.clone());
    let o = dockhand(&["engine", "start", &n]);
    assert!(o.status.success(), "{}", text(&o));
    let rec = record(&n);
    let supervisor = rec["supervisor_pid"].as_u64().unwrap();
    let dockerd = rec["dockerd_pid"].as_u64().unwrap();
    // The owner dies without cleaning up; its daemons die with it.
    assert!(Command::new("kill")
        .args(["-KILL", &supervisor.to_string()])
        .status()
        .unwrap()
        .success());
    wait_until("dockerd dies with its supervisor", Duration::from_secs(10), || {
        !alive(dockerd)
    });

    let ls = dockhand(&["engine", "ls"]);
    let out = String::from_utf8_lossy(&ls.stdout);
    let row = out
        .lines()
        .find(|l| l.starts_with(&format!("{n} ")))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(row.contains("stale"), "{row}");
    assert!(
        netns(&n).exists() && state_dir(&n).exists(),
        "leftovers are there to remove"
    );

    let stop = dockhand(&["engine", "stop", &n]);
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
        let o = dockhand(&args);
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
fn private_check(dir: &Path, args: &[&str]) -> (Output, String, Stop) {
    let child = support::dockhand()
        .current_dir(dir)
        .args(["check", "--private-engine"])
        .args(args)
        .env_remove("XDG_RUNTIME_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let name = format!("check-{}", child.id());
    let stop = Stop(name.clone());
    (child.wait_with_output().unwrap(), name, stop)
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
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
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
        String::from_utf8_lossy(&o.stderr).contains(&format!("removed private engine '{n}'")),
        "{}",
        text(&o)
    );
    assert_gone(&n);

    // Without the flag the checks that need one are skipped, saying how to run them.
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

#[test]
fn check_private_engine_removes_its_engine_when_the_run_fails_early() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    // The JUnit file cannot be written: an error after the engine started.
    let (o, n, _stop) = private_check(dir.path(), &["--junit", "/nonexistent/dir/report.xml", "containers/*"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("JUnit"), "{}", text(&o));
    assert_gone(&n);
}

#[test]
fn check_private_engine_removes_its_engine_on_ctrl_c_once_or_twice() {
    let _s = serial();
    for presses in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = support::dockhand()
            .current_dir(dir.path())
            .args([
                "check",
                "--private-engine",
                "--format",
                "json",
                "--repeat",
                "30",
                "containers/lifecycle/*",
            ])
            .env_remove("DOCKER_HOST")
            .env_remove("XDG_RUNTIME_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let n = format!("check-{}", child.id());
        let _stop = Stop(n.clone());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for l in lines.by_ref() {
            if l.unwrap().contains("\"event\":\"check-finished\"") {
                break;
            }
        }
        assert!(netns(&n).exists(), "the run's engine {n} is up");
        for _ in 0..presses {
            assert!(Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap()
                .success());
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(lines);
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "{presses} Ctrl-C: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(&format!("removed private engine '{n}'")),
            "{presses} Ctrl-C: {}",
            text(&o)
        );
        assert_gone(&n);
    }
}

#[test]
fn a_killed_private_engine_run_is_swept_by_the_next_one() {
    let _s = serial();
    let dir = tempfile::tempdir().unwrap();
    let mut child = support::dockhand()
        .current_dir(dir.path())
        .args([
            "check",
            "--private-engine",
            "--format",
            "json",
            "--repeat",
            "30",
            "containers/lifecycle/*",
        ])
        .env_remove("DOCKER_HOST")
        .env_remove("XDG_RUNTIME_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let n = format!("check-{}", child.id());
    let _stop = Stop(n.clone());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for l in lines.by_ref() {
        if l.unwrap().contains("\"event\":\"check-started\"") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    drop(lines);
    assert!(
        netns(&n).exists() && state_dir(&n).exists(),
        "a killed run leaves its engine's traces"
    );
    let (o, next, _next_stop) = private_check(dir.path(), &["faults/engine/*"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_gone(&n);
    assert_gone(&next);
}

#[test]
fn private_engine_and_host_conflict() {
    let o = dockhand(&["--host", "unix:///var/run/docker.sock", "check", "--private-engine"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("drop --host"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_unreachable_engine_suggests_a_private_one_when_dockerd_is_installed() {
    let o = dockhand(&["--host", "unix:///run/dockhand-no-such.sock", "check"]);
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
