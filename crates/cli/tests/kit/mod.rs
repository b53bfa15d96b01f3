//! The CLI tests' kit: the binary as a command builder ([`Dockhand`]), a
//! running invocation to wait on, interrupt and collect ([`Running`]), what
//! it printed ([`text`], [`events`]), the signals a user sends ([`Signal`]),
//! labelled objects on an engine listed with curl (so that a leftover count
//! never leans on the code under test), private engines, and, from the
//! tests' shared module, the host as /proc shows it and test groups that
//! hold across processes (`host`, `serial`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use serde_json::Value;

#[path = "../../../daemon/tests/common/mod.rs"]
mod common;
pub use common::engines::SYSTEM_SOCKET;
pub use common::{engines, host, serial};

/// The binary under test, with its arguments, to run or spawn.
pub struct Dockhand(Command);

/// The variables of the docker CLI that choose an engine.
const ENDPOINT_VARS: &[&str] = &[
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_TLS",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
];

/// The binary with `args`. DOCKER_HOST and the other variables that choose
/// an engine (contexts, TLS) are cleared, so a developer's setting cannot
/// point a test elsewhere, and so is XDG_RUNTIME_DIR, so private engines
/// keep their state under /tmp/dockhand, where the tests look.
pub fn dockhand<I, S>(args: I) -> Dockhand
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new(env!("CARGO_BIN_EXE_dockhand"));
    c.args(args).env_remove("XDG_RUNTIME_DIR");
    for var in ENDPOINT_VARS {
        c.env_remove(var);
    }
    Dockhand(c)
}

/// [`dockhand`] run inside the network namespace `netns` (`nsenter --net`),
/// where a private engine's TCP listener on 127.0.0.1 is.
pub fn dockhand_in_netns<I, S>(netns: &str, args: I) -> Dockhand
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut c = Command::new("nsenter");
    c.arg(format!("--net=/run/netns/{netns}"))
        .arg(env!("CARGO_BIN_EXE_dockhand"))
        .args(args)
        .env_remove("XDG_RUNTIME_DIR");
    for var in ENDPOINT_VARS {
        c.env_remove(var);
    }
    Dockhand(c)
}

/// Runs the binary with `args` to completion.
pub fn run(args: &[&str]) -> Output {
    dockhand(args).output()
}

impl Dockhand {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.0.args(args);
        self
    }

    /// Runs in `dir` (where the journal and `dockhand.toml` are looked for).
    pub fn dir(mut self, dir: &Path) -> Self {
        self.0.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.0.env(key, value);
        self
    }

    /// Runs to completion.
    pub fn output(mut self) -> Output {
        self.0.output().expect("run dockhand")
    }

    /// Starts it, reading its stdout and stderr as they come.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .0
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dockhand");
        let stdout = lines_of(child.stdout.take().unwrap());
        let stderr = lines_of(child.stderr.take().unwrap());
        Running {
            child,
            stdout,
            stderr,
            seen: vec![],
        }
    }
}

/// A thread that forwards the lines of `from` until its end.
fn lines_of(from: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The arguments of a run to cut: `check` of `containers/lifecycle/*`, the
/// framework's own model check (so it stays as other areas grow), `repeat`
/// times, `jobs` at a time, with `format` on stdout.
pub fn lifecycle_run(format: &str, jobs: u32, repeat: u32) -> Vec<String> {
    let (jobs, repeat) = (jobs.to_string(), repeat.to_string());
    [
        "check",
        "--format",
        format,
        "--jobs",
        &jobs,
        "--repeat",
        &repeat,
        "containers/lifecycle/*",
    ]
    .map(String::from)
    .to_vec()
}

/// How long a test waits for the line or event it expects next.
pub const WAIT: Duration = Duration::from_secs(120);

/// A signal a user, a terminal or a CI job sends to dockhand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Int,
    /// A CI job's cancellation, `timeout`, `docker stop`.
    Term,
    /// A closed terminal or ssh session.
    Hup,
}

