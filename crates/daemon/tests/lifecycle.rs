//! Private engines against the real dockerd: start, freeze, kill, restart,
//! shut down, and leave nothing behind. Needs root and dockerd; fails loudly
//! without them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use dockhand_daemon::{sweep_stale_in, DaemonError, PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{Engine, Request};

mod common;
use common::engines::{connect, start_private as start, unique_name};
use common::host::{alive, assert_dir_released, mounts_under, netns_exists, processes_mentioning, state, wait_until};

/// A name unique to this test and process (test threads and concurrent runs share the host).
fn name(test: &str) -> String {
    unique_name("d", test)
}

async fn client(engine: &PrivateEngine) -> Engine {
    connect(engine.endpoint(), Duration::from_secs(10)).await
}

/// Asserts that nothing of the engine is left on the host.
fn assert_gone(name: &str, dir: &Path) {
    assert_dir_released(dir);
    assert!(!netns_exists(&format!("dockhand-{name}")), "netns left");
    assert!(
        !Path::new(dockhand_daemon::LOCK_DIR)
            .join(format!("{name}.lock"))
            .exists(),
        "lock file left"
    );
}

/// An image with nothing but `/bin/sleep` and its libraries, imported from the host.
async fn import_sleeper(engine: &Engine) -> String {
    let root = tempdir("sleeper");
    let mut files = vec![PathBuf::from("/bin/sleep")];
    let ldd = Command::new("ldd").arg("/bin/sleep").output().expect("ldd");
    for word in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
        if word.starts_with('/') {
            files.push(PathBuf::from(word));
        }
    }
    for f in &files {
        let to = root.join(f.strip_prefix("/").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(f, &to).unwrap();
    }
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .args(["-cf", "-", "."])
        .output()
        .expect("tar");
    assert!(tar.status.success());
    std::fs::remove_dir_all(&root).unwrap();
    let r = engine
        .send(
            Request::post("/images/create")
                .query("fromSrc", "-")
                .query("repo", "dockhand-sleeper")
                .query("tag", "1")
                .body(tar.stdout, "application/x-tar"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.message());
    "dockhand-sleeper:1".into()
}

async fn run_sleeper(engine: &Engine, image: &str, name: &str) -> String {
    let cfg = serde_json::json!({"Image": image, "Cmd": ["/bin/sleep", "1000"]});
    let r = engine.container_create(Some(name), &cfg).await.unwrap().ok().unwrap();
    let id = r.json::<serde_json::Value>().unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    engine.container_start(&id).await.unwrap().ok().unwrap();
    id
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dockhand-daemon-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[tokio::test]
async fn start_freeze_kill_restart_shutdown() {
    let n = name("life");
    let mut pe = start(PrivateEngineOptions::new(&n)).await;
    let dir = pe.dir().to_path_buf();
    assert!(pe.socket_path().starts_with(&dir));
    assert!(netns_exists(&pe.netns()));
    let pid = pe.pid().expect("a pid");
    assert_eq!(
        std::fs::read_to_string(dir.join("docker.pid")).unwrap().trim(),
        pid.to_string(),
        "the child we track is dockerd itself (nsenter execs)"
    );

    // The same name cannot be started twice while this one lives.
    let again = PrivateEngine::start(PrivateEngineOptions::new(&n)).await.unwrap_err();
    assert!(matches!(again, DaemonError::NameInUse { .. }), "{again}");

    // dockerd runs in the private network namespace, with its own docker0.
    let own = std::fs::read_link("/proc/self/ns/net").unwrap();
    let its = std::fs::read_link(format!("/proc/{pid}/ns/net")).unwrap();
    assert_ne!(own, its);
    let ip = Command::new("ip")
        .args(["-n", &pe.netns(), "link", "show", "docker0"])
        .output()
        .unwrap();
    assert!(ip.status.success(), "no docker0 in the namespace");

    let engine = client(&pe).await;
    assert_eq!(engine.ping().await.unwrap().status, 200);

    pe.freeze().unwrap();
    assert!(pe.is_frozen() && pe.is_running());
    assert_eq!(state(pid), Some('T'), "a frozen dockerd is stopped");
    pe.thaw().unwrap();
    assert_eq!(engine.ping().await.unwrap().status, 200);

    let status = pe.kill().await.unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9));
    assert!(!pe.is_running() && pe.pid().is_none());
    assert!(pe.socket_path().exists(), "a killed dockerd leaves its socket");
    assert!(pe.containerd_pid().is_some(), "containerd outlives dockerd");
    assert!(pe.freeze().is_err());

    pe.restart(["--live-restore"]).await.unwrap();
    eprintln!("restart after kill: ready in {:?}", pe.ready_after());
    let pid2 = pe.pid().unwrap();
    assert_ne!(pid, pid2);
    let cmdline = std::fs::read(format!("/proc/{pid2}/cmdline")).unwrap();
    assert!(String::from_utf8_lossy(&cmdline).contains("--live-restore"));
    assert_eq!(engine.ping().await.unwrap().status, 200);
    let info = engine.system_info().await.unwrap();
    assert_eq!(info["LiveRestoreEnabled"], true);
    assert_eq!(info["DockerRootDir"], pe.data_root().to_string_lossy().as_ref());

    let t = Instant::now();
    let status = pe.stop(Duration::from_secs(20)).await.unwrap();
    eprintln!("graceful stop in {:?}: {status}", t.elapsed());
    assert!(
        status.success(),
        "dockerd exits 0 on SIGINT: {status}\n{}",
        pe.log_tail(20)
    );
    pe.restart(Vec::<String>::new()).await.unwrap();
    assert!(pe.is_running());

    let t = Instant::now();
    pe.shutdown().await.unwrap();
    eprintln!("shutdown in {:?}", t.elapsed());
    assert_gone(&n, &dir);
}

