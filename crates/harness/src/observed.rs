//! [`Observed`]: what a failed check saw, as facts a program can compare:
//! the call (method and path as sent) and either the reply's status with the
//! engine's message, or one field of the reply (a JSON pointer) with the value
//! found there. A known failure's pin ([`crate::deviation::Deviation`]) is
//! matched against them; `--format json` shows them with a failed outcome.
//!
//! A leaf of the crate: the failure type, the context's assertions, the
//! events and the runner all use it, and it uses none of them.

use std::fmt;

use dockhand_engine::{EngineError, HeaderMap, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The method of a command's [`Observed`] facts.
pub const RUN: &str = "RUN";

/// What a failed check saw of one call: the request, and one fact of the reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub method: String,
    /// The path as sent (with the `/v1.xx` prefix and the query), or the
    /// unversioned path or template when the check knows no more.
    pub path: String,
    #[serde(flatten)]
    pub fact: Fact,
}

/// The fact of a reply a failure is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "kebab-case")]
pub enum Fact {
    /// The status, and the engine's `message` (the raw body when it sent none).
    Status { status: u16, message: String },
    /// A field of the reply's JSON: its pointer (RFC 6901) and the value
    /// there, null when absent. A check reporting a field of every element of
    /// a list writes `*` for the index and the values as an array, sorted.
    Field { pointer: String, value: Value },
    /// A header of the reply (its name as the reference writes it) and its
    /// value, `None` when the reply has no such header.
    Header { name: String, value: Option<String> },
    /// A command a step file ran (method `RUN`, the command line as the
    /// path, its program written `docker` for the CLI under test): its exit
    /// code and output.
    Command { exit: i32, stdout: String, stderr: String },
    /// A multiplexed stream (attach, exec, logs) that holds bytes no frame
    /// header can be: the decoder's description of the first malformed
    /// header (its byte offset and what is wrong with it).
    Framing { error: String },
}

impl Observed {
    /// The status and message of a reply.
    pub fn status(resp: &Response) -> Self {
        Observed {
            method: resp.method.to_string(),
            path: resp.path.clone(),
            fact: Fact::Status {
                status: resp.status.as_u16(),
                message: resp.message(),
            },
        }
    }

    /// A field of a reply: the value at `pointer` in its JSON `body` (null when absent).
    pub fn field(resp: &Response, body: &Value, pointer: &str) -> Self {
        Self::field_value(
            resp.method.as_str(),
            &resp.path,
            pointer,
            body.pointer(pointer).cloned().unwrap_or(Value::Null),
        )
    }

    /// A field the check read from a call whose reply it no longer holds.
    pub fn field_value(method: &str, path: &str, pointer: &str, value: Value) -> Self {
        Observed {
            method: method.to_string(),
            path: path.to_string(),
            fact: Fact::Field {
                pointer: pointer.to_string(),
                value,
            },
        }
    }

    /// A header of a reply, by name: its value, or `None` when absent.
    pub fn header(method: &str, path: &str, headers: &HeaderMap, name: &str) -> Self {
        Observed {
            method: method.to_string(),
            path: path.to_string(),
            fact: Fact::Header {
                name: name.to_string(),
                value: headers
                    .get(name)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            },
        }
    }

    /// A command's exit code and output; `line` is the command line with
    /// its program's name (`docker` for the CLI under test).
    pub fn command(line: &str, exit: i32, stdout: &str, stderr: &str) -> Self {
        Observed {
            method: RUN.to_string(),
            path: line.to_string(),
            fact: Fact::Command {
                exit,
                stdout: stdout.to_string(),
                stderr: stderr.to_string(),
            },
        }
    }

    /// The first malformed frame header of a multiplexed stream, as the
    /// decoder describes it.
    pub fn framing(method: &str, path: &str, error: &str) -> Self {
        Observed {
            method: method.to_string(),
            path: path.to_string(),
            fact: Fact::Framing {
                error: error.to_string(),
            },
        }
    }

    /// From an engine error, when it is an API error (a status the check did not accept).
    pub fn of_engine_error(e: &EngineError) -> Option<Self> {
        match e {
            EngineError::Api {
                method,
                path,
                status,
                message,
            } => Some(Observed {
                method: method.to_string(),
                path: path.clone(),
                fact: Fact::Status {
                    status: status.as_u16(),
                    message: message.clone(),
                },
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        match &self.fact {
            Fact::Status { status, message } if message.is_empty() => write!(f, " answering {status}"),
            Fact::Status { status, message } => write!(f, " answering {status} {:?}", preview(message)),
            Fact::Field { pointer, value } => write!(f, " replying {pointer} = {value}"),
            Fact::Header { name, value: None } => write!(f, " replying without {name}"),
            Fact::Header { name, value: Some(v) } => write!(f, " replying {name}: {:?}", preview(v)),
            Fact::Command { exit, stderr, .. } if stderr.is_empty() => write!(f, " exiting {exit}"),
            Fact::Command { exit, stderr, .. } => {
                write!(f, " exiting {exit} with stderr {:?}", preview(stderr.trim_end()))
            }
            Fact::Framing { error } => write!(f, " streaming a malformed frame: {}", preview(error)),
        }
    }
}

/// At most 200 characters of a message, for one-line reports.
fn preview(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_facts_read_as_one_line_and_round_trip_as_json() {
        let o = Observed {
            method: "PUT".into(),
            path: "/v1.41/containers/a/archive".into(),
            fact: Fact::Status {
                status: 500,
                message: "rootfs is marked read-only".into(),
            },
        };
        assert_eq!(
            o.to_string(),
            "PUT /v1.41/containers/a/archive answering 500 \"rootfs is marked read-only\""
        );
        let j = serde_json::to_value(&o).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"method": "PUT", "path": "/v1.41/containers/a/archive", "fact": "status", "status": 500, "message": "rootfs is marked read-only"})
        );
        assert_eq!(serde_json::from_value::<Observed>(j).unwrap(), o);
        let f = Observed::field_value("GET", "/v1.41/volumes", "/Warnings", Value::Null);
        assert_eq!(f.to_string(), "GET /v1.41/volumes replying /Warnings = null");
        let j = serde_json::to_value(&f).unwrap();
        assert_eq!(j["fact"], "field");
        assert_eq!(serde_json::from_value::<Observed>(j).unwrap(), f);
        let mut headers = HeaderMap::new();
        let h = Observed::header("GET", "/v1.41/containers/a/stats", &headers, "Content-Type");
        assert_eq!(
            h.to_string(),
            "GET /v1.41/containers/a/stats replying without Content-Type"
        );
        headers.insert("content-type", "text/plain".parse().unwrap());
        let h = Observed::header("GET", "/v1.41/containers/a/stats", &headers, "Content-Type");
        assert_eq!(
            h.to_string(),
            "GET /v1.41/containers/a/stats replying Content-Type: \"text/plain\""
        );
        let j = serde_json::to_value(&h).unwrap();
        assert_eq!(j["fact"], "header");
        assert_eq!(serde_json::from_value::<Observed>(j).unwrap(), h);
        let fr = Observed::framing(
            "POST",
            "/v1.41/containers/a/attach",
            "frame header at byte 0 has stream type 10, expected 0, 1 or 2",
        );
        assert_eq!(
            fr.to_string(),
            "POST /v1.41/containers/a/attach streaming a malformed frame: frame header at byte 0 has stream type 10, expected 0, 1 or 2"
        );
        let j = serde_json::to_value(&fr).unwrap();
        assert_eq!(j["fact"], "framing");
        assert_eq!(serde_json::from_value::<Observed>(j).unwrap(), fr);
    }
}
