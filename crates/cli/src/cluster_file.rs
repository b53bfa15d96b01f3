//! Cluster files: a swarm dockhand did not create, described in TOML, for
//! `dockhand check --cluster-file FILE` and `dockhand cluster ls --file FILE`.
//!
//! ```toml
//! name = "lab"                          # optional: the file's stem otherwise
//!
//! [[node]]
//! name = "m1"                           # the first node is the run's engine: a manager
//! endpoint = "ssh://root@10.0.0.1"      # unix://, tcp:// or ssh://; or, instead of endpoint,
//! # context = "lab-m1"                  # a Docker context (`docker context create`), with its TLS material
//! role = "manager"                      # or "worker"
//! # hostname = "m1.lab"                 # its swarm host name; read from the engine otherwise
//! # address = "10.0.0.1"                # its swarm address; read from the engine otherwise
//! [node.control]                        # optional: shell commands (sh -c) that take its engine
//! stop = "ssh root@10.0.0.1 systemctl stop docker"                #   down gracefully,
//! kill = "ssh root@10.0.0.1 systemctl kill -s KILL docker"        #   as a crash would,
//! start = "ssh root@10.0.0.1 systemctl start docker"              #   and back (dockhand then waits for /_ping)
//! ```
//!
//! A node's `context` is read as `docker --context NAME` reads it: from
//! `$DOCKER_CONFIG` (default `~/.docker`), through the one resolver's
//! `dockhand_engine::context_endpoint`, TLS material included.
//!
//! [`ClusterFile::load`] validates the whole file once (unknown keys, a
//! missing or malformed endpoint, both or neither of endpoint and context,
//! a context that does not exist, duplicate names, a first node that is not
//! a manager are usage errors naming the file); [`FileControl`] is the
//! [`NodeControl`] the commands make. Checks that take nodes down skip, with
//! the reason, unless every node has all three commands.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dockhand_engine::{context_endpoint, Deadlines, Endpoint, EndpointSource, Engine, Request, MIN_API_VERSION};
use dockhand_harness::{ControlFuture, NodeControl};
use serde::Deserialize;

use crate::error::CliError;

/// How long a control command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a node's engine gets to answer after its start command.
const START_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    name: Option<String>,
    #[serde(rename = "node", default)]
    nodes: Vec<RawNode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: String,
    endpoint: Option<String>,
    context: Option<String>,
    role: RawRole,
    hostname: Option<String>,
    address: Option<String>,
    control: Option<Commands>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawRole {
    Manager,
    Worker,
}

/// A node's control commands, each run with `sh -c`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    pub stop: Option<String>,
    pub kill: Option<String>,
    pub start: Option<String>,
}

/// A node as a cluster's description gives it (a cluster file's, or a
/// local cluster's state); what it leaves out is read from the node's engine
/// (`cluster::cluster_run`).
#[derive(Debug, Clone)]
pub struct NodeDesc {
    pub name: String,
    pub endpoint: Endpoint,
    pub manager: bool,
    pub hostname: Option<String>,
    pub address: Option<String>,
}

/// One node of a cluster file: its description and its commands.
#[derive(Debug, Clone)]
pub struct FileNode {
    pub node: NodeDesc,
    pub control: Commands,
    /// The Docker context the file names the node by, if it does.
    pub context: Option<String>,
}

/// A validated cluster file.
#[derive(Debug, Clone)]
pub struct ClusterFile {
    pub path: PathBuf,
    pub name: String,
    pub nodes: Vec<FileNode>,
}

impl ClusterFile {
    /// Reads and validates `path`, with contexts from this process's
    /// environment (`DOCKER_CONFIG`, `HOME`).
    pub fn load(path: &Path) -> Result<ClusterFile, CliError> {
        Self::load_in(path, &|k| std::env::var(k).ok())
    }

