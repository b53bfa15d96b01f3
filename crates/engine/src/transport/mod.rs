//! Opening connections and sending one HTTP/1.1 exchange on them.
//!
//! Connections are hyper 1 `http1` handshakes over a tokio `UnixStream` or
//! `TcpStream`. For ordinary calls the connection future is not spawned: the
//! calling task drives it while it waits for the reply ([`drive`]), which
//! saves two task hand-offs per exchange and keeps a ping as cheap as a raw
//! socket's. Idle keep-alive connections are pooled; a pooled connection that
//! turns out closed is retried once on a fresh one, but only when hyper proves
//! the request was never sent. A stream's connection is driven by whoever
//! reads its body (`StreamResponse::chunk`), in the same poll; upgrades get a
//! spawned connection, since the hijacked stream outlives hyper's part.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};

use crate::endpoint::{Address, Endpoint};
use crate::error::{EngineError, UnreachableReason};
use crate::relay::Relay;
use crate::tls;

pub(crate) mod ssh;

pub(crate) type Io = TokioIo<Box<dyn IoStream>>;
pub(crate) type Sender = SendRequest<Full<Bytes>>;
pub(crate) type Conn = Connection<Io, Full<Bytes>>;

/// A connection and its request handle, owned together while idle.
pub(crate) struct Pooled {
    pub sender: Sender,
    pub conn: Driven,
}

/// A connection future driven by its caller, with the waker relay it and
/// the futures it feeds are polled through (see [`crate::relay`]).
///
/// The connection is boxed: hyper's connection state is large, and it lives
/// in the call's future, which is moved (copied) several times on every
/// call; a box allocated once a connection keeps those copies small.
pub(crate) struct Driven {
    conn: Pin<Box<Conn>>,
    relay: Relay,
}

impl Driven {
    fn new(conn: Conn) -> Self {
        Driven {
            conn: Box::pin(conn),
            relay: Relay::default(),
        }
    }

    /// Polls `fed` (a reply or a body that this connection feeds); when it
    /// is pending and the connection has not ended, polls the connection and
    /// then `fed` again. All in one relay window: wake-ups hyper raises on
    /// itself meanwhile make the window poll again rather than wake the task.
    /// `ended` is set once the connection has ended (the whole exchange
    /// done, closed, or failed): it is not polled again after that.
    /// `fed` goes first so that a chunk already decoded is taken without
    /// reading the socket again: dockerd writes a chunk per log line, and
    /// reading it only when the body is empty takes many chunks per read.
    pub(crate) fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        ended: &mut bool,
        mut fed: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        let conn = &mut self.conn;
        self.relay.poll(cx, |inner| {
            if let Poll::Ready(out) = fed(inner) {
                return Poll::Ready(out);
            }
            if *ended {
                return Poll::Pending;
            }
            if conn.as_mut().poll(inner).is_ready() {
                *ended = true;
            }
            fed(inner)
        })
    }
}

/// What can go wrong below HTTP semantics.
#[derive(Debug)]
pub(crate) enum TransportError {
    Connect(UnreachableReason),
    /// hyper failed mid-exchange; `parse` tells a malformed reply from a broken connection.
    Exchange {
        detail: String,
        parse: bool,
    },
}

impl TransportError {
    /// The engine error this is, for a call of `method` on `path` to `endpoint`.
    pub(crate) fn engine_error(self, endpoint: &Endpoint, method: &http::Method, path: &str) -> EngineError {
        match self {
            TransportError::Connect(reason) => EngineError::Unreachable {
                endpoint: endpoint.clone(),
                reason,
            },
            TransportError::Exchange { detail, parse: true } => EngineError::Protocol {
                method: method.clone(),
                path: path.to_string(),
                detail,
            },
            TransportError::Exchange { detail, parse: false } => EngineError::ConnectionLost {
                endpoint: endpoint.clone(),
                method: method.clone(),
                path: path.to_string(),
                detail,
            },
        }
    }
}

