//! [`FaultProxy`]: a unix-socket proxy in front of a private engine that
//! breaks replies on purpose, so the client's diagnosis of each kind of bad
//! reply can be tested against real engine traffic.
//!
//! The fault is chosen when a connection is accepted and applies to the first
//! reply on it; [`Fault::None`] forwards bytes both ways untouched for the
//! connection's life. Since the client pools keep-alive connections, a test
//! that changes the fault uses a fresh `Engine` handle (a fresh pool).
//!
//! Every fault that was carried out is noted ([`FaultProxy::notes`]), with
//! what the reply looked like, so a test can assert that the fault really hit
//! (a cut "mid-body" of a body that was shorter would prove nothing).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// What the proxy does to the next connections' first reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways, unchanged.
    None,
    /// Hold the reply this long once its first bytes came, then forward it.
    Delay(Duration),
    /// Forward this many bytes of the reply's head (status line and headers),
    /// then close.
    CloseInHead { keep: usize },
    /// Forward the head and the first `keep` body bytes, in the reply's own
    /// transfer framing, then close: the HTTP body is incomplete.
    CloseInBody { keep: usize },
    /// Forward the head and the first `keep` body bytes as a complete HTTP
    /// reply (terminated chunked encoding, or a corrected Content-Length),
    /// then close: HTTP is intact, the payload is cut.
    EndBodyAt { keep: usize },
    /// Forward the head of a chunked reply, then a chunk-size line that is
    /// not hex, then close.
    CorruptChunk,
    /// Close the connection with the request unread: on a unix socket the
    /// client's next read fails with ECONNRESET.
    Reset,
    /// Read the request, answer with these bytes instead of HTTP, then close.
    Garbage(Vec<u8>),
    /// Forward the reply with every `(from, to)` replaced in its whole body
    /// (sent with a corrected Content-Length), then close: the engine says
    /// something else, e.g. another version in `/version`.
    Rewrite(Vec<(String, String)>),
}

struct State {
    upstream: PathBuf,
    fault: Mutex<Fault>,
    notes: Mutex<Vec<String>>,
}

impl State {
    fn note(&self, s: String) {
        self.notes.lock().unwrap().push(s);
    }
}

/// A running proxy. Dropping it stops accepting, ends its connections and
/// removes its socket.
pub struct FaultProxy {
    dir: tempfile::TempDir,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a fresh socket and forwards to the engine socket `upstream`.
    pub fn start(upstream: &Path) -> FaultProxy {
        let dir = tempfile::Builder::new()
            .prefix("dockhand-proxy-")
            .tempdir()
            .expect("temp dir for the proxy socket");
        let listener = UnixListener::bind(dir.path().join("proxy.sock")).expect("bind the proxy socket");
        let state = Arc::new(State {
            upstream: upstream.to_path_buf(),
            fault: Mutex::new(Fault::None),
            notes: Mutex::new(Vec::new()),
        });
        let s = state.clone();
        let accept = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let s = s.clone();
                conns.spawn(async move {
                    match serve(client, &s).await {
                        // The client hung up first (a dropped stream): not the proxy's failure.
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                        Err(e) => s.note(format!("proxy i/o error: {e}")),
                        Ok(()) => {}
                    }
                });
            }
        });
        FaultProxy { dir, state, accept }
    }

    pub fn socket_path(&self) -> PathBuf {
        self.dir.path().join("proxy.sock")
    }

    /// The proxy as an endpoint dockhand can be pointed at.
    pub fn endpoint(&self) -> dockhand_engine::Endpoint {
        dockhand_engine::Endpoint::unix(self.socket_path(), dockhand_engine::EndpointSource::Flag)
    }

    /// Sets the fault for connections accepted from now on.
    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
    }

    /// What the proxy did, one line per connection.
    pub fn notes(&self) -> Vec<String> {
        self.state.notes.lock().unwrap().clone()
    }

    /// The last note, for asserting that a fault hit.
    pub fn last_note(&self) -> String {
        self.notes().last().cloned().unwrap_or_default()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.accept.abort();
    }
}

async fn serve(mut client: UnixStream, state: &State) -> io::Result<()> {
    let fault = state.fault.lock().unwrap().clone();
    match &fault {
        Fault::Reset => {
            client.readable().await?;
            drop(client);
            state.note("reset: closed with the request unread".into());
            return Ok(());
        }
        Fault::Garbage(bytes) => {
            let mut buf = Vec::new();
            read_head(&mut client, &mut buf).await?;
            client.write_all(bytes).await?;
            client.shutdown().await?;
            state.note(format!("garbage: answered {} bytes that are not HTTP", bytes.len()));
            return Ok(());
        }
        _ => {}
    }
    let upstream = UnixStream::connect(&state.upstream).await?;
    let (mut cr, mut cw) = client.into_split();
    let (mut ur, mut uw) = upstream.into_split();
    // Requests always go through as they are.
    let requests = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut cr, &mut uw).await;
        let _ = uw.shutdown().await;
    });
    let result = reply(&fault, &mut ur, &mut cw, state).await;
    requests.abort();
    result
}

