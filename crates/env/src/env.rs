//! The library API: [`Environment`] (a parsed compose file and how to bring
//! it up) and [`Running`] (an environment that is up: endpoints, exec, logs,
//! and teardown, also on drop and on panic).
//!
//! ```no_run
//! # async fn t() -> Result<(), dockhand_env::EnvError> {
//! let env = dockhand_env::Environment::from_compose("tests/compose.yaml")?.up().await?;
//! let addr = env.endpoint("kv", 7000)?;            // 127.0.0.1:<published port>
//! let out = env.exec("kv", &["/probe", "env"]).await?;
//! let logs = env.logs("kv").await?;
//! # Ok(()) }                                        // dropped: torn down
//! ```

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, Engine};
use serde_json::Value;
use tokio::sync::watch;

use crate::compose::{Compose, LoadOptions, LogStream, Protocol};
use crate::error::EnvError;
use crate::labels::{self, Removed};
use crate::progress::{Progress, Silent};
use crate::ready::{self, ExecOutput};
use crate::up::{self, Plan};

/// A compose file, parsed and validated, and how to bring it up.
pub struct Environment {
    compose: Compose,
    project: String,
    engine: Option<Engine>,
    wait_timeout: Duration,
    log_lines: usize,
    follow_logs: bool,
    keep_images: bool,
    owned: bool,
    ttl: Duration,
    progress: Arc<dyn Progress>,
    cancel: Option<watch::Receiver<bool>>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("file", &self.compose.file)
            .field("project", &self.project)
            .finish()
    }
}

/// A short random-enough suffix: tests that bring up the same file side by
/// side get different projects.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .subsec_nanos();
    let mixed =
        (nanos ^ (std::process::id() << 12)).wrapping_add(N.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9));
    format!("{:06x}", mixed & 0xff_ffff)
}

/// The project name compose would use: the file's `name`, else its directory's.
pub fn default_project(compose: &Compose) -> Option<String> {
    compose.name.as_deref().and_then(labels::normalize_project).or_else(|| {
        compose
            .dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(labels::normalize_project)
    })
}

impl Environment {
    /// Parses a compose file for a test: the project gets a unique name
    /// (`<directory>-<random>`), the environment belongs to this process
    /// (swept by the next dockhand if the process dies), and is torn down
    /// when the [`Running`] handle is dropped.
    pub fn from_compose(path: impl AsRef<Path>) -> Result<Environment, EnvError> {
        Self::from_compose_with(
            path,
            &LoadOptions {
                process_env: true,
                ..LoadOptions::default()
            },
        )
    }

    /// Like [`Environment::from_compose`], with profiles and variables.
    pub fn from_compose_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Environment, EnvError> {
        let compose = Compose::load_with(path.as_ref(), opts)?;
        let base = default_project(&compose).unwrap_or_else(|| "env".into());
        Ok(Environment {
            project: format!("{base}-{}", unique_suffix()),
            compose,
            engine: None,
            wait_timeout: Duration::from_secs(120),
            log_lines: 20,
            follow_logs: false,
            keep_images: false,
            owned: true,
            ttl: Duration::from_secs(3600),
            progress: Arc::new(Silent),
            cancel: None,
        })
    }

    /// Sets the project name (lowercase letters, digits, `-`, `_`).
    pub fn project(mut self, name: &str) -> Result<Self, EnvError> {
        match labels::normalize_project(name) {
            Some(p) if p == name => {
                self.project = p;
                Ok(self)
            }
            _ => Err(EnvError::Io {
                what: format!("invalid project name `{name}`"),
                detail: "use lowercase letters, digits, `-` and `_`, starting with a letter or digit".into(),
            }),
        }
    }

    pub fn project_name(&self) -> &str {
        &self.project
    }

    pub fn compose(&self) -> &Compose {
        &self.compose
    }

