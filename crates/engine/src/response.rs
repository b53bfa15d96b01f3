//! [`Response`]: a complete reply, the raw facts a check asserts (status,
//! headers, body bytes, elapsed), with typed readers on top.

use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderMap;
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::EngineError;
use crate::stream::{DecodeError, Frame, FrameDecoder, JsonLinesDecoder};

/// Room for a body in a record or an error message.
const PREVIEW: usize = 1024;

pub(crate) fn preview(b: &[u8]) -> String {
    let cut = &b[..b.len().min(PREVIEW)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if b.len() > PREVIEW {
        s.push_str(&format!("... ({} bytes)", b.len()));
    }
    s
}

/// A complete reply: the raw facts a check asserts.
#[derive(Debug, Clone)]
pub struct Response {
    pub method: Method,
    /// The versioned path and query as sent.
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl Response {
    /// The engine's error `message`, or the raw body when it is not the usual JSON.
    pub fn message(&self) -> String {
        match serde_json::from_slice::<serde_json::Value>(&self.body) {
            Ok(v) if v.get("message").and_then(|m| m.as_str()).is_some() => {
                v["message"].as_str().unwrap_or_default().to_string()
            }
            _ => String::from_utf8_lossy(&self.body).trim().to_string(),
        }
    }

    /// Turns any non-2xx status into [`EngineError::Api`].
    pub fn ok(self) -> Result<Self, EngineError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.api_error())
        }
    }

    /// Accepts only the given statuses.
    pub fn expect_status(self, accepted: &[u16]) -> Result<Self, EngineError> {
        if accepted.contains(&self.status.as_u16()) {
            Ok(self)
        } else {
            Err(self.api_error())
        }
    }

    pub fn api_error(&self) -> EngineError {
        EngineError::Api {
            method: self.method.clone(),
            path: self.path.clone(),
            status: self.status,
            message: self.message(),
        }
    }

    /// Parses the body as JSON; failure is a protocol error.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, EngineError> {
        serde_json::from_slice(&self.body).map_err(|e| EngineError::Protocol {
            method: self.method.clone(),
            path: self.path.clone(),
            detail: format!("invalid JSON body: {e}: {}", preview(&self.body)),
        })
    }

    /// The body decoded as a multiplexed stream; bad framing is a protocol error.
    pub fn frames(&self) -> Result<Vec<Frame>, EngineError> {
        FrameDecoder::decode_all(&self.body).map_err(|e| self.decode_error(e))
    }

    /// The body decoded as JSON lines.
    pub fn json_lines(&self) -> Result<Vec<serde_json::Value>, EngineError> {
        JsonLinesDecoder::decode_all(&self.body).map_err(|e| self.decode_error(e))
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn decode_error(&self, e: DecodeError) -> EngineError {
        EngineError::Protocol {
            method: self.method.clone(),
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }
}
