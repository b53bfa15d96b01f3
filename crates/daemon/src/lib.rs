//! dockhand-daemon: private, throwaway Docker engines.
//!
//! [`PrivateEngine`] runs a dockerd (with its own containerd) in its own network
//! namespace and state directory, so a test can stop, kill, freeze, thaw and
//! restart it without touching the machine's own engine. Everything it starts
//! is removed when it is shut down or dropped, also when a test panics; what a
//! crashed run leaves is removed by [`sweep_stale`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), dockhand_daemon::DaemonError> {
//! use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
//! let mut engine = PrivateEngine::start(PrivateEngineOptions::new("demo")).await?;
//! let endpoint = engine.endpoint(); // unix://<dir>/docker.sock
//! engine.freeze()?;
//! engine.thaw()?;
//! engine.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! With [`EngineKind::Podman`] the engine is `podman system service` instead,
//! with its root, runroot, tmpdir, socket and configuration in the state
//! directory (see the `podman` module): the machine's own Podman storage is
//! never touched.
//!
//! [`Cluster`] runs several such engines, detached, as the nodes of one swarm
//! (see [`cluster`]).
//!
//! [`process`] is where every process helper lives (own-session spawn,
//! `/proc/<pid>/stat`, pid liveness, signals), for this crate and the CLI.
//!
//! Needs root, `dockerd`, `containerd`, `nsenter`, `unshare` and `ip`.

mod cleanup;
pub mod cluster;
mod engine;
mod error;
mod layout;
mod lock;
mod netns;
mod podman;
pub mod process;
mod sweep;

pub use cluster::{
    default_state_dir, validate_cluster_name, Cluster, ClusterError, ClusterOptions, ClusterState, NodeProcesses,
    NodeState, Role,
};
pub use engine::{
    default_base_dir, validate_name, EngineKind, PrivateEngine, PrivateEngineOptions, DEFAULT_START_TIMEOUT,
    DEFAULT_STOP_GRACE,
};
pub use error::DaemonError;
pub use lock::LOCK_DIR;
pub use netns::{netns_name, NETNS_DIR, NETNS_PREFIX};
pub use sweep::{is_alive, sweep_one, sweep_stale, sweep_stale_in, SweepReport};
