//! [`sweep_stale`]: removing what crashed runs left behind.
//!
//! A run that dies without its destructors (SIGKILL, abort, power loss) leaves
//! its network namespace, state directory, mounts and maybe container shims.
//! Its daemons die with it (they are spawned with `PR_SET_PDEATHSIG`). An
//! engine counts as stale when nobody holds its name's lock (see
//! [`crate::lock`]): live engines in other processes are never touched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cleanup;
use crate::engine::{default_base_dir, validate_name};
use crate::lock::{EngineLock, LOCK_DIR};
use crate::netns;

/// What [`sweep_stale`] did.
#[derive(Debug, Default, Clone)]
pub struct SweepReport {
    /// Names of dead engines whose leftovers were removed.
    pub removed: Vec<String>,
    /// Names of engines that are alive (their lock is held), left alone.
    pub alive: Vec<String>,
    /// What could not be removed, or could not be checked.
    pub problems: Vec<String>,
}

/// Removes the leftovers of dead private engines: network namespaces named
/// `dockhand-*`, lock files, and state directories under [`default_base_dir`]
/// (only directories that carry dockhand's marker file).
/// Engines whose lock is held (alive, in this or another process) are skipped.
pub fn sweep_stale() -> SweepReport {
    sweep_stale_in(&[default_base_dir()])
}

/// [`sweep_stale`], looking for state directories under `base_dirs` too
/// (directories recorded in lock files are always found).
pub fn sweep_stale_in(base_dirs: &[PathBuf]) -> SweepReport {
    let mut report = SweepReport::default();
    let mut names = BTreeSet::new();
    for ns in netns::list_ours() {
        names.insert(ns[netns::NETNS_PREFIX.len()..].to_string());
    }
    names.extend(
        dir_names(Path::new(LOCK_DIR))
            .into_iter()
            .filter_map(|n| n.strip_suffix(".lock").map(String::from)),
    );
    for base in base_dirs {
        names.extend(
            dir_names(base)
                .into_iter()
                .filter(|n| cleanup::is_engine_dir(&base.join(n))),
        );
    }
    for name in names {
        sweep_name(&name, base_dirs, &mut report);
    }
    report
}

/// [`sweep_stale_in`] for one engine name: removes its leftovers if its owner
/// is gone, and leaves it alone (listing it in `alive`) while its lock is held.
pub fn sweep_one(name: &str, base_dirs: &[PathBuf]) -> SweepReport {
    let mut report = SweepReport::default();
    sweep_name(name, base_dirs, &mut report);
    report
}

/// True while a live process holds the lock of the private engine `name`
/// (its owner, in this or another process). Does not disturb the holder.
pub fn is_alive(name: &str) -> bool {
    crate::lock::is_held(name)
}

fn sweep_name(name: &str, base_dirs: &[PathBuf], report: &mut SweepReport) {
    if validate_name(name).is_err() {
        return;
    }
    let name = name.to_string();
    let mut lock = match EngineLock::try_acquire(&name) {
        Ok(Some(l)) => l,
        Ok(None) => {
            report.alive.push(name);
            return;
        }
        Err(e) => {
            report.problems.push(format!("{name}: {e}"));
            return;
        }
    };
    let mut dirs: Vec<PathBuf> = lock.recorded_dir().into_iter().collect();
    dirs.extend(
        base_dirs
            .iter()
            .map(|b| b.join(&name))
            .filter(|d| cleanup::is_engine_dir(d)),
    );
    dirs.dedup();
    let mut problems = Vec::new();
    if dirs.is_empty() {
        problems.extend(cleanup::teardown(&name, None, false));
    }
    for d in &dirs {
        problems.extend(cleanup::teardown(&name, Some(d), false));
    }
    tracing::info!(%name, dirs = ?dirs, lock = %lock.path().display(), "swept a dead private engine");
    lock.release();
    report
        .problems
        .extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    report.removed.push(name);
}

fn dir_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default()
}
