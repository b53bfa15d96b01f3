//! The subcommands. Each loads the validated configuration, does its job,
//! and returns an exit code; expected failures come back as `CliError`.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{CallObserver, CallRecord, Engine};
use dockhand_harness::report::consume;
use dockhand_harness::runner::engine_summary;
use dockhand_harness::{
    exit, select, sweep, EffectiveConfig, EngineCaps, Event, Fanout, Filter, Journal, JournalWriter, JsonReporter,
    JunitReporter, KnownFailures, Overrides, Planner, ProbeImage, Reporter, Runner, RunnerOptions, SweepScope,
    TerminalOptions, TerminalReporter,
};
use tokio::sync::{mpsc, watch};

use crate::args::{
    CheckArgs, Cli, Command, ConfigCommand, CoverageArgs, EngineCommand, Format, GlobalArgs, ImageCommand, ListArgs,
    SelectArgs,
};
use crate::engines;
use crate::error::CliError;

pub async fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Check(a) => check(&cli.global, a).await,
        Command::List(a) => list(&a),
        Command::Image(ImageCommand::Build) => image_build(&cli.global).await,
        Command::Image(ImageCommand::SelfImage(a)) => crate::image_self::run(&cli.global, a).await,
        Command::Version => version(&cli.global).await,
        Command::Clean(a) => clean(&cli.global, a.all).await,
        Command::Env(c) => crate::env::dispatch(&cli.global, c).await,
        Command::Coverage(a) => coverage(&cli.global, &a).await,
        Command::Cluster(a) => crate::cluster::run(a).await,
        Command::Config(ConfigCommand::Show) => {
            println!("{}", load_config(&cli.global, None)?.render().trim_end());
            Ok(exit::SUCCESS)
        }
        Command::Engine(EngineCommand::Start(a)) => engines::start(a).await,
        Command::Engine(EngineCommand::Serve(a)) => engines::serve(a).await,
        Command::Engine(EngineCommand::Stop(a)) => engines::stop(&a.name).await,
        Command::Engine(EngineCommand::Ls) => engines::ls(),
        Command::Engine(EngineCommand::Logs(a)) => engines::logs(&a.name, a.lines),
    }
}

/// Flags become the top layer of the configuration.
pub(crate) fn load_config(g: &GlobalArgs, c: Option<&CheckArgs>) -> Result<EffectiveConfig, CliError> {
    let overrides = Overrides {
        config: g.config.clone(),
        host: g.host.clone(),
        api_version: g.api_version.clone(),
        timeout: g.timeout.clone(),
        jobs: c.and_then(|c| c.jobs.clone()),
        repeat: c.and_then(|c| c.repeat.clone()),
        check_timeout: c.and_then(|c| c.check_timeout.clone()),
        known_failures: c.and_then(|c| c.known_failures.clone()),
        ..Overrides::default()
    };
    Ok(EffectiveConfig::load(&overrides, &dockhand_suite::all())?)
}

pub(crate) async fn connect(cfg: &EffectiveConfig) -> Result<Engine, CliError> {
    Ok(Engine::connect(cfg.connect_options()).await?)
}

/// The engine the global flags and configuration name.
pub async fn connect_global(g: &GlobalArgs) -> Result<Engine, CliError> {
    connect(&load_config(g, None)?).await
}

/// A short run id: unique enough among concurrent runs on one engine.
fn new_run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mixed = (nanos as u64) ^ ((std::process::id() as u64) << 32) ^ (nanos >> 64) as u64;
    format!("{:08x}", (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32)
}

fn filter(s: &SelectArgs) -> Filter {
    Filter {
        patterns: s.filters.clone(),
        tags: s.tag.clone(),
        skip: s.skip.clone(),
    }
}

fn list(a: &ListArgs) -> Result<i32, CliError> {
    let cases = select(&dockhand_suite::all(), &filter(&a.select))?;
    let mut out = std::io::stdout().lock();
    for c in &cases {
        let m = &c.check.meta;
        let line = match a.format {
            Format::Json => serde_json::json!({
                "id": c.id(), "summary": m.summary, "area": m.area, "tags": m.tags,
                "min_api": m.min_api, "needs": m.needs, "reference": m.reference,
            })
            .to_string(),
            Format::Human => format!("{:<48} {}  [{}]", c.id(), m.summary, m.tags.join(", ")),
        };
        if writeln!(out, "{line}").is_err() {
            break; // a closed pipe is a clean exit
        }
    }
    Ok(exit::SUCCESS)
}

