//! The decoded compose model: [`Compose`] and its services, networks and
//! volumes, with the source position of what validation may need to cite,
//! and [`ComposeError`], a problem at a `line:column` of the file. Plain
//! data: decoding is in `decode` and the service decoders, checking in
//! `validate`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::yaml::Pos;

/// A compose file that could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}:{pos}: {message}", file.display())]
pub struct ComposeError {
    pub file: PathBuf,
    pub pos: Pos,
    pub message: String,
}

/// How to load a file: which profiles are on, and the variables.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub profiles: Vec<String>,
    /// Variables that win over the process environment (tests).
    pub vars: BTreeMap<String, String>,
    /// Read the process environment (on by default in [`Compose::load`]).
    pub process_env: bool,
}

/// A decoded compose file.
#[derive(Debug, Clone)]
pub struct Compose {
    pub file: PathBuf,
    /// The directory relative paths are resolved against.
    pub dir: PathBuf,
    /// The top-level `name`, if any.
    pub name: Option<String>,
    /// The enabled services, in file order.
    pub services: Vec<Service>,
    pub networks: Vec<NetworkDef>,
    pub volumes: Vec<VolumeDef>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub driver: Option<String>,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeDef {
    pub name: String,
    pub driver: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub pos: Pos,
    pub image: Option<String>,
    pub build: Option<Build>,
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// `env_file` entries first, then `environment` over them.
    pub environment: BTreeMap<String, String>,
    pub ports: Vec<Port>,
    pub volumes: Vec<Mount>,
    /// Empty: the project's `default` network.
    pub networks: Vec<ServiceNetwork>,
    pub depends_on: Vec<Dependency>,
    pub healthcheck: Option<Healthcheck>,
    pub labels: BTreeMap<String, String>,
    pub restart: Option<Restart>,
    pub replicas: u32,
    pub profiles: Vec<String>,
    /// `x-dockhand: ready:` rules; all must hold.
    pub ready: Vec<ReadyRule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// Absolute.
    pub context: PathBuf,
    /// Relative to the context.
    pub dockerfile: String,
    pub args: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A published port. dockhand binds to 127.0.0.1 unless `host_ip` says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub host_ip: String,
    /// None: the engine picks a free port.
    pub host_port: Option<u16>,
    pub container: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    /// A named volume (`source`, defined under top-level `volumes`) or an
    /// anonymous one (no source).
    Volume {
        source: Option<String>,
        target: String,
        read_only: bool,
    },
    /// A host path, absolute.
    Bind {
        source: PathBuf,
        target: String,
        read_only: bool,
    },
    Tmpfs {
        target: String,
        size: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceNetwork {
    pub name: String,
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Started => "service_started",
            Condition::Healthy => "service_healthy",
            Condition::CompletedSuccessfully => "service_completed_successfully",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    pub condition: Condition,
    pub pos: Pos,
}

/// A healthcheck; `None` fields keep the image's values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Healthcheck {
    pub disable: bool,
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`.
    pub test: Option<Vec<String>>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u64>,
    pub start_period: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restart {
    No,
    Always,
    UnlessStopped,
    OnFailure(Option<u64>),
}

/// Which output a log rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Both,
    Stdout,
    Stderr,
}

/// An `x-dockhand` readiness rule.
#[derive(Debug, Clone)]
pub enum ReadyRule {
    /// A TCP connection to the container port succeeds.
    Tcp { port: u16 },
    /// `GET path` on the container port answers `status`.
    Http { port: u16, path: String, status: u16 },
    /// A line of the container's output matches.
    Log { pattern: regex::Regex, stream: LogStream },
    /// The command, run in the container, exits 0.
    Exec { command: Vec<String> },
}

impl std::fmt::Display for ReadyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadyRule::Tcp { port } => write!(f, "TCP port {port} to accept connections"),
            ReadyRule::Http { port, path, status } => {
                write!(f, "GET {path} on port {port} to answer {status}")
            }
            ReadyRule::Log { pattern, stream } => {
                let s = match stream {
                    LogStream::Both => "stdout or stderr",
                    LogStream::Stdout => "stdout",
                    LogStream::Stderr => "stderr",
                };
                write!(f, "a line on {s} matching /{pattern}/")
            }
            ReadyRule::Exec { command } => write!(f, "`{}` to exit 0 in the container", command.join(" ")),
        }
    }
}
