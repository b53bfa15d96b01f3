//! `dockhand-soak`: many runs of the suite against a private engine that is
//! killed (SIGKILL) or frozen (SIGSTOP) at a random moment of each run.
//!
//! Each run: `dockhand check` starts; after a random delay within the length
//! of a clean run, the engine is killed or frozen; dockhand must exit 2 within
//! its bound (2 s after a kill, the call deadline + 1 s after a freeze) with
//! the right diagnosis (unreachable or connection lost after a kill; not
//! responding, naming the call, after a freeze). Then the engine is restored
//! (restarted, or thawed), the run is finished with `check --resume` (or,
//! when it never started its journal, swept with `dockhand clean`), and the
//! engine is searched for anything labelled `dockhand.run`. A dockerd that
//! does not start again after its SIGKILL (Docker 20.10.24 sometimes panics
//! in libnetwork while restoring) is the engine's failure, not dockhand's:
//! its log is kept, it is counted apart, and the soak goes on with a fresh
//! engine, where the resume runs.
//!
//! Prints runs made, faults injected by kind, wrong diagnoses, objects left
//! behind, hangs (a dockhand that did not exit within its bound), duplicate
//! cases and failed resumes; exits 1 if any of those is not zero. Started by
//! `scripts/soak`; the private engine is stopped at the end, also on failure,
//! panic (its Drop) or Ctrl-C / SIGTERM.
//!
//! Settings (environment): `DOCKHAND_SOAK_RUNS` (50), `DOCKHAND_SOAK_SEED`
//! (from the clock), `DOCKHAND_SOAK_SELECT` (check globs, space-separated;
//! default: the default suite), `DOCKHAND_SOAK_REPEAT` (default: enough for
//! 16 cases a run), `DOCKHAND_SOAK_TIMEOUT` (the call deadline, 2s),
//! `DOCKHAND_BIN` (the dockhand binary; default: next to this one).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{label_filter, ConnectOptions, Deadlines, Engine};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

const KILL_BOUND: Duration = Duration::from_secs(2);
/// Past its bound, a dockhand that still runs is killed and counted as a hang.
const HANG_LIMIT: Duration = Duration::from_secs(30);
const RESUME_LIMIT: Duration = Duration::from_secs(600);

struct Config {
    runs: u32,
    seed: u64,
    select: Vec<String>,
    repeat: Option<u32>,
    timeout: Duration,
    dockhand: PathBuf,
}

impl Config {
    fn from_env() -> anyhow::Result<Config> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let runs = match var("DOCKHAND_SOAK_RUNS") {
            Some(v) => v
                .parse()
                .with_context(|| format!("DOCKHAND_SOAK_RUNS={v}: use a whole number"))?,
            None => 50,
        };
        let seed = match var("DOCKHAND_SOAK_SEED") {
            Some(v) => v
                .parse()
                .with_context(|| format!("DOCKHAND_SOAK_SEED={v}: use a whole number"))?,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_nanos() as u64,
        };
        let repeat = match var("DOCKHAND_SOAK_REPEAT") {
            Some(v) => Some(
                v.parse()
                    .with_context(|| format!("DOCKHAND_SOAK_REPEAT={v}: use a whole number"))?,
            ),
            None => None,
        };
        let timeout_s = var("DOCKHAND_SOAK_TIMEOUT").unwrap_or_else(|| "2".into());
        let timeout = Duration::from_secs_f64(
            timeout_s
                .trim_end_matches('s')
                .parse()
                .with_context(|| format!("DOCKHAND_SOAK_TIMEOUT={timeout_s}: use seconds, e.g. 2s"))?,
        );
        let dockhand = match var("DOCKHAND_BIN") {
            Some(p) => PathBuf::from(p),
            None => std::env::current_exe()?.with_file_name("dockhand"),
        };
        if !dockhand.is_file() {
            bail!(
                "no dockhand binary at {}: build it (`cargo build -p dockhand`) or set DOCKHAND_BIN",
                dockhand.display()
            );
        }
        Ok(Config {
            runs,
            seed,
            select: var("DOCKHAND_SOAK_SELECT")
                .map(|s| s.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
            repeat,
            timeout,
            dockhand,
        })
    }
}

