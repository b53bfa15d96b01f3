//! Decoding a compose file: [`Compose::load`] reads it (with `.env` and
//! interpolation, `crate::interp`), and the `Decoder` turns the positioned
//! YAML tree into the model strictly: every mapping's keys are checked
//! against what is supported (`x-*` aside), with "not supported" for a key
//! the Compose Specification knows and "unknown" with a did-you-mean for any
//! other. This file holds the decoder's readers of scalars, lists and
//! mappings, the top level, networks and volumes; a service's keys are in
//! `service`, `wiring` and `startup`, the cross-checks in `validate`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::model::{
    Compose, ComposeError, FileDefs, FileKind, Ipam, IpamPool, LoadOptions, NetworkDef, Service, VolumeDef,
};
use super::scalar::{parse_duration, shell_words, valid_name};
use crate::interp::{interpolate, parse_env_file, Vars};
use crate::yaml::{self, Node, Pos, Value};

/// Decodes one compose file with its `.env` (beside the file).
impl Compose {
    /// Loads `path` with the process environment and the `.env` file beside it.
    pub fn load(path: &Path, profiles: &[String]) -> Result<Compose, ComposeError> {
        Compose::load_with(
            path,
            &LoadOptions {
                profiles: profiles.to_vec(),
                vars: BTreeMap::new(),
                process_env: true,
            },
        )
    }

    /// Loads `path` (see [`Compose::load_all`]); the first error only.
    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<Compose, ComposeError> {
        Compose::load_all(path, opts).map_err(|mut errs| errs.swap_remove(0))
    }

    /// Loads `path` and reports every problem found, in file order (never
    /// an empty list): each key of each service is decoded even after
    /// another failed. What spans services (dependencies, cycles) is checked
    /// only when every service decoded.
    pub fn load_all(path: &Path, opts: &LoadOptions) -> Result<Compose, Vec<ComposeError>> {
        let at = |pos: Pos, message: String| ComposeError {
            file: path.to_path_buf(),
            pos,
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| {
                at(
                    Pos::default(),
                    format!("cannot read the compose file: {e}; pass an existing file with -f"),
                )
            })
            .map_err(|e| vec![e])?;
        let file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut vars = Vars::default();
        if opts.process_env {
            vars.env = std::env::vars().collect();
        }
        vars.env.extend(opts.vars.clone());
        let dotenv = dir.join(".env");
        if dotenv.is_file() {
            let t = std::fs::read_to_string(&dotenv)
                .map_err(|e| ComposeError {
                    file: dotenv.clone(),
                    pos: Pos::default(),
                    message: format!("cannot read: {e}"),
                })
                .map_err(|e| vec![e])?;
            vars.dotenv = parse_env_file(&t)
                .map_err(|e| ComposeError {
                    file: dotenv.clone(),
                    pos: Pos { line: e.line, col: 1 },
                    message: e.message,
                })
                .map_err(|e| vec![e])?
                .into_iter()
                .collect();
        }
        let root = yaml::parse(&text).map_err(|e| vec![at(e.pos, format!("invalid YAML: {}", e.message))])?;
        let Some(root) = root else {
            return Err(vec![at(
                Pos { line: 1, col: 1 },
                "the file is empty; a compose file needs a `services:` mapping".into(),
            )]);
        };
        let d = Decoder {
            file: path.to_path_buf(),
            dir: dir.clone(),
            vars,
            warnings: RefCell::new(Vec::new()),
            errors: RefCell::new(Vec::new()),
            file_defs: RefCell::new(FileDefs::new()),
        };
        let r = d.compose(&root, file, dir, &opts.profiles);
        if let Err(e) = &r {
            d.record(e.clone());
        }
        let mut errs = d.errors.take();
        if errs.is_empty() {
            return r.map_err(|e| vec![e]);
        }
        errs.sort_by_key(|e| (e.pos.line, e.pos.col));
        Err(errs)
    }
}

/// Decodes one file: its path (for errors), its directory (for relative
/// paths) and the variables scalars are interpolated with.
pub(super) struct Decoder {
    pub(super) file: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) vars: Vars,
    /// Collected while decoding; each message once.
    pub(super) warnings: RefCell<Vec<String>>,
    /// Errors decoding went on after (each once); see [`Compose::load_all`].
    pub(super) errors: RefCell<Vec<ComposeError>>,
    /// The top-level `secrets` and `configs`, for services to refer to.
    pub(super) file_defs: RefCell<FileDefs>,
}

