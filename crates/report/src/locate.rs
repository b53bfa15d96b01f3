//! Which API operations a case touched, and which one its verdict is about:
//! calls are routed to operations by `dockhand_shapes::route` (the matcher
//! the validator and the mutation proxy use), by the same ids as the
//! harness's `OPERATIONS`.

use std::collections::BTreeSet;

use dockhand_harness::{Outcome, OPERATIONS};

use crate::model::{Case, Verdict};

/// The operations the case's transcript called, each once.
pub fn called(case: &Case) -> BTreeSet<&'static str> {
    case.transcript
        .iter()
        .filter_map(|c| dockhand_shapes::route(&c.method, &c.path))
        .map(|op| op.id)
        .collect()
}

/// The operation a failure, known failure or unsupported case is about:
/// the unsupported evidence's operation; the failure's observed call; the
/// known failure's pinned deviation (which opens with an operation id or a
/// call); else an operation id named in the message, else a call named there
/// (`... (POST /v1.41/...): ...`).
/// `None` for other verdicts, and when nothing names one.
pub fn blamed(case: &Case) -> Option<&'static str> {
    if let Some(u) = &case.unsupported {
        return operation_id(&u.operation);
    }
    if !matches!(case.verdict, Verdict::Failed | Verdict::Error | Verdict::Known) {
        return None;
    }
    if let Some(o) = case.observed() {
        if let Some(op) = dockhand_shapes::route(&o.method, &o.path) {
            return Some(op.id);
        }
    }
    if let Outcome::KnownFailure { deviation, .. } = &case.outcome {
        let first = deviation.split_whitespace().next().unwrap_or_default();
        if let Some(id) = operation_id(first) {
            return Some(id);
        }
        if let Some(id) = call_in(deviation) {
            return Some(id);
        }
    }
    let message = case.outcome.detail()?;
    id_in(message).or_else(|| call_in(message))
}

/// The table's id for `id`, if it is one.
fn operation_id(id: &str) -> Option<&'static str> {
    OPERATIONS.iter().find(|o| o.id == id).map(|o| o.id)
}

/// The first operation id in `text` as a word of its own (`(SystemPing: ...`,
/// `shapes: ContainerInspect 200 ...`).
fn id_in(text: &str) -> Option<&'static str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).find_map(operation_id)
}

/// The first `METHOD /path` in `text` that routes to an operation.
fn call_in(text: &str) -> Option<&'static str> {
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "HEAD"];
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).find_map(|w| {
        let method = w[0].trim_start_matches('(');
        let path = w[1].trim_end_matches([')', ':', ',', ';']);
        let path = path.strip_suffix("'s").unwrap_or(path);
        if METHODS.contains(&method) && path.starts_with('/') {
            dockhand_shapes::route(method, path).map(|op| op.id)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_in_messages_and_deviations_name_operations() {
        assert_eq!(
            call_in("second start (POST /v1.41/containers/abc/start): expected status 304, got status 204"),
            Some("ContainerStart")
        );
        assert_eq!(call_in("GET /volumes replying /Warnings = null"), Some("VolumeList"));
        assert_eq!(call_in("the check panicked"), None);
        assert_eq!(call_in("GET /version's Experimental says"), Some("SystemVersion"));
        assert_eq!(
            id_in("the engine's replies depart from the API reference's shapes: ContainerInspect 200 /State"),
            Some("ContainerInspect")
        );
        assert_eq!(
            id_in("the Docker-Experimental header of HEAD /_ping (SystemPingHead: boolean"),
            Some("SystemPingHead")
        );
        assert_eq!(operation_id("VolumeList"), Some("VolumeList"));
        assert_eq!(operation_id("Nothing"), None);
    }
}
