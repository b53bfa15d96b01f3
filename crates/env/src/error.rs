//! [`EnvError`]: what can go wrong with an environment, each kind with what
//! to do next. [`NotReady`] carries the per-service diagnosis of an `up`
//! that did not finish: what each service waited for, what was seen last,
//! and its last log lines.

use std::fmt;

use dockhand_engine::{fmt_duration, EngineError};

use crate::compose::ComposeError;

#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error(transparent)]
    Compose(#[from] ComposeError),

    #[error(transparent)]
    Engine(#[from] EngineError),

    #[error("project `{project}` is already up on this engine ({containers} containers); bring it down first (`dockhand env down -p {project}`), or pick another name with -p")]
    ProjectExists { project: String, containers: usize },

    #[error("pulling image `{image}` for service `{service}` failed: {why}: {detail}")]
    Pull {
        service: String,
        image: String,
        why: &'static str,
        detail: String,
    },

    #[error("service `{service}` has `pull_policy: never` and the engine does not have image `{image}`; build or load it first, or change the policy")]
    ImageNeverPulled { service: String, image: String },

    #[error("service `{service}`: a container named `{name}` already exists (its `container_name` is fixed, so two runs of this file on one engine conflict); remove that container, or drop `container_name` so dockhand names it per run")]
    NameConflict { service: String, name: String },

    #[error("building the image of service `{service}` failed: {message}{}", tail(output))]
    Build {
        service: String,
        message: String,
        output: Vec<String>,
    },

    #[error("{what}: {detail}")]
    Io { what: String, detail: String },

    #[error(transparent)]
    NotReady(#[from] NotReady),

    #[error("interrupted: the environment was torn down")]
    Interrupted,

    #[error("no service `{service}` in project `{project}`; services: {known}")]
    UnknownService {
        project: String,
        service: String,
        known: String,
    },

    #[error("service `{service}` does not publish container port {port}/{protocol}; add it to the service's `ports` (e.g. \"{port}\")")]
    UnknownPort {
        service: String,
        port: u16,
        protocol: &'static str,
    },
}

fn tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n  last build output:");
    for l in lines {
        s.push_str("\n  | ");
        s.push_str(l);
    }
    s
}

/// Why a service (replica) did not become ready.
#[derive(Debug, Clone)]
pub enum Reason {
    /// The deadline passed.
    TimedOut,
    /// The container exited (or died) while it should have been running.
    Exited { code: i64 },
    /// The healthcheck reported unhealthy.
    Unhealthy,
    /// A dependency failed, so this service was never started.
    DependencyFailed { dependency: String },
    /// The engine refused something (create, start, exec...).
    Engine(String),
    /// Ctrl-C.
    Interrupted,
}

/// One service replica that did not get ready.
#[derive(Debug, Clone)]
pub struct ServiceFailure {
    pub service: String,
    /// From 1; 0 when the service never got containers started.
    pub replica: u32,
    /// What was awaited, e.g. "the healthcheck to report healthy".
    pub waited_for: String,
    pub reason: Reason,
    /// The last thing seen, e.g. the health status and the check's output.
    pub last_seen: Option<String>,
    /// The container's last log lines (stdout and stderr).
    pub logs: Vec<String>,
}

/// `up` did not get every service ready.
#[derive(Debug, Clone, thiserror::Error)]
pub struct NotReady {
    pub project: String,
    pub waited: std::time::Duration,
    pub failures: Vec<ServiceFailure>,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timed_out = self.failures.iter().any(|x| matches!(x.reason, Reason::TimedOut));
        write!(f, "environment `{}` did not get ready", self.project)?;
        if timed_out {
            write!(f, " within {}", fmt_duration(self.waited))?;
        }
        for x in &self.failures {
            let who = if x.replica > 0 {
                format!("{} (replica {})", x.service, x.replica)
            } else {
                x.service.clone()
            };
            let why = match &x.reason {
                Reason::TimedOut => "still not there at the deadline".to_string(),
                Reason::Exited { code } => format!("the container exited with code {code}"),
                Reason::Unhealthy => "the healthcheck reported unhealthy".to_string(),
                Reason::DependencyFailed { dependency } => format!("not started: dependency `{dependency}` failed"),
                Reason::Engine(m) => format!("the engine refused: {m}"),
                Reason::Interrupted => "interrupted".to_string(),
            };
            write!(f, "\n  service {who}: waited for {}; {why}", x.waited_for)?;
            if let Some(l) = &x.last_seen {
                write!(f, "\n    last seen: {l}")?;
            }
            if !x.logs.is_empty() {
                write!(f, "\n    last {} log lines:", x.logs.len())?;
                for l in &x.logs {
                    write!(f, "\n    | {l}")?;
                }
            } else if x.replica > 0 {
                write!(f, "\n    (no log output)")?;
            }
        }
        let hint = if timed_out {
            "raise the deadline with --wait-timeout, or fix the service's readiness rule"
        } else {
            "fix the service, then try again"
        };
        write!(f, "\n  {hint}; the environment was torn down")
    }
}

impl EnvError {
    /// True when the engine itself is gone or stuck.
    pub fn is_engine_down(&self) -> bool {
        matches!(self, EnvError::Engine(e) if e.is_engine_down())
    }

    /// True for errors in the user's input (compose file, names).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            EnvError::Compose(_)
                | EnvError::UnknownService { .. }
                | EnvError::UnknownPort { .. }
                | EnvError::ProjectExists { .. }
                | EnvError::NameConflict { .. }
        )
    }
}