    /// The engine to use (default: as the docker CLI without flags: `DOCKER_HOST`, `DOCKER_CONTEXT`, the current context, else the default socket; `dockhand_engine::Endpoint::from_environment`).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// How long `up` waits for every service to be ready (default 120 s).
    pub fn wait_timeout(mut self, d: Duration) -> Self {
        self.wait_timeout = d;
        self
    }

    /// How many log lines of a failed service errors carry (default 20).
    pub fn log_lines(mut self, n: usize) -> Self {
        self.log_lines = n;
        self
    }

    /// Send every started service's output, line by line, to the progress
    /// receiver ([`ProgressEvent::Log`](crate::ProgressEvent::Log)) while
    /// `up` waits (default off).
    pub fn follow_logs(mut self, on: bool) -> Self {
        self.follow_logs = on;
        self
    }

    /// Keep the images built for the services when tearing down.
    pub fn keep_images(mut self, keep: bool) -> Self {
        self.keep_images = keep;
        self
    }

    /// Whether the environment belongs to this process (default): the next
    /// dockhand sweeps it when this process is gone. `env up` turns this off
    /// and relies on the expiry alone.
    pub fn owned(mut self, owned: bool) -> Self {
        self.owned = owned;
        self
    }

    /// After this long any dockhand may sweep the environment.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    pub fn progress(mut self, p: Arc<dyn Progress>) -> Self {
        self.progress = p;
        self
    }

    /// `up` stops, tears down and returns [`EnvError::Interrupted`] when
    /// this becomes true (the CLI wires Ctrl-C to it).
    pub fn cancel_on(mut self, rx: watch::Receiver<bool>) -> Self {
        self.cancel = Some(rx);
        self
    }

    /// Brings the environment up and waits until every service is ready.
    /// On failure everything created is removed and the error says, per
    /// service, what it waited for, what it saw, and the last log lines.
    pub async fn up(self) -> Result<Running, EnvError> {
        let engine = match &self.engine {
            Some(e) => e.clone(),
            None => {
                let endpoint = Endpoint::from_environment().map_err(|e| EnvError::Io {
                    what: "cannot resolve the engine (DOCKER_HOST, DOCKER_CONTEXT, the current context)".into(),
                    detail: e.to_string(),
                })?;
                Engine::connect(ConnectOptions {
                    endpoint,
                    deadlines: Deadlines::default(),
                    pinned_version: None,
                })
                .await?
            }
        };
        labels::sweep_abandoned(&engine).await?;
        let n = up::existing_containers(&engine, &self.project).await?;
        if n > 0 {
            return Err(EnvError::ProjectExists {
                project: self.project.clone(),
                containers: n,
            });
        }
        // Keep a sender alive when nobody gave a cancel source.
        let (_keep, default_rx) = watch::channel(false);
        let plan = Plan {
            compose: &self.compose,
            project: &self.project,
            labels: labels::project_labels(
                &self.project,
                &self.compose.file.display().to_string(),
                self.ttl,
                self.owned,
            ),
            wait_timeout: self.wait_timeout,
            log_lines: self.log_lines,
            follow_logs: self.follow_logs,
            progress: self.progress.clone(),
            cancel: self.cancel.clone().unwrap_or(default_rx),
        };
        let created = match up::up(&engine, &plan).await {
            Ok(c) => c,
            Err(e) => {
                if let Err(down) = labels::remove_project(&engine, &self.project, self.keep_images).await {
                    tracing::warn!("tearing down `{}` after a failed up: {down}", self.project);
                }
                return Err(e);
            }
        };
        let mut services: BTreeMap<String, Vec<Replica>> = BTreeMap::new();
        for s in &self.compose.services {
            services.insert(s.name.clone(), Vec::new());
        }
        for c in created {
            let inspect: Value = engine.container_inspect(&c.id).await?.ok()?.json()?;
            services.entry(c.service.clone()).or_default().push(Replica {
                ports: published_ports(&inspect),
                ip: ready::container_ip(&inspect),
                service: c.service,
                replica: c.replica,
                id: c.id,
                name: c.name,
            });
        }
        Ok(Running {
            engine,
            project: self.project,
            services,
            keep_images: self.keep_images,
            armed: true,
        })
    }
}

