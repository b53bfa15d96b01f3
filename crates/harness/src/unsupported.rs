//! The `unsupported` verdict: when a failed case's reply says that the
//! engine does not implement the operation at all, rather than that it
//! implements it differently. [`not_implemented`] is the rule, applied by the
//! runner to a case's own verdict (before a known-failure entry judges it).
//!
//! The rule, from what the engines send (docs/compat-podman.md, "Unsupported"):
//! the failure's observed fact is the status of a call whose method and path
//! are one of the reference's operations ([`dockhand_shapes::route`]), and
//! - the status is 501 Not Implemented (HTTP's own word for it), or
//! - the status is 404 and the body is what the engine's router sends for a
//!   path it has no handler for, never what a handler sends for a missing
//!   object:
//!   - `Not Found` as plain text: Go's `http.StatusText(404)`, which Podman's
//!     router (`pkg/api/server/server.go`, `NotFoundHandler`) writes for an
//!     unregistered path (Podman 4.3: `POST /containers/{id}/update`,
//!     `GET /distribution/{name}/json`, `/services`, `/configs`);
//!   - `Path <path> is not supported`: Podman's compat `UnsupportedHandler`
//!     (`pkg/api/handlers/compat/unsupported.go`), registered for `/plugins`;
//!   - `page not found`: moby's router for an unknown path
//!     (`api/server/server.go`, `pageNotFoundError`).
//!
//! A 404 for a missing object (a JSON `message` naming it, or Podman's empty
//! body for `top` of a missing container) is a reply of an implemented
//! operation: it stays a failure.

use dockhand_shapes::route;

use crate::events::Outcome;
use crate::observed::{Fact, Observed};

/// At most this many characters of the engine's message are kept.
const MESSAGE_MAX: usize = 200;

/// The `unsupported` outcome for a failure that observed `observed`, when
/// its reply says the operation is not implemented; `None` otherwise.
pub fn not_implemented(observed: &Observed) -> Option<Outcome> {
    let Fact::Status { status, message } = &observed.fact else {
        return None;
    };
    let op = route(&observed.method, &observed.path)?;
    let said = message.trim();
    let reason = match status {
        501 => "501 Not Implemented: the engine says it does not implement the operation",
        404 if said == "Not Found" => {
            "404 with Go's plain-text \"Not Found\": the engine's router has no handler for the path"
        }
        404 if said.starts_with("Path ") && said.ends_with(" is not supported") => {
            "404 \"Path ... is not supported\": the engine registers the path only to refuse it"
        }
        404 if said == "page not found" => "404 \"page not found\": the engine's router has no handler for the path",
        _ => return None,
    };
    Some(Outcome::Unsupported {
        operation: op.id.to_string(),
        status: *status,
        message: truncate(said),
        reason: reason.to_string(),
    })
}

/// The outcome a case's own verdict becomes: a failure whose reply says the
/// operation is not implemented is `unsupported`; anything else is kept.
pub fn judge(outcome: Outcome) -> Outcome {
    match &outcome {
        Outcome::Failed { observed: Some(o), .. } => not_implemented(o).unwrap_or(outcome),
        _ => outcome,
    }
}

fn truncate(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(method: &str, path: &str, status: u16, message: &str) -> Outcome {
        Outcome::Failed {
            message: "expected status 200".into(),
            observed: Some(Observed {
                method: method.into(),
                path: path.into(),
                fact: Fact::Status {
                    status,
                    message: message.into(),
                },
            }),
        }
    }

    fn unsupported(op: &str, status: u16, message: &str) -> Option<(String, u16, String)> {
        match judge(failed("POST", "/v1.41/containers/0b4f/update", status, message)) {
            Outcome::Unsupported {
                operation,
                status,
                message,
                ..
            } => {
                assert_eq!(operation, op);
                Some((operation, status, message))
            }
            _ => None,
        }
    }

    #[test]
    fn router_404s_and_501_are_unsupported() {
        // Podman 4.3's reply to POST /containers/{id}/update, as recorded.
        assert_eq!(
            unsupported("ContainerUpdate", 404, "Not Found\n"),
            Some(("ContainerUpdate".into(), 404, "Not Found".into()))
        );
        assert!(unsupported("ContainerUpdate", 404, "page not found").is_some());
        assert!(unsupported("ContainerUpdate", 501, "").is_some());
        let plugins = judge(failed("GET", "/v1.41/plugins", 404, "Path /plugins is not supported"));
        assert!(
            matches!(&plugins, Outcome::Unsupported { operation, .. } if operation == "PluginList"),
            "{plugins:?}"
        );
    }

    #[test]
    fn a_missing_object_or_another_status_stays_a_failure() {
        // A handler's 404 for a missing object, JSON or (Podman's top) empty.
        let missing = r#"no container with name or ID "x" found: no such container"#;
        assert_eq!(unsupported("ContainerUpdate", 404, missing), None);
        assert_eq!(unsupported("ContainerUpdate", 404, ""), None);
        assert_eq!(unsupported("ContainerUpdate", 500, "Not Found"), None);
        assert_eq!(unsupported("ContainerUpdate", 404, "Not Found: container x"), None);
        // A path outside the reference is no operation of it.
        let outside = failed("GET", "/v1.41/libpod/info", 404, "Not Found");
        assert_eq!(judge(outside.clone()), outside);
        // A field, not a status.
        let field = Outcome::Failed {
            message: "m".into(),
            observed: Some(Observed::field_value(
                "GET",
                "/v1.41/info",
                "/LoggingDriver",
                serde_json::json!(""),
            )),
        };
        assert_eq!(judge(field.clone()), field);
        assert_eq!(judge(Outcome::Passed), Outcome::Passed);
    }

    #[test]
    fn the_message_is_truncated() {
        let long = "x".repeat(300);
        let o = judge(failed("GET", "/v1.41/plugins", 501, &long));
        let Outcome::Unsupported { message, .. } = o else {
            panic!("{o:?}")
        };
        assert_eq!(message.chars().count(), MESSAGE_MAX + 3);
    }
}
