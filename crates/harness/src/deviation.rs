//! Pinned deviations: [`Deviation`] is what a known-failures entry excuses,
//! read from its `[known-failure.deviation]` table: the call (an operation id
//! of the v1.41 reference, or a method and a path pattern) and the status
//! (optionally with a regex on the message) or the field and value the engine
//! gives instead of what the reference says. It is matched against the
//! [`Observed`] facts of a failure.
//!
//! A known failure is only as good as its pin: a listed case that fails in
//! any way but the pinned one is a failure (see [`crate::known::Listed::judge`]),
//! so the list cannot hide a new regression of a listed case.
//!
//! ```toml
//! [known-failure.deviation]
//! call = "PutContainerArchive"           # or "PUT /containers/*/archive"
//! status = 500                           # what the engine answers instead
//! message = "rootfs is marked read-only" # regex searched in its message (optional)
//! # or, for a field of the reply:
//! # field = "/Warnings"                  # a JSON pointer (RFC 6901)
//! # value = "null"                       # the value seen, written as JSON
//! ```
//!
//! A multiplexed stream that holds bytes no frame header can be is pinned by
//! a regex searched in the decoder's description of the first malformed
//! header: `framing = "at byte 0 has stream type 10"`.
//!
//! A command a step file runs is pinned by its program and first words and
//! what it does instead: its exit code, and regexes searched in its output.
//!
//! ```toml
//! [known-failure.deviation]
//! call = "docker top"                    # the command line starts with these words
//! exit = 1                               # optional, as are:
//! stderr = "EOF"                         # a regex searched in its stderr
//! # stdout = "localhost/"                # a regex searched in its stdout
//! ```

use std::fmt;
use std::ops::Range;

use regex::Regex;
use serde_json::Value;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::config::{FileError, FileErrorKind, TomlFile};
use crate::observed::{Fact, Observed};
use crate::operations::{self, Operation, OPERATIONS};
use crate::pattern::closest;

/// The keys of a `[known-failure.deviation]` table.
pub const DEVIATION_KEYS: &[&str] = &[
    "call", "status", "message", "field", "header", "value", "exit", "stdout", "stderr", "framing",
];

/// What to write for a deviation, for messages about a missing or incomplete one.
pub const DEVIATION_EXAMPLE: &str =
    "[known-failure.deviation] with `call = \"<operation id, e.g. PutContainerArchive, or METHOD /path/*>\"` \
     and either `status = <the status the engine answers>` (optionally `message = \"<regex on its message>\"`) \
     or `field = \"/json/pointer\"` and `value = \"<the value it sends, as JSON>\"`";

/// The call a deviation is about: an operation of the reference, or a method
/// and a path pattern.
#[derive(Debug, Clone)]
pub struct CallPattern {
    /// As written in the file.
    text: String,
    method: String,
    /// The unversioned path, anchored.
    path: Regex,
    operation: Option<&'static Operation>,
}

impl CallPattern {
    /// Whether a call (path as sent: versioned, with a query) is this one.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        method.eq_ignore_ascii_case(&self.method) && self.path.is_match(unversioned(path))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for CallPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operation {
            Some(op) => write!(f, "{} ({} {})", op.id, op.method, op.path),
            None => f.write_str(&self.text),
        }
    }
}

/// The path without its query and `/v1.xx` prefix.
fn unversioned(path: &str) -> &str {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    if let Some(rest) = path.strip_prefix("/v") {
        let end = rest.find('/').unwrap_or(rest.len());
        let version = &rest[..end];
        if version.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }) {
            return &rest[end..];
        }
    }
    path
}

/// A path pattern or template as an anchored regex: `*` and `{param}` match
/// one segment, `**` and `{name}` (image and plugin names hold slashes) one or more.
fn path_regex(pattern: &str) -> Regex {
    let mut re = String::from("^");
    for seg in pattern.split('/').skip(1) {
        re.push('/');
        re.push_str(match seg {
            "**" | "{name}" => ".+",
            "*" => "[^/]+",
            s if s.starts_with('{') && s.ends_with('}') => "[^/]+",
            s => {
                re.push_str(&regex::escape(s));
                continue;
            }
        });
    }
    re.push('$');
    Regex::new(&re).expect("an escaped path is a valid regex")
}

