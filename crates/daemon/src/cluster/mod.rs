//! Local clusters: N private engines, each in its own network and UTS
//! namespace, on a bridge made for the cluster, joined into one swarm.
//!
//! A [`Cluster`] is a directory under the state directory
//! (`<state-dir>/<name>/`: `cluster.json` and one directory per node) plus
//! what it names: the switch namespace with the bridge, one namespace per
//! node, and each node's containerd and dockerd. The daemons run detached and
//! outlive the process that created them; any dockhand process can open the
//! cluster by name, stop, kill and restart its nodes, and remove it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dockhand_daemon::ClusterError> {
//! use dockhand_daemon::{Cluster, ClusterOptions};
//! let cluster = Cluster::create(ClusterOptions::new("demo", 3, 1)).await?;
//! cluster.wait_ready(std::time::Duration::from_secs(30)).await?;
//! cluster.mark_complete()?;
//! let socket = cluster.nodes()[0].socket();
//! Cluster::remove(&cluster.state_dir(), "demo")?;
//! # Ok(()) }
//! ```
//!
//! Set-up, in order: the switch namespace and bridge; per node its namespace,
//! veth, address, UTS namespace (host name `<cluster>-n<i>`), containerd and
//! dockerd (all nodes at once); `POST /swarm/init` on `n1`, advertising its
//! bridge address; `POST /swarm/join` on the others, managers first, then
//! workers. The caller loads images and then waits with [`Cluster::wait_ready`].

mod error;
mod net;
mod node;
mod state;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dockhand_engine::{Endpoint, Engine, Request};
use serde_json::{json, Value};

pub use error::ClusterError;
pub use net::CLUSTER_NETNS_PREFIX;
pub use state::{ClusterState, NodeState, Role};

use node::Daemon;
use state::{cluster_dir, FileLock, ALLOC_LOCK, LOCK_FILE, STATE_FILE};

/// How long a node's daemons get to come up, and the swarm calls to answer.
pub const DEFAULT_NODE_START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`Cluster::stop_node`] lets dockerd stop on its own before SIGKILL.
pub const NODE_STOP_GRACE: Duration = Duration::from_secs(20);

/// The swarm's dispatcher heartbeat period (`Spec.Dispatcher.HeartbeatPeriod`).
pub const HEARTBEAT_PERIOD: Duration = Duration::from_secs(1);

/// Longest cluster name: keeps socket paths under the state directory short.
const MAX_NAME: usize = 24;

/// The state directory when none is given: `/run/dockhand/clusters`. On the
/// same tmpfs as `/run/netns`, so both vanish together at reboot (and the
/// data-roots with them: a cluster does not survive a reboot anyway).
pub fn default_state_dir() -> PathBuf {
    PathBuf::from("/run/dockhand/clusters")
}

/// Checks a cluster name: `[a-z0-9-]`, starting with a letter or digit.
pub fn validate_cluster_name(name: &str) -> Result<(), ClusterError> {
    let bad = |reason: &str| {
        Err(ClusterError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return bad(&format!("use 1 to {MAX_NAME} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return bad("use only lowercase letters, digits and '-' (it becomes part of host names)");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return bad("start and end with a letter or digit");
    }
    Ok(())
}

/// How to create a [`Cluster`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub name: String,
    /// All nodes, managers included.
    pub nodes: usize,
    /// How many of them are managers (the first ones).
    pub managers: usize,
    /// [`default_state_dir`] when `None`.
    pub state_dir: Option<PathBuf>,
    pub start_timeout: Duration,
}

impl ClusterOptions {
    pub fn new(name: impl Into<String>, nodes: usize, managers: usize) -> Self {
        ClusterOptions {
            name: name.into(),
            nodes,
            managers,
            state_dir: None,
            start_timeout: DEFAULT_NODE_START_TIMEOUT,
        }
    }

    pub fn state_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }
}

/// Whether a node's engine runs, as the processes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeProcesses {
    pub dockerd: Option<u32>,
    pub containerd: Option<u32>,
}

/// A local cluster, as recorded in its state directory.
#[derive(Debug, Clone)]
pub struct Cluster {
    state: ClusterState,
    state_dir: PathBuf,
}

