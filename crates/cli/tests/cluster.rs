//! Local clusters end to end, through the binary: create, ls, env, the swarm
//! area on the cluster (described by a cluster file, as an existing cluster
//! is, with addresses and with Docker contexts, and by name), and `cluster rm` leaving no process, namespace,
//! bridge or directory. Needs root and dockerd; fails loudly without them.
//! Each test uses its own state directory and cluster name.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::kit::host::{alive, assert_dir_released, netns_with_prefix};
use crate::kit::text;

fn dockhand(state: &Path, args: &[&str]) -> Output {
    crate::kit::dockhand(args).env("DOCKHAND_CLUSTER_DIR", state).output()
}

/// Removes the cluster when the test ends, also when it panics.
struct Guard {
    state: PathBuf,
    name: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.state.join(&self.name).exists() {
            let o = dockhand(&self.state, &["cluster", "rm", &self.name]);
            eprintln!("cleanup: {}", text(&o));
        }
    }
}

/// Asserts nothing of cluster `name` under `state` is left on the host.
fn assert_nothing_left(state: &Path, name: &str) {
    assert_dir_released(&state.join(name));
    let ns = netns_with_prefix(&format!("dhcluster-{name}"));
    assert!(
        ns.is_empty(),
        "network namespaces left (the bridge and veths live in them): {ns:?}"
    );
}

/// The fault checks: they take nodes down.
const FAULTS: [&str; 3] = [
    "swarm/faults/kill-worker",
    "swarm/faults/leader-election",
    "swarm/faults/quorum",
];

