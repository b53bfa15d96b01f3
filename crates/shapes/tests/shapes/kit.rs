//! What the test modules share: fixtures by name, a header map, and running
//! the validator on a body.

use dockhand_engine::{ApiVersion, HeaderMap};
use dockhand_shapes::{Catalog, Finding, Reply};

pub const V1_41: ApiVersion = ApiVersion::new(1, 41);

/// A fixture's bytes (`tests/fixtures/<name>`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn headers(content_type: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(ct) = content_type {
        h.insert("content-type", ct.parse().unwrap());
    }
    h
}

/// Validates a reply to `method path` at `version`.
pub fn check(
    version: ApiVersion,
    method: &str,
    path: &str,
    status: u16,
    ct: Option<&str>,
    body: &[u8],
) -> Vec<Finding> {
    let h = headers(ct);
    let reply = Reply {
        method,
        status,
        headers: &h,
        body: Some(body),
    };
    Catalog::new(version)
        .check(path, &reply)
        .unwrap_or_else(|| panic!("{method} {path} reaches no operation"))
}

/// A JSON reply at v1.41.
pub fn check_json(method: &str, path: &str, status: u16, body: &[u8]) -> Vec<Finding> {
    check(V1_41, method, path, status, Some("application/json"), body)
}

/// The findings that fail, as lines (for assertion messages).
pub fn failing(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.kind.fails())
        .map(|f| f.to_string())
        .collect()
}
