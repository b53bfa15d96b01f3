//! Schema findings of a case: [`ShapeCheck`], the call observer that holds
//! every reply a case's engine handles receive (setup and cleanup included)
//! against the shapes of the negotiated API version (`dockhand-shapes`).
//!
//! The check's own verdict is not touched while it runs; afterwards the
//! runner fails a case that passed but got findings that fail
//! ([`FindingKind::fails`]: not `extra`, not `undocumented-status`), with
//! [`verdict`]'s message and the first failing finding as the [`Observed`]
//! fact that a known failure's pin can excuse: the call, the pointer and the
//! actual value as JSON. The same finding repeated (a check that polls an
//! inspect) is kept once.

use std::collections::BTreeSet;
use std::sync::Mutex;

use dockhand_engine::{CallObserver, CallRecord, ReplySeen};
use dockhand_shapes::{Catalog, Finding, Reply};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::observed::Observed;

/// A finding with the call whose reply it is about.
#[derive(Debug, Clone)]
pub struct CallFinding {
    pub method: String,
    /// The path as sent (versioned, with its query).
    pub path: String,
    pub finding: Finding,
}

impl CallFinding {
    /// The finding as a failure's fact: the field at its pointer (`""` for
    /// the reply itself, a media type) with `*` for the index of a list
    /// element, as which elements deviate depends on what else the engine
    /// holds ([`verdict`] keeps a fact only when all deviate alike); the
    /// actual value parsed as JSON, or as a JSON string when it is not JSON
    /// (a media type, a cut value).
    pub fn observed(&self) -> Observed {
        let f = &self.finding;
        let value = serde_json::from_str(&f.actual).unwrap_or_else(|_| Value::String(f.actual.clone()));
        Observed::field_value(&self.method, &self.path, &starred(&f.pointer), value)
    }
}

/// One (operation, status) shape of the reference that a reply was
/// validated against: what `dockhand coverage --journal` counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShapeSeen {
    /// The reference's `operationId`.
    pub operation: String,
    pub status: u16,
}

/// Validates every reply it is shown, and keeps the findings and the
/// documented shapes it validated.
pub struct ShapeCheck {
    catalog: Catalog,
    findings: Mutex<Vec<CallFinding>>,
    validated: Mutex<BTreeSet<ShapeSeen>>,
}

impl ShapeCheck {
    pub fn new(catalog: Catalog) -> ShapeCheck {
        ShapeCheck {
            catalog,
            findings: Mutex::new(Vec::new()),
            validated: Mutex::new(BTreeSet::new()),
        }
    }

