//! `dockhand env` end to end against this machine's engine: the example
//! through `env run`, the failure paths (a service that never gets ready, a
//! failing command, an interrupt by Ctrl-C, SIGTERM or SIGHUP, a bad compose
//! file, a crashed dockhand), and up/ps/logs/down side by side. After each,
//! nothing of the project is left (counted with curl, not with the code
//! under test).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::kit::host::{alive, wait_until};
use crate::kit::serial::{self, Serial};
use crate::kit::{assert_none_labelled, dockhand, labelled, run, text, Dockhand, Running, Signal, SYSTEM_SOCKET};

/// Every `dockhand env` invocation sweeps abandoned environments; the crash
/// test plants one and asserts it was swept by its own invocation: it runs
/// alone, the others share.
fn shared() -> Serial {
    serial::shared(serial::ENV_SWEEPS)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A project name unique to this test process and test.
fn project(name: &str) -> String {
    format!("dhtest-{}-{name}", std::process::id())
}

fn label(project: &str) -> String {
    format!("dockhand.env.project={project}")
}

/// Objects on the machine's engine labelled with the project, via curl.
fn leftovers(project: &str) -> Vec<String> {
    labelled(Path::new(SYSTEM_SOCKET), &label(project))
}

fn assert_clean(project: &str) {
    assert_none_labelled(Path::new(SYSTEM_SOCKET), &label(project), &format!("project {project}"));
}

/// `dockhand env <cmd> -f <file> -p <project>`.
fn env_cmd(cmd: &str, file: &Path, project: &str) -> Dockhand {
    dockhand(["env", cmd, "-f"]).args([file]).args(["-p", project])
}

fn compose(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("compose.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// `env run <args>` of the compose file `yaml` (written to a temporary
/// directory) as the project named after `name`; the project and the output.
fn env_run(name: &str, yaml: &str, args: &[&str]) -> (String, std::process::Output) {
    let d = tempfile::tempdir().unwrap();
    let f = compose(d.path(), yaml);
    let p = project(name);
    let o = env_cmd("run", &f, &p).args(args).output();
    (p, o)
}

/// `env run` of the compose file `f` as project `p`, with `cmd` as the
/// command; the command writes its pid to `marker` once the environment is
/// up (`exec sleep 60` keeps it running). Returns the running dockhand and
/// the command's pid.
fn run_with_marker(f: &Path, p: &str, marker: &Path) -> (Running, u32) {
    let script = format!("echo $$ > {}.tmp && mv {0}.tmp {0}; exec sleep 60", marker.display());
    let mut child = env_cmd("run", f, p).args(["--", "sh", "-c", &script]).spawn();
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} did not appear within 60s",
            marker.display()
        );
        if let Some(status) = child.exited() {
            panic!("dockhand exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = std::fs::read_to_string(marker).unwrap().trim().parse().unwrap();
    (child, pid)
}

/// Kills the command `env run` started when the test ends: it outlives a
/// dockhand that dies without stopping it.
struct KillCommand(u32);

impl Drop for KillCommand {
    fn drop(&mut self) {
        if alive(self.0) {
            // SAFETY: kill(2) on the command this test had dockhand start.
            unsafe { libc::kill(self.0 as i32, libc::SIGKILL) };
        }
    }
}

const PROBE: &str = "dockhand/probe:0.1.0";

#[test]
fn the_example_passes_through_env_run_and_leaves_nothing() {
    let _g = shared();
    let ex = repo().join("examples/replicated-kv");
    let b = Command::new("bash").arg(ex.join("build.sh")).output().unwrap();
    assert!(b.status.success(), "build.sh: {}", text(&b));
    let p = project("kv");
    let o = env_cmd("run", &ex.join("compose.yaml"), &p)
        .args(["--", ex.join("test.sh").to_str().unwrap()])
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("OK replicated=1"), "{out}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("image {p}-kv built")), "{err}");
    assert!(err.contains("(2 containers, 1 networks, 0 volumes,"), "{err}");
    assert_clean(&p);
}

#[test]
fn a_service_that_never_gets_ready_is_named_with_its_logs_within_the_deadline() {
    let _g = shared();
    let start = Instant::now();
    let (p, o) = env_run(
        "never",
        &format!(
            r#"services:
  db:
    image: {PROBE}
    command: ["stdout=db booting", "stderr=db: cannot open port", "idle"]
    healthcheck:
      test: ["CMD", "/probe", "connect=127.0.0.1:5432"]
      interval: 200ms
      retries: 1000
  app:
    image: {PROBE}
    depends_on:
      db: {{condition: service_healthy}}
"#
        ),
        &["--wait-timeout", "8s", "--logs", "5", "--no-wait-logs", "--", "true"],
    );
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        format!("error: environment `{p}` did not get ready within 8s"),
        "service db (replica 1): waited for the healthcheck to report healthy; still not there at the deadline".into(),
        "last seen: health starting, last check exited 3: probe: connect 127.0.0.1:5432 failed".into(),
        "| db: cannot open port".into(),
        "| db booting".into(),
        "service app: waited for dependency `db` to be ready".into(),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }
    // Setup and teardown around an 8 s deadline (container start alone took 3.5 s under load): generous on a loaded machine.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert_clean(&p);
}

#[test]
fn a_service_that_exits_fails_fast_unless_it_is_a_completed_dependency() {
    let _g = shared();
    let (p, o) = env_run(
        "exits",
        &format!(
            r#"services:
  migrate:
    image: {PROBE}
    command: ["stdout=migrated", "exit=0"]
  app:
    image: {PROBE}
    command: ["stdout=app up", "idle"]
    depends_on:
      migrate: {{condition: service_completed_successfully}}
    x-dockhand:
      ready:
        log: "^app up$"
  crash:
    image: {PROBE}
    command: ["stderr=crashing", "exit=4"]
    healthcheck:
      test: ["CMD", "/probe", "exit=0"]
      interval: 5s
"#
        ),
        &["--wait-timeout", "60s", "--no-wait-logs", "--", "true"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("migrate: completed (exit 0)"), "{err}");
    assert!(err.contains("app: ready"), "{err}");
    assert!(
        err.contains(
            "service crash (replica 1): waited for the healthcheck to report healthy; the container exited with code 4"
        ),
        "{err}"
    );
    assert!(err.contains("| crashing"), "{err}");
    assert!(!err.contains("within 60s"), "failed fast, not at the deadline: {err}");
    assert_clean(&p);
}

#[test]
fn a_failing_command_gives_its_exit_code_and_the_services_logs() {
    let _g = shared();
    let (p, o) = env_run(
        "failcmd",
        &format!(
            r#"services:
  web:
    image: {PROBE}
    command: ["stdout=web says hello", "serve-http=8080", "idle"]
    ports: ["8080"]
    scale: 2
    x-dockhand:
      ready:
        http: {{port: 8080, path: /health}}
        tcp: 8080
"#
        ),
        &[
            "--logs",
            "3",
            "--no-wait-logs",
            "--",
            "sh",
            "-c",
            "curl -sf http://$DOCKHAND_WEB_8080_2/ && echo \"replicas=$DOCKHAND_WEB_REPLICAS first=$DOCKHAND_WEB_8080\" && exit 3",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("probe web-2"), "the command reached replica 2: {out}");
    assert!(out.contains("replicas=2 first=127.0.0.1:"), "{out}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("exited with code 3; the last 3 log lines of each service:"),
        "{err}"
    );
    assert!(
        err.contains("--- web (replica 1)") && err.contains("--- web (replica 2)"),
        "{err}"
    );
    assert!(err.contains("| web says hello"), "{err}");
    assert_clean(&p);
}

/// While `env run` (or `up`) waits, each started service's output is
/// streamed to stderr, line by line, prefixed by the service's name (and the
/// replica, for a scaled one), and stops once everything is ready;
/// `--no-wait-logs` turns it off.
#[test]
fn service_logs_are_streamed_while_waiting() {
    let _g = shared();
    let yaml = format!(
        r#"services:
  db:
    image: {PROBE}
    command: ["stdout=db booting", "stderr=db warming up", "serve-tcp=5432", "idle"]
    healthcheck:
      test: ["CMD", "/probe", "connect=127.0.0.1:5432"]
      interval: 200ms
      retries: 100
  web:
    image: {PROBE}
    command: ["stdout=web up", "idle"]
    scale: 2
    depends_on:
      db: {{condition: service_healthy}}
    x-dockhand:
      ready:
        log: "^web up$"
"#
    );
    // The command writes to stderr too: no log line may come after it.
    let (p, o) = env_run("waitlogs", &yaml, &["--", "sh", "-c", "echo command ran >&2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    let at = |suffix: &str| {
        lines
            .iter()
            .position(|l| l.ends_with(suffix))
            .unwrap_or_else(|| panic!("no line ending {suffix:?} in\n{err}"))
    };
    let db_ready = at("db: ready");
    for l in ["db | db booting", "db | db warming up"] {
        assert!(at(l) < db_ready, "{l:?} before db is ready:\n{err}");
    }
    at("web-1 | web up");
    at("web-2 | web up");
    // Each line once, and none once `up` returned and the command ran.
    assert_eq!(err.matches("db | db booting").count(), 1, "{err}");
    let ran = at("command ran");
    assert!(
        lines[ran..].iter().all(|l| !l.contains(" | ")),
        "log lines after the command started:\n{err}"
    );
    assert_clean(&p);

    let (p, o) = env_run("nowaitlogs", &yaml, &["--no-wait-logs", "--", "true"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains(" | "), "no log lines with --no-wait-logs:\n{err}");
    assert!(err.contains("web: ready"), "{err}");
    assert_clean(&p);
}

/// An interrupt tears the environment down: while `env run`'s command runs
/// (the command is stopped too), while `env run` waits for readiness, and
/// while `env up` does; dockhand exits 128 + the signal's number.
fn an_interrupt_tears_the_environment_down(signal: Signal) {
    let _g = shared();
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        &format!("services:\n  svc:\n    image: {PROBE}\n    command: [\"stdout=started\", \"idle\"]\n"),
    );
    // While the command runs: the command is stopped too.
    let p = project(&format!("{signal:?}-cmd").to_lowercase());
    let (child, cmd_pid) = run_with_marker(&f, &p, &d.path().join("up"));
    let _command = KillCommand(cmd_pid);
    child.signal(signal);
    let done = child.finish(Duration::from_secs(30));
    let err = &done.stderr;
    assert_eq!(done.code(), Some(signal.exit_code()), "{signal:?}: {err}");
    assert!(err.contains("interrupted: tearing the environment down"), "{err}");
    assert!(err.contains(&format!("project {p} torn down")), "{err}");
    assert!(!alive(cmd_pid), "the command (pid {cmd_pid}) was left running");
    assert_clean(&p);

    // While waiting for readiness, in `env run` and in `env up`.
    let f = compose(
        d.path(),
        &format!("services:\n  svc:\n    image: {PROBE}\n    command: [idle]\n    x-dockhand:\n      ready:\n        tcp: 1\n"),
    );
    for (what, tail) in [("run", &["--", "true"][..]), ("up", &[][..])] {
        let p = project(&format!("{signal:?}-{what}").to_lowercase());
        let child = env_cmd(what, &f, &p).args(tail).spawn();
        // Wait until the service is being waited on: its container runs.
        wait_until("a container of the project", Duration::from_secs(60), || {
            leftovers(&p).iter().any(|l| l.starts_with("container "))
        });
        std::thread::sleep(Duration::from_millis(500));
        child.signal(signal);
        let done = child.finish(Duration::from_secs(30));
        let err = &done.stderr;
        assert_eq!(done.code(), Some(signal.exit_code()), "env {what}, {signal:?}: {err}");
        assert!(
            err.contains("interrupted: the environment was torn down"),
            "env {what}: {err}"
        );
        assert_clean(&p);
    }
}

#[test]
fn ctrl_c_tears_down_while_the_command_runs_and_while_waiting() {
    an_interrupt_tears_the_environment_down(Signal::Int);
}

#[test]
fn sigterm_tears_down_while_the_command_runs_and_while_waiting() {
    an_interrupt_tears_the_environment_down(Signal::Term);
}

#[test]
fn sighup_tears_down_while_the_command_runs_and_while_waiting() {
    an_interrupt_tears_the_environment_down(Signal::Hup);
}

#[test]
fn a_bad_compose_file_is_a_usage_error_with_its_position() {
    let _g = shared();
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        &format!("services:\n  web:\n    image: {PROBE}\n    helthcheck:\n      test: [CMD, x]\n"),
    );
    let p = project("bad");
    let o = env_cmd("run", &f, &p).args(["--", "true"]).output();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:4:5: service `web`: unknown key `helthcheck` (did you mean `healthcheck`?)",
            f.display()
        )),
        "{err}"
    );
    let o = run(&["env", "up", "-f", "/nonexistent/compose.yaml"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pass an existing file with -f"));
    assert_clean(&p);
}

#[test]
fn after_a_crash_the_next_invocation_sweeps_the_environment() {
    let _g = serial::exclusive(serial::ENV_SWEEPS);
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        &format!(
            "services:\n  svc:\n    image: {PROBE}\n    command: [idle]\n    networks: [default, back]\n    volumes: [\"data:/data\"]\nvolumes:\n  data:\nnetworks:\n  back:\n"
        ),
    );
    let p = project("crash");
    let (mut child, cmd_pid) = run_with_marker(&f, &p, &d.path().join("up"));
    child.kill(); // SIGKILL: no teardown
                  // SAFETY: the orphaned command we started.
    unsafe { libc::kill(cmd_pid as i32, libc::SIGKILL) };
    assert!(
        !leftovers(&p).is_empty(),
        "the killed run should have left its environment"
    );
    let o = run(&["env", "ps", "-p", &project("crash-other")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "swept abandoned environment `{p}` (1 containers, 2 networks, 1 volumes, 0 images"
        )),
        "{err}"
    );
    assert_clean(&p);
}

#[test]
fn up_ps_logs_down_and_two_projects_side_by_side() {
    let _g = shared();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("My App");
    std::fs::create_dir(&dir).unwrap();
    let f = compose(
        &dir,
        &format!(
            "services:\n  web:\n    image: {PROBE}\n    command: [\"stdout=hello from web\", \"serve-tcp=80\", \"idle\"]\n    ports: [\"80\"]\n    x-dockhand:\n      ready:\n        tcp: 80\n        exec: [/probe, connect=127.0.0.1:80]\n"
        ),
    );
    let f = f.to_str().unwrap();
    let (a, b) = (project("side-a"), project("side-b"));
    // The same file, two projects, at once.
    let ta = {
        let (f, a) = (f.to_string(), a.clone());
        std::thread::spawn(move || run(&["env", "up", "-f", &f, "-p", &a]))
    };
    let ob = run(&["env", "up", "-f", f, "-p", &b]);
    let oa = ta.join().unwrap();
    for (o, p) in [(&oa, &a), (&ob, &b)] {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(&format!("project {p} is up and ready")), "{out}");
        assert!(out.contains("DOCKHAND_WEB_80=127.0.0.1:"), "{out}");
    }
    // Up again: refused, and the running one is untouched.
    let o = run(&["env", "up", "-f", f, "-p", &a]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("project `{a}` is already up")));

    let o = run(&["env", "ps", "-p", &a]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("web") && l.contains(&format!("{a}-web-1")) && l.contains("->80/tcp")),
        "{out}"
    );
    let o = run(&["env", "logs", "-p", &a, "web"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("web-1 | hello from web"));
    let o = run(&["env", "logs", "-p", &a, "nope"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no service `nope`"));

    // The default project name comes from the directory.
    let o = run(&["env", "ps", "-f", f]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("project myapp has no containers"),
        "{}",
        text(&o)
    );

    for p in [&a, &b] {
        let o = run(&["env", "down", "-p", p]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains(&format!("project {p} removed: 1 containers, 1 networks")),
            "{}",
            text(&o)
        );
        assert_clean(p);
    }
    let o = run(&["env", "down", "-p", &a]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("has nothing on the engine"));
}
