//! [`ClusterError`]: why a local cluster could not be created, driven or removed.

use std::path::PathBuf;

use dockhand_engine::EngineError;

use crate::error::DaemonError;

/// A failure of a local cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The name cannot be used.
    #[error("invalid cluster name '{name}': {reason}")]
    InvalidName { name: String, reason: String },

    /// Namespaces and dockerd need root.
    #[error("local clusters need root (to create network namespaces and run dockerd): run as root, e.g. `sudo dockhand cluster ...`")]
    NotRoot,

    /// Bad node counts.
    #[error("invalid cluster shape: {0}")]
    InvalidShape(String),

    /// A cluster of this name exists (complete, or being created right now).
    #[error("a cluster named '{name}' already exists ({}): pick another name, or remove it with `dockhand cluster rm {name}`", dir.display())]
    Exists { name: String, dir: PathBuf },

    /// No cluster of this name.
    #[error("no cluster named '{name}' in {}: `dockhand cluster ls` lists the clusters", state_dir.display())]
    NotFound { name: String, state_dir: PathBuf },

    /// Another dockhand is creating or removing this cluster.
    #[error("cluster '{name}' is being created or removed by another process (its lock {} is held): wait for it to finish", lock.display())]
    Busy { name: String, lock: PathBuf },

    /// No node of this name in the cluster.
    #[error("cluster '{cluster}' has no node '{node}'; its nodes are {known}")]
    NoSuchNode {
        cluster: String,
        node: String,
        known: String,
    },

    /// All 254 subnets are taken.
    #[error("no free subnet 10.217.<k>.0/24 is left for another cluster: remove one with `dockhand cluster rm`")]
    NoSubnet,

    /// The cluster's state file is unreadable.
    #[error("the state of cluster '{name}' ({}) is unreadable: {detail}; remove the cluster with `dockhand cluster rm {name}`", path.display())]
    BadState {
        name: String,
        path: PathBuf,
        detail: String,
    },

    /// A network command failed.
    #[error(
        "`{command}` failed: {detail}; check that `ip netns add` and veth/bridge links work here (root, iproute2)"
    )]
    Net { command: String, detail: String },

    /// A daemon of a node failed (start, stop, teardown).
    #[error("node {node}: {source}")]
    Daemon {
        node: String,
        #[source]
        source: Box<DaemonError>,
    },

    /// An engine call of the set-up failed.
    #[error("node {node}: {what}: {source}")]
    Engine {
        node: String,
        what: String,
        #[source]
        source: Box<EngineError>,
    },

    /// Swarm set-up or a wait did not work out.
    #[error("node {node}: {what}")]
    Swarm { node: String, what: String },

    /// A file system or process operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// Removal left something behind.
    #[error("removing cluster '{name}' left {leftovers}; remove them by hand (`ip netns`, `ps`, `umount`)")]
    Leftovers { name: String, leftovers: String },
}

impl ClusterError {
    pub(crate) fn daemon(node: &str, source: DaemonError) -> Self {
        ClusterError::Daemon {
            node: node.to_string(),
            source: Box::new(source),
        }
    }

    pub(crate) fn engine(node: &str, what: impl Into<String>, source: EngineError) -> Self {
        ClusterError::Engine {
            node: node.to_string(),
            what: what.into(),
            source: Box::new(source),
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ClusterError::Io {
            what: what.into(),
            source,
        }
    }
}

impl From<crate::error::IoFailure> for ClusterError {
    fn from(f: crate::error::IoFailure) -> Self {
        ClusterError::io(f.what, f.source)
    }
}