#[tokio::test]
async fn dropping_an_engine_leaves_no_containers_shims_or_mounts() {
    let n = name("drop");
    let pe = start(PrivateEngineOptions::new(&n)).await;
    let dir = pe.dir().to_path_buf();
    let engine = client(&pe).await;
    let image = import_sleeper(&engine).await;
    let id = run_sleeper(&engine, &image, "sleeper").await;
    let inspect = engine
        .container_inspect(&id)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    let pid = inspect["State"]["Pid"].as_u64().unwrap() as u32;
    assert!(alive(pid));
    let shims = processes_mentioning(&format!("-id {id}"));
    assert_eq!(shims.len(), 1, "one shim for the container: {shims:?}");
    assert!(
        shims[0].contains(&dir.to_string_lossy().to_string()),
        "the shim talks to our containerd: {shims:?}"
    );
    assert!(!mounts_under(&dir).is_empty());
    // Where the shim's socket is, to check it is removed.
    let bundle = dir
        .join("containerd/state/io.containerd.runtime.v2.task/moby")
        .join(&id);
    let shim_socket = std::fs::read_to_string(bundle.join("address")).unwrap();
    let shim_socket = PathBuf::from(shim_socket.trim().trim_start_matches("unix://"));
    assert!(shim_socket.exists(), "{}", shim_socket.display());

    let t = Instant::now();
    drop(pe); // as when a test panics
    eprintln!("drop with a running container took {:?}", t.elapsed());
    assert_eq!(processes_mentioning(&id), Vec::<String>::new(), "the shim is gone");
    assert!(!alive(pid), "the container's process {pid} is gone");
    assert!(!shim_socket.exists(), "shim socket left: {}", shim_socket.display());
    assert_gone(&n, &dir);
}

#[tokio::test]
async fn live_restore_containers_survive_restart_and_shutdown_removes_them() {
    let n = name("live");
    let mut pe = start(PrivateEngineOptions::new(&n).arg("--live-restore")).await;
    let dir = pe.dir().to_path_buf();
    let engine = client(&pe).await;
    let image = import_sleeper(&engine).await;
    let id = run_sleeper(&engine, &image, "survivor").await;
    let before = engine
        .container_inspect(&id)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    let pid = before["State"]["Pid"].as_u64().unwrap() as u32;

    pe.kill().await.unwrap();
    pe.restart(["--live-restore"]).await.unwrap();
    let after = engine
        .container_inspect(&id)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    assert_eq!(after["State"]["Running"], true);
    assert_eq!(
        after["State"]["Pid"].as_u64().unwrap() as u32,
        pid,
        "the same process survived the crash"
    );

    let t = Instant::now();
    pe.shutdown().await.unwrap();
    eprintln!("shutdown with a live-restore container took {:?}", t.elapsed());
    assert!(!alive(pid), "the container's process {pid} is gone");
    assert_eq!(processes_mentioning(&id), Vec::<String>::new());
    assert_gone(&n, &dir);
}

