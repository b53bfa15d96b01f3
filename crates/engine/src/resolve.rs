//! Which engine to reach, in the docker CLI's order: the one resolver that
//! the binary (through the harness's configuration), the environment
//! library, the benchmarks and the tests all use.
//!
//! | order | setting | what it gives |
//! |---|---|---|
//! | 1 | `--context NAME` | the context's endpoint and TLS material (with `--host`: an error, as in the docker CLI) |
//! | 2 | `--host` (the binary: also `DOCKHAND_HOST`) | that address, TLS from the TLS flags and variables |
//! | 3 | `DOCKER_HOST` | the same |
//! | 4 | `DOCKER_CONTEXT` | the context's |
//! | 5 | a fallback host (the binary: `host` in `dockhand.toml`) | as 2 |
//! | 6 | `currentContext` in `$DOCKER_CONFIG/config.json` | the context's |
//! | 7 | none | `unix:///var/run/docker.sock` |
//!
//! A caller without flags (`Choices::default()`, [`Endpoint::from_environment`])
//! gets 3, 4, 6 and 7, with TLS from the variables: what `docker` does with
//! no flags. The context named `default` is the docker CLI's "no context":
//! it skips to what follows the contexts (`DOCKER_HOST`, the fallback host,
//! the socket). TLS outside contexts: `--tlsverify` or `DOCKER_TLS_VERIFY`
//! verifies the engine against the CA; `--tls` or `DOCKER_TLS` encrypts
//! without; the files are `--tlscacert`, `--tlscert`, `--tlskey`, else
//! `ca.pem`, `cert.pem`, `key.pem` in `DOCKER_CERT_PATH` (default: the docker
//! configuration directory); a client certificate not given and not there
//! is none. TLS applies to `tcp://` addresses only, as in the docker CLI.

use std::path::PathBuf;

use crate::context::{ContextError, DockerConfigDir, DEFAULT_CONTEXT};
use crate::endpoint::{Endpoint, EndpointSource, DEFAULT_SOCKET};
use crate::tls::{TlsClient, TlsFileError, TlsOptions};
use crate::Address;

/// The TLS flags, as the docker CLI spells them.
#[derive(Debug, Clone, Default)]
pub struct TlsFlags {
    /// `--tls`: TLS, the engine's certificate not verified.
    pub tls: bool,
    /// `--tlsverify`: TLS, the engine's certificate verified against the CA.
    pub tlsverify: bool,
    pub tlscacert: Option<PathBuf>,
    pub tlscert: Option<PathBuf>,
    pub tlskey: Option<PathBuf>,
}

/// What the caller's own settings say, beyond the docker CLI's variables
/// (which [`resolve`] reads itself). All empty: the environment alone.
#[derive(Debug, Clone, Default)]
pub struct Choices<'a> {
    /// `--context NAME`.
    pub context: Option<&'a str>,
    /// `--host`, or what stands for it above `DOCKER_HOST`.
    pub host: Option<&'a str>,
    /// Whether `host` is the `--host` flag itself: with `--context` that is
    /// a conflict (a variable standing for it is outranked instead).
    pub host_is_flag: bool,
    /// A host below `DOCKER_CONTEXT` and above the current context.
    pub fallback_host: Option<&'a str>,
    pub tls: TlsFlags,
}

/// The layer that chose the endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    ContextFlag,
    Host,
    DockerHost,
    DockerContext,
    FallbackHost,
    /// The `currentContext` of `file`, at `line`.
    CurrentContext {
        file: PathBuf,
        line: usize,
    },
    Default,
}

/// The endpoint, and the layer that chose it.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub endpoint: Endpoint,
    pub layer: Layer,
}

