//! [`Session`]: one `dockhand check` run around the [`Runner`], so that the
//! binary only parses arguments, resolves the engine and calls
//! [`Session::run`].
//!
//! In order: the known-failures list; the selection, or the journal a
//! `--resume` continues (which decides the run id and what is left); the
//! reporters ([`ReporterBuilder`]); then, against the engine the caller
//! resolved ([`Target`]), the engine's capabilities, the plan, the sweeps
//! (the resumed run's own objects, then abandoned ones) and the probe image;
//! the journal; the run, with resumed events relayed as the union of the
//! whole run; and the exit code, which is the (union) `run-finished` code.
//!
//! Interrupts ([`Interrupts`]): a signal during the set-up ends the command at
//! once (no check has started; nothing to resume). During the run the first
//! one stops scheduling, the running checks finish and clean up, the summary
//! says how to resume, and the exit code is 128 + the signal's number. A
//! second one aborts at once, naming what sweeps the rest; the caller's
//! [`Session::on_abort`] runs first (it removes a throwaway engine).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use dockhand_engine::{CallObserver, CallRecord, Endpoint, Engine, EngineError};
use tokio::sync::{mpsc, watch};

use crate::check::Check;
use crate::cluster::ClusterHandle;
use crate::config::{ConfigError, EffectiveConfig};
use crate::events::Event;
use crate::interrupt::{say, Interrupts, Signal};
use crate::journal::{Journal, JournalError, JournalWriter};
use crate::known::KnownFailures;
use crate::objects::EngineIdentity;
use crate::plan::PlannedCase;
use crate::probe::ProbeImage;
use crate::report::{call_line, consume, JunitFileError, OutputFormat, ReporterBuilder};
use crate::runner::{engine_summary, Runner, RunnerOptions};
use crate::schedule::{self, History};
use crate::select::{select, EngineCaps, Filter, Planner, SelectError};
use crate::sweep::{sweep, SweepScope};

/// The engine a run targets, resolved once by the caller. `endpoint.source`
/// says what chose it, and every message about the engine names that.
#[derive(Clone)]
pub struct Target {
    pub endpoint: Endpoint,
    pub kind: TargetKind,
}

/// What kind of engine a [`Target`] is: it decides which checks apply.
#[derive(Clone)]
pub enum TargetKind {
    /// The engine the configuration names: `--host`, `DOCKER_HOST`, the
    /// configuration file, or the default socket.
    Configured,
    /// A throwaway private engine the caller started for this run: the
    /// checks that need one apply, and the caller removes it afterwards.
    PrivateEngine,
    /// The first manager of a local cluster, whose nodes checks can drive.
    Cluster(Arc<ClusterHandle>),
}

impl Target {
    /// The engine the configuration names.
    pub fn configured(config: &EffectiveConfig) -> Target {
        Target {
            endpoint: config.host.value.clone(),
            kind: TargetKind::Configured,
        }
    }
}

/// Which cases a run runs.
#[derive(Debug, Clone)]
pub enum Selection {
    /// A new run of the cases these filters select.
    New(Filter),
    /// What an earlier run left: the newest journal, or the one given.
    Resume(Option<PathBuf>),
}

/// What the user asked of a run, besides the configuration.
pub struct SessionOptions {
    pub selection: Selection,
    /// The list applied when the configuration names no known-failures file.
    pub shipped_known_failures: KnownFailures,
    /// `--no-known-failures`: apply no list (unless the configuration names a file).
    pub no_known_failures: bool,
    pub format: OutputFormat,
    /// Also write a JUnit report here.
    pub junit: Option<PathBuf>,
    /// Print every API call.
    pub verbose: bool,
    /// Validate every reply against the reference's shapes (`--no-shapes`
    /// turns it off).
    pub shapes: bool,
    /// The docker CLI the checks that need one run (`--cli`, else `docker`
    /// on PATH); `None` skips them.
    pub docker_cli: Option<PathBuf>,
    /// `--strict`: an unsupported operation fails the run.
    pub strict: bool,
}

/// Why a session could not run (a run that ran reports through its exit code).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The engine could not be used at all.
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Report(#[from] JunitFileError),
}

/// What the caller does before an aborting second signal ends the process.
type AbortHook = Box<dyn Fn() + Send + Sync>;

/// One `dockhand check` run.
pub struct Session {
    config: EffectiveConfig,
    checks: Vec<Check>,
    target: Target,
    options: SessionOptions,
    on_abort: Option<AbortHook>,
}

