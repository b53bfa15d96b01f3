//! Test groups that hold across processes: a test takes a lock on the file
//! `dockhand-test-<group>.lock` in the temporary directory and holds the guard
//! while it runs. A `static Mutex` only serialises tests that share one
//! process; nextest runs each test in a process of its own, and other
//! checkouts' test runs on the same machine share the engine too, so the lock
//! is the kernel's (`flock(2)` through std's `File::lock`), which it drops
//! when the holder exits, also on a crash.
//!
//! `exclusive` is a writer: it runs alone in its group. `shared` is a reader:
//! shared holders run side by side, and never beside an exclusive one. A test
//! that takes two groups takes them in the order [`PRIVATE_ENGINES`], then
//! [`ENGINE`].
//!
//! With `DOCKHAND_TEST_LOCK_LOG` set, every acquire and release is written to
//! stderr with the test's name and the wall-clock time in microseconds, so
//! that a run can show its serialised tests did not overlap.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// Runs of `dockhand check` against the machine's engine: each sweeps the
/// leftovers of dead runs, which a test that plants such leftovers must not
/// have swept under it.
pub const ENGINE: &str = "engine";
/// Private engines started through the binary: `check --private-engine`
/// sweeps the dead `check-*` engines a test may be looking at.
pub const PRIVATE_ENGINES: &str = "private-engines";
/// `dockhand env` on the machine's engine: every invocation sweeps abandoned
/// environments, which the crash test plants.
pub const ENV_SWEEPS: &str = "env-sweeps";

/// Holds the lock of one group until dropped.
#[must_use = "the group is held while the guard lives"]
pub struct Serial {
    file: File,
    group: &'static str,
    mode: &'static str,
}

/// Where the lock of `group` lives: one place for every process on the machine.
pub fn lock_path(group: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dockhand-test-{group}.lock"))
}

/// Runs alone in `group`.
pub fn exclusive(group: &'static str) -> Serial {
    take(group, "exclusive", File::lock)
}

/// Runs beside other shared holders of `group`, never beside an exclusive one.
pub fn shared(group: &'static str) -> Serial {
    take(group, "shared", File::lock_shared)
}

fn take(group: &'static str, mode: &'static str, lock: fn(&File) -> std::io::Result<()>) -> Serial {
    let path = lock_path(group);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open the test lock {}: {e}", path.display()));
    log(group, mode, "wait");
    lock(&file).unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    log(group, mode, "acquired");
    Serial { file, group, mode }
}

impl Drop for Serial {
    fn drop(&mut self) {
        // Logged before the unlock, so that the next holder's "acquired"
        // always comes later: logs of two processes then show the order.
        log(self.group, self.mode, "released");
        let _ = self.file.unlock();
    }
}

fn log(group: &str, mode: &str, what: &str) {
    if std::env::var_os("DOCKHAND_TEST_LOCK_LOG").is_none() {
        return;
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let thread = std::thread::current();
    eprintln!(
        "[test-lock] {} {group} {mode} {what} pid={} test={}",
        now.as_micros(),
        std::process::id(),
        thread.name().unwrap_or("?")
    );
}
