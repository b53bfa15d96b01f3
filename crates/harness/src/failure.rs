//! What a check returns: [`CheckResult`], and [`CheckError`] when it does not
//! pass, with the [`Mismatch`] between the reference and the engine's reply
//! and the [`ensure!`](crate::ensure) macro that makes one.
//!
//! Below the check model and the context, so that both (and cluster control)
//! can return it without importing each other.

use std::fmt;

use dockhand_engine::EngineError;

use crate::observed::Observed;

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

/// [`ensure!`] with the fact a known failure's pin is matched against: fails
/// with `what: expected ..., got ...` and `observed` (an
/// [`Observed`](crate::Observed)) unless `cond`.
#[macro_export]
macro_rules! ensure_seen {
    ($cond:expr, $observed:expr, $what:expr, $expected:expr, $actual:expr $(,)?) => {
        if !$cond {
            return Err($crate::CheckError::failed($what, $expected, $actual).with_observed($observed));
        }
    };
}