    /// [`ClusterFile::load`] with the environment given.
    pub fn load_in(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<ClusterFile, CliError> {
        let shown = path.display().to_string();
        let bad = |what: String| CliError::Usage(format!("cluster file {shown}: {what}"));
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let raw: RawFile = toml::from_str(&text).map_err(|e| bad(e.to_string().trim_end().replace('\n', " ")))?;
        if raw.nodes.is_empty() {
            return Err(bad(
                "it lists no nodes; add a [[node]] table with name, endpoint and role for each".into(),
            ));
        }
        if raw.nodes[0].role != RawRole::Manager {
            return Err(bad(format!(
                "its first node, {}, is a worker: the first node is the engine the checks run against, and must be a manager; list a manager first",
                raw.nodes[0].name
            )));
        }
        let mut seen = BTreeMap::new();
        let mut nodes = Vec::with_capacity(raw.nodes.len());
        for (i, n) in raw.nodes.into_iter().enumerate() {
            if n.name.is_empty() {
                return Err(bad(format!("node {} has an empty name", i + 1)));
            }
            if let Some(first) = seen.insert(n.name.clone(), i + 1) {
                return Err(bad(format!(
                    "nodes {first} and {} are both named {}; give each node its own name",
                    i + 1,
                    n.name
                )));
            }
            let endpoint = match (&n.endpoint, &n.context) {
                (Some(_), Some(_)) => {
                    return Err(bad(format!(
                        "node {} has both endpoint and context; give one of them",
                        n.name
                    )))
                }
                (None, None) => {
                    return Err(bad(format!(
                        "node {} has neither endpoint nor context; give its address (endpoint = \"ssh://user@host\") or a Docker context (context = \"NAME\")",
                        n.name
                    )))
                }
                (Some(e), None) if e.contains("://") || e.starts_with('/') => {
                    let source = EndpointSource::cluster_file_node(&shown, &n.name);
                    Endpoint::parse(e, source).map_err(|e| bad(format!("node {}: {e}", n.name)))?
                }
                (Some(e), None) => {
                    return Err(bad(format!(
                        "node {}: endpoint {e:?} is not an address (unix://, tcp:// or ssh://); for a Docker context write context = {e:?}",
                        n.name
                    )))
                }
                (None, Some(c)) => {
                    let source = EndpointSource::cluster_file_node_context(&shown, &n.name, c);
                    let chosen_by = format!("node {} of cluster file {shown}", n.name);
                    context_endpoint(c, &chosen_by, source, env).map_err(|e| CliError::Usage(e.to_string()))?
                }
            };
            nodes.push(FileNode {
                node: NodeDesc {
                    name: n.name,
                    endpoint,
                    manager: n.role == RawRole::Manager,
                    hostname: n.hostname,
                    address: n.address,
                },
                control: n.control.unwrap_or_default(),
                context: n.context,
            });
        }
        let name = raw.name.unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "cluster".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(ClusterFile {
            path: path.to_path_buf(),
            name,
            nodes,
        })
    }

    /// Why the nodes cannot all be taken down and brought back: the first
    /// node lacking a command, and which.
    pub fn control_missing(&self) -> Option<String> {
        self.nodes.iter().find_map(|n| {
            let missing: Vec<&str> = [
                ("stop", &n.control.stop),
                ("kill", &n.control.kill),
                ("start", &n.control.start),
            ]
            .into_iter()
            .filter(|(_, c)| c.is_none())
            .map(|(k, _)| k)
            .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "node {} of cluster file {} has no {} command; add them under [node.control]",
                    n.node.name,
                    self.path.display(),
                    missing.join(", ")
                )
            })
        })
    }
}

/// A short-deadline handle on a node's engine, for reading what it says about itself.
pub fn node_engine(endpoint: &Endpoint, call: Duration) -> Engine {
    Engine::with_version(
        endpoint.clone(),
        Deadlines {
            call,
            stream_idle: call,
        },
        MIN_API_VERSION,
    )
}

/// Node control by the file's shell commands.
pub struct FileControl {
    file: ClusterFile,
}

impl FileControl {
    pub fn new(file: ClusterFile) -> Self {
        FileControl { file }
    }

    fn node(&self, name: &str) -> Result<&FileNode, String> {
        self.file
            .nodes
            .iter()
            .find(|n| n.node.name == name)
            .ok_or_else(|| format!("no node {name} in {}", self.file.path.display()))
    }

    async fn run(&self, node: &str, op: &str, pick: fn(&Commands) -> &Option<String>) -> Result<&FileNode, String> {
        let n = self.node(node)?;
        let Some(cmd) = pick(&n.control) else {
            return Err(format!(
                "node {node} has no {op} command in {}",
                self.file.path.display()
            ));
        };
        let child = tokio::process::Command::new("sh")
            .args(["-c", cmd])
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(COMMAND_TIMEOUT, child)
            .await
            .map_err(|_| format!("the {op} command `{cmd}` did not finish within {COMMAND_TIMEOUT:?}"))?
            .map_err(|e| format!("cannot run the {op} command `{cmd}`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "the {op} command `{cmd}` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(n)
    }
}

impl NodeControl for FileControl {
    fn stop<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move { self.run(node, "stop", |c| &c.stop).await.map(|_| ()) })
    }

