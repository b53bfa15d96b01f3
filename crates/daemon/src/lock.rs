//! One lock file per private engine name, held for the engine's whole life.
//!
//! `flock` locks die with the process that holds them, however it dies, so a
//! lock that can be taken means its engine's owner is gone: that is how
//! [`crate::sweep_stale`] tells a crashed run's leftovers from a live engine in
//! another process, without trusting pid files (pids are reused). The lock file
//! also records the engine's state directory, which may be anywhere.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::DaemonError;

/// Where the lock files live: on the same tmpfs as `/run/netns`, so both vanish at reboot.
pub const LOCK_DIR: &str = "/run/dockhand/engines";

pub(crate) fn lock_path(name: &str) -> PathBuf {
    Path::new(LOCK_DIR).join(format!("{name}.lock"))
}

/// True when someone holds the lock of `name`: probes with a shared lock and
/// lets go at once, without creating or removing the file.
pub(crate) fn is_held(name: &str) -> bool {
    let Ok(file) = File::open(lock_path(name)) else {
        return false;
    };
    // SAFETY: plain syscalls on an fd we own.
    unsafe {
        if libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) != 0 {
            return std::io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK);
        }
        libc::flock(file.as_raw_fd(), libc::LOCK_UN);
    }
    false
}

#[derive(Debug)]
pub(crate) struct EngineLock {
    file: File,
    path: PathBuf,
}

impl EngineLock {
    /// Takes the lock of `name`; `Ok(None)` when someone holds it.
    pub(crate) fn try_acquire(name: &str) -> Result<Option<EngineLock>, DaemonError> {
        std::fs::create_dir_all(LOCK_DIR).map_err(|e| DaemonError::io(format!("cannot create {LOCK_DIR}"), e))?;
        let path = lock_path(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&path)
            .map_err(|e| DaemonError::io(format!("cannot open {}", path.display()), e))?;
        // SAFETY: plain syscall on an fd we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                return Ok(None);
            }
            return Err(DaemonError::io(format!("cannot lock {}", path.display()), err));
        }
        // The holder unlinks the file before letting go: if we locked a file that
        // is no longer at `path`, a newer engine may own the name. Treat it as held.
        use std::os::unix::fs::MetadataExt;
        let same = match (file.metadata(), std::fs::metadata(&path)) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        };
        if !same {
            return Ok(None);
        }
        Ok(Some(EngineLock { file, path }))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The state directory recorded by the lock's last holder.
    pub(crate) fn recorded_dir(&mut self) -> Option<PathBuf> {
        let mut s = String::new();
        self.file.seek(SeekFrom::Start(0)).ok()?;
        self.file.read_to_string(&mut s).ok()?;
        let s = s.trim();
        (!s.is_empty() && s.starts_with('/')).then(|| PathBuf::from(s))
    }

    pub(crate) fn record_dir(&mut self, dir: &Path) -> Result<(), DaemonError> {
        let what = || format!("cannot write {}", self.path.display());
        self.file.set_len(0).map_err(|e| DaemonError::io(what(), e))?;
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| DaemonError::io(what(), e))?;
        writeln!(self.file, "{}", dir.display()).map_err(|e| DaemonError::io(what(), e))
    }

    /// Removes the lock file while still holding the lock, then lets go.
    pub(crate) fn release(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
