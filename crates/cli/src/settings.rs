//! The command line, phase two: flags become the top layer of the validated
//! `EffectiveConfig`, and the engine it names is connected; and the commands
//! that act on stop signals take them over here. Every command module reads
//! its settings through here, so none imports another command's module.

use dockhand_engine::Engine;
use dockhand_harness::{Check, ConfigError, EffectiveConfig, Interrupts, Overrides};
use dockhand_steps::Runtime;

use crate::args::{CheckArgs, GlobalArgs};
use crate::error::CliError;

/// Flags become the top layer of the configuration.
pub fn load_config(g: &GlobalArgs, c: Option<&CheckArgs>) -> Result<EffectiveConfig, CliError> {
    Ok(load_run(g, c)?.0)
}

/// The configuration, every check (built-in, the `cli/` area, and the step
/// files of `--checks-dir` and `checks-dir`), and what command steps run.
pub fn load_run(g: &GlobalArgs, c: Option<&CheckArgs>) -> Result<(EffectiveConfig, Vec<Check>, Runtime), CliError> {
    let cli = match &g.cli {
        Some(p) if p.is_file() => Some(p.clone()),
        Some(p) => {
            return Err(CliError::Usage(format!(
                "--cli {}: no such file; give the path of a docker-compatible CLI binary",
                p.display()
            )))
        }
        None => dockhand_harness::session::on_path("docker"),
    };
    let rt = Runtime { cli };
    let overrides = overrides(g, c);
    let cwd = std::env::current_dir().unwrap_or_default();
    let discover = |dirs: &[dockhand_harness::config::Setting<std::path::PathBuf>]| {
        let mut all = dockhand_suite::all();
        all.extend(dockhand_steps::cli_area(&rt));
        let paths: Vec<_> = dirs.iter().map(|d| d.value.clone()).collect();
        let files = dockhand_steps::load_dirs(&paths).map_err(ConfigError::from)?;
        dockhand_steps::reject_duplicates(&all, &files).map_err(ConfigError::from)?;
        all.extend(dockhand_steps::checks(files, &rt));
        Ok(all)
    };
    let (cfg, checks) =
        EffectiveConfig::load_discovering(&cwd, &overrides, &|name| std::env::var(name).ok(), &discover)?;
    Ok((cfg, checks, rt))
}

fn overrides(g: &GlobalArgs, c: Option<&CheckArgs>) -> Overrides {
    Overrides {
        config: g.config.clone(),
        host: g.host.clone(),
        context: g.remote.context.clone(),
        tls: g.remote.tls_flags(),
        api_version: g.api_version.clone(),
        timeout: g.timeout.clone(),
        jobs: c.and_then(|c| c.jobs.clone()),
        repeat: c.and_then(|c| c.repeat.clone()),
        check_timeout: c.and_then(|c| c.check_timeout.clone()),
        known_failures: c.and_then(|c| c.known_failures.clone()),
        checks_dir: g.checks_dir.clone(),
        ..Overrides::default()
    }
}

/// The engine the configuration names (`--host`, `DOCKER_HOST`, the file, the default).
pub async fn connect(cfg: &EffectiveConfig) -> Result<Engine, CliError> {
    Ok(Engine::connect(cfg.connect_options()).await?)
}

/// The engine the global flags and configuration name.
pub async fn connect_global(g: &GlobalArgs) -> Result<Engine, CliError> {
    connect(&load_config(g, None)?).await
}

/// Takes over SIGINT, SIGTERM and SIGHUP for the rest of the process (see
/// `dockhand_harness::interrupt`).
pub fn take_stop_signals() -> Result<Interrupts, CliError> {
    Interrupts::install().map_err(|e| anyhow::anyhow!("cannot take over SIGINT, SIGTERM and SIGHUP: {e}").into())
}
