//! [`BenchError`]: why a bench could not start or had to stop.

use std::path::PathBuf;

use dockhand_engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A workload name that is none of [`Workload::ALL`].
    #[error("unknown workload `{name}`; {}", suggest(suggestions, workloads))]
    UnknownWorkload {
        name: String,
        suggestions: Vec<String>,
        /// Every workload's name.
        workloads: Vec<&'static str>,
    },
    /// An option out of its range (a concurrency or an iteration count of 0).
    #[error("{0}")]
    InvalidOption(String),
    /// An engine could not be used at the start (unreachable, no common API
    /// version), or failed below HTTP while being set up.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// An engine froze or died mid-bench: what was measured so far stands,
    /// nothing more is started.
    #[error("engine not responding since {since}: {error}")]
    EngineDown {
        /// The engine's label in the results.
        engine: String,
        since: String,
        error: Box<EngineError>,
    },
    /// A plot could not be written.
    #[error("cannot write the plot {}: {message}; check that --plots names a writable directory", path.display())]
    Plot { path: PathBuf, message: String },
}

impl BenchError {
    /// Whether the engine itself is the trouble (exit 2, as for a check run).
    pub fn is_engine_down(&self) -> bool {
        match self {
            BenchError::EngineDown { .. } => true,
            BenchError::Engine(e) => e.is_engine_down() || matches!(e, EngineError::UnsupportedVersion { .. }),
            _ => false,
        }
    }

    /// Whether the user's input is the trouble (exit 3).
    pub fn is_usage(&self) -> bool {
        matches!(self, BenchError::UnknownWorkload { .. } | BenchError::InvalidOption(_))
    }
}

fn suggest(suggestions: &[String], workloads: &[&str]) -> String {
    match suggestions {
        [] => format!("workloads: {}", workloads.join(", ")),
        [one] => format!("did you mean `{one}`? `dockhand bench --list` shows every workload"),
        more => format!(
            "did you mean one of {}? `dockhand bench --list` shows every workload",
            more.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}