/// The operations of the API version in use (pinned with `--api-version`, or
/// negotiated with the engine), the checks naming each, and the totals.
async fn coverage(g: &GlobalArgs, a: &CoverageArgs) -> Result<i32, CliError> {
    let cfg = load_config(g, None)?;
    let version = match cfg.api_version.value.pinned() {
        Some(pinned) => pinned,
        None => connect(&cfg).await?.api_version(),
    };
    let checks = dockhand_suite::all();
    let cov = dockhand_harness::Coverage::of(&checks, version);
    let mut out = std::io::stdout().lock();
    let text = match a.format {
        Format::Json => format!("{}\n", serde_json::to_string(&cov).unwrap_or_default()),
        Format::Human => {
            let mut t = format!(
                "{:<26} {:<6} {:<30} {:<12} {:<5} {}\n",
                "OPERATION", "METHOD", "PATH", "TAG", "MIN", "CHECKS"
            );
            for o in &cov.operations {
                let op = &o.operation;
                let checks = if o.checks.is_empty() {
                    "-".to_string()
                } else {
                    o.checks.join(", ")
                };
                t.push_str(&format!(
                    "{:<26} {:<6} {:<30} {:<12} {:<5} {}\n",
                    op.id,
                    op.method,
                    op.path,
                    op.tag,
                    op.min_api.to_string(),
                    checks
                ));
            }
            for u in &cov.unknown {
                t.push_str(&format!(
                    "warning: {} names {:?}, which is no operation of the reference; fix its meta.reference\n",
                    u.check, u.reference
                ));
            }
            t.push_str(&cov.totals_line());
            t.push('\n');
            t
        }
    };
    let _ = out.write_all(text.as_bytes()); // a closed pipe is a clean exit
    Ok(exit::SUCCESS)
}

struct PrintCalls;

impl CallObserver for PrintCalls {
    fn record(&self, c: &CallRecord) {
        eprintln!("  {}", dockhand_harness::report::call_line(c));
    }
}

/// The private engine of a `check --private-engine` run. The slot is emptied
/// by whoever removes it: the end of the run, or a second Ctrl-C.
type EngineSlot = Arc<std::sync::Mutex<Option<PrivateEngine>>>;

async fn check(g: &GlobalArgs, a: CheckArgs) -> Result<i32, CliError> {
    if !a.private_engine {
        return run_checks(g, a, None).await;
    }
    if g.host.is_some() {
        return Err(CliError::Usage(
            "--private-engine runs the checks on an engine of its own: drop --host, or drop --private-engine to test the engine at --host".into(),
        ));
    }
    // What crashed `check --private-engine` runs left (only theirs: live ones
    // hold their locks and are left alone).
    for p in crate::engines::sweep_dead_check_engines() {
        eprintln!("warning: leftovers of a dead private engine: {p}");
    }
    let name = format!("check-{}", std::process::id());
    eprintln!("starting private engine '{name}' (dockerd in network namespace dockhand-{name})");
    let started = std::time::Instant::now();
    let pe = tokio::select! {
        r = PrivateEngine::start(PrivateEngineOptions::new(&name)) => r?,
        // Dropping the start removes whatever it had started.
        _ = tokio::signal::ctrl_c() => {
            eprintln!("\ninterrupted while starting the private engine; it was removed");
            return Ok(exit::INTERRUPTED);
        }
    };
    eprintln!(
        "private engine '{name}' ready in {:.1}s at unix://{}",
        started.elapsed().as_secs_f64(),
        pe.socket_path().display()
    );
    let slot: EngineSlot = Arc::new(std::sync::Mutex::new(Some(pe)));
    let result = run_checks(g, a, Some(slot.clone())).await;
    let pe = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(pe) = pe {
        match tokio::task::spawn_blocking(move || pe.destroy()).await {
            Ok(Ok(())) => eprintln!("removed private engine '{name}'"),
            Ok(Err(e)) => eprintln!("warning: {e}"),
            Err(e) => eprintln!("warning: removing private engine '{name}' failed: {e}"),
        }
    }
    result
}

/// Removes the run's private engine, if it has one, before the process exits.
fn remove_now(slot: &Option<EngineSlot>) {
    let taken = slot
        .as_ref()
        .and_then(|s| s.lock().unwrap_or_else(|p| p.into_inner()).take());
    if let Some(pe) = taken {
        let name = pe.name().to_string();
        match pe.destroy() {
            Ok(()) => eprintln!("removed private engine '{name}'"),
            Err(e) => eprintln!("warning: {e}"),
        }
    }
}