/// xorshift64*: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Fault {
    Kill,
    Freeze,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Kill => "kill",
            Fault::Freeze => "freeze",
        }
    }
}

#[derive(Default)]
struct Tally {
    runs: u32,
    injected: HashMap<&'static str, u32>,
    missed: u32,
    wrong: u32,
    leftovers: usize,
    hangs: u32,
    duplicates: u32,
    resume_failures: u32,
    /// dockerd itself failed to start again after a SIGKILL (its bug, not
    /// dockhand's); the soak went on with a fresh engine.
    engine_restart_failures: u32,
    exit_after: HashMap<&'static str, Vec<Duration>>,
}

struct Soak<'a> {
    cfg: &'a Config,
    dir: PathBuf,
    host: String,
    args: Vec<String>,
    cases: usize,
    tally: Tally,
}

struct Finished {
    code: Option<i32>,
    events: Vec<Value>,
    stderr: String,
    /// From the fault to the exit.
    after_fault: Option<Duration>,
    hung: bool,
}

impl Soak<'_> {
    fn dockhand(&self, args: &[String]) -> Command {
        let mut c = Command::new(&self.cfg.dockhand);
        c.current_dir(&self.dir)
            .env_remove("DOCKER_HOST")
            .arg("--host")
            .arg(&self.host);
        // The short deadline is for the runs that get a fault (and the clean
        // run that sizes them): it bounds the freeze diagnosis. Recovery
        // (resume, clean) runs with the default deadline, as a user would:
        // on a loaded machine a container start can take over 2 s.
        if !args.iter().any(|a| a == "--resume" || a == "clean") {
            c.arg("--timeout").arg(format!("{}ms", self.cfg.timeout.as_millis()));
        }
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// Runs dockhand; after `fault_at` (if the run lasts that long) applies
    /// the fault. Returns how it ended.
    async fn run(
        &self,
        pe: &mut PrivateEngine,
        args: &[String],
        fault: Option<(Fault, Duration)>,
        limit: Duration,
    ) -> anyhow::Result<Finished> {
        let mut child = self.dockhand(args).spawn().context("start dockhand")?;
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let out = child.stdout.take().unwrap();
        let l = lines.clone();
        let reader = tokio::spawn(async move {
            let mut r = BufReader::new(out).lines();
            while let Ok(Some(line)) = r.next_line().await {
                l.lock().unwrap().push(line);
            }
        });
        let mut err = child.stderr.take().unwrap();
        let err_reader = tokio::spawn(async move {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s).await;
            s
        });
        let mut faulted_at = None;
        let mut status = None;
        if let Some((kind, at)) = fault {
            tokio::select! {
                s = child.wait() => status = Some(s?),
                _ = tokio::time::sleep(at) => {
                    faulted_at = Some(Instant::now());
                    match kind {
                        Fault::Kill => { pe.kill().await.context("SIGKILL the private dockerd")?; }
                        Fault::Freeze => pe.freeze().context("SIGSTOP the private dockerd")?,
                    }
                }
            }
        }
        let started = faulted_at.unwrap_or_else(Instant::now);
        let mut hung = false;
        let status = match status {
            Some(s) => s,
            None => match tokio::time::timeout(limit.saturating_sub(started.elapsed()), child.wait()).await {
                Ok(s) => s?,
                Err(_) => {
                    hung = true;
                    child.kill().await.ok();
                    child.wait().await?
                }
            },
        };
        let after_fault = faulted_at.map(|t| t.elapsed());
        let _ = reader.await;
        let stderr = err_reader.await.unwrap_or_default();
        let events = lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        Ok(Finished {
            code: status.code(),
            events,
            stderr,
            after_fault,
            hung,
        })
    }
}

