//! The client: [`Engine`], [`Request`] and [`Response`].
//!
//! Every call goes through [`Engine::send`] (whole reply in memory),
//! [`Engine::stream`] (headers within the deadline, then chunks with an idle
//! deadline) or [`Engine::upgrade`] (attach and exec hijacking). None of them
//! turns a status into an error: a check asserts statuses itself, and the typed
//! helpers in the area modules call [`Response::ok`] when they need a success.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::error::EngineError;
use crate::stream::{DecodeError, Frame, FrameDecoder, JsonLinesDecoder, StreamDecoder};
use crate::transport::{self, Pool, TransportError};
use crate::version::{ApiVersion, MAX_API_VERSION};

/// Deadlines for calls.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// A whole non-streaming call: connect, send, and read the full reply.
    pub call: Duration,
    /// The longest silence a streaming call tolerates between chunks.
    pub stream_idle: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            call: Duration::from_secs(30),
            stream_idle: Duration::from_secs(30),
        }
    }
}

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

/// Receives a record of every call an [`Engine`] handle makes.
pub trait CallObserver: Send + Sync {
    fn record(&self, call: &CallRecord);
}

const PREVIEW: usize = 1024;

fn preview(b: &[u8]) -> String {
    let cut = &b[..b.len().min(PREVIEW)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if b.len() > PREVIEW {
        s.push_str(&format!("... ({} bytes)", b.len()));
    }
    s
}

/// A request to the engine. Paths are given unversioned (`/containers/json`);
/// the client adds the negotiated `/v1.xx` prefix unless [`Request::unversioned`].
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    query: Vec<(String, String)>,
    body: Option<Bytes>,
    content_type: Option<&'static str>,
    headers: Vec<(http::HeaderName, HeaderValue)>,
    allowance: Duration,
    versioned: bool,
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

    fn target(&self, version: Option<ApiVersion>) -> String {
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

/// What the engine said about itself at connect time (`GET /version`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineInfo {
    /// The engine's product version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The newest API version the engine speaks.
    pub api_version: ApiVersion,
    pub min_api_version: Option<ApiVersion>,
    /// A product name: the `Engine` component's name, or the platform's.
    pub name: String,
    pub os: String,
    pub arch: String,
    /// The whole reply.
    pub raw: serde_json::Value,
}

struct Shared {
    endpoint: Endpoint,
    deadlines: Deadlines,
    pool: Arc<Pool>,
    version: ApiVersion,
    info: Option<EngineInfo>,
}

/// A handle on one engine. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
    observer: Option<Arc<dyn CallObserver>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.shared.endpoint)
            .field("version", &self.shared.version)
            .finish()
    }
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub endpoint: Endpoint,
    pub deadlines: Deadlines,
    /// Use this API version instead of negotiating.
    pub pinned_version: Option<ApiVersion>,
}

