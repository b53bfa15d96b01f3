//! What a private engine and a cluster node share: a state directory that
//! holds dockerd's and containerd's configuration, sockets and data, and the
//! two daemons started through `nsenter` in their namespaces with their
//! output appended to a log. How the processes are tied to their owner (a
//! death signal, or a session of their own) is the caller's business.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cleanup;
use crate::error::{failure, IoFailure};

/// Writes the state directory `dir`: the marker that lets [`cleanup`] act on
/// it, an empty dockerd configuration (so /etc/docker/daemon.json does not
/// apply) and containerd's configuration, everything under `dir`. `owner`
/// says whose it is in both files, e.g. `dockhand private engine 'x'`.
pub(crate) fn prepare_state_dir(dir: &Path, owner: &str) -> Result<(), IoFailure> {
    let ctd = dir.join("containerd");
    fs::create_dir_all(&ctd).map_err(failure(format!("cannot create {}", ctd.display())))?;
    let write = |path: PathBuf, text: String| {
        fs::write(&path, text).map_err(failure(format!("cannot write {}", path.display())))
    };
    write(dir.join(cleanup::MARKER), format!("state directory of {owner}\n"))?;
    write(dir.join("daemon.json"), "{}\n".into())?;
    let d = ctd.display();
    write(
        ctd.join("config.toml"),
        format!(
            r#"# containerd of {owner}: everything under {d}
version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{d}/containerd.sock"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
"#
        ),
    )
}

/// containerd's arguments: its configuration in the state directory.
pub(crate) fn containerd_args(dir: &Path) -> Vec<String> {
    vec![
        "--config".into(),
        dir.join("containerd").join("config.toml").display().to_string(),
    ]
}

/// dockerd's arguments: every path in the state directory, and our containerd.
pub(crate) fn dockerd_args(dir: &Path) -> Vec<String> {
    vec![
        "--config-file".into(),
        dir.join("daemon.json").display().to_string(),
        "--host".into(),
        format!("unix://{}", dir.join("docker.sock").display()),
        "--data-root".into(),
        dir.join("data").display().to_string(),
        "--exec-root".into(),
        dir.join("exec").display().to_string(),
        "--pidfile".into(),
        dir.join("docker.pid").display().to_string(),
        "--containerd".into(),
        cleanup::containerd_socket(dir).display().to_string(),
    ]
}

/// `nsenter <namespaces> -- <program> <args>` run in `dir`, stdin closed and
/// both output streams appended to `log` after a banner line. nsenter without
/// `--fork` execs the program, so the child's pid is the daemon's.
pub(crate) fn nsenter_command(
    nsenter: &Path,
    namespaces: &[String],
    program: &Path,
    args: &[String],
    log: &Path,
    dir: &Path,
) -> Result<Command, IoFailure> {
    let mut out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(failure(format!("cannot open {}", log.display())))?;
    let name = program.file_name().unwrap_or(program.as_os_str()).to_string_lossy();
    let _ = writeln!(out, "--- dockhand: starting {name} {}", args.join(" "));
    let err = out
        .try_clone()
        .map_err(failure("cannot duplicate a log file handle".into()))?;
    let mut cmd = Command::new(nsenter);
    cmd.args(namespaces)
        .arg("--")
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .current_dir(dir);
    Ok(cmd)
}
