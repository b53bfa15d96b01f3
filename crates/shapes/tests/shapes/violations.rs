//! Hand-made violations of recorded replies: each gives exactly one finding,
//! named precisely (pointer, kind, expected, actual).

use dockhand_engine::HeaderMap;
use dockhand_shapes::{Catalog, Finding, FindingKind, Reply};
use serde_json::{json, Value};

use crate::kit::{check, check_json, failing, fixture, headers, V1_41};

fn recorded(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

/// The one finding `body` gives as a reply to `method path`.
fn one(method: &str, path: &str, body: &Value) -> Finding {
    let f = check_json(method, path, 200, body.to_string().as_bytes());
    assert_eq!(f.len(), 1, "{f:#?}");
    f.into_iter().next().unwrap()
}

fn assert_finding(f: &Finding, op: &str, pointer: &str, kind: FindingKind, expected: &str, actual: &str) {
    assert_eq!(
        (
            f.operation.as_str(),
            f.pointer.as_str(),
            f.kind,
            f.expected.as_str(),
            f.actual.as_str()
        ),
        (op, pointer, kind, expected, actual),
        "{f}"
    );
}

const INSPECT: &str = "/v1.41/containers/x/json";

#[test]
fn the_recorded_bases_have_no_failing_findings() {
    for (name, path) in [
        ("container-inspect.json", INSPECT),
        ("volume-inspect.json", "/v1.41/volumes/v"),
    ] {
        let f = check_json("GET", path, 200, &fixture(name));
        assert!(failing(&f).is_empty(), "{name}: {:#?}", failing(&f));
    }
}

#[test]
fn a_missing_required_field() {
    let mut v = recorded("volume-inspect.json");
    v.as_object_mut().unwrap().remove("Driver");
    let f = one("GET", "/v1.41/volumes/v", &v);
    assert_finding(
        &f,
        "VolumeInspect",
        "/Driver",
        FindingKind::MissingRequired,
        "string",
        "(absent)",
    );
}

/// A mutant no hand-written assertion would see: `HostConfig.CpuShares` as
/// a string.
#[test]
fn a_wrong_type() {
    let mut v = recorded("container-inspect.json");
    v["HostConfig"]["CpuShares"] = json!("512");
    let f = one("GET", INSPECT, &v);
    assert_finding(
        &f,
        "ContainerInspect",
        "/HostConfig/CpuShares",
        FindingKind::WrongType,
        "integer",
        r#""512""#,
    );
}

/// The other mutant of the issue: `NetworkSettings.Networks` as an array.
#[test]
fn a_map_given_as_an_array() {
    let mut v = recorded("container-inspect.json");
    let networks = v["NetworkSettings"]["Networks"].take();
    v["NetworkSettings"]["Networks"] = json!([networks]);
    let f = one("GET", INSPECT, &v);
    assert_eq!(f.pointer, "/NetworkSettings/Networks");
    assert_eq!(
        (f.kind, f.expected.as_str()),
        (FindingKind::WrongType, "map of object EndpointSettings")
    );
    assert!(
        f.actual.starts_with("[{") && f.actual.ends_with("..."),
        "cut: {}",
        f.actual
    );
}

#[test]
fn a_bad_enum_value() {
    let mut v = recorded("container-inspect.json");
    v["State"]["Status"] = json!("sleeping");
    let f = one("GET", INSPECT, &v);
    assert_finding(
        &f,
        "ContainerInspect",
        "/State/Status",
        FindingKind::BadEnum,
        r#"one of "created", "running", "paused", "restarting", "removing", "exited", "dead""#,
        r#""sleeping""#,
    );
}

#[test]
fn null_where_not_nullable() {
    let mut v = recorded("volume-inspect.json");
    v["Scope"] = Value::Null;
    let f = one("GET", "/v1.41/volumes/v", &v);
    assert_finding(
        &f,
        "VolumeInspect",
        "/Scope",
        FindingKind::NullNotNullable,
        r#"one of "local", "global""#,
        "null",
    );
}

#[test]
fn a_wrong_array_item_type() {
    let mut v = recorded("container-inspect.json");
    v["Config"]["Cmd"].as_array_mut().unwrap().push(json!(7));
    let f = one("GET", INSPECT, &v);
    assert_finding(
        &f,
        "ContainerInspect",
        "/Config/Cmd/2",
        FindingKind::WrongItemType,
        "string",
        "7",
    );
}

/// A key with a slash is escaped in the pointer (RFC 6901).
#[test]
fn pointers_escape_slashes() {
    let mut v = recorded("container-inspect.json");
    v["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"] = json!(8080);
    let f = one("GET", INSPECT, &v);
    assert_eq!(f.pointer, "/NetworkSettings/Ports/8080~1tcp/0/HostPort");
    assert_eq!(f.kind, FindingKind::WrongType);
}

#[test]
fn an_extra_field_is_reported_and_does_not_fail() {
    let mut v = recorded("version.json");
    v["Bogus"] = json!({"a": 1});
    let f = one("GET", "/v1.41/version", &v);
    assert_finding(
        &f,
        "SystemVersion",
        "/Bogus",
        FindingKind::Extra,
        "no such field in SystemVersion",
        r#"{"a":1}"#,
    );
    assert!(!f.kind.fails());
}

#[test]
fn a_json_reply_with_another_media_type() {
    let f = check(
        V1_41,
        "GET",
        "/v1.41/info",
        200,
        Some("text/plain; charset=utf-8"),
        &fixture("info.json"),
    );
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_finding(
        &f[0],
        "SystemInfo",
        "",
        FindingKind::MediaType,
        "application/json",
        "text/plain",
    );
}

#[test]
fn a_bad_line_in_a_json_lines_reply() {
    let mut lines: Vec<Value> = serde_json::Deserializer::from_slice(&fixture("events.jsonl"))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    lines[2]["Type"] = json!("ship");
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let f = check_json("GET", "/v1.41/events?since=1", 200, body.as_bytes());
    let failing: Vec<_> = f.iter().filter(|f| f.kind.fails()).collect();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert_eq!(
        (failing[0].pointer.as_str(), failing[0].kind),
        ("/2/Type", FindingKind::BadEnum)
    );
}

#[test]
fn an_error_reply_without_its_message() {
    let f = check(
        V1_41,
        "GET",
        INSPECT,
        404,
        Some("application/json"),
        br#"{"error":"gone"}"#,
    );
    let kinds: Vec<_> = f.iter().map(|f| (f.pointer.as_str(), f.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("/message", FindingKind::MissingRequired),
            ("/error", FindingKind::Extra)
        ]
    );
}

#[test]
fn an_undocumented_status_is_reported_and_does_not_fail() {
    let h = HeaderMap::new();
    let reply = Reply {
        method: "POST",
        status: 200,
        headers: &h,
        body: Some(b""),
    };
    let f = Catalog::new(V1_41).check("/v1.41/containers/x/start", &reply).unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_finding(
        &f[0],
        "ContainerStart",
        "",
        FindingKind::UndocumentedStatus,
        "one of 204, 304, 400, 404, 500",
        "200",
    );
    assert!(!f[0].kind.fails());
}

#[test]
fn a_body_where_none_is_defined() {
    let f = check(V1_41, "POST", "/v1.41/containers/x/stop", 204, None, b"stopped");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_finding(&f[0], "ContainerStop", "", FindingKind::MediaType, "no body", "stopped");
}

#[test]
fn a_json_reply_that_is_not_json() {
    let f = check_json("GET", "/v1.41/version", 200, b"{\"Version\":");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        (f[0].kind, f[0].expected.as_str()),
        (FindingKind::InvalidJson, "object SystemVersion")
    );
}

/// A reply to a request sent under a version below the shapes' floor (the
/// too-old check's `/v1.11/version`, answered in 1.11's plain text) is not
/// validated against v1.41; the same reply under 1.41 is.
#[test]
fn a_reply_below_the_floor_is_not_validated() {
    let h = headers(Some("text/plain; charset=utf-8"));
    let reply = Reply {
        method: "GET",
        status: 400,
        headers: &h,
        body: Some(b"client version 1.11 is too old. Minimum supported API version is 1.12"),
    };
    let catalog = Catalog::new(V1_41);
    assert!(catalog.check("/v1.11/version", &reply).is_none());
    assert!(catalog.check("/v1.40/version", &reply).is_none());
    let at_floor = catalog.check("/v1.41/version", &reply).unwrap();
    assert!(!failing(&at_floor).is_empty(), "{at_floor:#?}");
    let unversioned = catalog.check("/version", &reply).unwrap();
    assert_eq!(failing(&unversioned), failing(&at_floor));
}