impl Engine {
    /// Connects and negotiates the API version: the lower of the engine's and
    /// dockhand's own maximum, unless pinned. The `/version` call doubles as the
    /// reachability check, so a missing engine fails here.
    pub async fn connect(opts: ConnectOptions) -> Result<Engine, EngineError> {
        let probe = Engine::unnegotiated(opts.endpoint.clone(), opts.deadlines);
        let resp = probe.send(Request::get("/version").unversioned()).await?.ok()?;
        let raw: serde_json::Value = resp.json()?;
        let api = |key: &str| {
            raw.get(key)
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<ApiVersion>().ok())
        };
        let api_version = api("ApiVersion").ok_or_else(|| EngineError::Protocol {
            method: Method::GET,
            path: "/version".into(),
            detail: format!("the reply has no valid ApiVersion: {}", preview(&resp.body)),
        })?;
        // Debian's docker.io leaves Platform.Name empty; the component is "Engine".
        let name = match raw["Platform"]["Name"].as_str() {
            Some(p) if !p.is_empty() => p.to_string(),
            _ => match raw["Components"]
                .as_array()
                .and_then(|c| c.first())
                .and_then(|c| c["Name"].as_str())
            {
                Some("Engine") | None => "Docker Engine".to_string(),
                Some(other) => other.to_string(),
            },
        };
        let info = EngineInfo {
            version: raw["Version"].as_str().unwrap_or_default().to_string(),
            api_version,
            min_api_version: api("MinAPIVersion"),
            name,
            os: raw["Os"].as_str().unwrap_or_default().to_string(),
            arch: raw["Arch"].as_str().unwrap_or_default().to_string(),
            raw: raw.clone(),
        };
        let version = opts.pinned_version.unwrap_or(api_version.min(MAX_API_VERSION));
        Ok(Engine {
            shared: Arc::new(Shared {
                endpoint: opts.endpoint,
                deadlines: opts.deadlines,
                pool: probe.shared.pool.clone(),
                version,
                info: Some(info),
            }),
            observer: None,
        })
    }

    /// A handle that sends versioned paths with the given version and has not
    /// talked to the engine yet (for benchmarks and for probing a dead engine).
    pub fn with_version(endpoint: Endpoint, deadlines: Deadlines, version: ApiVersion) -> Engine {
        Engine {
            shared: Arc::new(Shared {
                endpoint,
                deadlines,
                pool: Arc::new(Pool::new()),
                version,
                info: None,
            }),
            observer: None,
        }
    }

    fn unnegotiated(endpoint: Endpoint, deadlines: Deadlines) -> Engine {
        Self::with_version(endpoint, deadlines, MAX_API_VERSION)
    }

    /// The same engine, with every call reported to `observer`.
    pub fn with_observer(&self, observer: Arc<dyn CallObserver>) -> Engine {
        Engine {
            shared: self.shared.clone(),
            observer: Some(observer),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.shared.endpoint
    }

    pub fn api_version(&self) -> ApiVersion {
        self.shared.version
    }

    /// What `/version` said at connect time, if this handle negotiated.
    pub fn info(&self) -> Option<&EngineInfo> {
        self.shared.info.as_ref()
    }

    pub fn deadlines(&self) -> Deadlines {
        self.shared.deadlines
    }

    fn build(&self, req: &Request) -> Result<(String, http::Request<Full<Bytes>>), EngineError> {
        let target = req.target(Some(self.shared.version));
        let invalid = |e: &dyn std::fmt::Display| EngineError::InvalidRequest(format!("{} {target}: {e}", req.method));
        // Filled in place rather than through `http::request::Builder`: this
        // is on every call's path, and the fixed headers are parsed once.
        let mut r = http::Request::new(Full::new(req.body.clone().unwrap_or_default()));
        *r.method_mut() = req.method.clone();
        *r.uri_mut() = http::Uri::try_from(target.as_str()).map_err(|e| invalid(&e))?;
        // hyper parses the reply's headers into the map the request's came in
        // (it keeps it once the request is written): sized for the dozen a
        // dockerd reply carries, the map is allocated once a call and never
        // grows mid-parse.
        let headers = r.headers_mut();
        *headers = HeaderMap::with_capacity(REPLY_HEADERS);
        headers.insert(HOST, HeaderValue::from_static("docker"));
        headers.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static(concat!("dockhand/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(ct) = req.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        for (k, v) in &req.headers {
            headers.append(k.clone(), v.clone());
        }
        Ok((target, r))
    }

    fn map_transport(&self, e: TransportError, method: &Method, path: &str) -> EngineError {
        match e {
            TransportError::Connect(reason) => EngineError::Unreachable {
                endpoint: self.shared.endpoint.clone(),
                reason,
            },
            TransportError::Exchange { detail, parse: true } => EngineError::Protocol {
                method: method.clone(),
                path: path.to_string(),
                detail,
            },
            TransportError::Exchange { detail, parse: false } => EngineError::ConnectionLost {
                endpoint: self.shared.endpoint.clone(),
                method: method.clone(),
                path: path.to_string(),
                detail,
            },
        }
    }

    fn not_responding(&self, method: &Method, path: &str, waited: Duration) -> EngineError {
        EngineError::NotResponding {
            endpoint: self.shared.endpoint.clone(),
            method: method.clone(),
            path: path.to_string(),
            waited,
        }
    }

    fn observe(
        &self,
        req: &Request,
        target: &str,
        status: Option<StatusCode>,
        started: Instant,
        body: Option<&[u8]>,
        err: Option<&EngineError>,
    ) {
        if let Some(o) = &self.observer {
            o.record(&CallRecord {
                method: req.method.to_string(),
                path: target.to_string(),
                status: status.map(|s| s.as_u16()),
                elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
                request_body: req.body.as_deref().filter(|b| !b.is_empty()).map(preview),
                response_body: body.filter(|b| !b.is_empty()).map(preview),
                error: err.map(|e| format!("{}: {e}", e.kind())),
            });
        }
        tracing::debug!(method = %req.method, path = target, status = status.map(|s| s.as_u16()), elapsed_ms = started.elapsed().as_millis() as u64, "engine call");
    }

    /// Sends a request and reads the whole reply within the call deadline plus
    /// the request's allowance. Any status is returned as is.
    pub async fn send(&self, req: Request) -> Result<Response, EngineError> {
        let started = Instant::now();
        let (target, http_req) = self.build(&req)?;
        let limit = self.shared.deadlines.call + req.allowance;
        let method = req.method.clone();
        let work = async {
            let (resp, mut conn) = transport::send(&self.shared.pool, &self.shared.endpoint, http_req)
                .await
                .map_err(|e| self.map_transport(e, &method, &target))?;
            let (parts, body) = resp.into_parts();
            let collect = body.collect();
            tokio::pin!(collect);
            let body = transport::drive(collect, &mut conn.conn)
                .await
                .ok_or_else(|| self.map_transport(transport::closed_early(), &method, &target))?
                .map_err(|e| self.map_transport(transport::exchange_error(&e), &method, &target))?
                .to_bytes();
            self.shared.pool.put_back(conn);
            Ok::<_, EngineError>((parts, body))
        };
        // Boxed: the exchange's future is large (hyper's request, reply and
        // dispatch state), and an unboxed one is copied on every move of
        // every future around it, several times a call.
        let result = match tokio::time::timeout_at(deadline(started, limit), Box::pin(work)).await {
            Ok(r) => r,
            Err(_) => Err(self.not_responding(&method, &target, limit)),
        };
        match result {
            Ok((parts, body)) => {
                self.observe(&req, &target, Some(parts.status), started, Some(&body), None);
                Ok(Response {
                    method,
                    path: target,
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    elapsed: started.elapsed(),
                })
            }
            Err(e) => {
                self.observe(&req, &target, None, started, None, Some(&e));
                Err(e)
            }
        }
    }

    /// Sends a request whose reply is a stream: the status and headers must come
    /// within the call deadline (plus allowance); each later chunk must come
    /// within the idle deadline.
    pub async fn stream(&self, req: Request) -> Result<StreamResponse, EngineError> {
        let started = Instant::now();
        let (target, http_req) = self.build(&req)?;
        let limit = self.shared.deadlines.call + req.allowance;
        let method = req.method.clone();
        let head = async {
            transport::send(&self.shared.pool, &self.shared.endpoint, http_req)
                .await
                .map_err(|e| self.map_transport(e, &method, &target))
        };
        // Boxed, as in `send`.
        let result = match tokio::time::timeout_at(deadline(started, limit), Box::pin(head)).await {
            Ok(r) => r,
            Err(_) => Err(self.not_responding(&method, &target, limit)),
        };
        match result {
            Ok((resp, conn)) => {
                // The body outlives this call; whoever reads it drives the
                // connection too (see `StreamResponse::chunk`).
                self.observe(&req, &target, Some(resp.status()), started, None, None);
                let (parts, body) = resp.into_parts();
                Ok(StreamResponse {
                    engine: self.clone(),
                    method,
                    path: target,
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    conn: Some(conn.conn),
                    idle: IdleWatch::new(self.shared.deadlines.stream_idle),
                    started,
                })
            }
            Err(e) => {
                self.observe(&req, &target, None, started, None, Some(&e));
                Err(e)
            }
        }
    }

    /// Sends a request that asks to hijack the connection (attach, exec start).
    /// On `101 Switching Protocols` the raw duplex stream is returned; any other
    /// status comes back as a complete [`Response`] in `Err`-free form so the
    /// check can assert it.
    pub async fn upgrade(&self, req: Request) -> Result<Upgrade, EngineError> {
        let started = Instant::now();
        let req = req
            .header(http::header::CONNECTION, HeaderValue::from_static("Upgrade"))
            .header(http::header::UPGRADE, HeaderValue::from_static("tcp"));
        let (target, http_req) = self.build(&req)?;
        let limit = self.shared.deadlines.call + req.allowance;
        let method = req.method.clone();
        let work = async {
            let mut sender = transport::connect_for_upgrade(&self.shared.endpoint)
                .await
                .map_err(|e| self.map_transport(e, &method, &target))?;
            let resp = sender
                .send_request(http_req)
                .await
                .map_err(|e| self.map_transport(transport::exchange_error(&e), &method, &target))?;
            if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
                let headers = resp.headers().clone();
                let io = hyper::upgrade::on(resp)
                    .await
                    .map_err(|e| self.map_transport(transport::exchange_error(&e), &method, &target))?;
                Ok(Upgrade::Switched {
                    status: StatusCode::SWITCHING_PROTOCOLS,
                    headers,
                    io: TokioIo::new(io),
                })
            } else {
                let (parts, body) = resp.into_parts();
                let body = body
                    .collect()
                    .await
                    .map_err(|e| self.map_transport(transport::exchange_error(&e), &method, &target))?
                    .to_bytes();
                Ok(Upgrade::Refused(Response {
                    method: method.clone(),
                    path: target.clone(),
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    elapsed: started.elapsed(),
                }))
            }
        };
        let result = match tokio::time::timeout_at(deadline(started, limit), work).await {
            Ok(r) => r,
            Err(_) => Err(self.not_responding(&method, &target, limit)),
        };
        match &result {
            Ok(Upgrade::Switched { status, .. }) => self.observe(&req, &target, Some(*status), started, None, None),
            Ok(Upgrade::Refused(r)) => self.observe(&req, &target, Some(r.status), started, Some(&r.body), None),
            Err(e) => self.observe(&req, &target, None, started, None, Some(e)),
        }
        result
    }
}