#[tokio::test]
async fn a_panic_while_the_engine_is_frozen_leaves_nothing() {
    let n = name("panic");
    let task = {
        let n = n.clone();
        tokio::spawn(async move {
            let mut pe = start(PrivateEngineOptions::new(&n)).await;
            pe.freeze().unwrap();
            panic!("a test fails while its engine is frozen");
        })
    };
    assert!(task.await.unwrap_err().is_panic());
    assert_gone(&n, &dockhand_daemon::default_base_dir().join(&n));
}

#[tokio::test]
async fn a_dockerd_that_exits_at_start_is_reported_with_its_log() {
    let n = name("bad");
    let t = Instant::now();
    let e = PrivateEngine::start(PrivateEngineOptions::new(&n).arg("--no-such-flag"))
        .await
        .unwrap_err();
    let msg = e.to_string();
    eprintln!("failed start reported in {:?}: {msg}", t.elapsed());
    assert!(t.elapsed() < Duration::from_secs(10), "fails fast");
    match &e {
        DaemonError::ExitedEarly {
            program, status, tail, ..
        } => {
            assert_eq!(*program, "dockerd");
            assert!(status.contains("exit code"), "{status}");
            assert!(tail.contains("no-such-flag"), "{tail}");
        }
        other => panic!("expected ExitedEarly, got {other:?}"),
    }
    let dir = dockhand_daemon::default_base_dir().join(&n);
    assert_gone(&n, &dir);
}

#[tokio::test]
async fn invalid_names_and_paths_are_refused_before_anything_starts() {
    let e = PrivateEngine::start(PrivateEngineOptions::new("a/b"))
        .await
        .unwrap_err();
    assert!(matches!(e, DaemonError::InvalidName { .. }), "{e}");
    let long = PrivateEngineOptions::new("x").base_dir(format!("/tmp/{}", "y".repeat(90)));
    let e = PrivateEngine::start(long).await.unwrap_err();
    assert!(e.to_string().contains("shorter"), "{e}");
}

#[tokio::test]
async fn sweep_removes_what_a_crashed_run_left() {
    let n = name("crash");
    let base = tempdir("sweep");
    // A process of its own that starts an engine and aborts (tests/helpers/crash.rs).
    let out = Command::new(env!("CARGO_BIN_EXE_dockhand-daemon-crash-helper"))
        .arg(&n)
        .arg(&base)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("READY"),
        "the helper did not start its engine: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = base.join(&n);
    assert!(dir.exists() && netns_exists(&format!("dockhand-{n}")));
    // The daemons died with their parent (PR_SET_PDEATHSIG).
    wait_until("the daemons die with their parent", Duration::from_secs(5), || {
        processes_mentioning(&dir.to_string_lossy()).is_empty()
    });
    assert!(
        !mounts_under(&dir).is_empty(),
        "a crash leaves dockerd's data-root mount"
    );

    // A live engine in this process is not touched by the sweep.
    let live = start(PrivateEngineOptions::new(name("alive"))).await;
    let report = sweep_stale_in(std::slice::from_ref(&base));
    eprintln!("{report:?}");
    assert!(report.removed.contains(&n), "{report:?}");
    assert!(report.alive.contains(&live.name().to_string()), "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");
    assert_gone(&n, &dir);
    assert!(live.is_running());
    let live_dir = live.dir().to_path_buf();
    let live_name = live.name().to_string();
    live.shutdown().await.unwrap();
    assert_gone(&live_name, &live_dir);
    std::fs::remove_dir_all(&base).unwrap();
}
