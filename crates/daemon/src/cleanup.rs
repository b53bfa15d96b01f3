//! Tearing down what a private engine leaves on the host, whether it stopped
//! cleanly, was killed, or belonged to a crashed run.
//!
//! What can be left, and how each is found without touching anything else:
//! - containerd shims (`containerd-shim-runc-v2 ... -address <dir>/containerd/containerd.sock`):
//!   they are double-forked, so they outlive dockerd and containerd by design
//!   (that is what makes live restore work). Found by their `-address` argument,
//!   which names our private containerd and nobody else's.
//! - container processes: the shims' children. Killing a container's init kills
//!   its whole pid namespace.
//! - processes inside the engine's network namespace (docker-proxy, containers
//!   with `--network host`, a stray dockerd): found by their netns inode.
//! - mounts under the state directory: the data-root bind mount dockerd makes
//!   (even on a clean shutdown), container root file systems and netns bind
//!   mounts (after a kill). Unmounted lazily, deepest first.
//! - shim sockets: containerd 1.6 puts them in `/run/containerd/s/<hash>` whatever
//!   its state directory is; each task's bundle records its socket in `address`.
//! - empty cgroups of killed containers.
//! - for a Podman engine: conmon (the shim's counterpart, found by the
//!   bundle directory it names) and the `/run/netns/netns-*` files of its
//!   containers (see [`crate::podman`]).
//! - the network namespace and the state directory.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::netns;
use crate::podman;
use crate::process::{self, ProcInfo};

/// The names dockhand may kill when they mention a stale engine's directory.
const DAEMON_PROGRAMS: &[&str] = &[
    "dockerd",
    "containerd",
    "nsenter",
    "docker-proxy",
    "podman",
    "conmon",
    "netavark",
    "aardvark-dns",
    // dockerd's re-executions of itself (moby's `reexec.Register` names):
    // `netns-create` makes a sandbox's namespace (a swarm node's ingress
    // sandbox right after it joins) and, once it has unshared, runs in a
    // namespace of its own, so only its path argument ties it to the engine;
    // one left running when its dockerd was killed outlived `cluster rm`.
    "netns-create",
    "set-ipv6",
    "docker-applyLayer",
    "docker-untar",
    "docker-tar",
    "docker-mountfrom",
];

/// The file that marks a directory as a private engine's state directory.
/// Nothing is removed, unmounted or killed on behalf of a directory without it.
pub(crate) const MARKER: &str = ".dockhand-engine";

pub(crate) fn is_engine_dir(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
}

pub(crate) fn containerd_socket(dir: &Path) -> PathBuf {
    dir.join("containerd").join("containerd.sock")
}