pub(super) type R<T> = Result<T, ComposeError>;

/// A mapping's entries: key text, key node, value node.
pub(super) type Entries<'a> = Vec<(&'a str, &'a Node, &'a Node)>;

/// ` (did you mean `x`?)` when one of `valid` is close to `key`, else nothing.
pub(super) fn suggest(key: &str, valid: &[&str]) -> String {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(key, v), v))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| format!(" (did you mean `{v}`?)"))
        .unwrap_or_default()
}

impl Decoder {
    /// Records a warning at `pos` (once per message).
    pub(super) fn warn(&self, pos: Pos, message: impl Into<String>) {
        let w = format!("{}:{pos}: {}", self.file.display(), message.into());
        let mut ws = self.warnings.borrow_mut();
        if !ws.contains(&w) {
            ws.push(w);
        }
    }

    /// Notes an error and lets decoding go on.
    pub(super) fn record(&self, e: ComposeError) {
        let mut errs = self.errors.borrow_mut();
        if !errs.contains(&e) {
            errs.push(e);
        }
    }

    /// `r`'s value, or `None` with its error noted.
    pub(super) fn keep<T>(&self, r: R<T>) -> Option<T> {
        r.map_err(|e| self.record(e)).ok()
    }

    pub(super) fn err<T>(&self, pos: Pos, message: impl Into<String>) -> R<T> {
        Err(ComposeError {
            file: self.file.clone(),
            pos,
            message: message.into(),
        })
    }

