//! `dockhand env`: up, run, down, ps and logs on top of `dockhand-env`.
//! A stop signal (Ctrl-C, SIGTERM, SIGHUP: [`Interrupts`]) during `up` or
//! `run` tears the environment down before exiting 128 + its number; later
//! ones do not cut the teardown short.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_engine::Engine;
use dockhand_env::compose::{parse_duration, LoadOptions};
use dockhand_env::labels::{self, Removed};
use dockhand_env::{Environment, Progress, ProgressEvent, ServiceState};
use dockhand_harness::interrupt::say;
use dockhand_harness::{exit, Interrupts, Signal};
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::watch;

use crate::args::{EnvCommand, EnvDownArgs, EnvFileArgs, EnvLogsArgs, EnvRunArgs, EnvUpArgs, GlobalArgs};
use crate::error::CliError;
use crate::settings::{connect, load_config};

const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

pub async fn dispatch(g: &GlobalArgs, c: EnvCommand) -> Result<i32, CliError> {
    // Reading a file needs no engine.
    if let EnvCommand::Config(a) = &c {
        return config(a);
    }
    let engine = connect(&load_config(g, None)?).await?;
    // The next invocation after a crash sweeps what it left.
    for (project, r) in labels::sweep_abandoned(&engine)
        .await
        .map_err(dockhand_env::EnvError::from)?
    {
        eprintln!(
            "swept abandoned environment `{project}` ({}; its owner is gone or it expired)",
            removed_text(&r)
        );
    }
    match c {
        EnvCommand::Up(a) => up(engine, a).await,
        EnvCommand::Run(a) => run(engine, a).await,
        EnvCommand::Down(a) => down(engine, a).await,
        EnvCommand::Ps(a) => ps(engine, a).await,
        EnvCommand::Logs(a) => logs(engine, a).await,
        EnvCommand::Config(a) => config(&a),
    }
}

/// `env config`: the resolved file on stdout, or every problem on stderr
/// (one `file:line:col: message` line each) and exit 3.
fn config(a: &EnvFileArgs) -> Result<i32, CliError> {
    let file = find_file(a)?;
    let opts = LoadOptions {
        profiles: a.profile.clone(),
        process_env: true,
        ..LoadOptions::default()
    };
    match dockhand_env::Compose::load_all(&file, &opts) {
        Ok(c) => {
            print_warnings(&c);
            let project = match &a.project {
                Some(p) => check_project(p)?,
                None => dockhand_env::default_project(&c).ok_or_else(|| no_name(&file))?,
            };
            print!("{}", c.to_yaml(&project));
            Ok(exit::SUCCESS)
        }
        Err(errs) => {
            for e in errs {
                eprintln!("error: {e}");
            }
            Ok(exit::USAGE)
        }
    }
}

/// The file's warnings (swarm-only keys, unset variables), once each.
fn print_warnings(c: &dockhand_env::Compose) {
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
}

fn removed_text(r: &Removed) -> String {
    format!(
        "{} containers, {} networks, {} volumes, {} images",
        r.containers, r.networks, r.volumes, r.images
    )
}

fn find_file(a: &EnvFileArgs) -> Result<PathBuf, CliError> {
    if let Some(f) = &a.file {
        return Ok(f.clone());
    }
    DEFAULT_FILES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no compose file here ({}); pass one with -f FILE",
                DEFAULT_FILES.join(", ")
            ))
        })
}

fn check_project(p: &str) -> Result<String, CliError> {
    match labels::normalize_project(p) {
        Some(n) if n == p => Ok(n),
        _ => Err(CliError::Usage(format!(
            "invalid project name `{p}`: use lowercase letters, digits, `-` and `_`, starting with a letter or digit"
        ))),
    }
}

