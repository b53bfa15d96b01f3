//! One cluster node's daemons: a containerd and a dockerd in the node's network
//! and UTS namespaces, started detached so that they outlive the dockhand
//! process that started them.
//!
//! Unlike [`crate::PrivateEngine`], whose daemons are tied to the test process
//! (`PR_SET_PDEATHSIG`), a node's daemons run in their own session with no
//! death signal: `dockhand cluster create` exits and the cluster stays up.
//! Their pids are recorded in the node directory (`containerd.pid`,
//! `dockerd.pid`) and are trusted only while `/proc/<pid>/cmdline` still names
//! the node directory, so a reused pid is never signalled.
//!
//! ```text
//! nsenter --net=/run/netns/dhcluster-<c>-<n> --uts=<dir>/uts -- containerd --config <dir>/containerd/config.toml
//! nsenter --net=... --uts=... -- dockerd --config-file <dir>/daemon.json --host unix://<dir>/docker.sock
//!     --data-root <dir>/data --exec-root <dir>/exec --pidfile <dir>/docker.pid --containerd <dir>/containerd/containerd.sock
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dockhand_engine::{Deadlines, Endpoint, EndpointSource, Engine, MIN_API_VERSION};

use super::error::ClusterError;
use super::state::NodeState;
use crate::cleanup;
use crate::engine::{find_program, tail_lines};
use crate::error::DaemonError;
use crate::layout;
use crate::process;

/// Lines of a log an error quotes.
const LOG_TAIL_LINES: usize = 15;

/// Which daemon of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Daemon {
    Containerd,
    Dockerd,
}

impl Daemon {
    fn program(self) -> &'static str {
        match self {
            Daemon::Containerd => "containerd",
            Daemon::Dockerd => "dockerd",
        }
    }

    fn pid_file(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.pid", self.program()))
    }

    fn log(self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.log", self.program()))
    }
}

/// Writes the node directory (see [`layout::prepare_state_dir`]).
pub(crate) fn prepare_dir(node: &NodeState, cluster: &str) -> Result<(), ClusterError> {
    Ok(layout::prepare_state_dir(
        &node.dir,
        &format!("node {} of dockhand cluster '{cluster}'", node.name),
    )?)
}

/// The pid of a node's daemon while it runs: recorded, alive, and still naming the node directory.
pub(crate) fn pid_of(node: &NodeState, which: Daemon) -> Option<u32> {
    let pid: u32 = fs::read_to_string(which.pid_file(&node.dir))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    if !process::pid_alive(pid) {
        return None;
    }
    let argv = process::argv(pid)?;
    let dir = node.dir.to_string_lossy();
    let mentions = argv
        .iter()
        .map(|a| a.to_string_lossy())
        .any(|a| a.starts_with(&format!("{dir}/")) || a.starts_with(&format!("unix://{dir}/")));
    mentions.then_some(pid)
}

/// Whether the process recorded in the pid file is alive, whatever its
/// command line. Only for the waits right after [`spawn`]: between fork and
/// exec the child still shows dockhand's command line, which [`pid_of`]
/// would take for a daemon that already exited.
fn recorded_alive(node: &NodeState, which: Daemon) -> bool {
    fs::read_to_string(which.pid_file(&node.dir))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(process::pid_alive)
}

fn daemon_args(node: &NodeState, which: Daemon) -> Vec<String> {
    match which {
        Daemon::Containerd => layout::containerd_args(&node.dir),
        Daemon::Dockerd => layout::dockerd_args(&node.dir),
    }
}

/// Starts a daemon of the node, detached: its own session, stdio to its log,
/// no death signal. Returns its pid (nsenter execs the daemon without forking).
pub(crate) fn spawn(node: &NodeState, which: Daemon) -> Result<u32, ClusterError> {
    let nsenter = find_program("nsenter", "install util-linux").map_err(|e| ClusterError::daemon(&node.name, e))?;
    let program = match which {
        Daemon::Containerd => find_program(
            "containerd",
            "install containerd (Debian, Ubuntu; docker.io pulls it in) or containerd.io",
        ),
        Daemon::Dockerd => find_program("dockerd", "install docker.io (Debian, Ubuntu) or docker-ce"),
    }
    .map_err(|e| ClusterError::daemon(&node.name, e))?;
    if which == Daemon::Dockerd {
        // dockerd refuses to start over a pidfile naming a live process; ours is gone.
        let _ = fs::remove_file(node.dir.join("docker.pid"));
    }
    let args = daemon_args(node, which);
    let namespaces = [
        format!("--net={}", crate::netns::netns_path(&node.netns).display()),
        format!("--uts={}", node.dir.join("uts").display()),
    ];
    let mut cmd = layout::nsenter_command(&nsenter, &namespaces, &program, &args, &which.log(&node.dir), &node.dir)?;
    let mut child = process::own_session(&mut cmd)
        .spawn()
        .map_err(|e| ClusterError::io(format!("cannot start {} of node {}", which.program(), node.name), e))?;
    let pid = child.id();
    let pid_file = which.pid_file(&node.dir);
    fs::write(&pid_file, format!("{pid}\n"))
        .map_err(|e| ClusterError::io(format!("cannot write {}", pid_file.display()), e))?;
    // Reap it if it exits while this process lives; after we exit, init does.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(pid)
}

