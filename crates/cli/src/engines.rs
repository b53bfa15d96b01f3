//! `dockhand engine start|stop|ls|logs`: private engines that outlive the
//! dockhand process that started them.
//!
//! `engine start NAME` spawns `dockhand engine serve NAME` in a session of its
//! own: that supervisor owns the [`PrivateEngine`] (its name's lock, its
//! containerd and dockerd, which the kernel kills if the supervisor dies), says
//! on a pipe whether the engine came up, writes [`RECORD`] into the engine's
//! state directory, and shuts the engine down on SIGTERM. So:
//! - `engine stop NAME` sends SIGTERM to the supervisor and waits until the
//!   name's lock is free, then removes whatever is left (`sweep_one`);
//! - an engine whose supervisor died (killed, crashed, reboot) is *stale*: its
//!   lock is free but its state directory (and maybe its netns) remains.
//!   `engine ls` shows it as such, and `engine stop` removes it.
//!
//! The state directory is dockhand-daemon's: `$XDG_RUNTIME_DIR/dockhand/engines/<name>`
//! when that variable is set, else `/tmp/dockhand/engines/<name>`.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use dockhand_daemon::{
    default_base_dir, is_alive, sweep_one, validate_name, DaemonError, EngineKind, PrivateEngine, PrivateEngineOptions,
};
use dockhand_harness::exit;
use dockhand_harness::interrupt::say;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::args::{EngineKindArg, EngineStartArgs};
use crate::error::CliError;

/// What the supervisor records about its engine, in the state directory.
pub const RECORD: &str = "dockhand-engine.json";

/// How long `engine stop` waits for the supervisor's graceful shutdown
/// (dockerd's grace, then containerd's) before killing it.
const STOP_WAIT: Duration = Duration::from_secs(40);

fn state_dir(name: &str) -> PathBuf {
    default_base_dir().join(name)
}

fn read_record(dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join(RECORD)).ok()?;
    serde_json::from_str(&text).ok()
}

