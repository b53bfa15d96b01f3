//! From a request (method and path as sent) to its operation.
//!
//! A template segment `{x}` takes one path segment, except `{name}`, which
//! takes one or more: image, plugin and distribution names hold slashes
//! (`/images/dockhand/probe:0.1/json`). Of the templates that match, the one
//! with the most literal segments wins, so `/images/json` is `ImageList` and
//! not an image called `json`.

use std::sync::OnceLock;

use dockhand_engine::ApiVersion;

use crate::shape::OpShape;
use crate::v1_41::OPS;

/// An operation with its template split into segments, and how many of them
/// are literal.
struct Template {
    op: &'static OpShape,
    segs: Vec<&'static str>,
    literals: usize,
}

/// The templates, split once: routing is on every call's path.
fn templates() -> &'static [Template] {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| {
        OPS.iter()
            .map(|op| {
                let segs: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
                let literals = segs.iter().filter(|t| !t.starts_with('{')).count();
                Template { op, segs, literals }
            })
            .collect()
    })
}

/// The operation `method` and `path` (versioned or not, query allowed) reach.
pub fn route(method: &str, path: &str) -> Option<&'static OpShape> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = strip_version(path);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    templates()
        .iter()
        .filter(|t| t.op.method.eq_ignore_ascii_case(method) && matches(&t.segs, &segs))
        .max_by_key(|t| t.literals)
        .map(|t| t.op)
}

/// `/v1.41/info` -> `/info`; a path without a version is kept.
fn strip_version(path: &str) -> &str {
    match split_version(path) {
        Some((_, tail)) => tail,
        None => path,
    }
}

/// The API version a path is sent under (`/v1.11/version` -> 1.11), `None`
/// for an unversioned path.
pub fn path_version(path: &str) -> Option<ApiVersion> {
    split_version(path).map(|(v, _)| v)
}

/// A versioned path's version and the rest of the path.
fn split_version(path: &str) -> Option<(ApiVersion, &str)> {
    let rest = path.strip_prefix("/v")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (ver, tail) = rest.split_at(end);
    let (a, b) = ver.split_once('.')?;
    let number = |s: &str| (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse::<u16>().ok())?;
    Some((ApiVersion::new(number(a)?, number(b)?), tail))
}

fn matches(tpl: &[&str], segs: &[&str]) -> bool {
    match (tpl.split_first(), segs.split_first()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some((&"{name}", trest)), Some(_)) => {
            // One or more segments, leaving at least one for each template
            // segment after it.
            (1..=segs.len().saturating_sub(trest.len())).any(|n| matches(trest, &segs[n..]))
        }
        (Some((t, trest)), Some((s, srest))) => (t.starts_with('{') || t == s) && matches(trest, srest),
    }
}

#[cfg(test)]
mod tests {
    fn id(method: &str, path: &str) -> Option<&'static str> {
        super::route(method, path).map(|o| o.id)
    }

    #[test]
    fn literal_templates_win_over_parameters() {
        assert_eq!(id("GET", "/v1.41/images/json"), Some("ImageList"));
        assert_eq!(id("GET", "/v1.41/images/get?names=a"), Some("ImageGetAll"));
        assert_eq!(id("GET", "/v1.41/images/alpine/get"), Some("ImageGet"));
        assert_eq!(id("POST", "/v1.41/containers/create?name=x"), Some("ContainerCreate"));
        assert_eq!(id("POST", "/v1.41/containers/prune"), Some("ContainerPrune"));
        assert_eq!(id("GET", "/v1.41/containers/abc/json"), Some("ContainerInspect"));
        assert_eq!(id("GET", "/v1.41/containers/json?all=1"), Some("ContainerList"));
        assert_eq!(id("GET", "/containers/abc/attach/ws"), Some("ContainerAttachWebsocket"));
        assert_eq!(id("HEAD", "/_ping"), Some("SystemPingHead"));
        assert_eq!(id("GET", "/v1.24/_ping"), Some("SystemPing"));
    }

    #[test]
    fn image_names_may_hold_slashes() {
        assert_eq!(
            id("GET", "/v1.41/images/dockhand/probe:0.1.0/json"),
            Some("ImageInspect")
        );
        assert_eq!(
            id("DELETE", "/v1.41/images/registry:5000/a/b:1?force=1"),
            Some("ImageDelete")
        );
        assert_eq!(id("POST", "/v1.41/images/a/b/tag?repo=c"), Some("ImageTag"));
        assert_eq!(
            id("GET", "/v1.41/distribution/docker.io/library/alpine/json"),
            Some("DistributionInspect")
        );
        // An id never does.
        assert_eq!(id("GET", "/v1.41/containers/a/b/json"), None);
    }

    #[test]
    fn a_path_names_its_version() {
        use dockhand_engine::ApiVersion;
        assert_eq!(super::path_version("/v1.11/version"), Some(ApiVersion::new(1, 11)));
        assert_eq!(super::path_version("/v1.41?x=1"), Some(ApiVersion::new(1, 41)));
        assert_eq!(
            super::path_version("/v1.41/containers/json?all=1"),
            Some(ApiVersion::new(1, 41))
        );
        assert_eq!(super::path_version("/version"), None);
        assert_eq!(super::path_version("/volumes/v1.2"), None);
        assert_eq!(super::path_version("/vx.1/info"), None);
        assert_eq!(id("GET", "/v1.11/version"), Some("SystemVersion"));
    }

    #[test]
    fn unknown_requests_have_no_operation() {
        assert_eq!(id("GET", "/v1.41/nope"), None);
        assert_eq!(id("PATCH", "/v1.41/containers/abc/json"), None);
        assert_eq!(id("GET", "/vx/info"), None);
    }
}
