//! [`Overhead`]: the instrument's own cost per call, measured in the same run
//! as the engine figures: `GET /_ping` through the client against the same
//! exchange written by hand on a raw tokio socket to the same engine,
//! interleaved call by call (which goes first alternates), medians compared.
//! An engine figure is only as honest as this difference is small.

use std::time::{Duration, Instant};

use dockhand_engine::{Address, Engine, EngineError};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::stats::percentile;

/// The client's median ping against a raw socket's, on one engine.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Overhead {
    /// Pings measured each way (after a warm-up).
    pub calls: usize,
    pub client_p50_us: f64,
    pub raw_p50_us: f64,
    /// `client_p50_us - raw_p50_us`: what the client adds to a call.
    pub overhead_us: f64,
    /// `client_p50_us / raw_p50_us`.
    pub ratio: f64,
}

/// Why the overhead could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum OverheadError {
    #[error("the raw socket exchange failed: {0}")]
    Raw(#[from] std::io::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The raw baseline is plain HTTP on the engine's socket: none for TLS.
    #[error("no raw-socket baseline for an engine behind TLS ({0}): measure its overhead on its unix socket or a plain tcp:// address (scripts/bench compares TLS with the unix socket)")]
    Tls(String),
    /// An `ssh://` engine: its socket is on the far side, so there is no
    /// raw exchange to compare with here (`scripts/bench-ssh` compares ssh
    /// with the unix socket of the same engine instead).
    #[error("no raw socket to compare with: the engine is reached over ssh; scripts/bench-ssh measures what ssh adds")]
    OverSsh,
}

/// One `GET /_ping` written and read by hand on a keep-alive connection:
/// status line and headers to the blank line, then `Content-Length` bytes.
async fn raw_ping<S: AsyncRead + AsyncWrite + Unpin>(s: &mut BufReader<S>, line: &mut String) -> std::io::Result<()> {
    s.get_mut()
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await?;
    let mut len = 0usize;
    let mut first = true;
    loop {
        line.clear();
        if s.read_line(line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if first && !line.starts_with("HTTP/1.1 200") {
            return Err(std::io::Error::other(format!("raw ping: {}", line.trim_end())));
        }
        first = false;
        if line == "\r\n" {
            break;
        }
        if let Some((name, v)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().map_err(std::io::Error::other)?;
            }
        }
    }
    let mut body = [0u8; 64];
    let mut left = len;
    while left > 0 {
        let n = s.read(&mut body[..left.min(64)]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        left -= n;
    }
    Ok(())
}

async fn measure_on<S: AsyncRead + AsyncWrite + Unpin>(
    engine: &Engine,
    stream: S,
    calls: usize,
) -> Result<Overhead, OverheadError> {
    let mut raw = BufReader::new(stream);
    let mut line = String::new();
    for _ in 0..calls.clamp(10, 100) {
        raw_ping(&mut raw, &mut line).await?;
        engine.ping().await?.ok()?;
    }
    let mut client = Vec::with_capacity(calls);
    let mut base = Vec::with_capacity(calls);
    for i in 0..calls {
        for turn in 0..2 {
            let t = Instant::now();
            if (i + turn) % 2 == 0 {
                raw_ping(&mut raw, &mut line).await?;
                base.push(t.elapsed());
            } else {
                engine.ping().await?.ok()?;
                client.push(t.elapsed());
            }
        }
    }
    client.sort();
    base.sort();
    let us = |v: &[Duration]| percentile(v, 50.0).unwrap_or_default().as_secs_f64() * 1e6;
    let (c, r) = (us(&client), us(&base));
    Ok(Overhead {
        calls,
        client_p50_us: c,
        raw_p50_us: r,
        overhead_us: c - r,
        ratio: if r > 0.0 { c / r } else { 0.0 },
    })
}

/// Measures `calls` pings each way on the engine's own address.
pub async fn measure(engine: &Engine, calls: usize) -> Result<Overhead, OverheadError> {
    match &engine.endpoint().address {
        Address::Unix(path) => measure_on(engine, tokio::net::UnixStream::connect(path).await?, calls).await,
        Address::Tcp(hostport) => {
            let s = tokio::net::TcpStream::connect(hostport.as_str()).await?;
            s.set_nodelay(true)?;
            measure_on(engine, s, calls).await
        }
        a @ Address::Tls(_) => Err(OverheadError::Tls(a.to_string())),
        Address::Ssh(_) => Err(OverheadError::OverSsh),
    }
}