/// `NetworkSettings.Ports` as (container port, protocol) -> host address.
/// A binding on every address (`0.0.0.0`) is reached through 127.0.0.1.
fn published_ports(inspect: &Value) -> Vec<(u16, Protocol, SocketAddr)> {
    let mut out = Vec::new();
    let Some(ports) = inspect["NetworkSettings"]["Ports"].as_object() else {
        return out;
    };
    for (key, bindings) in ports {
        let Some((port, proto)) = key.split_once('/') else {
            continue;
        };
        let (Ok(port), proto) = (
            port.parse::<u16>(),
            if proto == "udp" { Protocol::Udp } else { Protocol::Tcp },
        ) else {
            continue;
        };
        let first = bindings.as_array().into_iter().flatten().find_map(|b| {
            let ip: IpAddr = b["HostIp"].as_str()?.parse().ok()?;
            let hp: u16 = b["HostPort"].as_str()?.parse().ok()?;
            ip.is_ipv4().then(|| {
                let ip = if ip.is_unspecified() {
                    IpAddr::V4(Ipv4Addr::LOCALHOST)
                } else {
                    ip
                };
                SocketAddr::new(ip, hp)
            })
        });
        if let Some(a) = first {
            out.push((port, proto, a));
        }
    }
    out.sort_by_key(|(p, _, _)| *p);
    out
}

/// One container of a service.
#[derive(Debug, Clone)]
pub struct Replica {
    pub service: String,
    /// From 1.
    pub replica: u32,
    pub id: String,
    pub name: String,
    /// Published ports: container port, protocol, host address.
    pub ports: Vec<(u16, Protocol, SocketAddr)>,
    /// The container's address on its (first) network.
    pub ip: Option<IpAddr>,
}

/// The `DOCKHAND_<SERVICE>` part of a variable name: uppercase, anything
/// but letters and digits as `_`.
pub fn env_name(service: &str) -> String {
    service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// An environment that is up. Dropping it tears it down (also while a test
/// panics); [`Running::down`] does it explicitly and reports errors.
pub struct Running {
    engine: Engine,
    project: String,
    services: BTreeMap<String, Vec<Replica>>,
    keep_images: bool,
    armed: bool,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("project", &self.project)
            .field("services", &self.services)
            .finish()
    }
}

