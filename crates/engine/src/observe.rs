//! [`CallObserver`], what sees every call of an engine handle: its
//! [`CallRecord`] and [`ReplySeen`], a reply as the engine sent it (status, headers, and the
//! whole body when the call read it whole), for [`CallObserver::reply`].
//!
//! A [`CallRecord`](crate::CallRecord) keeps previews for transcripts; a
//! validator needs the full bytes. They are lent, not copied: an observer
//! that does not override `reply` costs a call nothing. A stream's or an
//! upgraded connection's body is never read here (`body: None`): only its
//! head is seen.

use std::sync::Arc;

use http::{HeaderMap, Method, StatusCode};

/// One finished call, for transcripts and `--verbose`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallRecord {
    pub method: String,
    pub path: String,
    /// The status, absent when no reply came.
    pub status: Option<u16>,
    pub elapsed_ms: f64,
    /// A prefix of the request body, when there was one.
    pub request_body: Option<String>,
    /// A prefix of the response body (non-streaming calls).
    pub response_body: Option<String>,
    /// The error kind and message, when the call failed below HTTP.
    pub error: Option<String>,
}

/// Receives a record of every call an [`Engine`](crate::Engine) handle makes.
pub trait CallObserver: Send + Sync {
    fn record(&self, call: &CallRecord);

    /// The reply itself, before `record` (see [`ReplySeen`]). Does nothing
    /// unless overridden.
    fn reply(&self, _reply: &ReplySeen<'_>) {}
}

/// One reply, lent to observers.
#[derive(Debug, Clone, Copy)]
pub struct ReplySeen<'a> {
    pub method: &'a Method,
    /// The path as sent, versioned, with its query.
    pub path: &'a str,
    pub status: StatusCode,
    pub headers: &'a HeaderMap,
    /// The whole body, for a call that read it whole (`send`, a refused
    /// upgrade); `None` for a stream or a switched connection.
    pub body: Option<&'a [u8]>,
}

impl<'a> ReplySeen<'a> {
    pub fn new(
        method: &'a Method,
        path: &'a str,
        status: StatusCode,
        headers: &'a HeaderMap,
        body: Option<&'a [u8]>,
    ) -> ReplySeen<'a> {
        ReplySeen {
            method,
            path,
            status,
            headers,
            body,
        }
    }
}

/// Shows a reply to the observer, if there is one (built only then).
pub(crate) fn show<'a>(observer: &Option<Arc<dyn CallObserver>>, reply: impl FnOnce() -> ReplySeen<'a>) {
    if let Some(o) = observer {
        o.reply(&reply());
    }
}