fn exited_early(node: &NodeState, which: Daemon) -> ClusterError {
    ClusterError::daemon(
        &node.name,
        DaemonError::ExitedEarly {
            program: which.program(),
            status: "an unknown status (it is not our child any more)".into(),
            log: which.log(&node.dir),
            tail: tail_lines(&which.log(&node.dir), LOG_TAIL_LINES),
        },
    )
}

fn timed_out(node: &NodeState, which: Daemon, what: String, waited: Duration) -> ClusterError {
    ClusterError::daemon(
        &node.name,
        DaemonError::StartTimeout {
            program: which.program(),
            what,
            waited,
            log: which.log(&node.dir),
            tail: tail_lines(&which.log(&node.dir), LOG_TAIL_LINES),
        },
    )
}

/// Waits until containerd accepts connections on its socket.
pub(crate) async fn wait_containerd(node: &NodeState, timeout: Duration) -> Result<(), ClusterError> {
    let socket = cleanup::containerd_socket(&node.dir);
    let started = Instant::now();
    loop {
        if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
            return Ok(());
        }
        if !recorded_alive(node, Daemon::Containerd) {
            return Err(exited_early(node, Daemon::Containerd));
        }
        if started.elapsed() >= timeout {
            let what = format!("its socket {} accepted no connection", socket.display());
            return Err(timed_out(node, Daemon::Containerd, what, timeout));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The node's engine endpoint, named as node `node.name` of `cluster`.
pub(crate) fn endpoint(cluster: &str, node: &NodeState) -> Endpoint {
    Endpoint::unix(node.socket(), EndpointSource::cluster_node(cluster, &node.name))
}

/// The node's engine, with short deadlines, for set-up calls.
pub(crate) fn engine(cluster: &str, node: &NodeState, call: Duration) -> Engine {
    Engine::with_version(
        endpoint(cluster, node),
        Deadlines {
            call,
            stream_idle: call,
        },
        MIN_API_VERSION,
    )
}

/// Waits until dockerd answers `GET /_ping` with 200.
pub(crate) async fn wait_dockerd(cluster: &str, node: &NodeState, timeout: Duration) -> Result<(), ClusterError> {
    let probe = engine(cluster, node, Duration::from_secs(2));
    let started = Instant::now();
    loop {
        if probe.ping().await.is_ok_and(|r| r.status.as_u16() == 200) {
            tracing::info!(node = %node.hostname, ready_after = ?started.elapsed(), "cluster node dockerd is ready");
            return Ok(());
        }
        if !recorded_alive(node, Daemon::Dockerd) {
            return Err(exited_early(node, Daemon::Dockerd));
        }
        if started.elapsed() >= timeout {
            let what = format!("GET /_ping on {} never answered 200", node.socket().display());
            return Err(timed_out(node, Daemon::Dockerd, what, timeout));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `sig` to the daemon, then waits up to `grace` for it to be gone;
/// SIGKILL after that. Returns whether it was running.
pub(crate) async fn stop(node: &NodeState, which: Daemon, sig: libc::c_int, grace: Duration) -> bool {
    let Some(pid) = pid_of(node, which) else {
        return false;
    };
    let _ = process::signal(pid, libc::SIGCONT);
    let _ = process::signal(pid, sig);
    let until = Instant::now() + grace;
    while process::pid_alive(pid) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if process::pid_alive(pid) {
        tracing::warn!(node = %node.hostname, daemon = which.program(), ?grace, "did not stop within its grace period; killing it");
        let _ = process::signal(pid, libc::SIGKILL);
        let until = Instant::now() + Duration::from_secs(10);
        while process::pid_alive(pid) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    true
}

/// Kills both daemons and removes everything the node left: shims, container
/// processes, mounts (the UTS namespace's bind mount among them), its network
/// namespace and its directory. Returns what could not be removed.
pub(crate) fn teardown(node: &NodeState) -> Vec<String> {
    let pids: Vec<u32> = [Daemon::Dockerd, Daemon::Containerd]
        .into_iter()
        .filter_map(|d| pid_of(node, d))
        .collect();
    process::kill_all(&pids);
    cleanup::teardown_in(&node.netns, Some(&node.dir), false)
}
