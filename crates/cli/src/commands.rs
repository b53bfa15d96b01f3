//! [`dispatch`]: each subcommand to its module, and the small ones (`list`,
//! `coverage`, `image build`, `version`, `clean`, `config show`) here. Each
//! loads the validated configuration, does its job, and returns an exit
//! code; expected failures come back as `CliError`.

use std::io::Write;
use std::path::{Path, PathBuf};

use dockhand_harness::{
    exit, select, sweep, EffectiveConfig, EngineIdentity, Journal, ProbeImage, SessionError, SweepScope,
};

use crate::args::{
    Cli, Command, ConfigCommand, CoverageArgs, EngineCommand, Format, GlobalArgs, ImageCommand, ListArgs,
};
use crate::engines;
use crate::error::CliError;
use crate::settings::{connect, load_config, load_run};

pub async fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Check(a) => crate::check::run(&cli.global, a).await,
        Command::List(a) => list(&cli.global, &a),
        Command::Image(ImageCommand::Build) => image_build(&cli.global).await,
        Command::Image(ImageCommand::SelfImage(a)) => crate::image_self::run(&cli.global, a).await,
        Command::Version => version(&cli.global).await,
        Command::Clean(a) => clean(&cli.global, a.all).await,
        Command::Env(c) => crate::env::dispatch(&cli.global, c).await,
        Command::Coverage(a) => coverage(&cli.global, &a).await,
        Command::Report(a) => crate::report::run(&a),
        Command::Cluster(a) => crate::cluster::run(a).await,
        Command::Bench(a) => crate::bench::run(&cli.global, a).await,
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

fn list(g: &GlobalArgs, a: &ListArgs) -> Result<i32, CliError> {
    let (_, checks, _) = load_run(g, None)?;
    let cases = select(&checks, &a.select.filter())?;
    let mut out = std::io::stdout().lock();
    for c in &cases {
        let m = &c.check.meta;
        let line = match a.format {
            Format::Json => serde_json::json!({
                "id": c.id(), "summary": m.summary, "area": m.area, "tags": m.tags,
                "min_api": m.min_api, "needs": m.needs, "reference": m.reference, "source": m.source,
            })
            .to_string(),
            Format::Human => match m.source {
                Some(src) => format!("{:<48} {}  [{}]  ({src})", c.id(), m.summary, m.tags.join(", ")),
                None => format!("{:<48} {}  [{}]", c.id(), m.summary, m.tags.join(", ")),
            },
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
    let (cfg, checks, _) = load_run(g, None)?;
    let version = match cfg.api_version.value.pinned() {
        Some(pinned) => pinned,
        None => connect(&cfg).await?.api_version(),
    };
    let cov = dockhand_harness::Coverage::of(&checks, version);
    let shapes = match &a.journal {
        Some(given) => Some(shapes_validated(&cfg, given.as_deref())?),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let text = match a.format {
        Format::Json => {
            let mut v = serde_json::to_value(&cov).unwrap_or_default();
            if let Some(s) = &shapes {
                v["shapes"] = serde_json::json!({
                    "run_id": s.run_id,
                    "journal": s.journal,
                    "validated": s.validated,
                    "defined": s.defined,
                    "shapes": s.shapes,
                });
            }
            format!("{v}\n")
        }
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
            if let Some(s) = &shapes {
                t.push_str(&s.line());
                t.push('\n');
            }
            t
        }
    };
    let _ = out.write_all(text.as_bytes()); // a closed pipe is a clean exit
    Ok(exit::SUCCESS)
}

/// The response shapes a run validated, read from its journal.
#[derive(Debug)]
struct ShapesValidated {
    run_id: String,
    journal: PathBuf,
    /// Distinct documented (operation, status) shapes validated.
    validated: usize,
    /// Those the reference defines.
    defined: usize,
    /// The validated shapes, sorted.
    shapes: Vec<dockhand_harness::schema::ShapeSeen>,
}

impl ShapesValidated {
    fn line(&self) -> String {
        format!(
            "validated {}/{} (operation, status) response shapes of the reference in run {} ({})",
            self.validated,
            self.defined,
            self.run_id,
            self.journal.display()
        )
    }
}

/// The shapes the run of `journal` (default: the latest) validated.
fn shapes_validated(cfg: &EffectiveConfig, journal: Option<&Path>) -> Result<ShapesValidated, CliError> {
    let path = match journal {
        Some(p) => p.to_path_buf(),
        None => Journal::latest(&cfg.journal_dir.value).map_err(SessionError::from)?,
    };
    let j = Journal::load(&path).map_err(SessionError::from)?;
    let shapes: Vec<_> = j.validated().iter().cloned().collect();
    Ok(ShapesValidated {
        run_id: j.run_id().to_string(),
        journal: path,
        validated: shapes.len(),
        defined: dockhand_shapes::shape_count(),
        shapes,
    })
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
    let caps = EngineIdentity::probe(&engine).await?.capabilities;
    let r = sweep(
        &engine,
        &caps,
        if all { SweepScope::All } else { SweepScope::Abandoned },
    )
    .await?;
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