/// Room for a dockerd reply's headers (ten on a ping, a dozen on JSON).
const REPLY_HEADERS: usize = 16;

/// The instant a call that started at `started` runs out of time (the
/// clock is read once a call).
fn deadline(started: Instant, limit: Duration) -> tokio::time::Instant {
    tokio::time::Instant::from_std(started) + limit
}

/// The result of [`Engine::upgrade`].
pub enum Upgrade {
    /// The engine switched protocols: raw bytes both ways from here on.
    Switched {
        status: StatusCode,
        headers: HeaderMap,
        io: TokioIo<hyper::upgrade::Upgraded>,
    },
    /// The engine answered with an ordinary reply instead.
    Refused(Response),
}

/// A reply being streamed.
pub struct StreamResponse {
    engine: Engine,
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Incoming,
    /// The connection, driven by the reader of the body; `None` once it has
    /// ended.
    conn: Option<transport::Driven>,
    idle: IdleWatch,
    started: Instant,
}

/// A stream's idle deadline, without a timer per chunk.
///
/// dockerd sends a chunk per log line or event, and a timeout per chunk
/// (read the clock, register a timer, remove it) was a tenth of the client's
/// CPU on a log stream. Instead one timer fires every eighth of the deadline;
/// a chunk, or a reader starting to wait, only sets a flag. A check that finds
/// the flag set starts the silence again from its own time, which is never
/// earlier than the last chunk or the start of the wait: so a stream is
/// declared idle only after at least `idle` of silence while someone waited,
/// and at most an eighth of `idle` later. A reader that comes back after a
/// while (an events reader that made a container meanwhile, or one that
/// was told the stream went idle) gets a whole deadline again.
struct IdleWatch {
    idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// A chunk came since the last check.
    heard: bool,
    /// The latest instant the silence may have started.
    quiet_since: tokio::time::Instant,
}