fn run_id(events: &[Value]) -> Option<String> {
    events
        .iter()
        .find(|e| e["event"] == "run-started")
        .and_then(|e| e["run_id"].as_str())
        .map(String::from)
}

/// The cases of a run that did not pass, skip, or fail as known, with their outcome.
fn failures(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            e["event"] == "check-finished"
                && !matches!(
                    e["outcome"]["kind"].as_str(),
                    Some("passed" | "skipped" | "known-failure" | "fixed")
                )
        })
        .map(|e| format!("{} {}: {}", e["case"], e["outcome"]["kind"], e["outcome"]))
        .collect()
}

fn names_a_call(s: &str) -> bool {
    ["GET /", "POST /", "PUT /", "DELETE /", "HEAD /"]
        .iter()
        .any(|m| s.contains(m))
}

/// Whether the run's end is the right diagnosis of the fault.
fn diagnosis(kind: Fault, f: &Finished) -> Result<String, String> {
    let down = f
        .events
        .iter()
        .find(|e| e["event"] == "engine-down")
        .and_then(|e| e["diagnosis"].as_str())
        .map(String::from);
    let text = down.clone().unwrap_or_else(|| f.stderr.trim().to_string());
    if f.code != Some(2) {
        return Err(format!("exit {:?}, expected 2: {text}", f.code));
    }
    let ok = match kind {
        Fault::Kill => {
            (text.contains("unreachable") || text.contains("connection lost") || text.contains("connection refused"))
                && !text.contains("not responding")
        }
        Fault::Freeze => (text.contains("not responding") || text.contains("went silent")) && names_a_call(&text),
    };
    let line = text.lines().next().unwrap_or("").to_string();
    if ok {
        Ok(line)
    } else {
        Err(format!("wrong diagnosis of a {}: {line}", kind.name()))
    }
}

/// Objects labelled `dockhand.run` on the engine (it is private: all are ours).
async fn leftovers(endpoint: &dockhand_engine::Endpoint) -> anyhow::Result<Vec<String>> {
    let engine = Engine::connect(ConnectOptions {
        endpoint: endpoint.clone(),
        deadlines: Deadlines {
            call: Duration::from_secs(30),
            stream_idle: Duration::from_secs(30),
        },
        pinned_version: None,
    })
    .await?;
    // The one listing the sweeper and leak accounting use.
    let found = dockhand_harness::objects::list(&engine, &label_filter(&["dockhand.run"])).await?;
    Ok(found.iter().map(|o| o.to_string()).collect())
}

/// Keeps a troubled run's journal for a reader, and says where.
/// Copies the engine's dockerd log next to the kept journals; returns where.
fn keep_engine_log(pe: &PrivateEngine, run: u32) -> PathBuf {
    let keep = std::env::temp_dir().join("dockhand-soak-journals");
    let to = keep.join(format!("{}-run{run}-dockerd.log", pe.name()));
    let _ = std::fs::create_dir_all(&keep).and_then(|_| std::fs::copy(pe.log_path(), &to));
    to
}

/// The `panic: …` line of a Go daemon's log, with the line after it.
fn panic_line(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let mut lines = text.lines().skip_while(|l| !l.starts_with("panic: "));
    let first = lines.next()?;
    Some(match lines.next() {
        Some(next) if !next.trim().is_empty() => format!("{first} {}", next.trim()),
        _ => first.to_string(),
    })
}

fn keep_journal(dir: &Path, run_id: &str, line: &mut String) {
    let keep = std::env::temp_dir().join("dockhand-soak-journals");
    let from = dir.join(".dockhand/journal").join(format!("{run_id}.jsonl"));
    let to = keep.join(format!("{run_id}.jsonl"));
    if std::fs::create_dir_all(&keep)
        .and_then(|()| std::fs::copy(&from, &to))
        .is_ok()
    {
        line.push_str(&format!(" (journal kept: {})", to.display()));
    }
}