pub(crate) struct Pool {
    idle: Mutex<Vec<Pooled>>,
}

const MAX_IDLE: usize = 16;

impl Pool {
    pub(crate) fn new() -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Option<Pooled> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(p) = idle.pop() {
            if !p.sender.is_closed() {
                return Some(p);
            }
        }
        None
    }

    pub(crate) fn put_back(&self, p: Pooled) {
        if p.sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(p);
        }
    }
}

pub(crate) trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> IoStream for T {}

async fn open_stream(endpoint: &Endpoint) -> Result<Io, TransportError> {
    let io: Box<dyn IoStream> = match &endpoint.address {
        Address::Unix(path) => Box::new(
            UnixStream::connect(path)
                .await
                .map_err(|e| TransportError::Connect(UnreachableReason::from_io(&e)))?,
        ),
        Address::Tcp(hostport) => Box::new(open_tcp(hostport).await?),
        Address::Tls(target) => {
            let tcp = open_tcp(&target.hostport).await?;
            Box::new(
                target
                    .client
                    .handshake(tcp, &target.hostport)
                    .await
                    .map_err(|f| TransportError::Connect(UnreachableReason::Tls(f)))?,
            )
        }
        Address::Ssh(addr) => {
            Box::new(ssh::connect(addr).map_err(|f| TransportError::Connect(UnreachableReason::Ssh(Box::new(f))))?)
        }
    };
    Ok(TokioIo::new(io))
}

async fn open_tcp(hostport: &str) -> Result<TcpStream, TransportError> {
    let s = TcpStream::connect(hostport).await.map_err(|e| {
        // A name that does not resolve comes back as a generic io error with
        // the resolver's words; tell it apart from a refused port.
        let reason = if e.kind() == std::io::ErrorKind::ConnectionRefused {
            UnreachableReason::Refused
        } else if e.to_string().contains("lookup") || e.to_string().contains("resolve") {
            UnreachableReason::UnknownHost
        } else {
            UnreachableReason::from_io(&e)
        };
        TransportError::Connect(reason)
    })?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

/// Opens a fresh connection, not yet driven by anyone.
pub(crate) async fn connect(endpoint: &Endpoint) -> Result<Pooled, TransportError> {
    let io = open_stream(endpoint).await?;
    let (sender, conn) = http1::Builder::new()
        .handshake(io)
        .await
        .map_err(|e| exchange_error(&e))?;
    Ok(Pooled {
        sender,
        conn: Driven::new(conn),
    })
}

/// Opens a connection whose future runs in its own task, with upgrades, for
/// a request that hijacks the connection (attach, exec start).
pub(crate) async fn connect_for_upgrade(endpoint: &Endpoint) -> Result<Sender, TransportError> {
    let Pooled { sender, conn } = connect(endpoint).await?;
    tokio::spawn(async move {
        let _ = Pin::into_inner(conn.conn).with_upgrades().await;
    });
    Ok(sender)
}

pub(crate) fn exchange_error(e: &hyper::Error) -> TransportError {
    if let Some(f) = tls_failure(e) {
        return TransportError::Connect(UnreachableReason::Tls(f.clone()));
    }
    if let Some(ended) = ssh_ended(e) {
        return if ended.before_reply {
            TransportError::Connect(UnreachableReason::Ssh(Box::new(ended.failure.clone())))
        } else {
            TransportError::Exchange {
                detail: ended.failure.to_string(),
                parse: false,
            }
        };
    }
    let mut detail = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    TransportError::Exchange {
        detail,
        parse: e.is_parse() || e.is_parse_status() || is_bad_body_framing(e),
    }
}

/// A TLS failure that showed after the handshake (a TLS 1.3 engine refuses
/// the client certificate on the first read), carried by the I/O error.
fn tls_failure(e: &hyper::Error) -> Option<&tls::TlsFailure> {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(f) = s.downcast_ref::<std::io::Error>().and_then(tls::carried_failure) {
            return Some(f);
        }
        src = s.source();
    }
    None
}

