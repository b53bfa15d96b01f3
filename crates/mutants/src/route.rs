//! [`operation_of`]: which operation of the reference a request is, from its
//! method and request target, so that a mutant can be aimed at an operation
//! by id rather than at a path.
//!
//! The target's `/v1.xx` prefix and query are dropped, then the path is
//! matched against the templates of [`OPERATIONS`]. A `{param}` matches one or
//! more segments, because moby routes image names (which may hold slashes,
//! `dockhand/probe:0.1.0`) with `{name:.*}`. Should two templates match, the
//! one with more literal segments wins, as a literal route is the more
//! specific one.

use dockhand_harness::operations::{Operation, OPERATIONS};

/// The operation `method` `target` calls, if it is one of the reference's.
pub fn operation_of(method: &str, target: &str) -> Option<&'static Operation> {
    let path = unversioned(target.split('?').next().unwrap_or(""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    OPERATIONS
        .iter()
        .filter(|o| o.method.eq_ignore_ascii_case(method))
        .filter_map(|o| {
            let template: Vec<&str> = o.path.split('/').filter(|s| !s.is_empty()).collect();
            matches(&template, &segments).then(|| (template.iter().filter(|t| !is_param(t)).count(), o))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, o)| o)
}

/// The request target's query string, empty when it has none.
pub fn query(target: &str) -> &str {
    target.split_once('?').map(|(_, q)| q).unwrap_or("")
}

/// `path` without a leading `/v<major>.<minor>`.
fn unversioned(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/v") else {
        return path;
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let version = &rest[..end];
    let is_version = version.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit())
    });
    if is_version {
        &rest[end..]
    } else {
        path
    }
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

fn matches(template: &[&str], path: &[&str]) -> bool {
    match template.split_first() {
        None => path.is_empty(),
        Some((t, rest)) if is_param(t) => (1..=path.len()).any(|n| matches(rest, &path[n..])),
        Some((t, rest)) => path.first() == Some(t) && matches(rest, &path[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(method: &str, target: &str) -> Option<&'static str> {
        operation_of(method, target).map(|o| o.id)
    }

    #[test]
    fn versioned_and_unversioned_paths_name_the_same_operation() {
        assert_eq!(id("GET", "/v1.41/containers/abc/json"), Some("ContainerInspect"));
        assert_eq!(id("GET", "/containers/abc/json?size=1"), Some("ContainerInspect"));
        assert_eq!(id("GET", "/v1.41/containers/json?all=1"), Some("ContainerList"));
        assert_eq!(id("GET", "/_ping"), Some("SystemPing"));
        assert_eq!(id("HEAD", "/_ping"), Some("SystemPingHead"));
        assert_eq!(id("GET", "/version"), Some("SystemVersion"));
        assert_eq!(id("GET", "/v1.41/version"), Some("SystemVersion"));
    }

    #[test]
    fn image_names_may_hold_slashes() {
        assert_eq!(
            id("GET", "/v1.41/images/dockhand/probe:0.1.0/json"),
            Some("ImageInspect")
        );
        assert_eq!(id("POST", "/v1.41/images/a/b/c/tag?repo=x"), Some("ImageTag"));
        assert_eq!(id("DELETE", "/v1.41/images/a/b"), Some("ImageDelete"));
        assert_eq!(id("GET", "/v1.41/images/json"), Some("ImageList"));
    }

    #[test]
    fn literal_routes_beat_templates_and_methods_count() {
        assert_eq!(id("POST", "/v1.41/containers/create?name=x"), Some("ContainerCreate"));
        assert_eq!(id("POST", "/v1.41/containers/prune"), Some("ContainerPrune"));
        assert_eq!(id("POST", "/v1.41/exec/abc/start"), Some("ExecStart"));
        assert_eq!(
            id("PUT", "/v1.41/containers/abc/archive?path=/"),
            Some("PutContainerArchive")
        );
        assert_eq!(
            id("HEAD", "/v1.41/containers/abc/archive?path=/"),
            Some("ContainerArchiveInfo")
        );
        assert_eq!(id("GET", "/v1.41/nowhere"), None);
        assert_eq!(id("PATCH", "/v1.41/containers/abc/json"), None);
    }

    #[test]
    fn a_v_segment_that_is_no_version_is_kept() {
        assert_eq!(unversioned("/volumes/x"), "/volumes/x");
        assert_eq!(unversioned("/v1.41/volumes"), "/volumes");
        assert_eq!(unversioned("/vx.1/volumes"), "/vx.1/volumes");
        assert_eq!(query("/a?b=1&c"), "b=1&c");
        assert_eq!(query("/a"), "");
    }
}
