//! [`Compose`]: the subset of the Compose Specification that integration
//! tests use, decoded strictly from a positioned YAML tree. A key that is
//! unknown, or known to compose but not supported here, is an error naming
//! the key and its `line:column`; nothing is silently ignored (except `x-*`
//! extension keys, which the specification reserves for tools, and the
//! obsolete top-level `version`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::interp::{interpolate, parse_env_file, Vars};
use crate::yaml::{self, Node, Pos, Value};

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

/// Keys of the Compose Specification that dockhand does not support: they
/// get a "not supported" error instead of "unknown".
const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "hostname",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "network_mode",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "post_start",
    "pre_stop",
    "privileged",
    "pull_policy",
    "read_only",
    "runtime",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "uts",
    "volumes_from",
    "working_dir",
];

const SERVICE_KEYS: &[&str] = &[
    "build",
    "command",
    "depends_on",
    "deploy",
    "entrypoint",
    "env_file",
    "environment",
    "healthcheck",
    "image",
    "labels",
    "networks",
    "ports",
    "profiles",
    "restart",
    "scale",
    "volumes",
];

/// Decodes one compose file with its `.env` (beside the file).
impl Compose {
    /// Loads `path` with the process environment and the `.env` file beside it.
    pub fn load(path: &Path, profiles: &[String]) -> Result<Compose, ComposeError> {
        Compose::load_with(
            path,
            &LoadOptions {
                profiles: profiles.to_vec(),
                vars: BTreeMap::new(),
                process_env: true,
            },
        )
    }

    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Compose, ComposeError> {
        let at = |pos: Pos, message: String| ComposeError {
            file: path.to_path_buf(),
            pos,
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            at(
                Pos::default(),
                format!("cannot read the compose file: {e}; pass an existing file with -f"),
            )
        })?;
        let file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut vars = Vars::default();
        if opts.process_env {
            vars.env = std::env::vars().collect();
        }
        vars.env.extend(opts.vars.clone());
        let dotenv = dir.join(".env");
        if dotenv.is_file() {
            let t = std::fs::read_to_string(&dotenv).map_err(|e| ComposeError {
                file: dotenv.clone(),
                pos: Pos::default(),
                message: format!("cannot read: {e}"),
            })?;
            vars.dotenv = parse_env_file(&t)
                .map_err(|e| ComposeError {
                    file: dotenv.clone(),
                    pos: Pos { line: e.line, col: 1 },
                    message: e.message,
                })?
                .into_iter()
                .collect();
        }
        let root = yaml::parse(&text).map_err(|e| at(e.pos, format!("invalid YAML: {}", e.message)))?;
        let Some(root) = root else {
            return Err(at(
                Pos { line: 1, col: 1 },
                "the file is empty; a compose file needs a `services:` mapping".into(),
            ));
        };
        let d = Decoder {
            file: path.to_path_buf(),
            dir: dir.clone(),
            vars,
        };
        d.compose(&root, file, dir, &opts.profiles)
    }
}

struct Decoder {
    file: PathBuf,
    dir: PathBuf,
    vars: Vars,
}

type R<T> = Result<T, ComposeError>;

fn suggest(key: &str, valid: &[&str]) -> String {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(key, v), v))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| format!(" (did you mean `{v}`?)"))
        .unwrap_or_default()
}

impl Decoder {
    fn err<T>(&self, pos: Pos, message: impl Into<String>) -> R<T> {
        Err(ComposeError {
            file: self.file.clone(),
            pos,
            message: message.into(),
        })
    }

