//! [`CliError`]: every failure the binary expects, each mapped to one exit code.

use dockhand_engine::EngineError;
use dockhand_harness::{exit, ConfigError, JournalError, SelectError};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The engine could not be used at all.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Bad configuration: file, environment or flags.
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// An environment (`dockhand env`) failed.
    #[error(transparent)]
    Env(#[from] dockhand_env::EnvError),
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// Anything else that went wrong on the host (files, terminal).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Engine(e) if e.is_engine_down() => exit::ENGINE_DOWN,
            CliError::Engine(_) | CliError::Other(_) => exit::CHECK_FAILED,
            CliError::Env(e) if e.is_engine_down() => exit::ENGINE_DOWN,
            CliError::Env(e) if e.is_usage() => exit::USAGE,
            CliError::Env(dockhand_env::EnvError::Interrupted) => exit::INTERRUPTED,
            CliError::Env(_) => exit::CHECK_FAILED,
            CliError::Select(SelectError::NoMatch { .. }) => exit::NO_MATCH,
            CliError::Config(_) | CliError::Select(_) | CliError::Journal(_) | CliError::Usage(_) => exit::USAGE,
        }
    }
}

/// One line (or a few) for the user.
pub fn render(e: &CliError) -> String {
    match e {
        CliError::Other(a) => format!("{a:#}"),
        other => other.to_string(),
    }
}