    /// A mapping's entries with `<<` merges applied (explicit keys win).
    pub(super) fn entries<'a>(&self, node: &'a Node, what: &str) -> R<Vec<(&'a str, &'a Node, &'a Node)>> {
        let Value::Map(m) = &node.value else {
            return self.err(node.pos, format!("{what} must be a mapping, found {}", node.kind()));
        };
        let mut out: Vec<(&str, &Node, &Node)> = Vec::new();
        let mut merged: Vec<(&str, &Node, &Node)> = Vec::new();
        for (k, v) in m {
            let Some(key) = k.as_scalar() else {
                return self.err(k.pos, format!("{what}: keys must be scalars"));
            };
            if key == "<<" && matches!(k.value, Value::Scalar { plain: true, .. }) {
                let sources: Vec<&Node> = match &v.value {
                    Value::Seq(items) => items.iter().collect(),
                    _ => vec![v],
                };
                for s in sources {
                    merged.extend(self.entries(s, "a merge (`<<`) source")?);
                }
                continue;
            }
            if out.iter().any(|(o, _, _)| *o == key) {
                return self.err(k.pos, format!("{what}: duplicate key `{key}`"));
            }
            out.push((key, k, v));
        }
        for (key, k, v) in merged {
            if !out.iter().any(|(o, _, _)| *o == key) {
                out.push((key, k, v));
            }
        }
        Ok(out)
    }

    /// Checks every key of a mapping against `allowed` (plus `x-*`).
    pub(super) fn checked<'a>(
        &self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
        compose_known: &[&str],
    ) -> R<Vec<(&'a str, &'a Node, &'a Node)>> {
        match self.checked_lenient(node, what, allowed, compose_known)? {
            (_, Some(e)) => Err(e),
            (entries, None) => Ok(entries),
        }
    }

    /// Like [`Decoder::checked`], but keeps the allowed entries when some
    /// are not (their errors are noted, and the first is returned beside).
    pub(super) fn checked_lenient<'a>(
        &self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
        compose_known: &[&str],
    ) -> R<(Entries<'a>, Option<ComposeError>)> {
        let mut first = None;
        let mut kept = Vec::new();
        for (key, k, v) in self.entries(node, what)? {
            if allowed.contains(&key) || key.starts_with("x-") {
                kept.push((key, k, v));
            } else if let Err(e) = self.bad_key(key, k, what, allowed, compose_known) {
                self.record(e.clone());
                first.get_or_insert(e);
            }
        }
        Ok((kept, first))
    }

    /// The error for a key that `allowed` lacks.
    fn bad_key(&self, key: &str, k: &Node, what: &str, allowed: &[&str], compose_known: &[&str]) -> R<()> {
        {
            let supported = allowed.join(", ");
            if compose_known.contains(&key) {
                // Not "remove it": dropping a key that changes behaviour
                // runs something else than the file describes.
                return self.err(
                    k.pos,
                    format!("{what}: key `{key}` is not supported by dockhand env yet (docs/compose.md lists why)"),
                );
            }
            // A short list helps; a service's forty keys would bury the line.
            let hint = match suggest(key, allowed) {
                s if !s.is_empty() => s,
                _ if allowed.len() <= 8 => format!("; supported: {supported}"),
                _ => "; docs/compose.md lists the supported keys".into(),
            };
            self.err(k.pos, format!("{what}: unknown key `{key}`{hint}"))
        }
    }

    pub(super) fn string(&self, n: &Node, what: &str) -> R<String> {
        match &n.value {
            Value::Scalar { text, .. } if !n.is_null() => {
                let seen = self.vars.unset.borrow().len();
                let r = interpolate(text, &self.vars).or_else(|e| self.err(n.pos, format!("{what}: {e}")));
                let newly: Vec<String> = self.vars.unset.borrow()[seen..].to_vec();
                for name in newly {
                    self.warn(
                        n.pos,
                        format!("variable `{name}` is not set; it is read as an empty string (set it, or write ${{{name}:-default}})"),
                    );
                }
                r
            }
            _ => self.err(n.pos, format!("{what} must be a string, found {}", n.kind())),
        }
    }

    pub(super) fn opt_string(&self, n: &Node, what: &str) -> R<Option<String>> {
        if n.is_null() {
            Ok(None)
        } else {
            self.string(n, what).map(Some)
        }
    }

    pub(super) fn number<T: std::str::FromStr>(&self, n: &Node, what: &str) -> R<T> {
        let s = self.string(n, what)?;
        s.trim().parse().or_else(|_| {
            self.err(
                n.pos,
                format!("{what} must be a non-negative integer in range, found `{s}`"),
            )
        })
    }

    pub(super) fn boolean(&self, n: &Node, what: &str) -> R<bool> {
        match self.string(n, what)?.as_str() {
            "true" | "True" | "TRUE" => Ok(true),
            "false" | "False" | "FALSE" => Ok(false),
            other => self.err(n.pos, format!("{what} must be true or false, found `{other}`")),
        }
    }

    pub(super) fn duration(&self, n: &Node, what: &str) -> R<Duration> {
        let s = self.string(n, what)?;
        parse_duration(&s).or_else(|e| self.err(n.pos, format!("{what}: {e}")))
    }

    pub(super) fn seq<'a>(&self, n: &'a Node, what: &str) -> R<&'a [Node]> {
        match &n.value {
            Value::Seq(items) => Ok(items),
            _ => self.err(n.pos, format!("{what} must be a list, found {}", n.kind())),
        }
    }

    pub(super) fn strings(&self, n: &Node, what: &str) -> R<Vec<String>> {
        self.seq(n, what)?.iter().map(|i| self.string(i, what)).collect()
    }

    /// A command: a list of words, or a string split as a shell would.
    pub(super) fn command(&self, n: &Node, what: &str) -> R<Vec<String>> {
        match &n.value {
            Value::Seq(_) => self.strings(n, what),
            _ => {
                let s = self.string(n, what)?;
                shell_words(&s).or_else(|e| self.err(n.pos, format!("{what}: {e}")))
            }
        }
    }

    /// `KEY=VALUE` list or `KEY: VALUE` mapping. A key without a value takes
    /// it from the environment (and is left out when unset), when `from_env`.
    pub(super) fn key_values(&self, n: &Node, what: &str, from_env: bool) -> R<Vec<(String, String)>> {
        let mut out = Vec::new();
        match &n.value {
            Value::Seq(items) => {
                for i in items {
                    let s = self.string(i, what)?;
                    match s.split_once('=') {
                        Some((k, v)) => out.push((k.to_string(), v.to_string())),
                        None if from_env => {
                            if let Some(v) = self.vars.get(&s) {
                                out.push((s.clone(), v.to_string()));
                            }
                        }
                        // Compose reads `- KEY` in labels as an empty value.
                        None => out.push((s, String::new())),
                    }
                }
            }
            Value::Map(_) => {
                for (key, k, v) in self.entries(n, what)? {
                    if v.is_null() {
                        if !from_env {
                            out.push((key.to_string(), String::new()));
                        } else if let Some(val) = self.vars.get(key) {
                            out.push((key.to_string(), val.to_string()));
                        }
                        continue;
                    }
                    if matches!(v.value, Value::Seq(_) | Value::Map(_)) {
                        return self.err(k.pos, format!("{what}: the value of `{key}` must be a scalar"));
                    }
                    out.push((key.to_string(), self.string(v, what)?));
                }
            }
            _ => return self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
        Ok(out)
    }

    pub(super) fn compose(&self, root: &Node, file: PathBuf, dir: PathBuf, profiles: &[String]) -> R<Compose> {
        // Lenient: a bad top-level key is noted and the services still read.
        let (top, _) = self.checked_lenient(
            root,
            "the top level",
            &[
                "configs", "name", "networks", "secrets", "services", "version", "volumes",
            ],
            &["include", "models"],
        )?;
        let mut name = None;
        let mut services = Vec::new();
        let mut networks = Vec::new();
        let mut volumes = Vec::new();
        let mut services_node = None;
        for (key, _, v) in &top {
            match *key {
                "name" => name = Some(self.string(v, "`name`")?),
                "version" => {} // obsolete in the specification; accepted and ignored like compose does
                "services" => services_node = Some(*v),
                "networks" if !v.is_null() => {
                    for (n, _, def) in self.entries(v, "`networks`")? {
                        networks.extend(self.keep(self.network(n, def)));
                    }
                }
                "secrets" | "configs" if !v.is_null() => {
                    let kind = if *key == "secrets" {
                        FileKind::Secret
                    } else {
                        FileKind::Config
                    };
                    for (n, _, def) in self.entries(v, &format!("`{key}`"))? {
                        self.keep(self.file_def(kind, n, def));
                    }
                }
                "volumes" if !v.is_null() => {
                    for (n, _, def) in self.entries(v, "`volumes`")? {
                        volumes.extend(self.keep(self.volume(n, def)));
                    }
                }
                _ => {}
            }
        }
        let Some(services_node) = services_node else {
            return self.err(root.pos, "the file has no `services:` mapping");
        };
        for (sname, k, def) in self.entries(services_node, "`services`")? {
            if !valid_name(sname) {
                self.record(ComposeError {
                    file: self.file.clone(),
                    pos: k.pos,
                    message: format!("service name `{sname}` must be lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
                });
                continue;
            }
            services.extend(self.keep(self.service(sname, k.pos, def)));
        }
        if let Some(e) = self.errors.borrow().first() {
            // Cross-service checks on a partial model would mislead.
            return Err(e.clone());
        }
        if services.is_empty() {
            return self.err(services_node.pos, "`services` is empty");
        }
        // Profiles: a service with profiles runs only when one is enabled.
        let all: BTreeMap<String, Service> = services.iter().map(|s| (s.name.clone(), s.clone())).collect();
        let enabled = |s: &Service| s.profiles.is_empty() || s.profiles.iter().any(|p| profiles.contains(p));
        services.retain(enabled);
        let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
        for s in &mut services {
            s.depends_on.retain(|d| {
                let keep = d.required || names.contains(&d.service);
                if !keep {
                    self.warn(
                        d.pos,
                        format!(
                            "service `{}`: optional dependency `{}` is not enabled; not waited for",
                            s.name, d.service
                        ),
                    );
                }
                keep
            });
        }
        if services.is_empty() {
            return self.err(
                services_node.pos,
                format!(
                    "no service is enabled with the profiles [{}]; pass --profile with one the services list",
                    profiles.join(", ")
                ),
            );
        }
        let c = Compose {
            file,
            dir,
            name,
            services,
            networks,
            volumes,
            warnings: Vec::new(),
        };
        self.validate(&c, &all)?;
        Ok(Compose {
            warnings: self.warnings.take(),
            ..c
        })
    }

    pub(super) fn network(&self, name: &str, def: &Node) -> R<NetworkDef> {
        let mut n = NetworkDef {
            name: name.to_string(),
            driver: None,
            internal: false,
            labels: BTreeMap::new(),
            fixed_name: None,
            external: false,
            ipam: None,
            driver_opts: BTreeMap::new(),
            attachable: false,
            enable_ipv6: false,
        };
        if def.is_null() {
            return Ok(n);
        }
        let what = format!("network `{name}`");
        for (key, _, v) in self.checked(
            def,
            &what,
            &[
                "attachable",
                "driver",
                "driver_opts",
                "enable_ipv6",
                "external",
                "internal",
                "ipam",
                "labels",
                "name",
            ],
            &[],
        )? {
            match key {
                "driver_opts" => n.driver_opts = self.key_values(v, "`driver_opts`", false)?.into_iter().collect(),
                "attachable" => n.attachable = self.boolean(v, "`attachable`")?,
                "enable_ipv6" => n.enable_ipv6 = self.boolean(v, "`enable_ipv6`")?,
                "driver" => n.driver = self.opt_string(v, "`driver`")?,
                "internal" => n.internal = self.boolean(v, "`internal`")?,
                "labels" => n.labels = self.key_values(v, "`labels`", false)?.into_iter().collect(),
                "name" => n.fixed_name = Some(self.string(v, "`name`")?),
                "external" => n.external = self.external(v, &what)?,
                "ipam" => n.ipam = Some(self.ipam(v, &format!("{what}: `ipam`"))?),
                _ => {}
            }
        }
        Ok(n)
    }

    pub(super) fn volume(&self, name: &str, def: &Node) -> R<VolumeDef> {
        let mut n = VolumeDef {
            name: name.to_string(),
            driver: None,
            labels: BTreeMap::new(),
            fixed_name: None,
            external: false,
            driver_opts: BTreeMap::new(),
        };
        if def.is_null() {
            return Ok(n);
        }
        let what = format!("volume `{name}`");
        for (key, _, v) in self.checked(
            def,
            &what,
            &["driver", "driver_opts", "external", "labels", "name"],
            &[],
        )? {
            match key {
                "driver_opts" => n.driver_opts = self.key_values(v, "`driver_opts`", false)?.into_iter().collect(),
                "driver" => n.driver = self.opt_string(v, "`driver`")?,
                "labels" => n.labels = self.key_values(v, "`labels`", false)?.into_iter().collect(),
                "name" => n.fixed_name = Some(self.string(v, "`name`")?),
                "external" => n.external = self.external(v, &what)?,
                _ => {}
            }
        }
        Ok(n)
    }

    /// `external: true`, or the obsolete `external: {name: x}` (read as
    /// true; the name is then `name:`'s job, as in the specification).
    fn external(&self, v: &Node, what: &str) -> R<bool> {
        match &v.value {
            Value::Map(_) => {
                self.warn(
                    v.pos,
                    format!("{what}: `external: {{name: ...}}` is obsolete; use `external: true` and `name:`"),
                );
                Ok(true)
            }
            _ => self.boolean(v, &format!("{what}: `external`")),
        }
    }

    fn ipam(&self, n: &Node, what: &str) -> R<Ipam> {
        let mut ipam = Ipam::default();
        for (key, _, v) in self.checked(n, what, &["config", "driver", "options"], &[])? {
            match key {
                "driver" => ipam.driver = self.opt_string(v, "`ipam.driver`")?,
                "options" => ipam.options = self.key_values(v, "`ipam.options`", false)?.into_iter().collect(),
                "config" => {
                    for c in self.seq(v, "`ipam.config`")? {
                        let mut pool = IpamPool::default();
                        for (ck, _, cv) in self.checked(
                            c,
                            "`ipam.config`",
                            &["aux_addresses", "gateway", "ip_range", "subnet"],
                            &[],
                        )? {
                            match ck {
                                "subnet" => pool.subnet = Some(self.string(cv, "`subnet`")?),
                                "ip_range" => pool.ip_range = Some(self.string(cv, "`ip_range`")?),
                                "gateway" => pool.gateway = Some(self.string(cv, "`gateway`")?),
                                "aux_addresses" => {
                                    pool.aux_addresses =
                                        self.key_values(cv, "`aux_addresses`", false)?.into_iter().collect()
                                }
                                _ => {}
                            }
                        }
                        ipam.config.push(pool);
                    }
                }
                _ => {}
            }
        }
        Ok(ipam)
    }
}
