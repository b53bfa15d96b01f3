//! [`MutationProxy`]: a unix-socket proxy in front of an engine that applies
//! one [`Mutant`] to the replies of the operations it targets.
//!
//! With no mutant a connection is a byte copy both ways, so a run through
//! the proxy sees exactly what a direct run sees. With a mutant the proxy
//! follows HTTP/1.1 message by message on each connection: the request head
//! and body go upstream as they came (the body while the reply's head is
//! awaited, since dockerd may answer before it has read the body); the reply
//! is matched to an operation ([`crate::route`]) and, when the mutant applies
//! to it, rewritten; any other reply is forwarded byte for byte, its framing
//! (length, chunked) followed only to find where it ends. A switch of
//! protocols (`101`, attach and exec start) or a reply delimited by the close
//! (dockerd's hijack without `Upgrade`) turns the connection into a tunnel:
//! raw both ways, the engine's side through the mutant's frame mutator if it
//! has one. A client that hangs up ends its connection upstream too, so an
//! abandoned log or event stream is not kept open.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

use crate::catalogue::Mutant;
use crate::http::{chunk, Dechunker, Framing, Head, LAST_CHUNK};
use crate::mutate::{FrameMutator, LineMutator, Mutation, StreamMutator};
use crate::route;

struct Shared {
    upstream: PathBuf,
    mutant: Option<Mutant>,
    /// Replies (or frames, or lines) the mutant changed.
    applied: AtomicUsize,
    /// Connections that ended in an i/o or protocol error other than a hang-up.
    errors: Mutex<Vec<String>>,
}

/// A running proxy. Dropping it stops accepting, ends its connections and
/// removes its socket directory.
pub struct MutationProxy {
    dir: tempfile::TempDir,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl MutationProxy {
    /// Listens on a socket in a fresh temporary directory and forwards to the
    /// engine socket `upstream`, applying `mutant` when there is one. Must be
    /// called inside a tokio runtime.
    pub fn start(upstream: &Path, mutant: Option<Mutant>) -> io::Result<MutationProxy> {
        let dir = tempfile::Builder::new().prefix("dockhand-mutants-").tempdir()?;
        let listener = UnixListener::bind(dir.path().join("proxy.sock"))?;
        let shared = Arc::new(Shared {
            upstream: upstream.to_path_buf(),
            mutant,
            applied: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { break };
                        let s = s.clone();
                        conns.spawn(async move {
                            if let Err(e) = serve(client, &s).await {
                                if !is_hang_up(&e) {
                                    s.errors.lock().unwrap().push(e.to_string());
                                }
                            }
                        });
                    }
                    // Reap finished connections so the set does not grow for the proxy's life.
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        Ok(MutationProxy { dir, shared, accept })
    }

    pub fn socket_path(&self) -> PathBuf {
        self.dir.path().join("proxy.sock")
    }

    /// The proxy as a `--host` value.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket_path().display())
    }

    /// How many replies, frames or lines the mutant changed so far.
    pub fn applied(&self) -> usize {
        self.shared.applied.load(Ordering::Relaxed)
    }

    /// Connections that failed for another reason than a peer hanging up.
    pub fn errors(&self) -> Vec<String> {
        self.shared.errors.lock().unwrap().clone()
    }
}

impl Drop for MutationProxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.accept.abort();
    }
}

fn is_hang_up(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof
    )
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

async fn serve(mut client: UnixStream, shared: &Shared) -> io::Result<()> {
    let mut upstream = UnixStream::connect(&shared.upstream).await?;
    let Some(mutant) = &shared.mutant else {
        tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
        return Ok(());
    };
    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    Conn {
        client: Side {
            r: cr,
            w: cw,
            buf: Vec::new(),
        },
        engine: Side {
            r: ur,
            w: uw,
            buf: Vec::new(),
        },
        mutant,
        shared,
    }
    .run()
    .await
}

/// One end of a proxied connection: its halves and the bytes read from it
/// that were not forwarded yet.
struct Side {
    r: OwnedReadHalf,
    w: OwnedWriteHalf,
    buf: Vec<u8>,
}