fn check_root() -> Result<(), ClusterError> {
    // SAFETY: plain syscall.
    if unsafe { libc::geteuid() } != 0 {
        return Err(ClusterError::NotRoot);
    }
    Ok(())
}

impl Cluster {
    /// Creates the network, starts every node's daemons and forms the swarm.
    ///
    /// The name must be free: a complete cluster of that name, or one being
    /// created by a live process, is [`ClusterError::Exists`]. What a crashed
    /// create of the same name left is removed first. On failure everything
    /// made so far is removed.
    pub async fn create(opts: ClusterOptions) -> Result<Cluster, ClusterError> {
        validate_cluster_name(&opts.name)?;
        if opts.nodes == 0 || opts.managers == 0 || opts.managers > opts.nodes {
            return Err(ClusterError::InvalidShape(format!(
                "{} nodes with {} managers: a cluster needs at least one node and 1 to {} managers",
                opts.nodes,
                opts.managers,
                opts.nodes.max(1)
            )));
        }
        if opts.nodes > 32 {
            return Err(ClusterError::InvalidShape(format!(
                "{} nodes: at most 32 fit on one machine's worth of sense",
                opts.nodes
            )));
        }
        check_root()?;
        let state_dir = opts.state_dir.clone().unwrap_or_else(default_state_dir);
        std::fs::create_dir_all(&state_dir)
            .map_err(|e| ClusterError::io(format!("cannot create {}", state_dir.display()), e))?;
        let dir = cluster_dir(&state_dir, &opts.name);

        // Choosing the subnet and claiming the name happen under one lock, so
        // two concurrent creates never pick the same subnet.
        let alloc = FileLock::acquire(&state_dir.join(ALLOC_LOCK))?;
        if dir.exists() {
            if ClusterState::load(&dir.join(STATE_FILE), &opts.name).is_ok_and(|s| s.complete) {
                return Err(ClusterError::Exists { name: opts.name, dir });
            }
            let Some(lock) = FileLock::try_acquire(&dir.join(LOCK_FILE))? else {
                return Err(ClusterError::Busy {
                    name: opts.name,
                    lock: dir.join(LOCK_FILE),
                });
            };
            tracing::info!(name = %opts.name, "removing the leftovers of a create that did not finish");
            remove_locked(&state_dir, &opts.name, &lock)?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| ClusterError::io(format!("cannot create {}", dir.display()), e))?;
        let lock = FileLock::try_acquire(&dir.join(LOCK_FILE))?.ok_or_else(|| ClusterError::Busy {
            name: opts.name.clone(),
            lock: dir.join(LOCK_FILE),
        })?;
        let index = free_index(&state_dir)?;
        let state = ClusterState {
            name: opts.name.clone(),
            index,
            subnet: format!("10.217.{index}.0/24"),
            switch_netns: net::switch_netns(&opts.name),
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs(),
            complete: false,
            nodes: (1..=opts.nodes)
                .map(|i| {
                    let name = format!("n{i}");
                    NodeState {
                        hostname: format!("{}-{name}", opts.name),
                        role: if i <= opts.managers {
                            Role::Manager
                        } else {
                            Role::Worker
                        },
                        address: net::node_address(index, i),
                        netns: net::node_netns(&opts.name, &name),
                        dir: dir.join(&name),
                        name,
                    }
                })
                .collect(),
        };
        state.save(&dir.join(STATE_FILE))?;
        drop(alloc);

        let cluster = Cluster { state, state_dir };
        match cluster.bring_up(opts.start_timeout).await {
            Ok(()) => {
                drop(lock);
                Ok(cluster)
            }
            Err(e) => {
                if let Err(cleanup) = remove_locked(&cluster.state_dir, cluster.name(), &lock) {
                    tracing::warn!(error = %cleanup, "cleanup after a failed create left something");
                }
                Err(e)
            }
        }
    }

