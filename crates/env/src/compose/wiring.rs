//! Decoding what a service is wired to: published ports (short and long
//! syntax), mounts (volumes, binds, tmpfs) and its networks.

use std::path::{Component, PathBuf};

use super::decode::{Decoder, R};
use super::model::{Mount, Port, Protocol, ServiceNetwork};
use super::scalar::parse_size;
use crate::yaml::{Node, Value};

impl Decoder {
    pub(super) fn port(&self, n: &Node, what: &str) -> R<Port> {
        let bad = |detail: String| -> R<Port> { self.err(n.pos, format!("{what}: {detail}")) };
        let num = |s: &str| -> Option<u16> { s.parse::<u16>().ok().filter(|p| *p > 0) };
        if let Value::Map(_) = n.value {
            let mut p = Port {
                host_ip: "127.0.0.1".into(),
                host_port: None,
                container: 0,
                protocol: Protocol::Tcp,
            };
            for (key, _, v) in self.checked(
                n,
                what,
                &["host_ip", "mode", "protocol", "published", "target"],
                &["app_protocol", "name"],
            )? {
                match key {
                    // `ingress` and `host` publish alike on one engine.
                    "mode" => match self.string(v, "`mode`")?.as_str() {
                        "ingress" | "host" => {}
                        other => return self.err(v.pos, format!("`mode`: `{other}`: use ingress or host")),
                    },
                    "target" => p.container = self.number(v, "`target`")?,
                    "published" => p.host_port = Some(self.number(v, "`published`")?),
                    "host_ip" => p.host_ip = self.string(v, "`host_ip`")?,
                    "protocol" => p.protocol = self.protocol(v)?,
                    _ => {}
                }
            }
            if p.container == 0 {
                return bad("`target` (the container port) is required".into());
            }
            return Ok(p);
        }
        let s = self.string(n, what)?;
        let (spec, proto) = match s.rsplit_once('/') {
            Some((a, "tcp")) => (a, Protocol::Tcp),
            Some((a, "udp")) => (a, Protocol::Udp),
            Some((_, other)) => return bad(format!("protocol `{other}` in `{s}`: use tcp or udp")),
            None => (s.as_str(), Protocol::Tcp),
        };
        if spec.contains('-') {
            return bad(format!("port ranges (`{s}`) are not supported; list each port"));
        }
        // An IPv6 host IP is bracketed: `[::1]:8080:80`.
        let (v6, spec) = match spec.strip_prefix('[').and_then(|r| r.split_once("]:")) {
            Some((ip, rest)) => (Some(ip), rest),
            None => (None, spec),
        };
        let mut parts: Vec<&str> = spec.split(':').collect();
        if let Some(ip) = v6 {
            if parts.len() != 2 {
                return bad(format!("`{s}` is not [HOST_IP]:[HOST_PORT]:CONTAINER_PORT"));
            }
            parts.insert(0, ip);
        }
        let (ip, host, container) = match parts.as_slice() {
            [c] => (None, None, *c),
            [h, c] => (None, Some(*h), *c),
            // An empty HOST_IP (`:8080:80`) binds 127.0.0.1 like the
            // shorter forms, not every interface.
            [ip, h, c] => (
                Some(*ip).filter(|ip| !ip.is_empty()),
                Some(*h).filter(|h| !h.is_empty()),
                *c,
            ),
            _ => return bad(format!("`{s}` is not [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")),
        };
        let Some(container) = num(container) else {
            return bad(format!("container port `{container}` in `{s}` is not a port number"));
        };
        let host_port = match host {
            None => None,
            Some(h) => match num(h) {
                Some(p) => Some(p),
                None => return bad(format!("host port `{h}` in `{s}` is not a port number")),
            },
        };
        Ok(Port {
            host_ip: ip.unwrap_or("127.0.0.1").to_string(),
            host_port,
            container,
            protocol: proto,
        })
    }

