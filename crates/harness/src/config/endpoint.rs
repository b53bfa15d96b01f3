//! The engine a run targets, in the docker CLI's order: [`resolve`] takes
//! the `host` values the other layers read (with their text) and adds
//! contexts and TLS.
//!
//! | order | setting | what it gives |
//! |---|---|---|
//! | 1 | `--context NAME` | the context's endpoint and TLS material (with `--host`: an error, as in the docker CLI) |
//! | 2 | `--host`, `DOCKHAND_HOST` | that address, TLS from the TLS flags and variables |
//! | 3 | `DOCKER_HOST` | the same |
//! | 4 | `DOCKER_CONTEXT` | the context's |
//! | 5 | `host` in `dockhand.toml` | as 2 |
//! | 6 | `currentContext` in `$DOCKER_CONFIG/config.json` | the context's |
//! | 7 | none | `unix:///var/run/docker.sock` |
//!
//! The context named `default` is the docker CLI's "no context": it skips
//! to what follows the contexts (`DOCKER_HOST`, the file, the socket).
//! TLS outside contexts: `--tlsverify` or `DOCKER_TLS_VERIFY` verifies the
//! engine against the CA; `--tls` or `DOCKER_TLS` encrypts without; the
//! files are `--tlscacert`, `--tlscert`, `--tlskey`, else `ca.pem`,
//! `cert.pem`, `key.pem` in `DOCKER_CERT_PATH` (default: the docker
//! configuration directory); a client certificate not given and not there
//! is none. TLS applies to `tcp://` addresses only, as in the docker CLI.

use std::path::PathBuf;

use dockhand_engine::{
    Address, ContextError, DockerConfigDir, Endpoint, EndpointSource, TlsClient, TlsFileError, TlsOptions,
    DEFAULT_CONTEXT, DEFAULT_SOCKET,
};

use crate::config::source::{Setting, Source};

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

