//! [`operation_of`]: which operation of the reference a request is, from its
//! method and request target, so that a mutant can be aimed at an operation
//! by id rather than at a path.
//!
//! The routing is the response shapes' (`dockhand_shapes::route`: version
//! prefix and query dropped, `{param}` matching one or more segments for
//! image names, the most literal template winning); this module only turns
//! its operation id into the harness's [`Operation`].

use dockhand_harness::operations::{self, Operation};

/// The operation `method` `target` calls, if it is one of the reference's.
pub fn operation_of(method: &str, target: &str) -> Option<&'static Operation> {
    dockhand_shapes::route(method, target).and_then(|op| operations::find(op.id))
}

/// The request target's query string, empty when it has none.
pub fn query(target: &str) -> &str {
    target.split_once('?').map(|(_, q)| q).unwrap_or("")
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
        assert_eq!(id("GET", "/volumes/v1.2"), Some("VolumeInspect"));
        assert_eq!(id("GET", "/v1.41/volumes"), Some("VolumeList"));
        assert_eq!(id("GET", "/vx.1/volumes"), None);
        assert_eq!(query("/a?b=1&c"), "b=1&c");
        assert_eq!(query("/a"), "");
    }
}