async fn reply<R: AsyncRead + Unpin>(
    fault: &Fault,
    ur: &mut R,
    cw: &mut OwnedWriteHalf,
    state: &State,
) -> io::Result<()> {
    let mut buf = Vec::new();
    match fault {
        Fault::None => {
            tokio::io::copy(ur, cw).await?;
        }
        Fault::Delay(d) => {
            let mut first = vec![0u8; 64 * 1024];
            let n = ur.read(&mut first).await?;
            state.note(format!("delay: held {n} reply bytes for {d:?}"));
            tokio::time::sleep(*d).await;
            cw.write_all(&first[..n]).await?;
            tokio::io::copy(ur, cw).await?;
        }
        Fault::CloseInHead { keep } => {
            let head_len = read_head(ur, &mut buf).await?;
            let keep = (*keep).min(head_len - 1);
            cw.write_all(&buf[..keep]).await?;
            cw.shutdown().await?;
            state.note(format!("close-in-head: sent {keep} of {head_len} head bytes"));
        }
        Fault::CloseInBody { keep } | Fault::EndBodyAt { keep } => {
            let head_len = read_head(ur, &mut buf).await?;
            let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
            let framing = framing(&head);
            let (body, complete) = read_body(ur, &mut buf, head_len, framing, *keep).await?;
            let keep = (*keep).min(body.len());
            let cut = &body[..keep];
            let end = matches!(fault, Fault::EndBodyAt { .. });
            let mut out = Vec::new();
            match framing {
                Framing::Chunked => {
                    out.extend_from_slice(head.as_bytes());
                    if !cut.is_empty() {
                        out.extend(format!("{:x}\r\n", cut.len()).into_bytes());
                        out.extend_from_slice(cut);
                        out.extend_from_slice(b"\r\n");
                    }
                    if end {
                        out.extend_from_slice(b"0\r\n\r\n");
                    }
                }
                Framing::Length(_) | Framing::UntilClose if end => {
                    out.extend(with_length(&head, keep).into_bytes());
                    out.extend_from_slice(cut);
                }
                Framing::Length(_) | Framing::UntilClose => {
                    out.extend_from_slice(head.as_bytes());
                    out.extend_from_slice(cut);
                }
            }
            cw.write_all(&out).await?;
            cw.shutdown().await?;
            let body_desc = if complete {
                format!("of a {}-byte body", body.len())
            } else {
                format!("of a body longer than {}", body.len())
            };
            let what = if end { "end-body-at" } else { "close-in-body" };
            state.note(format!("{what}: sent {keep} body bytes {body_desc} ({framing:?})"));
        }
        Fault::CorruptChunk => {
            let head_len = read_head(ur, &mut buf).await?;
            let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
            cw.write_all(head.as_bytes()).await?;
            cw.write_all(b"zz\r\nnot a chunk\r\n").await?;
            cw.shutdown().await?;
            state.note(format!("corrupt-chunk: after a head framed {:?}", framing(&head)));
        }
        Fault::Rewrite(pairs) => {
            let head_len = read_head(ur, &mut buf).await?;
            let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
            let (body, _) = read_body(ur, &mut buf, head_len, framing(&head), usize::MAX).await?;
            let mut text = String::from_utf8_lossy(&body).into_owned();
            let mut hits = 0;
            for (from, to) in pairs {
                hits += text.matches(from.as_str()).count();
                text = text.replace(from.as_str(), to);
            }
            cw.write_all(with_length(&head, text.len()).as_bytes()).await?;
            cw.write_all(text.as_bytes()).await?;
            cw.shutdown().await?;
            state.note(format!("rewrite: {hits} replacements in a {}-byte body", body.len()));
        }
        Fault::Reset | Fault::Garbage(_) => unreachable!("handled before connecting upstream"),
    }
    Ok(())
}

/// Reads into `buf` until it holds a whole head; returns the head's length
/// (through the blank line). Bytes after it stay in `buf`.
async fn read_head<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            return Ok(i + 4);
        }
        if read_more(r, buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "upstream closed inside a head",
            ));
        }
    }
}

async fn read_more<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = r.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Clone, Copy)]
enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
}

fn framing(head: &str) -> Framing {
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if status == 204 || status == 304 || (100..200).contains(&status) {
        return Framing::Length(0);
    }
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
        if k == "transfer-encoding" && v.contains("chunked") {
            return Framing::Chunked;
        }
        if k == "content-length" {
            return Framing::Length(v.parse().expect("upstream Content-Length"));
        }
    }
    Framing::UntilClose
}

/// The head with its body framing replaced by `Content-Length: len`.
fn with_length(head: &str, len: usize) -> String {
    let mut out = String::new();
    for line in head.trim_end_matches("\r\n").split("\r\n") {
        let k = line.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if k != "content-length" && k != "transfer-encoding" {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Length: {len}\r\n\r\n"));
    out
}

/// Reads until the decoded body holds `want` bytes or ends; returns the
/// decoded body and whether it is complete.
async fn read_body<R: AsyncRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    head_len: usize,
    framing: Framing,
    want: usize,
) -> io::Result<(Vec<u8>, bool)> {
    loop {
        let raw = &buf[head_len..];
        let (body, complete) = match framing {
            Framing::Length(n) => (raw[..raw.len().min(n)].to_vec(), raw.len() >= n),
            Framing::Chunked => dechunk(raw),
            Framing::UntilClose => (raw.to_vec(), false),
        };
        if complete || body.len() > want {
            return Ok((body, complete));
        }
        if read_more(r, buf).await? == 0 {
            let complete = matches!(framing, Framing::UntilClose);
            return Ok((body, complete));
        }
    }
}

/// Decodes chunked transfer encoding as far as `raw` goes.
fn dechunk(raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let Some(nl) = find(&raw[i..], b"\r\n") else {
            return (out, false);
        };
        let line = std::str::from_utf8(&raw[i..i + nl]).expect("upstream chunk size line");
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16).expect("upstream chunk size");
        if size == 0 {
            return (out, true);
        }
        let start = i + nl + 2;
        let have = raw.len().saturating_sub(start).min(size);
        out.extend_from_slice(&raw[start..start + have]);
        if have < size || raw.len() < start + size + 2 {
            return (out, false);
        }
        i = start + size + 2;
    }
}
