//! `dockhand cluster ...`: local swarm clusters of private engines
//! (`dockhand_daemon::Cluster`), and what `dockhand check --cluster NAME`
//! and `--cluster-file FILE` need: the first manager's endpoint and the
//! harness's cluster handle. A local cluster and one a file describes
//! (`cluster_file.rs`) become the same [`ClusterRun`] through
//! [`cluster_run`]: nodes with endpoints, and a [`NodeControl`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockhand_daemon::{Cluster, ClusterError, ClusterOptions, NodeState, Role};
use dockhand_engine::{Deadlines, Endpoint, Engine, MIN_API_VERSION};
use dockhand_harness::interrupt::say;
use dockhand_harness::{exit, ClusterHandle, ClusterNode, ControlFuture, Interrupts, NodeControl, ProbeImage, Signal};
use serde_json::Value;

use crate::args::{
    ClusterArgs, ClusterCommand, ClusterCreateArgs, ClusterEnvArgs, ClusterLsArgs, ClusterNodeArgs, ClusterRmArgs,
};
use crate::cluster_file::{node_engine, ClusterFile, FileControl, FileNode, NodeDesc};
use crate::error::CliError;

/// How long a new cluster gets, after its daemons answer, until every node is Ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

fn state_dir(a: Option<&PathBuf>) -> PathBuf {
    a.cloned().unwrap_or_else(dockhand_daemon::default_state_dir)
}

pub async fn run(a: ClusterArgs) -> Result<i32, CliError> {
    let dir = state_dir(a.state_dir.as_ref());
    match a.command {
        ClusterCommand::Create(c) => create(dir, c).await,
        ClusterCommand::Ls(ClusterLsArgs { file: Some(f) }) => ls_file(&f).await,
        ClusterCommand::Ls(ClusterLsArgs { file: None }) => ls(dir).await,
        ClusterCommand::Env(e) => env(dir, e),
        ClusterCommand::Rm(r) => rm(dir, r),
        ClusterCommand::Stop(n) => node_op(dir, n, "stopped").await,
        ClusterCommand::Kill(n) => node_op(dir, n, "killed").await,
        ClusterCommand::Start(n) => node_op(dir, n, "started").await,
    }
}

async fn node_op(dir: PathBuf, a: ClusterNodeArgs, done: &str) -> Result<i32, CliError> {
    let cluster = Cluster::open(&dir, &a.name)?;
    let node = cluster.node(&a.node)?.name.clone();
    let started = Instant::now();
    match done {
        "stopped" => cluster.stop_node(&node).await?,
        "killed" => cluster.kill_node(&node).await?,
        _ => cluster.start_node(&node).await?,
    }
    println!(
        "{done} the engine of node {node} of cluster {} in {:.2}s",
        a.name,
        started.elapsed().as_secs_f64()
    );
    Ok(exit::SUCCESS)
}

async fn create(dir: PathBuf, a: ClusterCreateArgs) -> Result<i32, CliError> {
    let interrupts = crate::settings::take_stop_signals()?;
    let started = Instant::now();
    let opts = ClusterOptions::new(&a.name, a.nodes, a.managers).state_dir(&dir);
    let work = async {
        let cluster = Cluster::create(opts).await?;
        let swarm_after = started.elapsed();
        // From here on a failure removes the cluster again.
        let finish = async {
            load_probe(&cluster).await?;
            cluster.wait_ready(READY_TIMEOUT).await?;
            cluster.mark_complete()?;
            Ok::<(), CliError>(())
        };
        if let Err(e) = finish.await {
            if let Err(cleanup) = Cluster::remove(&dir, &a.name) {
                say(&format!("warning: {cleanup}"));
            }
            return Err(e);
        }
        Ok((cluster, swarm_after))
    };
    let (cluster, swarm_after) = tokio::select! {
        // The create first: until its first wait it only claims the name
        // (or fails because the name is taken), so once it waits, whatever
        // carries the name is this create's to remove.
        biased;
        r = work => r?,
        s = interrupts.first() => return interrupted_create(&dir, &a.name, s, &interrupts).await,
    };
    println!(
        "cluster {} ready in {:.2}s: {} nodes ({} manager{}), swarm formed after {:.2}s",
        a.name,
        started.elapsed().as_secs_f64(),
        a.nodes,
        a.managers,
        if a.managers == 1 { "" } else { "s" },
        swarm_after.as_secs_f64()
    );
    let view = swarm_view(&cluster).await;
    print_nodes(&cluster, Some(&view));
    println!("use it: eval \"$(dockhand cluster env {})\"", a.name);
    Ok(exit::SUCCESS)
}