/// The project of commands that need no file: -p, else the file's, else
/// the working directory's name.
fn project_only(a: &EnvFileArgs) -> Result<String, CliError> {
    if let Some(p) = &a.project {
        return check_project(p);
    }
    if let Ok(file) = find_file(a) {
        let c = dockhand_env::Compose::load(&file, &a.profile).map_err(dockhand_env::EnvError::from)?;
        return dockhand_env::default_project(&c).ok_or_else(|| no_name(&file));
    }
    let cwd = std::env::current_dir().map_err(|e| CliError::Usage(format!("no working directory: {e}")))?;
    cwd.file_name()
        .and_then(|n| n.to_str())
        .and_then(labels::normalize_project)
        .ok_or_else(|| no_name(&cwd))
}

fn no_name(p: &Path) -> CliError {
    CliError::Usage(format!(
        "cannot make a project name from {}; pass one with -p NAME",
        p.display()
    ))
}

fn duration(flag: &str, v: &str) -> Result<Duration, CliError> {
    parse_duration(v).map_err(|e| CliError::Usage(format!("{flag}: {e}")))
}

fn environment(
    engine: &Engine,
    a: &EnvFileArgs,
    wait: &str,
    log_lines: usize,
    follow_logs: bool,
) -> Result<(Environment, watch::Sender<bool>), CliError> {
    let file = find_file(a)?;
    let env = Environment::from_compose_with(
        &file,
        &LoadOptions {
            profiles: a.profile.clone(),
            process_env: true,
            ..LoadOptions::default()
        },
    )?;
    print_warnings(env.compose());
    let project = match &a.project {
        Some(p) => check_project(p)?,
        None => dockhand_env::default_project(env.compose()).ok_or_else(|| no_name(&file))?,
    };
    let (tx, rx) = watch::channel(false);
    let scaled = env
        .compose()
        .services
        .iter()
        .filter(|s| s.replicas > 1)
        .map(|s| s.name.clone())
        .collect();
    let env = env
        .project(&project)?
        .engine(engine.clone())
        .wait_timeout(duration("--wait-timeout", wait)?)
        .log_lines(log_lines)
        .follow_logs(follow_logs)
        .progress(Arc::new(Draw::new(scaled)))
        .cancel_on(rx);
    Ok((env, tx))
}

/// Takes over the stop signals: the first cancels `up` (or `run`'s command),
/// and the caller tears down and exits 128 + its number.
fn on_interrupt(tx: watch::Sender<bool>) -> Result<Interrupts, CliError> {
    let interrupts = crate::settings::take_stop_signals()?;
    interrupts
        .on_repeat(|_| say("\nstill tearing down; the next dockhand sweeps whatever is left if you kill this one"));
    let first = interrupts.clone();
    tokio::spawn(async move {
        let s = first.first().await;
        say(&format!("\ninterrupted: tearing the environment down ({s})"));
        let _ = tx.send(true);
    });
    Ok(interrupts)
}

/// `up` stopped by a signal: the environment is down; exit as the signal says.
fn stopped_by_signal(e: dockhand_env::EnvError, interrupts: &Interrupts) -> CliError {
    match (&e, interrupts.received()) {
        (dockhand_env::EnvError::Interrupted, Some(signal)) => CliError::Interrupted {
            message: e.to_string(),
            signal,
        },
        _ => e.into(),
    }
}

async fn up(engine: Engine, a: EnvUpArgs) -> Result<i32, CliError> {
    let (env, tx) = environment(&engine, &a.file, &a.wait_timeout, a.logs, !a.no_wait_logs)?;
    let env = env.owned(false).ttl(duration("--ttl", &a.ttl)?);
    let interrupts = on_interrupt(tx)?;
    let started = Instant::now();
    let running = env.up().await.map_err(|e| stopped_by_signal(e, &interrupts))?;
    let project = running.project().to_string();
    println!(
        "project {project} is up and ready in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    for (k, v) in running.env_vars() {
        if k != "DOCKHAND_PROJECT" && !k.ends_with("_REPLICAS") {
            println!("  {k}={v}");
        }
    }
    println!("`dockhand env down -p {project}` removes it");
    running.detach();
    Ok(exit::SUCCESS)
}

