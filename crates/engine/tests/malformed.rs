//! Malformed reply bodies reach a check as [`EngineError::Protocol`], naming
//! the call and where the bytes broke: canned bytes, no engine needed. (The
//! same over a real socket, through a fault-injecting proxy, is in proxy.rs.)

use std::time::Duration;

use dockhand_engine::{encode_frame, Bytes, EngineError, HeaderMap, Method, Response, StatusCode, StreamKind};
use proptest::prelude::*;

fn reply(body: &[u8]) -> Response {
    Response {
        method: Method::GET,
        path: "/v1.41/containers/abc/logs".into(),
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: Bytes::copy_from_slice(body),
        elapsed: Duration::ZERO,
    }
}

fn protocol_detail(e: EngineError) -> String {
    match e {
        EngineError::Protocol { method, path, detail } => {
            assert_eq!(method, Method::GET);
            assert_eq!(path, "/v1.41/containers/abc/logs");
            detail
        }
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[test]
fn each_malformed_frame_stream_is_a_protocol_error_naming_the_offset() {
    let good = encode_frame(StreamKind::Stdout, b"line\n");
    let mut bad_type = good.clone();
    bad_type.extend(encode_frame(StreamKind::Stdout, b"x"));
    bad_type[good.len()] = 7;
    let mut bad_padding = good.clone();
    bad_padding[2] = 1;
    let truncated_header = [&good[..], &good[..5]].concat();
    let truncated_payload = [&good[..], &good[..10]].concat();
    for (body, expect) in [
        (bad_type, "at byte 13 has stream type 7"),
        (bad_padding, "at byte 0 has non-zero padding"),
        (truncated_header, "inside a frame header at byte 13: 5 of 8"),
        (truncated_payload, "inside a frame at byte 13: 2 of 5 payload bytes"),
        (b"plain tty text\n".to_vec(), "stream type 112"),
    ] {
        let detail = protocol_detail(reply(&body).frames().unwrap_err());
        assert!(detail.contains(expect), "{detail}");
    }
}

#[test]
fn malformed_json_bodies_are_protocol_errors() {
    let detail = protocol_detail(reply(b"{\"Id\": ").json::<serde_json::Value>().unwrap_err());
    assert!(
        detail.contains("invalid JSON body") && detail.contains("{\"Id\": "),
        "{detail}"
    );
    let detail = protocol_detail(reply(b"{\"status\":\"ok\"}\n<html>\n").json_lines().unwrap_err());
    assert!(
        detail.contains("invalid JSON message at byte 16") && detail.contains("<html>"),
        "{detail}"
    );
    let detail = protocol_detail(reply(b"{\"status\":\"ok\"}\n{\"stat").json_lines().unwrap_err());
    assert!(
        detail.contains("stream ended inside a JSON message at byte 16"),
        "{detail}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the body, decoding it is a value or a protocol error: never a
    /// panic, and never another kind (a bad body says nothing about whether
    /// the engine is up).
    #[test]
    fn any_body_decodes_or_is_a_protocol_error(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let r = reply(&body);
        if let Err(e) = r.frames() {
            prop_assert!(!e.is_engine_down());
            protocol_detail(e);
        }
        if let Err(e) = r.json_lines() {
            protocol_detail(e);
        }
        if let Err(e) = r.json::<serde_json::Value>() {
            protocol_detail(e);
        }
    }
}
