//! Child processes: spawning them tied to this process's life, signalling,
//! reaping, and finding processes in `/proc`.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

type SpawnJob = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `cmd` so that the kernel SIGKILLs it when this process dies, however
/// it dies (panic with abort, Ctrl-C, a test harness timeout): `PR_SET_PDEATHSIG`.
///
/// The death signal fires when the *thread* that forked the child exits, not
/// the process, so every spawn happens on one dedicated thread that lives as
/// long as the process; spawning from a tokio worker or blocking-pool thread
/// would kill the daemon when that thread retires.
///
/// The child also gets its own process group, so a Ctrl-C aimed at the test
/// runner's group does not reach dockerd behind our back.
pub(crate) fn spawn_tied(mut cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnJob>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnJob>();
        std::thread::Builder::new()
            .name("dockhand-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("cannot start the dockhand-spawner thread");
        tx
    });
    cmd.process_group(0);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (reply_tx, reply_rx) = mpsc::channel();
    tx.send((cmd, reply_tx))
        .map_err(|_| io::Error::other("the dockhand-spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| io::Error::other("the dockhand-spawner thread is gone"))?
}

/// Sends `sig` to `pid`. A process that is already gone is not an error.
pub(crate) fn signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::kill(pid as libc::pid_t, sig) } == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(())
    } else {
        Err(err)
    }
}

/// True when `pid` exists and is not a zombie.
pub(crate) fn is_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(stat_field(&stat, 0), Some("Z") | Some("X")),
        Err(_) => false,
    }
}

/// The fields of `/proc/<pid>/stat` after the command name: index 0 is the state, 1 the ppid.
fn stat_field(stat: &str, index: usize) -> Option<&str> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(index)
}

/// A child we spawned: SIGKILLed and reaped when dropped.
#[derive(Debug)]
pub(crate) struct Proc {
    child: Child,
    pub(crate) program: &'static str,
    status: Option<ExitStatus>,
}

impl Proc {
    pub(crate) fn new(child: Child, program: &'static str) -> Self {
        Proc {
            child,
            program,
            status: None,
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited (reaping it).
    pub(crate) fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    pub(crate) fn signal(&self, sig: libc::c_int) -> io::Result<()> {
        if self.status.is_some() {
            return Ok(());
        }
        signal(self.pid(), sig)
    }

    /// Waits up to `limit` for the process to exit, polling without blocking the runtime.
    pub(crate) async fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(s) = self.try_status() {
                return Some(s);
            }
            if Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGCONT (a stopped process cannot act on anything but SIGKILL, and the
    /// continue makes its state plain), SIGKILL, and reap, blocking for at most
    /// a few seconds: a process stuck in uninterruptible sleep is left to init.
    pub(crate) fn kill_and_reap_blocking(&mut self) -> Option<ExitStatus> {
        if let Some(s) = self.try_status() {
            return Some(s);
        }
        let _ = self.signal(libc::SIGCONT);
        let _ = self.signal(libc::SIGKILL);
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Some(s) = self.try_status() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        tracing::warn!(
            pid = self.pid(),
            program = self.program,
            "process did not die within 10s of SIGKILL"
        );
        None
    }

    /// [`Proc::kill_and_reap_blocking`] without blocking the runtime.
    pub(crate) async fn kill_and_reap(&mut self) -> Option<ExitStatus> {
        if let Some(s) = self.try_status() {
            return Some(s);
        }
        let _ = self.signal(libc::SIGCONT);
        let _ = self.signal(libc::SIGKILL);
        self.wait_for(Duration::from_secs(10)).await
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill_and_reap_blocking();
    }
}

/// Describes an exit status the way people read it.
pub(crate) fn describe_status(s: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(sig)) => format!("signal {sig}"),
        _ => s.to_string(),
    }
}

/// A process seen in `/proc`.
#[derive(Debug, Clone)]
pub(crate) struct ProcInfo {
    pub(crate) pid: u32,
    pub(crate) ppid: u32,
    pub(crate) argv: Vec<OsString>,
    /// The inode of its network namespace.
    pub(crate) net_ns: Option<u64>,
}

/// Every live process, except this one and zombies.
pub(crate) fn processes() -> Vec<ProcInfo> {
    let me = std::process::id();
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if matches!(stat_field(&stat, 0), Some("Z") | Some("X") | None) {
            continue;
        }
        let ppid = stat_field(&stat, 1).and_then(|p| p.parse().ok()).unwrap_or(0);
        let argv = fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(a).to_os_string())
                    .collect()
            })
            .unwrap_or_default();
        let net_ns = netns_inode(Path::new(&format!("/proc/{pid}/ns/net")));
        out.push(ProcInfo {
            pid,
            ppid,
            argv,
            net_ns,
        });
    }
    out
}

/// The inode of a network namespace file (`/proc/<pid>/ns/net` or `/run/netns/<name>`).
pub(crate) fn netns_inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| m.ino())
}

/// SIGKILLs `pids` and waits (briefly) until they are gone or zombies.
pub(crate) fn kill_all(pids: &[u32]) {
    for &pid in pids {
        let _ = signal(pid, libc::SIGCONT);
        let _ = signal(pid, libc::SIGKILL);
    }
    let until = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|&p| is_alive(p)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
}
