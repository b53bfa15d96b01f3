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
            return context(&config_dir, name, "--context", Source::Flag("--context".into()));
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
        return context(&config_dir, &name, "DOCKER_CONTEXT", Source::Env("DOCKER_CONTEXT".into()));
    }
    if let Some((s, text)) = hosts.file {
        return with_tls(s, &text, tls, env);
    }
    let current = config_dir.current_context().map_err(|error| EndpointError::Context {
        error,
        chosen_by: "currentContext".into(),
    })?;
    if let Some((name, line)) = current.filter(|(n, _)| n != DEFAULT_CONTEXT) {
        let file = config_dir.config_file();
        let chosen_by = format!("currentContext in {}", file.display());
        return context(&config_dir, &name, &chosen_by, Source::File { path: file, line });
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
    let plain = Endpoint::parse(&value, EndpointSource::DockerHost)
        .map_err(|e| bad(format!("{}; use unix:///path/to/docker.sock or tcp://host[:port]", e.reason)))?;
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
        .unwrap_or_else(|| DockerConfigDir::locate(env).path().to_path_buf());
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
    let endpoint = Endpoint::parse_with_tls(&ctx.host, EndpointSource::context(name, chosen_by), client).map_err(|e| {
        EndpointError::ContextHost {
            name: name.to_string(),
            chosen_by: chosen_by.to_string(),
            host: ctx.host.clone(),
            message: e.reason.to_string(),
        }
    })?;
    Ok(Setting::new(endpoint, source))
}