fn pid_of(record: &Value, key: &str) -> Option<u32> {
    record[key].as_u64().and_then(|p| u32::try_from(p).ok())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn dockerd_args(a: &EngineStartArgs) -> Vec<String> {
    let mut args = a.args.clone();
    if a.live_restore && !args.iter().any(|x| x == "--live-restore") {
        args.push("--live-restore".into());
    }
    args
}

/// `dockhand engine start NAME`: spawns the supervisor, waits for its verdict,
/// prints `export DOCKER_HOST=...` on stdout and how to use and stop it on stderr.
pub async fn start(a: EngineStartArgs) -> Result<i32, CliError> {
    validate_name(&a.name)?;
    if is_alive(&a.name) {
        return Err(CliError::Usage(format!(
            "a private engine named '{}' is already running: `dockhand engine ls` lists engines; stop it with `dockhand engine stop {}` or pick another name",
            a.name, a.name
        )));
    }
    let interrupts = crate::settings::take_stop_signals()?;
    let exe = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find dockhand's own executable: {e}"))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.args(["engine", "serve", &a.name]);
    if a.kind != EngineKindArg::Docker {
        cmd.arg(format!("--kind={}", EngineKind::from(a.kind)));
    }
    for arg in dockerd_args(&a) {
        cmd.arg(format!("--arg={arg}"));
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .current_dir("/");
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    // A session of its own: the terminal's Ctrl-C and hang-up do not reach it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot start the engine supervisor (`dockhand engine serve`): {e}"))?;
    let supervisor = child.id().unwrap_or(0);
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    eprintln!("starting private engine '{}' ...", a.name);
    let read = tokio::select! {
        r = stdout.read_line(&mut line) => r,
        s = interrupts.first() => {
            // The supervisor removes what it started when told to stop.
            let _ = signal(supervisor, libc::SIGTERM);
            let _ = tokio::time::timeout(STOP_WAIT, child.wait()).await;
            say(&format!("\ninterrupted by {s}: private engine '{}' was not started", a.name));
            return Ok(s.exit_code());
        }
    };
    if read.is_err() || line.trim().is_empty() {
        let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_string(&mut err).await;
        }
        return Err(anyhow::anyhow!(
            "the engine supervisor ended ({}) before saying whether private engine '{}' started: {}",
            match status {
                Ok(Ok(s)) => s.to_string(),
                _ => "still running".to_string(),
            },
            a.name,
            if err.trim().is_empty() {
                "(no output)"
            } else {
                err.trim()
            }
        )
        .into());
    }
    let verdict: Value = serde_json::from_str(line.trim()).map_err(|e| {
        anyhow::anyhow!(
            "the engine supervisor said {:?}, which is not its JSON verdict: {e}",
            line.trim()
        )
    })?;
    if let Some(message) = verdict["error"].as_str() {
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        return Err(CliError::Reported {
            message: format!("private engine: {message}"),
            code: verdict["exit"].as_i64().map_or(exit::ENGINE_DOWN, |c| c as i32),
        });
    }
    let record = &verdict["ready"];
    let socket = record["socket"].as_str().unwrap_or_default();
    let program = EngineKind::from(a.kind).program();
    println!("export DOCKER_HOST=unix://{socket}");
    eprintln!(
        "private engine '{}' is running: {program} pid {}, socket unix://{socket}, state directory {}\n  dockhand --host unix://{socket} check    # or export DOCKER_HOST as above\n  dockhand engine logs {}                 # {program}'s log\n  dockhand engine stop {}                 # stops it, removes its network namespace and state",
        a.name,
        record["dockerd_pid"],
        record["dir"].as_str().unwrap_or_default(),
        a.name,
        a.name,
    );
    Ok(exit::SUCCESS)
}

/// Writes the supervisor's one-line verdict to the pipe `engine start` reads.
fn verdict(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

/// Points stdout and stderr at `path`: the starting process stops reading the
/// pipe once it has the verdict, and later warnings should land somewhere.
fn redirect_output(path: &Path) {
    if let Ok(f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        // SAFETY: dup2 onto our own standard descriptors.
        unsafe {
            libc::dup2(f.as_raw_fd(), 1);
            libc::dup2(f.as_raw_fd(), 2);
        }
    }
}

/// `dockhand engine serve NAME` (hidden): runs the engine until a stop
/// signal. SIGTERM is how `engine stop` asks it to stop, so here a signal is
/// no interruption: the engine shuts down and the supervisor exits 0. Later
/// signals do not cut the shutdown short (`engine stop` kills it if it hangs).
pub async fn serve(a: EngineStartArgs) -> Result<i32, CliError> {
    let interrupts = crate::settings::take_stop_signals()?;
    interrupts.on_repeat(|_| {});
    let mut opts = PrivateEngineOptions::new(&a.name).kind(a.kind.into());
    opts.extra_args = dockerd_args(&a);
    let started = tokio::select! {
        r = PrivateEngine::start(opts) => r,
        // Dropping the start removes whatever it had started.
        _ = interrupts.first() => Err(DaemonError::NotRunning { name: a.name.clone() }),
    };
    let pe = match started {
        Ok(pe) => pe,
        Err(e) => {
            let message = e.to_string();
            let code = CliError::Daemon(e).exit_code();
            verdict(&json!({ "error": message, "exit": code }));
            return Ok(code);
        }
    };
    let record = json!({
        "name": pe.name(),
        "supervisor_pid": std::process::id(),
        "kind": pe.kind().to_string(),
        // The service's pid, under its historical name (dockerd or podman).
        "dockerd_pid": pe.pid(),
        "containerd_pid": pe.containerd_pid(),
        "socket": pe.socket_path(),
        "dir": pe.dir(),
        "args": pe.extra_args(),
        "started": now_rfc3339(),
    });
    std::fs::write(pe.dir().join(RECORD), format!("{record:#}\n"))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", pe.dir().join(RECORD).display()))?;
    verdict(&json!({ "ready": record }));
    redirect_output(&pe.dir().join("supervisor.log"));
    interrupts.first().await;
    match pe.shutdown().await {
        Ok(()) => Ok(exit::SUCCESS),
        // `engine stop` removes what is left and reports it.
        Err(e) => {
            eprintln!("{e}");
            Ok(exit::ENGINE_DOWN)
        }
    }
}

fn signal(pid: u32, sig: libc::c_int) -> std::io::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::kill(pid as libc::pid_t, sig) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Whether `pid` is the supervisor of engine `name` (pids are reused).
fn is_supervisor(pid: u32, name: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let argv: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    argv.windows(3)
        .any(|w| w[0] == b"engine" && w[1] == b"serve" && w[2] == name.as_bytes())
}

/// The state letter of `/proc/<pid>/stat` (`R`, `S`, `T`, `Z`, ...), if the process exists.
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// `dockhand engine stop NAME`: stops a live engine through its supervisor, then
/// removes what is left; a stale engine's leftovers are removed directly.
pub async fn stop(name: &str) -> Result<i32, CliError> {
    validate_name(name)?;
    let dir = state_dir(name);
    let record = read_record(&dir);
    let netns = Path::new(dockhand_daemon::NETNS_DIR).join(dockhand_daemon::netns_name(name));
    let lock = Path::new(dockhand_daemon::LOCK_DIR).join(format!("{name}.lock"));
    let alive = is_alive(name);
    if !alive && !dir.exists() && !netns.exists() && !lock.exists() {
        return Err(CliError::Usage(format!(
            "no private engine named '{name}': `dockhand engine ls` lists them"
        )));
    }
    if alive {
        let supervisor = record
            .as_ref()
            .and_then(|r| pid_of(r, "supervisor_pid"))
            .filter(|p| is_supervisor(*p, name))
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "private engine '{name}' is running but was not started by `dockhand engine start` (no supervisor recorded in {}): stop it from the program that started it",
                    dir.join(RECORD).display()
                ))
            })?;
        eprintln!("stopping private engine '{name}' (supervisor pid {supervisor}) ...");
        let _ = signal(supervisor, libc::SIGTERM);
        let until = Instant::now() + STOP_WAIT;
        while is_alive(name) && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if is_alive(name) {
            eprintln!(
                "warning: the supervisor did not stop within {STOP_WAIT:?}; killing it (its daemons die with it)"
            );
            let _ = signal(supervisor, libc::SIGKILL);
            let until = Instant::now() + Duration::from_secs(10);
            while is_alive(name) && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    let report = sweep_one(name, &[default_base_dir()]);
    if !report.alive.is_empty() {
        return Err(anyhow::anyhow!(
            "private engine '{name}' is still held by a live process after SIGTERM and SIGKILL to its supervisor: see `ps -ef | grep {name}`"
        )
        .into());
    }
    if !report.problems.is_empty() {
        return Err(CliError::Daemon(DaemonError::Cleanup {
            name: name.to_string(),
            leftovers: report.problems.join(", "),
        }));
    }
    if alive {
        println!("stopped private engine '{name}'; removed its network namespace and state directory");
    } else {
        println!("removed the leftovers of private engine '{name}', whose process had died (network namespace, state directory, mounts)");
    }
    Ok(exit::SUCCESS)
}