/// What the engine does instead of what the reference says.
#[derive(Debug, Clone)]
pub enum Seen {
    Status {
        status: u16,
        message: Option<Regex>,
    },
    Field {
        pointer: String,
        value: Value,
    },
    /// A header's value, `None` for a header the reply lacks.
    Header {
        name: String,
        value: Option<String>,
    },
    /// A malformed frame of a multiplexed stream: a regex searched in the
    /// decoder's description of it.
    Framing {
        error: Regex,
    },
    /// A command's exit code and output (each pinned part must hold).
    Command {
        exit: Option<i32>,
        stdout: Option<Regex>,
        stderr: Option<Regex>,
    },
}

/// A pinned deviation: the call, and what the engine does instead.
#[derive(Debug, Clone)]
pub struct Deviation {
    pub call: CallPattern,
    pub seen: Seen,
}

impl PartialEq for Deviation {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Deviation {}

impl Deviation {
    /// Whether a failure saw exactly this deviation.
    pub fn matches(&self, o: &Observed) -> bool {
        if !self.call.matches(&o.method, &o.path) {
            return false;
        }
        match (&self.seen, &o.fact) {
            (Seen::Status { status, message }, Fact::Status { status: s, message: m }) => {
                status == s && message.as_ref().is_none_or(|re| re.is_match(m))
            }
            (Seen::Field { pointer, value }, Fact::Field { pointer: p, value: v }) => pointer == p && value == v,
            (Seen::Header { name, value }, Fact::Header { name: n, value: v }) => {
                name.eq_ignore_ascii_case(n) && value == v
            }
            (Seen::Framing { error }, Fact::Framing { error: e }) => error.is_match(e),
            (
                Seen::Command { exit, stdout, stderr },
                Fact::Command {
                    exit: e,
                    stdout: out,
                    stderr: err,
                },
            ) => {
                exit.is_none_or(|x| x == *e)
                    && stdout.as_ref().is_none_or(|re| re.is_match(out))
                    && stderr.as_ref().is_none_or(|re| re.is_match(err))
            }
            _ => false,
        }
    }
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.call)?;
        match &self.seen {
            Seen::Status { status, message: None } => write!(f, " answering {status}"),
            Seen::Status {
                status,
                message: Some(re),
            } => write!(f, " answering {status} with a message matching /{}/", re.as_str()),
            Seen::Field { pointer, value } => write!(f, " replying {pointer} = {value}"),
            Seen::Header { name, value: None } => write!(f, " replying without {name}"),
            Seen::Header { name, value: Some(v) } => write!(f, " replying {name}: {v:?}"),
            Seen::Framing { error } => write!(f, " streaming a malformed frame matching /{}/", error.as_str()),
            Seen::Command { exit, stdout, stderr } => {
                match exit {
                    Some(e) => write!(f, " exiting {e}")?,
                    None => write!(f, " exiting")?,
                }
                if let Some(re) = stdout {
                    write!(f, " with stdout matching /{}/", re.as_str())?;
                }
                if let Some(re) = stderr {
                    write!(f, " with stderr matching /{}/", re.as_str())?;
                }
                Ok(())
            }
        }
    }
}

/// Reads a `[known-failure.deviation]` table, `value` being its spanned form.
pub fn parse(file: &TomlFile, value: &Spanned<DeValue<'_>>) -> Result<Deviation, FileError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(file.wrong_type("deviation", value, "a [known-failure.deviation] table"));
    };
    file.check_keys(table, DEVIATION_KEYS)?;
    let at = value.span();
    let missing = |what: &str, hint: &str| {
        file.error(
            at.clone(),
            FileErrorKind::Missing {
                what: what.to_string(),
                hint: hint.to_string(),
            },
        )
    };
    let Some((call, call_span)) = file.get_str(table, "call")? else {
        return Err(missing(
            "`call` of the deviation",
            "add `call = \"<operation id, e.g. PutContainerArchive, or METHOD /path/*>\"`: the request whose reply deviates",
        ));
    };
    let call = call_pattern(file, call, call_span)?;
    if call.method == crate::observed::RUN {
        return command_pin(file, table, at.clone()).map(|seen| Deviation { call, seen });
    }
    if let Some((k, v)) = ["exit", "stdout", "stderr"]
        .into_iter()
        .find_map(|k| table.get(k).map(|v| (k, v)))
    {
        return Err(file.bad_value(
            k,
            v,
            "`exit`, `stdout` and `stderr` pin a command (`call = \"docker SUBCOMMAND\"`), not an API call",
        ));
    }
    let pins: Vec<&str> = ["status", "field", "header", "framing"]
        .into_iter()
        .filter(|k| table.get(*k).is_some())
        .collect();
    let seen = match pins.as_slice() {
        [] => {
            return Err(missing(
                "what the engine does instead",
                "add `status = <the status it answers>` (and optionally `message = \"<regex>\"`), \
                 or `field = \"/json/pointer\"` and `value = \"<the value it sends, as JSON>\"`, \
                 or `header = \"<name>\"` and `value = \"<its value as JSON, null when absent>\"`",
            ))
        }
        ["status"] => status_pin(file, table, table.get("status").expect("seen"))?,
        ["field"] => field_pin(file, table, at.clone())?,
        ["header"] => header_pin(file, table, at.clone())?,
        ["framing"] => framing_pin(file, table)?,
        [_, second, ..] | [second] => {
            return Err(file.bad_value(
                second,
                table.get(*second).expect("seen"),
                "a deviation is one of a status, a field or a header; pin the one the check reports (its failure message shows which)",
            ))
        }
    };
    Ok(Deviation { call, seen })
}