    /// A mapping's entries with `<<` merges applied (explicit keys win).
    fn entries<'a>(&self, node: &'a Node, what: &str) -> R<Vec<(&'a str, &'a Node, &'a Node)>> {
        let Value::Map(m) = &node.value else {
            return self.err(node.pos, format!("{what} must be a mapping, found {}", node.kind()));
        };
        let mut out: Vec<(&str, &Node, &Node)> = Vec::new();
        let mut merged: Vec<(&str, &Node, &Node)> = Vec::new();
        for (k, v) in m {
            let Some(key) = k.as_scalar() else {
                return self.err(k.pos, format!("{what}: keys must be scalars"));
            };
            if key == "<<" && matches!(k.value, Value::Scalar { plain: true, .. }) {
                let sources: Vec<&Node> = match &v.value {
                    Value::Seq(items) => items.iter().collect(),
                    _ => vec![v],
                };
                for s in sources {
                    merged.extend(self.entries(s, "a merge (`<<`) source")?);
                }
                continue;
            }
            if out.iter().any(|(o, _, _)| *o == key) {
                return self.err(k.pos, format!("{what}: duplicate key `{key}`"));
            }
            out.push((key, k, v));
        }
        for (key, k, v) in merged {
            if !out.iter().any(|(o, _, _)| *o == key) {
                out.push((key, k, v));
            }
        }
        Ok(out)
    }

    /// Checks every key of a mapping against `allowed` (plus `x-*`).
    fn checked<'a>(
        &self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
        compose_known: &[&str],
    ) -> R<Vec<(&'a str, &'a Node, &'a Node)>> {
        let entries = self.entries(node, what)?;
        for (key, k, _) in &entries {
            if allowed.contains(key) || key.starts_with("x-") {
                continue;
            }
            let supported = allowed.join(", ");
            if compose_known.contains(key) {
                return self.err(
                    k.pos,
                    format!("{what}: key `{key}` is not supported by dockhand env; remove it (supported: {supported})"),
                );
            }
            return self.err(
                k.pos,
                format!(
                    "{what}: unknown key `{key}`{}; supported: {supported}",
                    suggest(key, allowed)
                ),
            );
        }
        Ok(entries)
    }

    fn string(&self, n: &Node, what: &str) -> R<String> {
        match &n.value {
            Value::Scalar { text, .. } if !n.is_null() => {
                interpolate(text, &self.vars).or_else(|e| self.err(n.pos, format!("{what}: {e}")))
            }
            _ => self.err(n.pos, format!("{what} must be a string, found {}", n.kind())),
        }
    }

    fn opt_string(&self, n: &Node, what: &str) -> R<Option<String>> {
        if n.is_null() {
            Ok(None)
        } else {
            self.string(n, what).map(Some)
        }
    }

    fn number<T: std::str::FromStr>(&self, n: &Node, what: &str) -> R<T> {
        let s = self.string(n, what)?;
        s.trim().parse().or_else(|_| {
            self.err(
                n.pos,
                format!("{what} must be a non-negative integer in range, found `{s}`"),
            )
        })
    }

    fn boolean(&self, n: &Node, what: &str) -> R<bool> {
        match self.string(n, what)?.as_str() {
            "true" | "True" | "TRUE" => Ok(true),
            "false" | "False" | "FALSE" => Ok(false),
            other => self.err(n.pos, format!("{what} must be true or false, found `{other}`")),
        }
    }

    fn duration(&self, n: &Node, what: &str) -> R<Duration> {
        let s = self.string(n, what)?;
        parse_duration(&s).or_else(|e| self.err(n.pos, format!("{what}: {e}")))
    }

    fn seq<'a>(&self, n: &'a Node, what: &str) -> R<&'a [Node]> {
        match &n.value {
            Value::Seq(items) => Ok(items),
            _ => self.err(n.pos, format!("{what} must be a list, found {}", n.kind())),
        }
    }

    fn strings(&self, n: &Node, what: &str) -> R<Vec<String>> {
        self.seq(n, what)?.iter().map(|i| self.string(i, what)).collect()
    }

    /// A command: a list of words, or a string split as a shell would.
    fn command(&self, n: &Node, what: &str) -> R<Vec<String>> {
        match &n.value {
            Value::Seq(_) => self.strings(n, what),
            _ => {
                let s = self.string(n, what)?;
                shell_words(&s).or_else(|e| self.err(n.pos, format!("{what}: {e}")))
            }
        }
    }

    /// `KEY=VALUE` list or `KEY: VALUE` mapping. A key without a value takes
    /// it from the environment (and is left out when unset), when `from_env`.
    fn key_values(&self, n: &Node, what: &str, from_env: bool) -> R<Vec<(String, String)>> {
        let mut out = Vec::new();
        match &n.value {
            Value::Seq(items) => {
                for i in items {
                    let s = self.string(i, what)?;
                    match s.split_once('=') {
                        Some((k, v)) => out.push((k.to_string(), v.to_string())),
                        None if from_env => {
                            if let Some(v) = self.vars.get(&s) {
                                out.push((s.clone(), v.to_string()));
                            }
                        }
                        None => return self.err(i.pos, format!("{what}: expected KEY=VALUE, found `{s}`")),
                    }
                }
            }
            Value::Map(_) => {
                for (key, k, v) in self.entries(n, what)? {
                    if v.is_null() {
                        if !from_env {
                            out.push((key.to_string(), String::new()));
                        } else if let Some(val) = self.vars.get(key) {
                            out.push((key.to_string(), val.to_string()));
                        }
                        continue;
                    }
                    if matches!(v.value, Value::Seq(_) | Value::Map(_)) {
                        return self.err(k.pos, format!("{what}: the value of `{key}` must be a scalar"));
                    }
                    out.push((key.to_string(), self.string(v, what)?));
                }
            }
            _ => return self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
        Ok(out)
    }

    fn compose(&self, root: &Node, file: PathBuf, dir: PathBuf, profiles: &[String]) -> R<Compose> {
        let top = self.checked(
            root,
            "the top level",
            &["name", "networks", "services", "version", "volumes"],
            &["configs", "include", "models", "secrets"],
        )?;
        let mut name = None;
        let mut services = Vec::new();
        let mut networks = Vec::new();
        let mut volumes = Vec::new();
        let mut services_node = None;
        for (key, _, v) in &top {
            match *key {
                "name" => name = Some(self.string(v, "`name`")?),
                "version" => {} // obsolete in the specification; accepted and ignored like compose does
                "services" => services_node = Some(*v),
                "networks" if !v.is_null() => {
                    for (n, _, def) in self.entries(v, "`networks`")? {
                        networks.push(self.network(n, def)?);
                    }
                }
                "volumes" if !v.is_null() => {
                    for (n, _, def) in self.entries(v, "`volumes`")? {
                        volumes.push(self.volume(n, def)?);
                    }
                }
                _ => {}
            }
        }
        let Some(services_node) = services_node else {
            return self.err(root.pos, "the file has no `services:` mapping");
        };
        for (sname, k, def) in self.entries(services_node, "`services`")? {
            if !valid_name(sname) {
                return self.err(
                    k.pos,
                    format!("service name `{sname}` must be lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
                );
            }
            services.push(self.service(sname, k.pos, def)?);
        }
        if services.is_empty() {
            return self.err(services_node.pos, "`services` is empty");
        }
        // Profiles: a service with profiles runs only when one is enabled.
        let all: BTreeMap<String, Service> = services.iter().map(|s| (s.name.clone(), s.clone())).collect();
        let enabled = |s: &Service| s.profiles.is_empty() || s.profiles.iter().any(|p| profiles.contains(p));
        services.retain(enabled);
        if services.is_empty() {
            return self.err(
                services_node.pos,
                format!(
                    "no service is enabled with the profiles [{}]; pass --profile with one the services list",
                    profiles.join(", ")
                ),
            );
        }
        let c = Compose {
            file,
            dir,
            name,
            services,
            networks,
            volumes,
        };
        self.validate(&c, &all)?;
        Ok(c)
    }

    fn validate(&self, c: &Compose, all: &BTreeMap<String, Service>) -> R<()> {
        let nets: BTreeSet<&str> = c.networks.iter().map(|n| n.name.as_str()).collect();
        let vols: BTreeSet<&str> = c.volumes.iter().map(|n| n.name.as_str()).collect();
        for s in &c.services {
            for d in &s.depends_on {
                match all.get(&d.service) {
                    None => {
                        return self.err(
                            d.pos,
                            format!(
                                "service `{}` depends on `{}`, which is not a service in this file{}",
                                s.name,
                                d.service,
                                suggest(&d.service, &all.keys().map(String::as_str).collect::<Vec<_>>())
                            ),
                        )
                    }
                    Some(dep) if !c.services.iter().any(|e| e.name == d.service) => {
                        return self.err(
                            d.pos,
                            format!(
                                "service `{}` depends on `{}`, which is not enabled; add --profile {}",
                                s.name,
                                d.service,
                                dep.profiles.join(" or --profile ")
                            ),
                        )
                    }
                    Some(_) => {}
                }
                if d.service == s.name {
                    return self.err(d.pos, format!("service `{}` depends on itself", s.name));
                }
            }
            for n in &s.networks {
                if n.name != "default" && !nets.contains(n.name.as_str()) {
                    return self.err(
                        s.pos,
                        format!(
                            "service `{}` uses network `{}`, which the top-level `networks` does not define; add it there",
                            s.name, n.name
                        ),
                    );
                }
            }
            for m in &s.volumes {
                if let Mount::Volume { source: Some(v), .. } = m {
                    if !vols.contains(v.as_str()) {
                        return self.err(
                            s.pos,
                            format!(
                                "service `{}` mounts volume `{v}`, which the top-level `volumes` does not define; add it there (or write a path starting with ./ or / for a bind mount)",
                                s.name
                            ),
                        );
                    }
                }
            }
            if s.replicas > 1 {
                if let Some(p) = s.ports.iter().find(|p| p.host_port.is_some()) {
                    return self.err(
                        s.pos,
                        format!(
                            "service `{}` has {} replicas but publishes the fixed host port {}; they cannot all bind it: publish only the container port (`\"{}\"`)",
                            s.name,
                            s.replicas,
                            p.host_port.unwrap_or_default(),
                            p.container
                        ),
                    );
                }
            }
        }
        crate::graph::order(c).map(|_| ()).or_else(|cycle| {
            let s = c
                .services
                .iter()
                .find(|s| s.name == cycle[0])
                .map(|s| s.pos)
                .unwrap_or_default();
            self.err(
                s,
                format!("the services depend on each other in a cycle: {}", cycle.join(" -> ")),
            )
        })
    }

    fn network(&self, name: &str, def: &Node) -> R<NetworkDef> {
        let mut n = NetworkDef {
            name: name.to_string(),
            driver: None,
            internal: false,
            labels: BTreeMap::new(),
        };
        if def.is_null() {
            return Ok(n);
        }
        let what = format!("network `{name}`");
        for (key, _, v) in self.checked(
            def,
            &what,
            &["driver", "internal", "labels"],
            &["attachable", "driver_opts", "enable_ipv6", "external", "ipam", "name"],
        )? {
            match key {
                "driver" => n.driver = self.opt_string(v, "`driver`")?,
                "internal" => n.internal = self.boolean(v, "`internal`")?,
                "labels" => n.labels = self.key_values(v, "`labels`", false)?.into_iter().collect(),
                _ => {}
            }
        }
        Ok(n)
    }

    fn volume(&self, name: &str, def: &Node) -> R<VolumeDef> {
        let mut n = VolumeDef {
            name: name.to_string(),
            driver: None,
            labels: BTreeMap::new(),
        };
        if def.is_null() {
            return Ok(n);
        }
        let what = format!("volume `{name}`");
        for (key, _, v) in self.checked(def, &what, &["driver", "labels"], &["driver_opts", "external", "name"])? {
            match key {
                "driver" => n.driver = self.opt_string(v, "`driver`")?,
                "labels" => n.labels = self.key_values(v, "`labels`", false)?.into_iter().collect(),
                _ => {}
            }
        }
        Ok(n)
    }

    fn service(&self, name: &str, pos: Pos, def: &Node) -> R<Service> {
        let what = format!("service `{name}`");
        let mut s = Service {
            name: name.to_string(),
            pos,
            image: None,
            build: None,
            command: None,
            entrypoint: None,
            environment: BTreeMap::new(),
            ports: Vec::new(),
            volumes: Vec::new(),
            networks: Vec::new(),
            depends_on: Vec::new(),
            healthcheck: None,
            labels: BTreeMap::new(),
            restart: None,
            replicas: 1,
            profiles: Vec::new(),
            ready: Vec::new(),
        };
        let entries = self.checked(def, &what, SERVICE_KEYS, COMPOSE_SERVICE_KEYS)?;
        let mut env_files = Vec::new();
        let mut environment = Vec::new();
        let mut scale = None;
        let mut deploy_replicas = None;
        for (key, k, v) in &entries {
            let field = format!("{what}: `{key}`");
            match *key {
                "image" => s.image = Some(self.string(v, &field)?),
                "build" => s.build = Some(self.build(v, &field)?),
                "command" => s.command = Some(self.command(v, &field)?),
                "entrypoint" => s.entrypoint = Some(self.command(v, &field)?),
                "environment" => environment = self.key_values(v, &field, true)?,
                "env_file" => {
                    let files = match &v.value {
                        Value::Seq(_) => self.strings(v, &field)?,
                        _ => vec![self.string(v, &field)?],
                    };
                    for f in files {
                        env_files.push((f, v.pos));
                    }
                }
                "ports" => {
                    for p in self.seq(v, &field)? {
                        s.ports.push(self.port(p, &field)?);
                    }
                }
                "volumes" => {
                    for m in self.seq(v, &field)? {
                        s.volumes.push(self.mount(m, &field)?);
                    }
                }
                "networks" => s.networks = self.service_networks(v, &field)?,
                "depends_on" => s.depends_on = self.depends_on(v, &field)?,
                "healthcheck" => s.healthcheck = Some(self.healthcheck(v, &field)?),
                "labels" => s.labels = self.key_values(v, &field, false)?.into_iter().collect(),
                "restart" => s.restart = Some(self.restart(v, &field)?),
                "scale" => scale = Some((self.number::<u32>(v, &field)?, k.pos)),
                "deploy" => {
                    for (dk, _, dv) in self.checked(
                        v,
                        &field,
                        &["replicas"],
                        &[
                            "endpoint_mode",
                            "labels",
                            "mode",
                            "placement",
                            "resources",
                            "restart_policy",
                            "rollback_config",
                            "update_config",
                        ],
                    )? {
                        if dk == "replicas" {
                            deploy_replicas = Some((self.number::<u32>(dv, "`deploy.replicas`")?, dv.pos));
                        }
                    }
                }
                "profiles" => s.profiles = self.strings(v, &field)?,
                _ => {}
            }
        }
        if let Some((_, x, v)) = entries.iter().find(|(k, _, _)| *k == "x-dockhand") {
            let _ = x;
            s.ready = self.x_dockhand(v, &format!("{what}: `x-dockhand`"))?;
        }
        match (scale, deploy_replicas) {
            (Some((a, p)), Some((b, _))) if a != b => {
                return self.err(
                    p,
                    format!("{what}: `scale` ({a}) and `deploy.replicas` ({b}) disagree; keep one"),
                )
            }
            (Some((n, p)), _) | (None, Some((n, p))) => {
                if n == 0 {
                    return self.err(
                        p,
                        format!("{what}: 0 replicas; remove the service or use a profile instead"),
                    );
                }
                s.replicas = n;
            }
            (None, None) => {}
        }
        if s.image.is_none() && s.build.is_none() {
            return self.err(pos, format!("{what} has neither `image` nor `build`; give one"));
        }
        for (f, p) in env_files {
            let path = self.dir.join(&f);
            let text = std::fs::read_to_string(&path)
                .or_else(|e| self.err(p, format!("{what}: cannot read env_file {}: {e}", path.display())))?;
            let parsed = parse_env_file(&text).map_err(|e| ComposeError {
                file: path.clone(),
                pos: Pos { line: e.line, col: 1 },
                message: e.message,
            })?;
            s.environment.extend(parsed);
        }
        s.environment.extend(environment);
        Ok(s)
    }

    fn build(&self, n: &Node, what: &str) -> R<Build> {
        let mut b = Build {
            context: self.dir.clone(),
            dockerfile: "Dockerfile".into(),
            args: BTreeMap::new(),
        };
        if let Value::Scalar { .. } = n.value {
            b.context = self.dir.join(self.string(n, what)?);
        } else {
            for (key, _, v) in self.checked(
                n,
                what,
                &["args", "context", "dockerfile"],
                &[
                    "additional_contexts",
                    "cache_from",
                    "cache_to",
                    "dockerfile_inline",
                    "extra_hosts",
                    "isolation",
                    "labels",
                    "network",
                    "no_cache",
                    "platforms",
                    "privileged",
                    "pull",
                    "secrets",
                    "shm_size",
                    "ssh",
                    "tags",
                    "target",
                    "ulimits",
                ],
            )? {
                match key {
                    "context" => b.context = self.dir.join(self.string(v, "`build.context`")?),
                    "dockerfile" => b.dockerfile = self.string(v, "`build.dockerfile`")?,
                    "args" => b.args = self.key_values(v, "`build.args`", true)?.into_iter().collect(),
                    _ => {}
                }
            }
        }
        if !b.context.is_dir() {
            return self.err(
                n.pos,
                format!("{what}: the build context {} is not a directory", b.context.display()),
            );
        }
        if !b.context.join(&b.dockerfile).is_file() {
            return self.err(
                n.pos,
                format!(
                    "{what}: no Dockerfile at {} (the dockerfile is relative to the context)",
                    b.context.join(&b.dockerfile).display()
                ),
            );
        }
        Ok(b)
    }

    fn port(&self, n: &Node, what: &str) -> R<Port> {
        let bad = |detail: String| -> R<Port> { self.err(n.pos, format!("{what}: {detail}")) };
        let num = |s: &str| -> Option<u16> { s.parse::<u16>().ok().filter(|p| *p > 0) };
        if let Value::Map(_) = n.value {
            let mut p = Port {
                host_ip: "127.0.0.1".into(),
                host_port: None,
                container: 0,
                protocol: Protocol::Tcp,
            };
            for (key, _, v) in self.checked(
                n,
                what,
                &["host_ip", "protocol", "published", "target"],
                &["app_protocol", "mode", "name"],
            )? {
                match key {
                    "target" => p.container = self.number(v, "`target`")?,
                    "published" => p.host_port = Some(self.number(v, "`published`")?),
                    "host_ip" => p.host_ip = self.string(v, "`host_ip`")?,
                    "protocol" => p.protocol = self.protocol(v)?,
                    _ => {}
                }
            }
            if p.container == 0 {
                return bad("`target` (the container port) is required".into());
            }
            return Ok(p);
        }
        let s = self.string(n, what)?;
        let (spec, proto) = match s.rsplit_once('/') {
            Some((a, "tcp")) => (a, Protocol::Tcp),
            Some((a, "udp")) => (a, Protocol::Udp),
            Some((_, other)) => return bad(format!("protocol `{other}` in `{s}`: use tcp or udp")),
            None => (s.as_str(), Protocol::Tcp),
        };
        if spec.contains('-') {
            return bad(format!("port ranges (`{s}`) are not supported; list each port"));
        }
        let parts: Vec<&str> = spec.split(':').collect();
        let (ip, host, container) = match parts.as_slice() {
            [c] => (None, None, *c),
            [h, c] => (None, Some(*h), *c),
            [ip, h, c] => (Some(*ip), Some(*h).filter(|h| !h.is_empty()), *c),
            _ => return bad(format!("`{s}` is not [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")),
        };
        let Some(container) = num(container) else {
            return bad(format!("container port `{container}` in `{s}` is not a port number"));
        };
        let host_port = match host {
            None => None,
            Some(h) => match num(h) {
                Some(p) => Some(p),
                None => return bad(format!("host port `{h}` in `{s}` is not a port number")),
            },
        };
        Ok(Port {
            host_ip: ip.unwrap_or("127.0.0.1").to_string(),
            host_port,
            container,
            protocol: proto,
        })
    }

    fn protocol(&self, v: &Node) -> R<Protocol> {
        match self.string(v, "`protocol`")?.as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            other => self.err(v.pos, format!("protocol `{other}`: use tcp or udp")),
        }
    }

    fn mount(&self, n: &Node, what: &str) -> R<Mount> {
        if let Value::Map(_) = n.value {
            let mut kind = None;
            let mut source = None;
            let mut target = None;
            let mut read_only = false;
            let mut size = None;
            for (key, _, v) in self.checked(
                n,
                what,
                &["read_only", "source", "target", "tmpfs", "type"],
                &["bind", "consistency", "image", "volume"],
            )? {
                match key {
                    "type" => kind = Some((self.string(v, "`type`")?, v.pos)),
                    "source" => source = Some(self.string(v, "`source`")?),
                    "target" => target = Some(self.string(v, "`target`")?),
                    "read_only" => read_only = self.boolean(v, "`read_only`")?,
                    "tmpfs" => {
                        for (tk, _, tv) in self.checked(v, "`tmpfs`", &["size"], &["mode"])? {
                            if tk == "size" {
                                let s = self.string(tv, "`tmpfs.size`")?;
                                size =
                                    Some(parse_size(&s).or_else(|e| self.err(tv.pos, format!("`tmpfs.size`: {e}")))?);
                            }
                        }
                    }
                    _ => {}
                }
            }
            let Some(target) = target else {
                return self.err(n.pos, format!("{what}: `target` is required"));
            };
            return match kind.as_ref().map(|(k, p)| (k.as_str(), *p)) {
                Some(("volume", _)) => Ok(Mount::Volume {
                    source,
                    target,
                    read_only,
                }),
                Some(("bind", p)) => match source {
                    Some(src) => Ok(Mount::Bind {
                        source: self.dir.join(src),
                        target,
                        read_only,
                    }),
                    None => self.err(p, format!("{what}: a bind mount needs `source`")),
                },
                Some(("tmpfs", _)) => Ok(Mount::Tmpfs { target, size }),
                Some((other, p)) => self.err(
                    p,
                    format!("{what}: mount type `{other}` is not supported; use volume, bind or tmpfs"),
                ),
                None => self.err(n.pos, format!("{what}: `type` is required (volume, bind or tmpfs)")),
            };
        }
        let s = self.string(n, what)?;
        let parts: Vec<&str> = s.split(':').collect();
        let (src, target, mode) = match parts.as_slice() {
            [t] => (None, *t, None),
            [a, b] => (Some(*a), *b, None),
            [a, b, m] => (Some(*a), *b, Some(*m)),
            _ => return self.err(n.pos, format!("{what}: `{s}` is not [SOURCE:]TARGET[:MODE]")),
        };
        let read_only = match mode {
            None | Some("rw") => false,
            Some("ro") => true,
            Some(other) => return self.err(n.pos, format!("{what}: mode `{other}` in `{s}`: use ro or rw")),
        };
        if !target.starts_with('/') {
            return self.err(n.pos, format!("{what}: the target `{target}` must be an absolute path"));
        }
        Ok(match src {
            None => Mount::Volume {
                source: None,
                target: target.to_string(),
                read_only,
            },
            Some(p) if p.starts_with('.') || p.starts_with('/') || p.starts_with('~') => {
                let path = match p.strip_prefix("~/") {
                    Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
                    None => self.dir.join(p),
                };
                Mount::Bind {
                    source: path,
                    target: target.to_string(),
                    read_only,
                }
            }
            Some(v) => Mount::Volume {
                source: Some(v.to_string()),
                target: target.to_string(),
                read_only,
            },
        })
    }

    fn service_networks(&self, n: &Node, what: &str) -> R<Vec<ServiceNetwork>> {
        match &n.value {
            Value::Seq(_) => Ok(self
                .strings(n, what)?
                .into_iter()
                .map(|name| ServiceNetwork {
                    name,
                    aliases: Vec::new(),
                })
                .collect()),
            Value::Map(_) => {
                let mut out = Vec::new();
                for (name, _, v) in self.entries(n, what)? {
                    let mut sn = ServiceNetwork {
                        name: name.to_string(),
                        aliases: Vec::new(),
                    };
                    if !v.is_null() {
                        for (key, _, av) in self.checked(
                            v,
                            &format!("{what}.{name}"),
                            &["aliases"],
                            &[
                                "driver_opts",
                                "gw_priority",
                                "interface_name",
                                "ipv4_address",
                                "ipv6_address",
                                "link_local_ips",
                                "mac_address",
                                "priority",
                            ],
                        )? {
                            if key == "aliases" {
                                sn.aliases = self.strings(av, "`aliases`")?;
                            }
                        }
                    }
                    out.push(sn);
                }
                Ok(out)
            }
            _ => self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
    }

    fn depends_on(&self, n: &Node, what: &str) -> R<Vec<Dependency>> {
        match &n.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| {
                    Ok(Dependency {
                        service: self.string(i, what)?,
                        condition: Condition::Started,
                        pos: i.pos,
                    })
                })
                .collect(),
            Value::Map(_) => {
                let mut out = Vec::new();
                for (name, k, v) in self.entries(n, what)? {
                    let mut d = Dependency {
                        service: name.to_string(),
                        condition: Condition::Started,
                        pos: k.pos,
                    };
                    if !v.is_null() {
                        for (key, _, cv) in
                            self.checked(v, &format!("{what}.{name}"), &["condition"], &["required", "restart"])?
                        {
                            if key == "condition" {
                                d.condition = match self.string(cv, "`condition`")?.as_str() {
                                    "service_started" => Condition::Started,
                                    "service_healthy" => Condition::Healthy,
                                    "service_completed_successfully" => Condition::CompletedSuccessfully,
                                    other => {
                                        return self.err(
                                            cv.pos,
                                            format!("{what}.{name}: unknown condition `{other}`; use service_started, service_healthy or service_completed_successfully"),
                                        )
                                    }
                                };
                            }
                        }
                    }
                    out.push(d);
                }
                Ok(out)
            }
            _ => self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
    }

    fn healthcheck(&self, n: &Node, what: &str) -> R<Healthcheck> {
        let mut h = Healthcheck::default();
        for (key, _, v) in self.checked(
            n,
            what,
            &["disable", "interval", "retries", "start_period", "test", "timeout"],
            &["start_interval"],
        )? {
            match key {
                "disable" => h.disable = self.boolean(v, "`disable`")?,
                "test" => {
                    h.test = Some(match &v.value {
                        Value::Seq(_) => {
                            let t = self.strings(v, "`test`")?;
                            match t.first().map(String::as_str) {
                                Some("CMD") | Some("CMD-SHELL") | Some("NONE") => t,
                                _ => {
                                    return self.err(
                                        v.pos,
                                        format!("{what}: `test` as a list starts with CMD, CMD-SHELL or NONE"),
                                    )
                                }
                            }
                        }
                        _ => vec!["CMD-SHELL".into(), self.string(v, "`test`")?],
                    })
                }
                "interval" => h.interval = Some(self.duration(v, "`interval`")?),
                "timeout" => h.timeout = Some(self.duration(v, "`timeout`")?),
                "start_period" => h.start_period = Some(self.duration(v, "`start_period`")?),
                "retries" => h.retries = Some(self.number(v, "`retries`")?),
                _ => {}
            }
        }
        Ok(h)
    }

    fn restart(&self, n: &Node, what: &str) -> R<Restart> {
        let s = self.string(n, what)?;
        Ok(match s.as_str() {
            "no" => Restart::No,
            "always" => Restart::Always,
            "unless-stopped" => Restart::UnlessStopped,
            "on-failure" => Restart::OnFailure(None),
            other => match other.strip_prefix("on-failure:").map(str::parse::<u64>) {
                Some(Ok(n)) => Restart::OnFailure(Some(n)),
                _ => {
                    return self.err(
                        n.pos,
                        format!("{what}: `{other}`; use no, always, unless-stopped, on-failure or on-failure:N"),
                    )
                }
            },
        })
    }

    fn x_dockhand(&self, n: &Node, what: &str) -> R<Vec<ReadyRule>> {
        let mut rules = Vec::new();
        for (key, _, v) in self.checked(n, what, &["ready"], &[])? {
            if key != "ready" {
                continue;
            }
            let ready_what = format!("{what}.ready");
            for (rk, _, rv) in self.checked(v, &ready_what, &["exec", "http", "log", "tcp"], &[])? {
                let field = format!("{ready_what}.{rk}");
                rules.push(match rk {
                    "tcp" => ReadyRule::Tcp {
                        port: self.number(rv, &field)?,
                    },
                    "http" => {
                        let mut port = None;
                        let mut path = "/".to_string();
                        let mut status = 200;
                        for (hk, _, hv) in self.checked(rv, &field, &["path", "port", "status"], &[])? {
                            match hk {
                                "port" => port = Some(self.number(hv, "`port`")?),
                                "path" => path = self.string(hv, "`path`")?,
                                "status" => status = self.number(hv, "`status`")?,
                                _ => {}
                            }
                        }
                        let Some(port) = port else {
                            return self.err(rv.pos, format!("{field}: `port` is required"));
                        };
                        if !path.starts_with('/') {
                            return self.err(rv.pos, format!("{field}: `path` must start with /"));
                        }
                        ReadyRule::Http { port, path, status }
                    }
                    "log" => {
                        let (pattern, stream, pos) = match &rv.value {
                            Value::Map(_) => {
                                let mut pattern = None;
                                let mut stream = LogStream::Both;
                                for (lk, _, lv) in self.checked(rv, &field, &["pattern", "stream"], &[])? {
                                    match lk {
                                        "pattern" => pattern = Some((self.string(lv, "`pattern`")?, lv.pos)),
                                        "stream" => {
                                            stream = match self.string(lv, "`stream`")?.as_str() {
                                                "stdout" => LogStream::Stdout,
                                                "stderr" => LogStream::Stderr,
                                                "both" => LogStream::Both,
                                                other => {
                                                    return self.err(
                                                        lv.pos,
                                                        format!(
                                                            "{field}: stream `{other}`; use stdout, stderr or both"
                                                        ),
                                                    )
                                                }
                                            }
                                        }
                                        _ => {}
                                    }
                                }
                                let Some((p, pos)) = pattern else {
                                    return self.err(rv.pos, format!("{field}: `pattern` is required"));
                                };
                                (p, stream, pos)
                            }
                            _ => (self.string(rv, &field)?, LogStream::Both, rv.pos),
                        };
                        let pattern = regex::Regex::new(&pattern)
                            .or_else(|e| self.err(pos, format!("{field}: invalid regular expression: {e}")))?;
                        ReadyRule::Log { pattern, stream }
                    }
                    "exec" => {
                        let command = self.command(rv, &field)?;
                        if command.is_empty() {
                            return self.err(rv.pos, format!("{field}: the command is empty"));
                        }
                        ReadyRule::Exec { command }
                    }
                    _ => continue,
                });
            }
        }
        Ok(rules)
    }
}

