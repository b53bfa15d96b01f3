//! `dockhand cluster ...`: local swarm clusters of private engines
//! (`dockhand_daemon::Cluster`), and what `dockhand check --cluster NAME`
//! needs: the first manager's endpoint and the harness's cluster handle.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use dockhand_daemon::{Cluster, ClusterError, ClusterOptions, NodeState, Role};
use dockhand_engine::{Deadlines, Engine, MIN_API_VERSION};
use dockhand_harness::{exit, ClusterHandle, ClusterNode, ControlFuture, NodeControl, ProbeImage};
use serde_json::Value;

use crate::error::CliError;

/// How long a new cluster gets, after its daemons answer, until every node is Ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Where clusters keep their state (default: /run/dockhand/clusters).
    #[arg(long, global = true, value_name = "DIR", env = "DOCKHAND_CLUSTER_DIR")]
    pub state_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ClusterCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Create a local swarm: N private engines, each in its own namespaces, on one bridge.
    Create(CreateArgs),
    /// List the clusters, their nodes, roles, status and sockets.
    Ls,
    /// Print `export DOCKER_HOST=...` for a node (the first manager by default).
    Env(EnvArgs),
    /// Stop a cluster's daemons and remove its namespaces, bridge and directories.
    Rm(RmArgs),
    /// Stop a node's engine gracefully (its containers keep running under containerd).
    Stop(NodeArgs),
    /// Kill a node's engine (SIGKILL), as a crash would.
    Kill(NodeArgs),
    /// Start a node's engine again and wait until it answers.
    Start(NodeArgs),
}

#[derive(Debug, Args)]
pub struct NodeArgs {
    pub name: String,
    /// The node: n1, n2, ... or its host name.
    pub node: String,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Cluster name: lowercase letters, digits and '-'.
    pub name: String,
    /// Number of nodes, managers included.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub nodes: usize,
    /// Number of managers (the first nodes); the rest are workers.
    #[arg(long, default_value_t = 1, value_name = "M")]
    pub managers: usize,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    pub name: String,
    /// The node: n1, n2, ... or its host name.
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["names", "all"])))]
pub struct RmArgs {
    /// Clusters to remove.
    pub names: Vec<String>,
    /// Remove every cluster.
    #[arg(long)]
    pub all: bool,
}

fn state_dir(a: Option<&PathBuf>) -> PathBuf {
    a.cloned().unwrap_or_else(dockhand_daemon::default_state_dir)
}

pub async fn run(a: ClusterArgs) -> Result<i32, CliError> {
    let dir = state_dir(a.state_dir.as_ref());
    match a.command {
        ClusterCommand::Create(c) => create(dir, c).await,
        ClusterCommand::Ls => ls(dir).await,
        ClusterCommand::Env(e) => env(dir, e),
        ClusterCommand::Rm(r) => rm(dir, r),
        ClusterCommand::Stop(n) => node_op(dir, n, "stopped").await,
        ClusterCommand::Kill(n) => node_op(dir, n, "killed").await,
        ClusterCommand::Start(n) => node_op(dir, n, "started").await,
    }
}

async fn node_op(dir: PathBuf, a: NodeArgs, done: &str) -> Result<i32, CliError> {
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

async fn create(dir: PathBuf, a: CreateArgs) -> Result<i32, CliError> {
    let started = Instant::now();
    let opts = ClusterOptions::new(&a.name, a.nodes, a.managers).state_dir(&dir);
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
            eprintln!("warning: {cleanup}");
        }
        return Err(e);
    }
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

/// Loads the probe image on every node at once, through the API.
async fn load_probe(cluster: &Cluster) -> Result<(), CliError> {
    let mut set = tokio::task::JoinSet::new();
    for n in cluster.nodes() {
        let engine = setup_engine(n);
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

fn setup_engine(n: &NodeState) -> Engine {
    Engine::with_version(
        Cluster::endpoint(n),
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
            Cluster::endpoint(n),
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

fn env(dir: PathBuf, a: EnvArgs) -> Result<i32, CliError> {
    let cluster = Cluster::open(&dir, &a.name)?;
    let node = match &a.node {
        Some(n) => cluster.node(n)?,
        None => &cluster.nodes()[0],
    };
    println!("export DOCKER_HOST=unix://{}", node.socket().display());
    Ok(exit::SUCCESS)
}

fn rm(dir: PathBuf, a: RmArgs) -> Result<i32, CliError> {
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

/// The cluster a check run uses: the first node's endpoint (as `--host`) and the handle.
pub struct ClusterRun {
    pub host: String,
    pub handle: Arc<ClusterHandle>,
}

/// Opens cluster `name` for `dockhand check --cluster NAME`.
pub fn for_check(name: &str) -> Result<ClusterRun, CliError> {
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
        .map(|n| ClusterNode {
            name: n.name.clone(),
            hostname: n.hostname.clone(),
            manager: n.role == Role::Manager,
            address: n.address.clone(),
            endpoint: Cluster::endpoint(n),
        })
        .collect();
    let host = format!("unix://{}", cluster.nodes()[0].socket().display());
    let handle = ClusterHandle::new(name, nodes, Arc::new(Control(cluster)));
    Ok(ClusterRun {
        host,
        handle: Arc::new(handle),
    })
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