fn call_pattern(file: &TomlFile, call: &str, span: Range<usize>) -> Result<CallPattern, FileError> {
    let bad = |message: String| {
        file.error(
            span.clone(),
            FileErrorKind::BadValue {
                key: "call".into(),
                message,
            },
        )
    };
    match call.split_once(' ') {
        Some(("docker", words)) => {
            let words: Vec<&str> = words.split_whitespace().collect();
            if words.is_empty() {
                return Err(bad("write the subcommand after `docker`, e.g. `docker top`".into()));
            }
            let re = format!("^docker {}(\\s.*)?$", regex::escape(&words.join(" ")));
            Ok(CallPattern {
                text: call.to_string(),
                method: crate::observed::RUN.to_string(),
                path: Regex::new(&re).expect("an escaped command line is a valid regex"),
                operation: None,
            })
        }
        None => {
            let Some(op) = operations::find(call) else {
                let near = closest(call, OPERATIONS.iter().map(|o| o.id), 1);
                let hint = match near.first() {
                    Some(n) => format!("did you mean `{n}`? "),
                    None => String::new(),
                };
                return Err(bad(format!(
                    "no operation `{call}` in the v1.41 reference; {hint}write an operation id (`dockhand coverage` lists them) or a method and path such as `PUT /containers/*/archive`"
                )));
            };
            Ok(CallPattern {
                text: call.to_string(),
                method: op.method.to_string(),
                path: path_regex(op.path),
                operation: Some(op),
            })
        }
        Some((method, path)) => {
            let path = path.trim();
            if !["GET", "HEAD", "POST", "PUT", "DELETE"].contains(&method) {
                return Err(bad(format!(
                    "`{method}` is not a method the Engine API uses; write GET, HEAD, POST, PUT or DELETE, then the path, e.g. `PUT /containers/*/archive`"
                )));
            }
            if !path.starts_with('/') || path.contains(['?', ' ']) {
                return Err(bad(format!(
                    "`{path}` is not a path pattern; write it from its first slash, without a query, `*` for one segment and `**` for several, e.g. `PUT /containers/*/archive`"
                )));
            }
            Ok(CallPattern {
                text: call.to_string(),
                method: method.to_string(),
                path: path_regex(unversioned(path)),
                operation: None,
            })
        }
    }
}