    fn kill<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move { self.run(node, "kill", |c| &c.kill).await.map(|_| ()) })
    }

    fn start<'a>(&'a self, node: &'a str) -> ControlFuture<'a> {
        Box::pin(async move {
            let n = self.run(node, "start", |c| &c.start).await?;
            let engine = node_engine(&n.node.endpoint, Duration::from_secs(2));
            let until = Instant::now() + START_TIMEOUT;
            loop {
                match engine.send(Request::get("/_ping")).await {
                    Ok(r) if r.status.is_success() => return Ok(()),
                    last if Instant::now() > until => {
                        let last = match last {
                            Ok(r) => format!("status {}", r.status.as_u16()),
                            Err(e) => e.to_string(),
                        };
                        return Err(format!(
                            "node {node}'s engine did not answer within {START_TIMEOUT:?} of its start command: {last}"
                        ));
                    }
                    _ => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        })
    }

    fn missing(&self) -> Option<String> {
        self.file.control_missing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ClusterFile, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lab.toml");
        std::fs::write(&p, text).unwrap();
        ClusterFile::load(&p).map_err(|e| e.to_string())
    }

    const TWO: &str = r#"
[[node]]
name = "m1"
endpoint = "ssh://root@10.0.0.1:2222"
role = "manager"
[node.control]
stop = "true"
kill = "true"
start = "true"

[[node]]
name = "w1"
endpoint = "tcp://10.0.0.2:2375"
role = "worker"
hostname = "w1.lab"
[node.control]
stop = "true"
"#;

    #[test]
    fn a_file_names_each_node_endpoint_role_and_commands() {
        let f = load(TWO).unwrap();
        assert_eq!(f.name, "lab");
        assert_eq!(f.nodes.len(), 2);
        assert!(f.nodes[0].node.manager && !f.nodes[1].node.manager);
        assert_eq!(f.nodes[1].node.hostname.as_deref(), Some("w1.lab"));
        let shown = f.nodes[0].node.endpoint.to_string();
        assert!(
            shown.starts_with("ssh://root@10.0.0.1:2222 (from --cluster-file "),
            "{shown}"
        );
        assert!(shown.ends_with("lab.toml, node m1)"), "{shown}");
        let why = f.control_missing().unwrap();
        assert!(why.contains("node w1") && why.contains("kill, start"), "{why}");
    }

    #[test]
    fn a_node_named_by_its_docker_context() {
        let config = tempfile::tempdir().unwrap();
        let meta = config
            .path()
            .join("contexts/meta")
            .join(dockhand_engine::DockerConfigDir::context_id("lab-m1"));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"lab-m1","Metadata":{},"Endpoints":{"docker":{"Host":"unix:///m1.sock","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lab.toml");
        let env_config = config.path().display().to_string();
        let env = |k: &str| (k == "DOCKER_CONFIG").then(|| env_config.clone());
        std::fs::write(
            &p,
            "[[node]]\nname = \"m1\"\ncontext = \"lab-m1\"\nrole = \"manager\"\n",
        )
        .unwrap();
        let f = ClusterFile::load_in(&p, &env).unwrap();
        assert_eq!(f.nodes[0].context.as_deref(), Some("lab-m1"));
        let shown = f.nodes[0].node.endpoint.to_string();
        assert!(
            shown.starts_with("unix:///m1.sock (from --cluster-file ") && shown.ends_with("node m1, context lab-m1)"),
            "{shown}"
        );
        std::fs::write(&p, "[[node]]\nname = \"m1\"\ncontext = \"gone\"\nrole = \"manager\"\n").unwrap();
        let e = ClusterFile::load_in(&p, &env).unwrap_err().to_string();
        assert!(
            e.contains("docker context 'gone' does not exist")
                && e.contains("node m1 of cluster file")
                && e.contains("lab.toml"),
            "{e}"
        );
    }

    #[test]
    fn mistakes_are_usage_errors_that_say_what_to_write() {
        for (text, why) in [
            ("", "lists no nodes"),
            ("[[node]]\nname = \"a\"\nendpoint = \"unix:///s\"\nrole = \"worker\"\n", "must be a manager"),
            ("[[node]]\nname = \"a\"\nendpoint = \"lab-context\"\nrole = \"manager\"\n", "context = \"lab-context\""),
            ("[[node]]\nname = \"a\"\nrole = \"manager\"\n", "neither endpoint nor context"),
            (
                "[[node]]\nname = \"a\"\nendpoint = \"unix:///s\"\ncontext = \"c\"\nrole = \"manager\"\n",
                "both endpoint and context",
            ),
            ("[[node]]\nname = \"a\"\nendpoint = \"http://x\"\nrole = \"manager\"\n", "scheme"),
            ("[[node]]\nname = \"a\"\nendpoint = \"unix:///s\"\nrole = \"boss\"\n", "unknown variant"),
            ("[[node]]\nname = \"a\"\nendpoint = \"unix:///s\"\nrole = \"manager\"\nrol = 1\n", "unknown field"),
            (
                "[[node]]\nname = \"a\"\nendpoint = \"unix:///s\"\nrole = \"manager\"\n[[node]]\nname = \"a\"\nendpoint = \"unix:///t\"\nrole = \"worker\"\n",
                "both named a",
            ),
        ] {
            let e = load(text).unwrap_err();
            assert!(e.contains("lab.toml") && e.contains(why), "{text:?}: {e}");
        }
    }
}