impl Signal {
    pub fn number(self) -> i32 {
        match self {
            Signal::Int => libc::SIGINT,
            Signal::Term => libc::SIGTERM,
            Signal::Hup => libc::SIGHUP,
        }
    }

    /// What dockhand exits with after an orderly stop on this signal: 128 + N.
    pub fn exit_code(self) -> i32 {
        128 + self.number()
    }
}

/// A running dockhand.
pub struct Running {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// The stdout lines read so far.
    seen: Vec<String>,
}

impl Running {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line, `None` once stdout ended; fails after `limit`.
    pub fn next_line(&mut self, limit: Duration) -> Option<String> {
        match self.stdout.recv_timeout(limit) {
            Ok(l) => {
                self.seen.push(l.clone());
                Some(l)
            }
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => {
                panic!("dockhand printed no line within {limit:?}:\n{}", self.seen.join("\n"))
            }
        }
    }

    /// Reads stdout until a line satisfies `f` and returns it; fails when
    /// dockhand ends first or nothing comes within [`WAIT`].
    pub fn wait_for_line(&mut self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + WAIT;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(l) if f(&l) => return l,
                Some(_) => {}
                None => {
                    let err: Vec<String> = self.stderr.try_iter().collect();
                    panic!(
                        "dockhand ended before {what}:\n{}\nstderr:\n{}",
                        self.seen.join("\n"),
                        err.join("\n")
                    )
                }
            }
        }
    }

    /// Reads `--format json` events until one named `event` and returns it.
    pub fn wait_for_event(&mut self, event: &str) -> Value {
        let want = format!("\"event\":\"{event}\"");
        let line = self.wait_for_line(&format!("a {event} event"), |l| l.contains(&want));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line: {line}: {e}"))
    }

    /// The `--format json` events read so far.
    pub fn events_so_far(&self) -> Vec<Value> {
        json_lines(&self.seen.join("\n"))
    }

    /// Sends `signal` to dockhand.
    pub fn signal(&self, signal: Signal) {
        // SAFETY: kill(2) on the pid of our own child, not yet reaped.
        let r = unsafe { libc::kill(self.pid() as i32, signal.number()) };
        assert_eq!(r, 0, "kill -{signal:?} {}", self.pid());
    }

    /// The exit status, once dockhand has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// SIGKILL: no handler, no cleanup, no final event.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits for dockhand to exit (killing it and failing after `limit`) and
    /// collects the rest of what it printed.
    pub fn finish(mut self, limit: Duration) -> Finished {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("dockhand did not exit within {limit:?}:\n{}", self.seen.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // A process dockhand started may hold the pipes open a little longer.
        let drain = Instant::now() + Duration::from_secs(10);
        let rest = |rx: &Receiver<String>| -> Vec<String> {
            let mut out = vec![];
            while let Ok(l) = rx.recv_timeout(drain.saturating_duration_since(Instant::now())) {
                out.push(l);
            }
            out
        };
        let mut stdout = std::mem::take(&mut self.seen);
        stdout.extend(rest(&self.stdout));
        let stderr = rest(&self.stderr);
        Finished {
            status,
            stdout: stdout.join("\n"),
            stderr: stderr.join("\n"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a finished dockhand printed and exited with.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn events(&self) -> Vec<Value> {
        json_lines(&self.stdout)
    }

    /// Exit code, stdout and stderr, for assertion messages.
    pub fn text(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code(),
            self.stdout,
            self.stderr
        )
    }
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// One JSON value per line; a line that is not JSON fails the test.
pub fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line: {l}: {e}")))
        .collect()
}

/// The events of a `--format json` run.
pub fn events(o: &Output) -> Vec<Value> {
    json_lines(&String::from_utf8_lossy(&o.stdout))
}

/// The run id a `--format json` run announced.
pub fn run_id(events: &[Value]) -> String {
    events
        .iter()
        .find(|e| e["event"] == "run-started")
        .and_then(|e| e["run_id"].as_str())
        .unwrap_or_else(|| panic!("no run-started event with a run id: {events:?}"))
        .to_string()
}

/// Containers, volumes, networks and images on the engine at `socket` that
/// carry `label` (`key=value`), as `"<kind> <id or name>"`, listed with curl.
pub fn labelled(socket: &Path, label: &str) -> Vec<String> {
    let filter = serde_json::json!({ "label": [label] }).to_string();
    let mut found = vec![];
    for (kind, path) in [
        ("container", "/containers/json"),
        ("volume", "/volumes"),
        ("network", "/networks"),
        ("image", "/images/json"),
    ] {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--unix-socket"])
            .arg(socket)
            .arg("-G")
            .arg(format!("http://engine{path}"))
            .args(["--data-urlencode", "all=1", "--data-urlencode"])
            .arg(format!("filters={filter}"))
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "curl {path} on {}: {}",
            socket.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("engine JSON");
        let items = match kind {
            "volume" => v["Volumes"].as_array().cloned().unwrap_or_default(),
            _ => v.as_array().cloned().expect("a JSON array"),
        };
        for i in items {
            let id = i["Name"].as_str().or(i["Id"].as_str()).unwrap_or("?");
            found.push(format!("{kind} {}", &id[..id.len().min(64)]));
        }
    }
    found
}

/// How many objects of `kind` (`container`, `volume`, `network`, `image`)
/// on the machine's engine carry `label`.
pub fn count(kind: &str, label: &str) -> usize {
    labelled(Path::new(SYSTEM_SOCKET), label)
        .iter()
        .filter(|o| o.split(' ').next() == Some(kind))
        .count()
}

/// Asserts that nothing on the engine at `socket` carries `label`; `what`
/// says whose objects they would be.
pub fn assert_none_labelled(socket: &Path, label: &str, what: &str) {
    let left = labelled(socket, label);
    assert!(left.is_empty(), "{what} left {left:?} ({label})");
}

/// Asserts that run `run_id` left nothing on the machine's engine.
pub fn assert_run_clean(run_id: &str) {
    assert_none_labelled(
        Path::new(SYSTEM_SOCKET),
        &format!("dockhand.run={run_id}"),
        &format!("run {run_id}"),
    );
}

/// A runtime for the private engine's async API in a synchronous test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Starts a private engine named after this test process and `test`. Its
/// Drop kills and removes it if the test panics.
pub fn start_private(rt: &tokio::runtime::Runtime, prefix: &str, test: &str) -> PrivateEngine {
    let name = common::engines::unique_name(prefix, test);
    rt.block_on(common::engines::start_private(PrivateEngineOptions::new(&name)))
}

/// The `--host` value of a private engine.
pub fn host_arg(pe: &PrivateEngine) -> String {
    format!("unix://{}", pe.socket_path().display())
}

/// Where dockhand keeps the state of private engine `name` (XDG_RUNTIME_DIR
/// is cleared by [`dockhand`]).
pub fn engine_dir(name: &str) -> PathBuf {
    PathBuf::from("/tmp/dockhand/engines").join(name)
}

/// The network namespace of private engine `name`.
pub fn engine_netns(name: &str) -> String {
    format!("dockhand-{name}")
}

/// Whether anything of private engine `name` is still there.
pub fn engine_exists(name: &str) -> bool {
    engine_dir(name).exists() || host::netns_exists(&engine_netns(name))
}

/// Asserts that private engine `name` left no network namespace, state
/// directory, or dockerd, containerd or shim process.
pub fn assert_engine_gone(name: &str) {
    assert!(
        !host::netns_exists(&engine_netns(name)),
        "network namespace of {name} left behind"
    );
    assert!(!engine_dir(name).exists(), "state directory of {name} left behind");
    let procs = host::processes_under(&engine_dir(name));
    assert!(procs.is_empty(), "processes of {name} left behind: {procs:?}");
}

/// Stops private engine `name` when dropped (a no-op once the test stopped
/// it), also when the test panics.
pub struct StopEngine(pub String);

impl Drop for StopEngine {
    fn drop(&mut self) {
        if engine_exists(&self.0) {
            let o = run(&["engine", "stop", &self.0]);
            if !o.status.success() {
                eprintln!("cleanup of engine {}: {}", self.0, text(&o));
            }
        }
    }
}
