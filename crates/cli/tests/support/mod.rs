//! What the CLI tests share: running the binary, reading what it printed,
//! private engines, and listing labelled objects on an engine with curl, so
//! that a leftover count never leans on the code under test.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use serde_json::Value;

/// The machine's own engine.
pub const SYSTEM_SOCKET: &str = "/var/run/docker.sock";

/// The binary under test, with DOCKER_HOST cleared so a developer's setting
/// cannot point a test elsewhere.
pub fn dockhand() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dockhand"));
    c.env_remove("DOCKER_HOST");
    c
}

/// Runs the binary with `args` to completion.
pub fn run(args: &[&str]) -> Output {
    dockhand().args(args).output().expect("run dockhand")
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
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line: {l}: {e}")))
        .collect()
}

/// The events of a `--format json` run.
pub fn events(o: &Output) -> Vec<Value> {
    json_lines(&String::from_utf8_lossy(&o.stdout))
}

/// Waits for `child` to exit, killing it and failing the test after `limit`.
pub fn wait_exit(child: &mut Child, limit: Duration) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dockhand did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
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
    let name = format!("{prefix}{}-{test}", std::process::id());
    rt.block_on(PrivateEngine::start(PrivateEngineOptions::new(&name)))
        .unwrap_or_else(|e| panic!("these tests need root and dockerd and do not skip: {e}"))
}

/// The `--host` value of a private engine.
pub fn host(pe: &PrivateEngine) -> String {
    format!("unix://{}", pe.socket_path().display())
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