async fn run(engine: Engine, a: EnvRunArgs) -> Result<i32, CliError> {
    let (env, tx) = environment(&engine, &a.file, &a.wait_timeout, a.logs, !a.no_wait_logs)?;
    let env = env.owned(true).keep_images(a.keep_images);
    let mut cancelled = tx.subscribe();
    let interrupts = on_interrupt(tx)?;
    let running = env.up().await.map_err(|e| stopped_by_signal(e, &interrupts))?;
    let mut child = match tokio::process::Command::new(&a.cmd[0])
        .args(&a.cmd[1..])
        .envs(running.env_vars())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            running.down().await?;
            return Err(CliError::Usage(format!(
                "cannot run `{}`: {e}; the environment was torn down",
                a.cmd[0]
            )));
        }
    };
    let mut interrupted = false;
    let status = tokio::select! {
        s = child.wait() => Some(s),
        Ok(_) = cancelled.wait_for(|c| *c) => None,
    };
    let status = match status {
        Some(s) => s,
        None => {
            interrupted = true;
            // Ask CMD to stop, then insist.
            if let Some(pid) = child.id() {
                // SAFETY: kill(2) on our own child's pid with a valid signal.
                unsafe {
                    libc::kill(pid as i32, libc::SIGTERM);
                }
            }
            match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
                Ok(s) => s,
                Err(_) => {
                    let _ = child.kill().await;
                    child.wait().await
                }
            }
        }
    };
    let code = match &status {
        Ok(s) => s.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            128 + s.signal().unwrap_or(0)
        }),
        Err(_) => 1,
    };
    if code != 0 && !interrupted {
        eprintln!(
            "`{}` exited with code {code}; the last {} log lines of each service:",
            a.cmd.join(" "),
            a.logs
        );
        for (service, replica, lines) in running.log_tails(a.logs).await {
            eprintln!("--- {service} (replica {replica})");
            if lines.is_empty() {
                eprintln!("    (no output)");
            }
            for l in lines {
                eprintln!("    | {l}");
            }
        }
    }
    let project = running.project().to_string();
    let removed = running.down().await?;
    eprintln!("project {project} torn down ({})", removed_text(&removed));
    if interrupted {
        return Ok(interrupts.received().map_or(exit::INTERRUPTED, Signal::exit_code));
    }
    if let Err(e) = status {
        return Err(CliError::Other(anyhow::anyhow!("waiting for `{}`: {e}", a.cmd[0])));
    }
    Ok(code)
}

async fn down(engine: Engine, a: EnvDownArgs) -> Result<i32, CliError> {
    let project = project_only(&a.file)?;
    let r = labels::remove_project(&engine, &project, a.keep_images)
        .await
        .map_err(dockhand_env::EnvError::from)?;
    if r.total() == 0 {
        println!("project {project} has nothing on the engine");
    } else {
        println!("project {project} removed: {}", removed_text(&r));
    }
    Ok(exit::SUCCESS)
}

async fn ps(engine: Engine, a: EnvFileArgs) -> Result<i32, CliError> {
    let project = project_only(&a)?;
    let list = dockhand_env::containers(&engine, &project)
        .await
        .map_err(dockhand_env::EnvError::from)?;
    if list.is_empty() {
        println!("project {project} has no containers");
        return Ok(exit::SUCCESS);
    }
    println!(
        "{:<16} {:>7}  {:<32} {:<30} PORTS",
        "SERVICE", "REPLICA", "NAME", "STATUS"
    );
    for c in list {
        println!(
            "{:<16} {:>7}  {:<32} {:<30} {}",
            c.service,
            c.replica,
            c.name,
            c.status,
            c.ports.join(", ")
        );
    }
    Ok(exit::SUCCESS)
}