/// `exit`, `stdout`, `stderr` of a command; at least one.
fn command_pin(file: &TomlFile, table: &DeTable<'_>, at: Range<usize>) -> Result<Seen, FileError> {
    if let Some((k, v)) = ["status", "message", "field", "header", "value", "framing"]
        .into_iter()
        .find_map(|k| table.get(k).map(|v| (k, v)))
    {
        return Err(file.bad_value(
            k,
            v,
            "a command is pinned by `exit`, `stdout` and `stderr`, not by what an API reply holds",
        ));
    }
    let exit = match table.get("exit") {
        None => None,
        Some(v) => match v.get_ref() {
            DeValue::Integer(i) => Some(
                i32::from_str_radix(i.as_str(), i.radix())
                    .map_err(|_| file.bad_value("exit", v, "an exit code is a small integer"))?,
            ),
            _ => return Err(file.wrong_type("exit", v, "an exit code, e.g. 1")),
        },
    };
    let regex = |key: &str| -> Result<Option<Regex>, FileError> {
        match file.get_str(table, key)? {
            None => Ok(None),
            Some((text, span)) => Regex::new(text).map(Some).map_err(|e| {
                file.error(
                    span,
                    FileErrorKind::BadValue {
                        key: key.into(),
                        message: format!(
                            "not a valid regex ({})",
                            e.to_string().lines().last().unwrap_or_default().trim()
                        ),
                    },
                )
            }),
        }
    };
    let (stdout, stderr) = (regex("stdout")?, regex("stderr")?);
    if exit.is_none() && stdout.is_none() && stderr.is_none() {
        return Err(file.error(
            at,
            FileErrorKind::Missing {
                what: "what the command does instead".into(),
                hint: "add `exit = <its exit code>` and/or `stdout`/`stderr = \"<regex on its output>\"`".into(),
            },
        ));
    }
    Ok(Seen::Command { exit, stdout, stderr })
}

fn status_pin(file: &TomlFile, table: &DeTable<'_>, status: &Spanned<DeValue<'_>>) -> Result<Seen, FileError> {
    let code = match status.get_ref() {
        DeValue::Integer(i) => u16::from_str_radix(i.as_str(), i.radix())
            .ok()
            .filter(|s| (100..=599).contains(s)),
        _ => return Err(file.wrong_type("status", status, "an HTTP status, e.g. 500")),
    };
    let Some(code) = code else {
        return Err(file.bad_value(
            "status",
            status,
            "not an HTTP status; write the status the engine answers, from 100 to 599, e.g. 500",
        ));
    };
    if let Some(v) = table.get("value") {
        return Err(file.bad_value(
            "value",
            v,
            "`value` goes with `field`; a status deviation takes `message = \"<regex>\"` at most",
        ));
    }
    let message = match file.get_str(table, "message")? {
        None => None,
        Some((m, span)) => Some(Regex::new(m).map_err(|e| {
            file.error(
                span,
                FileErrorKind::BadValue {
                    key: "message".into(),
                    message: format!(
                        "not a valid regex ({}); it is searched in the engine's message, so plain words work, with \\ before any of .*+?()[]{{}}|^$",
                        e.to_string().lines().last().unwrap_or_default().trim()
                    ),
                },
            )
        })?),
    };
    Ok(Seen::Status { status: code, message })
}

fn field_pin(file: &TomlFile, table: &DeTable<'_>, at: Range<usize>) -> Result<Seen, FileError> {
    if let Some(m) = table.get("message") {
        return Err(file.bad_value(
            "message",
            m,
            "`message` goes with `status`; a field deviation is `field` and `value`",
        ));
    }
    let (pointer, pointer_span) = file.get_str(table, "field")?.expect("the caller saw `field`");
    if let Err(why) = json_pointer(pointer) {
        return Err(file.error(
            pointer_span,
            FileErrorKind::BadValue {
                key: "field".into(),
                message: format!(
                    "`{pointer}` is not a JSON pointer: {why}; write it as `/Warnings` or `/State/Running`"
                ),
            },
        ));
    }
    let Some(value) = table.get("value") else {
        return Err(file.error(
            at,
            FileErrorKind::Missing {
                what: format!("the `value` of `field = \"{pointer}\"`"),
                hint: "add `value = \"<the value the engine sends there, as JSON>\"`, e.g. `value = \"null\"`".into(),
            },
        ));
    };
    let DeValue::String(text) = value.get_ref() else {
        return Err(file.wrong_type(
            "value",
            value,
            "the value written as JSON in a string (TOML has no null), e.g. \"null\", \"0\" or '\"exited\"'",
        ));
    };
    let value = serde_json::from_str::<Value>(text).map_err(|e| {
        file.bad_value(
            "value",
            value,
            format!("not JSON ({e}); write the value as JSON: \"null\", \"false\", \"0\", '[\"a\"]', and a JSON string with its quotes: '\"exited\"'"),
        )
    })?;
    Ok(Seen::Field {
        pointer: pointer.to_string(),
        value,
    })
}

