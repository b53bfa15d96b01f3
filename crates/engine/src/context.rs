//! Docker contexts as the docker CLI stores them: [`DockerConfigDir`] (the
//! `$DOCKER_CONFIG` directory, default `~/.docker`), its `currentContext`
//! in `config.json`, and a context's Docker endpoint ([`ContextEndpoint`]):
//! `contexts/meta/<sha256 of name>/meta.json` gives the host and
//! `SkipTLSVerify`, `contexts/tls/<sha256 of name>/docker/` the `ca.pem`,
//! `cert.pem` and `key.pem` that were given to `docker context create`.
//!
//! Only reading: dockhand never writes a context. Which context applies
//! (`--context`, `DOCKER_CONTEXT`, `currentContext`) is decided where the
//! rest of the endpoint precedence is, in the configuration.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::tls::TlsOptions;

/// The name of the context that stands for "no context": `DOCKER_HOST` or
/// the default socket, as the docker CLI has it.
pub const DEFAULT_CONTEXT: &str = "default";

/// Why a context could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    /// No context of that name in the configuration directory.
    #[error("docker context '{name}' does not exist: no {}; list the contexts with `docker context ls`, or create it with `docker context create {name} --docker host=...`", meta.display())]
    NotFound { name: String, meta: PathBuf },
    /// A file is there but unreadable or not what the docker CLI writes.
    #[error("cannot read {}: {detail}; fix or recreate it with the docker CLI (`docker context rm` / `docker context create`)", path.display())]
    Unreadable { path: PathBuf, detail: String },
    /// The context has no Docker endpoint (a Kubernetes-only context).
    #[error("docker context '{name}' has no docker endpoint ({}); give it one with `docker context update {name} --docker host=...`", path.display())]
    NoDockerEndpoint { name: String, path: PathBuf },
}

/// A context's Docker endpoint: its host, and its TLS material when it has
/// any (or skips verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEndpoint {
    pub name: String,
    /// The endpoint as `docker context create --docker host=` wrote it.
    pub host: String,
    /// TLS to speak, from the context's TLS directory and `SkipTLSVerify`.
    pub tls: Option<TlsOptions>,
}

/// The docker CLI's configuration directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerConfigDir(PathBuf);

impl DockerConfigDir {
    /// `$DOCKER_CONFIG`, else `$HOME/.docker`, from `env` (the process's
    /// environment, or a test's); none when neither is set.
    pub fn locate(env: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        match var("DOCKER_CONFIG") {
            Some(dir) => Some(DockerConfigDir(PathBuf::from(dir))),
            None => var("HOME").map(|home| DockerConfigDir(PathBuf::from(home).join(".docker"))),
        }
    }

    /// A directory given as is.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        DockerConfigDir(dir.into())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// `config.json`, where `currentContext` is.
    pub fn config_file(&self) -> PathBuf {
        self.0.join("config.json")
    }

    /// The `currentContext` of `config.json` and its line, when the file
    /// exists and sets one.
    pub fn current_context(&self) -> Result<Option<(String, usize)>, ContextError> {
        let path = self.config_file();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unreadable(&path, e.to_string())),
        };
        let json: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| unreadable(&path, format!("not JSON: {e}")))?;
        match json.get("currentContext") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) if s.is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => {
                let at = text.windows(16).position(|w| w == b"\"currentContext\"").unwrap_or(0);
                let line = 1 + text[..at].iter().filter(|&&b| b == b'\n').count();
                Ok(Some((s.clone(), line)))
            }
            Some(other) => Err(unreadable(&path, format!("currentContext is not a string: {other}"))),
        }
    }

    /// The directory id of a context: the hex SHA-256 of its name.
    pub fn context_id(name: &str) -> String {
        let digest = Sha256::digest(name.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The Docker endpoint of the context `name`.
    pub fn context(&self, name: &str) -> Result<ContextEndpoint, ContextError> {
        let id = Self::context_id(name);
        let meta = self.0.join("contexts/meta").join(&id).join("meta.json");
        let text = match std::fs::read(&meta) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ContextError::NotFound {
                    name: name.to_string(),
                    meta,
                })
            }
            Err(e) => return Err(unreadable(&meta, e.to_string())),
        };
        let json: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| unreadable(&meta, format!("not JSON: {e}")))?;
        if json["Name"].as_str() != Some(name) {
            return Err(unreadable(
                &meta,
                format!("it names the context {}, not '{name}'", json["Name"]),
            ));
        }
        let docker = &json["Endpoints"]["docker"];
        if docker.is_null() {
            return Err(ContextError::NoDockerEndpoint {
                name: name.to_string(),
                path: meta,
            });
        }
        let host = docker["Host"]
            .as_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| unreadable(&meta, "its docker endpoint has no Host".into()))?
            .to_string();
        let skip_verify = docker["SkipTLSVerify"].as_bool().unwrap_or(false);
        let tls_dir = self.0.join("contexts/tls").join(&id).join("docker");
        let file = |n: &str| Some(tls_dir.join(n)).filter(|p| p.is_file());
        let (ca, cert, key) = (file("ca.pem"), file("cert.pem"), file("key.pem"));
        // As the docker CLI: TLS when the context carries TLS material or
        // says to skip verification; otherwise plain.
        let tls = (ca.is_some() || cert.is_some() || key.is_some() || skip_verify).then_some(TlsOptions {
            verify: !skip_verify,
            ca,
            cert,
            key,
        });
        Ok(ContextEndpoint {
            name: name.to_string(),
            host,
            tls,
        })
    }
}

fn unreadable(path: &Path, detail: String) -> ContextError {
    ContextError::Unreadable {
        path: path.to_path_buf(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_sha256_of_the_name() {
        // As `docker context create tlsctx` names its directories.
        assert_eq!(
            DockerConfigDir::context_id("tlsctx"),
            "71614c1fecf740cb7c15fc358b0458ce7ab245624a47b58c430fc3334c3d64f2"
        );
    }

    #[test]
    fn docker_config_beats_home() {
        let env = |n: &str| match n {
            "DOCKER_CONFIG" => Some("/cfg".to_string()),
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(DockerConfigDir::locate(&env).unwrap().path(), Path::new("/cfg"));
        let env = |n: &str| (n == "HOME").then(|| "/home/u".to_string());
        assert_eq!(
            DockerConfigDir::locate(&env).unwrap().path(),
            Path::new("/home/u/.docker")
        );
        assert_eq!(DockerConfigDir::locate(&|_: &str| None), None);
    }

    #[test]
    fn a_missing_context_names_its_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let e = DockerConfigDir::at(dir.path()).context("nope").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("'nope' does not exist"), "{msg}");
        assert!(msg.contains(&DockerConfigDir::context_id("nope")), "{msg}");
        assert!(msg.contains("docker context ls"), "{msg}");
        assert_eq!(DockerConfigDir::at(dir.path()).current_context(), Ok(None));
    }
}
