//! What every Engine API reply must look like, whatever the operation:
//! [`shape_fault`] finds an error reply that is not the reference's
//! `ErrorResponse`, or a JSON body without a JSON `Content-Type`.
//!
//! The v1.41 reference declares every error of every operation as
//! `application/json` with the schema `ErrorResponse` (`{"message": string}`,
//! `message` required), and every JSON reply as `application/json`.
//! [`Response::message`](dockhand_engine::Response::message) falls back to
//! the raw body so that a user sees what came; a tester must not: a
//! `text/plain` 404 is a deviation. [`Ctx::expect_status`](crate::Ctx::expect_status),
//! which every status assertion goes through, applies these rules once the
//! status matched, so every check gets them without asking.

use dockhand_engine::{HeaderMap, Method, StatusCode};
use serde_json::Value;

/// A reply whose status was right but whose shape was not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeFault {
    /// What the reference asks for.
    pub expected: String,
    /// What came.
    pub actual: String,
}

/// The media type the reference declares for JSON bodies and errors.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Whether a `Content-Type` value names `application/json` (parameters such
/// as `; charset=utf-8` allowed, case-insensitive as RFC 9110 says).
pub fn is_json_content_type(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(JSON_MEDIA_TYPE))
    })
}

/// The `Content-Type` header as text, for messages.
fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get("content-type").and_then(|v| v.to_str().ok())
}

/// The `message` of an `ErrorResponse` body, strictly: a JSON
/// `Content-Type`, a JSON object, and `message` a string. Unlike
/// `Response::message`, nothing falls back to the raw body.
pub fn error_message(headers: &HeaderMap, body: &[u8]) -> Result<String, ShapeFault> {
    let expected = || format!("an ErrorResponse: Content-Type {JSON_MEDIA_TYPE}, body {{\"message\": <string>}}");
    let ct = content_type(headers);
    if !is_json_content_type(ct) {
        return Err(ShapeFault {
            expected: expected(),
            actual: format!("Content-Type {ct:?}, body {}", preview(body)),
        });
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => match v.get("message") {
            Some(Value::String(m)) => Ok(m.clone()),
            _ => Err(ShapeFault {
                expected: expected(),
                actual: format!("a body without a string message: {}", preview(body)),
            }),
        },
        Err(e) => Err(ShapeFault {
            expected: expected(),
            actual: format!("a body that is not JSON ({e}): {}", preview(body)),
        }),
    }
}

