//! Where the engine lives: [`Endpoint`], and [`EndpointSource`], how it was chosen.
//!
//! The order is the one the Docker CLI uses: `--context`, an explicit
//! `--host`, then `DOCKER_HOST`, then `DOCKER_CONTEXT`, the current context
//! of the docker configuration, then the default unix socket (`resolve.rs`
//! decides; this module parses addresses and names their sources). A run can also target an
//! engine dockhand made: `check --private-engine` (a throwaway dockerd) or
//! `check --cluster NAME` (a node of a local cluster). The source is kept, and
//! named in every message about the endpoint, because "unreachable" is only
//! actionable when the user knows which setting, engine or node to look at.

use std::fmt;
use std::path::PathBuf;

use crate::ssh::SshAddress;
use crate::tls::{TlsClient, TlsTarget};

/// The default socket when neither a flag nor `DOCKER_HOST` names one.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// How an [`Endpoint`] was chosen. The source is data, so every message that
/// names an endpoint names it without knowing the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// The `--host` flag (or a configuration file standing in for it).
    Flag,
    /// The `DOCKER_HOST` environment variable.
    DockerHost,
    /// Neither was set: the default socket.
    Default,
    /// `dockhand bench --engine URL` (one of possibly several engines).
    EngineFlag,
    /// An engine chosen by name rather than by address: a private engine, a
    /// cluster's node, a Docker context. Boxed: every
    /// engine error carries its endpoint, and must stay small to return.
    Named(Box<NamedEngine>),
}

/// The name of an engine chosen by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedEngine {
    /// A private engine dockhand started: `check --private-engine` runs on
    /// `check-<pid>`, and the checks that need a private engine (which only
    /// run under `--private-engine`) start their own.
    PrivateEngine(String),
    /// Node `node` (`n1`, ...) of a local cluster (`dockhand cluster create`),
    /// which `check --cluster NAME` runs against.
    ClusterNode { cluster: String, node: String },
    /// A Docker context, and what chose it: `--context`, `DOCKER_CONTEXT`,
    /// or the `currentContext` of the docker configuration file (named).
    Context { name: String, chosen_by: String },
    /// Node `node` of a cluster described by a file (`check --cluster-file
    /// FILE`): one dockhand did not create; `context` when the file names
    /// the node's Docker context rather than its address.
    ClusterFileNode {
        file: String,
        node: String,
        context: Option<String>,
    },
}

impl EndpointSource {
    /// The private engine `name`.
    pub fn private_engine(name: &str) -> Self {
        EndpointSource::Named(Box::new(NamedEngine::PrivateEngine(name.to_string())))
    }

    /// The Docker context `name`, chosen by `chosen_by` ("--context",
    /// "DOCKER_CONTEXT", "currentContext in /root/.docker/config.json").
    pub fn context(name: &str, chosen_by: &str) -> Self {
        EndpointSource::Named(Box::new(NamedEngine::Context {
            name: name.to_string(),
            chosen_by: chosen_by.to_string(),
        }))
    }

    /// Node `node` of the cluster that `file` describes.
    pub fn cluster_file_node(file: &str, node: &str) -> Self {
        EndpointSource::Named(Box::new(NamedEngine::ClusterFileNode {
            file: file.to_string(),
            node: node.to_string(),
            context: None,
        }))
    }

    /// Node `node` of the cluster that `file` describes, reached through
    /// the Docker context `context`.
    pub fn cluster_file_node_context(file: &str, node: &str, context: &str) -> Self {
        EndpointSource::Named(Box::new(NamedEngine::ClusterFileNode {
            file: file.to_string(),
            node: node.to_string(),
            context: Some(context.to_string()),
        }))
    }