impl Running {
    pub fn project(&self) -> &str {
        &self.project
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The service's containers, replica 1 first.
    pub fn replicas(&self, service: &str) -> Result<&[Replica], EnvError> {
        self.services
            .get(service)
            .map(Vec::as_slice)
            .ok_or_else(|| EnvError::UnknownService {
                project: self.project.clone(),
                service: service.to_string(),
                known: self.services.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// Where the host reaches a service's TCP container port (replica 1).
    pub fn endpoint(&self, service: &str, port: u16) -> Result<SocketAddr, EnvError> {
        Ok(self.endpoints(service, port)?[0])
    }

    /// Where the host reaches a service's TCP container port, per replica.
    pub fn endpoints(&self, service: &str, port: u16) -> Result<Vec<SocketAddr>, EnvError> {
        let replicas = self.replicas(service)?;
        let found: Vec<SocketAddr> = replicas
            .iter()
            .filter_map(|r| {
                r.ports
                    .iter()
                    .find(|(p, proto, _)| *p == port && *proto == Protocol::Tcp)
                    .map(|(_, _, a)| *a)
            })
            .collect();
        if found.len() != replicas.len() || found.is_empty() {
            return Err(EnvError::UnknownPort {
                service: service.to_string(),
                port,
                protocol: "tcp",
            });
        }
        Ok(found)
    }

    /// The variables `dockhand env run` gives the command:
    /// `DOCKHAND_PROJECT`; per service `DOCKHAND_<SERVICE>_REPLICAS`; per
    /// published port `DOCKHAND_<SERVICE>_<PORT>` (replica 1) and
    /// `DOCKHAND_<SERVICE>_<PORT>_<N>` (replica N, from 1) as `host:port`;
    /// UDP ports with `_UDP` after the port number.
    pub fn env_vars(&self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("DOCKHAND_PROJECT".to_string(), self.project.clone());
        for (service, replicas) in &self.services {
            let s = env_name(service);
            m.insert(format!("DOCKHAND_{s}_REPLICAS"), replicas.len().to_string());
            for r in replicas {
                for (port, proto, addr) in &r.ports {
                    let base = match proto {
                        Protocol::Tcp => format!("DOCKHAND_{s}_{port}"),
                        Protocol::Udp => format!("DOCKHAND_{s}_{port}_UDP"),
                    };
                    if r.replica == 1 {
                        m.insert(base.clone(), addr.to_string());
                    }
                    m.insert(format!("{base}_{}", r.replica), addr.to_string());
                }
            }
        }
        m
    }

    /// Runs a command in replica 1 of a service.
    pub async fn exec(&self, service: &str, cmd: &[&str]) -> Result<ExecOutput, EnvError> {
        let r = &self.replicas(service)?[0];
        let cmd: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        Ok(ready::exec(&self.engine, &r.id, &cmd).await?)
    }

    /// The stdout and stderr lines of every replica of a service, in order
    /// per stream; with several replicas each line starts with `<n> | `.
    pub async fn logs(&self, service: &str) -> Result<Vec<String>, EnvError> {
        let replicas = self.replicas(service)?;
        let mut out = Vec::new();
        for r in replicas {
            let lines = ready::logs(&self.engine, &r.id, None, LogStream::Both).await?;
            if replicas.len() == 1 {
                out.extend(lines);
            } else {
                out.extend(lines.into_iter().map(|l| format!("{} | {l}", r.replica)));
            }
        }
        Ok(out)
    }

    /// The last `n` log lines of each container, as `(service, replica, lines)`.
    pub async fn log_tails(&self, n: usize) -> Vec<(String, u32, Vec<String>)> {
        let mut out = Vec::new();
        for (s, replicas) in &self.services {
            for r in replicas {
                out.push((s.clone(), r.replica, ready::logs_tail(&self.engine, &r.id, n).await));
            }
        }
        out
    }

    /// Tears the environment down and says what was removed.
    pub async fn down(mut self) -> Result<Removed, EnvError> {
        self.armed = false;
        Ok(labels::remove_project(&self.engine, &self.project, self.keep_images).await?)
    }

    /// Leaves the environment running when this handle goes away (`env up`).
    pub fn detach(mut self) {
        self.armed = false;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // Drop cannot await, and may run inside a runtime (or while one
        // unwinds from a panic): tear down on a thread with its own runtime
        // and its own connections to the engine.
        let endpoint = self.engine.endpoint().clone();
        let deadlines = self.engine.deadlines();
        let version = self.engine.api_version();
        let project = self.project.clone();
        let keep = self.keep_images;
        let t = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            match rt {
                Ok(rt) => rt.block_on(async {
                    let engine = Engine::with_version(endpoint, deadlines, version);
                    labels::remove_project(&engine, &project, keep).await
                }),
                Err(e) => Err(dockhand_engine::EngineError::InvalidRequest(format!("no runtime: {e}"))),
            }
        });
        match t.join() {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!(
                "dockhand-env: tearing down `{}` failed: {e}; `dockhand env down -p {}` removes it",
                self.project, self.project
            ),
            Err(_) => eprintln!("dockhand-env: tearing down `{}` panicked", self.project),
        }
    }
}