async fn run_checks(g: &GlobalArgs, a: CheckArgs, private: Option<EngineSlot>) -> Result<i32, CliError> {
    let checks = dockhand_suite::all();
    // --cluster NAME: the cluster's first manager is the engine.
    if a.cluster.is_some() && g.host.is_some() {
        return Err(CliError::Usage(
            "--cluster and --host both name the engine: give one of them".into(),
        ));
    }
    let cluster = a.cluster.as_deref().map(crate::cluster::for_check).transpose()?;
    let cluster_global;
    let g = match &cluster {
        Some(c) => {
            cluster_global = GlobalArgs {
                host: Some(c.host.clone()),
                ..g.clone()
            };
            &cluster_global
        }
        None => g,
    };
    let mut cfg = load_config(g, Some(&a))?;
    if let Some(slot) = &private {
        if let Some(pe) = slot.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            cfg.host.value = pe.endpoint();
        }
    }
    let known = match &cfg.known_failures {
        Some(s) => KnownFailures::load(&s.value).map_err(|e| CliError::Config(e.into()))?,
        None if a.no_known_failures => KnownFailures::default(),
        None => dockhand_suite::shipped_known_failures(),
    };
    // Resume: the journal decides the run id and what is left to run.
    let resumed = match &a.resume {
        Some(given) => {
            let path = match given {
                Some(p) => p.clone(),
                None => Journal::latest(&cfg.journal_dir.value)?,
            };
            Some(Journal::load(&path)?)
        }
        None => None,
    };
    let cases = if resumed.is_none() {
        Some(select(&checks, &filter(&a.select))?)
    } else {
        None
    };
    let mut junit = match &a.junit {
        Some(p) => Some(
            JunitReporter::create(p)
                .map_err(|e| CliError::Usage(format!("cannot write the JUnit report {}: {e}", p.display())))?,
        ),
        None => None,
    };

    let engine = connect(&cfg).await?;
    let summary = engine_summary(&engine);
    let caps = EngineCaps {
        api_version: engine.api_version(),
        private_engine: private.is_some(),
        swarm: is_swarm_manager(&engine).await,
        cluster: cluster.is_some(),
        docker_cli: which("docker"),
    };
    let planner = Planner {
        config: &cfg,
        known: &known,
        caps: &caps,
        engine: &summary,
    };
    let (run_id, plan, journal) = match &resumed {
        Some(j) => {
            // What the interrupted run left is swept before anything reruns.
            sweep(&engine, SweepScope::Run(j.run_id())).await?;
            let plan = planner.plan_keys(&checks, &j.remaining())?;
            (j.run_id().to_string(), plan, JournalWriter::append(j.path())?)
        }
        None => {
            let run_id = new_run_id();
            let plan = planner.plan(cases.as_deref().unwrap_or_default());
            let journal = JournalWriter::create(&cfg.journal_dir.value, &run_id)?;
            (run_id, plan, journal)
        }
    };

    let swept = sweep(&engine, SweepScope::Abandoned).await?;
    let probe = Arc::new(ProbeImage::new());
    probe.ensure(&engine).await?;

    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(journal)];
    match a.format {
        Format::Json => reporters.push(Box::new(JsonReporter::stdout())),
        Format::Human => {
            let mut opts = TerminalOptions::detect(g.verbose);
            opts.known_failures = cfg.known_failures.as_ref().map(|s| s.value.clone());
            reporters.push(Box::new(TerminalReporter::stdout(opts)));
        }
    }
    if let Some(j) = junit.take() {
        reporters.push(Box::new(j));
    }
    let mut fanout = Fanout::new(reporters);

    let (tx, rx) = mpsc::unbounded_channel();
    if swept.total() > 0 {
        let _ = tx.send(Event::Swept {
            containers: swept.containers,
            volumes: swept.volumes,
            networks: swept.networks,
            images: swept.images,
        });
    }
    // Resumed runs report the union: earlier outcomes are counted in the end.
    let (union_tx, union_rx) = mpsc::unbounded_channel();
    let resumed_path = resumed.as_ref().map(|j| j.path().display().to_string());
    let journal_view = resumed;
    // Returns the exit code the (union) run-finished event reports, which is
    // what dockhand exits with: a resumed run answers for the whole run.
    let relay = tokio::spawn(async move {
        let mut rx = rx;
        let mut exit_code = None;
        while let Some(e) = rx.recv().await {
            let e = match &journal_view {
                Some(j) => j.union_event(e),
                None => e,
            };
            if let Event::RunFinished { exit_code: code, .. } = &e {
                exit_code = Some(*code);
            }
            if union_tx.send(e).is_err() {
                break;
            }
        }
        exit_code
    });
    let reporter = tokio::spawn(async move { consume(union_rx, &mut fanout).await });

    let (int_tx, int_rx) = watch::channel(0u32);
    let sweep_hint = format!(
        "dockhand check --resume   # sweeps what run {run_id} left and finishes it\n  dockhand clean            # only sweeps"
    );
    let abort_slot = private.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            n += 1;
            if n >= 2 {
                if abort_slot.is_some() {
                    eprintln!("\naborted");
                    remove_now(&abort_slot);
                    std::process::exit(exit::INTERRUPTED);
                }
                eprintln!("\naborted: containers, volumes and networks of this run may be left on the engine; then run:\n  {sweep_hint}");
                std::process::exit(exit::INTERRUPTED);
            }
            eprintln!(
                "\ninterrupted: no new checks; letting the running ones finish and clean up (Ctrl-C again to abort)"
            );
            let _ = int_tx.send(n);
        }
    });
    let runner = Runner::new(
        engine,
        probe,
        RunnerOptions {
            run_id,
            jobs: cfg.jobs.value as usize,
            check_timeout: cfg.check_timeout.value,
            watchdog_timeout: cfg.watchdog_timeout.value,
            call_observer: g.verbose.then(|| Arc::new(PrintCalls) as Arc<dyn CallObserver>),
            resumed_from: resumed_path,
        },
        tx,
    );
    let runner = match cluster {
        Some(c) => runner.with_cluster(c.handle),
        None => runner,
    };
    let result = runner.run(plan, int_rx).await;
    drop(runner);
    let exit_code = relay.await.ok().flatten().unwrap_or(result.exit_code);
    match reporter.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: a report could not be written: {e}"),
        Err(e) => eprintln!("warning: the reporter failed: {e}"),
    }
    Ok(exit_code)
}

