//! [`Request`]: a call to the engine as a check builds it (method, an
//! unversioned path, query, headers, body, and the call's allowance), and
//! [`encode`] for query components.

use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderValue;
use http::Method;

use crate::version::ApiVersion;

/// A request to the engine. Paths are given unversioned (`/containers/json`);
/// the client adds the negotiated `/v1.xx` prefix unless [`Request::unversioned`].
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Bytes>,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) headers: Vec<(http::HeaderName, HeaderValue)>,
    pub(crate) allowance: Duration,
    pub(crate) versioned: bool,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            content_type: None,
            headers: Vec::new(),
            allowance: Duration::ZERO,
            versioned: true,
        }
    }
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }
    pub fn head(path: impl Into<String>) -> Self {
        Self::new(Method::HEAD, path)
    }

    /// Adds a query parameter (percent-encoded by the client).
    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = Some(Bytes::from(value.to_string()));
        self.content_type = Some("application/json");
        self
    }

    /// Sets a raw body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(body.into());
        self.content_type = Some(content_type);
        self
    }

    pub fn header(mut self, name: http::HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Extra time for a call that waits on purpose (stop with `t`, wait).
    pub fn allowance(mut self, extra: Duration) -> Self {
        self.allowance = extra;
        self
    }

    /// Sends the path as given, without the version prefix (`/_ping`, `/version`).
    pub fn unversioned(mut self) -> Self {
        self.versioned = false;
        self
    }

    pub(crate) fn target(&self, version: Option<ApiVersion>) -> String {
        let mut t = match (self.versioned, version) {
            (true, Some(v)) => format!("/v{v}{}", self.path),
            _ => self.path.clone(),
        };
        for (i, (k, v)) in self.query.iter().enumerate() {
            t.push(if i == 0 { '?' } else { '&' });
            t.push_str(&encode(k));
            t.push('=');
            t.push_str(&encode(v));
        }
        t
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
