//! Versions after 1.41 as deltas: 1.42's media type for multiplexed streams
//! and 1.44's removal of `VirtualSize`.

use dockhand_engine::ApiVersion;
use dockhand_shapes::{Catalog, FindingKind, Reply};

use crate::kit::{check, headers, V1_41};

/// An `ImageSummary` list without `VirtualSize`: missing at 1.41 and 1.43,
/// fine at 1.44; with it, 1.44 calls it extra.
#[test]
fn v1_44_drops_virtual_size_from_image_summary() {
    let without = br#"[{"Id":"sha256:a","ParentId":"","RepoTags":[],"RepoDigests":[],"Created":1,"Size":2,"SharedSize":-1,"Labels":{},"Containers":-1}]"#;
    let with = br#"[{"Id":"sha256:a","ParentId":"","RepoTags":[],"RepoDigests":[],"Created":1,"Size":2,"SharedSize":-1,"VirtualSize":2,"Labels":{},"Containers":-1}]"#;
    for v in [V1_41, ApiVersion::new(1, 43)] {
        let f = check(v, "GET", "/images/json", 200, Some("application/json"), without);
        assert_eq!(f.len(), 1, "{v}: {f:?}");
        assert_eq!(
            (f[0].kind, f[0].pointer.as_str()),
            (FindingKind::MissingRequired, "/0/VirtualSize")
        );
        assert!(check(v, "GET", "/images/json", 200, Some("application/json"), with).is_empty());
    }
    let v144 = ApiVersion::new(1, 44);
    assert!(check(v144, "GET", "/images/json", 200, Some("application/json"), without).is_empty());
    let f = check(v144, "GET", "/images/json", 200, Some("application/json"), with);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].kind, f[0].pointer.as_str()),
        (FindingKind::Extra, "/0/VirtualSize")
    );
}

fn stream_reply(
    path: &str,
    version: ApiVersion,
    content_type: Option<&str>,
    status: u16,
    method: &str,
) -> Vec<dockhand_shapes::Finding> {
    let h = headers(content_type);
    let reply = Reply {
        method,
        status,
        headers: &h,
        body: None,
    };
    Catalog::new(version).check(path, &reply).unwrap()
}

/// An attach upgraded with `application/vnd.docker.multiplexed-stream`
/// departs from 1.41 and is what 1.42 documents.
#[test]
fn v1_42_accepts_the_multiplexed_stream_media_type() {
    let multiplexed = Some("application/vnd.docker.multiplexed-stream");
    let path = "/containers/x/attach?stream=1&stdout=1";
    let f = stream_reply(path, V1_41, multiplexed, 101, "POST");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, FindingKind::MediaType);
    assert_eq!(f[0].expected, "application/vnd.docker.raw-stream");
    assert_eq!(f[0].actual, "application/vnd.docker.multiplexed-stream");
    let f = stream_reply(path, ApiVersion::new(1, 42), multiplexed, 101, "POST");
    assert!(f.is_empty(), "{f:?}");
}

/// Logs: no media type documented in 1.41 (20.10 sends none), one of the
/// two stream types from 1.42.
#[test]
fn v1_42_gives_logs_a_media_type() {
    let path = "/containers/x/logs?stdout=1";
    assert!(stream_reply(path, V1_41, None, 200, "GET").is_empty());
    let f = stream_reply(path, ApiVersion::new(1, 42), None, 200, "GET");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].kind, f[0].actual.as_str()),
        (FindingKind::MediaType, "no Content-Type")
    );
    let raw = Some("application/vnd.docker.raw-stream");
    assert!(stream_reply(path, ApiVersion::new(1, 42), raw, 200, "GET").is_empty());
}