/// Lowercase letters, digits, `-`, `_`, starting with a letter or digit.
pub fn valid_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Compose durations: `1m30s`, `10s`, `1.5s`, `500ms`, `100us`, `2h`, `0`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration like 10s, 1m30s or 500ms");
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    if t.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let (num, after) = rest.split_at(num_end);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        let scale = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        total += n * scale;
        rest = next;
    }
    Ok(Duration::from_secs_f64(total))
}

/// Sizes: `64m`, `1g`, `512k`, `1024` (bytes), with an optional `b`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (num, scale) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .map(|n| n * scale)
        .map_err(|_| format!("`{s}` is not a size like 64m or 1g"))
}

/// Splits a command string into words as a POSIX shell would (quotes and
/// backslashes; no expansions).
pub fn shell_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(o) => cur.push(o),
                        None => return Err(format!("unterminated single quote in `{s}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(o) => {
                                cur.push('\\');
                                cur.push(o);
                            }
                            None => return Err(format!("unterminated double quote in `{s}`")),
                        },
                        Some(o) => cur.push(o),
                        None => return Err(format!("unterminated double quote in `{s}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(o) = chars.next() {
                    cur.push(o);
                }
            }
            o => {
                in_word = true;
                cur.push(o);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn words() {
        assert_eq!(
            shell_words(r#"a 'b c' "d \"e\"" f\ g"#).unwrap(),
            vec!["a", "b c", "d \"e\"", "f g"]
        );
        assert_eq!(shell_words("  ").unwrap(), Vec::<String>::new());
        assert!(shell_words("'a").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64m").unwrap(), 64 << 20);
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert!(parse_size("lots").is_err());
    }
}
