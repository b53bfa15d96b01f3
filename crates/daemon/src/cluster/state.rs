//! The cluster's state file, `<state-dir>/<name>/cluster.json`, and the locks
//! that keep two dockhand processes from creating or removing the same cluster.
//!
//! The state file is written before anything is created, with `complete:
//! false`, so that a create that crashed leaves a record of what to sweep;
//! the create marks it complete at the end.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::ClusterError;

/// The state file's name in a cluster's directory.
pub(crate) const STATE_FILE: &str = "cluster.json";
/// Held while a cluster is created or removed.
pub(crate) const LOCK_FILE: &str = ".lock";
/// Held while a subnet index is chosen (in the state directory).
pub(crate) const ALLOC_LOCK: &str = ".alloc.lock";

/// A node's role in the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    Worker,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Manager => "manager",
            Role::Worker => "worker",
        })
    }
}

/// One node as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeState {
    /// `n1`, `n2`, ... (`n1` is the first manager, which initialised the swarm).
    pub name: String,
    /// Its host name (and swarm node name): `<cluster>-<name>`.
    pub hostname: String,
    pub role: Role,
    /// Its address on the cluster's bridge.
    pub address: String,
    /// Its network namespace (`ip netns`).
    pub netns: String,
    /// Its state directory (sockets, data-root, logs).
    pub dir: PathBuf,
}

impl NodeState {
    pub fn socket(&self) -> PathBuf {
        self.dir.join("docker.sock")
    }
}

/// A cluster as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    pub name: String,
    /// The subnet index k: nodes live in 10.217.k.0/24.
    pub index: u8,
    pub subnet: String,
    /// The namespace holding the cluster's bridge.
    pub switch_netns: String,
    /// Unix seconds.
    pub created: u64,
    /// Set once every node was Ready; a cluster that is not complete and not
    /// locked is the leftover of a crashed create.
    pub complete: bool,
    pub nodes: Vec<NodeState>,
}

impl ClusterState {
    pub(crate) fn load(path: &Path, name: &str) -> Result<ClusterState, ClusterError> {
        let bad = |detail: String| ClusterError::BadState {
            name: name.to_string(),
            path: path.to_path_buf(),
            detail,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
    }

    /// Writes the state atomically (temporary file, then rename).
    pub(crate) fn save(&self, path: &Path) -> Result<(), ClusterError> {
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("cluster state serialises");
        std::fs::write(&tmp, text + "\n")
            .map_err(|e| ClusterError::io(format!("cannot write {}", tmp.display()), e))?;
        std::fs::rename(&tmp, path).map_err(|e| ClusterError::io(format!("cannot write {}", path.display()), e))
    }
}

/// An exclusive `flock`, released when dropped (or when the process dies).
#[derive(Debug)]
pub(crate) struct FileLock {
    _file: File,
}

impl FileLock {
    /// Takes the lock; `Ok(None)` when another process holds it.
    pub(crate) fn try_acquire(path: &Path) -> Result<Option<FileLock>, ClusterError> {
        Self::acquire_with(path, libc::LOCK_EX | libc::LOCK_NB)
    }

    /// Takes the lock, waiting for it.
    pub(crate) fn acquire(path: &Path) -> Result<FileLock, ClusterError> {
        Ok(Self::acquire_with(path, libc::LOCK_EX)?.expect("a blocking flock returns only once taken"))
    }

    fn acquire_with(path: &Path, op: libc::c_int) -> Result<Option<FileLock>, ClusterError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| ClusterError::io(format!("cannot open {}", path.display()), e))?;
        // SAFETY: plain syscall on an fd we own.
        if unsafe { libc::flock(file.as_raw_fd(), op) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Ok(None);
            }
            return Err(ClusterError::io(format!("cannot lock {}", path.display()), err));
        }
        Ok(Some(FileLock { _file: file }))
    }
}

/// `<state_dir>/<name>`.
pub(crate) fn cluster_dir(state_dir: &Path, name: &str) -> PathBuf {
    state_dir.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let s = ClusterState {
            name: "c".into(),
            index: 3,
            subnet: "10.217.3.0/24".into(),
            switch_netns: "dhcluster-c".into(),
            created: 1,
            complete: false,
            nodes: vec![NodeState {
                name: "n1".into(),
                hostname: "c-n1".into(),
                role: Role::Manager,
                address: "10.217.3.2".into(),
                netns: "dhcluster-c-n1".into(),
                dir: "/run/x/c/n1".into(),
            }],
        };
        let p = dir.path().join(STATE_FILE);
        s.save(&p).unwrap();
        assert_eq!(ClusterState::load(&p, "c").unwrap(), s);
        std::fs::write(&p, "{").unwrap();
        let e = ClusterState::load(&p, "c").unwrap_err().to_string();
        assert!(
            e.contains("is unreadable") && e.contains("dockhand cluster rm c"),
            "{e}"
        );
    }

    #[test]
    fn a_held_lock_is_reported_as_held() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(LOCK_FILE);
        let held = FileLock::try_acquire(&p).unwrap();
        assert!(held.is_some());
        // flock locks belong to open file descriptions: a second open conflicts.
        assert!(FileLock::try_acquire(&p).unwrap().is_none());
        drop(held);
        assert!(FileLock::try_acquire(&p).unwrap().is_some());
    }
}