    async fn bring_up(&self, timeout: Duration) -> Result<(), ClusterError> {
        let s = &self.state;
        net::create_switch(&s.switch_netns)?;
        for (i, n) in s.nodes.iter().enumerate() {
            node::prepare_dir(n, &s.name)?;
            net::create_node(&s.switch_netns, &n.netns, &format!("vn{}", i + 1), &n.address)?;
            net::create_uts(&n.dir.join("uts"), &n.hostname)?;
            node::spawn(n, Daemon::Containerd)?;
        }
        for n in &s.nodes {
            node::wait_containerd(n, timeout).await?;
            node::spawn(n, Daemon::Dockerd)?;
        }
        for n in &s.nodes {
            node::wait_dockerd(self.name(), n, timeout).await?;
        }
        self.form_swarm().await
    }

    async fn form_swarm(&self) -> Result<(), ClusterError> {
        let first = &self.state.nodes[0];
        let e = node::engine(self.name(), first, Duration::from_secs(30));
        let init = json!({
            "ListenAddr": "0.0.0.0:2377",
            "AdvertiseAddr": format!("{}:2377", first.address),
            "DataPathAddr": first.address,
            // Heartbeats every second (the default is 5 s): a dead node is Down
            // within seconds, so fault checks need not wait for half a minute.
            "Spec": { "Dispatcher": { "HeartbeatPeriod": HEARTBEAT_PERIOD.as_nanos() as u64 } },
        });
        swarm_call(&e, first, "swarm init", Request::post("/swarm/init").json(&init)).await?;
        let swarm = swarm_call(&e, first, "swarm inspect", Request::get("/swarm")).await?;
        let token = |role: &str| swarm["JoinTokens"][role].as_str().unwrap_or_default().to_string();
        let (manager_token, worker_token) = (token("Manager"), token("Worker"));
        if manager_token.is_empty() || worker_token.is_empty() {
            return Err(ClusterError::Swarm {
                node: first.hostname.clone(),
                what: format!("GET /swarm returned no join tokens: {swarm}"),
            });
        }
        // Managers one at a time (each join changes the raft membership), then the workers.
        let managers: Vec<String> = vec![format!("{}:2377", first.address)];
        for n in self.state.nodes.iter().skip(1) {
            let token = match n.role {
                Role::Manager => &manager_token,
                Role::Worker => &worker_token,
            };
            let join = json!({
                "ListenAddr": "0.0.0.0:2377",
                "AdvertiseAddr": format!("{}:2377", n.address),
                "DataPathAddr": n.address,
                "RemoteAddrs": managers,
                "JoinToken": token,
            });
            let e = node::engine(self.name(), n, Duration::from_secs(30));
            swarm_call(&e, n, "swarm join", Request::post("/swarm/join").json(&join)).await?;
        }
        Ok(())
    }

    /// Opens an existing cluster by name.
    pub fn open(state_dir: &Path, name: &str) -> Result<Cluster, ClusterError> {
        validate_cluster_name(name)?;
        let path = cluster_dir(state_dir, name).join(STATE_FILE);
        if !path.exists() {
            return Err(ClusterError::NotFound {
                name: name.to_string(),
                state_dir: state_dir.to_path_buf(),
            });
        }
        Ok(Cluster {
            state: ClusterState::load(&path, name)?,
            state_dir: state_dir.to_path_buf(),
        })
    }

    /// The names of every cluster in the state directory (complete or not), sorted.
    pub fn names(state_dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(state_dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().join(STATE_FILE).is_file() || e.path().join(LOCK_FILE).is_file())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| validate_cluster_name(n).is_ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Stops every daemon and removes the namespaces, the bridge and the
    /// directories of cluster `name`. Fails with [`ClusterError::Busy`] while
    /// another process creates it.
    pub fn remove(state_dir: &Path, name: &str) -> Result<(), ClusterError> {
        validate_cluster_name(name)?;
        check_root()?;
        let dir = cluster_dir(state_dir, name);
        if !dir.exists() {
            return Err(ClusterError::NotFound {
                name: name.to_string(),
                state_dir: state_dir.to_path_buf(),
            });
        }
        let lock = FileLock::try_acquire(&dir.join(LOCK_FILE))?.ok_or_else(|| ClusterError::Busy {
            name: name.to_string(),
            lock: dir.join(LOCK_FILE),
        })?;
        remove_locked(state_dir, name, &lock)
    }

    pub fn name(&self) -> &str {
        &self.state.name
    }

    pub fn state(&self) -> &ClusterState {
        &self.state
    }

    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone()
    }

