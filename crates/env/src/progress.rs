//! [`Progress`]: what bringing an environment up reports while it works
//! ([`ProgressEvent`], a [`ServiceState`] per service). `up` sends the
//! events, [`Environment`](crate::Environment) carries the receiver, the CLI
//! draws them; the library alone is silent.

/// What `up` reports while it works.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// A step done: a network, a volume, an image.
    Step(String),
    Service {
        service: String,
        state: ServiceState,
    },
    /// A line of a started service's output while `up` waits (only when
    /// [`Environment::follow_logs`](crate::Environment::follow_logs) is on).
    Log {
        service: String,
        /// From 1.
        replica: u32,
        stderr: bool,
        line: String,
    },
}

/// Where one service is on its way up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceState {
    Building,
    /// Waiting for a dependency or for readiness: what for.
    Waiting(String),
    Starting,
    Ready,
    /// Exited 0, as a service_completed_successfully dependency should.
    Completed,
    Failed,
}

/// Receives progress events (the CLI draws them; the library is silent).
pub trait Progress: Send + Sync {
    fn event(&self, e: ProgressEvent);
}

pub(crate) struct Silent;

impl Progress for Silent {
    fn event(&self, _: ProgressEvent) {}
}