fn header_pin(file: &TomlFile, table: &DeTable<'_>, at: Range<usize>) -> Result<Seen, FileError> {
    if let Some(m) = table.get("message") {
        return Err(file.bad_value(
            "message",
            m,
            "`message` goes with `status`; a header deviation is `header` and `value`",
        ));
    }
    let (name, name_span) = file.get_str(table, "header")?.expect("the caller saw `header`");
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(file.error(
            name_span,
            FileErrorKind::BadValue {
                key: "header".into(),
                message: format!("`{name}` is not a header name; write it as `Content-Type` or `Api-Version`"),
            },
        ));
    }
    let Some(value) = table.get("value") else {
        return Err(file.error(
            at,
            FileErrorKind::Missing {
                what: format!("the `value` of `header = \"{name}\"`"),
                hint: "add `value = \"null\"` for a header the reply lacks, or its value as a JSON string, e.g. `value = '\"text/plain\"'`".into(),
            },
        ));
    };
    let bad = || {
        file.bad_value(
            "value",
            value,
            "write the header's value as a JSON string in a TOML string, e.g. '\"text/plain\"', or \"null\" for a header the reply lacks",
        )
    };
    let DeValue::String(text) = value.get_ref() else {
        return Err(bad());
    };
    let value = match serde_json::from_str::<Value>(text) {
        Ok(Value::Null) => None,
        Ok(Value::String(v)) => Some(v),
        _ => return Err(bad()),
    };
    Ok(Seen::Header {
        name: name.to_string(),
        value,
    })
}

/// `framing = "<regex>"`: a malformed frame of a multiplexed stream.
fn framing_pin(file: &TomlFile, table: &DeTable<'_>) -> Result<Seen, FileError> {
    if let Some((k, v)) = ["message", "value"]
        .into_iter()
        .find_map(|k| table.get(k).map(|v| (k, v)))
    {
        return Err(file.bad_value(
            k,
            v,
            "a malformed frame is pinned by `framing = \"<regex on the decoder's description>\"` alone",
        ));
    }
    let (text, span) = file.get_str(table, "framing")?.expect("the caller saw `framing`");
    let error = Regex::new(text).map_err(|e| {
        file.error(
            span,
            FileErrorKind::BadValue {
                key: "framing".into(),
                message: format!(
                    "not a valid regex ({})",
                    e.to_string().lines().last().unwrap_or_default().trim()
                ),
            },
        )
    })?;
    Ok(Seen::Framing { error })
}

