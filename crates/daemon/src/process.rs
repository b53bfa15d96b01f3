//! Processes, in one place: spawning children tied to this process's life
//! (`spawn_tied`) or in a session of their own ([`own_session`]),
//! signalling ([`signal`]), reaping, and reading `/proc`: a process's
//! [`Stat`] (state, parent, start time), whether a pid is alive
//! ([`pid_alive`]), its [`argv`], and every process with its network
//! namespace. Private engines and cluster nodes use it, and the CLI's
//! engine supervisor can too: the public items are the ones that make sense
//! outside this crate.

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

/// Makes `cmd` start in a session of its own (`setsid` between fork and
/// exec): the terminal's Ctrl-C and hang-up, and signals sent to this
/// process's group, do not reach it, and it outlives this process. A
/// `tokio::process::Command` gets the same from `Command::from(cmd)`.
pub fn own_session(cmd: &mut Command) -> &mut Command {
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// Sends `sig` to `pid`. A process that is already gone is not an error.
pub fn signal(pid: u32, sig: libc::c_int) -> io::Result<()> {
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

/// What `/proc/<pid>/stat` says of a process (the fields dockhand uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// `R` running, `S` sleeping, `D` in uninterruptible sleep, `T` stopped,
    /// `Z` zombie, `X` dead, ...
    pub state: char,
    pub ppid: u32,
    /// When it started, in clock ticks after boot: with the pid, it tells a
    /// process from a later one that reuses the pid.
    pub start_time: u64,
}

impl Stat {
    /// Exited (a zombie not yet reaped, or dead): no longer acting.
    pub fn is_gone(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }

    /// Parses the text of a `stat` file. The command name in parentheses may
    /// hold spaces and parentheses, so fields are counted after the last `)`.
    pub fn parse(text: &str) -> Option<Stat> {
        let rest = &text[text.rfind(')')? + 1..];
        let mut fields = rest.split_whitespace();
        let state = fields.next()?.chars().next()?;
        let ppid = fields.next()?.parse().ok()?;
        // After state and ppid, the start time is the 20th field (22nd of the line).
        let start_time = fields.nth(17)?.parse().ok()?;
        Some(Stat {
            state,
            ppid,
            start_time,
        })
    }
}

/// `/proc/<pid>/stat` of `pid`, if the process exists.
pub fn stat(pid: u32) -> Option<Stat> {
    Stat::parse(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// True when `pid` exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    stat(pid).is_some_and(|s| !s.is_gone())
}

/// The command line of `pid` (`/proc/<pid>/cmdline`), if the process exists.
/// Empty for a kernel thread or a zombie.
pub fn argv(pid: u32) -> Option<Vec<OsString>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(
        raw.split(|&c| c == 0)
            .filter(|a| !a.is_empty())
            .map(|a| <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(a).to_os_string())
            .collect(),
    )
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
        let Some(stat) = stat(pid).filter(|s| !s.is_gone()) else {
            continue;
        };
        let ppid = stat.ppid;
        let argv = argv(pid).unwrap_or_default();
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
    while pids.iter().any(|&p| pid_alive(p)) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_count_after_the_last_parenthesis() {
        // A command name with a space and a `)`, as a process may choose.
        let line = "4242 (a b) c) T 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200";
        assert_eq!(
            Stat::parse(line),
            Some(Stat {
                state: 'T',
                ppid: 17,
                start_time: 987654
            })
        );
        assert_eq!(Stat::parse("4242 (x) Z 1"), None, "a truncated line has no start time");
    }

    #[test]
    fn this_process_is_alive_with_its_own_command_line() {
        let me = std::process::id();
        let s = stat(me).expect("our own /proc/<pid>/stat");
        assert!(!s.is_gone());
        assert_eq!(s.ppid, std::os::unix::process::parent_id());
        assert!(pid_alive(me));
        assert_eq!(argv(me).unwrap(), std::env::args_os().collect::<Vec<_>>());
        assert!(!pid_alive(u32::MAX), "no such pid");
    }

    #[test]
    fn a_child_in_its_own_session_leads_it() {
        let mut cmd = Command::new("sleep");
        cmd.arg("5");
        let mut child = own_session(&mut cmd).spawn().unwrap();
        let pid = child.id();
        // SAFETY: plain syscall.
        let sid = unsafe { libc::getsid(pid as libc::pid_t) };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(sid, pid as libc::pid_t, "setsid makes the child its session's leader");
        assert!(!pid_alive(pid), "reaped");
    }
}
