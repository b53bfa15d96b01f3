//! The check model: [`Check`], its [`CheckMeta`], and [`CheckError`], what a
//! check returns when it does not pass.
//!
//! A check is an async function of a [`Ctx`](crate::Ctx) with static metadata.
//! It may expand into named sub-checks (variants), each run and reported on its
//! own under the id `check-id:variant`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use dockhand_engine::{ApiVersion, EngineError};

use crate::context::Ctx;
use crate::observed::Observed;

/// What a check needs beyond a reachable engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// A throwaway private dockerd that the check may kill or freeze.
    PrivateEngine,
    /// An engine that is a swarm manager.
    Swarm,
    /// A local multi-node cluster.
    Cluster,
    /// The docker CLI on PATH.
    DockerCli,
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Need::PrivateEngine => "a private engine",
            Need::Swarm => "a swarm manager",
            Need::Cluster => "a cluster",
            Need::DockerCli => "the docker CLI",
        })
    }
}

/// The static description of a check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckMeta {
    /// Stable id, `area/group/name`.
    pub id: &'static str,
    /// One line, what the check asserts.
    pub summary: &'static str,
    pub area: &'static str,
    pub tags: &'static [&'static str],
    /// The lowest API version the check applies to.
    pub min_api: ApiVersion,
    pub needs: &'static [Need],
    /// Where the API reference documents the behaviour, e.g. `ContainerStart`.
    pub reference: &'static [&'static str],
}

/// The future a check returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// A registered check.
#[derive(Clone)]
pub struct Check {
    pub meta: CheckMeta,
    /// Named sub-checks; empty for a plain check.
    pub variants: &'static [&'static str],
    pub run: fn(Ctx) -> CheckFuture,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check").field("id", &self.meta.id).finish()
    }
}

/// One schedulable unit: a check, or one variant of it.
#[derive(Debug, Clone)]
pub struct CheckCase {
    pub check: Check,
    pub variant: Option<&'static str>,
}

impl CheckCase {
    /// `id` or `id:variant`.
    pub fn id(&self) -> String {
        match self.variant {
            Some(v) => format!("{}:{v}", self.check.meta.id),
            None => self.check.meta.id.to_string(),
        }
    }

    /// Expands checks into cases, variants in declaration order.
    pub fn expand(checks: &[Check]) -> Vec<CheckCase> {
        let mut out = Vec::new();
        for c in checks {
            if c.variants.is_empty() {
                out.push(CheckCase {
                    check: c.clone(),
                    variant: None,
                });
            } else {
                out.extend(c.variants.iter().map(|v| CheckCase {
                    check: c.clone(),
                    variant: Some(v),
                }));
            }
        }
        out
    }
}

/// What a check returns.
pub type CheckResult = Result<(), CheckError>;

/// A mismatch between what the reference promises and what came.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Mismatch {
    /// What was being checked, e.g. `start of a created container`.
    pub what: String,
    /// The request, e.g. `POST /v1.41/containers/abc/start`.
    pub request: Option<String>,
    pub expected: String,
    pub actual: String,
    /// The API reference's words or section, when there is one.
    pub reference: Option<String>,
    /// The call and the status or field the mismatch is about, as facts a
    /// known failure's pin is matched against (`Ctx::expect_status` fills it in).
    pub observed: Option<Observed>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.what)?;
        if let Some(r) = &self.request {
            write!(f, " ({r})")?;
        }
        write!(f, ": expected {}, got {}", self.expected, self.actual)?;
        if let Some(r) = &self.reference {
            write!(f, " [reference: {r}]")?;
        }
        Ok(())
    }
}

/// Why a check did not pass.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckError {
    /// The engine did not do what the reference says.
    #[error("{0}")]
    Failed(Box<Mismatch>),
    /// An engine call failed. API and protocol errors count as failures (the
    /// engine misbehaved); an engine that is down is an error of the run.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The check could not run (setup failed for reasons outside the engine).
    #[error("{0}")]
    Broken(String),
    /// The check does not apply here.
    #[error("{0}")]
    Skip(String),
}

impl CheckError {
    pub fn failed(what: impl Into<String>, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        CheckError::Failed(Box::new(Mismatch {
            what: what.into(),
            request: None,
            expected: expected.into(),
            actual: actual.into(),
            reference: None,
            observed: None,
        }))
    }

    /// Adds the facts of what was observed to a [`CheckError::Failed`]; other errors are returned as they are.
    pub fn with_observed(self, observed: Observed) -> Self {
        match self {
            CheckError::Failed(mut m) => {
                m.observed = Some(observed);
                CheckError::Failed(m)
            }
            other => other,
        }
    }
}

/// Fails with `what: expected ..., got ...` unless `cond`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $what:expr, $expected:expr, $actual:expr $(,)?) => {
        if !$cond {
            return Err($crate::CheckError::failed($what, $expected, $actual));
        }
    };
}
