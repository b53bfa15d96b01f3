//! Service keys that each set one `ContainerCreate` field as they are
//! written, as docker compose passes them (`dns`, `ipc`, `cpu_shares`,
//! `logging`, `devices`, ...): one table, [`FIELDS`], says for each key the
//! field, whether it is under `HostConfig`, and how its value is read. The
//! decoded [`EngineField`]s are set by `up` and printed by `env config`.

use serde_json::{json, Map, Value};

use super::decode::{Decoder, R};
use super::model::EngineField;
use super::scalar::parse_size;
use crate::yaml::{Node, Value as Yv};

/// How a key's value is read.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    /// A list of strings, or one string.
    Strs,
    Int,
    /// A size (`1g`), or -1 for unlimited.
    Size,
    Bool,
    /// `KEY: VALUE` or `KEY=VALUE` entries.
    Map,
    Devices,
    Logging,
}

const HOST: bool = true;
const TOP: bool = false;

/// Compose key, under `HostConfig`?, the field, how it is read.
const FIELDS: &[(&str, bool, &str, Kind)] = &[
    ("cgroup", HOST, "CgroupnsMode", Kind::Str),
    ("cgroup_parent", HOST, "CgroupParent", Kind::Str),
    ("cpu_period", HOST, "CpuPeriod", Kind::Int),
    ("cpu_quota", HOST, "CpuQuota", Kind::Int),
    ("cpu_rt_period", HOST, "CpuRealtimePeriod", Kind::Int),
    ("cpu_rt_runtime", HOST, "CpuRealtimeRuntime", Kind::Int),
    ("cpu_shares", HOST, "CpuShares", Kind::Int),
    ("cpuset", HOST, "CpusetCpus", Kind::Str),
    ("device_cgroup_rules", HOST, "DeviceCgroupRules", Kind::Strs),
    ("devices", HOST, "Devices", Kind::Devices),
    ("dns", HOST, "Dns", Kind::Strs),
    ("dns_opt", HOST, "DnsOptions", Kind::Strs),
    ("dns_search", HOST, "DnsSearch", Kind::Strs),
    ("domainname", TOP, "Domainname", Kind::Str),
    ("group_add", HOST, "GroupAdd", Kind::Strs),
    ("ipc", HOST, "IpcMode", Kind::Str),
    ("isolation", HOST, "Isolation", Kind::Str),
    ("logging", HOST, "LogConfig", Kind::Logging),
    ("mac_address", TOP, "MacAddress", Kind::Str),
    ("mem_swappiness", HOST, "MemorySwappiness", Kind::Int),
    ("memswap_limit", HOST, "MemorySwap", Kind::Size),
    ("oom_kill_disable", HOST, "OomKillDisable", Kind::Bool),
    ("oom_score_adj", HOST, "OomScoreAdj", Kind::Int),
    ("pid", HOST, "PidMode", Kind::Str),
    ("storage_opt", HOST, "StorageOpt", Kind::Map),
    ("userns_mode", HOST, "UsernsMode", Kind::Str),
    ("uts", HOST, "UTSMode", Kind::Str),
];

/// The service keys decoded here.
pub(super) fn field_keys() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().map(|f| f.0)
}

impl Decoder {
    /// Decodes `key`, one of [`field_keys`].
    pub(super) fn engine_field(&self, key: &str, v: &Node, what: &str) -> R<EngineField> {
        let Some(&(key, host, field, kind)) = FIELDS.iter().find(|f| f.0 == key) else {
            return self.err(v.pos, format!("{what}: not a pass-through key"));
        };
        let (value, given) = match kind {
            Kind::Str => {
                let s = json!(self.string(v, what)?);
                (s.clone(), s)
            }
            Kind::Strs => {
                let l = match &v.value {
                    Yv::Seq(_) => self.strings(v, what)?,
                    _ => vec![self.string(v, what)?],
                };
                (json!(l), json!(l))
            }
            Kind::Int => {
                let n = self.integer(v, what)?;
                (json!(n), json!(n))
            }
            Kind::Size => {
                let s = self.string(v, what)?;
                let n: i64 = match s.trim() {
                    "-1" => -1,
                    t => parse_size(t).ok().and_then(|n| i64::try_from(n).ok()).map_or_else(
                        || self.err(v.pos, format!("{what}: `{s}` is not a size like 1g, or -1")),
                        Ok,
                    )?,
                };
                (json!(n), json!(n))
            }
            Kind::Bool => {
                let b = self.boolean(v, what)?;
                (json!(b), json!(b))
            }
            Kind::Map => {
                let m: Map<String, Value> = self
                    .key_values(v, what, false)?
                    .into_iter()
                    .map(|(k, x)| (k, json!(x)))
                    .collect();
                (Value::Object(m.clone()), Value::Object(m))
            }
            Kind::Devices => self.devices(v, what)?,
            Kind::Logging => self.logging(v, what)?,
        };
        Ok(EngineField {
            key,
            host,
            field,
            value,
            given,
        })
    }

    /// `devices`: `HOST[:CONTAINER[:PERMISSIONS]]` entries.
    fn devices(&self, v: &Node, what: &str) -> R<(Value, Value)> {
        let mut api = Vec::new();
        let mut given = Vec::new();
        for d in self.seq(v, what)? {
            let s = self.string(d, what)?;
            let parts: Vec<&str> = s.split(':').collect();
            let (host, container, perms) = match parts.as_slice() {
                [h] => (*h, *h, "rwm"),
                [h, c] => (*h, *c, "rwm"),
                [h, c, p] => (*h, *c, *p),
                _ => return self.err(d.pos, format!("{what}: `{s}` is not HOST[:CONTAINER[:PERMISSIONS]]")),
            };
            if !host.starts_with('/') {
                return self.err(
                    d.pos,
                    format!("{what}: `{s}`: only device paths (/dev/...) are supported; CDI names need a newer engine"),
                );
            }
            api.push(json!({ "PathOnHost": host, "PathInContainer": container, "CgroupPermissions": perms }));
            given.push(json!(format!("{host}:{container}:{perms}")));
        }
        Ok((Value::Array(api), Value::Array(given)))
    }

    /// `logging`: `driver` and `options`, as `LogConfig`.
    fn logging(&self, v: &Node, what: &str) -> R<(Value, Value)> {
        let mut driver = String::new();
        let mut options = Map::new();
        for (k, _, x) in self.checked(v, what, &["driver", "options"], &[])? {
            match k {
                "driver" => driver = self.string(x, &format!("{what}.driver"))?,
                "options" if !x.is_null() => {
                    for (ok, ov) in self.key_values(x, &format!("{what}.options"), false)? {
                        options.insert(ok, json!(ov));
                    }
                }
                _ => {}
            }
        }
        let mut given = Map::new();
        if !driver.is_empty() {
            given.insert("driver".into(), json!(driver));
        }
        if !options.is_empty() {
            given.insert("options".into(), Value::Object(options.clone()));
        }
        Ok((json!({ "Type": driver, "Config": options }), Value::Object(given)))
    }
}
