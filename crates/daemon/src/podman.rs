//! A private engine's Podman layout: `podman system service` with every
//! path of its own under the state directory, and what a killed one leaves.
//!
//! ```text
//! CONTAINERS_CONF=<dir>/containers.conf CONTAINERS_STORAGE_CONF=<dir>/storage.conf TMPDIR=<dir>/tmp
//! nsenter --net=/run/netns/dockhand-<name> -- podman --root <dir>/root --runroot <dir>/run
//!     --tmpdir <dir>/libpod [extra args] system service --time=0 unix://<dir>/podman.sock
//! ```
//! Podman keeps state in more places than its `--root` and `--runroot`:
//! its libpod tmpdir (`/run/libpod`), network definitions
//! (`/etc/containers/networks`), events (journald), image copies
//! (`/var/tmp`). `containers.conf` moves each into the state directory;
//! `storage.conf` keeps the system's storage options (extra image stores,
//! say) out. Two stores cannot be moved by configuration (see
//! [`SYSTEM_STORES`]): the service runs in a mount namespace of its own in
//! which directories of ours hide them ([`isolate`]), so the machine's own
//! Podman (`/var/lib/containers`, `/run/containers`) is never touched. The cgroup manager is `cgroupfs`: a host without
//! systemd as pid 1 has no other, and with systemd a killed engine would
//! leave transient units behind. The ulimits are explicit because without
//! them container start fails with an rlimit EPERM on some hosts.
//!
//! Every mount the service and its containers make is in that namespace,
//! and goes with its last process. Two things of a container live outside
//! the state directory: the file its network namespace is mounted on,
//! `/run/netns/netns-<uuid>` (the path is fixed in Podman 4; the mount is
//! ours, the file the host's), and its cgroups (`libpod_parent/libpod-<id>`).
//! A graceful stop removes the containers through the API first, and
//! Podman removes both; after a kill, [`Leftovers::read`] finds them in each
//! container's OCI `config.json` under the root.

use std::ffi::CString;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{failure, IoFailure};

/// The service's socket in the state directory.
pub(crate) fn socket(dir: &Path) -> PathBuf {
    dir.join("podman.sock")
}

/// The global flags that put every store of Podman's under `dir`, for the
/// service and for [`reset`].
fn global_args(dir: &Path) -> Vec<String> {
    let p = |sub: &str| dir.join(sub).display().to_string();
    vec![
        "--root".into(),
        p("root"),
        "--runroot".into(),
        p("run"),
        "--tmpdir".into(),
        p("libpod"),
    ]
}

/// `podman <global flags> <extra> system service --time=0 unix://<socket>`'s arguments.
pub(crate) fn service_args(dir: &Path, extra: &[String]) -> Vec<String> {
    let mut a = global_args(dir);
    a.extend(extra.iter().cloned());
    a.extend([
        "system".into(),
        "service".into(),
        "--time=0".into(),
        format!("unix://{}", socket(dir).display()),
    ]);
    a
}

/// The environment that points Podman at our configuration files.
pub(crate) fn env(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("CONTAINERS_CONF", dir.join("containers.conf")),
        ("CONTAINERS_STORAGE_CONF", dir.join("storage.conf")),
        ("TMPDIR", dir.join("tmp")),
    ]
}

/// Writes `containers.conf` and `storage.conf` into `dir`, and the
/// directories they name. `owner` says whose they are.
pub(crate) fn write_config(dir: &Path, owner: &str) -> Result<(), IoFailure> {
    for sub in ["tmp", "libpod", "networks"] {
        let d = dir.join(sub);
        fs::create_dir_all(&d).map_err(failure(format!("cannot create {}", d.display())))?;
    }
    let write = |path: PathBuf, text: String| {
        fs::write(&path, text).map_err(failure(format!("cannot write {}", path.display())))
    };
    let d = dir.display();
    write(
        dir.join("containers.conf"),
        format!(
            r#"# podman of {owner}: everything under {d}
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{d}/events.log"
image_copy_tmp_dir = "{d}/tmp"
tmp_dir = "{d}/libpod"
static_dir = "{d}/root/libpod"
volume_path = "{d}/root/volumes"

[network]
network_backend = "netavark"
network_config_dir = "{d}/networks"
"#
        ),
    )?;
    write(
        dir.join("storage.conf"),
        format!(
            r#"# storage of {owner}
[storage]
driver = "overlay"
graphroot = "{d}/root"
runroot = "{d}/run"
"#
        ),
    )
}

/// Whether `dir` holds a Podman engine's state (its `containers.conf`).
pub(crate) fn is_podman_dir(dir: &Path) -> bool {
    dir.join("containers.conf").is_file() && dir.join("storage.conf").is_file()
}

/// The machine's own Podman stores that rootful Podman 4.3 writes to
/// whatever its configuration says: netavark's IPAM database and aardvark's
/// DNS configuration (`/run/containers/networks`, fixed for rootful Podman,
/// which assumes one network namespace per host), and the blob-info cache
/// (`/var/lib/containers/cache`). Each gets a directory of ours bind-mounted
/// over it, in a mount namespace of the service's own.
const SYSTEM_STORES: [(&str, &str); 2] = [
    ("/run/containers", "system/run-containers"),
    ("/var/lib/containers", "system/var-lib-containers"),
];

