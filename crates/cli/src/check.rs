//! `dockhand check`: decides the engine the run targets, once, and hands the
//! run to the harness's [`Session`] (plan, resume, reporters, interrupts,
//! exit code).
//!
//! The target is one of: the engine the configuration names (`--context`,
//! `--host`, `DOCKER_HOST`, `DOCKER_CONTEXT`, the file, the current context,
//! the default socket; with TLS), a throwaway private engine
//! (`--private-engine`, started here as `check-<pid>` and removed at the end,
//! on an early error and on an aborting second signal), or the first manager
//! of a local cluster (`--cluster NAME`) or of one a file describes
//! (`--cluster-file FILE`). Its endpoint carries that source,
//! so an unreachable engine is reported with what chose it; the configuration
//! itself is never rewritten.

use std::sync::{Arc, Mutex};

use dockhand_daemon::{EngineKind, PrivateEngine, PrivateEngineOptions};
use dockhand_harness::interrupt::say;
use dockhand_harness::{EffectiveConfig, Interrupts, Selection, Session, SessionOptions, Target, TargetKind};

use crate::args::{CheckArgs, GlobalArgs};
use crate::error::CliError;
use crate::settings::load_run;

/// The private engine of a `check --private-engine` run. The slot is emptied
/// by whoever removes it: the end of the run, or an aborting second signal.
type EngineSlot = Arc<Mutex<Option<PrivateEngine>>>;

/// `dockhand check`.
pub async fn run(g: &GlobalArgs, a: CheckArgs) -> Result<i32, CliError> {
    if (a.private_engine.is_some() || a.cluster.is_some()) && g.remote.context.is_some() {
        return Err(CliError::Usage(
            "--context names the engine, and so do --private-engine and --cluster: give one of them".into(),
        ));
    }
    if a.private_engine.is_some() && g.host.is_some() {
        return Err(CliError::Usage(
            "--private-engine runs the checks on an engine of its own: drop --host, or drop --private-engine to test the engine at --host".into(),
        ));
    }
    if a.cluster.is_some() && g.host.is_some() {
        return Err(CliError::Usage(
            "--cluster and --host both name the engine: give one of them".into(),
        ));
    }
    if a.cluster_file.is_some() && g.host.is_some() {
        return Err(CliError::Usage(
            "--cluster-file and --host both name the engine: give one of them".into(),
        ));
    }
    let (cfg, checks, rt) = load_run(g, Some(&a))?;
    let interrupts = crate::settings::take_stop_signals()?;
    let options = SessionOptions {
        selection: match a.resume {
            Some(journal) => Selection::Resume(journal),
            None => Selection::New(a.select.filter()),
        },
        shipped_known_failures: dockhand_suite::shipped_known_failures(),
        no_known_failures: a.no_known_failures,
        format: a.format.into(),
        junit: a.junit,
        verbose: g.verbose,
        shapes: !a.no_shapes,
        docker_cli: rt.cli,
        strict: a.strict,
    };
    let cluster = match (&a.cluster, &a.cluster_file) {
        (Some(name), _) => Some(crate::cluster::for_check(name).await?),
        (None, Some(file)) => Some(crate::cluster::for_check_file(file).await?),
        (None, None) => None,
    };
    let target = match (a.private_engine, cluster) {
        (Some(kind), _) => return on_private_engine(cfg, checks, options, kind.into(), &interrupts).await,
        (None, Some(c)) => Target {
            endpoint: c.endpoint,
            kind: TargetKind::Cluster(c.handle),
        },
        (None, None) => Target::configured(&cfg),
    };
    Ok(Session::new(cfg, checks, target, options).run(&interrupts).await?)
}

/// `check --private-engine[=KIND]`: starts `check-<pid>` (dockerd, or a
/// Podman service), runs the session on it, and removes it whatever happened.
async fn on_private_engine(
    cfg: EffectiveConfig,
    checks: Vec<dockhand_harness::Check>,
    options: SessionOptions,
    kind: EngineKind,
    interrupts: &Interrupts,
) -> Result<i32, CliError> {
    // What crashed `check --private-engine` runs left (only theirs: live ones
    // hold their locks and are left alone).
    for p in crate::engines::sweep_dead_check_engines() {
        say(&format!("warning: leftovers of a dead private engine: {p}"));
    }
    let name = format!("check-{}", std::process::id());
    say(&format!(
        "starting private engine '{name}' ({} in network namespace dockhand-{name})",
        kind.program()
    ));
    let started = std::time::Instant::now();
    interrupts.on_repeat(|s| {
        say(&format!(
            "\naborted by {s} while starting the private engine; the next `dockhand check --private-engine` sweeps what is left"
        ));
        std::process::exit(s.exit_code());
    });
    let pe = tokio::select! {
        r = PrivateEngine::start(PrivateEngineOptions::new(&name).kind(kind)) => r?,
        // Dropping the start removes whatever it had started.
        s = interrupts.first() => {
            say(&format!("\ninterrupted by {s} while starting the private engine; it was removed"));
            return Ok(s.exit_code());
        }
    };
    say(&format!(
        "private engine '{name}' ready in {:.1}s at unix://{}",
        started.elapsed().as_secs_f64(),
        pe.socket_path().display()
    ));
    let target = Target {
        endpoint: pe.endpoint(),
        kind: TargetKind::PrivateEngine,
    };
    let slot: EngineSlot = Arc::new(Mutex::new(Some(pe)));
    let abort_slot = slot.clone();
    let result = Session::new(cfg, checks, target, options)
        .on_abort(move || remove_now(&abort_slot))
        .run(interrupts)
        .await;
    let pe = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(pe) = pe {
        match tokio::task::spawn_blocking(move || pe.destroy()).await {
            Ok(Ok(())) => say(&format!("removed private engine '{name}'")),
            Ok(Err(e)) => say(&format!("warning: {e}")),
            Err(e) => say(&format!("warning: removing private engine '{name}' failed: {e}")),
        }
    }
    Ok(result?)
}

/// Removes the run's private engine before the process exits.
fn remove_now(slot: &EngineSlot) {
    let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(pe) = taken {
        let name = pe.name().to_string();
        match pe.destroy() {
            Ok(()) => say(&format!("removed private engine '{name}'")),
            Err(e) => say(&format!("warning: {e}")),
        }
    }
}
