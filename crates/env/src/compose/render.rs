//! [`Compose::to_yaml`]: the resolved model written back as YAML, the way
//! `docker compose config` writes it: variables interpolated, paths
//! absolute, short forms expanded to long ones, keys sorted, and the
//! engine-side names of networks and volumes under the project's name.
//! `dockhand env config` prints it.

use std::collections::BTreeMap;

use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

use super::model::{Compose, Mount, Restart, Service};

/// A string value, with `$` written `$$` so that the output, read again,
/// interpolates to the same model (as compose writes it).
fn s(v: impl Into<String>) -> Yaml {
    Yaml::String(v.into().replace('$', "$$"))
}

/// A mapping from sorted pairs (as compose sorts them).
fn map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Yaml)>) -> Yaml {
    let sorted: BTreeMap<String, Yaml> = pairs.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let mut h = Hash::new();
    for (k, v) in sorted {
        h.insert(Yaml::String(k), v);
    }
    Yaml::Hash(h)
}

fn strings(v: &[String]) -> Yaml {
    Yaml::Array(v.iter().map(|x| s(x.as_str())).collect())
}

fn string_map(m: &BTreeMap<String, String>) -> Yaml {
    map(m.iter().map(|(k, v)| (k.as_str(), s(v.as_str()))))
}

impl Compose {
    /// The model as `docker compose config` prints it, for `project`.
    pub fn to_yaml(&self, project: &str) -> String {
        let mut top: Vec<(&str, Yaml)> = vec![("name", s(project))];
        top.push((
            "services",
            map(self.services.iter().map(|sv| (sv.name.as_str(), service(sv)))),
        ));
        let mut nets: BTreeMap<String, Yaml> = BTreeMap::new();
        let uses_default = self
            .services
            .iter()
            .any(|s| s.networks.is_empty() && s.opts.network_mode.is_none());
        if uses_default {
            nets.insert("default".into(), map([("name", s(format!("{project}_default")))]));
        }
        for n in &self.networks {
            let mut m = vec![("name", s(n.engine_name(project)))];
            if n.external {
                m.push(("external", Yaml::Boolean(true)));
            }
            if let Some(d) = &n.driver {
                m.push(("driver", s(d.as_str())));
            }
            if n.internal {
                m.push(("internal", Yaml::Boolean(true)));
            }
            if n.attachable {
                m.push(("attachable", Yaml::Boolean(true)));
            }
            if n.enable_ipv6 {
                m.push(("enable_ipv6", Yaml::Boolean(true)));
            }
            if !n.driver_opts.is_empty() {
                m.push(("driver_opts", string_map(&n.driver_opts)));
            }
            if !n.labels.is_empty() {
                m.push(("labels", string_map(&n.labels)));
            }
            if let Some(i) = &n.ipam {
                let pools = i.config.iter().map(|p| {
                    let mut pm = Vec::new();
                    for (k, v) in [
                        ("subnet", &p.subnet),
                        ("ip_range", &p.ip_range),
                        ("gateway", &p.gateway),
                    ] {
                        if let Some(v) = v {
                            pm.push((k, s(v.as_str())));
                        }
                    }
                    if !p.aux_addresses.is_empty() {
                        pm.push(("aux_addresses", string_map(&p.aux_addresses)));
                    }
                    map(pm)
                });
                let mut im = vec![("config", Yaml::Array(pools.collect()))];
                if let Some(d) = &i.driver {
                    im.push(("driver", s(d.as_str())));
                }
                m.push(("ipam", map(im)));
            }
            nets.insert(n.name.clone(), map(m));
        }
        if !nets.is_empty() {
            top.push(("networks", map(nets)));
        }
        if !self.volumes.is_empty() {
            top.push((
                "volumes",
                map(self.volumes.iter().map(|v| {
                    let mut m = vec![("name", s(v.engine_name(project)))];
                    if v.external {
                        m.push(("external", Yaml::Boolean(true)));
                    }
                    if let Some(d) = &v.driver {
                        m.push(("driver", s(d.as_str())));
                    }
                    if !v.labels.is_empty() {
                        m.push(("labels", string_map(&v.labels)));
                    }
                    if !v.driver_opts.is_empty() {
                        m.push(("driver_opts", string_map(&v.driver_opts)));
                    }
                    (v.name.as_str(), map(m))
                })),
            ));
        }
        // `name` first, then the rest sorted, as compose prints it.
        let mut h = Hash::new();
        for (k, v) in top {
            h.insert(s(k), v);
        }
        let mut out = String::new();
        let mut e = YamlEmitter::new(&mut out);
        e.multiline_strings(true);
        // Writing to a String cannot fail.
        let _ = e.dump(&Yaml::Hash(h));
        let body = out.strip_prefix("---\n").unwrap_or(&out);
        format!("{body}\n")
    }
}

