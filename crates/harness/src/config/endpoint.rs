//! The engine a run targets: [`resolve`] gives the `host` values the other
//! layers read (with their text) to the one resolver,
//! `dockhand_engine::resolve_endpoint`, which adds `DOCKER_HOST`, contexts
//! and TLS in the docker CLI's order, and names the layer that chose it as
//! a configuration [`Source`]. The order:
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
//! The context named `default`, and TLS from the flags and variables: as
//! the resolver's documentation says (`crates/engine/src/resolve.rs`).

use dockhand_engine::{resolve_endpoint, Choices, Endpoint, Layer, ResolveError, TlsFlags};

use crate::config::source::{Setting, Source};

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
) -> Result<Setting<Endpoint>, ResolveError> {
    let explicit = hosts.explicit.as_ref();
    let file = hosts.file.as_ref();
    let choices = Choices {
        context: context_flag,
        host: explicit.map(|(_, text)| text.as_str()),
        host_is_flag: explicit.is_some_and(|(s, _)| s.source == Source::Flag("--host".into())),
        fallback_host: file.map(|(_, text)| text.as_str()),
        tls: tls.clone(),
    };
    let resolved = resolve_endpoint(&choices, env)?;
    let layer_source = |layer: Option<&(Setting<Endpoint>, String)>| {
        layer
            .map(|(s, _)| s.source.clone())
            .expect("the resolver chose a host layer that was given")
    };
    let source = match resolved.layer {
        Layer::ContextFlag => Source::Flag("--context".into()),
        Layer::Host => layer_source(explicit),
        Layer::DockerHost => Source::Env("DOCKER_HOST".into()),
        Layer::DockerContext => Source::Env("DOCKER_CONTEXT".into()),
        Layer::FallbackHost => layer_source(file),
        Layer::CurrentContext { file, line } => Source::File { path: file, line },
        Layer::Default => return Ok(Setting::default(resolved.endpoint, None)),
    };
    Ok(Setting::new(resolved.endpoint, source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_engine::{DockerConfigDir, EndpointSource};
    use std::collections::HashMap;

    fn setting(text: &str, source: Source) -> Option<(Setting<Endpoint>, String)> {
        let e = Endpoint::parse(text, EndpointSource::Flag).unwrap();
        Some((Setting::new(e, source), text.to_string()))
    }

    /// Each layer becomes the configuration source `config show` names;
    /// the order itself is tested with the resolver (`dockhand_engine`).
    #[test]
    fn each_layer_is_named_as_its_setting() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir
            .path()
            .join("contexts/meta")
            .join(DockerConfigDir::context_id("cur"));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"cur","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://cur:1"}}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("config.json"), "{\n\"currentContext\": \"cur\"\n}").unwrap();
        let file_source = Source::File {
            path: "dockhand.toml".into(),
            line: 1,
        };
        let source = |flag: Option<&str>, env_host: Option<&str>, file: Option<&str>, env: &[(&str, &str)]| {
            let mut env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            env.insert("DOCKER_CONFIG".into(), dir.path().display().to_string());
            let explicit = match (flag, env_host) {
                (Some(h), _) => setting(h, Source::Flag("--host".into())),
                (None, Some(h)) => setting(h, Source::Env("DOCKHAND_HOST".into())),
                _ => None,
            };
            let hosts = HostLayers {
                explicit,
                file: file.and_then(|h| setting(h, file_source.clone())),
            };
            resolve(None, hosts, &TlsFlags::default(), &|k| env.get(k).cloned()).map(|s| s.source)
        };
        assert_eq!(
            source(Some("tcp://h:1"), None, None, &[]).unwrap(),
            Source::Flag("--host".into())
        );
        assert_eq!(
            source(None, Some("tcp://h:1"), None, &[]).unwrap(),
            Source::Env("DOCKHAND_HOST".into())
        );
        assert_eq!(
            source(None, None, None, &[("DOCKER_HOST", "tcp://dh:1")]).unwrap(),
            Source::Env("DOCKER_HOST".into())
        );
        assert_eq!(source(None, None, Some("tcp://f:1"), &[]).unwrap(), file_source);
        assert!(matches!(
            source(None, None, None, &[]).unwrap(),
            Source::File { line: 2, .. }
        ));
        // With --context, DOCKHAND_HOST is outranked; --host is a conflict.
        let env: HashMap<String, String> = [("DOCKER_CONFIG".to_string(), dir.path().display().to_string())].into();
        let with_context = |explicit| {
            let hosts = HostLayers { explicit, file: None };
            resolve(Some("cur"), hosts, &TlsFlags::default(), &|k| env.get(k).cloned())
        };
        let s = with_context(setting("tcp://h:1", Source::Env("DOCKHAND_HOST".into()))).unwrap();
        assert_eq!(s.source, Source::Flag("--context".into()));
        let e = with_context(setting("tcp://h:1", Source::Flag("--host".into()))).unwrap_err();
        assert!(e.to_string().contains("conflicting options"), "{e}");
    }
}