/// One row of `engine ls`.
struct Row {
    name: String,
    pid: String,
    socket: String,
    state: String,
    started: String,
}

fn rows() -> Vec<Row> {
    let base = default_base_dir();
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Vec::new();
    };
    let mut rows: Vec<Row> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let record = read_record(&e.path())?;
            let dockerd = pid_of(&record, "dockerd_pid");
            let state = if !is_alive(&name) {
                "stale (its process died; `engine stop` removes it)".to_string()
            } else {
                match dockerd.and_then(proc_state) {
                    Some('T') | Some('t') => "frozen".into(),
                    Some('Z') | None => "dockerd exited".into(),
                    Some(_) => "running".into(),
                }
            };
            Some(Row {
                pid: dockerd.map_or("-".into(), |p| p.to_string()),
                socket: format!("unix://{}", record["socket"].as_str().unwrap_or_default()),
                started: record["started"].as_str().unwrap_or("-").to_string(),
                state,
                name,
            })
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

/// `dockhand engine ls`.
pub fn ls() -> Result<i32, CliError> {
    let rows = rows();
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        let _ = writeln!(
            out,
            "no private engines under {} (start one with `dockhand engine start NAME`)",
            default_base_dir().display()
        );
        return Ok(exit::SUCCESS);
    }
    let w = |f: fn(&Row) -> &str, head: &str| rows.iter().map(|r| f(r).len()).max().unwrap_or(0).max(head.len());
    let (wn, wp, ws, wt) = (
        w(|r| &r.name, "NAME"),
        w(|r| &r.pid, "PID"),
        w(|r| &r.socket, "SOCKET"),
        w(|r| &r.started, "STARTED"),
    );
    let _ = writeln!(
        out,
        "{:<wn$}  {:<wp$}  {:<ws$}  {:<wt$}  STATE",
        "NAME", "PID", "SOCKET", "STARTED"
    );
    for r in &rows {
        if writeln!(
            out,
            "{:<wn$}  {:<wp$}  {:<ws$}  {:<wt$}  {}",
            r.name, r.pid, r.socket, r.started, r.state
        )
        .is_err()
        {
            break; // a closed pipe is a clean exit
        }
    }
    Ok(exit::SUCCESS)
}

/// `dockhand engine logs NAME [-n N]`: dockerd's (or podman's) log, or its last N lines.
pub fn logs(name: &str, lines: Option<usize>) -> Result<i32, CliError> {
    validate_name(name)?;
    let dir = state_dir(name);
    let podman = dir.join("podman.log");
    let path = if podman.exists() {
        podman
    } else {
        dir.join("dockerd.log")
    };
    let text = std::fs::read(&path).map_err(|e| {
        CliError::Usage(format!(
            "no log of private engine '{name}' at {} ({e}): `dockhand engine ls` lists engines",
            path.display()
        ))
    })?;
    let text = String::from_utf8_lossy(&text);
    let all: Vec<&str> = text.lines().collect();
    let from = lines.map_or(0, |n| all.len().saturating_sub(n));
    let mut out = std::io::stdout().lock();
    for l in &all[from..] {
        if writeln!(out, "{l}").is_err() {
            break;
        }
    }
    Ok(exit::SUCCESS)
}

/// Removes the leftovers of `check --private-engine` runs that died without
/// cleaning up (`check-<pid>` engines whose lock is free); returns the problems.
/// Engines of other names are not this command's to sweep.
pub fn sweep_dead_check_engines() -> Vec<String> {
    let names = |dir: &Path, prefix: &str| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter_map(|n| n.strip_prefix(prefix).map(String::from))
                    .filter(|n| n.starts_with("check-"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all = names(&default_base_dir(), "");
    all.extend(names(
        Path::new(dockhand_daemon::NETNS_DIR),
        dockhand_daemon::NETNS_PREFIX,
    ));
    all.sort();
    all.dedup();
    all.into_iter()
        .filter(|n| !is_alive(n))
        .flat_map(|n| sweep_one(&n, &[default_base_dir()]).problems)
        .collect()
}
