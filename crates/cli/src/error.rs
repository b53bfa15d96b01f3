//! [`CliError`]: every failure the binary expects, each mapped to one exit code.

use dockhand_daemon::DaemonError;
use dockhand_engine::{Address, EndpointSource, EngineError, UnreachableReason};
use dockhand_harness::{exit, ConfigError, SelectError, SessionError, Signal};

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
    /// A check session could not run (its failures keep their own kinds).
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A private engine could not be started, stopped or cleaned up.
    #[error("private engine: {0}")]
    Daemon(#[from] DaemonError),
    /// An environment (`dockhand env`) failed.
    #[error(transparent)]
    Env(#[from] dockhand_env::EnvError),
    /// An events file `dockhand report` cannot report on.
    #[error(transparent)]
    Report(#[from] dockhand_report::LoadError),
    /// Bad arguments.
    #[error("{0}")]
    Usage(String),
    /// `dockhand bench` could not start or an engine went down mid-bench.
    #[error(transparent)]
    Bench(Box<dockhand_bench::BenchError>),
    /// A signal stopped the command after it undid what it had made.
    #[error("{message}")]
    Interrupted { message: String, signal: Signal },
    /// A failure another dockhand process reported, with its exit code.
    #[error("{message}")]
    Reported { message: String, code: i32 },
    /// Anything else that went wrong on the host (files, terminal).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Reported { code, .. } => *code,
            CliError::Interrupted { signal, .. } => signal.exit_code(),
            CliError::Engine(e) | CliError::Session(SessionError::Engine(e)) if e.is_engine_down() => exit::ENGINE_DOWN,
            // An engine dockhand cannot speak to is as unusable as an absent one.
            CliError::Engine(EngineError::UnsupportedVersion { .. })
            | CliError::Session(SessionError::Engine(EngineError::UnsupportedVersion { .. })) => exit::ENGINE_DOWN,
            CliError::Engine(_) | CliError::Session(SessionError::Engine(_)) | CliError::Other(_) => exit::CHECK_FAILED,
            // What the user must fix: the host (root, programs) or the name.
            CliError::Daemon(e) => match e.root() {
                DaemonError::NotRoot
                | DaemonError::NotInstalled { .. }
                | DaemonError::InvalidName { .. }
                | DaemonError::NameInUse { .. } => exit::USAGE,
                _ => exit::ENGINE_DOWN,
            },
            CliError::Env(e) if e.is_engine_down() => exit::ENGINE_DOWN,
            CliError::Env(e) if e.is_usage() => exit::USAGE,
            CliError::Env(dockhand_env::EnvError::Interrupted) => exit::INTERRUPTED,
            CliError::Env(_) => exit::CHECK_FAILED,
            CliError::Bench(e) if e.is_engine_down() => exit::ENGINE_DOWN,
            CliError::Bench(e) if e.is_usage() => exit::USAGE,
            CliError::Bench(_) => exit::CHECK_FAILED,
            CliError::Select(SelectError::NoMatch { .. })
            | CliError::Session(SessionError::Select(SelectError::NoMatch { .. })) => exit::NO_MATCH,
            // The rest of a session's failures: configuration, selection,
            // journal, the JUnit file.
            CliError::Config(_)
            | CliError::Select(_)
            | CliError::Session(_)
            | CliError::Usage(_)
            | CliError::Report(_) => exit::USAGE,
        }
    }
}

/// One line (or a few) for the user.
pub fn render(e: &CliError) -> String {
    match e {
        CliError::Other(a) => format!("{a:#}"),
        // Not for an engine dockhand made (a private engine, a cluster's
        // node): that one's trouble is not a missing engine; nor for a TLS
        // failure (that engine answered), nor for one reached over ssh, which
        // is on another machine.
        CliError::Engine(EngineError::Unreachable { endpoint, reason })
        | CliError::Session(SessionError::Engine(EngineError::Unreachable { endpoint, reason }))
            if !matches!(endpoint.source, EndpointSource::Named(_))
                && !matches!(reason, UnreachableReason::Tls(_))
                && !matches!(endpoint.address, Address::Ssh(_))
                && dockerd_installed() =>
        {
            format!(
            "{e}\n  dockerd is installed here: `dockhand check --private-engine` runs the checks on a throwaway engine of their own (needs root), or `dockhand engine start NAME` starts one to point DOCKER_HOST at"
        )
        }
        other => other.to_string(),
    }
}

/// Whether `dockerd` is on PATH or in the sbin directories (a non-login root
/// shell may lack them in PATH), where dockhand-daemon looks for it.
pub fn dockerd_installed() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(Into::into))
        .any(|d| d.join("dockerd").is_file())
}