impl IdleWatch {
    fn new(idle: Duration) -> Self {
        let now = tokio::time::Instant::now();
        IdleWatch {
            idle,
            timer: Box::pin(tokio::time::sleep_until(now + Self::period(idle))),
            heard: false,
            quiet_since: now,
        }
    }

    fn period(idle: Duration) -> Duration {
        (idle / 8).max(Duration::from_millis(1))
    }

    fn set(&mut self, idle: Duration) {
        *self = IdleWatch::new(idle);
    }

    /// A reader starts waiting: the silence counts from now at the earliest.
    fn wait_begins(&mut self) {
        self.heard = true;
    }

    /// `Ready` once the stream has been silent for the whole deadline.
    fn poll_silent(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let now = tokio::time::Instant::now();
            if std::mem::take(&mut self.heard) {
                self.quiet_since = now;
            }
            let silent_until = self.quiet_since + self.idle;
            if now >= silent_until {
                return Poll::Ready(());
            }
            let next = (now + Self::period(self.idle)).min(silent_until);
            self.timer.as_mut().reset(next);
        }
    }
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
                    endpoint: self.engine.endpoint().clone(),
                    method: self.method.clone(),
                    path: self.path.clone(),
                    idle: self.idle.idle,
                });
            };
            match next {
                None => return Ok(None),
                Some(Err(e)) => {
                    return Err(self
                        .engine
                        .map_transport(transport::exchange_error(&e), &self.method, &self.path))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls the watch once, as a pending stream read does.
    fn silent(w: &mut IdleWatch) -> bool {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        w.poll_silent(&mut cx).is_ready()
    }

    /// Lets paused time run to `at`, polling the watch whenever its timer
    /// fires, as the task would be woken to; returns when it first reports
    /// silence, if it does by then.
    async fn run_until(w: &mut IdleWatch, at: tokio::time::Instant) -> Option<tokio::time::Instant> {
        while tokio::time::Instant::now() < at {
            if silent(w) {
                return Some(tokio::time::Instant::now());
            }
            let next = w.timer.deadline().min(at);
            tokio::time::sleep_until(next).await;
        }
        silent(w).then(tokio::time::Instant::now)
    }

    /// Idle no earlier than `idle` after `from`, and at most an eighth later.
    fn assert_idle_in_bounds(at: tokio::time::Instant, from: tokio::time::Instant, idle: Duration, from_what: &str) {
        let silence = at - from;
        assert!(
            silence >= idle && silence <= idle + idle / 8,
            "declared idle {silence:?} after {from_what}; deadline {idle:?}, allowed up to an eighth more"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_stream_is_idle_after_the_deadline_and_within_an_eighth_of_it() {
        let idle = Duration::from_secs(8);
        let start = tokio::time::Instant::now();
        let mut w = IdleWatch::new(idle);
        let at = run_until(&mut w, start + idle * 2).await.expect("never declared idle");
        assert_idle_in_bounds(at, start, idle, "the stream opened");
    }

    #[tokio::test(start_paused = true)]
    async fn chunks_keep_a_stream_alive_and_the_silence_counts_from_the_last() {
        let idle = Duration::from_secs(8);
        let mut w = IdleWatch::new(idle);
        let start = tokio::time::Instant::now();
        // A chunk every 7 s (under the deadline) for 70 s: never idle.
        for i in 1..=10 {
            assert_eq!(run_until(&mut w, start + Duration::from_secs(7 * i)).await, None);
            w.heard = true;
        }
        let last = tokio::time::Instant::now();
        let at = run_until(&mut w, last + idle * 2).await.expect("never declared idle");
        assert_idle_in_bounds(at, last, idle, "the last chunk");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_that_comes_back_later_gets_a_whole_deadline() {
        // Declared idle; the reader goes away for a long time (the timer
        // elapses unpolled), then waits again: not idle at once.
        let idle = Duration::from_secs(8);
        let mut w = IdleWatch::new(idle);
        let start = tokio::time::Instant::now();
        assert!(run_until(&mut w, start + idle * 2).await.is_some());
        tokio::time::sleep(Duration::from_secs(60)).await;
        w.wait_begins();
        let from = tokio::time::Instant::now();
        assert!(!silent(&mut w), "idle at once for a reader that just began to wait");
        let at = run_until(&mut w, from + idle * 2).await.expect("never idle");
        assert_idle_in_bounds(at, from, idle, "the wait began");
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_deadline_starts_from_now() {
        let mut w = IdleWatch::new(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(900)).await;
        w.set(Duration::from_secs(10));
        let from = tokio::time::Instant::now();
        let at = run_until(&mut w, from + Duration::from_secs(20))
            .await
            .expect("never idle");
        assert!(at - from >= Duration::from_secs(10), "{:?}", at - from);
    }
}