impl Side {
    /// Reads more bytes into `buf`; returns how many (0 at the end).
    async fn read_more(&mut self) -> io::Result<usize> {
        read_into(&mut self.r, &mut self.buf).await
    }
}

/// Reads until `buf` starts with a whole head; returns its length, or `None`
/// when the peer closed before sending a byte of it.
async fn read_head(r: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    loop {
        if let Some(i) = crate::http::find(buf, b"\r\n\r\n") {
            return Ok(Some(i + 4));
        }
        if read_into(r, buf).await? == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a head"))
            };
        }
    }
}

async fn read_into(r: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 32 * 1024];
    let n = r.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// Copies one body of `framing` from `from` to `to`, raw; bytes past its end
/// stay in `from.buf`.
async fn copy_body(from: &mut Side, to: &mut OwnedWriteHalf, framing: Framing) -> io::Result<()> {
    match framing {
        Framing::Empty => Ok(()),
        Framing::Length(n) => {
            let mut left = n as usize;
            while left > 0 {
                if from.buf.is_empty() && from.read_more().await? == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a body"));
                }
                let take = left.min(from.buf.len());
                to.write_all(&from.buf[..take]).await?;
                from.buf.drain(..take);
                left -= take;
            }
            Ok(())
        }
        Framing::Chunked => {
            let mut d = Dechunker::default();
            let mut sink = Vec::new();
            loop {
                let used = d.feed(&from.buf, &mut sink).map_err(invalid)?;
                sink.clear();
                to.write_all(&from.buf[..used]).await?;
                from.buf.drain(..used);
                if d.is_done() {
                    return Ok(());
                }
                if from.read_more().await? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "closed inside a chunked body",
                    ));
                }
            }
        }
        Framing::UntilClose => unreachable!("a request body delimited by the close is a tunnel"),
    }
}

struct Conn<'a> {
    client: Side,
    engine: Side,
    mutant: &'a Mutant,
    shared: &'a Shared,
}