/// Writes a cluster file for local cluster `name` (nodes n1 to n4, the
/// first three managers), with `control(node)` appended to each node's
/// table, and returns its path.
fn cluster_file(state: &Path, name: &str, control: impl Fn(&str) -> String) -> PathBuf {
    let mut text = format!("name = \"{name}-file\"\n");
    for (i, node) in ["n1", "n2", "n3", "n4"].iter().enumerate() {
        let socket = state.join(name).join(node).join("docker.sock");
        let role = if i < 3 { "manager" } else { "worker" };
        text.push_str(&format!(
            "\n[[node]]\nname = \"{node}\"\nendpoint = \"unix://{}\"\nrole = \"{role}\"\n{}",
            socket.display(),
            control(node)
        ));
    }
    let kind = if control("n1").is_empty() { "bare" } else { "controlled" };
    let path = state.join(format!("{name}-{kind}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_cluster_runs_the_swarm_area_and_rm_leaves_nothing() {
    let state = tempfile::tempdir().unwrap();
    let name = format!("t{}", std::process::id());
    let _guard = Guard {
        state: state.path().to_path_buf(),
        name: name.clone(),
    };
    let o = dockhand(
        state.path(),
        &["cluster", "create", &name, "--nodes", "4", "--managers", "3"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains(&format!("cluster {name} ready in ")), "{out}");

    // The name is taken now.
    let o = dockhand(state.path(), &["cluster", "create", &name, "--nodes", "1"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already exists"),
        "{}",
        text(&o)
    );

    // ls: every node with its role, state and socket; one leader.
    let o = dockhand(state.path(), &["cluster", "ls"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ls = String::from_utf8_lossy(&o.stdout).to_string();
    for (node, role) in [
        ("n1", "manager"),
        ("n2", "manager"),
        ("n3", "manager"),
        ("n4", "worker"),
    ] {
        let line = ls
            .lines()
            .find(|l| l.split_whitespace().next() == Some(node))
            .unwrap_or_else(|| panic!("no line for {node}: {ls}"));
        assert!(
            line.contains(&format!("{name}-{node}")) && line.contains(role),
            "{line}"
        );
        assert!(line.contains("ready, active"), "{line}");
        let socket = state.path().join(&name).join(node).join("docker.sock");
        assert!(line.contains(&format!("unix://{}", socket.display())), "{line}");
    }
    assert_eq!(ls.matches("leader").count(), 1, "{ls}");

    // env: an export line for a shell, the first manager by default.
    let o = dockhand(state.path(), &["cluster", "env", &name]);
    let n1 = state.path().join(&name).join("n1").join("docker.sock");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("export DOCKER_HOST=unix://{}\n", n1.display())
    );
    let o = dockhand(state.path(), &["cluster", "env", &name, "--node", "n4"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).ends_with("/n4/docker.sock\n"),
        "{}",
        text(&o)
    );
    let o = dockhand(state.path(), &["cluster", "env", &name, "--node", "n9"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));

    // The swarm area on the cluster as a cluster file describes it, fault
    // checks included: the nodes' sockets, no host names (read from each
    // engine), and `dockhand cluster stop|kill|start` as the node-control
    // commands a real cluster's file would give as `ssh nodeN systemctl ...`.
    // Every reply held against the response shapes: 20.10's findings there
    // (SecretCreate and ConfigCreate answer `ID` where the reference's
    // IdResponse has `Id`; UpdateStatus.State sends rollback_* values the 1.41
    // text does not list) are pinned in the shipped known failures.
    let bin = env!("CARGO_BIN_EXE_dockhand");
    let with_control = cluster_file(state.path(), &name, |node| {
        format!(
            "[node.control]\nstop = \"{bin} cluster stop {name} {node}\"\nkill = \"{bin} cluster kill {name} {node}\"\nstart = \"{bin} cluster start {name} {node}\"\n"
        )
    });
    let o = dockhand(
        state.path(),
        &["cluster", "ls", "--file", with_control.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ls = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(ls.contains("4 nodes (3 managers)"), "{ls}");
    for node in ["n1", "n2", "n3", "n4"] {
        let line = ls
            .lines()
            .find(|l| l.split_whitespace().next() == Some(node))
            .unwrap_or_else(|| panic!("no line for {node}: {ls}"));
        assert!(
            line.contains("control: stop,kill,start") && line.contains(&format!("{name}-{node}, swarm active")),
            "{line}"
        );
    }
    let o = dockhand(
        state.path(),
        &[
            "check",
            "--cluster-file",
            with_control.to_str().unwrap(),
            "swarm/*",
            "--format",
            "json",
            "--check-timeout",
            "5m",
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let events: Vec<Value> = stdout.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let finished = events
        .iter()
        .find(|e| e["event"] == "run-finished")
        .unwrap_or_else(|| panic!("no run-finished event: {}", text(&o)));
    let failures: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "check-finished" && matches!(e["outcome"]["kind"].as_str(), Some("failed" | "error")))
        .collect();
    // The failures last: CI shows the tail of a long message.
    assert_eq!(o.status.code(), Some(0), "{}\nfailures: {failures:#?}", text(&o));
    let passed = finished["counts"]["passed"].as_u64().unwrap_or(0);
    let known = finished["counts"]["known_failure"].as_u64().unwrap_or(0);
    assert!(
        passed + known >= 15,
        "only {passed} swarm cases passed and {known} failed as pinned: {finished}"
    );
    // The fault checks ran to a verdict, and the shapes ran: the cases
    // with pinned findings (a secret created: `ID` for `Id`; a rollback's
    // UpdateStatus) are known failures, not passes.
    for (id, kind) in [
        ("swarm/faults/kill-worker", "passed"),
        ("swarm/faults/leader-election", "passed"),
        ("swarm/faults/quorum", "known-failure"),
        ("swarm/data/secrets-configs", "known-failure"),
        ("swarm/services/rollback", "known-failure"),
    ] {
        let e = events
            .iter()
            .find(|e| e["event"] == "check-finished" && e["case"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} did not run"));
        assert_eq!(e["outcome"]["kind"], kind, "{id}: {e}");
    }
    let started = events.iter().find(|e| e["event"] == "run-started").unwrap();
    assert!(
        started["engine"]["endpoint"]
            .as_str()
            .is_some_and(|e| e.ends_with("/n1/docker.sock")),
        "{started}"
    );

    // Without node-control commands the fault checks skip, saying which
    // node lacks what, before they touch the cluster.
    let without = cluster_file(state.path(), &name, |_| String::new());
    let o = dockhand(
        state.path(),
        &[
            "check",
            "--cluster-file",
            without.to_str().unwrap(),
            "swarm/faults/*",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let events = crate::kit::events(&o);
    for id in FAULTS {
        let e = events
            .iter()
            .find(|e| e["event"] == "check-finished" && e["case"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} did not run: {}", text(&o)));
        assert_eq!(e["outcome"]["kind"], "skipped", "{id}: {e}");
        let reason = e["outcome"]["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("node n1 of cluster file") && reason.contains("no stop, kill, start command"),
            "{id}: {reason}"
        );
    }

    // `--cluster NAME` goes the same way, with the cluster's own control.
    let o = dockhand(
        state.path(),
        &[
            "check",
            "--no-shapes",
            "--cluster",
            &name,
            "swarm/nodes/*",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // rm: nothing left.
    let pids: Vec<String> = ["n1", "n2", "n3", "n4"]
        .iter()
        .flat_map(|n| ["dockerd.pid", "containerd.pid"].map(|f| state.path().join(&name).join(n).join(f)))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .collect();
    assert_eq!(pids.len(), 8, "{pids:?}");
    let o = dockhand(state.path(), &["cluster", "rm", &name]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_nothing_left(state.path(), &name);
    for pid in pids {
        assert!(!alive(pid.parse().unwrap()), "daemon {pid} is still running");
    }
    let o = dockhand(state.path(), &["cluster", "rm", &name]);
    assert_eq!(o.status.code(), Some(3), "removing it twice: {}", text(&o));
}

/// A cluster file that names its nodes by Docker contexts (written by the
/// docker CLI's own `docker context create`): the swarm checks reach each
/// node through its context.
#[test]
fn a_cluster_file_names_its_nodes_by_docker_context() {
    let state = tempfile::tempdir().unwrap();
    let name = format!("c{}", std::process::id());
    let _guard = Guard {
        state: state.path().to_path_buf(),
        name: name.clone(),
    };
    let o = dockhand(
        state.path(),
        &["cluster", "create", &name, "--nodes", "2", "--managers", "1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Nodes named by Docker contexts that the docker CLI wrote: the swarm
    // checks reach each node through its context.
    let config = state.path().join("docker-config");
    let mut text_file = String::new();
    for (i, node) in ["n1", "n2"].iter().enumerate() {
        let socket = state.path().join(&name).join(node).join("docker.sock");
        let context = format!("{name}-{node}");
        let o = Command::new("docker")
            .args(["context", "create", &context, "--docker"])
            .arg(format!("host=unix://{}", socket.display()))
            .env("DOCKER_CONFIG", &config)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT")
            .output()
            .expect("these tests need the docker CLI");
        assert!(o.status.success(), "docker context create: {}", text(&o));
        let role = if i < 1 { "manager" } else { "worker" };
        text_file.push_str(&format!(
            "[[node]]\nname = \"{node}\"\ncontext = \"{context}\"\nrole = \"{role}\"\n\n"
        ));
    }
    let by_context = state.path().join(format!("{name}-contexts.toml"));
    std::fs::write(&by_context, text_file).unwrap();
    let o = crate::kit::dockhand([
        "check",
        "--no-shapes",
        "--cluster-file",
        by_context.to_str().unwrap(),
        "swarm/nodes/*",
        "--format",
        "json",
    ])
    .env("DOCKHAND_CLUSTER_DIR", state.path())
    .env("DOCKER_CONFIG", &config)
    .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let events = crate::kit::events(&o);
    let started = events.iter().find(|e| e["event"] == "run-started").unwrap();
    assert!(
        started["engine"]["endpoint_source"]
            .as_str()
            .is_some_and(|s| s.ends_with(&format!("node n1, context {name}-n1"))),
        "{started}"
    );
    let finished = events.iter().find(|e| e["event"] == "run-finished").unwrap();
    assert!(
        finished["counts"]["passed"].as_u64().unwrap_or(0) >= 1,
        "no swarm/nodes case passed through the contexts: {finished}"
    );
    // ls --file: each node through its context, in swarm.
    let o = crate::kit::dockhand(["cluster", "ls", "--file", by_context.to_str().unwrap()])
        .env("DOCKHAND_CLUSTER_DIR", state.path())
        .env("DOCKER_CONFIG", &config)
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ls = String::from_utf8_lossy(&o.stdout).to_string();
    for node in ["n1", "n2"] {
        let line = ls
            .lines()
            .find(|l| l.split_whitespace().next() == Some(node))
            .unwrap_or_else(|| panic!("no line for {node}: {ls}"));
        assert!(
            line.contains(&format!("(context {name}-{node})"))
                && line.contains(&format!("{name}-{node}, swarm active")),
            "{line}"
        );
    }

    let o = dockhand(state.path(), &["cluster", "rm", &name]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_nothing_left(state.path(), &name);
}

#[test]
fn leftovers_of_a_crashed_create_are_swept_and_rm_all_removes_every_cluster() {
    let state = tempfile::tempdir().unwrap();
    let name = format!("c{}", std::process::id());
    let _guard = Guard {
        state: state.path().to_path_buf(),
        name: name.clone(),
    };
    // What a create killed early leaves: an incomplete state file, a node
    // directory and the switch namespace.
    let dir = state.path().join(&name);
    std::fs::create_dir_all(dir.join("n1")).unwrap();
    let switch = format!("dhcluster-{name}");
    let st = serde_json::json!({
        "name": name, "index": 200, "subnet": "10.217.200.0/24", "switch_netns": switch,
        "created": 0, "complete": false,
        "nodes": [{ "name": "n1", "hostname": format!("{name}-n1"), "role": "manager",
                    "address": "10.217.200.2", "netns": format!("{switch}.n1"), "dir": dir.join("n1") }],
    });
    std::fs::write(dir.join("cluster.json"), st.to_string()).unwrap();
    let added = Command::new("ip").args(["netns", "add", &switch]).status().unwrap();
    assert!(added.success());

    let o = dockhand(state.path(), &["cluster", "ls"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("incomplete"),
        "{}",
        text(&o)
    );
    let o = dockhand(state.path(), &["check", "--cluster", &name, "swarm/*"]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("incomplete"),
        "{}",
        text(&o)
    );

    let o = dockhand(
        state.path(),
        &["cluster", "create", &name, "--nodes", "1", "--managers", "1"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = dockhand(state.path(), &["cluster", "rm", "--all"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&format!("removed cluster {name}")),
        "{}",
        text(&o)
    );
    assert_nothing_left(state.path(), &name);
}
