//! The command line, phase two: flags become the top layer of the validated
//! `EffectiveConfig`, and the engine it names is connected; and the commands
//! that act on stop signals take them over here. Every command module reads
//! its settings through here, so none imports another command's module.

use dockhand_engine::Engine;
use dockhand_harness::{EffectiveConfig, Interrupts, Overrides};

use crate::args::{CheckArgs, GlobalArgs};
use crate::error::CliError;

/// Flags become the top layer of the configuration.
pub fn load_config(g: &GlobalArgs, c: Option<&CheckArgs>) -> Result<EffectiveConfig, CliError> {
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
