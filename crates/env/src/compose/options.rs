//! Decoding the service keys that map one to one onto `ContainerCreate`
//! (`expose`, `user`, `tmpfs`, `ulimits`, `cap_add`, ...) into
//! [`ContainerOptions`], and `deploy`: its `resources` become the memory and
//! CPU limits, as docker compose maps them on one engine; its swarm-only
//! fields are accepted with a warning each.

use super::decode::{Decoder, R};
use super::model::{ContainerOptions, Protocol, PullPolicy, Ulimit};
use super::scalar::parse_size;
use crate::yaml::{Node, Value};

/// The service keys decoded here.
pub(super) const OPTION_KEYS: &[&str] = &[
    "cap_add",
    "cap_drop",
    "container_name",
    "cpus",
    "expose",
    "extra_hosts",
    "hostname",
    "init",
    "mem_limit",
    "mem_reservation",
    "network_mode",
    "pids_limit",
    "platform",
    "privileged",
    "pull_policy",
    "read_only",
    "runtime",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "working_dir",
];

/// `deploy` fields that only a swarm acts on.
const SWARM_ONLY: &[&str] = &[
    "endpoint_mode",
    "labels",
    "mode",
    "placement",
    "restart_policy",
    "rollback_config",
    "update_config",
];

impl Decoder {
    /// Decodes one of [`OPTION_KEYS`] into `o`.
    pub(super) fn container_option(&self, key: &str, v: &Node, what: &str, o: &mut ContainerOptions) -> R<()> {
        match key {
            "container_name" => o.container_name = Some(self.string(v, what)?),
            "expose" => {
                for e in self.seq(v, what)? {
                    o.expose.extend(self.expose(e, what)?);
                }
            }
            "shm_size" => o.shm_size = Some(self.size(v, what)?),
            "mem_limit" => o.memory = Some(self.size(v, what)?),
            "mem_reservation" => o.memory_reservation = Some(self.size(v, what)?),
            "cpus" => o.nano_cpus = Some(self.cpus(v, what)?),
            "stdin_open" => o.stdin_open = self.boolean(v, what)?,
            "tty" => o.tty = self.boolean(v, what)?,
            "read_only" => o.read_only = self.boolean(v, what)?,
            "privileged" => o.privileged = self.boolean(v, what)?,
            "init" => o.init = Some(self.boolean(v, what)?),
            "user" => o.user = Some(self.string(v, what)?),
            "working_dir" => o.working_dir = Some(self.string(v, what)?),
            "hostname" => o.hostname = Some(self.string(v, what)?),
            "platform" => o.platform = Some(self.string(v, what)?),
            "runtime" => o.runtime = Some(self.string(v, what)?),
            "stop_signal" => o.stop_signal = Some(self.string(v, what)?),
            "stop_grace_period" => o.stop_grace_period = Some(self.duration(v, what)?),
            "pids_limit" => o.pids_limit = Some(self.integer(v, what)?),
            "security_opt" => o.security_opt = self.strings(v, what)?,
            "cap_add" => o.cap_add = self.strings(v, what)?,
            "cap_drop" => o.cap_drop = self.strings(v, what)?,
            "extra_hosts" => {
                // A list of `host:ip` (or `host=ip`), or a mapping.
                o.extra_hosts = match &v.value {
                    Value::Map(_) => self
                        .key_values(v, what, false)?
                        .into_iter()
                        .map(|(h, ip)| format!("{h}:{ip}"))
                        .collect(),
                    _ => self
                        .strings(v, what)?
                        .into_iter()
                        .map(|s| s.replacen('=', ":", 1))
                        .collect(),
                }
            }
            "sysctls" => o.sysctls = self.key_values(v, what, false)?.into_iter().collect(),
            "tmpfs" => {
                let paths = match &v.value {
                    Value::Seq(_) => self.strings(v, what)?,
                    _ => vec![self.string(v, what)?],
                };
                for p in paths {
                    let (path, opts) = p.split_once(':').unwrap_or((&p, ""));
                    o.tmpfs.insert(path.to_string(), opts.to_string());
                }
            }
            "ulimits" => {
                for (name, _, lv) in self.entries(v, what)? {
                    let (soft, hard) = match &lv.value {
                        Value::Map(_) => {
                            let mut soft = None;
                            let mut hard = None;
                            for (k, _, x) in self.checked(lv, &format!("{what}.{name}"), &["hard", "soft"], &[])? {
                                let n = self.integer(x, &format!("{what}.{name}.{k}"))?;
                                if k == "soft" {
                                    soft = Some(n);
                                } else {
                                    hard = Some(n);
                                }
                            }
                            match (soft, hard) {
                                (Some(s), Some(h)) => (s, h),
                                _ => return self.err(lv.pos, format!("{what}.{name}: give both `soft` and `hard`")),
                            }
                        }
                        _ => {
                            let n = self.integer(lv, &format!("{what}.{name}"))?;
                            (n, n)
                        }
                    };
                    o.ulimits.push(Ulimit {
                        name: name.to_string(),
                        soft,
                        hard,
                    });
                }
            }
            "network_mode" => {
                let m = self.string(v, what)?;
                if m.starts_with("service:") {
                    return self.err(
                        v.pos,
                        format!("{what}: `{m}` is not supported (dockhand creates containers side by side); put both services on one network instead"),
                    );
                }
                o.network_mode = Some(m);
            }
            "pull_policy" => {
                o.pull_policy = Some(match self.string(v, what)?.as_str() {
                    "always" => PullPolicy::Always,
                    "missing" | "if_not_present" => PullPolicy::Missing,
                    "never" => PullPolicy::Never,
                    "build" => PullPolicy::Build,
                    other => {
                        return self.err(
                            v.pos,
                            format!("{what}: unknown policy `{other}`; use always, missing, never or build"),
                        )
                    }
                })
            }
            _ => {}
        }
        Ok(())
    }