    /// Node `node` of local cluster `cluster`.
    pub fn cluster_node(cluster: &str, node: &str) -> Self {
        EndpointSource::Named(Box::new(NamedEngine::ClusterNode {
            cluster: cluster.to_string(),
            node: node.to_string(),
        }))
    }
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSource::Flag => f.write_str("from --host"),
            EndpointSource::DockerHost => f.write_str("from DOCKER_HOST"),
            EndpointSource::Default => f.write_str("the default"),
            EndpointSource::EngineFlag => f.write_str("from --engine"),
            EndpointSource::Named(n) => match &**n {
                NamedEngine::PrivateEngine(name) => write!(f, "from --private-engine {name}"),
                NamedEngine::ClusterNode { cluster, node } => write!(f, "from --cluster {cluster}, node {node}"),
                NamedEngine::Context { name, chosen_by } => write!(f, "from context {name}, chosen by {chosen_by}"),
                NamedEngine::ClusterFileNode { file, node, context } => {
                    write!(f, "from --cluster-file {file}, node {node}")?;
                    match context {
                        Some(c) => write!(f, ", context {c}"),
                        None => Ok(()),
                    }
                }
            },
        }
    }
}

/// The transport address of an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A unix domain socket.
    Unix(PathBuf),
    /// A plain TCP `host:port`.
    Tcp(String),
    /// TCP with TLS (`tcp://` with `--tls`/`--tlsverify`, `DOCKER_TLS_VERIFY`,
    /// or a context's TLS material). Boxed, as every engine error carries it.
    Tls(Box<TlsTarget>),
    /// `ssh://[user@]host[:port][/path]`: `docker system dial-stdio` run
    /// over the system ssh client, a process per connection. Boxed, as
    /// every engine error carries its endpoint.
    Ssh(Box<SshAddress>),
}

/// An engine address together with the setting it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub address: Address,
    pub source: EndpointSource,
}

/// A `DOCKER_HOST`-style string that dockhand cannot use.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "invalid engine endpoint '{value}' ({source_name}): {reason}; use unix:///path/to/docker.sock, tcp://host[:port] or ssh://user@host"
)]
pub struct EndpointParseError {
    pub value: String,
    pub source_name: EndpointSource,
    pub reason: &'static str,
}

impl Endpoint {
    /// Parses `unix:///path`, `tcp://host:port`, or a bare absolute socket path.
    pub fn parse(value: &str, source: EndpointSource) -> Result<Self, EndpointParseError> {
        Self::parse_with_tls(value, source, None)
    }

    /// [`Endpoint::parse`], speaking TLS to a `tcp://` address when `tls` is
    /// given (its default port is then 2376, else 2375, as the docker CLI's).
    /// A unix socket ignores `tls`, as the docker CLI does.
    pub fn parse_with_tls(
        value: &str,
        source: EndpointSource,
        tls: Option<TlsClient>,
    ) -> Result<Self, EndpointParseError> {
        let err = |reason| EndpointParseError {
            value: value.to_string(),
            source_name: source.clone(),
            reason,
        };
        let address = if let Some(path) = value.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(err("the socket path is empty"));
            }
            Address::Unix(PathBuf::from(path))
        } else if let Some(rest) = value.strip_prefix("tcp://") {
            let hostport = rest.trim_end_matches('/');
            if hostport.is_empty() {
                return Err(err("the host is empty"));
            }
            if hostport.contains('/') {
                return Err(err("a path after host:port is not supported"));
            }
            // Docker's default ports when none is given: 2376 with TLS, 2375 without.
            let default_port = if tls.is_some() { 2376 } else { 2375 };
            let hostport = if hostport.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
                hostport.to_string()
            } else if hostport.starts_with('[') && hostport.ends_with(']') || !hostport.contains(':') {
                format!("{hostport}:{default_port}")
            } else {
                return Err(err("the port is not a number"));
            };
            match tls {
                Some(client) => Address::Tls(Box::new(TlsTarget { hostport, client })),
                None => Address::Tcp(hostport),
            }
        } else if value.starts_with('/') {
            Address::Unix(PathBuf::from(value))
        } else if let Some(rest) = value.strip_prefix("ssh://") {
            Address::Ssh(Box::new(SshAddress::parse(rest).map_err(err)?))
        } else if value.starts_with("npipe://") || value.starts_with("fd://") {
            return Err(err("this scheme is not supported yet"));
        } else {
            return Err(err("the scheme is missing or unknown"));
        };
        Ok(Endpoint { address, source })
    }

    /// A unix socket endpoint, as private engines use.
    pub fn unix(path: impl Into<PathBuf>, source: EndpointSource) -> Self {
        Endpoint {
            address: Address::Unix(path.into()),
            source,
        }
    }
}

