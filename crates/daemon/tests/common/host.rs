//! The host as the kernel shows it: processes (`/proc/<pid>/stat`,
//! `cmdline`), mounts (`/proc/self/mountinfo`) and named network namespaces
//! (`/run/netns`). Tests read these to assert that a private engine, a
//! cluster node or a command left nothing running.

use std::path::Path;

/// The state letter of `pid` (`R`, `S`, `T`, `Z`, ...), `None` when it is gone.
pub fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: the state
    // follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// True when `pid` exists and is not a zombie (killed orphans wait for init
/// to reap them).
pub fn alive(pid: u32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

/// Live processes other than this one whose command line mentions `needle`,
/// as `"<pid>: <command line>"`.
pub fn processes_mentioning(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || !alive(pid) {
            continue;
        }
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) {
            out.push(format!("{pid}: {cmd}"));
        }
    }
    out
}

/// Live processes whose command line names a path below `dir` (with the
/// separator, so that `/x/check-12` does not match `/x/check-123/...`).
pub fn processes_under(dir: &Path) -> Vec<String> {
    processes_mentioning(&format!("{}/", dir.display()))
}

/// Mount points at or below `dir`.
pub fn mounts_under(dir: &Path) -> Vec<String> {
    mounts_of("self", dir)
}

/// Mount points at or below `dir` in the mount namespace of process `pid`
/// (`"self"` for ours): a private Podman engine mounts in its own.
pub fn mounts_of(pid: &str, dir: &Path) -> Vec<String> {
    let prefix = dir.to_string_lossy().to_string();
    std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|m| m.starts_with(&prefix))
        .map(String::from)
        .collect()
}

/// Named network namespaces (`ip netns`) whose name starts with `prefix`.
pub fn netns_with_prefix(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/run/netns")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the named network namespace exists.
pub fn netns_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

/// Asserts that nothing runs from, is mounted below, or is left of `dir`.
pub fn assert_dir_released(dir: &Path) {
    let procs = processes_under(dir);
    assert!(procs.is_empty(), "processes left: {procs:?}");
    let mounts = mounts_under(dir);
    assert!(mounts.is_empty(), "mounts left: {mounts:?}");
    assert!(!dir.exists(), "{} is left", dir.display());
}

/// Polls `f` every 20 ms until it holds, failing with `what` after `limit`.
pub fn wait_until(what: &str, limit: std::time::Duration, mut f: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + limit;
    while !f() {
        assert!(std::time::Instant::now() < until, "{what} within {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
