//! Named network namespaces (`ip netns`), one per private engine.
//!
//! The engine gets its own namespace so that its `docker0`, its iptables rules
//! and its published ports never meet the host's. Processes enter it with
//! `nsenter --net=/run/netns/<name>`, never `ip netns exec`: the latter also
//! unshares the mount namespace and remounts `/sys`, which dockerd cannot live
//! with (its mounts would vanish from the host's view, and cgroup paths break).

use std::path::PathBuf;
use std::process::Command;

use crate::error::DaemonError;

/// Where `ip netns` keeps its bind mounts.
pub const NETNS_DIR: &str = "/run/netns";

/// Every private engine's namespace name starts with this.
pub const NETNS_PREFIX: &str = "dockhand-";

/// The namespace name of the private engine `name`.
pub fn netns_name(engine: &str) -> String {
    format!("{NETNS_PREFIX}{engine}")
}

/// The file that stands for the namespace `netns`.
pub fn netns_path(netns: &str) -> PathBuf {
    PathBuf::from(NETNS_DIR).join(netns)
}

/// Runs `program args`; on failure, the command line and what went wrong (the spawn error or the
/// trimmed stderr), for the caller to wrap in its own error type.
pub(crate) fn run_quiet(program: &str, args: &[&str]) -> Result<(), (String, String)> {
    let command = format!("{program} {}", args.join(" "));
    match Command::new(program).args(args).output() {
        Err(e) => Err((command, e.to_string())),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err((command, String::from_utf8_lossy(&out.stderr).trim().to_string())),
    }
}

fn ip(netns: &str, args: &[&str]) -> Result<(), DaemonError> {
    run_quiet("ip", args).map_err(|(command, detail)| DaemonError::Netns {
        netns: netns.to_string(),
        command,
        detail,
    })
}

/// Creates the namespace and brings up its loopback.
pub(crate) fn create(netns: &str) -> Result<(), DaemonError> {
    ip(netns, &["netns", "add", netns])?;
    // `ip -n` enters only the network namespace, like nsenter --net.
    if let Err(e) = ip(netns, &["-n", netns, "link", "set", "lo", "up"]) {
        let _ = delete(netns);
        return Err(e);
    }
    Ok(())
}

/// Deletes the namespace if it exists. Processes still inside keep it alive
/// until they exit, but the name is free again at once.
pub(crate) fn delete(netns: &str) -> Result<(), DaemonError> {
    if !exists(netns) {
        return Ok(());
    }
    ip(netns, &["netns", "delete", netns])
}

pub(crate) fn exists(netns: &str) -> bool {
    netns_path(netns).exists()
}

/// The names of all namespaces that look like a private engine's.
pub(crate) fn list_ours() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(NETNS_PREFIX))
        .collect();
    names.sort();
    names
}
