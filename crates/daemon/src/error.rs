//! [`DaemonError`]: why a private engine could not be started, driven or cleaned up.
//!
//! Every message says what to do next, because the person reading it is usually
//! looking at a failed test, not at this crate.

use std::path::PathBuf;

/// A failure of a private engine.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// A program the private engine needs is not installed.
    #[error("{program} not found in PATH: {hint}")]
    NotInstalled { program: &'static str, hint: &'static str },

    /// Network namespaces and dockerd need root.
    #[error("private engines need root (to create network namespaces and run dockerd): run as root, e.g. `sudo -E cargo test`")]
    NotRoot,

    /// The name cannot be used in paths and the netns name.
    #[error("invalid private engine name '{name}': {reason}")]
    InvalidName { name: String, reason: String },

    /// Another live private engine, maybe in another process, has this name.
    #[error("a private engine named '{name}' is already running (its lock {} is held): pick another name, or stop that engine", lock.display())]
    NameInUse { name: String, lock: PathBuf },

    /// `ip netns` failed.
    #[error("network namespace {netns}: `{command}` failed: {detail}; check that `ip netns add` works here (root, iproute2, a kernel with network namespaces)")]
    Netns {
        netns: String,
        command: String,
        detail: String,
    },

    /// A file system or process operation failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    /// The daemon (dockerd or containerd) exited before it was ready. (The log
    /// path names the engine.)
    #[error("{program} exited during start-up with {status}; its log {} ends with:\n{tail}", log.display())]
    ExitedEarly {
        program: &'static str,
        status: String,
        log: PathBuf,
        tail: String,
    },

    /// The daemon did not become ready within the start timeout.
    #[error("{program} was not ready within {waited:?} ({what}); raise the start timeout or read its log {}, which ends with:\n{tail}", log.display())]
    StartTimeout {
        program: &'static str,
        what: String,
        waited: std::time::Duration,
        log: PathBuf,
        tail: String,
    },

    /// The operation needs a running dockerd.
    #[error("dockerd of private engine '{name}' is not running: start it again with `restart`")]
    NotRunning { name: String },

    /// An operation on a started engine failed; the daemon's log tail says why
    /// (a dockerd that died, refused a signal, or would not stop).
    #[error("{source}; dockerd's log {} ends with:\n{tail}", log.display())]
    WithLog {
        #[source]
        source: Box<DaemonError>,
        log: PathBuf,
        tail: String,
    },

    /// Tearing the engine down left something behind.
    #[error(
        "cleanup of private engine '{name}' left {leftovers}; remove it by hand or call dockhand_daemon::sweep_stale()"
    )]
    Cleanup { name: String, leftovers: String },
}

impl DaemonError {
    /// The error itself, without the log tail of [`DaemonError::WithLog`].
    pub fn root(&self) -> &DaemonError {
        match self {
            DaemonError::WithLog { source, .. } => source.root(),
            other => other,
        }
    }

    /// True when the error already quotes a daemon log.
    pub fn has_log_tail(&self) -> bool {
        matches!(
            self,
            DaemonError::WithLog { .. } | DaemonError::ExitedEarly { .. } | DaemonError::StartTimeout { .. }
        )
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        DaemonError::Io {
            what: what.into(),
            source,
        }
    }
}

/// A failed file operation, with what was being done; converts into the
/// engine's and the cluster's error types. (Here, below both, so that the
/// state-directory code in `layout` can return it to either.)
#[derive(Debug)]
pub(crate) struct IoFailure {
    pub what: String,
    pub source: std::io::Error,
}

/// Wraps an `io::Error` as an [`IoFailure`] that says what was being done.
pub(crate) fn failure(what: String) -> impl FnOnce(std::io::Error) -> IoFailure {
    move |source| IoFailure { what, source }
}

impl From<IoFailure> for DaemonError {
    fn from(f: IoFailure) -> Self {
        DaemonError::io(f.what, f.source)
    }
}