/// Whether a body is JSON: one or more JSON documents (a JSON-lines progress
/// stream sent whole is several), the first an object, an array or a
/// string. Multiplexed frames, tar archives, raw TTY text and `OK` are not.
pub fn looks_like_json(body: &[u8]) -> bool {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{' | b'[' | b'"')) {
        return false;
    }
    let mut docs = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    let mut any = false;
    for doc in docs.by_ref() {
        if doc.is_err() {
            return false;
        }
        any = true;
    }
    any
}

/// What is wrong with a reply's shape, once its status was the one expected:
/// an error status (4xx, 5xx; a `HEAD` has no body) must carry an
/// `ErrorResponse` ([`error_message`]); any body that is JSON must say so in
/// its `Content-Type`.
pub fn shape_fault(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<ShapeFault> {
    if (status.is_client_error() || status.is_server_error()) && *method != Method::HEAD {
        // Errors became JSON in API 1.24; a request under an older version
        // (`/v1.23/...` and below, e.g. a check of the too-old refusal)
        // gets the plain text its own reference describes.
        if path_api_version(path).is_some_and(|v| v < (1, 24)) {
            return None;
        }
        return error_message(headers, body).err();
    }
    let ct = content_type(headers);
    if looks_like_json(body) && !is_json_content_type(ct) {
        return Some(ShapeFault {
            expected: format!("Content-Type {JSON_MEDIA_TYPE} for a JSON body"),
            actual: format!("Content-Type {ct:?}"),
        });
    }
    None
}

/// The API version a request path names (`/v1.41/containers/json` is
/// 1.41); `None` for an unversioned path.
fn path_api_version(path: &str) -> Option<(u32, u32)> {
    let v = path.strip_prefix("/v")?.split('/').next()?;
    let (major, minor) = v.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The first 200 bytes of a body, lossily, for messages.
fn preview(body: &[u8]) -> String {
    let s = format!("{:?}", String::from_utf8_lossy(&body[..body.len().min(200)]));
    if body.len() > 200 {
        format!("{s}... ({} bytes)", body.len())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_engine::HeaderMap;

    fn headers(ct: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert("content-type", ct.parse().unwrap());
        }
        h
    }

    fn fault(method: Method, status: u16, ct: Option<&str>, body: &str) -> Option<ShapeFault> {
        shape_fault(
            &method,
            "/v1.41/x",
            StatusCode::from_u16(status).unwrap(),
            &headers(ct),
            body.as_bytes(),
        )
    }

    #[test]
    fn json_content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some("Application/JSON; charset=utf-8")));
        assert!(!is_json_content_type(Some("text/plain; charset=utf-8")));
        assert!(!is_json_content_type(Some("application/json-seq")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn an_error_must_be_a_json_error_response() {
        let json = Some("application/json");
        assert_eq!(
            fault(Method::GET, 404, json, r#"{"message":"No such container: x"}"#),
            None
        );
        // What `Response::message` would accept: a text body, any JSON.
        let text = fault(Method::GET, 404, Some("text/plain; charset=utf-8"), "page not found").unwrap();
        assert!(text.actual.contains("text/plain"), "{text:?}");
        assert!(fault(Method::GET, 404, json, "page not found").is_some());
        assert!(fault(Method::GET, 500, json, r#"{"error":"x"}"#).is_some());
        assert!(fault(Method::GET, 500, json, r#"{"message":42}"#).is_some());
        assert!(fault(Method::GET, 409, None, r#"{"message":"conflict"}"#).is_some());
        assert!(fault(Method::POST, 400, json, "").is_some());
        // Before API 1.24 errors were plain text.
        let old = |path| {
            shape_fault(
                &Method::GET,
                path,
                StatusCode::BAD_REQUEST,
                &headers(Some("text/plain")),
                b"too old",
            )
        };
        assert_eq!(old("/v1.11/version"), None);
        assert_eq!(old("/v1.23/version"), None);
        assert!(old("/v1.24/version").is_some());
        assert!(old("/version").is_some());
        // A HEAD reply has no body to carry one.
        assert_eq!(fault(Method::HEAD, 404, None, ""), None);
        assert_eq!(
            error_message(&headers(json), br#"{"message":"m"}"#),
            Ok("m".to_string())
        );
    }

    #[test]
    fn a_json_body_must_say_so() {
        let json = Some("application/json");
        assert_eq!(fault(Method::GET, 200, json, r#"{"Id":"x"}"#), None);
        assert_eq!(fault(Method::GET, 200, json, "[]"), None);
        assert!(fault(Method::GET, 200, Some("text/plain"), r#"{"Id":"x"}"#).is_some());
        assert!(fault(Method::GET, 200, None, "[1]").is_some());
        assert!(fault(Method::POST, 200, None, "\"node-id\"").is_some());
        // A progress stream sent whole: several documents.
        assert!(fault(
            Method::POST,
            200,
            Some("text/plain"),
            "{\"status\":\"a\"}\r\n{\"status\":\"b\"}\r\n"
        )
        .is_some());
        // Not JSON: nothing to say about the Content-Type.
        assert_eq!(fault(Method::GET, 200, Some("text/plain; charset=utf-8"), "OK"), None);
        assert_eq!(fault(Method::GET, 200, None, "\u{1}\0\0\0\0\0\0\u{2}{}"), None);
        assert_eq!(fault(Method::GET, 200, None, "{not json"), None);
        assert_eq!(fault(Method::POST, 204, None, ""), None);
    }
}
