//! Opening connections and sending one HTTP/1.1 exchange on them.
//!
//! Connections are hyper 1 `http1` handshakes over a tokio `UnixStream` or
//! `TcpStream`. Idle keep-alive connections are pooled so that a ping costs
//! one round trip, as it does for a raw socket client; a pooled connection
//! that turns out closed is retried once on a fresh one, but only when hyper
//! proves the request was never sent.

use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};

use crate::endpoint::{Address, Endpoint};
use crate::error::UnreachableReason;

pub(crate) type Sender = SendRequest<Full<Bytes>>;

/// What can go wrong below HTTP semantics.
#[derive(Debug)]
pub(crate) enum TransportError {
    Connect(UnreachableReason),
    /// hyper failed mid-exchange; `parse` tells a malformed reply from a broken connection.
    Exchange { detail: String, parse: bool },
}

pub(crate) struct Pool {
    idle: Mutex<Vec<Sender>>,
}

const MAX_IDLE: usize = 16;

impl Pool {
    pub(crate) fn new() -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(s) = idle.pop() {
            if !s.is_closed() && s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    pub(crate) fn put_back(&self, s: Sender) {
        if s.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(s);
        }
    }

    /// Drops every idle connection (after the engine restarted, say).
    pub(crate) fn clear(&self) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

async fn open_stream(endpoint: &Endpoint) -> Result<TokioIo<Box<dyn IoStream>>, TransportError> {
    let io: Box<dyn IoStream> = match &endpoint.address {
        Address::Unix(path) => Box::new(
            UnixStream::connect(path)
                .await
                .map_err(|e| TransportError::Connect(UnreachableReason::from_io(&e)))?,
        ),
        Address::Tcp(hostport) => {
            let s = TcpStream::connect(hostport.as_str()).await.map_err(|e| {
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
            Box::new(s)
        }
    };
    Ok(TokioIo::new(io))
}

pub(crate) trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> IoStream for T {}

/// Opens a fresh connection; `upgrades` keeps it usable for attach/exec hijacking.
pub(crate) async fn connect(endpoint: &Endpoint, upgrades: bool) -> Result<Sender, TransportError> {
    let io = open_stream(endpoint).await?;
    let (sender, conn) = http1::Builder::new()
        .handshake(io)
        .await
        .map_err(|e| exchange_error(&e))?;
    if upgrades {
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
    } else {
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    Ok(sender)
}

pub(crate) fn exchange_error(e: &hyper::Error) -> TransportError {
    let mut detail = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    TransportError::Exchange {
        detail,
        parse: e.is_parse() || e.is_parse_status(),
    }
}

/// Sends one request, reusing a pooled connection when there is one.
/// Returns the response head and the sender to give back once the body is read.
pub(crate) async fn send(
    pool: &Pool,
    endpoint: &Endpoint,
    req: http::Request<Full<Bytes>>,
) -> Result<(http::Response<Incoming>, Sender), TransportError> {
    let mut req = req;
    if let Some(mut sender) = pool.take() {
        match sender.try_send_request(req).await {
            Ok(resp) => return Ok((resp, sender)),
            Err(mut e) => match e.take_message() {
                // Never sent: the pooled connection was stale. Retry on a fresh one.
                Some(back) => req = back,
                None => return Err(exchange_error(e.error())),
            },
        }
    }
    let mut sender = connect(endpoint, false).await?;
    let resp = sender.send_request(req).await.map_err(|e| exchange_error(&e))?;
    Ok((resp, sender))
}

