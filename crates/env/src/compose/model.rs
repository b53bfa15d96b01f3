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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// Keys accepted but without effect on one engine (swarm-only `deploy`
    /// fields) and unset variables, each once, as `file:line:col: message`.
    pub warnings: Vec<String>,
}

/// A network's IPAM section, passed to `POST /networks/create` as is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ipam {
    pub driver: Option<String>,
    pub config: Vec<IpamPool>,
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IpamPool {
    pub subnet: Option<String>,
    pub ip_range: Option<String>,
    pub gateway: Option<String>,
    pub aux_addresses: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub driver: Option<String>,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// `name:`: the engine-side name, used as is instead of the per-run one.
    pub fixed_name: Option<String>,
    /// `external: true`: exists already; neither created nor removed.
    pub external: bool,
    pub ipam: Option<Ipam>,
    /// `driver_opts`: the driver's `Options`.
    pub driver_opts: BTreeMap<String, String>,
    pub attachable: bool,
    pub enable_ipv6: bool,
}

/// The engine-side name of a network or volume: `name:` when given (or
/// the key, for an external one), else `{project}_{key}`.
fn engine_name(key: &str, fixed: &Option<String>, external: bool, project: &str) -> String {
    match fixed {
        Some(n) => n.clone(),
        None if external => key.to_string(),
        None => format!("{project}_{key}"),
    }
}

impl NetworkDef {
    pub fn engine_name(&self, project: &str) -> String {
        engine_name(&self.name, &self.fixed_name, self.external, project)
    }
}

impl VolumeDef {
    pub fn engine_name(&self, project: &str) -> String {
        engine_name(&self.name, &self.fixed_name, self.external, project)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeDef {
    pub name: String,
    pub driver: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `name:`: the engine-side name, used as is instead of the per-run one.
    pub fixed_name: Option<String>,
    /// `external: true`: exists already; neither created nor removed.
    pub external: bool,
    /// `driver_opts`: the driver's `DriverOpts`.
    pub driver_opts: BTreeMap<String, String>,
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
    /// The keys that map onto the container's config one to one.
    pub opts: ContainerOptions,
}

/// `pull_policy`: `always` pulls before every up, `missing` (the default)
/// and `build` pull a missing image, `never` makes a missing image an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    Missing,
    Never,
    Build,
}

/// A `ulimits` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

/// Service keys that map onto `ContainerCreate` fields one to one, as
/// docker compose maps them. `None`/empty: the engine's default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContainerOptions {
    /// A fixed container name; one per engine, so concurrent runs of the
    /// same file conflict (an error names it).
    pub container_name: Option<String>,
    /// `expose`: `ExposedPorts` without a binding.
    pub expose: Vec<(u16, Protocol)>,
    pub shm_size: Option<u64>,
    pub stdin_open: bool,
    pub tty: bool,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    pub hostname: Option<String>,
    /// `sysctls`: kernel parameter to value (`HostConfig.Sysctls`).
    pub sysctls: BTreeMap<String, String>,
    /// `tmpfs`: path to mount options (`HostConfig.Tmpfs`).
    pub tmpfs: BTreeMap<String, String>,
    pub read_only: bool,
    pub privileged: bool,
    pub security_opt: Vec<String>,
    pub ulimits: Vec<Ulimit>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub init: Option<bool>,
    pub pids_limit: Option<i64>,
    /// Passed as `POST /containers/create?platform=`.
    pub platform: Option<String>,
    /// `host`, `none`, `bridge` or `container:NAME`: no project network.
    pub network_mode: Option<String>,
    pub runtime: Option<String>,
    pub extra_hosts: Vec<String>,
    pub stop_signal: Option<String>,
    pub stop_grace_period: Option<Duration>,
    /// `mem_limit` or `deploy.resources.limits.memory`, bytes.
    pub memory: Option<u64>,
    /// `mem_reservation` or `deploy.resources.reservations.memory`, bytes.
    pub memory_reservation: Option<u64>,
    /// `cpus` or `deploy.resources.limits.cpus`, in 1e-9 CPUs.
    pub nano_cpus: Option<u64>,
    pub pull_policy: Option<PullPolicy>,
    /// Keys that each set one create field as written (`dns`, `ipc`, ...).
    pub fields: Vec<EngineField>,
}

/// A service key passed to one `ContainerCreate` field (`compose/fields.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineField {
    /// The compose key.
    pub key: &'static str,
    /// Under `HostConfig` (else the create body's top level).
    pub host: bool,
    pub field: &'static str,
    /// The field's value, as the API takes it.
    pub value: serde_json::Value,
    /// The key's value, as `env config` prints it.
    pub given: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Build {
    /// Absolute.
    pub context: PathBuf,
    /// Relative to the context.
    pub dockerfile: String,
    pub args: BTreeMap<String, String>,
    /// The stage to build (`POST /build?target=`).
    pub target: Option<String>,
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
        /// `z` or `Z`: SELinux relabelling, passed as a bind option (the
        /// Mounts API has none, so compose sends such binds as `Binds`).
        selinux: Option<char>,
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
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
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
    /// `required: false`: left out (with a warning) when the service is
    /// not enabled.
    pub required: bool,
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

/// A secret or a config (`files.rs`), in a definition or a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum FileKind {
    Secret,
    Config,
}

impl FileKind {
    pub(super) fn word(self) -> &'static str {
        match self {
            FileKind::Secret => "secret",
            FileKind::Config => "config",
        }
    }

    pub(super) fn section(self) -> &'static str {
        match self {
            FileKind::Secret => "secrets",
            FileKind::Config => "configs",
        }
    }

    /// Where a reference without an absolute `target` is mounted.
    pub(super) fn target(self, name: &str) -> String {
        if name.starts_with('/') {
            return name.to_string();
        }
        match self {
            FileKind::Secret => format!("/run/secrets/{name}"),
            FileKind::Config => format!("/{name}"),
        }
    }
}

/// The defined files, by kind and name (`None`: the definition failed).
pub(super) type FileDefs = std::collections::BTreeMap<(FileKind, String), Option<PathBuf>>;