/// A create stopped by a signal: its daemons run detached, so what it made
/// so far is removed here (the create was dropped, which released its lock).
async fn interrupted_create(dir: &Path, name: &str, s: Signal, interrupts: &Interrupts) -> Result<i32, CliError> {
    say(&format!(
        "\ninterrupted by {s}: removing what cluster {name} had so far"
    ));
    let rm = format!("`dockhand cluster rm {name}` removes what is left");
    interrupts.on_repeat(move |s| {
        say(&format!("\naborted by {s}: {rm}"));
        std::process::exit(s.exit_code());
    });
    let (dir, owned) = (dir.to_path_buf(), name.to_string());
    match tokio::task::spawn_blocking(move || Cluster::remove(&dir, &owned)).await {
        Ok(Ok(())) | Ok(Err(ClusterError::NotFound { .. })) => {
            say(&format!("cluster {name} was not created; nothing of it is left"))
        }
        Ok(Err(e)) => say(&format!(
            "warning: {e}; `dockhand cluster rm {name}` removes what is left"
        )),
        Err(e) => say(&format!(
            "warning: removing cluster {name} failed: {e}; `dockhand cluster rm {name}` removes what is left"
        )),
    }
    Ok(s.exit_code())
}

/// Loads the probe image on every node at once, through the API.
async fn load_probe(cluster: &Cluster) -> Result<(), CliError> {
    let mut set = tokio::task::JoinSet::new();
    for n in cluster.nodes() {
        let engine = setup_engine(cluster, n);
        let host = n.hostname.clone();
        set.spawn(async move {
            ProbeImage::new()
                .ensure(&engine)
                .await
                .map_err(|e| CliError::Other(anyhow::anyhow!("loading the probe image on node {host}: {e}")))
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(|e| CliError::Other(anyhow::anyhow!("loading the probe image: {e}")))??;
    }
    Ok(())
}

fn setup_engine(cluster: &Cluster, n: &NodeState) -> Engine {
    Engine::with_version(
        cluster.endpoint(n),
        Deadlines {
            call: Duration::from_secs(30),
            stream_idle: Duration::from_secs(30),
        },
        MIN_API_VERSION,
    )
}

/// What the nodes look like from the first manager that answers: host name ->
/// (state, availability, manager status).
async fn swarm_view(cluster: &Cluster) -> std::collections::HashMap<String, (String, String, String)> {
    let mut out = std::collections::HashMap::new();
    for n in cluster.nodes().iter().filter(|n| n.role == Role::Manager) {
        if Cluster::processes(n).dockerd.is_none() {
            continue;
        }
        let e = Engine::with_version(
            cluster.endpoint(n),
            Deadlines {
                call: Duration::from_secs(3),
                stream_idle: Duration::from_secs(3),
            },
            MIN_API_VERSION,
        );
        let Ok(r) = e.send(dockhand_engine::Request::get("/nodes")).await else {
            continue;
        };
        if r.status.as_u16() != 200 {
            continue;
        }
        let nodes: Vec<Value> = r.json().unwrap_or_default();
        for v in nodes {
            let s = |p: &Value| p.as_str().unwrap_or("-").to_string();
            let manager = if v["ManagerStatus"]["Leader"] == true {
                "leader".to_string()
            } else {
                s(&v["ManagerStatus"]["Reachability"])
            };
            out.insert(
                s(&v["Description"]["Hostname"]),
                (s(&v["Status"]["State"]), s(&v["Spec"]["Availability"]), manager),
            );
        }
        break;
    }
    out
}

fn print_nodes(cluster: &Cluster, view: Option<&std::collections::HashMap<String, (String, String, String)>>) {
    for n in cluster.nodes() {
        let procs = Cluster::processes(n);
        let status = match (procs.dockerd, view.and_then(|v| v.get(&n.hostname))) {
            (None, _) => "engine stopped".to_string(),
            (Some(_), Some((state, avail, mgr))) if n.role == Role::Manager => format!("{state}, {avail}, {mgr}"),
            (Some(_), Some((state, avail, _))) => format!("{state}, {avail}"),
            (Some(_), None) if view.is_some() => "engine running, not in the swarm's node list".to_string(),
            (Some(_), None) => "engine running".to_string(),
        };
        println!(
            "  {:<4} {:<20} {:<8} {:<13} {:<34} unix://{}",
            n.name,
            n.hostname,
            n.role.to_string(),
            n.address,
            status,
            n.socket().display()
        );
    }
}

async fn ls(dir: PathBuf) -> Result<i32, CliError> {
    let names = Cluster::names(&dir);
    if names.is_empty() {
        println!(
            "no clusters in {}; `dockhand cluster create NAME` makes one",
            dir.display()
        );
        return Ok(exit::SUCCESS);
    }
    for name in names {
        match Cluster::open(&dir, &name) {
            Ok(c) => {
                let s = c.state();
                let managers = s.nodes.iter().filter(|n| n.role == Role::Manager).count();
                let note = if s.complete {
                    ""
                } else {
                    " [incomplete: being created, or its create failed; `dockhand cluster rm` removes it]"
                };
                println!(
                    "{name}: {} nodes ({managers} managers), subnet {}{note}",
                    s.nodes.len(),
                    s.subnet
                );
                let view = swarm_view(&c).await;
                print_nodes(&c, Some(&view));
            }
            Err(e) => println!("{name}: {e}"),
        }
    }
    Ok(exit::SUCCESS)
}

fn env(dir: PathBuf, a: ClusterEnvArgs) -> Result<i32, CliError> {
    let cluster = Cluster::open(&dir, &a.name)?;
    let node = match &a.node {
        Some(n) => cluster.node(n)?,
        None => &cluster.nodes()[0],
    };
    println!("export DOCKER_HOST=unix://{}", node.socket().display());
    Ok(exit::SUCCESS)
}

fn rm(dir: PathBuf, a: ClusterRmArgs) -> Result<i32, CliError> {
    let names = if a.all { Cluster::names(&dir) } else { a.names };
    let mut failed = None;
    for name in names {
        let started = Instant::now();
        match Cluster::remove(&dir, &name) {
            Ok(()) => println!("removed cluster {name} in {:.2}s", started.elapsed().as_secs_f64()),
            Err(e) => {
                eprintln!("error: {e}");
                failed.get_or_insert(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(exit::SUCCESS),
    }
}

/// The cluster a check run uses: the first node's endpoint (named as the
/// cluster's node, from `--cluster` or `--cluster-file`) and the handle.
pub struct ClusterRun {
    pub endpoint: Endpoint,
    pub handle: Arc<ClusterHandle>,
}

/// The one path from a cluster's description to the run's cluster, for
/// local clusters and described ones alike: each node's host name (its
/// swarm node's `Description.Hostname`, which checks match nodes by) and
/// address, when not given, come from its engine's `/info`.
pub async fn cluster_run(
    name: &str,
    nodes: Vec<NodeDesc>,
    control: Arc<dyn NodeControl>,
) -> Result<ClusterRun, CliError> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        let (hostname, address) = match (n.hostname, n.address) {
            (Some(h), Some(a)) => (h, a),
            (h, a) => {
                let info = node_info(&n.endpoint).await?;
                let said = |p: &str| info.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
                (
                    h.unwrap_or_else(|| said("/Name")),
                    a.unwrap_or_else(|| said("/Swarm/NodeAddr")),
                )
            }
        };
        out.push(ClusterNode {
            name: n.name,
            hostname,
            manager: n.manager,
            address,
            endpoint: n.endpoint,
        });
    }
    let endpoint = out[0].endpoint.clone();
    Ok(ClusterRun {
        endpoint,
        handle: Arc::new(ClusterHandle::new(name, out, control)),
    })
}

/// A node's `/info`, under a short deadline.
async fn node_info(endpoint: &Endpoint) -> Result<Value, CliError> {
    let e = node_engine(endpoint, Duration::from_secs(10));
    let r = e.send(dockhand_engine::Request::get("/info")).await?.ok()?;
    Ok(r.json()?)
}

/// Opens cluster `name` for `dockhand check --cluster NAME`.
pub async fn for_check(name: &str) -> Result<ClusterRun, CliError> {
    let dir = state_dir(std::env::var_os("DOCKHAND_CLUSTER_DIR").map(PathBuf::from).as_ref());
    let cluster = Cluster::open(&dir, name)?;
    if !cluster.state().complete {
        return Err(CliError::Usage(format!(
            "cluster {name} is incomplete (being created, or its create failed): wait for it, or remove it with `dockhand cluster rm {name}`"
        )));
    }
    let nodes = cluster
        .nodes()
        .iter()
        .map(|n| NodeDesc {
            name: n.name.clone(),
            endpoint: cluster.endpoint(n),
            manager: n.role == Role::Manager,
            hostname: Some(n.hostname.clone()),
            address: Some(n.address.clone()),
        })
        .collect();
    cluster_run(name, nodes, Arc::new(Control(cluster))).await
}

/// Opens the cluster `file` describes, for `dockhand check --cluster-file FILE`.
pub async fn for_check_file(file: &Path) -> Result<ClusterRun, CliError> {
    let f = ClusterFile::load(file)?;
    let nodes = f.nodes.iter().map(|n| n.node.clone()).collect();
    let name = f.name.clone();
    cluster_run(&name, nodes, Arc::new(FileControl::new(f))).await
}

/// `dockhand cluster ls --file FILE`: what the file describes, and what each
/// node's engine says of itself now.
async fn ls_file(file: &Path) -> Result<i32, CliError> {
    let f = ClusterFile::load(file)?;
    let managers = f.nodes.iter().filter(|n| n.node.manager).count();
    println!(
        "{} (from {}): {} nodes ({managers} manager{})",
        f.name,
        f.path.display(),
        f.nodes.len(),
        if managers == 1 { "" } else { "s" }
    );
    for FileNode {
        node: n,
        control: c,
        context,
    } in &f.nodes
    {
        let control: Vec<&str> = [("stop", &c.stop), ("kill", &c.kill), ("start", &c.start)]
            .into_iter()
            .filter(|(_, cmd)| cmd.is_some())
            .map(|(k, _)| k)
            .collect();
        let status = match node_info(&n.endpoint).await {
            Ok(info) => {
                let said = |p: &str| info.pointer(p).and_then(Value::as_str).unwrap_or("-").to_string();
                format!(
                    "{}, swarm {}, {}",
                    said("/Name"),
                    said("/Swarm/LocalNodeState"),
                    said("/ServerVersion")
                )
            }
            Err(e) => format!("unreachable: {e}"),
        };
        println!(
            "  {:<8} {:<8} {:<40} control: {:<16} {status}",
            n.name,
            if n.manager { "manager" } else { "worker" },
            match context {
                Some(c) => format!("{} (context {c})", n.endpoint.address),
                None => n.endpoint.address.to_string(),
            },
            if control.is_empty() {
                "none".to_string()
            } else {
                control.join(",")
            },
        );
    }
    if let Some(why) = f.control_missing() {
        println!("checks that take nodes down will skip: {why}");
    }
    Ok(exit::SUCCESS)
}

/// Node control for checks, on the cluster's daemons.
struct Control(Cluster);

impl NodeControl for Control {
    fn stop<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move { self.0.stop_node(node).await.map_err(|e| e.to_string()) })
    }

    fn kill<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move { self.0.kill_node(node).await.map_err(|e| e.to_string()) })
    }

    fn start<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move { self.0.start_node(node).await.map_err(|e| e.to_string()) })
    }
}

impl From<ClusterError> for CliError {
    fn from(e: ClusterError) -> Self {
        match e {
            ClusterError::InvalidName { .. }
            | ClusterError::InvalidShape(_)
            | ClusterError::Exists { .. }
            | ClusterError::NotFound { .. }
            | ClusterError::NoSuchNode { .. } => CliError::Usage(e.to_string()),
            other => CliError::Other(anyhow::anyhow!("{other}")),
        }
    }
}