fn service(sv: &Service) -> Yaml {
    let mut m: Vec<(&str, Yaml)> = Vec::new();
    if let Some(i) = &sv.image {
        m.push(("image", s(i.as_str())));
    }
    if let Some(b) = &sv.build {
        let mut bm = vec![
            ("context", s(b.context.display().to_string())),
            ("dockerfile", s(b.dockerfile.as_str())),
        ];
        if !b.args.is_empty() {
            bm.push(("args", string_map(&b.args)));
        }
        if let Some(t) = &b.target {
            bm.push(("target", s(t.as_str())));
        }
        m.push(("build", map(bm)));
    }
    if let Some(c) = &sv.command {
        m.push(("command", strings(c)));
    }
    if let Some(c) = &sv.entrypoint {
        m.push(("entrypoint", strings(c)));
    }
    if !sv.environment.is_empty() {
        m.push(("environment", string_map(&sv.environment)));
    }
    if !sv.labels.is_empty() {
        m.push(("labels", string_map(&sv.labels)));
    }
    if !sv.ports.is_empty() {
        let ports = sv.ports.iter().map(|p| {
            let mut pm = vec![
                ("mode", s("ingress")),
                ("host_ip", s(p.host_ip.as_str())),
                ("target", Yaml::Integer(p.container.into())),
                ("protocol", s(p.protocol.as_str())),
            ];
            if let Some(h) = p.host_port {
                pm.push(("published", s(h.to_string())));
            }
            map(pm)
        });
        m.push(("ports", Yaml::Array(ports.collect())));
    }
    if !sv.opts.expose.is_empty() {
        let e = sv.opts.expose.iter().map(|(p, proto)| match proto.as_str() {
            "tcp" => s(p.to_string()),
            other => s(format!("{p}/{other}")),
        });
        m.push(("expose", Yaml::Array(e.collect())));
    }
    if !sv.volumes.is_empty() {
        let vols = sv.volumes.iter().map(|v| match v {
            Mount::Volume {
                source,
                target,
                read_only,
            } => {
                let mut vm = vec![("type", s("volume")), ("target", s(target.as_str()))];
                if let Some(src) = source {
                    vm.push(("source", s(src.as_str())));
                }
                if *read_only {
                    vm.push(("read_only", Yaml::Boolean(true)));
                }
                map(vm)
            }
            Mount::Bind {
                source,
                target,
                read_only,
                selinux,
            } => {
                let mut vm = vec![
                    ("type", s("bind")),
                    ("source", s(source.display().to_string())),
                    ("target", s(target.as_str())),
                ];
                if *read_only {
                    vm.push(("read_only", Yaml::Boolean(true)));
                }
                if let Some(z) = selinux {
                    vm.push(("bind", map([("selinux", s(z.to_string()))])));
                }
                map(vm)
            }
            Mount::Tmpfs { target, size } => {
                let mut vm = vec![("type", s("tmpfs")), ("target", s(target.as_str()))];
                if let Some(sz) = size {
                    vm.push(("tmpfs", map([("size", Yaml::Integer(*sz as i64))])));
                }
                map(vm)
            }
        });
        m.push(("volumes", Yaml::Array(vols.collect())));
    }
    if sv.opts.network_mode.is_none() {
        let nets: Vec<(&str, Yaml)> = if sv.networks.is_empty() {
            vec![("default", Yaml::Null)]
        } else {
            sv.networks
                .iter()
                .map(|n| {
                    let mut nm = Vec::new();
                    if !n.aliases.is_empty() {
                        nm.push(("aliases", strings(&n.aliases)));
                    }
                    if let Some(a) = &n.ipv4_address {
                        nm.push(("ipv4_address", s(a.as_str())));
                    }
                    if let Some(a) = &n.ipv6_address {
                        nm.push(("ipv6_address", s(a.as_str())));
                    }
                    (n.name.as_str(), if nm.is_empty() { Yaml::Null } else { map(nm) })
                })
                .collect()
        };
        m.push(("networks", map(nets)));
    }
    if !sv.depends_on.is_empty() {
        let deps = sv.depends_on.iter().map(|d| {
            (
                d.service.as_str(),
                map([
                    ("condition", s(d.condition.as_str())),
                    ("required", Yaml::Boolean(d.required)),
                ]),
            )
        });
        m.push(("depends_on", map(deps)));
    }
    if let Some(r) = &sv.restart {
        m.push((
            "restart",
            s(match r {
                Restart::No => "no".to_string(),
                Restart::Always => "always".into(),
                Restart::UnlessStopped => "unless-stopped".into(),
                Restart::OnFailure(None) => "on-failure".into(),
                Restart::OnFailure(Some(n)) => format!("on-failure:{n}"),
            }),
        ));
    }
    if let Some(h) = &sv.healthcheck {
        let mut hm = Vec::new();
        if h.disable {
            hm.push(("disable", Yaml::Boolean(true)));
        }
        if let Some(t) = &h.test {
            hm.push(("test", strings(t)));
        }
        for (k, d) in [
            ("interval", h.interval),
            ("timeout", h.timeout),
            ("start_period", h.start_period),
        ] {
            if let Some(d) = d {
                hm.push((k, s(dockhand_engine::fmt_duration(d))));
            }
        }
        if let Some(r) = h.retries {
            hm.push(("retries", Yaml::Integer(r as i64)));
        }
        m.push(("healthcheck", map(hm)));
    }
    if sv.replicas != 1 {
        m.push(("scale", Yaml::Integer(sv.replicas.into())));
    }
    if !sv.profiles.is_empty() {
        m.push(("profiles", strings(&sv.profiles)));
    }
    options(&sv.opts, &mut m);
    map(m)
}

