//! The client: [`Engine`], its calls and their deadlines, and the
//! [`CallRecord`] each call leaves for a [`CallObserver`]. What a call sends
//! is a [`Request`] (`request.rs`); what comes back a [`Response`]
//! (`response.rs`), a [`StreamResponse`] (`stream_response.rs`, with its idle
//! deadline in `idle.rs`) or an [`Upgrade`].
//!
//! Every call goes through [`Engine::send`] (whole reply in memory),
//! [`Engine::stream`] (headers within the deadline, then chunks with an idle
//! deadline) or [`Engine::upgrade`] (attach and exec hijacking). None of them
//! turns a status into an error: a check asserts statuses itself, and the typed
//! helpers in the area modules call [`Response::ok`] when they need a success.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST};
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

use crate::endpoint::{Address, Endpoint};
use crate::error::{EngineError, UnreachableReason};
use crate::idle::IdleWatch;
use crate::observe::{self, CallObserver, CallRecord, ReplySeen};
use crate::request::Request;
use crate::response::{preview, Response};
use crate::stream_response::StreamResponse;
use crate::tls::TlsFailure;
use crate::transport::{self, Pool, TransportError};
use crate::version::{negotiate, ApiVersion, MAX_API_VERSION};

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

/// What the engine said about itself at connect time (`GET /version`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineInfo {
    /// The engine's product version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The newest API version the engine speaks.
    pub api_version: ApiVersion,
    pub min_api_version: Option<ApiVersion>,
    /// The product as the engine names itself: "Podman Engine", "Docker
    /// Engine - Community" (see [`product_name`]).
    pub name: String,
    pub os: String,
    pub arch: String,
    /// The whole reply.
    pub raw: serde_json::Value,
}

/// The product a `/version` reply names. Docker's first component is called
/// plainly "Engine" and its platform carries the product ("Docker Engine -
/// Community"; Debian's docker.io leaves it empty, hence "Docker Engine").
/// Other engines name their own first component ("Podman Engine") and put
/// something else in the platform ("linux/amd64/debian-12"), so a component
/// name other than "Engine" wins.
pub fn product_name(version: &serde_json::Value) -> String {
    let component = version["Components"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| c["Name"].as_str())
        .filter(|n| !n.is_empty());
    let platform = version["Platform"]["Name"].as_str().filter(|p| !p.is_empty());
    match (component, platform) {
        (Some(c), _) if c != "Engine" => c.to_string(),
        (_, Some(p)) => p.to_string(),
        _ => "Docker Engine".to_string(),
    }
}

/// Whether a plain `tcp://` reply is Go's answer to plain HTTP on a TLS
/// port (`400` "Client sent an HTTP request to an HTTPS server."): an
/// engine that wants TLS, not an API error.
fn tls_required(endpoint: &Endpoint, resp: &Response) -> bool {
    matches!(endpoint.address, Address::Tcp(_))
        && resp.status == StatusCode::BAD_REQUEST
        && String::from_utf8_lossy(&resp.body).contains("HTTP request to an HTTPS server")
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
    /// dockhand's own maximum, unless pinned; an engine whose minimum is above
    /// that is [`EngineError::UnsupportedVersion`]. The `/version` call doubles as the
    /// reachability check, so a missing engine fails here.
    pub async fn connect(opts: ConnectOptions) -> Result<Engine, EngineError> {
        let probe = Engine::unnegotiated(opts.endpoint.clone(), opts.deadlines);
        let resp = probe.send(Request::get("/version").unversioned()).await?;
        if tls_required(&opts.endpoint, &resp) {
            return Err(EngineError::Unreachable {
                endpoint: opts.endpoint,
                reason: UnreachableReason::Tls(TlsFailure::TlsRequired),
            });
        }
        let resp = resp.ok()?;
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
        let name = product_name(&raw);
        let info = EngineInfo {
            version: raw["Version"].as_str().unwrap_or_default().to_string(),
            api_version,
            min_api_version: api("MinAPIVersion"),
            name,
            os: raw["Os"].as_str().unwrap_or_default().to_string(),
            arch: raw["Arch"].as_str().unwrap_or_default().to_string(),
            raw: raw.clone(),
        };
        let version = negotiate(api_version, info.min_api_version, opts.pinned_version).map_err(|detail| {
            EngineError::UnsupportedVersion {
                endpoint: opts.endpoint.clone(),
                engine: format!("{} {}", info.name, info.version),
                detail,
            }
        })?;
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

    /// The same engine (version, what `/version` said, connection pool) on
    /// other deadlines: for a client on short deadlines whose engine's
    /// `/version` is itself slow (Podman's runs `conmon --version` and the
    /// runtime's each time, a second or more on a busy host).
    pub fn with_deadlines(&self, deadlines: Deadlines) -> Engine {
        Engine {
            shared: Arc::new(Shared {
                endpoint: self.shared.endpoint.clone(),
                deadlines,
                pool: self.shared.pool.clone(),
                version: self.shared.version,
                info: self.shared.info.clone(),
            }),
            observer: self.observer.clone(),
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

    pub(crate) fn map_transport(&self, e: TransportError, method: &Method, path: &str) -> EngineError {
        e.engine_error(&self.shared.endpoint, method, path)
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
                observe::show(&self.observer, || {
                    ReplySeen::new(&method, &target, parts.status, &parts.headers, Some(&body))
                });
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
                observe::show(&self.observer, || {
                    ReplySeen::new(&method, &target, resp.status(), resp.headers(), None)
                });
                self.observe(&req, &target, Some(resp.status()), started, None, None);
                let (parts, body) = resp.into_parts();
                Ok(StreamResponse {
                    endpoint: self.shared.endpoint.clone(),
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
            Ok(Upgrade::Switched { status, headers, .. }) => {
                observe::show(&self.observer, || {
                    ReplySeen::new(&method, &target, *status, headers, None)
                });
                self.observe(&req, &target, Some(*status), started, None, None)
            }
            Ok(Upgrade::Refused(r)) => {
                observe::show(&self.observer, || {
                    ReplySeen::new(&method, &target, r.status, &r.headers, Some(&r.body))
                });
                self.observe(&req, &target, Some(r.status), started, Some(&r.body), None)
            }
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