/// The ssh process's end, when that is what broke an exchange on an
/// `ssh://` connection.
fn ssh_ended(e: &hyper::Error) -> Option<&ssh::SshEnded> {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(ended) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<ssh::SshEnded>())
        {
            return Some(ended);
        }
        src = s.source();
    }
    None
}

/// hyper reports broken body framing (a chunk-size line that is not hex, a
/// chunk without its CRLF) as a body error wrapping an `io::Error` of kind
/// `InvalidData` or `InvalidInput`, not as a parse error. Those bytes did
/// arrive: the engine broke the protocol, the connection did not break.
/// (A body cut short by a closed connection is `UnexpectedEof`, a reset
/// `ConnectionReset`: those stay lost connections.)
fn is_bad_body_framing(e: &hyper::Error) -> bool {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput
            );
        }
        src = s.source();
    }
    false
}

/// Polls `fut` to completion while also driving `conn`. If the connection
/// ends first (closed, or failed), `fut` is still polled: hyper resolves it
/// with the connection's error when the request was in flight. When it was
/// not (the engine closed an idle keep-alive connection before our request was
/// taken off its queue), nothing ever resolves it while the connection object
/// lives: then the output is `None`, and the caller drops the connection,
/// which hands the unsent request back ([`closed_early`] otherwise).
pub(crate) struct Drive<'a, F> {
    fut: Pin<&'a mut F>,
    conn: &'a mut Driven,
    conn_done: bool,
}

pub(crate) fn drive<'a, F: Future>(fut: Pin<&'a mut F>, conn: &'a mut Driven) -> Drive<'a, F> {
    Drive {
        fut,
        conn,
        conn_done: false,
    }
}

impl<F: Future> Future for Drive<'_, F> {
    type Output = Option<F::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = self.get_mut();
        let fut = &mut this.fut;
        match this
            .conn
            .poll_with(cx, &mut this.conn_done, |inner| fut.as_mut().poll(inner))
        {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            // `fut` was polled after the connection's last poll, so it saw
            // everything the connection delivered.
            Poll::Pending if this.conn_done => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The error for a connection that ended before the reply was complete
/// without hyper reporting why.
pub(crate) fn closed_early() -> TransportError {
    TransportError::Exchange {
        detail: "the connection closed before the reply was complete".into(),
        parse: false,
    }
}

/// Sends one request on a pooled or fresh connection, driving it inline.
/// Returns the response head and the connection, still driven by the caller
/// until the body is read.
pub(crate) async fn send(
    pool: &Pool,
    endpoint: &Endpoint,
    req: http::Request<Full<Bytes>>,
) -> Result<(http::Response<Incoming>, Pooled), TransportError> {
    let mut req = req;
    if let Some(Pooled { mut sender, mut conn }) = pool.take() {
        // The idle connection's request queue holds the waker of whoever
        // polled it last; `drive` polls it right away, so that wake-up
        // would only cost the caller an extra round of the scheduler.
        let fut = conn.relay.quiet(|| sender.try_send_request(req));
        tokio::pin!(fut);
        let mut failed = match drive(fut.as_mut(), &mut conn).await {
            Some(Ok(resp)) => return Ok((resp, Pooled { sender, conn })),
            Some(Err(e)) => e,
            None => {
                // The engine had closed the idle connection: dropping it
                // cancels the queued request and hands it back.
                drop(conn);
                match fut.await {
                    Err(e) => e,
                    Ok(_) => return Err(closed_early()),
                }
            }
        };
        match failed.take_message() {
            // Never sent: the pooled connection was stale. Retry on a fresh one.
            Some(back) => req = back,
            None => return Err(exchange_error(failed.error())),
        }
    }
    let mut p = connect(endpoint).await?;
    let fut = p.sender.send_request(req);
    tokio::pin!(fut);
    let resp = drive(fut, &mut p.conn)
        .await
        .ok_or_else(closed_early)?
        .map_err(|e| exchange_error(&e))?;
    Ok((resp, p))
}