/// Why the endpoint could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// `--context` and `--host` together.
    #[error("conflicting options: --context {context} and --host {host}; give one of them")]
    Conflict { context: String, host: String },
    /// `--host` (or what stands for it) or `DOCKER_HOST` names no usable endpoint.
    #[error("invalid {setting}={value:?}: {message}; fix or unset {setting}")]
    Host {
        setting: &'static str,
        value: String,
        message: String,
    },
    /// The chosen context is missing or broken.
    #[error("{error} (the context was chosen by {chosen_by})")]
    Context { error: ContextError, chosen_by: String },
    /// The chosen context's host is not an endpoint dockhand can use.
    #[error("docker context '{name}' (chosen by {chosen_by}) has host {host:?}: {message}")]
    ContextHost {
        name: String,
        chosen_by: String,
        host: String,
        message: String,
    },
    /// A certificate file is missing or unusable.
    #[error(transparent)]
    Tls(#[from] TlsFileError),
}

/// The endpoint `choices` and the environment `env` give, and the layer
/// that gave it.
pub fn resolve(choices: &Choices<'_>, env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, ResolveError> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let config_dir = DockerConfigDir::locate(env);
    let no_config = |name: &str, chosen_by: &str| ResolveError::Context {
        error: ContextError::NotFound {
            name: name.to_string(),
            meta: PathBuf::from("$HOME/.docker/contexts/meta (neither DOCKER_CONFIG nor HOME is set)"),
        },
        chosen_by: chosen_by.to_string(),
    };
    let tls = &choices.tls;
    if let Some(name) = choices.context {
        if let (Some(host), true) = (choices.host, choices.host_is_flag) {
            return Err(ResolveError::Conflict {
                context: name.to_string(),
                host: host.to_string(),
            });
        }
        if name != DEFAULT_CONTEXT {
            let dir = config_dir.as_ref().ok_or_else(|| no_config(name, "--context"))?;
            return in_context(dir, name, "--context", Layer::ContextFlag);
        }
        // "default": what follows the contexts.
        if let Some(h) = var("DOCKER_HOST") {
            return host(
                &h,
                "DOCKER_HOST",
                EndpointSource::DockerHost,
                Layer::DockerHost,
                tls,
                env,
            );
        }
        return match choices.fallback_host {
            Some(h) => host(h, "host", EndpointSource::Flag, Layer::FallbackHost, tls, env),
            None => Ok(default_socket()),
        };
    }
    if let Some(h) = choices.host {
        return host(h, "--host", EndpointSource::Flag, Layer::Host, tls, env);
    }
    if let Some(h) = var("DOCKER_HOST") {
        return host(
            &h,
            "DOCKER_HOST",
            EndpointSource::DockerHost,
            Layer::DockerHost,
            tls,
            env,
        );
    }
    if let Some(name) = var("DOCKER_CONTEXT").filter(|n| n != DEFAULT_CONTEXT) {
        let dir = config_dir.as_ref().ok_or_else(|| no_config(&name, "DOCKER_CONTEXT"))?;
        return in_context(dir, &name, "DOCKER_CONTEXT", Layer::DockerContext);
    }
    if let Some(h) = choices.fallback_host {
        return host(h, "host", EndpointSource::Flag, Layer::FallbackHost, tls, env);
    }
    let Some(dir) = config_dir else {
        return Ok(default_socket());
    };
    let current = dir.current_context().map_err(|error| ResolveError::Context {
        error,
        chosen_by: "currentContext".into(),
    })?;
    if let Some((name, line)) = current.filter(|(n, _)| n != DEFAULT_CONTEXT) {
        let file = dir.config_file();
        let chosen_by = format!("currentContext in {}", file.display());
        return in_context(&dir, &name, &chosen_by, Layer::CurrentContext { file, line });
    }
    Ok(default_socket())
}

impl Endpoint {
    /// The endpoint the docker CLI reaches with no flags: `DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, the current context, else the default socket, with
    /// TLS from `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and `DOCKER_CERT_PATH`
    /// ([`resolve`] on this process's environment).
    pub fn from_environment() -> Result<Endpoint, ResolveError> {
        resolve(&Choices::default(), &|k| std::env::var(k).ok()).map(|r| r.endpoint)
    }
}

