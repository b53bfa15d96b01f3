//! The error taxonomy: [`EngineError`].
//!
//! Each variant needs a different answer from the user, so they are never folded
//! together: an unreachable engine is a setup problem, a silent one is a hung
//! daemon, an API error is the engine's verdict, and a protocol error is a finding
//! about the engine's wire behaviour.

use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};

use crate::endpoint::Endpoint;
use crate::ssh::SshFailure;
use crate::tls::TlsFailure;
use crate::version::{NoCommonVersion, MAX_API_VERSION};

/// Why the engine's socket could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreachableReason {
    /// The unix socket does not exist.
    SocketMissing,
    /// Nobody listens: connection refused.
    Refused,
    /// The socket exists but this user may not open it.
    PermissionDenied,
    /// The engine reset the connection as it was being opened: it was
    /// stopping, or had just died (its listener closed with this connection
    /// still waiting to be accepted).
    Reset,
    /// The TCP host name did not resolve.
    UnknownHost,
    /// The TLS handshake failed (or the engine refused the client
    /// certificate right after it), or TLS and plain HTTP met.
    Tls(TlsFailure),
    /// The ssh client (an `ssh://` endpoint) exited before the engine
    /// answered: its words, verbatim, and what they are about.
    Ssh(Box<SshFailure>),
    /// Any other connect failure, with the OS's words.
    Other(String),
}

impl UnreachableReason {
    pub(crate) fn from_io(err: &std::io::Error) -> Self {
        use std::io::ErrorKind::*;
        match err.kind() {
            NotFound => UnreachableReason::SocketMissing,
            ConnectionRefused => UnreachableReason::Refused,
            PermissionDenied => UnreachableReason::PermissionDenied,
            ConnectionReset | ConnectionAborted => UnreachableReason::Reset,
            _ => UnreachableReason::Other(err.to_string()),
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            UnreachableReason::SocketMissing => {
                "start the engine (e.g. `systemctl start docker`), or point --host / DOCKER_HOST at a running one"
            }
            UnreachableReason::Refused => {
                "the engine is not listening there: start it, or point --host / DOCKER_HOST at a running one"
            }
            UnreachableReason::PermissionDenied => {
                "run as root, or add your user to the socket's group (usually `docker`) and log in again"
            }
            UnreachableReason::Reset => {
                "the engine went away while dockhand connected (stopped or crashed): check its log, and start it again"
            }
            UnreachableReason::UnknownHost => "check the host name in --host / DOCKER_HOST",
            UnreachableReason::Tls(f) => f.hint(),
            UnreachableReason::Ssh(f) => f.hint(),
            UnreachableReason::Other(_) => "check that the engine runs and that --host / DOCKER_HOST names it",
        }
    }
}

impl fmt::Display for UnreachableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnreachableReason::SocketMissing => f.write_str("the socket does not exist"),
            UnreachableReason::Refused => f.write_str("connection refused"),
            UnreachableReason::PermissionDenied => f.write_str("permission denied"),
            UnreachableReason::Reset => f.write_str("connection reset as it opened"),
            UnreachableReason::UnknownHost => f.write_str("the host name does not resolve"),
            UnreachableReason::Tls(t) => t.fmt(f),
            UnreachableReason::Ssh(failure) => failure.fmt(f),
            UnreachableReason::Other(s) => f.write_str(s),
        }
    }
}