/// Why the endpoint could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// `--context` and `--host` together.
    #[error("conflicting options: --context {context} and --host {host}; give one of them")]
    Conflict { context: String, host: String },
    /// `DOCKER_HOST` names no usable endpoint.
    #[error("invalid {var}={value:?}: {message}; fix or unset {var}")]
    Env {
        var: &'static str,
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

/// The `host` values of the other layers, each with the text it was read
/// from (TLS changes a `tcp://` address without a port: 2376, not 2375).
pub struct HostLayers {
    /// `--host` or `DOCKHAND_HOST`.
    pub explicit: Option<(Setting<Endpoint>, String)>,
    /// `host` in the configuration file.
    pub file: Option<(Setting<Endpoint>, String)>,
}

/// The endpoint, with the setting it came from.
pub fn resolve(
    context_flag: Option<&str>,
    hosts: HostLayers,
    tls: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Setting<Endpoint>, EndpointError> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let config_dir = DockerConfigDir::locate(env);
    let no_config = |name: &str, chosen_by: &str| EndpointError::Context {
        error: ContextError::NotFound {
            name: name.to_string(),
            meta: PathBuf::from("$HOME/.docker/contexts/meta (neither DOCKER_CONFIG nor HOME is set)"),
        },
        chosen_by: chosen_by.to_string(),
    };
    if let Some(name) = context_flag {
        if let Some((s, text)) = &hosts.explicit {
            if s.source == Source::Flag("--host".into()) {
                return Err(EndpointError::Conflict {
                    context: name.to_string(),
                    host: text.clone(),
                });
            }
        }
        if name != DEFAULT_CONTEXT {
            let dir = config_dir.as_ref().ok_or_else(|| no_config(name, "--context"))?;
            return context(dir, name, "--context", Source::Flag("--context".into()));
        }
        return after_contexts(&hosts, tls, env);
    }
    if let Some((s, text)) = hosts.explicit {
        return with_tls(s, &text, tls, env);
    }
    if let Some(h) = var("DOCKER_HOST") {
        return docker_host(h, tls, env);
    }
    if let Some(name) = var("DOCKER_CONTEXT").filter(|n| n != DEFAULT_CONTEXT) {
        let dir = config_dir.as_ref().ok_or_else(|| no_config(&name, "DOCKER_CONTEXT"))?;
        return context(dir, &name, "DOCKER_CONTEXT", Source::Env("DOCKER_CONTEXT".into()));
    }
    if let Some((s, text)) = hosts.file {
        return with_tls(s, &text, tls, env);
    }
    let Some(dir) = config_dir else {
        return Ok(default_socket());
    };
    let current = dir.current_context().map_err(|error| EndpointError::Context {
        error,
        chosen_by: "currentContext".into(),
    })?;
    if let Some((name, line)) = current.filter(|(n, _)| n != DEFAULT_CONTEXT) {
        let file = dir.config_file();
        let chosen_by = format!("currentContext in {}", file.display());
        return context(&dir, &name, &chosen_by, Source::File { path: file, line });
    }
    Ok(default_socket())
}

/// What follows the contexts: `DOCKER_HOST`, the file, the default socket.
fn after_contexts(
    hosts: &HostLayers,
    tls: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Setting<Endpoint>, EndpointError> {
    if let Some(h) = env("DOCKER_HOST").filter(|v| !v.is_empty()) {
        return docker_host(h, tls, env);
    }
    match &hosts.file {
        Some((s, text)) => with_tls(s.clone(), text, tls, env),
        None => Ok(default_socket()),
    }
}

fn default_socket() -> Setting<Endpoint> {
    Setting::default(Endpoint::unix(DEFAULT_SOCKET, EndpointSource::Default), None)
}

fn docker_host(
    value: String,
    tls: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Setting<Endpoint>, EndpointError> {
    let bad = |message: String| EndpointError::Env {
        var: "DOCKER_HOST",
        value: value.clone(),
        message,
    };
    let plain = Endpoint::parse(&value, EndpointSource::DockerHost).map_err(|e| {
        bad(format!(
            "{}; use unix:///path/to/docker.sock or tcp://host[:port]",
            e.reason
        ))
    })?;
    with_tls(Setting::new(plain, Source::Env("DOCKER_HOST".into())), &value, tls, env)
}

/// The endpoint `s` (read from `text`), speaking TLS when the flags or
/// variables ask for it and the address is TCP.
fn with_tls(
    s: Setting<Endpoint>,
    text: &str,
    tls: &TlsFlags,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Setting<Endpoint>, EndpointError> {
    let Some(options) = tls_options(tls, env) else {
        return Ok(s);
    };
    if !matches!(s.value.address, Address::Tcp(_)) {
        return Ok(s);
    }
    let client = TlsClient::load(options)?;
    // The text parsed once already, as the plain address.
    let value = Endpoint::parse_with_tls(text, s.value.source.clone(), Some(client))
        .expect("the address parsed without TLS, and TLS changes only its port");
    Ok(Setting::new(value, s.source))
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

fn context(
    dir: &DockerConfigDir,
    name: &str,
    chosen_by: &str,
    source: Source,
) -> Result<Setting<Endpoint>, EndpointError> {
    let ctx = dir.context(name).map_err(|error| EndpointError::Context {
        error,
        chosen_by: chosen_by.to_string(),
    })?;
    let client = ctx.tls.map(TlsClient::load).transpose()?;
    let endpoint =
        Endpoint::parse_with_tls(&ctx.host, EndpointSource::context(name, chosen_by), client).map_err(|e| {
            EndpointError::ContextHost {
                name: name.to_string(),
                chosen_by: chosen_by.to_string(),
                host: ctx.host.clone(),
                message: e.reason.to_string(),
            }
        })?;
    Ok(Setting::new(endpoint, source))
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

    fn setting(text: &str, source: Source) -> Option<(Setting<Endpoint>, String)> {
        let e = Endpoint::parse(text, EndpointSource::Flag).unwrap();
        Some((Setting::new(e, source), text.to_string()))
    }

    fn resolve_in(
        dir: &Path,
        context_flag: Option<&str>,
        host_flag: Option<&str>,
        file: Option<&str>,
        env: &[(&str, &str)],
    ) -> Result<Setting<Endpoint>, EndpointError> {
        let mut env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        env.insert("DOCKER_CONFIG".into(), dir.display().to_string());
        let hosts = HostLayers {
            explicit: host_flag.and_then(|h| setting(h, Source::Flag("--host".into()))),
            file: file.and_then(|h| {
                setting(
                    h,
                    Source::File {
                        path: "dockhand.toml".into(),
                        line: 1,
                    },
                )
            }),
        };
        resolve(context_flag, hosts, &TlsFlags::default(), &|k| env.get(k).cloned())
    }

    fn shown(r: Result<Setting<Endpoint>, EndpointError>) -> String {
        r.map(|s| s.value.to_string()).unwrap_or_else(|e| format!("error: {e}"))
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
        let line = resolve_in(d, None, None, None, &[]).unwrap().source;
        assert!(matches!(line, Source::File { line: 3, .. }), "{line:?}");
    }

    #[test]
    fn a_missing_context_names_what_chose_it() {
        let dir = config_dir(None, &[]);
        let e = shown(resolve_in(dir.path(), None, None, None, &[("DOCKER_CONTEXT", "gone")]));
        assert!(e.contains("docker context 'gone' does not exist"), "{e}");
        assert!(e.contains("chosen by DOCKER_CONTEXT"), "{e}");
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
    }
}