/// The endpoint of the Docker context `name` in the configuration directory
/// `env` locates (`$DOCKER_CONFIG`, else `~/.docker`), with its TLS
/// material (`default`: `DOCKER_HOST`, else the default socket, as the
/// docker CLI's default context); `source` is what the endpoint's messages name it by, and
/// `chosen_by` what an error about the context says chose it.
pub fn context_endpoint(
    name: &str,
    chosen_by: &str,
    source: EndpointSource,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoint, ResolveError> {
    if name == DEFAULT_CONTEXT {
        // The docker CLI's "no context": DOCKER_HOST, else the default
        // socket, with TLS from the variables.
        let value = env("DOCKER_HOST")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("unix://{DEFAULT_SOCKET}"));
        return host(&value, "DOCKER_HOST", source, Layer::Default, &TlsFlags::default(), env).map(|r| r.endpoint);
    }
    let chosen_by = chosen_by.to_string();
    let dir = DockerConfigDir::locate(env).ok_or_else(|| ResolveError::Context {
        error: ContextError::NotFound {
            name: name.to_string(),
            meta: PathBuf::from("$HOME/.docker/contexts/meta (neither DOCKER_CONFIG nor HOME is set)"),
        },
        chosen_by: chosen_by.clone(),
    })?;
    context_with_source(&dir, name, &chosen_by, source)
}

fn default_socket() -> Resolved {
    Resolved {
        endpoint: Endpoint::unix(DEFAULT_SOCKET, EndpointSource::Default),
        layer: Layer::Default,
    }
}