impl Conn<'_> {
    fn applied(&self, n: usize) {
        self.shared.applied.fetch_add(n, Ordering::Relaxed);
    }

    async fn run(mut self) -> io::Result<()> {
        loop {
            // Wait for the next request, unless the engine closes first (after
            // a `Connection: close` reply): then the client must see the close.
            let next = {
                let Conn { client, engine, .. } = &mut self;
                let request = read_head(&mut client.r, &mut client.buf);
                tokio::pin!(request);
                loop {
                    tokio::select! {
                        head = &mut request => break head?,
                        n = engine.read_more() => if n? == 0 {
                            client.w.shutdown().await?;
                            return Ok(());
                        },
                    }
                }
            };
            let Some(n) = next else { return Ok(()) };
            let request = Head::parse(&self.client.buf[..n]).map_err(invalid)?;
            let (method, target) = request.request_line().map_err(invalid)?;
            let (method, target) = (method.to_string(), target.to_string());
            let request_framing = Framing::of_request(&request);
            self.engine.w.write_all(&self.client.buf[..n]).await?;
            self.client.buf.drain(..n);

            // The request body goes up while the reply's head is awaited.
            let mut body_sent = request_framing == Framing::Empty;
            let head_len = {
                let body = copy_body(&mut self.client, &mut self.engine.w, request_framing);
                let head = read_head(&mut self.engine.r, &mut self.engine.buf);
                tokio::pin!(body, head);
                loop {
                    tokio::select! {
                        sent = &mut body, if !body_sent => { sent?; body_sent = true; }
                        head = &mut head => break head?,
                    }
                }
            };
            let Some(head_len) = head_len else { return Ok(()) };
            let raw_head: Vec<u8> = self.engine.buf.drain(..head_len).collect();
            let reply = Head::parse(&raw_head).map_err(invalid)?;
            let status = reply.status().map_err(invalid)?;
            let framing = Framing::of_response(&method, status, &reply);
            let tunnel = status == 101 || framing == Framing::UntilClose;
            let hit = route::operation_of(&method, &target)
                .is_some_and(|op| self.mutant.applies(op.id, route::query(&target), status));

            if !hit {
                self.client.w.write_all(&raw_head).await?;
                if tunnel {
                    return self.tunnel(None).await;
                }
                self.forward_body(framing).await?;
            } else if tunnel {
                let frames = match &self.mutant.mutation {
                    Mutation::Frames(op) => Some(FrameMutator::new(*op)),
                    _ => None,
                };
                let head = self.mutated_head(reply, &raw_head, status).await;
                self.client.w.write_all(&head).await?;
                return self.tunnel(frames).await;
            } else {
                match &self.mutant.mutation {
                    Mutation::Json(op) => {
                        // A chunked head says nothing of the body's length, so
                        // it goes out at once, when dockerd sent it: a wait's
                        // head comes long before its body, and a client may
                        // act on it.
                        let chunked = framing == Framing::Chunked;
                        if chunked {
                            self.client.w.write_all(&raw_head).await?;
                        }
                        let (raw_body, body) = self.read_body(framing).await?;
                        match op.apply_bytes(&body) {
                            Some(changed) if chunked => {
                                self.applied(1);
                                self.client
                                    .w
                                    .write_all(&[chunk(&changed), LAST_CHUNK.to_vec()].concat())
                                    .await?;
                            }
                            Some(changed) => {
                                self.applied(1);
                                let mut head = reply;
                                head.set("Content-Length", changed.len().to_string().as_bytes());
                                self.client.w.write_all(&head.to_bytes()).await?;
                                self.client.w.write_all(&changed).await?;
                            }
                            None => {
                                if !chunked {
                                    self.client.w.write_all(&raw_head).await?;
                                }
                                self.client.w.write_all(&raw_body).await?;
                            }
                        }
                    }
                    Mutation::Lines(op) => {
                        self.stream_body(reply, framing, Box::new(LineMutator::new(op.clone())))
                            .await?;
                    }
                    Mutation::Frames(op) => {
                        self.stream_body(reply, framing, Box::new(FrameMutator::new(*op)))
                            .await?;
                    }
                    _ => {
                        let head = self.mutated_head(reply, &raw_head, status).await;
                        self.client.w.write_all(&head).await?;
                        self.forward_body(framing).await?;
                    }
                }
            }
            if !body_sent {
                // The engine answered before the whole request body was
                // forwarded; the rest of it cannot be told from a next request.
                return Ok(());
            }
        }
    }

    /// The reply's head after a head mutation (status, header, delay).
    async fn mutated_head(&self, mut head: Head, raw: &[u8], status: u16) -> Vec<u8> {
        match &self.mutant.mutation {
            Mutation::Status(to) => {
                head.set_status(*to);
                // A 204 or 304 has no body and dockerd sends no length with it;
                // the same reply under a status that has one must say it is empty.
                let bodiless = status == 204 || status == 304;
                if bodiless && head.field("content-length").is_none() && head.field("transfer-encoding").is_none() {
                    head.set("Content-Length", b"0");
                }
                self.applied(1);
                head.to_bytes()
            }
            Mutation::RemoveHeader(name) => {
                if head.remove(name) > 0 {
                    self.applied(1);
                }
                head.to_bytes()
            }
            Mutation::SetHeader(name, value) => {
                if head.field(name).as_deref() != Some(*value) {
                    head.set(name, value.as_bytes());
                    self.applied(1);
                }
                head.to_bytes()
            }
            Mutation::Delay(d) => {
                tokio::time::sleep(*d).await;
                self.applied(1);
                raw.to_vec()
            }
            Mutation::Json(_) | Mutation::Lines(_) | Mutation::Frames(_) => raw.to_vec(),
        }
    }

    /// Forwards a reply body raw, ending the connection if the client hangs up.
    async fn forward_body(&mut self, framing: Framing) -> io::Result<()> {
        let Conn { client, engine, .. } = self;
        let copy = copy_body(engine, &mut client.w, framing);
        tokio::pin!(copy);
        loop {
            tokio::select! {
                done = &mut copy => return done,
                n = read_into(&mut client.r, &mut client.buf) => {
                    if n? == 0 {
                        return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client hung up during a reply"));
                    }
                }
            }
        }
    }

    /// Reads a whole reply body: its raw bytes and the decoded ones.
    async fn read_body(&mut self, framing: Framing) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let e = &mut self.engine;
        match framing {
            Framing::Empty => Ok((Vec::new(), Vec::new())),
            Framing::Length(n) => {
                while e.buf.len() < n as usize {
                    if e.read_more().await? == 0 {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a body"));
                    }
                }
                let body: Vec<u8> = e.buf.drain(..n as usize).collect();
                Ok((body.clone(), body))
            }
            Framing::Chunked => {
                let (mut d, mut raw, mut body) = (Dechunker::default(), Vec::new(), Vec::new());
                loop {
                    let used = d.feed(&e.buf, &mut body).map_err(invalid)?;
                    raw.extend(e.buf.drain(..used));
                    if d.is_done() {
                        return Ok((raw, body));
                    }
                    if e.read_more().await? == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "closed inside a chunked body",
                        ));
                    }
                }
            }
            Framing::UntilClose => unreachable!("a reply delimited by the close is tunnelled"),
        }
    }

    /// Forwards a reply body through a stream mutator: a chunked body chunk
    /// by chunk as it comes, a body of known length whole, with its new length.
    async fn stream_body(&mut self, mut head: Head, framing: Framing, mut m: Box<dyn StreamMutator>) -> io::Result<()> {
        match framing {
            Framing::Chunked => {
                self.client.w.write_all(&head.to_bytes()).await?;
                let mut d = Dechunker::default();
                let mut seen = 0;
                loop {
                    let mut decoded = Vec::new();
                    let used = d.feed(&self.engine.buf, &mut decoded).map_err(invalid)?;
                    self.engine.buf.drain(..used);
                    let mut out = m.push(&decoded);
                    if d.is_done() {
                        out.extend(m.finish());
                    }
                    self.client.w.write_all(&chunk(&out)).await?;
                    self.applied(m.changed() - seen);
                    seen = m.changed();
                    if d.is_done() {
                        return self.client.w.write_all(LAST_CHUNK).await;
                    }
                    let Conn { client, engine, .. } = &mut *self;
                    tokio::select! {
                        n = engine.read_more() => if n? == 0 {
                            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed inside a chunked body"));
                        },
                        n = read_into(&mut client.r, &mut client.buf) => if n? == 0 {
                            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client hung up during a reply"));
                        },
                    }
                }
            }
            _ => {
                let (_, body) = self.read_body(framing).await?;
                let mut out = m.push(&body);
                out.extend(m.finish());
                self.applied(m.changed());
                if framing != Framing::Empty {
                    head.set("Content-Length", out.len().to_string().as_bytes());
                }
                self.client.w.write_all(&head.to_bytes()).await?;
                self.client.w.write_all(&out).await
            }
        }
    }

    /// Raw bytes both ways until both sides are done; the engine's side
    /// through `frames` when given.
    async fn tunnel(self, mut frames: Option<FrameMutator>) -> io::Result<()> {
        let Conn {
            client, engine, shared, ..
        } = self;
        let (
            Side {
                r: mut cr,
                w: mut cw,
                buf: cbuf,
            },
            Side {
                r: mut ur,
                w: mut uw,
                buf: ubuf,
            },
        ) = (client, engine);
        let up = async {
            uw.write_all(&cbuf).await?;
            tokio::io::copy(&mut cr, &mut uw).await?;
            uw.shutdown().await
        };
        let down = async {
            let mut pending = ubuf;
            let mut seen = 0;
            loop {
                let ended = pending.is_empty() && read_into(&mut ur, &mut pending).await? == 0;
                let out = match &mut frames {
                    Some(m) => {
                        let mut out = m.push(&pending);
                        if ended {
                            out.extend(m.finish());
                        }
                        shared.applied.fetch_add(m.changed() - seen, Ordering::Relaxed);
                        seen = m.changed();
                        out
                    }
                    None => std::mem::take(&mut pending),
                };
                pending.clear();
                cw.write_all(&out).await?;
                if ended {
                    return cw.shutdown().await;
                }
            }
        };
        let (up, down) = tokio::join!(up, down);
        down.and(up.or_else(|e| if is_hang_up(&e) { Ok(()) } else { Err(e) }))
    }
}
