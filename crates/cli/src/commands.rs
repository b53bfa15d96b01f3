//! The subcommands. Each takes validated settings and returns an exit code.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dockhand_engine::{CallObserver, CallRecord, Engine};
use dockhand_harness::{exit, sweep, CheckCase, Event, PlannedCase, ProbeImage, Runner, RunnerOptions, SweepScope};
use tokio::sync::{mpsc, watch};

use crate::args::{CheckArgs, Cli, Command, Format, ImageCommand, ListArgs};
use crate::error::CliError;
use crate::settings::{connect_options, parse_duration};

pub async fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Check(a) => check(&cli.global, a).await,
        Command::List(a) => list(a),
        Command::Image(ImageCommand::Build) => image_build(&cli.global).await,
        Command::Version => version(&cli.global).await,
        Command::Clean(a) => clean(&cli.global, a.all).await,
    }
}

async fn connect(g: &crate::args::GlobalArgs) -> Result<Engine, CliError> {
    Ok(Engine::connect(connect_options(g)?).await?)
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

fn select(filters: &[String]) -> Result<Vec<CheckCase>, CliError> {
    let cases = CheckCase::expand(&dockhand_suite::all());
    if filters.is_empty() {
        return Ok(cases);
    }
    let picked: Vec<CheckCase> = cases
        .into_iter()
        .filter(|c| {
            filters
                .iter()
                .any(|f| glob_match(f, &c.id()) || glob_match(f, c.check.meta.id))
        })
        .collect();
    if picked.is_empty() {
        return Err(CliError::NoMatch(format!(
            "no check matches {}; run `dockhand list` to see the ids",
            filters.join(" ")
        )));
    }
    Ok(picked)
}

/// `*` matches any run of characters, `?` one character.
fn glob_match(pattern: &str, s: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], s) || (!s.is_empty() && go(p, &s[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), s.as_bytes())
}