    /// `deploy`: `replicas` (returned with its position), `resources`
    /// into `o`, swarm-only fields warned about.
    pub(super) fn deploy(&self, v: &Node, what: &str, o: &mut ContainerOptions) -> R<Option<(u32, crate::yaml::Pos)>> {
        let mut allowed = vec!["replicas", "resources"];
        allowed.extend_from_slice(SWARM_ONLY);
        let mut replicas = None;
        for (dk, k, dv) in self.checked(v, what, &allowed, &[])? {
            match dk {
                "replicas" => replicas = Some((self.number::<u32>(dv, "`deploy.replicas`")?, dv.pos)),
                "resources" => self.resources(dv, &format!("{what}.resources"), o)?,
                _ => self.warn(
                    k.pos,
                    format!("{what}.{dk} only applies to a swarm; ignored on one engine"),
                ),
            }
        }
        Ok(replicas)
    }

    fn resources(&self, v: &Node, what: &str, o: &mut ContainerOptions) -> R<()> {
        for (rk, _, rv) in self.checked(v, what, &["limits", "reservations"], &[])? {
            let w = format!("{what}.{rk}");
            for (k, kp, x) in self.checked(rv, &w, &["cpus", "devices", "generic_resources", "memory", "pids"], &[])? {
                match (rk, k) {
                    ("limits", "memory") => o.memory = Some(self.size(x, &w)?),
                    ("limits", "cpus") => o.nano_cpus = Some(self.cpus(x, &w)?),
                    ("limits", "pids") => o.pids_limit = Some(self.integer(x, &w)?),
                    ("reservations", "memory") => o.memory_reservation = Some(self.size(x, &w)?),
                    _ => self.warn(
                        kp.pos,
                        format!("{w}.{k} has no single-engine equivalent in dockhand; ignored"),
                    ),
                }
            }
        }
        Ok(())
    }

    /// A size: bytes as a number, or `64m`, `1g`.
    fn size(&self, v: &Node, what: &str) -> R<u64> {
        let s = self.string(v, what)?;
        parse_size(&s).or_else(|e| self.err(v.pos, format!("{what}: {e}")))
    }

    /// A possibly negative integer (`-1` is "unlimited" for pids and ulimits).
    pub(super) fn integer(&self, v: &Node, what: &str) -> R<i64> {
        let s = self.string(v, what)?;
        s.trim()
            .parse()
            .or_else(|_| self.err(v.pos, format!("{what} must be an integer, found `{s}`")))
    }

    /// `cpus: 0.5` as nano-CPUs.
    fn cpus(&self, v: &Node, what: &str) -> R<u64> {
        let s = self.string(v, what)?;
        match s.trim().parse::<f64>() {
            Ok(c) if c >= 0.0 => Ok((c * 1e9).round() as u64),
            _ => self.err(v.pos, format!("{what} must be a number of CPUs like 0.5, found `{s}`")),
        }
    }

    /// An `expose` entry: `3000`, `3000/udp` or a range `3000-3005`.
    fn expose(&self, n: &Node, what: &str) -> R<Vec<(u16, Protocol)>> {
        let s = self.string(n, what)?;
        let (ports, proto) = match s.rsplit_once('/') {
            Some((p, "tcp")) => (p, Protocol::Tcp),
            Some((p, "udp")) => (p, Protocol::Udp),
            Some((_, other)) => return self.err(n.pos, format!("{what}: protocol `{other}` in `{s}`: use tcp or udp")),
            None => (s.as_str(), Protocol::Tcp),
        };
        let num = |p: &str| p.trim().parse::<u16>().ok().filter(|p| *p > 0);
        let (lo, hi) = match ports.split_once('-') {
            Some((a, b)) => (num(a), num(b)),
            None => (num(ports), num(ports)),
        };
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => Ok((lo..=hi).map(|p| (p, proto)).collect()),
            _ => self.err(n.pos, format!("{what}: `{s}` is not a port or a range like 3000-3005")),
        }
    }
}