    /// The cluster's directory.
    pub fn dir(&self) -> PathBuf {
        cluster_dir(&self.state_dir, &self.state.name)
    }

    pub fn nodes(&self) -> &[NodeState] {
        &self.state.nodes
    }

    /// A node by name (`n2`) or host name (`<cluster>-n2`).
    pub fn node(&self, name: &str) -> Result<&NodeState, ClusterError> {
        self.state
            .nodes
            .iter()
            .find(|n| n.name == name || n.hostname == name)
            .ok_or_else(|| ClusterError::NoSuchNode {
                cluster: self.state.name.clone(),
                node: name.to_string(),
                known: self
                    .state
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The node's engine endpoint (`unix://<dir>/docker.sock`), named as
    /// this cluster's node.
    pub fn endpoint(&self, node: &NodeState) -> Endpoint {
        node::endpoint(&self.state.name, node)
    }

    /// The node's daemons that are running.
    pub fn processes(node: &NodeState) -> NodeProcesses {
        NodeProcesses {
            dockerd: node::pid_of(node, Daemon::Dockerd),
            containerd: node::pid_of(node, Daemon::Containerd),
        }
    }

    /// Marks the cluster complete: from now on its name is taken until `rm`.
    pub fn mark_complete(&self) -> Result<(), ClusterError> {
        let mut s = self.state.clone();
        s.complete = true;
        s.save(&self.dir().join(STATE_FILE))
    }

    /// Waits until the first manager lists every node as `ready` (and every
    /// manager as reachable). Returns how long it waited.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<Duration, ClusterError> {
        let started = Instant::now();
        let first = &self.state.nodes[0];
        let e = node::engine(self.name(), first, Duration::from_secs(5));
        loop {
            let last = match e.send(Request::get("/nodes")).await {
                Ok(r) if r.status.as_u16() == 200 => {
                    let nodes: Value = r.json().unwrap_or(Value::Null);
                    let list = nodes.as_array().cloned().unwrap_or_default();
                    let ready = list
                        .iter()
                        .filter(|n| {
                            n["Status"]["State"] == "ready"
                                && (n["Spec"]["Role"] != "manager" || n["ManagerStatus"]["Reachability"] == "reachable")
                        })
                        .count();
                    if ready == self.state.nodes.len() && list.len() == self.state.nodes.len() {
                        return Ok(started.elapsed());
                    }
                    format!("{ready} of {} nodes ready", self.state.nodes.len())
                }
                Ok(r) => format!("GET /nodes: status {} {}", r.status.as_u16(), r.message()),
                Err(err) => err.to_string(),
            };
            if started.elapsed() >= timeout {
                return Err(ClusterError::Swarm {
                    node: first.hostname.clone(),
                    what: format!("the swarm was not ready within {timeout:?}: {last}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops a node's dockerd gracefully (SIGTERM, [`NODE_STOP_GRACE`], then
    /// SIGKILL). Its containerd and containers keep running, as on a host
    /// whose docker service was stopped.
    pub async fn stop_node(&self, name: &str) -> Result<(), ClusterError> {
        let n = self.node(name)?;
        node::stop(n, Daemon::Dockerd, libc::SIGTERM, NODE_STOP_GRACE).await;
        Ok(())
    }

    /// SIGKILLs a node's dockerd, as a crash would.
    pub async fn kill_node(&self, name: &str) -> Result<(), ClusterError> {
        let n = self.node(name)?;
        node::stop(n, Daemon::Dockerd, libc::SIGKILL, Duration::from_secs(10)).await;
        Ok(())
    }

    /// Starts a node's dockerd again (and its containerd, if that died), and
    /// waits until it answers. A running node is left alone.
    pub async fn start_node(&self, name: &str) -> Result<(), ClusterError> {
        let n = self.node(name)?;
        if node::pid_of(n, Daemon::Containerd).is_none() {
            node::spawn(n, Daemon::Containerd)?;
            node::wait_containerd(n, DEFAULT_NODE_START_TIMEOUT).await?;
        }
        if node::pid_of(n, Daemon::Dockerd).is_none() {
            node::spawn(n, Daemon::Dockerd)?;
        }
        node::wait_dockerd(self.name(), n, DEFAULT_NODE_START_TIMEOUT).await
    }
}

async fn swarm_call(e: &Engine, n: &NodeState, what: &str, req: Request) -> Result<Value, ClusterError> {
    let r = e
        .send(req)
        .await
        .map_err(|err| ClusterError::engine(&n.hostname, what, err))?;
    if !r.status.is_success() {
        return Err(ClusterError::Swarm {
            node: n.hostname.clone(),
            what: format!("{what}: status {} {}", r.status.as_u16(), r.message()),
        });
    }
    if r.body.is_empty() {
        return Ok(Value::Null);
    }
    Ok(r.json().unwrap_or(Value::Null))
}

/// The smallest subnet index that no cluster uses and that the host has no route into.
fn free_index(state_dir: &Path) -> Result<u8, ClusterError> {
    let used: Vec<u8> = Cluster::names(state_dir)
        .iter()
        .filter_map(|n| ClusterState::load(&cluster_dir(state_dir, n).join(STATE_FILE), n).ok())
        .map(|s| s.index)
        .collect();
    let routes = net::host_routes();
    (1..=254u8)
        .find(|k| !used.contains(k) && !net::host_uses_subnet(*k, &routes))
        .ok_or(ClusterError::NoSubnet)
}

/// Removes a cluster whose lock the caller holds: every node (daemons,
/// shims, containers, mounts, namespace, directory), the switch namespace,
/// then the cluster directory. Works from the state file when there is one,
/// and from the naming scheme when there is not (a create that died early).
fn remove_locked(state_dir: &Path, name: &str, _lock: &FileLock) -> Result<(), ClusterError> {
    let dir = cluster_dir(state_dir, name);
    let nodes: Vec<NodeState> = match ClusterState::load(&dir.join(STATE_FILE), name) {
        Ok(s) => s.nodes,
        // No readable state: whatever node directories and namespaces exist.
        Err(_) => std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .map(|n| NodeState {
                        hostname: format!("{name}-{n}"),
                        role: Role::Worker,
                        address: String::new(),
                        netns: net::node_netns(name, &n),
                        dir: dir.join(&n),
                        name: n,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut problems = Vec::new();
    for n in &nodes {
        problems.extend(node::teardown(n).into_iter().map(|p| format!("{}: {p}", n.name)));
    }
    // Namespaces of nodes that never got a directory.
    let prefix = format!("{}.", net::switch_netns(name));
    for ns in netns_names().into_iter().filter(|ns| ns.starts_with(&prefix)) {
        if let Err(e) = net::delete_netns(&ns) {
            problems.push(e.to_string());
        }
    }
    if let Err(e) = net::delete_netns(&net::switch_netns(name)) {
        problems.push(e.to_string());
    }
    for m in crate::cleanup::unmount_under(&dir) {
        problems.push(format!("mount {m}"));
    }
    if dir.exists() {
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            problems.push(format!("directory {} ({e})", dir.display()));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ClusterError::Leftovers {
            name: name.to_string(),
            leftovers: problems.join(", "),
        })
    }
}

fn netns_names() -> Vec<String> {
    std::fs::read_dir(crate::netns::NETNS_DIR)
        .map(|d| d.flatten().filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names_are_checked() {
        assert!(validate_cluster_name("ci-3").is_ok());
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"x".repeat(25)] {
            let e = validate_cluster_name(bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid cluster name"), "{e}");
        }
    }

    #[test]
    fn an_empty_state_dir_has_no_clusters_and_index_1_is_free() {
        let d = tempfile::tempdir().unwrap();
        assert!(Cluster::names(d.path()).is_empty());
        let e = Cluster::open(d.path(), "nope").unwrap_err().to_string();
        assert!(e.contains("no cluster named 'nope'") && e.contains("cluster ls"), "{e}");
        // Whatever the host routes, some index is free.
        assert!(free_index(d.path()).is_ok());
    }
}