fn list(a: ListArgs) -> Result<i32, CliError> {
    let cases = select(&a.filters)?;
    let mut out = std::io::stdout().lock();
    for c in &cases {
        let m = &c.check.meta;
        let line = match a.format {
            Format::Json => serde_json::json!({
                "id": c.id(), "summary": m.summary, "area": m.area, "tags": m.tags,
                "min_api": m.min_api, "needs": m.needs,
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

struct PrintCalls;

impl CallObserver for PrintCalls {
    fn record(&self, c: &CallRecord) {
        match (c.status, &c.error) {
            (Some(s), _) => eprintln!("  {} {} -> {s} ({:.1} ms)", c.method, c.path, c.elapsed_ms),
            (None, Some(e)) => eprintln!("  {} {} -> {e} ({:.1} ms)", c.method, c.path, c.elapsed_ms),
            (None, None) => eprintln!("  {} {} -> ? ({:.1} ms)", c.method, c.path, c.elapsed_ms),
        }
    }
}

async fn check(g: &crate::args::GlobalArgs, a: CheckArgs) -> Result<i32, CliError> {
    let cases = select(&a.filters)?;
    let check_timeout = match &a.check_timeout {
        Some(t) => parse_duration("--check-timeout", t)?,
        None => Duration::from_secs(120),
    };
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));
    if jobs == 0 {
        return Err(CliError::Usage("--jobs must be at least 1".into()));
    }
    let engine = connect(g).await?;
    let run_id = new_run_id();

    let swept = sweep(&engine, SweepScope::Abandoned).await?;
    let probe = Arc::new(ProbeImage::new());
    probe.ensure(&engine).await?;

    let plan: Vec<PlannedCase> = cases
        .into_iter()
        .map(|case| PlannedCase {
            case,
            iteration: 1,
            settings: serde_json::json!({}),
            timeout: None,
            skip: None,
            known_failure: None,
        })
        .collect();

    let (tx, mut rx) = mpsc::unbounded_channel();
    if swept.total() > 0 {
        let _ = tx.send(Event::Swept {
            containers: swept.containers,
            volumes: swept.volumes,
            networks: swept.networks,
            images: swept.images,
        });
    }
    let (int_tx, int_rx) = watch::channel(0u32);
    let sweep_hint = format!("dockhand clean  # removes what run {run_id} left behind");
    tokio::spawn(async move {
        let mut n = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            n += 1;
            if n >= 2 {
                eprintln!(
                    "\naborted: objects of this run may be left on the engine; remove them with:\n  {sweep_hint}"
                );
                std::process::exit(exit::INTERRUPTED);
            }
            eprintln!("\ninterrupted: finishing cleanups (press Ctrl-C again to abort)");
            let _ = int_tx.send(n);
        }
    });
    let runner = Runner::new(
        engine,
        probe,
        RunnerOptions {
            run_id,
            jobs,
            check_timeout,
            watchdog_timeout: Duration::from_millis(500),
            call_observer: g.verbose.then(|| Arc::new(PrintCalls) as Arc<dyn CallObserver>),
            resumed_from: None,
        },
        tx,
    );
    let format = a.format;
    let printer = tokio::spawn(async move {
        let mut out = std::io::stdout();
        while let Some(e) = rx.recv().await {
            let _ = print_event(&mut out, &e, format);
        }
    });
    let summary = runner.run(plan, int_rx).await;
    drop(runner);
    let _ = printer.await;
    Ok(summary.exit_code)
}

fn print_event(out: &mut impl Write, e: &Event, format: Format) -> std::io::Result<()> {
    if format == Format::Json {
        return writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default());
    }
    match e {
        Event::RunStarted {
            run_id,
            engine,
            selection,
            jobs,
            ..
        } => writeln!(
            out,
            "dockhand run {run_id}: {} {} (API {}) at {}, {} checks, {jobs} jobs",
            engine.name,
            engine.version,
            engine.api_version,
            engine.endpoint,
            selection.len()
        ),
        Event::CheckFinished {
            case,
            outcome,
            duration_ms,
            cleanup_notes,
            ..
        } => {
            writeln!(
                out,
                "{:>7} {} ({:.2}s)",
                outcome.label(),
                case.id,
                *duration_ms as f64 / 1000.0
            )?;
            if let Some(d) = outcome.detail() {
                writeln!(out, "        {d}")?;
            }
            for n in cleanup_notes {
                writeln!(out, "        cleanup: {n}")?;
            }
            Ok(())
        }
        Event::EngineDown { since, diagnosis } => writeln!(out, "engine down since {since}: {diagnosis}"),
        Event::RunFinished {
            counts, duration_ms, ..
        } => writeln!(
            out,
            "\n{} passed, {} failed, {} errors, {} skipped, {} not run in {:.2}s",
            counts.passed + counts.fixed,
            counts.failed,
            counts.error,
            counts.skipped,
            counts.not_run,
            *duration_ms as f64 / 1000.0
        ),
        _ => Ok(()),
    }
}

async fn image_build(g: &crate::args::GlobalArgs) -> Result<i32, CliError> {
    let engine = connect(g).await?;
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

async fn version(g: &crate::args::GlobalArgs) -> Result<i32, CliError> {
    let probe = ProbeImage::new();
    println!("dockhand {}", env!("CARGO_PKG_VERSION"));
    println!("probe    {} {}", probe.reference(), probe.expected_id());
    let engine = connect(g).await?;
    let info = engine.info().cloned();
    if let Some(i) = info {
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

async fn clean(g: &crate::args::GlobalArgs, all: bool) -> Result<i32, CliError> {
    let engine = connect(g).await?;
    let r = sweep(&engine, if all { SweepScope::All } else { SweepScope::Abandoned }).await?;
    println!(
        "removed {} containers, {} volumes, {} networks, {} images",
        r.containers, r.volumes, r.networks, r.images
    );
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("containers/*", "containers/lifecycle/start-stop-logs"));
        assert!(glob_match("*/start-stop-logs", "containers/lifecycle/start-stop-logs"));
        assert!(!glob_match("images/*", "containers/lifecycle/start-stop-logs"));
    }

    #[test]
    fn run_ids_are_8_hex() {
        let id = new_run_id();
        assert_eq!(id.len(), 8);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
