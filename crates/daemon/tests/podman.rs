//! Private Podman engines (`EngineKind::Podman`) against the real
//! `podman system service`: they start in their own network namespace on
//! their own storage, are frozen and killed like a dockerd, and leave
//! nothing behind, neither after a graceful shutdown nor after a drop with
//! a container running; the machine's own Podman storage is never created.
//! The sweeper runs on them without tripping over the endpoint families
//! Podman lacks. Needs root and podman; fails loudly without them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dockhand_daemon::{EngineKind, PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{label_filter, Deadlines, Engine};
use dockhand_objects::{EngineIdentity, Family, ProbeImage, SweepScope, LABEL_OWNER, LABEL_RUN};

mod common;
use common::engines::{connect, unique_name};
use common::host::{assert_dir_released, mounts_of, mounts_under, netns_exists, processes_mentioning};

/// What the machine's own Podman uses; the private engine may create them
/// as empty mount points, never write into them.
const SYSTEM_STORES: [&str; 2] = ["/var/lib/containers", "/run/containers"];

/// Every path under `dir` (recursively), or none when it does not exist.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(e.path());
            }
            out.insert(e.path());
        }
    }
    out
}

fn system_stores() -> Vec<BTreeSet<PathBuf>> {
    SYSTEM_STORES.iter().map(|s| tree(Path::new(s))).collect()
}

fn name(test: &str) -> String {
    unique_name("p", test)
}

