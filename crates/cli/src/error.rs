//! [`CliError`]: every failure the binary expects, each mapped to one exit code.

use dockhand_engine::{EndpointParseError, EngineError};
use dockhand_harness::exit;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The engine could not be used at all.
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Endpoint(#[from] EndpointParseError),
    /// Bad arguments or configuration.
    #[error("{0}")]
    Usage(String),
    /// The selection matched nothing.
    #[error("{0}")]
    NoMatch(String),
    /// Anything else that went wrong on the host (files, terminal).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Engine(e) if e.is_engine_down() => exit::ENGINE_DOWN,
            CliError::Engine(_) | CliError::Other(_) => exit::CHECK_FAILED,
            CliError::Endpoint(_) | CliError::Usage(_) => exit::USAGE,
            CliError::NoMatch(_) => exit::NO_MATCH,
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
