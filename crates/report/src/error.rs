//! [`LoadError`]: why an event file cannot be reported on, shared by the
//! check-event reader ([`crate::load`]) and the bench reader ([`crate::bench`]).

/// Why an event file cannot be reported on.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is empty: it holds no dockhand events; write one with `dockhand check --format json > {path}` (or `dockhand bench --format json > {path}`)")]
    Empty { path: String },
    #[error("{path}:{line} is not a JSON line ({detail}): give the output of `dockhand check --format json` (or of `dockhand bench --format json`)")]
    NotJson { path: String, line: usize, detail: String },
    #[error("{path}:{line} is not a dockhand event ({detail}): give the output of `dockhand check --format json`")]
    NotEvent { path: String, line: usize, detail: String },
    #[error("{path}:{line}: {what} before any run-started: the file must hold whole runs, from `dockhand check --format json`")]
    NoRunStarted { path: String, line: usize, what: String },
    #[error("{path}:{line} is not a dockhand bench event ({detail})")]
    NotBenchEvent { path: String, line: usize, detail: String },
    #[error("{path}:{line}: {what} before any bench-started: the file must hold whole benches, from `dockhand bench --format json`")]
    NoBenchStarted { path: String, line: usize, what: String },
}