    pub(super) fn protocol(&self, v: &Node) -> R<Protocol> {
        match self.string(v, "`protocol`")?.as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            other => self.err(v.pos, format!("protocol `{other}`: use tcp or udp")),
        }
    }

    pub(super) fn mount(&self, n: &Node, what: &str) -> R<Mount> {
        if let Value::Map(_) = n.value {
            let mut kind = None;
            let mut source = None;
            let mut target = None;
            let mut read_only = false;
            let mut size = None;
            let mut bind_selinux = None;
            for (key, _, v) in self.checked(
                n,
                what,
                &[
                    "bind",
                    "consistency",
                    "read_only",
                    "source",
                    "target",
                    "tmpfs",
                    "type",
                    "volume",
                ],
                &["image"],
            )? {
                match key {
                    "type" => kind = Some((self.string(v, "`type`")?, v.pos)),
                    "source" => source = Some(self.string(v, "`source`")?),
                    "target" => target = Some(self.string(v, "`target`")?),
                    "read_only" => read_only = self.boolean(v, "`read_only`")?,
                    "bind" => {
                        for (bk, _, bv) in
                            self.checked(v, "`bind`", &["create_host_path", "propagation", "selinux"], &[])?
                        {
                            if bk == "selinux" {
                                bind_selinux = match self.string(bv, "`bind.selinux`")?.as_str() {
                                    "z" => Some('z'),
                                    "Z" => Some('Z'),
                                    other => return self.err(bv.pos, format!("`bind.selinux`: `{other}`: use z or Z")),
                                };
                            }
                        }
                    }
                    "volume" => {
                        // `nocopy` and `subpath`: the engine's defaults apply.
                        self.checked(v, "`volume`", &["nocopy", "subpath"], &[])?;
                    }
                    "tmpfs" => {
                        for (tk, _, tv) in self.checked(v, "`tmpfs`", &["size"], &["mode"])? {
                            if tk == "size" {
                                let s = self.string(tv, "`tmpfs.size`")?;
                                size =
                                    Some(parse_size(&s).or_else(|e| self.err(tv.pos, format!("`tmpfs.size`: {e}")))?);
                            }
                        }
                    }
                    _ => {}
                }
            }
            let Some(target) = target else {
                return self.err(n.pos, format!("{what}: `target` is required"));
            };
            return match kind.as_ref().map(|(k, p)| (k.as_str(), *p)) {
                Some(("volume", _)) => Ok(Mount::Volume {
                    source,
                    target: clean_target(&target),
                    read_only,
                }),
                Some(("bind", p)) => match source {
                    Some(src) => Ok(Mount::Bind {
                        source: self.host_path(&src),
                        target: clean_target(&target),
                        read_only,
                        selinux: bind_selinux,
                    }),
                    None => self.err(p, format!("{what}: a bind mount needs `source`")),
                },
                Some(("tmpfs", _)) => Ok(Mount::Tmpfs {
                    target: clean_target(&target),
                    size,
                }),
                Some((other, p)) => self.err(
                    p,
                    format!("{what}: mount type `{other}` is not supported; use volume, bind or tmpfs"),
                ),
                None => self.err(n.pos, format!("{what}: `type` is required (volume, bind or tmpfs)")),
            };
        }
        let s = self.string(n, what)?;
        let parts: Vec<&str> = s.split(':').collect();
        let (src, target, mode) = match parts.as_slice() {
            [t] => (None, *t, None),
            [a, b] => (Some(*a), *b, None),
            [a, b, m] => (Some(*a), *b, Some(*m)),
            _ => return self.err(n.pos, format!("{what}: `{s}` is not [SOURCE:]TARGET[:MODE]")),
        };
        // MODE is a comma list: ro/rw, and z/Z (SELinux relabelling, for binds).
        let mut read_only = false;
        let mut selinux = None;
        for m in mode.unwrap_or("").split(',').filter(|m| !m.is_empty()) {
            match m {
                "rw" => read_only = false,
                "ro" => read_only = true,
                "z" | "Z" => selinux = m.chars().next(),
                // Propagation and nocopy: accepted as compose does; the
                // engine's defaults apply.
                "nocopy" | "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate" | "cached"
                | "delegated" | "consistent" => {}
                other => {
                    return self.err(
                        n.pos,
                        format!("{what}: mode `{other}` in `{s}`: use ro, rw, z or Z (comma-separated)"),
                    )
                }
            }
        }
        if !target.starts_with('/') {
            return self.err(n.pos, format!("{what}: the target `{target}` must be an absolute path"));
        }
        let target = clean_target(target);
        Ok(match src {
            None => Mount::Volume {
                source: None,
                target,
                read_only,
            },
            Some(p) if p.starts_with('.') || p.starts_with('/') || p.starts_with('~') => Mount::Bind {
                source: self.host_path(p),
                target,
                read_only,
                selinux,
            },
            Some(v) => Mount::Volume {
                source: Some(v.to_string()),
                target,
                read_only,
            },
        })
    }

    /// A host path of the file as compose resolves it: `~/` from `HOME`,
    /// relative ones against the file's directory, `.` and `..` resolved
    /// lexically (a bind of `../x` names the same directory in both tools).
    pub(super) fn host_path(&self, p: &str) -> PathBuf {
        let joined = match p.strip_prefix("~/") {
            Some(rest) => PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(rest),
            None => self.dir.join(p),
        };
        let mut out = PathBuf::new();
        for c in joined.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }

    pub(super) fn service_networks(&self, n: &Node, what: &str) -> R<Vec<ServiceNetwork>> {
        match &n.value {
            Value::Seq(_) => Ok(self
                .strings(n, what)?
                .into_iter()
                .map(|name| ServiceNetwork {
                    name,
                    aliases: Vec::new(),
                    ipv4_address: None,
                    ipv6_address: None,
                })
                .collect()),
            Value::Map(_) => {
                let mut out = Vec::new();
                for (name, _, v) in self.entries(n, what)? {
                    let mut sn = ServiceNetwork {
                        name: name.to_string(),
                        aliases: Vec::new(),
                        ipv4_address: None,
                        ipv6_address: None,
                    };
                    if !v.is_null() {
                        for (key, _, av) in self.checked(
                            v,
                            &format!("{what}.{name}"),
                            &["aliases", "ipv4_address", "ipv6_address"],
                            &[
                                "driver_opts",
                                "gw_priority",
                                "interface_name",
                                "link_local_ips",
                                "mac_address",
                                "priority",
                            ],
                        )? {
                            match key {
                                "aliases" => sn.aliases = self.strings(av, "`aliases`")?,
                                "ipv4_address" => sn.ipv4_address = Some(self.string(av, "`ipv4_address`")?),
                                "ipv6_address" => sn.ipv6_address = Some(self.string(av, "`ipv6_address`")?),
                                _ => {}
                            }
                        }
                    }
                    out.push(sn);
                }
                Ok(out)
            }
            _ => self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
    }
}

/// A container path without a trailing `/` (compose cleans it; `/data/`
/// and `/data` are one mount point).
fn clean_target(t: &str) -> String {
    match t.trim_end_matches('/') {
        "" => "/".into(),
        t => t.to_string(),
    }
}