/// Short: Podman refuses a runroot over 50 bytes.
fn base(test: &str) -> PathBuf {
    let d = PathBuf::from(format!("/tmp/dhp-{}{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn start(test: &str) -> (PrivateEngine, PathBuf) {
    let base = base(test);
    let opts = PrivateEngineOptions::new(name(test))
        .kind(EngineKind::Podman)
        .base_dir(&base);
    match PrivateEngine::start(opts).await {
        Ok(e) => (e, base),
        Err(e) => panic!("cannot start a private podman engine (these tests need root and podman): {e}"),
    }
}

async fn client(pe: &PrivateEngine) -> Engine {
    connect(pe.endpoint(), Duration::from_secs(30)).await
}

/// The file a container's network namespace is mounted on
/// (`/run/netns/netns-<uuid>` in Podman 4): its `SandboxKey`.
async fn netns_file(engine: &Engine, id: &str) -> PathBuf {
    let v: serde_json::Value = engine.container_inspect(id).await.unwrap().json().unwrap();
    let key = v["NetworkSettings"]["SandboxKey"].as_str().unwrap_or_default();
    assert!(key.starts_with("/run/netns/netns-"), "SandboxKey {key:?}");
    PathBuf::from(key)
}

/// The cgroup directories Podman made for container `id` (cgroupfs manager).
fn cgroups_of(id: &str) -> Vec<String> {
    let mut found = Vec::new();
    for ctrl in std::fs::read_dir("/sys/fs/cgroup").into_iter().flatten().flatten() {
        for d in [ctrl.path().join("libpod_parent"), ctrl.path()] {
            for n in [format!("libpod-{id}"), format!("libpod-conmon-{id}")] {
                if d.join(&n).exists() {
                    found.push(d.join(n).display().to_string());
                }
            }
        }
    }
    found
}

/// Starts a probe container that idles, labelled `labels`; returns its id.
async fn run_idler(engine: &Engine, labels: serde_json::Value) -> String {
    let probe = ProbeImage::new();
    probe.ensure(engine).await.expect("load the probe image");
    let cfg = serde_json::json!({"Image": probe.reference(), "Cmd": ["idle"], "Labels": labels});
    let r = engine.container_create(None, &cfg).await.unwrap();
    assert_eq!(r.status, 201, "create: {}", r.message());
    let id = r.json::<serde_json::Value>().unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = engine.container_start(&id).await.unwrap();
    assert_eq!(r.status, 204, "start: {}", r.message());
    id
}

/// Asserts that nothing of the engine is left: processes, mounts, the
/// state directory, its namespace, its containers' namespaces and cgroups.
fn assert_gone(name: &str, dir: &Path, stores: &[BTreeSet<PathBuf>], containers: &[(String, PathBuf)]) {
    assert_dir_released(dir);
    assert!(!netns_exists(&format!("dockhand-{name}")), "netns left");
    for (id, netns) in containers {
        assert!(
            !netns.exists(),
            "network namespace file {} of container {id} left",
            netns.display()
        );
        assert_eq!(cgroups_of(id), Vec::<String>::new(), "cgroups of container {id} left");
    }
    assert_eq!(
        system_stores(),
        stores,
        "the machine's own Podman storage was written to"
    );
}

#[tokio::test]
async fn a_podman_engine_names_itself_and_shutdown_leaves_nothing() {
    let (pe, base) = start("shutdown").await;
    let stores = system_stores();
    assert_eq!(pe.kind(), EngineKind::Podman);
    assert!(pe.socket_path().ends_with("podman.sock"));
    let dir = pe.dir().to_path_buf();
    let engine = client(&pe).await;

    let id = EngineIdentity::probe(&engine).await.expect("identity");
    assert_eq!(id.product, "Podman Engine", "{id:?}");
    assert_eq!(id.capabilities.swarm, Family::Absent);
    assert_eq!(id.capabilities.plugins, Family::Absent);
    assert!(id.version.starts_with(char::is_numeric), "{id:?}");

    let cid = run_idler(&engine, serde_json::json!({})).await;
    let pid = pe.pid().expect("the service runs");
    assert!(
        mounts_of(&pid.to_string(), &dir).iter().any(|m| m.ends_with("/merged")),
        "a running container has its layers mounted under the root, in the service's mount namespace"
    );
    assert_eq!(mounts_under(&dir), Vec::<String>::new(), "and only there");
    let netns = netns_file(&engine, &cid).await;
    assert!(netns.exists(), "the container's network namespace file is on the host");
    assert!(
        std::fs::read_to_string(dir.join("containers.conf"))
            .unwrap()
            .contains("nofile=1024:1024"),
        "the ulimits are configured"
    );

    let name = pe.name().to_string();
    pe.shutdown().await.expect("shutdown");
    assert_gone(&name, &dir, &stores, &[(cid, netns)]);
    std::fs::remove_dir(&base).unwrap();
}

#[tokio::test]
async fn freezing_killing_and_dropping_a_podman_engine() {
    let (mut pe, base) = start("drop").await;
    let stores = system_stores();
    let dir = pe.dir().to_path_buf();
    let engine = client(&pe).await;
    let cid = run_idler(&engine, serde_json::json!({})).await;
    let netns = netns_file(&engine, &cid).await;

    // Frozen: connected, no reply within the deadline.
    let quick = Engine::with_version(
        pe.endpoint(),
        Deadlines {
            call: Duration::from_millis(500),
            stream_idle: Duration::from_millis(500),
        },
        engine.api_version(),
    );
    pe.freeze().expect("freeze");
    let e = quick.ping().await.expect_err("a frozen service answers nothing");
    assert_eq!(e.kind(), "not-responding", "{e}");
    pe.thaw().expect("thaw");
    assert_eq!(quick.ping().await.expect("ping after thaw").status, 200);

    // Killed: nothing listens; the container lives on under conmon.
    pe.kill().await.expect("kill");
    let e = quick.ping().await.expect_err("a killed service answers nothing");
    assert!(e.is_engine_down(), "{e}");
    assert!(
        !processes_mentioning(&cid).is_empty(),
        "conmon outlives the service, as on a real host"
    );

    // Restarted on the same storage, it finds the container again.
    pe.restart(Vec::<String>::new()).await.expect("restart");
    let engine = client(&pe).await;
    let r = engine.container_inspect(&cid).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.message());

    // Dropped with the container running: killed and removed by force.
    let name = pe.name().to_string();
    drop(pe);
    assert_gone(&name, &dir, &stores, &[(cid, netns)]);
    std::fs::remove_dir(&base).unwrap();
}

#[tokio::test]
async fn the_sweeper_runs_on_podman_and_removes_what_dead_runs_left() {
    let (pe, base) = start("sweep").await;
    let engine = client(&pe).await;
    let caps = EngineIdentity::probe(&engine).await.expect("identity").capabilities;
    // A dead owner on this host: pid 0 never names a live dockhand.
    let owner = format!("{}/0", dockhand_objects::hostname());
    let cid = run_idler(&engine, serde_json::json!({LABEL_RUN: "deadrun", LABEL_OWNER: owner})).await;
    let started = Instant::now();
    let report = dockhand_objects::sweep(&engine, &caps, SweepScope::Abandoned)
        .await
        .expect("a sweep on podman is no API error");
    assert_eq!(report.containers, 1, "{report:?}");
    let left = dockhand_objects::list(&engine, &label_filter(&[LABEL_RUN]))
        .await
        .unwrap();
    assert!(left.iter().all(|o| o.id != cid), "{left:?}");
    eprintln!("sweep took {:?}", started.elapsed());
    pe.shutdown().await.expect("shutdown");
    std::fs::remove_dir(&base).unwrap();
}