    /// The findings so far, in the order they were made.
    pub fn take(&self) -> Vec<CallFinding> {
        std::mem::take(&mut *self.findings.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// The documented (operation, status) shapes validated so far, sorted;
    /// a status the reference does not list for its operation is no shape.
    pub fn take_validated(&self) -> Vec<ShapeSeen> {
        std::mem::take(&mut *self.validated.lock().unwrap_or_else(|p| p.into_inner()))
            .into_iter()
            .collect()
    }
}

impl CallObserver for ShapeCheck {
    fn record(&self, _call: &CallRecord) {}

    fn reply(&self, r: &ReplySeen<'_>) {
        let reply = Reply {
            method: r.method.as_str(),
            status: r.status.as_u16(),
            headers: r.headers,
            body: r.body,
        };
        let Some((op, found)) = self.catalog.check_op(r.path, &reply) else {
            return;
        };
        if op.documents(reply.status) {
            let seen = ShapeSeen {
                operation: op.id.to_string(),
                status: reply.status,
            };
            self.validated.lock().unwrap_or_else(|p| p.into_inner()).insert(seen);
        }
        if found.is_empty() {
            return;
        }
        let mut all = self.findings.lock().unwrap_or_else(|p| p.into_inner());
        for f in found {
            let seen = all.iter().map(|g| &g.finding).any(|g| {
                (&g.operation, g.status, &g.pointer, g.kind, &g.expected)
                    == (&f.operation, f.status, &f.pointer, f.kind, &f.expected)
            });
            if !seen {
                all.push(CallFinding {
                    method: r.method.to_string(),
                    path: r.path.to_string(),
                    finding: f,
                });
            }
        }
    }
}

/// The failure for a case whose findings include failing ones: a message
/// with how many and the first, and the first as the fact a pin matches.
/// The fact is the first finding's only when every other failing finding is
/// the same deviation ([`same_deviation`]); any other one is a deviation no
/// single pin names, so the fact is `None` and no known failure excuses the
/// case.
pub fn verdict(findings: &[CallFinding]) -> Option<(String, Option<Observed>)> {
    let failing: Vec<&CallFinding> = findings.iter().filter(|f| f.finding.kind.fails()).collect();
    let first = failing.first()?;
    let more = match failing.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    let message = format!(
        "the engine's replies depart from the API reference's shapes: {}{more}",
        first.finding
    );
    let one = failing.iter().all(|f| same_deviation(&first.finding, &f.finding));
    Some((message, one.then(|| first.observed())))
}

/// The pointer with `*` for each index (an all-digit segment).
fn starred(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|seg| match !seg.is_empty() && seg.bytes().all(|c| c.is_ascii_digit()) {
            true => "*",
            false => seg,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether two findings are one deviation: of the same operation and
/// status, at the same place up to the indices of lists (`RepoDigests` of
/// each image an image list names), and the same kind and value; at the
/// reply itself (pointer `""`) its media type and a body that is not JSON
/// are one deviation too (a text error where the reference has JSON).
fn same_deviation(a: &Finding, b: &Finding) -> bool {
    (&a.operation, a.status) == (&b.operation, b.status)
        && starred(&a.pointer) == starred(&b.pointer)
        && (a.pointer.is_empty() || (a.kind, &a.expected, &a.actual) == (b.kind, &b.expected, &b.actual))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_engine::{ApiVersion, HeaderMap, Method, StatusCode};
    use dockhand_shapes::FindingKind;
    use serde_json::json;

    fn show(check: &ShapeCheck, path: &str, body: &[u8]) {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        let m = Method::GET;
        check.reply(&ReplySeen::new(&m, path, StatusCode::OK, &h, Some(body)));
    }

    /// A polled reply's finding is kept once; a reply to no operation of the
    /// reference is not validated; the verdict names the first failing one.
    #[test]
    fn findings_are_kept_once_and_fail_the_case() {
        let check = ShapeCheck::new(Catalog::new(ApiVersion::new(1, 41)));
        let bad =
            br#"{"Name":"v","Driver":"local","Mountpoint":"/m","Labels":null,"Scope":"local","Options":{},"Extra":1}"#;
        show(&check, "/v1.41/volumes/v", bad);
        show(&check, "/v1.41/volumes/v", bad);
        show(&check, "/v1.41/not-an-operation", b"[1]");
        let found = check.take();
        let kinds: Vec<_> = found
            .iter()
            .map(|f| (f.finding.pointer.as_str(), f.finding.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("/Labels", FindingKind::NullNotNullable),
                ("/Extra", FindingKind::Extra)
            ]
        );
        let (message, observed) = verdict(&found).unwrap();
        assert_eq!(
            message,
            "the engine's replies depart from the API reference's shapes: \
             VolumeInspect 200 /Labels: null-not-nullable: expected map of string, got null"
        );
        assert_eq!(
            observed,
            Some(Observed::field_value("GET", "/v1.41/volumes/v", "/Labels", Value::Null))
        );
        assert!(verdict(&found[1..]).is_none(), "extras alone do not fail");
        assert!(check.take().is_empty());
        // The shape was validated (once, however often); a path of no
        // operation is none.
        assert_eq!(
            check.take_validated(),
            [ShapeSeen {
                operation: "VolumeInspect".into(),
                status: 200
            }]
        );
    }

    /// One pin excuses a field of each element of a list; a second, other
    /// failing finding leaves no fact to pin, so no entry excuses the case.
    #[test]
    fn only_one_deviation_gives_a_fact() {
        let check = ShapeCheck::new(Catalog::new(ApiVersion::new(1, 41)));
        let image = |id: &str| {
            format!(
                r#"{{"Id":"{id}","ParentId":"","RepoTags":[],"RepoDigests":null,"Created":1,"Size":1,"SharedSize":-1,"VirtualSize":1,"Labels":{{}},"Containers":-1}}"#
            )
        };
        let list = format!("[{},{}]", image("a"), image("b"));
        show(&check, "/v1.41/images/json", list.as_bytes());
        let found = check.take();
        assert_eq!(found.len(), 2, "{found:?}");
        let (message, observed) = verdict(&found).unwrap();
        assert!(message.ends_with("(and 1 more)"), "{message}");
        assert_eq!(
            observed,
            Some(Observed::field_value(
                "GET",
                "/v1.41/images/json",
                "/*/RepoDigests",
                Value::Null
            ))
        );
        show(&check, "/v1.41/images/json", list.as_bytes());
        show(
            &check,
            "/v1.41/volumes/v",
            br#"{"Name":"v","Driver":"local","Mountpoint":"/m","Labels":null,"Scope":"local","Options":{}}"#,
        );
        let found = check.take();
        assert_eq!(verdict(&found).unwrap().1, None);

        // A text error where the reference has JSON: its media type and its
        // body are one deviation, pinned by the media type.
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/plain".parse().unwrap());
        let m = Method::GET;
        let text = b"client version 1.11 is too old";
        check.reply(&ReplySeen::new(
            &m,
            "/v1.41/version",
            StatusCode::BAD_REQUEST,
            &h,
            Some(text),
        ));
        let found = check.take();
        let kinds: Vec<_> = found.iter().map(|f| f.finding.kind).collect();
        assert_eq!(
            kinds,
            [
                FindingKind::UndocumentedStatus,
                FindingKind::MediaType,
                FindingKind::InvalidJson
            ]
        );
        assert_eq!(
            verdict(&found).unwrap().1,
            Some(Observed::field_value("GET", "/v1.41/version", "", json!("text/plain")))
        );
    }
}