fn basename(a: &OsStr) -> &str {
    Path::new(a).file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn program(p: &ProcInfo) -> &str {
    basename(p.argv.first().map(|a| a.as_os_str()).unwrap_or_default())
}

/// A container's monitor: a containerd shim, or Podman's conmon. Both are
/// double-forked and outlive the engine; a container's init is their child.
fn is_shim(p: &ProcInfo) -> bool {
    let name = program(p);
    name.starts_with("containerd-shim") || name == "conmon"
}

fn is_shim_of(p: &ProcInfo, socket: &Path) -> bool {
    is_shim(p)
        && p.argv
            .windows(2)
            .any(|w| w[0] == "-address" && Path::new(&w[1]) == socket)
}

/// The container id a shim (`-id`) or conmon (`-c`) names.
fn shim_container_id(p: &ProcInfo) -> Option<String> {
    let flag = if program(p) == "conmon" { "-c" } else { "-id" };
    p.argv
        .windows(2)
        .find(|w| w[0] == flag)
        .and_then(|w| w[1].to_str())
        .map(String::from)
}

fn mentions_dir(p: &ProcInfo, dir: &Path) -> bool {
    let dir = dir.to_string_lossy();
    let inside = format!("{dir}/");
    DAEMON_PROGRAMS.contains(&program(p))
        && p.argv.iter().any(|a| {
            let a = a.to_string_lossy();
            a == dir || a.contains(&inside)
        })
}

/// Tears down the leftovers of engine `name` with state directory `dir` (ignored
/// unless it carries the [`MARKER`]). Returns what could not be removed; empty
/// when all is clean.
pub(crate) fn teardown(name: &str, dir: Option<&Path>, keep_dir: bool) -> Vec<String> {
    teardown_in(&netns::netns_name(name), dir, keep_dir)
}

/// [`teardown`] for an engine whose network namespace is `ns_name` (cluster
/// nodes name theirs outside the `dockhand-` prefix that [`crate::sweep_stale`] owns).
pub(crate) fn teardown_in(ns_name: &str, dir: Option<&Path>, keep_dir: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let dir = dir.filter(|d| is_engine_dir(d));
    let ns_name = ns_name.to_string();
    let own_ns = process::netns_inode(Path::new("/proc/self/ns/net"));
    let ns_inode = process::netns_inode(&netns::netns_path(&ns_name)).filter(|i| Some(*i) != own_ns);

    // A Podman engine's containers: read before the directory goes.
    let podman = dir
        .filter(|d| podman::is_podman_dir(d))
        .map(podman::Leftovers::read)
        .unwrap_or_default();
    let mut container_ids = podman.ids.clone();
    // Processes, in rounds: a dying container makes conmon start its exit
    // command (`podman container cleanup`) after the round's snapshot, so
    // another round looks again, until one finds nothing.
    let mut killed = Vec::new();
    for _round in 0..5 {
        let (pids, ids) = kill_round(ns_inode, dir);
        if pids.is_empty() {
            break;
        }
        killed.extend(pids);
        container_ids.extend(ids);
    }
    for pid in &killed {
        if process::pid_alive(*pid) {
            problems.push(format!("process {pid} (it did not die of SIGKILL)"));
        }
    }
    remove_container_cgroups(&container_ids);
    problems.extend(podman::remove_netns_files(&podman.netns));

    if let Some(dir) = dir {
        remove_shim_sockets(dir);
        for m in unmount_under(dir) {
            problems.push(format!("mount {m}"));
        }
    }
    if let Err(e) = netns::delete(&ns_name) {
        problems.push(format!("network namespace {ns_name} ({e})"));
    }
    if let Some(dir) = dir {
        if !keep_dir && dir.exists() {
            if let Err(e) = fs::remove_dir_all(dir) {
                problems.push(format!("directory {} ({e})", dir.display()));
            }
        }
    }
    problems
}

/// One round of killing what is ours: container inits, then shims, then
/// whatever else runs in the engine's namespace or names its directory.
/// Returns the pids it killed and the container ids the shims named.
fn kill_round(ns_inode: Option<u64>, dir: Option<&Path>) -> (Vec<u32>, Vec<String>) {
    let procs = process::processes();
    let socket = dir.map(containerd_socket);
    // Shims run in the engine's namespace (they inherit containerd's, conmon
    // the Podman service's), which finds them even when the state directory
    // is unknown; conmon also names the directory (its bundle).
    let shims: Vec<&ProcInfo> = procs
        .iter()
        .filter(|p| {
            socket.as_deref().is_some_and(|s| is_shim_of(p, s))
                || ns_inode.is_some() && p.net_ns == ns_inode && is_shim(p)
                || is_shim(p) && dir.is_some_and(|d| mentions_dir(p, d))
        })
        .collect();
    let ids = shims.iter().filter_map(|p| shim_container_id(p)).collect();
    let inits: Vec<u32> = procs
        .iter()
        .filter(|p| shims.iter().any(|s| s.pid == p.ppid))
        .map(|p| p.pid)
        .collect();
    process::kill_all(&inits);
    process::kill_all(&shims.iter().map(|p| p.pid).collect::<Vec<_>>());
    let others: Vec<u32> = procs
        .iter()
        .filter(|p| ns_inode.is_some() && p.net_ns == ns_inode || dir.is_some_and(|d| mentions_dir(p, d)))
        .map(|p| p.pid)
        .collect();
    process::kill_all(&others);
    (inits.into_iter().chain(others).collect(), ids)
}

/// Lazily unmounts every mount at or below `dir`, deepest first. Returns the
/// mount points that stay mounted.
pub(crate) fn unmount_under(dir: &Path) -> Vec<String> {
    let mut remaining = Vec::new();
    for _pass in 0..5 {
        remaining = mounts_under(dir);
        if remaining.is_empty() {
            break;
        }
        // mountinfo lists parents before children: undo in reverse.
        for m in remaining.iter().rev() {
            if let Ok(c) = std::ffi::CString::new(m.as_bytes()) {
                // SAFETY: plain syscall with a valid C string.
                unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
            }
        }
    }
    remaining
}

fn mounts_under(dir: &Path) -> Vec<String> {
    let dir = dir.to_string_lossy().trim_end_matches('/').to_string();
    let inside = format!("{dir}/");
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    info.lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(unescape_mount_path)
        .filter(|m| *m == dir || m.starts_with(&inside))
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_mount_path(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Removes the shim sockets our containerd's tasks recorded, when the shims are gone.
fn remove_shim_sockets(dir: &Path) {
    let tasks = dir
        .join("containerd")
        .join("state")
        .join("io.containerd.runtime.v2.task");
    let Ok(namespaces) = fs::read_dir(&tasks) else {
        return;
    };
    for ns in namespaces.flatten() {
        let Ok(bundles) = fs::read_dir(ns.path()) else {
            continue;
        };
        for bundle in bundles.flatten() {
            let Ok(addr) = fs::read_to_string(bundle.path().join("address")) else {
                continue;
            };
            let path = addr.trim().trim_start_matches("unix://");
            if path.starts_with("/run/containerd/s/") && !path.contains("..") {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// Removes the (now empty) cgroups of containers whose processes we killed.
/// Best effort, for the default cgroup parents: `docker/<id>` under each v1
/// hierarchy or the v2 root, systemd's `docker-<id>.scope`, and Podman's
/// `libpod_parent/libpod-<id>` and `libpod-conmon-<id>` (cgroupfs).
fn remove_container_cgroups(ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let wanted = |n: &str| {
        ids.iter().any(|id| {
            n == id
                || n == format!("docker-{id}.scope")
                || n == format!("libpod-{id}")
                || n == format!("libpod-conmon-{id}")
        })
    };
    fn walk(dir: &Path, depth: usize, wanted: &dyn Fn(&str) -> bool) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let name = e.file_name();
            if wanted(&name.to_string_lossy()) {
                let _ = fs::remove_dir(e.path());
            } else if depth > 1 {
                walk(&e.path(), depth - 1, wanted);
            }
        }
    }
    walk(Path::new("/sys/fs/cgroup"), 3, &wanted);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reexec_helper_naming_the_directory_is_the_engines() {
        let dir = Path::new("/tmp/state/c1/n1");
        let p = |argv: &[&str]| ProcInfo {
            pid: 10,
            ppid: 1,
            argv: argv.iter().map(std::ffi::OsString::from).collect(),
            net_ns: None,
        };
        assert!(mentions_dir(
            &p(&["netns-create", "/tmp/state/c1/n1/exec/netns/1-abc"]),
            dir
        ));
        assert!(!mentions_dir(
            &p(&["netns-create", "/tmp/state/c1/n10/exec/netns/1-abc"]),
            dir
        ));
        assert!(!mentions_dir(&p(&["ls", "/tmp/state/c1/n1/exec"]), dir));
    }

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount_path(r"/tmp/a\040b"), "/tmp/a b");
        assert_eq!(unescape_mount_path("/plain"), "/plain");
        assert_eq!(unescape_mount_path(r"/odd\"), r"/odd\");
    }

    #[test]
    fn shims_are_recognised_by_their_containerd_address() {
        let p = ProcInfo {
            pid: 10,
            ppid: 1,
            argv: [
                "/usr/bin/containerd-shim-runc-v2",
                "-namespace",
                "moby",
                "-id",
                "abc",
                "-address",
                "/x/containerd/containerd.sock",
            ]
            .iter()
            .map(Into::into)
            .collect(),
            net_ns: None,
        };
        assert!(is_shim_of(&p, Path::new("/x/containerd/containerd.sock")));
        assert!(!is_shim_of(&p, Path::new("/var/run/docker/containerd/containerd.sock")));
        assert_eq!(shim_container_id(&p).as_deref(), Some("abc"));
    }

    #[test]
    fn only_daemon_programs_that_name_the_dir_are_ours() {
        let p = |argv: &[&str]| ProcInfo {
            pid: 10,
            ppid: 1,
            argv: argv.iter().map(Into::into).collect(),
            net_ns: None,
        };
        let d = Path::new("/tmp/dockhand/engines/a");
        assert!(mentions_dir(
            &p(&["dockerd", "--data-root", "/tmp/dockhand/engines/a/data"]),
            d
        ));
        assert!(mentions_dir(
            &p(&[
                "/usr/bin/containerd",
                "--config",
                "/tmp/dockhand/engines/a/containerd/config.toml"
            ]),
            d
        ));
        assert!(!mentions_dir(
            &p(&["dockerd", "--data-root", "/tmp/dockhand/engines/ab/data"]),
            d
        ));
        assert!(!mentions_dir(
            &p(&["tail", "-f", "/tmp/dockhand/engines/a/dockerd.log"]),
            d
        ));
        assert!(!mentions_dir(&p(&["/usr/sbin/dockerd"]), d));
    }
}