/// Whether the engine is a swarm manager (`Swarm.ControlAvailable` in `GET /info`).
async fn is_swarm_manager(engine: &Engine) -> bool {
    match engine.send(dockhand_engine::Request::get("/info")).await {
        Ok(r) if r.status.is_success() => r
            .json::<serde_json::Value>()
            .is_ok_and(|v| v["Swarm"]["ControlAvailable"] == true),
        _ => false,
    }
}

fn which(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| Path::new(&d).join(tool).is_file()))
}

async fn image_build(g: &GlobalArgs) -> Result<i32, CliError> {
    let engine = connect(&load_config(g, None)?).await?;
    let probe = ProbeImage::new();
    let state = probe.ensure(&engine).await?;
    println!(
        "{} {} ({})",
        probe.reference(),
        probe.expected_id(),
        match state {
            dockhand_harness::ProbeState::Present => "already present",
            dockhand_harness::ProbeState::Loaded => "loaded",
        }
    );
    Ok(exit::SUCCESS)
}

async fn version(g: &GlobalArgs) -> Result<i32, CliError> {
    let cfg = load_config(g, None)?;
    let probe = ProbeImage::new();
    println!("dockhand {}", env!("CARGO_PKG_VERSION"));
    println!("probe    {} {}", probe.reference(), probe.expected_id());
    let engine = connect(&cfg).await?;
    if let Some(i) = engine.info() {
        println!(
            "engine   {} {} ({}/{}), API {} (min {}), negotiated {}",
            i.name,
            i.version,
            i.os,
            i.arch,
            i.api_version,
            i.min_api_version.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
            engine.api_version()
        );
    }
    println!("endpoint {}", engine.endpoint());
    Ok(exit::SUCCESS)
}

async fn clean(g: &GlobalArgs, all: bool) -> Result<i32, CliError> {
    let engine = connect(&load_config(g, None)?).await?;
    let r = sweep(&engine, if all { SweepScope::All } else { SweepScope::Abandoned }).await?;
    println!(
        "removed {} containers, {} volumes, {} networks, {} images, {} services, secrets and configs",
        r.containers, r.volumes, r.networks, r.images, r.swarm_objects
    );
    // Environments (`dockhand env`) whose owner is gone or whose expiry
    // passed; live ones are left to `dockhand env down`, even with --all.
    let envs = dockhand_env::labels::sweep_abandoned(&engine)
        .await
        .map_err(dockhand_env::EnvError::from)?;
    for (project, r) in envs {
        println!(
            "removed abandoned environment {project}: {} containers, {} networks, {} volumes, {} images",
            r.containers, r.networks, r.volumes, r.images
        );
    }
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_8_hex() {
        let id = new_run_id();
        assert_eq!(id.len(), 8);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