/// Runs `cmd` in a mount namespace of its own (private propagation, so
/// nothing it mounts reaches the host: overlay layers, `shm`, network
/// namespace files) where [`SYSTEM_STORES`] are directories of ours under
/// `dir`. The mount points must exist on the host: when the machine has no
/// Podman of its own, they are created, empty, and stay empty.
pub(crate) fn isolate(cmd: &mut Command, dir: &Path) -> Result<(), IoFailure> {
    let mut binds = Vec::new();
    for (host, ours) in SYSTEM_STORES {
        let src = dir.join(ours);
        for d in [Path::new(host), src.as_path()] {
            fs::create_dir_all(d).map_err(failure(format!("cannot create {}", d.display())))?;
        }
        let c = |p: &Path| CString::new(p.as_os_str().as_encoded_bytes()).expect("paths have no NUL");
        binds.push((c(&src), c(Path::new(host))));
    }
    // SAFETY: unshare and mount are async-signal-safe syscalls; the strings
    // were allocated before the fork.
    unsafe {
        cmd.pre_exec(move || {
            let check = |r: libc::c_int| {
                if r == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            };
            check(libc::unshare(libc::CLONE_NEWNS))?;
            let none = std::ptr::null();
            check(libc::mount(
                c"none".as_ptr(),
                c"/".as_ptr(),
                none,
                libc::MS_REC | libc::MS_PRIVATE,
                none.cast(),
            ))?;
            for (src, dst) in &binds {
                check(libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    none,
                    libc::MS_BIND,
                    none.cast(),
                ))?;
            }
            Ok(())
        });
    }
    Ok(())
}

/// What a Podman engine's containers hold outside its state directory,
/// read from their OCI configurations under `<dir>/root`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Leftovers {
    /// Container ids (for their cgroups).
    pub ids: Vec<String>,
    /// `/run/netns/netns-*` files bind-mounted for them.
    pub netns: Vec<PathBuf>,
}

impl Leftovers {
    pub(crate) fn read(dir: &Path) -> Leftovers {
        let mut found = Leftovers::default();
        let Ok(entries) = fs::read_dir(dir.join("root").join("overlay-containers")) else {
            return found;
        };
        for e in entries.flatten() {
            let Ok(id) = e.file_name().into_string() else { continue };
            if !id.chars().all(|c| c.is_ascii_hexdigit()) {
                continue;
            }
            if let Ok(text) = fs::read_to_string(e.path().join("userdata").join("config.json")) {
                found.netns.extend(netns_of(&text));
            }
            found.ids.push(id);
        }
        found
    }
}

/// The network namespace file an OCI `config.json` names, when it is one
/// Podman made (`/run/netns/netns-*`): never a namespace of someone else's.
fn netns_of(config: &str) -> Option<PathBuf> {
    let v: serde_json::Value = serde_json::from_str(config).ok()?;
    let path = v["linux"]["namespaces"]
        .as_array()?
        .iter()
        .find(|n| n["type"] == "network")?["path"]
        .as_str()?;
    let p = Path::new(path);
    let ours = p.parent() == Some(Path::new(crate::netns::NETNS_DIR))
        && p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("netns-") && !n.contains(".."));
    ours.then(|| p.to_path_buf())
}

/// Unmounts and deletes the network namespace files; returns those that stay.
pub(crate) fn remove_netns_files(files: &[PathBuf]) -> Vec<String> {
    let mut left = Vec::new();
    for f in files {
        if let Ok(c) = std::ffi::CString::new(f.as_os_str().as_encoded_bytes()) {
            // SAFETY: plain syscall with a valid C string.
            unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        }
        match fs::remove_file(f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => left.push(format!("network namespace file {} ({e})", f.display())),
        }
    }
    left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_podman_netns_files_are_taken_from_a_config() {
        let cfg = |path: &str| {
            serde_json::json!({"linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": path}]}})
                .to_string()
        };
        assert_eq!(
            netns_of(&cfg("/run/netns/netns-1a2b")),
            Some(PathBuf::from("/run/netns/netns-1a2b"))
        );
        assert_eq!(netns_of(&cfg("/run/netns/dockhand-x")), None, "a private engine's own");
        assert_eq!(netns_of(&cfg("/proc/77/ns/net")), None, "another container's");
        assert_eq!(netns_of(&cfg("/run/netns/sub/netns-1")), None);
        let host = serde_json::json!({"linux": {"namespaces": [{"type": "pid"}]}}).to_string();
        assert_eq!(netns_of(&host), None, "--network host has no path");
    }

    #[test]
    fn the_service_runs_on_our_paths_only() {
        let dir = Path::new("/tmp/e");
        let a = service_args(dir, &["--log-level=debug".into()]).join(" ");
        assert_eq!(
            a,
            "--root /tmp/e/root --runroot /tmp/e/run --tmpdir /tmp/e/libpod --log-level=debug system service --time=0 unix:///tmp/e/podman.sock"
        );
        assert!(env(dir).iter().all(|(_, p)| p.starts_with(dir)));
    }
}