/// Final outcomes per case in the run's journal.
fn journal_finals(dir: &Path, run_id: &str) -> anyhow::Result<(usize, HashMap<String, u32>)> {
    let p = dir.join(".dockhand/journal").join(format!("{run_id}.jsonl"));
    let text = std::fs::read_to_string(&p).with_context(|| format!("read {}", p.display()))?;
    let mut selection = 0;
    let mut finals: HashMap<String, u32> = HashMap::new();
    for l in text.lines() {
        let Ok(v) = serde_json::from_str::<Value>(l) else {
            continue;
        };
        // The first segment's selection is the run's; a resumed one selects what was left.
        if v["event"] == "run-started" && selection == 0 {
            selection = v["selection"].as_array().map_or(0, |a| a.len());
        }
        if v["event"] == "check-finished" && v["outcome"]["kind"] != "not-run" {
            *finals.entry(v["case"].to_string()).or_default() += 1;
        }
    }
    Ok((selection, finals))
}

async fn soak(
    pe: &mut PrivateEngine,
    cfg: &Config,
    dir: &Path,
    tally_out: &Mutex<Option<Tally>>,
) -> anyhow::Result<()> {
    let dir = dir.to_path_buf();
    let host = format!("unix://{}", pe.socket_path().display());

    // How many checks the selection holds, to size the run.
    let mut list = Command::new(&cfg.dockhand);
    list.current_dir(&dir).arg("list").args(&cfg.select);
    let out = list.output().await.context("dockhand list")?;
    if !out.status.success() {
        bail!(
            "dockhand list {:?} failed: {}",
            cfg.select,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let checks = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    let repeat = cfg.repeat.unwrap_or_else(|| (16usize.div_ceil(checks.max(1))) as u32);
    let mut args: Vec<String> = ["check", "--format", "json", "--jobs", "2", "--repeat"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(repeat.to_string());
    args.extend(cfg.select.iter().cloned());
    let mut s = Soak {
        cfg,
        dir: dir.clone(),
        host,
        args,
        cases: 0,
        tally: Tally::default(),
    };

    // A clean run first: proves the setup, loads the probe, and measures how
    // long a run lasts, which bounds the random moment of the faults.
    let t = Instant::now();
    let base = s.run(pe, &s.args.clone(), None, RESUME_LIMIT).await?;
    let clean = t.elapsed();
    if base.code != Some(0) {
        bail!(
            "the clean run before the soak exited {:?}; fix that first:\n{}\n{}",
            base.code,
            failures(&base.events).join("\n"),
            base.stderr
        );
    }
    s.cases = base.events[0]["selection"].as_array().map_or(0, |a| a.len());
    println!(
        "soak: {} runs against private engine {} ({} cases a run: {} checks x {repeat}; a clean run takes {:.1}s), seed {}",
        cfg.runs,
        pe.name(),
        s.cases,
        checks,
        clean.as_secs_f64(),
        cfg.seed
    );

    let mut rng = Rng(cfg.seed);
    let freeze_bound = cfg.timeout + Duration::from_secs(1);
    for i in 1..=cfg.runs {
        let kind = if rng.next().is_multiple_of(2) {
            Fault::Kill
        } else {
            Fault::Freeze
        };
        let at = clean.mul_f64(0.8 * rng.unit());
        let bound = match kind {
            Fault::Kill => KILL_BOUND,
            Fault::Freeze => freeze_bound,
        };
        let f = s.run(pe, &s.args.clone(), Some((kind, at)), bound + HANG_LIMIT).await?;
        s.tally.runs += 1;
        let mut line = format!("run {i}/{}: {} at {:.2}s", cfg.runs, kind.name(), at.as_secs_f64());

        // Restore the engine whatever happened.
        match (kind, f.after_fault.is_some()) {
            (Fault::Kill, true) => {
                if let Err(e) = pe.restart(Vec::<String>::new()).await {
                    // The engine's failure, not dockhand's: keep its log, say
                    // so, and go on with a fresh engine (the resume runs there).
                    s.tally.engine_restart_failures += 1;
                    let kept = keep_engine_log(pe, i);
                    line.push_str(&format!(
                        " [ENGINE: dockerd did not come back after the SIGKILL: {}; its log is kept at {}; replaced by a fresh engine]",
                        panic_line(&kept).unwrap_or_else(|| e.root().to_string()),
                        kept.display()
                    ));
                    let name = format!("soak-{}-{i}", std::process::id());
                    let fresh = PrivateEngine::start(PrivateEngineOptions::new(&name))
                        .await
                        .context("start a fresh private engine after the old one failed to restart")?;
                    drop(std::mem::replace(pe, fresh));
                    s.host = format!("unix://{}", pe.socket_path().display());
                }
            }
            (Fault::Freeze, true) => pe.thaw().context("thaw the private engine")?,
            _ => {}
        }

        match f.after_fault {
            None => {
                s.tally.missed += 1;
                line.push_str(&format!(": the run ended first (exit {:?}), no fault", f.code));
                if f.code != Some(0) {
                    s.tally.wrong += 1;
                    line.push_str(" WRONG: a clean run must pass");
                }
            }
            Some(took) => {
                *s.tally.injected.entry(kind.name()).or_default() += 1;
                s.tally.exit_after.entry(kind.name()).or_default().push(took);
                line.push_str(&format!(" -> exit {:?} after {:.2}s", f.code, took.as_secs_f64()));
                if f.hung || took > bound {
                    s.tally.hangs += 1;
                    line.push_str(&format!(
                        " HANG (bound {}s{})",
                        bound.as_secs_f64(),
                        if f.hung { ", killed" } else { "" }
                    ));
                }
                let complete = f.code == Some(0)
                    && f.events
                        .iter()
                        .rfind(|e| e["event"] == "run-finished")
                        .is_some_and(|e| e["counts"]["not_run"] == 0);
                if complete {
                    line.push_str(": every case had finished before the fault took hold");
                } else {
                    match diagnosis(kind, &f) {
                        Ok(d) => line.push_str(&format!(": {}", &d[..d.len().min(110)])),
                        Err(e) => {
                            s.tally.wrong += 1;
                            line.push_str(&format!(" WRONG: {e}"));
                        }
                    }
                }
            }
        }

        // Finish the run, or sweep it when it never started its journal.
        match run_id(&f.events) {
            Some(id) => {
                let (selection, finals) = journal_finals(&dir, &id)?;
                if finals.len() < selection {
                    let args: Vec<String> = ["check", "--format", "json", "--resume"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    let r = s.run(pe, &args, None, RESUME_LIMIT).await?;
                    if r.code != Some(0) || r.hung {
                        s.tally.resume_failures += 1;
                        let why = failures(&r.events);
                        line.push_str(&format!(
                            "; RESUME FAILED (exit {:?}): {} {why:?}",
                            r.code,
                            r.stderr.lines().last().unwrap_or("")
                        ));
                        keep_journal(&dir, &id, &mut line);
                    }
                }
                let (selection, finals) = journal_finals(&dir, &id)?;
                let dups = finals.values().filter(|n| **n > 1).count() as u32;
                s.tally.duplicates += dups;
                if dups > 0 || finals.len() != selection {
                    keep_journal(&dir, &id, &mut line);
                    line.push_str(&format!(
                        "; journal: {} of {selection} cases final, {dups} twice",
                        finals.len()
                    ));
                } else {
                    line.push_str(&format!("; resumed, {selection} cases once each"));
                }
            }
            None => {
                let r = s.run(pe, &["clean".to_string()], None, RESUME_LIMIT).await?;
                line.push_str(&format!("; no journal, swept (exit {:?})", r.code));
            }
        }
        let left = leftovers(&pe.endpoint()).await?;
        if !left.is_empty() {
            s.tally.leftovers += left.len();
            line.push_str(&format!("; LEFT {left:?}"));
            // Reset for the next run; the engine is private, everything on it is ours.
            s.run(pe, &["clean".into(), "--all".into()], None, RESUME_LIMIT).await?;
        }
        println!("{line}");
        *tally_out.lock().unwrap() = Some(s.tally.copy());
    }
    Ok(())
}

impl Tally {
    /// The report needs the tally even when the soak is interrupted mid-way.
    fn copy(&self) -> Tally {
        Tally {
            runs: self.runs,
            injected: self.injected.clone(),
            missed: self.missed,
            wrong: self.wrong,
            leftovers: self.leftovers,
            hangs: self.hangs,
            duplicates: self.duplicates,
            resume_failures: self.resume_failures,
            engine_restart_failures: self.engine_restart_failures,
            exit_after: self.exit_after.clone(),
        }
    }

    fn bad(&self) -> bool {
        self.wrong + self.hangs + self.duplicates + self.resume_failures > 0 || self.leftovers > 0
    }

    fn print(&self, freeze_bound: Duration, wall: Duration) {
        let injected: u32 = self.injected.values().sum();
        let by_kind = |k: &str| self.injected.get(k).copied().unwrap_or(0);
        println!();
        println!("runs made:            {}", self.runs);
        println!(
            "faults injected:      {injected} (kill {}, freeze {}); {} runs ended before their fault",
            by_kind("kill"),
            by_kind("freeze"),
            self.missed
        );
        println!("wrong diagnoses:      {}", self.wrong);
        println!("objects left behind:  {}", self.leftovers);
        println!("hangs:                {}", self.hangs);
        println!("duplicate cases:      {}", self.duplicates);
        println!("failed resumes:       {}", self.resume_failures);
        println!(
            "engine crashes:       {} (dockerd did not restart after a SIGKILL; not dockhand's, logs kept)",
            self.engine_restart_failures
        );
        for (k, bound) in [("kill", KILL_BOUND), ("freeze", freeze_bound)] {
            if let Some(v) = self.exit_after.get(k).filter(|v| !v.is_empty()) {
                let mut v = v.clone();
                v.sort();
                println!(
                    "exit after a {k:<6}   median {:.2}s, max {:.2}s (bound {}s)",
                    v[v.len() / 2].as_secs_f64(),
                    v[v.len() - 1].as_secs_f64(),
                    bound.as_secs_f64()
                );
            }
        }
        println!("wall time:            {:.0}s", wall.as_secs_f64());
    }
}

fn main() -> anyhow::Result<()> {
    let cfg = Config::from_env()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let wall = Instant::now();
        let name = format!("soak-{}", std::process::id());
        let mut pe = PrivateEngine::start(PrivateEngineOptions::new(&name))
            .await
            .context("start the private engine (the soak needs root and dockerd)")?;
        let tally: Mutex<Option<Tally>> = Mutex::new(None);
        let dir = std::env::temp_dir().join(format!("dockhand-soak-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let outcome = tokio::select! {
            r = soak(&mut pe, &cfg, &dir, &tally) => r.map(|()| false),
            _ = tokio::signal::ctrl_c() => Ok(true),
            _ = term.recv() => Ok(true),
        };
        // Whatever happened: a frozen engine is thawed, and the engine stopped.
        let _ = pe.thaw();
        if let Err(e) = pe.shutdown().await {
            eprintln!("soak: stopping the private engine: {e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
        let t = tally.lock().unwrap().as_ref().map(Tally::copy).unwrap_or_default();
        let interrupted = match outcome {
            Ok(i) => i,
            Err(e) => {
                t.print(cfg.timeout + Duration::from_secs(1), wall.elapsed());
                return Err(e);
            }
        };
        if interrupted {
            println!(
                "\nsoak: interrupted after {} runs; the private engine is stopped",
                t.runs
            );
        }
        t.print(cfg.timeout + Duration::from_secs(1), wall.elapsed());
        if interrupted {
            std::process::exit(130);
        }
        if t.bad() {
            std::process::exit(1);
        }
        Ok(())
    })
}
