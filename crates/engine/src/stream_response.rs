//! [`StreamResponse`]: a reply being streamed, whose body is read under the
//! stream's idle deadline ([`IdleWatch`](crate::idle::IdleWatch)) while its
//! connection is driven in the same poll; and [`Decoded`], its messages
//! through a strict decoder ([`FrameStream`], [`JsonStream`]).

use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::HeaderMap;
use http::{Method, StatusCode};
use hyper::body::Incoming;

use crate::endpoint::Endpoint;
use crate::error::EngineError;
use crate::idle::IdleWatch;
use crate::response::Response;
use crate::stream::{DecodeError, FrameDecoder, JsonLinesDecoder, StreamDecoder};
use crate::transport;

/// A reply being streamed.
pub struct StreamResponse {
    /// For errors: the engine the stream comes from.
    pub(crate) endpoint: Endpoint,
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub(crate) body: Incoming,
    /// The connection, driven by the reader of the body; `None` once it has
    /// ended.
    pub(crate) conn: Option<transport::Driven>,
    pub(crate) idle: IdleWatch,
    pub(crate) started: Instant,
}

impl StreamResponse {
    /// Changes the idle deadline for the chunks still to come.
    pub fn set_idle_deadline(&mut self, idle: Duration) {
        self.idle.set(idle);
    }

    /// The next chunk, `None` at the end of the stream.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, EngineError> {
        loop {
            let (body, conn, idle) = (&mut self.body, &mut self.conn, &mut self.idle);
            idle.wait_begins();
            let next = std::future::poll_fn(|cx| {
                if let Poll::Ready(f) = poll_body(body, conn, cx) {
                    idle.heard = true;
                    return Poll::Ready(Some(f));
                }
                idle.poll_silent(cx).map(|()| None)
            })
            .await;
            let Some(next) = next else {
                return Err(EngineError::StreamIdle {
                    endpoint: self.endpoint.clone(),
                    method: self.method.clone(),
                    path: self.path.clone(),
                    idle: self.idle.idle,
                });
            };
            match next {
                None => return Ok(None),
                Some(Err(e)) => {
                    return Err(transport::exchange_error(&e).engine_error(&self.endpoint, &self.method, &self.path))
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Ok(Some(data));
                        }
                    }
                }
            }
        }
    }

    /// Reads the rest of the stream into memory (each chunk under the idle deadline).
    pub async fn collect(mut self) -> Result<Response, EngineError> {
        let mut buf = bytes::BytesMut::new();
        while let Some(c) = self.chunk().await? {
            buf.extend_from_slice(&c);
        }
        Ok(Response {
            method: self.method,
            path: self.path,
            status: self.status,
            headers: self.headers,
            body: buf.freeze(),
            elapsed: self.started.elapsed(),
        })
    }

    /// Turns the stream into a strict frame reader.
    pub fn frames(self) -> FrameStream {
        Decoded::new(self, FrameDecoder::new())
    }

    /// Turns the stream into a JSON-lines reader.
    pub fn json_lines(self) -> JsonStream {
        Decoded::new(self, JsonLinesDecoder::new())
    }

    fn protocol(&self, e: DecodeError) -> EngineError {
        EngineError::Protocol {
            method: self.method.clone(),
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }
}

/// The body's next frame, driving its connection in the same poll. hyper's
/// connection hands the body one HTTP chunk at a time, and dockerd sends a
/// chunk per log line or event: with the connection in a task of its own,
/// every chunk cost two task wake-ups and a round of the scheduler (an
/// `epoll_wait` each); here the chunk the connection just decoded is taken at
/// once, and the body's "want more" signal to the connection is handled in
/// the same relay window rather than as a wake-up of the task.
fn poll_body(
    body: &mut Incoming,
    conn: &mut Option<transport::Driven>,
    cx: &mut std::task::Context<'_>,
) -> Poll<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>> {
    let Some(c) = conn.as_mut() else {
        return hyper::body::Body::poll_frame(Pin::new(body), cx);
    };
    let mut ended = false;
    let out = c.poll_with(cx, &mut ended, |inner| {
        hyper::body::Body::poll_frame(Pin::new(&mut *body), inner)
    });
    if ended {
        // The whole message was read, or the connection failed (the body
        // reports the error next): from now on only the body is polled.
        *conn = None;
        if out.is_pending() {
            return hyper::body::Body::poll_frame(Pin::new(body), cx);
        }
    }
    out
}

/// Messages decoded from a streaming reply by a strict [`StreamDecoder`]; a
/// stream that ends inside a message ends in a protocol error.
pub struct Decoded<D> {
    inner: StreamResponse,
    decoder: D,
    done: bool,
}

/// Frames of a multiplexed stdout/stderr stream (logs, attach over HTTP).
pub type FrameStream = Decoded<FrameDecoder>;

/// JSON messages (events, build, load, pull progress).
pub type JsonStream = Decoded<JsonLinesDecoder>;

impl<D: StreamDecoder> Decoded<D> {
    fn new(inner: StreamResponse, decoder: D) -> Self {
        Decoded {
            inner,
            decoder,
            done: false,
        }
    }

    pub fn response(&self) -> &StreamResponse {
        &self.inner
    }

    pub fn set_idle_deadline(&mut self, idle: Duration) {
        self.inner.set_idle_deadline(idle);
    }

    /// The next message, `None` at the end of the stream.
    pub async fn next(&mut self) -> Result<Option<D::Item>, EngineError> {
        loop {
            if let Some(m) = self.decoder.next_item().map_err(|e| self.inner.protocol(e))? {
                return Ok(Some(m));
            }
            if self.done {
                return Ok(None);
            }
            match self.inner.chunk().await? {
                Some(c) => self.decoder.push_chunk(&c),
                None => {
                    self.done = true;
                    if let Some(m) = self.decoder.end().map_err(|e| self.inner.protocol(e))? {
                        return Ok(Some(m));
                    }
                }
            }
        }
    }
}