/// What the set-up hands the run.
struct Prepared {
    engine: Engine,
    identity: Arc<EngineIdentity>,
    plan: Vec<PlannedCase>,
    journal: JournalWriter,
    swept: crate::sweep::SweepReport,
    probe: Arc<ProbeImage>,
}

impl Session {
    pub fn new(config: EffectiveConfig, checks: Vec<Check>, target: Target, options: SessionOptions) -> Session {
        Session {
            config,
            checks,
            target,
            options,
            on_abort: None,
        }
    }

    /// Runs `f` when a second signal aborts the run, before the process exits.
    pub fn on_abort(mut self, f: impl Fn() + Send + Sync + 'static) -> Session {
        self.on_abort = Some(Box::new(f));
        self
    }

    /// Runs the session; returns the exit code.
    pub async fn run(self, interrupts: &Interrupts) -> Result<i32, SessionError> {
        let Session {
            config: cfg,
            checks,
            target,
            options: opts,
            on_abort,
        } = self;
        let known = match &cfg.known_failures {
            Some(s) => KnownFailures::load(&s.value).map_err(ConfigError::from)?,
            None if opts.no_known_failures => KnownFailures::default(),
            None => opts.shipped_known_failures,
        };
        // Resume: the journal decides the run id and what is left to run.
        let (resumed, cases) = match &opts.selection {
            Selection::Resume(given) => {
                let path = match given {
                    Some(p) => p.clone(),
                    None => Journal::latest(&cfg.journal_dir.value)?,
                };
                (Some(Journal::load(&path)?), None)
            }
            Selection::New(filter) => (None, Some(select(&checks, filter)?)),
        };
        let mut reporters = ReporterBuilder::new(opts.format)
            .verbose(opts.verbose)
            .known_failures_file(cfg.known_failures.as_ref().map(|s| s.value.clone()));
        if let Some(path) = &opts.junit {
            reporters = reporters.junit(path)?;
        }
        let run_id = match &resumed {
            Some(j) => j.run_id().to_string(),
            None => new_run_id(),
        };

        // From here on a second signal aborts with the caller's last words.
        let journal_started = Arc::new(OnceLock::new());
        let throwaway = matches!(target.kind, TargetKind::PrivateEngine);
        interrupts.on_repeat(abort_action(
            run_id.clone(),
            journal_started.clone(),
            throwaway,
            on_abort,
        ));

        let setup = prepare(
            &cfg,
            &checks,
            &target,
            &known,
            match &resumed {
                Some(j) => Wanted::Resume(j),
                None => Wanted::New(cases.as_deref().unwrap_or_default()),
            },
            &run_id,
            opts.docker_cli.is_some(),
        );
        let prepared = tokio::select! {
            p = setup => p?,
            s = interrupts.first() => {
                say(&format!("\ninterrupted by {s} before any check started; nothing to resume"));
                return Ok(s.exit_code());
            }
        };
        let _ = journal_started.set(());
        let mut fanout = reporters.build(Box::new(prepared.journal));
        let swept = prepared.swept;

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
        // Returns the exit code the (union) run-finished event reports, which is
        // what dockhand exits with: a resumed run answers for the whole run.
        let strict = opts.strict;
        let relay = tokio::spawn(async move {
            let mut rx = rx;
            let mut exit_code = None;
            while let Some(e) = rx.recv().await {
                let e = match &resumed {
                    Some(j) => j.union_event(e, strict),
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

        // The runner reads the first signal's number (0 until one comes).
        let (stop_tx, stop_rx) = watch::channel(0u32);
        let first = interrupts.clone();
        let forward = tokio::spawn(async move {
            let s = first.first().await;
            say(&format!(
                "\ninterrupted by {s}: no new checks; letting the running ones finish and clean up ({s} again to abort)"
            ));
            let _ = stop_tx.send(s.number() as u32);
        });
        let runner = Runner::new(
            prepared.engine,
            prepared.probe,
            RunnerOptions {
                run_id,
                jobs: cfg.jobs.value as usize,
                check_timeout: cfg.check_timeout.value,
                watchdog_timeout: cfg.watchdog_timeout.value,
                call_observer: opts.verbose.then(|| Arc::new(PrintCalls) as Arc<dyn CallObserver>),
                resumed_from: resumed_path,
                shapes: opts.shapes,
                strict: opts.strict,
                history: Arc::new(History::from_journals(&cfg.journal_dir.value, schedule::JOURNALS_READ)),
            },
            tx,
        );
        let runner = runner.with_identity(prepared.identity);
        let runner = match target.kind {
            TargetKind::Cluster(handle) => runner.with_cluster(handle),
            _ => runner,
        };
        let result = runner.run(prepared.plan, stop_rx).await;
        forward.abort();
        drop(runner);
        let exit_code = relay.await.ok().flatten().unwrap_or(result.exit_code);
        match reporter.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => say(&format!("warning: a report could not be written: {e}")),
            Err(e) => say(&format!("warning: the reporter failed: {e}")),
        }
        Ok(exit_code)
    }
}

/// What a second signal does during a session: the caller's hook (it removes
/// a throwaway engine), a word on what sweeps the rest, and exit.
fn abort_action(
    run_id: String,
    journal_started: Arc<OnceLock<()>>,
    throwaway: bool,
    on_abort: Option<AbortHook>,
) -> impl Fn(Signal) + Send + Sync + 'static {
    move |s: Signal| {
        if throwaway {
            say(&format!("\naborted by {s}"));
        } else if journal_started.get().is_some() {
            say(&format!(
                "\naborted by {s}: containers, volumes and networks of this run may be left on the engine; then run:\n  dockhand check --resume   # sweeps what run {run_id} left and finishes it\n  dockhand clean            # only sweeps"
            ));
        } else {
            say(&format!(
                "\naborted by {s} before any check started; `dockhand clean` sweeps whatever is left"
            ));
        }
        if let Some(f) = &on_abort {
            f();
        }
        std::process::exit(s.exit_code());
    }
}

/// What a run runs: what a resumed run's journal left, or the selected cases.
#[derive(Clone, Copy)]
enum Wanted<'a> {
    Resume(&'a Journal),
    New(&'a [crate::check::CheckCase]),
}

/// Everything between the arguments and the first check: the engine, its
/// capabilities, the plan, the sweeps, the probe image, and the journal
/// (last, so an interrupted set-up leaves no journal to resume).
async fn prepare(
    cfg: &EffectiveConfig,
    checks: &[Check],
    target: &Target,
    known: &KnownFailures,
    wanted: Wanted<'_>,
    run_id: &str,
    docker_cli: bool,
) -> Result<Prepared, SessionError> {
    let mut connect = cfg.connect_options();
    connect.endpoint = target.endpoint.clone();
    let engine = Engine::connect(connect).await?;
    let summary = engine_summary(&engine);
    // Once per run: what the engine is and which endpoint families it serves.
    let identity = Arc::new(EngineIdentity::probe(&engine).await?);
    let caps = EngineCaps {
        api_version: engine.api_version(),
        private_engine: matches!(target.kind, TargetKind::PrivateEngine),
        swarm: identity.swarm_manager,
        cluster: matches!(target.kind, TargetKind::Cluster(_)),
        docker_cli,
    };
    let planner = Planner {
        config: cfg,
        known,
        caps: &caps,
        engine: &summary,
    };
    let plan = match wanted {
        Wanted::Resume(j) => {
            // What the interrupted run left is swept before anything reruns.
            sweep(&engine, &identity.capabilities, SweepScope::Run(j.run_id())).await?;
            planner.plan_keys(checks, &j.remaining())?
        }
        Wanted::New(cases) => planner.plan(cases),
    };
    let swept = sweep(&engine, &identity.capabilities, SweepScope::Abandoned).await?;
    let probe = Arc::new(ProbeImage::new());
    probe.ensure(&engine).await?;
    let journal = match wanted {
        Wanted::Resume(j) => JournalWriter::append(j.path())?,
        Wanted::New(_) => JournalWriter::create(&cfg.journal_dir.value, run_id)?,
    };
    Ok(Prepared {
        engine,
        identity,
        plan,
        journal,
        swept,
        probe,
    })
}

/// A short run id: unique enough among concurrent runs on one engine.
pub fn new_run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mixed = (nanos as u64) ^ ((std::process::id() as u64) << 32) ^ (nanos >> 64) as u64;
    format!("{:08x}", (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32)
}

/// `--verbose`: every call on stderr as it completes.
struct PrintCalls;

impl CallObserver for PrintCalls {
    fn record(&self, c: &CallRecord) {
        say(&format!("  {}", call_line(c)));
    }
}

/// `tool`'s path in a `PATH` directory, when it is a file there.
pub fn on_path(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| Path::new(&d).join(tool))
        .find(|p| p.is_file())
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