/// Whether `p` is an RFC 6901 JSON pointer: empty, or `/`-separated tokens
/// in which `~` is only `~0` or `~1`.
fn json_pointer(p: &str) -> Result<(), &'static str> {
    if !p.is_empty() && !p.starts_with('/') {
        return Err("it must start with `/`");
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err("`~` must be followed by 0 or 1 (`~0` is `~`, `~1` is `/`)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deviation(text: &str) -> Result<Deviation, FileError> {
        let file = TomlFile::new("k.toml", format!("[deviation]\n{text}"));
        let root = file.parse()?;
        parse(&file, root.get("deviation").unwrap())
    }

    fn status(method: &str, path: &str, status: u16, message: &str) -> Observed {
        Observed {
            method: method.into(),
            path: path.into(),
            fact: Fact::Status {
                status,
                message: message.into(),
            },
        }
    }

    #[test]
    fn an_operation_id_matches_its_method_and_template_at_any_version() {
        let d = deviation("call = \"PutContainerArchive\"\nstatus = 500\nmessage = \"rootfs is marked read-only\"\n")
            .unwrap();
        let path = "/v1.41/containers/0a02573c/archive?path=%2Ftmp";
        assert!(d.matches(&status("PUT", path, 500, "container rootfs is marked read-only")));
        assert!(d.matches(&status(
            "PUT",
            "/containers/0a02573c/archive",
            500,
            "rootfs is marked read-only"
        )));
        // Another status, message, method or path is another deviation.
        assert!(!d.matches(&status("PUT", path, 403, "container rootfs is marked read-only")));
        assert!(!d.matches(&status("PUT", path, 500, "no space left on device")));
        assert!(!d.matches(&status("HEAD", path, 500, "container rootfs is marked read-only")));
        assert!(!d.matches(&status(
            "PUT",
            "/v1.41/containers/a/b/archive",
            500,
            "rootfs is marked read-only"
        )));
        assert!(!d.matches(&Observed::field_value("PUT", path, "/message", Value::Null)));
        assert_eq!(
            d.to_string(),
            "PutContainerArchive (PUT /containers/{id}/archive) answering 500 with a message matching /rootfs is marked read-only/"
        );
    }

    #[test]
    fn image_names_hold_slashes_and_patterns_use_stars() {
        let d = deviation("call = \"ImagePush\"\nstatus = 200\n").unwrap();
        assert!(d.matches(&status("POST", "/v1.41/images/127.0.0.1:1/dh-x/push?tag=t", 200, "")));
        let d = deviation("call = \"POST /networks/*/connect\"\nstatus = 200\n").unwrap();
        assert!(d.matches(&status("POST", "/v1.41/networks/dh-n/connect", 200, "")));
        assert!(!d.matches(&status("POST", "/v1.41/networks/dh-n/disconnect", 200, "")));
        assert_eq!(d.to_string(), "POST /networks/*/connect answering 200");
        let d = deviation("call = \"GET /v1.41/**\"\nstatus = 500\n").unwrap();
        assert!(d.matches(&status("GET", "/v1.40/images/a/b/json", 500, "")));
    }

    #[test]
    fn a_field_pin_matches_the_pointer_and_the_exact_value() {
        let d = deviation("call = \"VolumeList\"\nfield = \"/Warnings\"\nvalue = \"null\"\n").unwrap();
        assert!(d.matches(&Observed::field_value(
            "GET",
            "/v1.41/volumes",
            "/Warnings",
            Value::Null
        )));
        assert!(!d.matches(&Observed::field_value(
            "GET",
            "/v1.41/volumes",
            "/Warnings",
            serde_json::json!({})
        )));
        assert!(!d.matches(&Observed::field_value("GET", "/v1.41/volumes", "/Volumes", Value::Null)));
        assert!(!d.matches(&status("GET", "/v1.41/volumes", 500, "")));
        assert_eq!(d.to_string(), "VolumeList (GET /volumes) replying /Warnings = null");
        let d =
            deviation("call = \"NetworkList\"\nfield = \"/*/Labels/dockhand.net\"\nvalue = '[\"a\",\"b\"]'\n").unwrap();
        let seen = serde_json::json!(["a", "b"]);
        assert!(d.matches(&Observed::field_value(
            "GET",
            "/v1.41/networks?filters=x",
            "/*/Labels/dockhand.net",
            seen
        )));
    }

    #[test]
    fn the_version_prefix_and_query_are_ignored_only_when_they_are_one() {
        assert_eq!(unversioned("/v1.41/containers/a/json?size=1"), "/containers/a/json");
        assert_eq!(unversioned("/volumes"), "/volumes");
        assert_eq!(unversioned("/v1/x"), "/v1/x");
        assert_eq!(unversioned("/volumes/v1.2"), "/volumes/v1.2");
    }

    #[test]
    fn a_header_pin_matches_the_name_in_any_case_and_the_exact_value() {
        let absent = deviation("call = \"ContainerStats\"\nheader = \"Content-Type\"\nvalue = \"null\"\n").unwrap();
        assert_eq!(
            absent.to_string(),
            "ContainerStats (GET /containers/{id}/stats) replying without Content-Type"
        );
        let mut headers = dockhand_engine::HeaderMap::new();
        let path = "/v1.41/containers/abc/stats?stream=true";
        assert!(absent.matches(&Observed::header("GET", path, &headers, "content-type")));
        headers.insert("content-type", "text/plain".parse().unwrap());
        let plain = Observed::header("GET", path, &headers, "Content-Type");
        assert!(!absent.matches(&plain), "a header that is there is no absent one");
        let text =
            deviation("call = \"ContainerStats\"\nheader = \"content-type\"\nvalue = '\"text/plain\"'\n").unwrap();
        assert!(text.matches(&plain));
        assert!(
            !text.matches(&status("GET", path, 200, "")),
            "a status fact is not a header"
        );
    }

    #[test]
    fn a_framing_pin_matches_the_decoders_description_of_the_malformed_header() {
        let d = deviation("call = \"ContainerAttach\"\nframing = \"at byte 0 has stream type 10,\"\n").unwrap();
        assert_eq!(
            d.to_string(),
            "ContainerAttach (POST /containers/{id}/attach) streaming a malformed frame matching /at byte 0 has stream type 10,/"
        );
        let path = "/v1.41/containers/abc/attach?logs=1&stream=0";
        let seen = |e: &str| Observed::framing("POST", path, e);
        assert!(d.matches(&seen("frame header at byte 0 has stream type 10, expected 0, 1 or 2")));
        assert!(!d.matches(&seen("frame header at byte 36 has stream type 10, expected 0, 1 or 2")));
        assert!(!d.matches(&seen(
            "stream ended inside a frame header at byte 0: 1 of 8 header bytes"
        )));
        assert!(
            !d.matches(&status("POST", path, 200, "")),
            "a status fact is no framing"
        );
        let e = deviation("call = \"ContainerAttach\"\nframing = \"(x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("invalid `framing`") && e.contains("not a valid regex"),
            "{e}"
        );
        let e = deviation("call = \"ContainerAttach\"\nframing = \"x\"\nvalue = \"null\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pinned by `framing"), "{e}");
    }

    #[test]
    fn malformed_pins_are_rejected_with_the_line_and_what_to_write() {
        // A deviation table, and the start of (or, after `~`, a part of) its error.
        let cases = [
            ("call = \"PutContainerArchiv\"\nstatus = 500\n", "invalid `call` in k.toml line 2, column 8: no operation `PutContainerArchiv` in the v1.41 reference; did you mean `PutContainerArchive`?"),
            ("call = \"FETCH /containers/*\"\nstatus = 500\n", "~`FETCH` is not a method"),
            ("call = \"GET containers\"\nstatus = 500\n", "~`containers` is not a path pattern"),
            ("call = \"VolumeList\"\nstatus = 1000\n", "invalid `status` in k.toml line 3, column 10: not an HTTP status"),
            ("call = \"VolumeList\"\nstatus = \"500\"\n", "`status` in k.toml line 3, column 10 must be an HTTP status, e.g. 500, not a string"),
            ("call = \"VolumeList\"\nstatus = 500\nmessage = \"(unclosed\"\n", "invalid `message` in k.toml line 4, column 11: not a valid regex"),
            ("call = \"VolumeList\"\nstatus = 500\nvalue = \"null\"\n", "~`value` goes with `field`"),
            ("call = \"VolumeList\"\nfield = \"Warnings\"\nvalue = \"null\"\n", "~`Warnings` is not a JSON pointer: it must start with `/`"),
            ("call = \"VolumeList\"\nfield = \"/a~2\"\nvalue = \"null\"\n", "~`~` must be followed by 0 or 1"),
            ("call = \"VolumeList\"\nfield = \"/Warnings\"\nvalue = \"nil\"\n", "invalid `value` in k.toml line 4, column 9: not JSON"),
            ("call = \"VolumeList\"\nfield = \"/Warnings\"\nvalue = 0\n", "~must be the value written as JSON in a string"),
            ("call = \"VolumeList\"\nfield = \"/Warnings\"\n", "missing the `value` of `field = \"/Warnings\"` in k.toml line 1, column 1; add `value = "),
            ("call = \"VolumeList\"\nstatus = 500\nfield = \"/Warnings\"\nvalue = \"null\"\n", "invalid `field` in k.toml line 4, column 9: a deviation is one of a status, a field or a header"),
            ("call = \"ContainerStats\"\nheader = \"Content Type\"\nvalue = \"null\"\n", "~`Content Type` is not a header name"),
            ("call = \"ContainerStats\"\nheader = \"Content-Type\"\n", "missing the `value` of `header = \"Content-Type\"`"),
            ("call = \"ContainerStats\"\nheader = \"Content-Type\"\nvalue = \"text/plain\"\n", "~write the header's value as a JSON string"),
            ("call = \"ContainerStats\"\nheader = \"Content-Type\"\nvalue = \"null\"\nmessage = \"x\"\n", "~`message` goes with `status`"),
            ("call = \"VolumeList\"\n", "missing what the engine does instead in k.toml line 1, column 1; add `status = "),
            ("status = 500\n", "missing `call` of the deviation in k.toml line 1, column 1; add `call = "),
            ("call = \"VolumeList\"\nstatus = 500\nmesage = \"x\"\n", "unknown key `mesage` in k.toml line 4, column 1; did you mean `message`? valid keys: call, status, message, field, header, value"),
        ];
        for (table, want) in cases {
            let e = deviation(table).unwrap_err().to_string();
            let ok = match want.strip_prefix('~') {
                Some(part) => e.contains(part),
                None => e.starts_with(want),
            };
            assert!(ok, "{table:?}: {e}");
        }
    }
}
