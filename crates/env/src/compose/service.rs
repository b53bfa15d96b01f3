//! Decoding one service: the keys dockhand supports, the ones the Compose
//! Specification has and dockhand does not (a "not supported" error rather
//! than "unknown"), and the service mapping itself. Its larger values are
//! decoded in `wiring` (ports, mounts, networks) and `startup` (build,
//! dependencies, healthcheck, restart, readiness rules).

use std::collections::BTreeMap;

use super::decode::{Decoder, R};
use super::fields::field_keys;
use super::model::{ComposeError, ContainerOptions, FileKind, Service};
use super::options::OPTION_KEYS;
use crate::interp::parse_env_file;
use crate::yaml::{Node, Pos, Value};

/// Keys of the Compose Specification that dockhand does not support: they
/// get a "not supported" error instead of "unknown".
const COMPOSE_SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cpu_count",
    "cpu_percent",
    "credential_spec",
    "develop",
    "extends",
    "external_links",
    "gpus",
    "label_file",
    "links",
    "post_start",
    "pre_stop",
    "volumes_from",
];

const SERVICE_KEYS: &[&str] = &[
    "build",
    "command",
    "configs",
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
    "secrets",
    "volumes",
];

impl Decoder {
    pub(super) fn service(&self, name: &str, pos: Pos, def: &Node) -> R<Service> {
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
            opts: ContainerOptions::default(),
        };
        let mut keys = SERVICE_KEYS.to_vec();
        keys.extend_from_slice(OPTION_KEYS);
        keys.extend(field_keys());
        keys.sort_unstable();
        let (entries, mut failed) = self.checked_lenient(def, &what, &keys, COMPOSE_SERVICE_KEYS)?;
        let mut env_files = Vec::new();
        let mut environment = Vec::new();
        let mut scale = None;
        let mut deploy_replicas = None;
        for (key, k, v) in &entries {
            let field = format!("{what}: `{key}`");
            // Each key on its own: a bad one is noted and the next read.
            let r = (|| -> R<()> {
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
                    "secrets" => s.volumes.extend(self.file_refs(FileKind::Secret, v, &field)?),
                    "configs" => s.volumes.extend(self.file_refs(FileKind::Config, v, &field)?),
                    "networks" => s.networks = self.service_networks(v, &field)?,
                    "depends_on" => s.depends_on = self.depends_on(v, &field)?,
                    "healthcheck" => s.healthcheck = Some(self.healthcheck(v, &field)?),
                    "labels" => s.labels = self.key_values(v, &field, false)?.into_iter().collect(),
                    "restart" => s.restart = Some(self.restart(v, &field)?),
                    "scale" => scale = Some((self.number::<u32>(v, &field)?, k.pos)),
                    "deploy" => deploy_replicas = self.deploy(v, &field, &mut s.opts)?,
                    "profiles" => s.profiles = self.strings(v, &field)?,
                    k if field_keys().any(|f| f == k) => s.opts.fields.push(self.engine_field(k, v, &field)?),
                    k if OPTION_KEYS.contains(&k) => self.container_option(k, v, &field, &mut s.opts)?,
                    _ => {}
                }
                Ok(())
            })();
            if let Err(e) = r {
                self.record(e.clone());
                failed.get_or_insert(e);
            }
        }
        if let Some(e) = failed {
            return Err(e);
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
}
