//! What the test modules share: fixtures by name, a header map, and running
//! the validator on a body.

use dockhand_engine::{ApiVersion, HeaderMap};
use dockhand_shapes::{Catalog, Finding, FindingKind, Reply};

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

/// `(fixture, method, path, status, content type)` of every reply recorded in
/// `<dir>/media.txt` (`dir` "" for the fixtures' top directory), fixture
/// names relative to `dir`.
pub fn recorded(dir: &str) -> Vec<(String, String, String, u16, Option<String>)> {
    let list = if dir.is_empty() {
        "media.txt".to_string()
    } else {
        format!("{dir}/media.txt")
    };
    String::from_utf8(fixture(&list))
        .unwrap()
        .lines()
        .map(|l| {
            let p: Vec<&str> = l.splitn(5, ' ').collect();
            let ct = (p[4] != "none").then(|| p[4].to_string());
            (p[0].into(), p[1].into(), p[2].into(), p[3].parse().unwrap(), ct)
        })
        .collect()
}

/// `(pointer, kind)` of each finding, sorted by pointer, for comparing with a list.
pub fn summary(f: &[Finding]) -> Vec<(String, FindingKind)> {
    let mut v: Vec<_> = f.iter().map(|f| (f.pointer.clone(), f.kind)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