/// The one-to-one container keys, under their compose names.
fn options(o: &super::model::ContainerOptions, m: &mut Vec<(&str, Yaml)>) {
    let text = [
        ("container_name", &o.container_name),
        ("user", &o.user),
        ("working_dir", &o.working_dir),
        ("hostname", &o.hostname),
        ("platform", &o.platform),
        ("network_mode", &o.network_mode),
        ("runtime", &o.runtime),
        ("stop_signal", &o.stop_signal),
    ];
    for (k, v) in text {
        if let Some(v) = v {
            m.push((k, s(v.as_str())));
        }
    }
    for (k, v) in [
        ("stdin_open", o.stdin_open),
        ("tty", o.tty),
        ("read_only", o.read_only),
        ("privileged", o.privileged),
    ] {
        if v {
            m.push((k, Yaml::Boolean(true)));
        }
    }
    if let Some(i) = o.init {
        m.push(("init", Yaml::Boolean(i)));
    }
    for (k, v) in [
        ("shm_size", o.shm_size),
        ("mem_limit", o.memory),
        ("mem_reservation", o.memory_reservation),
    ] {
        if let Some(v) = v {
            m.push((k, s(v.to_string())));
        }
    }
    if let Some(c) = o.nano_cpus {
        m.push(("cpus", Yaml::Real(format!("{}", c as f64 / 1e9))));
    }
    if let Some(p) = o.pids_limit {
        m.push(("pids_limit", Yaml::Integer(p)));
    }
    if let Some(d) = o.stop_grace_period {
        m.push(("stop_grace_period", s(dockhand_engine::fmt_duration(d))));
    }
    for (k, v) in [
        ("security_opt", &o.security_opt),
        ("cap_add", &o.cap_add),
        ("cap_drop", &o.cap_drop),
        ("extra_hosts", &o.extra_hosts),
    ] {
        if !v.is_empty() {
            m.push((k, strings(v)));
        }
    }
    if !o.tmpfs.is_empty() {
        let t = o.tmpfs.iter().map(|(p, opts)| {
            if opts.is_empty() {
                s(p.as_str())
            } else {
                s(format!("{p}:{opts}"))
            }
        });
        m.push(("tmpfs", Yaml::Array(t.collect())));
    }
    if !o.sysctls.is_empty() {
        m.push((
            "sysctls",
            map(o.sysctls.iter().map(|(k, v)| (k.as_str(), s(v.as_str())))),
        ));
    }
    if !o.ulimits.is_empty() {
        let u = o.ulimits.iter().map(|u| {
            (
                u.name.as_str(),
                map([("soft", Yaml::Integer(u.soft)), ("hard", Yaml::Integer(u.hard))]),
            )
        });
        m.push(("ulimits", map(u)));
    }
    for f in &o.fields {
        m.push((f.key, from_json(&f.given)));
    }
    if let Some(p) = o.pull_policy {
        m.push((
            "pull_policy",
            s(match p {
                super::model::PullPolicy::Always => "always",
                super::model::PullPolicy::Missing => "missing",
                super::model::PullPolicy::Never => "never",
                super::model::PullPolicy::Build => "build",
            }),
        ));
    }
}

/// A JSON value (an [`EngineField`](super::model::EngineField)'s) as YAML.
fn from_json(v: &serde_json::Value) -> Yaml {
    use serde_json::Value as J;
    match v {
        J::Null => Yaml::Null,
        J::Bool(b) => Yaml::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        J::String(x) => s(x.as_str()),
        J::Array(a) => Yaml::Array(a.iter().map(from_json).collect()),
        J::Object(o) => map(o.iter().map(|(k, x)| (k.as_str(), from_json(x)))),
    }
}
