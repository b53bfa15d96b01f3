//! [`parse`]: a step file's text to a [`StepFile`], strictly. Whatever is
//! wrong (not TOML, an unknown key, a wrong type, a bad value, an undefined
//! variable) is a [`FileError`] naming the file, line and column, with a
//! did-you-mean for a key or variable close to a valid one.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;
use std::time::Duration;

use dockhand_engine::{ApiVersion, Method, StreamKind};
use dockhand_harness::config::{parse_duration, to_json, FileError, FileErrorKind, TomlFile};
use dockhand_harness::pattern::closest;
use dockhand_harness::{Need, OPERATIONS};
use serde_json::Value;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::expect::{TextCheck, TextMatch, ValueCheck, ValueMatch, TEXT_KEYS, TYPES, VALUE_KEYS};
use crate::model::*;
use crate::vars::{refs, BUILTINS};

pub const TOP_KEYS: &[&str] = &[
    "id",
    "summary",
    "tags",
    "min_api",
    "needs",
    "reference",
    "knobs",
    "variants",
    "step",
];
pub const STEP_KEYS: &[&str] = &[
    "call", "run", "query", "headers", "body", "tar", "upgrade", "stdin", "env", "expect", "capture", "cleanup",
    "until", "every", "timeout",
];
pub const EXPECT_KEYS: &[&str] = &[
    "status", "headers", "json", "body", "frames", "events", "exit", "stdout", "stderr",
];
/// Keys that only an API step (`call`) takes, and only a command (`run`).
const API_ONLY: &[&str] = &["query", "headers", "body", "tar", "upgrade"];
const API_EXPECT: &[&str] = &["status", "headers", "json", "body", "frames", "events"];
const COMMAND_ONLY: &[&str] = &["env"];
const COMMAND_EXPECT: &[&str] = &["exit", "stdout", "stderr"];
pub const NEEDS: &[(&str, Need)] = &[
    ("docker-cli", Need::DockerCli),
    ("private-engine", Need::PrivateEngine),
    ("swarm", Need::Swarm),
    ("cluster", Need::Cluster),
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "HEAD"];

type Val<'a> = Spanned<DeValue<'a>>;

/// Reads a step file. `path` names it in messages.
pub fn parse(path: &str, text: &str) -> Result<StepFile, FileError> {
    parse_with(path, text, true)
}

/// [`parse`] of a file built into dockhand, whose regexes a test compiles:
/// compiling them at every start cost a debug build 50 ms.
pub(crate) fn parse_embedded(path: &str, text: &str) -> Result<StepFile, FileError> {
    parse_with(path, text, false)
}

fn parse_with(path: &str, text: &str, compile_regexes: bool) -> Result<StepFile, FileError> {
    let file = TomlFile::new(path, text);
    let root = file.parse()?;
    let mut parsed = Parser {
        file: &file,
        compile_regexes,
    }
    .file(&root)?;
    parsed.uses_tmp = refs(text).iter().any(|r| r.name == "tmp");
    Ok(parsed)
}

struct Parser<'f> {
    file: &'f TomlFile,
    /// Whether a `matches` regex is compiled to be checked.
    compile_regexes: bool,
}

