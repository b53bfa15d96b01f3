//! [`ClusterHandle`]: the local cluster a run has (`dockhand check --cluster
//! NAME`), and [`ClusterCtx`], a check's view of it through
//! [`Ctx::cluster`](crate::Ctx::cluster).
//!
//! The harness knows nothing about how nodes run: the binary gives it each
//! node's name, address and engine endpoint, and a [`NodeControl`] that stops,
//! kills and starts a node's engine. A check reaches every node's engine
//! (with its calls in the check's transcript) and may take nodes down.
//!
//! Checks that take nodes down or drain them change what every other swarm
//! check sees (where tasks go, whether the run's engine answers), so they run
//! alone: such a check takes [`ClusterCtx::exclusive`] first, and every other
//! cluster check [`ClusterCtx::shared`]. The runner holds what a check took
//! until the check's cleanup and leak accounting are done.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use dockhand_engine::{ApiVersion, CallObserver, Deadlines, Endpoint, Engine};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::failure::CheckError;

/// What a [`NodeControl`] call returns: an error message for the check's report.
pub type ControlFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Takes a node's engine down and brings it back. Implemented by the binary.
pub trait NodeControl: Send + Sync {
    /// Stops the node's engine gracefully (as `systemctl stop docker` would).
    fn stop<'a>(&'a self, node: &'a str) -> ControlFuture<'a>;
    /// Kills the node's engine (SIGKILL), as a crash would.
    fn kill<'a>(&'a self, node: &'a str) -> ControlFuture<'a>;
    /// Starts the node's engine again and returns once it answers.
    fn start<'a>(&'a self, node: &'a str) -> ControlFuture<'a>;
    /// Why nodes cannot be taken down and brought back, when they cannot
    /// (a cluster file without stop, kill and start commands for every
    /// node): checks that need it skip with this reason.
    fn missing(&self) -> Option<String> {
        None
    }
}

/// One node of the cluster.
#[derive(Debug, Clone)]
pub struct ClusterNode {
    /// Short name, e.g. `n2`.
    pub name: String,
    /// Its host name, which is its swarm node's `Description.Hostname`.
    pub hostname: String,
    /// Whether it joined as a manager.
    pub manager: bool,
    /// Its address on the cluster's network.
    pub address: String,
    pub endpoint: Endpoint,
}

/// The run's cluster. The run's own engine is the first node.
pub struct ClusterHandle {
    name: String,
    nodes: Vec<ClusterNode>,
    control: Arc<dyn NodeControl>,
    gate: Arc<RwLock<()>>,
    /// Set while a check has the run's own engine (the first node) down on
    /// purpose: the runner's liveness ping must not take that for an outage.
    own_engine_down: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for ClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterHandle")
            .field("name", &self.name)
            .field("nodes", &self.nodes)
            .finish()
    }
}

impl ClusterHandle {
    pub fn new(name: impl Into<String>, nodes: Vec<ClusterNode>, control: Arc<dyn NodeControl>) -> Self {
        ClusterHandle {
            name: name.into(),
            nodes,
            control,
            gate: Arc::new(RwLock::new(())),
            own_engine_down: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Whether a check has stopped or killed the run's own engine (the first
    /// node) and not started it again.
    pub fn own_engine_down(&self) -> bool {
        self.own_engine_down.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn mark_down(&self, node: &str, down: bool) {
        if self.nodes.first().is_some_and(|n| n.name == node) {
            self.own_engine_down.store(down, std::sync::atomic::Ordering::SeqCst);
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn nodes(&self) -> &[ClusterNode] {
        &self.nodes
    }
}

/// A share of the cluster gate, held for a check until its cleanup is done.
pub(crate) enum GateGuard {
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    Exclusive(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

/// A check's view of the run's cluster: node engines that record into the
/// check's transcript, node control, and the gate between disruptive checks
/// and the rest.
#[derive(Clone)]
pub struct ClusterCtx {
    pub(crate) handle: Arc<ClusterHandle>,
    pub(crate) observer: Arc<dyn CallObserver>,
    pub(crate) deadlines: Deadlines,
    pub(crate) version: ApiVersion,
    /// Where the check's share of the gate is kept (the runner drops it after cleanup).
    pub(crate) held: Arc<Mutex<Option<GateGuard>>>,
}

impl ClusterCtx {
    pub fn name(&self) -> &str {
        &self.handle.name
    }

    pub fn nodes(&self) -> &[ClusterNode] {
        &self.handle.nodes
    }

    /// The node with this name or host name.
    pub fn node(&self, name: &str) -> Option<&ClusterNode> {
        self.handle.nodes.iter().find(|n| n.name == name || n.hostname == name)
    }

    /// The node's engine, speaking the run's API version, its calls recorded
    /// in the check's transcript.
    pub fn engine(&self, node: &ClusterNode) -> Engine {
        Engine::with_version(node.endpoint.clone(), self.deadlines, self.version).with_observer(self.observer.clone())
    }

    /// Why this cluster's nodes cannot be taken down, when they cannot: a
    /// check that needs to skips with it (before it changes anything).
    pub fn control_missing(&self) -> Option<String> {
        self.handle.control.missing()
    }

    /// Stops the node's engine gracefully.
    pub async fn stop(&self, node: &ClusterNode) -> Result<(), CheckError> {
        self.handle.mark_down(&node.name, true);
        self.handle
            .control
            .stop(&node.name)
            .await
            .map_err(|e| CheckError::Broken(format!("cannot stop the engine of node {}: {e}", node.hostname)))
    }

    /// Kills the node's engine (SIGKILL).
    pub async fn kill(&self, node: &ClusterNode) -> Result<(), CheckError> {
        self.handle.mark_down(&node.name, true);
        self.handle
            .control
            .kill(&node.name)
            .await
            .map_err(|e| CheckError::Broken(format!("cannot kill the engine of node {}: {e}", node.hostname)))
    }

    /// Starts the node's engine again; returns once it answers.
    pub async fn start(&self, node: &ClusterNode) -> Result<(), CheckError> {
        self.handle
            .control
            .start(&node.name)
            .await
            .map_err(|e| CheckError::Broken(format!("cannot start the engine of node {}: {e}", node.hostname)))?;
        self.handle.mark_down(&node.name, false);
        Ok(())
    }

    /// Taken by checks that leave the cluster as they found it: they run
    /// alongside each other, never alongside an [`exclusive`](Self::exclusive)
    /// one. Held until the check's cleanup is done; a second call does nothing.
    pub async fn shared(&self) {
        if self.holds() {
            return;
        }
        let g = self.handle.gate.clone().read_owned().await;
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(GateGuard::Shared(g));
    }

    /// Taken by checks that take nodes down, drain them or change the swarm:
    /// no other cluster check runs meanwhile, nor cleans up. Held until the
    /// check's cleanup is done. Take it before [`shared`](Self::shared), not after.
    pub async fn exclusive(&self) {
        if self.holds() {
            return;
        }
        let g = self.handle.gate.clone().write_owned().await;
        *self.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(GateGuard::Exclusive(g));
    }

    fn holds(&self) -> bool {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}