/// A failed engine call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// The connection could not be opened.
    #[error("engine unreachable at {endpoint}: {reason}; {}", reason.hint())]
    Unreachable {
        endpoint: Endpoint,
        reason: UnreachableReason,
    },

    /// Connected, but no complete reply came within the deadline.
    #[error("engine not responding: {method} {path} got no reply within {}; the daemon at {endpoint} may be frozen or overloaded: check its process (`ps -o pid,stat,cmd -C dockerd`: state T means stopped), or raise the deadline with --timeout", fmt_duration(*waited))]
    NotResponding {
        endpoint: Endpoint,
        method: Method,
        path: String,
        waited: Duration,
    },

    /// A streaming call received nothing for longer than its idle deadline.
    #[error("engine stream went silent: {method} {path} received nothing for {}; the daemon at {endpoint} may be frozen", fmt_duration(*idle))]
    StreamIdle {
        endpoint: Endpoint,
        method: Method,
        path: String,
        idle: Duration,
    },

    /// The connection broke before the reply was complete: closed inside the
    /// head or the body (also mid-frame in a stream), or reset.
    #[error(
        "engine connection lost: {method} {path}: {detail}; the daemon at {endpoint} may have exited or restarted"
    )]
    ConnectionLost {
        endpoint: Endpoint,
        method: Method,
        path: String,
        detail: String,
    },

    /// The engine answered with a status the caller did not accept.
    #[error("engine API error: {method} {path} returned {status}: {message}")]
    Api {
        method: Method,
        path: String,
        status: StatusCode,
        /// The engine's `message`, or the raw body when it is not the usual JSON.
        message: String,
    },

    /// The reply broke the protocol: not HTTP, broken chunked encoding, bad
    /// stream framing, bad JSON, or a payload that ends inside a frame or a
    /// JSON message although its HTTP body ended properly.
    #[error("engine protocol error: {method} {path}: {detail}")]
    Protocol {
        method: Method,
        path: String,
        detail: String,
    },

    /// The engine accepts no API version dockhand would speak: its minimum is
    /// above dockhand's maximum (or the pin). Found at connect time, before
    /// any call that the engine would refuse with 400.
    #[error("{}", version_message(engine, endpoint, detail))]
    UnsupportedVersion {
        endpoint: Endpoint,
        /// The product and version, e.g. "Docker Engine - Community 29.1.2".
        engine: String,
        detail: NoCommonVersion,
    },

    /// The request itself could not be built (a bug in the caller, not the engine).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl EngineError {
    /// True for the errors that mean the engine itself is gone or stuck, as opposed
    /// to an answer we did not like: the runner's watchdog acts on these.
    pub fn is_engine_down(&self) -> bool {
        matches!(
            self,
            EngineError::Unreachable { .. }
                | EngineError::NotResponding { .. }
                | EngineError::StreamIdle { .. }
                | EngineError::ConnectionLost { .. }
        )
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            EngineError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A short name of the kind, for reports and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            EngineError::Unreachable { .. } => "unreachable",
            EngineError::NotResponding { .. } => "not-responding",
            EngineError::StreamIdle { .. } => "stream-idle",
            EngineError::ConnectionLost { .. } => "connection-lost",
            EngineError::Api { .. } => "api",
            EngineError::Protocol { .. } => "protocol",
            EngineError::UnsupportedVersion { .. } => "unsupported-version",
            EngineError::InvalidRequest(_) => "invalid-request",
        }
    }
}

fn version_message(engine: &str, endpoint: &Endpoint, d: &NoCommonVersion) -> String {
    if d.pinned {
        format!(
            "--api-version {} is below the oldest API version {engine} at {endpoint} accepts ({} to {}): pin a version in that range, or drop --api-version",
            d.wanted, d.engine_min, d.engine_max
        )
    } else {
        format!(
            "{engine} at {endpoint} accepts API {} to {}, and dockhand speaks at most {MAX_API_VERSION}: the engine would refuse every call with 400. Its checks follow the v{MAX_API_VERSION} reference; test this engine with a dockhand that speaks API {}, or test an engine that still accepts {MAX_API_VERSION} (Docker Engine 28 and older)",
            d.engine_min, d.engine_max, d.engine_min
        )
    }
}

/// Formats a duration the way people read it: `30s`, `1.5s`, `250ms`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn connect_errors_name_their_cause() {
        let reason = |kind| UnreachableReason::from_io(&Error::from(kind));
        assert_eq!(reason(ErrorKind::NotFound), UnreachableReason::SocketMissing);
        assert_eq!(reason(ErrorKind::ConnectionRefused), UnreachableReason::Refused);
        assert_eq!(reason(ErrorKind::PermissionDenied), UnreachableReason::PermissionDenied);
        // A dockerd killed while we connect: its listener closes with our
        // connection in its queue, and connect reports a reset.
        assert_eq!(reason(ErrorKind::ConnectionReset), UnreachableReason::Reset);
        assert_eq!(reason(ErrorKind::ConnectionAborted), UnreachableReason::Reset);
        assert!(matches!(reason(ErrorKind::TimedOut), UnreachableReason::Other(_)));
        assert_eq!(UnreachableReason::Reset.to_string(), "connection reset as it opened");
        assert!(UnreachableReason::Reset.hint().contains("went away"));
    }
}