async fn logs(engine: Engine, a: EnvLogsArgs) -> Result<i32, CliError> {
    let project = project_only(&a.file)?;
    if let Some(s) = &a.service {
        let list = dockhand_env::containers(&engine, &project)
            .await
            .map_err(dockhand_env::EnvError::from)?;
        if !list.iter().any(|c| &c.service == s) {
            let mut known: Vec<String> = list.into_iter().map(|c| c.service).collect();
            known.dedup();
            return Err(dockhand_env::EnvError::UnknownService {
                project,
                service: s.clone(),
                known: if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            }
            .into());
        }
    }
    let lines = dockhand_env::project_logs(&engine, &project, a.service.as_deref(), a.tail)
        .await
        .map_err(dockhand_env::EnvError::from)?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for l in lines {
        if writeln!(out, "{l}").is_err() {
            break;
        }
    }
    Ok(exit::SUCCESS)
}

/// Draws `up`'s progress: a spinner over the services still pending on a
/// terminal (each with its latest log line), plain timestamped lines
/// otherwise (log lines among them, prefixed by the service's name).
struct Draw {
    started: Instant,
    bar: Option<ProgressBar>,
    pending: Mutex<Vec<(String, String)>>,
    /// The latest log line of each service (the terminal's compact view).
    last_line: Mutex<BTreeMap<String, String>>,
    /// Services with more than one replica: their lines name the replica.
    scaled: BTreeSet<String>,
}

/// How much of a log line the terminal's one-line view shows.
const LIVE_LINE: usize = 60;

impl Draw {
    fn new(scaled: BTreeSet<String>) -> Draw {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>3} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(100));
            b
        });
        Draw {
            started: Instant::now(),
            bar,
            pending: Mutex::new(Vec::new()),
            last_line: Mutex::new(BTreeMap::new()),
            scaled,
        }
    }

    /// The spinner's line: each pending service, what it waits for, and its
    /// latest output.
    fn summary(&self) -> String {
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
        pending
            .iter()
            .map(|(s, t)| match last.get(s) {
                Some(l) => format!("{s}: {t} | {l}"),
                None => format!("{s}: {t}"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn log(&self, service: String, replica: u32, line: String) {
        let label = if self.scaled.contains(&service) {
            format!("{service}-{replica}")
        } else {
            service.clone()
        };
        match &self.bar {
            Some(b) => {
                let short: String = line.chars().take(LIVE_LINE).collect();
                self.last_line
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(service, format!("{label}: {short}"));
                b.set_message(self.summary());
            }
            None => self.line(format!("{label} | {line}")),
        }
    }

    fn line(&self, s: String) {
        let s = format!("{:>6.1}s {s}", self.started.elapsed().as_secs_f64());
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }
}

impl Progress for Draw {
    fn event(&self, e: ProgressEvent) {
        match e {
            ProgressEvent::Step(s) => self.line(s),
            ProgressEvent::Log {
                service, replica, line, ..
            } => self.log(service, replica, line),
            ProgressEvent::Service { service, state } => {
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                pending.retain(|(s, _)| s != &service);
                let text = match &state {
                    ServiceState::Building => Some("building".to_string()),
                    ServiceState::Waiting(w) => Some(format!("waiting for {w}")),
                    ServiceState::Starting => Some("starting".to_string()),
                    ServiceState::Ready | ServiceState::Completed | ServiceState::Failed => None,
                };
                if let Some(t) = &text {
                    pending.push((service.clone(), t.clone()));
                }
                drop(pending);
                let summary = self.summary();
                match (&self.bar, &state) {
                    (Some(b), ServiceState::Ready | ServiceState::Completed | ServiceState::Failed) => {
                        b.set_message(summary);
                    }
                    (Some(b), _) => {
                        b.set_message(summary);
                        return;
                    }
                    _ => {}
                }
                match state {
                    ServiceState::Ready => self.line(format!("{service}: ready")),
                    ServiceState::Completed => self.line(format!("{service}: completed (exit 0)")),
                    ServiceState::Failed => self.line(format!("{service}: failed")),
                    _ => self.line(format!("{service}: {}", text.unwrap_or_default())),
                }
            }
        }
    }
}

impl Drop for Draw {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