impl Address {
    /// The address as a `DOCKER_HOST` value: `unix:///path`, `tcp://host:port`
    /// (TLS is not part of it: see [`Endpoint::docker_cli_tls_args`]).
    pub fn url(&self) -> String {
        match self {
            Address::Tls(t) => format!("tcp://{}", t.hostport),
            other => other.to_string(),
        }
    }
}

impl Endpoint {
    /// The docker CLI's global flags that speak this endpoint's TLS
    /// (`--tlsverify --tlscacert ... --tlscert ... --tlskey ...`), to go
    /// before its command; none for a plain endpoint. Paths only.
    pub fn docker_cli_tls_args(&self) -> Vec<String> {
        let Address::Tls(t) = &self.address else {
            return Vec::new();
        };
        let o = t.client.options();
        let mut args = vec![if o.verify { "--tlsverify" } else { "--tls" }.to_string()];
        for (flag, path) in [("--tlscacert", &o.ca), ("--tlscert", &o.cert), ("--tlskey", &o.key)] {
            if let Some(p) = path {
                args.push(flag.to_string());
                args.push(p.display().to_string());
            }
        }
        args
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "unix://{}", p.display()),
            Address::Tcp(h) => write!(f, "tcp://{h}"),
            Address::Tls(t) => t.fmt(f),
            Address::Ssh(a) => a.fmt(f),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.address, self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_endpoint_as_docker_host_and_the_docker_clis_flags() {
        let client = TlsClient::load(crate::tls::TlsOptions {
            verify: false,
            ca: Some("/c/ca.pem".into()),
            cert: None,
            key: None,
        })
        .unwrap();
        let e = Endpoint::parse_with_tls("tcp://h", EndpointSource::Flag, Some(client)).unwrap();
        assert_eq!(e.address.url(), "tcp://h:2376");
        assert_eq!(e.docker_cli_tls_args(), ["--tls", "--tlscacert", "/c/ca.pem"]);
        let plain = Endpoint::parse("tcp://h", EndpointSource::Flag).unwrap();
        assert_eq!(plain.address.url(), "tcp://h:2375");
        assert!(plain.docker_cli_tls_args().is_empty());
    }

    #[test]
    fn tcp_without_port_gets_2375() {
        let e = Endpoint::parse("tcp://10.0.0.1", EndpointSource::Flag).unwrap();
        assert_eq!(e.address, Address::Tcp("10.0.0.1:2375".into()));
    }

    #[test]
    fn bad_endpoints_say_what_is_wrong() {
        for (v, why) in [
            ("http://x", "scheme"),
            ("unix://", "empty"),
            ("tcp://h:abc", "port"),
            ("npipe:////./pipe/docker_engine", "not supported"),
            ("ssh://me:pw@h", "password"),
        ] {
            let e = Endpoint::parse(v, EndpointSource::DockerHost).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(why), "{msg}");
            assert!(msg.contains("DOCKER_HOST"), "{msg}");
        }
    }

    #[test]
    fn engines_dockhand_made_are_named_with_what_chose_them() {
        let e = Endpoint::unix("/s/docker.sock", EndpointSource::private_engine("check-123"));
        assert_eq!(e.to_string(), "unix:///s/docker.sock (from --private-engine check-123)");
        let e = Endpoint::unix("/c/n2/docker.sock", EndpointSource::cluster_node("lab", "n2"));
        assert_eq!(e.to_string(), "unix:///c/n2/docker.sock (from --cluster lab, node n2)");
    }
}