impl Parser<'_> {
    fn err(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> FileError {
        self.file.error(
            span,
            FileErrorKind::BadValue {
                key: key.to_string(),
                message: message.into(),
            },
        )
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.file.position(span.start).line
    }

    fn string(&self, key: &str, v: &Val<'_>) -> Result<String, FileError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.file.wrong_type(key, v, "a string")),
        }
    }

    fn strings(&self, key: &str, v: &Val<'_>) -> Result<Vec<(String, Range<usize>)>, FileError> {
        match v.get_ref() {
            DeValue::Array(items) => items.iter().map(|i| Ok((self.string(key, i)?, i.span()))).collect(),
            _ => Err(self.file.wrong_type(key, v, "a list of strings")),
        }
    }

    fn table<'a, 't>(&self, key: &str, v: &'a Val<'t>) -> Result<&'a DeTable<'t>, FileError> {
        match v.get_ref() {
            DeValue::Table(t) => Ok(t),
            _ => Err(self.file.wrong_type(key, v, "a table")),
        }
    }

    fn duration(&self, key: &str, v: &Val<'_>) -> Result<Duration, FileError> {
        let s = self.string(key, v)?;
        parse_duration(&s).map_err(|m| self.err(v.span(), key, m))
    }

    fn json(&self, key: &str, v: &Val<'_>) -> Result<Value, FileError> {
        to_json(self.file, key, v)
    }

    /// Entries in file order.
    fn entries<'a, 't>(&self, t: &'a DeTable<'t>) -> Vec<(&'a Spanned<std::borrow::Cow<'t, str>>, &'a Val<'t>)> {
        let mut e: Vec<_> = t.iter().collect();
        e.sort_by_key(|(k, _)| k.span().start);
        e
    }

    fn file(&self, root: &DeTable<'_>) -> Result<StepFile, FileError> {
        self.file.check_keys(root, TOP_KEYS)?;
        let whole = 0..0;
        let required = |key: &str, hint: &str| {
            self.file.error(
                whole.clone(),
                FileErrorKind::Missing {
                    what: format!("`{key}`"),
                    hint: hint.to_string(),
                },
            )
        };
        let id_val = root
            .get("id")
            .ok_or_else(|| required("id", "add `id = \"area/group/name\"` at the top"))?;
        let id = self.string("id", id_val)?;
        if id.is_empty()
            || id.starts_with('/')
            || id.ends_with('/')
            || id.contains("//")
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))
        {
            return Err(self.err(
                id_val.span(),
                "id",
                "an id is `area/group/name`: letters, digits, '-', '_', '.', segments joined by '/'",
            ));
        }
        let summary = match root.get("summary") {
            Some(v) => self.string("summary", v)?,
            None => {
                return Err(required(
                    "summary",
                    "add `summary = \"what the check asserts\"` at the top",
                ))
            }
        };
        let tags = match root.get("tags") {
            Some(v) => self.strings("tags", v)?.into_iter().map(|(s, _)| s).collect(),
            None => Vec::new(),
        };
        let min_api = match root.get("min_api") {
            Some(v) => {
                let s = self.string("min_api", v)?;
                Some(
                    ApiVersion::from_str(&s)
                        .map_err(|e| self.err(v.span(), "min_api", format!("{e}; write e.g. \"1.41\"")))?,
                )
            }
            None => None,
        };
        let mut needs = Vec::new();
        if let Some(v) = root.get("needs") {
            for (n, span) in self.strings("needs", v)? {
                match NEEDS.iter().find(|(name, _)| *name == n) {
                    Some((_, need)) => needs.push(*need),
                    None => return Err(self.unknown(span, "needs", &n, NEEDS.iter().map(|(n, _)| *n))),
                }
            }
        }
        let mut reference = Vec::new();
        if let Some(v) = root.get("reference") {
            for (r, span) in self.strings("reference", v)? {
                if !OPERATIONS.iter().any(|o| o.id == r) {
                    return Err(self.unknown(span, "reference", &r, OPERATIONS.iter().map(|o| o.id)));
                }
                reference.push(r);
            }
        }
        let mut knobs = BTreeMap::new();
        if let Some(v) = root.get("knobs") {
            for (k, kv) in self.entries(self.table("knobs", v)?) {
                knobs.insert(k.get_ref().to_string(), self.json(k.get_ref(), kv)?);
            }
        }
        let mut variants = Vec::new();
        let mut variant_keys: Option<(BTreeSet<String>, String)> = None;
        if let Some(v) = root.get("variants") {
            for (name, vv) in self.entries(self.table("variants", v)?) {
                let n = name.get_ref().to_string();
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                    return Err(self.err(
                        name.span(),
                        "variants",
                        "a variant's name is letters, digits, '-', '_', '.'",
                    ));
                }
                let mut values = BTreeMap::new();
                for (k, kv) in self.entries(self.table(&n, vv)?) {
                    values.insert(k.get_ref().to_string(), self.json(k.get_ref(), kv)?);
                }
                let keys: BTreeSet<String> = values.keys().cloned().collect();
                match &variant_keys {
                    None => variant_keys = Some((keys, n.clone())),
                    Some((first, first_name)) if *first != keys => {
                        return Err(self.err(
                            name.span(),
                            "variants",
                            format!(
                                "every variant sets the same keys: `{first_name}` sets {}, `{n}` sets {}",
                                list(first),
                                list(&keys)
                            ),
                        ))
                    }
                    Some(_) => {}
                }
                variants.push((n, values));
            }
        }
        let mut defined: BTreeSet<String> = BUILTINS.iter().map(|(n, _)| n.to_string()).collect();
        defined.extend(knobs.keys().cloned());
        if let Some((keys, _)) = &variant_keys {
            defined.extend(keys.iter().cloned());
        }
        let step_vals: Vec<&Val<'_>> = match root.get("step") {
            Some(v) => match v.get_ref() {
                DeValue::Array(a) if !a.is_empty() => a.iter().collect(),
                _ => return Err(self.file.wrong_type("step", v, "a list of [[step]] tables")),
            },
            None => return Err(required("step", "add at least one [[step]] table with `call` or `run`")),
        };
        let mut steps = Vec::new();
        for (i, sv) in step_vals.into_iter().enumerate() {
            steps.push(self.step(i + 1, sv, &mut defined)?);
        }
        if steps
            .iter()
            .any(|s| matches!(&s.action, Action::Command(c) if c.argv.first().is_some_and(|a| a == "docker")))
            && !needs.contains(&Need::DockerCli)
        {
            needs.push(Need::DockerCli);
        }
        Ok(StepFile {
            path: self.file.path().display().to_string(),
            id,
            summary,
            tags,
            min_api,
            needs,
            reference,
            knobs,
            variants,
            steps,
            uses_tmp: false,
        })
    }

    fn unknown<'c>(
        &self,
        span: Range<usize>,
        key: &str,
        got: &str,
        valid: impl Iterator<Item = &'c str> + Clone,
    ) -> FileError {
        let near = closest(got, valid.clone(), 1);
        let mut m = format!("unknown value {got:?}");
        if let Some(n) = near.first() {
            m.push_str(&format!("; did you mean {n:?}?"));
        }
        let all: Vec<&str> = valid.collect();
        if all.len() <= 12 {
            m.push_str(&format!(" valid: {}", all.join(", ")));
        }
        self.err(span, key, m)
    }

    /// Every variable in every string of `v` must be defined.
    fn vars(&self, key: &str, v: &Val<'_>, defined: &BTreeSet<String>) -> Result<(), FileError> {
        match v.get_ref() {
            DeValue::String(s) => self.vars_in(key, s, v.span(), defined),
            DeValue::Array(items) => items.iter().try_for_each(|i| self.vars(key, i, defined)),
            DeValue::Table(t) => t.iter().try_for_each(|(k, v)| {
                self.vars_in(key, k.get_ref(), k.span(), defined)?;
                self.vars(key, v, defined)
            }),
            _ => Ok(()),
        }
    }

    fn vars_in(&self, key: &str, s: &str, span: Range<usize>, defined: &BTreeSet<String>) -> Result<(), FileError> {
        for r in refs(s) {
            if !defined.contains(r.name) {
                let mut m = format!("undefined variable `{{{}}}`", r.name);
                if let Some(n) = closest(r.name, defined.iter().map(String::as_str), 1).first() {
                    m.push_str(&format!("; did you mean `{{{n}}}`?"));
                }
                m.push_str(&format!(
                    " defined here: {} (built-in ones, knobs, variant keys, and captures of earlier steps)",
                    defined
                        .iter()
                        .map(|d| format!("{{{d}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                return Err(self.err(span, key, m));
            }
        }
        Ok(())
    }

    fn step(&self, index: usize, v: &Val<'_>, defined: &mut BTreeSet<String>) -> Result<Step, FileError> {
        let t = self.table("step", v)?;
        self.file.check_keys(t, STEP_KEYS)?;
        for (k, kv) in t.iter() {
            if !matches!(k.get_ref().as_ref(), "expect" | "capture" | "cleanup") {
                self.vars(k.get_ref(), kv, defined)?;
            }
        }
        let is_api = match (t.get_key_value("call"), t.get_key_value("run")) {
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((_, a)), Some(_)) => {
                return Err(self.err(
                    a.span(),
                    "call",
                    "a step is either an API call (`call`) or a command (`run`), not both",
                ))
            }
            (None, None) => {
                return Err(self.file.error(
                    v.span(),
                    FileErrorKind::Missing {
                        what: format!("`call` or `run` in step {index}"),
                        hint: "add `call = \"METHOD /path\"` or `run = [\"docker\", ...]`".into(),
                    },
                ))
            }
        };
        let (wrong, which) = if is_api {
            (COMMAND_ONLY, "a command (`run`)")
        } else {
            (API_ONLY, "an API call (`call`)")
        };
        if let Some((k, _)) = self
            .entries(t)
            .into_iter()
            .find(|(k, _)| wrong.contains(&k.get_ref().as_ref()))
        {
            return Err(self.err(k.span(), k.get_ref(), format!("only {which} takes `{}`", k.get_ref())));
        }
        let action = if is_api { self.api(t)? } else { self.command(t)? };
        let expect = match t.get("expect") {
            Some(ev) => {
                self.vars("expect", ev, defined)?;
                self.expect(ev, is_api)?
            }
            None => Vec::new(),
        };
        let mut capture = Vec::new();
        if let Some(cv) = t.get("capture") {
            for (k, kv) in self.entries(self.table("capture", cv)?) {
                let name = k.get_ref().to_string();
                let from = self.string(&name, kv)?;
                let c = match (is_api, from.as_str()) {
                    (true, p) if p.is_empty() || p.starts_with('/') => Capture::Pointer(p.to_string()),
                    (true, _) => {
                        return Err(self.err(kv.span(), &name, "capture a JSON pointer of the reply, e.g. \"/Id\""))
                    }
                    (false, "stdout") => Capture::Stdout,
                    (false, "stderr") => Capture::Stderr,
                    (false, _) => {
                        return Err(self.err(kv.span(), &name, "capture \"stdout\" or \"stderr\" of a command"))
                    }
                };
                if BUILTINS.iter().any(|(b, _)| *b == name) {
                    return Err(self.err(
                        k.span(),
                        &name,
                        format!("`{name}` is a built-in variable; capture into another name"),
                    ));
                }
                capture.push((name, c));
            }
        }
        for (name, _) in &capture {
            defined.insert(name.clone());
        }
        let mut cleanup = Vec::new();
        if let Some(cv) = t.get("cleanup") {
            let items: Vec<(String, Range<usize>)> = match cv.get_ref() {
                DeValue::Array(_) => self.strings("cleanup", cv)?,
                _ => vec![(self.string("cleanup", cv)?, cv.span())],
            };
            for (text, span) in items {
                self.vars_in("cleanup", &text, span.clone(), defined)?;
                let (kind, target) = text.split_once(' ').unwrap_or((text.as_str(), ""));
                let kind = match kind {
                    "container" => CleanupKind::Container,
                    "volume" => CleanupKind::Volume,
                    "network" => CleanupKind::Network,
                    "image" => CleanupKind::Image,
                    other => return Err(self.unknown(span, "cleanup", other, CLEANUP_KINDS.iter().copied())),
                };
                if target.trim().is_empty() {
                    return Err(self.err(span, "cleanup", "write `KIND NAME`, e.g. \"container {id}\""));
                }
                cleanup.push(CleanupSpec {
                    kind,
                    target: target.trim().to_string(),
                });
            }
        }
        let until = match t.get("until") {
            Some(u) => Some(Until {
                within: self.duration("until", u)?,
                every: match t.get("every") {
                    Some(e) => self.duration("every", e)?,
                    None => Duration::from_millis(200),
                },
            }),
            None => {
                if let Some((k, _)) = t.get_key_value("every") {
                    return Err(self.err(
                        k.span(),
                        "every",
                        "`every` is the interval of an `until`; add `until = \"10s\"`",
                    ));
                }
                None
            }
        };
        let timeout = t.get("timeout").map(|v| self.duration("timeout", v)).transpose()?;
        Ok(Step {
            index,
            line: self.line(&v.span()),
            action,
            expect,
            capture,
            cleanup,
            until,
            timeout,
        })
    }

    fn api(&self, t: &DeTable<'_>) -> Result<Action, FileError> {
        let cv = &t["call"];
        let call = self.string("call", cv)?;
        let Some((method, path)) = call.split_once(' ') else {
            return Err(self.err(
                cv.span(),
                "call",
                "write `METHOD /path`, e.g. \"POST /containers/create\"",
            ));
        };
        if !METHODS.contains(&method) {
            return Err(self.unknown(cv.span(), "call", method, METHODS.iter().copied()));
        }
        let path = path.trim();
        if !path.starts_with('/') {
            return Err(self.err(
                cv.span(),
                "call",
                "the path starts with '/', without the /v1.xx prefix (dockhand adds the negotiated version)",
            ));
        }
        let (path, inline_query) = match path.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path, ""),
        };
        let mut query: Vec<(String, Value)> = inline_query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), Value::String(v.to_string())),
                None => (kv.to_string(), Value::String(String::new())),
            })
            .collect();
        if let Some(q) = t.get("query") {
            for (k, v) in self.entries(self.table("query", q)?) {
                query.push((k.get_ref().to_string(), self.json(k.get_ref(), v)?));
            }
        }
        let mut headers = Vec::new();
        if let Some(h) = t.get("headers") {
            for (k, v) in self.entries(self.table("headers", h)?) {
                headers.push((k.get_ref().to_string(), self.string(k.get_ref(), v)?));
            }
        }
        let body = match (t.get("body"), t.get("tar")) {
            (Some(_), Some(tv)) => {
                return Err(self.err(tv.span(), "tar", "a step sends a JSON `body` or a `tar`, not both"))
            }
            (Some(b), None) => Body::Json(self.json("body", b)?),
            (None, Some(tv)) => {
                let mut files = Vec::new();
                for (k, v) in self.entries(self.table("tar", tv)?) {
                    files.push((k.get_ref().to_string(), self.string(k.get_ref(), v)?));
                }
                Body::Tar(files)
            }
            (None, None) => Body::None,
        };
        let upgrade = match t.get("upgrade") {
            Some(u) => match u.get_ref() {
                DeValue::Boolean(b) => *b,
                _ => return Err(self.file.wrong_type("upgrade", u, "true or false")),
            },
            None => false,
        };
        let stdin = t.get("stdin").map(|s| self.string("stdin", s)).transpose()?;
        if stdin.is_some() && !upgrade {
            return Err(self.err(
                t["stdin"].span(),
                "stdin",
                "an API call writes `stdin` only on a hijacked connection: add `upgrade = true`",
            ));
        }
        Ok(Action::Api(ApiCall {
            method: Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET),
            path: path.to_string(),
            query,
            headers,
            body,
            upgrade,
            stdin,
        }))
    }

    fn command(&self, t: &DeTable<'_>) -> Result<Action, FileError> {
        let rv = &t["run"];
        let argv: Vec<String> = self.strings("run", rv)?.into_iter().map(|(s, _)| s).collect();
        if argv.is_empty() {
            return Err(self.err(
                rv.span(),
                "run",
                "give the program and its arguments, e.g. [\"docker\", \"ps\"]",
            ));
        }
        let stdin = t.get("stdin").map(|s| self.string("stdin", s)).transpose()?;
        let mut env = Vec::new();
        if let Some(e) = t.get("env") {
            for (k, v) in self.entries(self.table("env", e)?) {
                env.push((k.get_ref().to_string(), self.string(k.get_ref(), v)?));
            }
        }
        Ok(Action::Command(Command { argv, stdin, env }))
    }

    fn expect(&self, v: &Val<'_>, is_api: bool) -> Result<Vec<Expectation>, FileError> {
        let t = self.table("expect", v)?;
        self.file.check_keys(t, EXPECT_KEYS)?;
        let mut out = Vec::new();
        for (k, kv) in self.entries(t) {
            let key = k.get_ref().as_ref();
            let (wrong, which) = if is_api {
                (COMMAND_EXPECT, "a command (`run`)")
            } else {
                (API_EXPECT, "an API call (`call`)")
            };
            if wrong.contains(&key) {
                return Err(self.err(k.span(), key, format!("only {which} can expect `{key}`")));
            }
            let line = self.line(&k.span());
            let mut push = |kind| out.push(Expectation { line, kind });
            match key {
                "status" => {
                    let statuses = match kv.get_ref() {
                        DeValue::Array(items) => items.iter().map(|i| self.status(i)).collect::<Result<_, _>>()?,
                        _ => vec![self.status(kv)?],
                    };
                    push(ExpectKind::Status(statuses));
                }
                "exit" => push(ExpectKind::Exit(self.int("exit", kv)? as i32)),
                "stdout" => push(ExpectKind::Stdout(self.text_match("stdout", kv)?)),
                "stderr" => push(ExpectKind::Stderr(self.text_match("stderr", kv)?)),
                "body" => push(ExpectKind::Body(self.text_match("body", kv)?)),
                "headers" => {
                    for (h, hv) in self.entries(self.table("headers", kv)?) {
                        push(ExpectKind::Header(
                            h.get_ref().to_string(),
                            self.text_match(h.get_ref(), hv)?,
                        ));
                    }
                }
                "json" => {
                    for (p, pv) in self.entries(self.table("json", kv)?) {
                        push(ExpectKind::Json(self.pointer(p)?, self.value_match(p.get_ref(), pv)?));
                    }
                }
                "frames" => {
                    for (s, sv) in self.entries(self.table("frames", kv)?) {
                        let stream = match s.get_ref().as_ref() {
                            "stdout" => StreamKind::Stdout,
                            "stderr" => StreamKind::Stderr,
                            other => {
                                return Err(self.unknown(s.span(), "frames", other, ["stdout", "stderr"].into_iter()))
                            }
                        };
                        push(ExpectKind::Frames(stream, self.text_match(s.get_ref(), sv)?));
                    }
                }
                "events" => {
                    let DeValue::Array(items) = kv.get_ref() else {
                        return Err(self.file.wrong_type("events", kv, "a list of tables of JSON pointers"));
                    };
                    let mut events = Vec::new();
                    for item in items {
                        let mut one = Vec::new();
                        for (p, pv) in self.entries(self.table("events", item)?) {
                            one.push((self.pointer(p)?, self.value_match(p.get_ref(), pv)?));
                        }
                        events.push(one);
                    }
                    push(ExpectKind::Events(events));
                }
                _ => unreachable!("check_keys let only expect keys through"),
            }
        }
        Ok(out)
    }

    fn int(&self, key: &str, v: &Val<'_>) -> Result<i64, FileError> {
        match v.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| self.err(v.span(), key, "too large"))
            }
            _ => Err(self.file.wrong_type(key, v, "an integer")),
        }
    }

    fn status(&self, v: &Val<'_>) -> Result<u16, FileError> {
        let n = self.int("status", v)?;
        if (100..=599).contains(&n) {
            Ok(n as u16)
        } else {
            Err(self.err(v.span(), "status", "a status is 100 to 599"))
        }
    }

    fn pointer(&self, p: &Spanned<std::borrow::Cow<'_, str>>) -> Result<String, FileError> {
        let s = p.get_ref();
        if s.is_empty() || s.starts_with('/') {
            Ok(s.to_string())
        } else {
            Err(self.err(
                p.span(),
                s,
                "a JSON pointer starts with '/' (RFC 6901), e.g. \"/State/Running\"",
            ))
        }
    }

    fn regex_ok(&self, key: &str, v: &Val<'_>, re: &str) -> Result<(), FileError> {
        if !self.compile_regexes {
            return Ok(());
        }
        // Variables are checked apart; here each stands for a literal.
        let mut text = String::new();
        let mut last = 0;
        for r in refs(re) {
            text.push_str(&re[last..r.start]);
            text.push('x');
            last = r.end;
        }
        text.push_str(&re[last..]);
        regex::Regex::new(&text)
            .map(|_| ())
            .map_err(|e| self.err(v.span(), key, format!("not a valid regex: {e}")))
    }

    fn text_match(&self, key: &str, v: &Val<'_>) -> Result<TextMatch, FileError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(TextMatch(vec![TextCheck::Equals(s.to_string())])),
            DeValue::Table(t) => {
                self.file.check_keys(t, TEXT_KEYS)?;
                let mut checks = Vec::new();
                for (k, kv) in self.entries(t) {
                    checks.push(match k.get_ref().as_ref() {
                        "equals" => TextCheck::Equals(self.string("equals", kv)?),
                        "contains" => TextCheck::Contains(self.string("contains", kv)?),
                        "matches" => {
                            let re = self.string("matches", kv)?;
                            self.regex_ok("matches", kv, &re)?;
                            TextCheck::Matches(re)
                        }
                        _ => TextCheck::Lines(self.strings("lines", kv)?.into_iter().map(|(s, _)| s).collect()),
                    });
                }
                if checks.is_empty() {
                    return Err(self.err(
                        v.span(),
                        key,
                        format!("an empty matcher; use one of {}", TEXT_KEYS.join(", ")),
                    ));
                }
                Ok(TextMatch(checks))
            }
            _ => Err(self.file.wrong_type(
                key,
                v,
                "a string or a table of matchers (equals, matches, contains, lines)",
            )),
        }
    }

    fn value_match(&self, key: &str, v: &Val<'_>) -> Result<ValueMatch, FileError> {
        let DeValue::Table(t) = v.get_ref() else {
            return Ok(ValueMatch(vec![ValueCheck::Equals(self.json(key, v)?)]));
        };
        self.file.check_keys(t, VALUE_KEYS)?;
        let mut checks = Vec::new();
        for (k, kv) in self.entries(t) {
            checks.push(match k.get_ref().as_ref() {
                "equals" => ValueCheck::Equals(self.json(key, kv)?),
                "contains" => ValueCheck::Contains(self.json(key, kv)?),
                "matches" => {
                    let re = self.string("matches", kv)?;
                    self.regex_ok("matches", kv, &re)?;
                    ValueCheck::Matches(re)
                }
                "type" => {
                    let ty = self.string("type", kv)?;
                    if !TYPES.contains(&ty.as_str()) {
                        return Err(self.unknown(kv.span(), "type", &ty, TYPES.iter().copied()));
                    }
                    ValueCheck::Type(ty)
                }
                "length" => {
                    let n = self.int("length", kv)?;
                    ValueCheck::Length(
                        usize::try_from(n).map_err(|_| self.err(kv.span(), "length", "a length is 0 or more"))?,
                    )
                }
                _ => match kv.get_ref() {
                    DeValue::Boolean(b) => ValueCheck::Absent(*b),
                    _ => return Err(self.file.wrong_type("absent", kv, "true or false")),
                },
            });
        }
        if checks.is_empty() {
            return Err(self.err(
                v.span(),
                key,
                format!(
                    "an empty matcher; to expect an empty object write `{{ equals = {{}} }}`; matchers: {}",
                    VALUE_KEYS.join(", ")
                ),
            ));
        }
        Ok(ValueMatch(checks))
    }
}