/// The address `value` (from `setting`), speaking TLS when the flags or
/// variables ask for it and the address is TCP.
fn host(
    value: &str,
    setting: &'static str,
    source: EndpointSource,
    layer: Layer,
    tls: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, ResolveError> {
    let plain = Endpoint::parse(value, source.clone()).map_err(|e| ResolveError::Host {
        setting,
        value: value.to_string(),
        message: format!(
            "{}; use unix:///path/to/docker.sock, tcp://host[:port] or ssh://user@host",
            e.reason
        ),
    })?;
    let endpoint = match tls_options(tls, env) {
        Some(options) if matches!(plain.address, Address::Tcp(_)) => {
            let client = TlsClient::load(options)?;
            Endpoint::parse_with_tls(value, source, Some(client))
                .expect("the address parsed without TLS, and TLS changes only its port")
        }
        _ => plain,
    };
    Ok(Resolved { endpoint, layer })
}

/// TLS from the flags and `DOCKER_TLS_VERIFY`, `DOCKER_TLS`, `DOCKER_CERT_PATH`.
pub fn tls_options(flags: &TlsFlags, env: &dyn Fn(&str) -> Option<String>) -> Option<TlsOptions> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let verify = flags.tlsverify || var("DOCKER_TLS_VERIFY").is_some();
    if !(verify || flags.tls || var("DOCKER_TLS").is_some()) {
        return None;
    }
    let dir = var("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| DockerConfigDir::locate(env).map(|d| d.path().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    // As the docker CLI: a client certificate or key not given and not in
    // the directory is none; the CA is always named, for the error.
    let present = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    Some(TlsOptions {
        verify,
        ca: Some(flags.tlscacert.clone().unwrap_or_else(|| dir.join("ca.pem"))),
        cert: flags.tlscert.clone().or_else(|| present("cert.pem")),
        key: flags.tlskey.clone().or_else(|| present("key.pem")),
    })
}

fn in_context(dir: &DockerConfigDir, name: &str, chosen_by: &str, layer: Layer) -> Result<Resolved, ResolveError> {
    let endpoint = context_with_source(dir, name, chosen_by, EndpointSource::context(name, chosen_by))?;
    Ok(Resolved { endpoint, layer })
}

fn context_with_source(
    dir: &DockerConfigDir,
    name: &str,
    chosen_by: &str,
    source: EndpointSource,
) -> Result<Endpoint, ResolveError> {
    let ctx = dir.context(name).map_err(|error| ResolveError::Context {
        error,
        chosen_by: chosen_by.to_string(),
    })?;
    let client = ctx.tls.map(TlsClient::load).transpose()?;
    Endpoint::parse_with_tls(&ctx.host, source, client).map_err(|e| ResolveError::ContextHost {
        name: name.to_string(),
        chosen_by: chosen_by.to_string(),
        host: ctx.host.clone(),
        message: e.reason.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    /// A docker configuration directory with contexts as the docker CLI
    /// writes them (the CLI tests use `docker context create` itself).
    fn config_dir(current: Option<&str>, contexts: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, host) in contexts {
            let meta = dir.path().join("contexts/meta").join(DockerConfigDir::context_id(name));
            std::fs::create_dir_all(&meta).unwrap();
            let json = format!(
                r#"{{"Name":"{name}","Metadata":{{}},"Endpoints":{{"docker":{{"Host":"{host}","SkipTLSVerify":false}}}}}}"#
            );
            std::fs::write(meta.join("meta.json"), json).unwrap();
        }
        if let Some(c) = current {
            std::fs::write(
                dir.path().join("config.json"),
                format!("{{\n\t\"auths\": {{}},\n\t\"currentContext\": \"{c}\"\n}}"),
            )
            .unwrap();
        }
        dir
    }

    fn resolve_in(
        dir: &Path,
        context: Option<&str>,
        host: Option<&str>,
        fallback_host: Option<&str>,
        env: &[(&str, &str)],
    ) -> Result<Resolved, ResolveError> {
        let mut env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        env.insert("DOCKER_CONFIG".into(), dir.display().to_string());
        let choices = Choices {
            context,
            host,
            host_is_flag: true,
            fallback_host,
            tls: TlsFlags::default(),
        };
        resolve(&choices, &|k| env.get(k).cloned())
    }

    fn shown(r: Result<Resolved, ResolveError>) -> String {
        r.map(|s| s.endpoint.to_string())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    #[test]
    fn the_docker_cli_order() {
        let dir = config_dir(
            Some("cur"),
            &[("cur", "tcp://cur:1"), ("env", "tcp://env:1"), ("flag", "tcp://flag:1")],
        );
        let d = dir.path();
        let r = |c, h, f, env: &[(&str, &str)]| shown(resolve_in(d, c, h, f, env));
        let all_env = [("DOCKER_HOST", "tcp://dh:1"), ("DOCKER_CONTEXT", "env")];
        assert_eq!(
            r(Some("flag"), None, Some("tcp://file:1"), &all_env),
            "tcp://flag:1 (from context flag, chosen by --context)"
        );
        assert!(r(Some("flag"), Some("tcp://h:1"), None, &[]).contains("conflicting options"));
        assert_eq!(r(None, Some("tcp://h:1"), None, &all_env), "tcp://h:1 (from --host)");
        assert_eq!(
            r(None, None, Some("tcp://file:1"), &all_env),
            "tcp://dh:1 (from DOCKER_HOST)"
        );
        assert_eq!(
            r(None, None, Some("tcp://file:1"), &[("DOCKER_CONTEXT", "env")]),
            "tcp://env:1 (from context env, chosen by DOCKER_CONTEXT)"
        );
        assert_eq!(r(None, None, Some("tcp://file:1"), &[]), "tcp://file:1 (from --host)");
        let current = r(None, None, None, &[]);
        assert!(
            current.starts_with("tcp://cur:1 (from context cur, chosen by currentContext in "),
            "{current}"
        );
        // "default" is no context: what follows the contexts.
        assert_eq!(
            r(Some("default"), None, None, &[("DOCKER_HOST", "tcp://dh:1")]),
            "tcp://dh:1 (from DOCKER_HOST)"
        );
        assert_eq!(
            r(None, None, None, &[("DOCKER_CONTEXT", "default")]),
            current,
            "DOCKER_CONTEXT=default falls through to the current context"
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            shown(resolve_in(empty.path(), None, None, None, &[])),
            "unix:///var/run/docker.sock (the default)"
        );
        let layer = resolve_in(d, None, None, None, &[]).unwrap().layer;
        assert!(matches!(layer, Layer::CurrentContext { line: 3, .. }), "{layer:?}");
    }

    #[test]
    fn without_choices_the_environment_alone_as_the_docker_cli_without_flags() {
        let dir = config_dir(Some("cur"), &[("cur", "tcp://cur:1"), ("env", "ssh://me@env")]);
        let d = dir.path();
        assert_eq!(
            shown(resolve_in(d, None, None, None, &[("DOCKER_CONTEXT", "env")])),
            "ssh://me@env (from context env, chosen by DOCKER_CONTEXT)"
        );
        let r = resolve_in(d, None, None, None, &[("DOCKER_HOST", "unix:///s.sock")]).unwrap();
        assert_eq!(r.layer, Layer::DockerHost);
        assert_eq!(r.endpoint.to_string(), "unix:///s.sock (from DOCKER_HOST)");
        let e = shown(resolve_in(d, None, None, None, &[("DOCKER_HOST", "http://x")]));
        assert!(
            e.contains("invalid DOCKER_HOST=\"http://x\"") && e.contains("ssh://"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_context_names_what_chose_it() {
        let dir = config_dir(None, &[]);
        let e = shown(resolve_in(dir.path(), None, None, None, &[("DOCKER_CONTEXT", "gone")]));
        assert!(e.contains("docker context 'gone' does not exist"), "{e}");
        assert!(e.contains("chosen by DOCKER_CONTEXT"), "{e}");
    }

    #[test]
    fn a_context_by_name_for_a_cluster_files_node() {
        let dir = config_dir(None, &[("lab-m1", "tcp://m1:2375")]);
        let d = dir.path().display().to_string();
        let env = |k: &str| (k == "DOCKER_CONFIG").then(|| d.clone());
        let source = EndpointSource::cluster_file_node_context("lab.toml", "m1", "lab-m1");
        let by = "node m1 of cluster file lab.toml";
        let e = context_endpoint("lab-m1", by, source.clone(), &env).unwrap();
        assert_eq!(
            e.to_string(),
            "tcp://m1:2375 (from --cluster-file lab.toml, node m1, context lab-m1)"
        );
        let e = context_endpoint("gone", by, source.clone(), &env)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("'gone' does not exist") && e.contains("chosen by node m1"),
            "{e}"
        );
        // "default" is the docker CLI's no context: DOCKER_HOST, else the socket.
        let e = context_endpoint("default", by, source.clone(), &env).unwrap();
        assert_eq!(e.address, Address::Unix(DEFAULT_SOCKET.into()));
        let with_host = |k: &str| (k == "DOCKER_HOST").then(|| "tcp://dh:1".to_string());
        let e = context_endpoint("default", by, source, &with_host).unwrap();
        assert_eq!(e.address, Address::Tcp("dh:1".into()));
    }

    #[test]
    fn tls_takes_port_2376_and_names_a_missing_ca() {
        let dir = config_dir(None, &[]);
        let d = dir.path();
        let certs = d.join("certs");
        let env_tls = [("DOCKER_TLS", "1"), ("DOCKER_CERT_PATH", certs.to_str().unwrap())];
        assert_eq!(
            shown(resolve_in(d, None, Some("tcp://h"), None, &env_tls)),
            "tcp://h:2376 with TLS, engine certificate not verified (from --host)"
        );
        assert_eq!(
            shown(resolve_in(d, None, Some("tcp://h"), None, &[])),
            "tcp://h:2375 (from --host)"
        );
        // A unix socket ignores TLS, as in the docker CLI.
        assert_eq!(
            shown(resolve_in(d, None, Some("unix:///s.sock"), None, &env_tls)),
            "unix:///s.sock (from --host)"
        );
        let verify = [
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", certs.to_str().unwrap()),
        ];
        let e = shown(resolve_in(d, None, Some("tcp://h"), None, &verify));
        assert!(
            e.contains(&format!("CA certificate file {}", certs.join("ca.pem").display())),
            "{e}"
        );
        assert!(e.contains("--tlscacert"), "{e}");
        // DOCKER_HOST with the TLS variables, as the docker CLI without flags.
        let e = shown(resolve_in(
            d,
            None,
            None,
            None,
            &[("DOCKER_HOST", "tcp://h"), ("DOCKER_TLS", "1")],
        ));
        assert_eq!(
            e,
            "tcp://h:2376 with TLS, engine certificate not verified (from DOCKER_HOST)"
        );
    }
}
