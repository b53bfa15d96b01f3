//! Signal recording and reporting.
//!
//! The handler does only async-signal-safe work: it bumps a per-signal
//! counter and writes one wake-up byte into a non-blocking socket pair (the
//! self-pipe trick). The main thread waits on the other end of the pair, so
//! a waiting step wakes up at once, and prints what arrived (for SIGWINCH,
//! also the terminal's new size).

use std::ffi::c_int;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::time::Instant;

use super::sys;
use super::Flow;

/// The signals the probe catches, with their Linux numbers (the generic
/// numbering shared by x86, ARM, RISC-V, PowerPC and s390; MIPS, SPARC and
/// Alpha differ). SIGPIPE stays ignored (as Rust sets it up) so that a
/// closed stdout gives write errors instead of a loop of reports, and SIGCHLD
/// is left alone since the probe starts no children.
pub const CAUGHT: &[(c_int, &str)] = &[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (6, "SIGABRT"),
    (10, "SIGUSR1"),
    (12, "SIGUSR2"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (18, "SIGCONT"),
    (23, "SIGURG"),
    (28, "SIGWINCH"),
];

/// SIGWINCH, after whose report the probe prints its terminal's size.
const SIGWINCH: c_int = 28;

/// Signals after which the probe exits 0 once it has reported them.
const STOPPING: &[c_int] = &[2, 15];

/// How many times each signal arrived and was not reported yet.
static PENDING: [AtomicU32; 64] = [const { AtomicU32::new(0) }; 64];

/// The write end of the wake-up socket pair, or -1 before installation.
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(signum: c_int) {
    if let Some(counter) = usize::try_from(signum).ok().and_then(|i| PENDING.get(i)) {
        counter.fetch_add(1, Ordering::SeqCst);
    }
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        sys::write_byte_preserving_errno(fd, 1);
    }
}

/// The name the probe reports for a signal number.
fn name(signum: c_int) -> String {
    CAUGHT
        .iter()
        .find(|(n, _)| *n == signum)
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| format!("SIG{signum}"))
}

/// The installed handlers and the receiving end of their wake-up channel.
pub struct Signals {
    wake_rx: UnixStream,
    // Kept open for the handler, which writes to its raw descriptor.
    _wake_tx: UnixStream,
}

impl Signals {
    /// Unblocks all signals and installs the recording handler for every
    /// signal in [`CAUGHT`].
    pub fn install() -> io::Result<Signals> {
        let (wake_rx, wake_tx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        WAKE_FD.store(wake_tx.as_raw_fd(), Ordering::SeqCst);
        sys::unblock_all_signals()?;
        for &(signum, _) in CAUGHT {
            sys::install_handler(signum, on_signal)?;
        }
        Ok(Signals {
            wake_rx,
            _wake_tx: wake_tx,
        })
    }

    /// Prints `probe: received SIG<NAME>` on stdout for every signal that
    /// arrived since the last report (in signal-number order), and says
    /// whether one of them asks the probe to stop.
    pub fn report(&self) -> Flow {
        let mut flow = Flow::Continue;
        for (signum, counter) in PENDING.iter().enumerate() {
            let times = counter.swap(0, Ordering::SeqCst);
            if times == 0 {
                continue;
            }
            let signum = signum as c_int;
            for _ in 0..times {
                super::say(&format!("probe: received {}", name(signum)));
            }
            // The kernel sends SIGWINCH after it changed the terminal's
            // size, so the size read now is the new one: a tester can check
            // that a resize asked for 41x101 gave 41x101. Without a terminal
            // there is no size to tell.
            if signum == SIGWINCH {
                if let Ok(line) = super::steps::winsize() {
                    super::say(&line);
                }
            }
            if STOPPING.contains(&signum) {
                flow = Flow::Exit(0);
            }
        }
        flow
    }

    /// Waits until `deadline` (forever when `None`), reporting signals as
    /// they arrive; returns early with [`Flow::Exit`] on SIGTERM or SIGINT.
    pub fn wait(&self, deadline: Option<Instant>) -> Flow {
        let mut buf = [0u8; 64];
        loop {
            if let Flow::Exit(code) = self.report() {
                return Flow::Exit(code);
            }
            let timeout = match deadline {
                None => None,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Flow::Continue;
                    }
                    Some(left)
                }
            };
            let waited = self
                .wake_rx
                .set_read_timeout(timeout)
                .and_then(|()| (&self.wake_rx).read(&mut buf));
            match waited {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                // Should not happen; avoid spinning if it does.
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
            }
        }
    }
}