fn list(keys: &BTreeSet<String>) -> String {
    if keys.is_empty() {
        "nothing".into()
    } else {
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id = \"site/x/y\"\nsummary = \"s\"\n";

    /// The error's text for a file of `HEAD` then `body`.
    fn error(body: &str) -> String {
        parse("f.toml", &format!("{HEAD}{body}")).unwrap_err().to_string()
    }

    fn at(line: usize, column: usize) -> String {
        format!("f.toml line {line}, column {column}")
    }

    #[test]
    fn a_good_file_reads_with_its_lines() {
        let f = parse(
            "f.toml",
            &format!(
                "{HEAD}tags = [\"a\"]\n\n[[step]]\ncall = \"POST /containers/create?name=x\"\nbody = {{ Image = \"{{probe}}\" }}\ncapture.id = \"/Id\"\ncleanup = \"container {{id}}\"\n\n[[step]]\nrun = [\"docker\", \"rm\", \"{{id}}\"]\nexpect.exit = 0\n"
            ),
        )
        .unwrap();
        assert_eq!(f.steps.len(), 2);
        assert_eq!((f.steps[0].line, f.steps[1].line), (5, 11));
        assert_eq!(f.steps[1].expect[0].line, 13);
        assert_eq!(f.needs, [Need::DockerCli], "a docker step needs the CLI");
        let Action::Api(a) = &f.steps[0].action else { panic!() };
        assert_eq!((a.path.as_str(), a.query.len()), ("/containers/create", 1));
    }

    #[test]
    fn invalid_toml_names_its_position() {
        let e = error("tags = [\"a\"\n");
        assert!(e.starts_with(&format!("invalid TOML in {}", at(3, 12))), "{e}");
    }

    #[test]
    fn unknown_keys_name_their_position_and_the_closest_key() {
        let e = error("sumary = \"t\"\n");
        assert!(
            e.starts_with(&format!(
                "unknown key `sumary` in {}; did you mean `summary`?",
                at(3, 1)
            )),
            "{e}"
        );
        let e = error("[[step]]\ncall = \"GET /info\"\nexpct.status = 200\n");
        assert!(
            e.starts_with(&format!("unknown key `expct` in {}; did you mean `expect`?", at(5, 1))),
            "{e}"
        );
        let e = error("[[step]]\ncall = \"GET /info\"\nexpect.stauts = 200\n");
        assert!(
            e.starts_with(&format!("unknown key `stauts` in {}; did you mean `status`?", at(5, 8))),
            "{e}"
        );
        let e = error("[[step]]\ncall = \"GET /info\"\nexpect.json = { \"/X\" = { maches = \"a\" } }\n");
        assert!(
            e.contains(&format!("`maches` in {}; did you mean `matches`?", at(5, 26))),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_name_their_position() {
        let e = error("tags = \"cli\"\n");
        assert_eq!(
            e,
            format!("`tags` in {} must be a list of strings, not a string", at(3, 8))
        );
        let e = error("[[step]]\ncall = \"GET /info\"\nexpect.status = \"200\"\n");
        assert_eq!(e, format!("`status` in {} must be an integer, not a string", at(5, 17)));
        let e = error("[[step]]\nrun = \"docker ps\"\n");
        assert_eq!(
            e,
            format!("`run` in {} must be a list of strings, not a string", at(4, 7))
        );
    }

    #[test]
    fn undefined_variables_name_their_position_and_the_closest_one() {
        let e = error("[[step]]\ncall = \"POST /containers/create\"\ncapture.id = \"/Id\"\n\n[[step]]\ncall = \"POST /containers/{idd}/start\"\n");
        assert!(
            e.starts_with(&format!(
                "invalid `call` in {}: undefined variable `{{idd}}`; did you mean `{{id}}`?",
                at(8, 8)
            )),
            "{e}"
        );
        // A capture is defined for the steps after it, not before.
        let e = error(
            "[[step]]\nrun = [\"echo\", \"{later}\"]\n\n[[step]]\nrun = [\"echo\"]\ncapture.later = \"stdout\"\n",
        );
        assert!(
            e.starts_with(&format!(
                "invalid `run` in {}: undefined variable `{{later}}`",
                at(4, 16)
            )),
            "{e}"
        );
        let e = error("[[step]]\nrun = [\"true\"]\nexpect.stdout = \"{nope}\"\n");
        assert!(
            e.starts_with(&format!(
                "invalid `expect` in {}: undefined variable `{{nope}}`",
                at(5, 17)
            )),
            "{e}"
        );
    }

    #[test]
    fn bad_values_name_their_position() {
        let e = error("[[step]]\ncall = \"FETCH /info\"\n");
        assert!(
            e.starts_with(&format!("invalid `call` in {}: unknown value \"FETCH\"", at(4, 8))),
            "{e}"
        );
        let e = error("[[step]]\ncall = \"GET /info\"\nrun = [\"true\"]\n");
        assert!(e.contains("either an API call (`call`) or a command (`run`)"), "{e}");
        let e = error("[[step]]\nrun = [\"true\"]\nexpect.status = 200\n");
        assert_eq!(
            e,
            format!(
                "invalid `status` in {}: only an API call (`call`) can expect `status`",
                at(5, 8)
            )
        );
        let e = error("[[step]]\nrun = [\"true\"]\nexpect.stdout = { matches = \"(\" }\n");
        assert!(
            e.starts_with(&format!("invalid `matches` in {}: not a valid regex", at(5, 29))),
            "{e}"
        );
        let e = error("needs = [\"docker-cl\"]\n[[step]]\nrun = [\"true\"]\n");
        assert!(e.contains("did you mean \"docker-cli\"?"), "{e}");
        let e = error("[[step]]\nrun = [\"true\"]\ncleanup = \"contianer x\"\n");
        assert!(e.contains("did you mean \"container\"?"), "{e}");
    }

    #[test]
    fn a_file_without_steps_or_id_says_what_to_add() {
        let e = parse("f.toml", "summary = \"s\"\n").unwrap_err().to_string();
        assert!(e.contains("missing `id`"), "{e}");
        let e = parse("f.toml", HEAD).unwrap_err().to_string();
        assert!(e.contains("missing `step`"), "{e}");
    }

    #[test]
    fn every_embedded_file_parses() {
        for (path, text) in crate::CLI_FILES {
            let f = parse(path, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(f.id.starts_with("cli/"), "{path}: {}", f.id);
            assert!(f.needs.contains(&Need::DockerCli), "{path}");
        }
        assert!(crate::CLI_FILES.len() >= 25);
    }
}
