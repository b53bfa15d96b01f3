//! Helpers shared by checks: creating probe containers, and reading a
//! multiplexed log body into per-stream lines.

use dockhand_engine::{Frame, StreamKind};
use dockhand_harness::{CheckError, Cleanup, Ctx, Observed};
use serde_json::{json, Value};

/// How long a check waits for a state the engine should reach quickly (a
/// container's exit, a log line, an exec's end, a refusal to clear).
pub(crate) const POLL_DEADLINE: Duration = Duration::from_secs(10);
/// The interval between polls for such a state.
pub(crate) const POLL_EVERY: Duration = Duration::from_millis(20);

/// Lines of each stream, in order, from decoded frames. A line split across
/// frames is joined; a frame may carry several lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct StreamLines {
    pub(crate) stdout: Vec<String>,
    pub(crate) stderr: Vec<String>,
    /// Frames that claimed to be stdin: the engine must never send them.
    pub(crate) stdin_frames: usize,
}

pub(crate) fn stream_lines(frames: &[Frame]) -> StreamLines {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut stdin_frames = 0;
    for f in frames {
        match f.stream {
            StreamKind::Stdout => out.extend_from_slice(&f.payload),
            StreamKind::Stderr => err.extend_from_slice(&f.payload),
            StreamKind::Stdin => stdin_frames += 1,
        }
    }
    let lines = |b: Vec<u8>| -> Vec<String> {
        String::from_utf8_lossy(&b)
            .split_terminator('\n')
            .map(str::to_string)
            .collect()
    };
    StreamLines {
        stdout: lines(out),
        stderr: lines(err),
        stdin_frames,
    }
}

/// The create body for a probe container running `steps`, labelled for the check.
pub(crate) fn probe_config(ctx: &Ctx, image: &str, steps: &[&str]) -> Value {
    json!({
        "Image": image,
        "Cmd": steps,
        "Labels": ctx.labels(),
        "HostConfig": {},
    })
}

/// Creates a probe container (expecting 201), registers its removal, returns its id.
pub(crate) async fn create_probe(ctx: &Ctx, suffix: &str, config: Value) -> Result<String, CheckError> {
    let resp = ctx.engine().container_create(Some(&ctx.name(suffix)), &config).await?;
    ctx.expect_status(&resp, 201, "create a probe container")?;
    let v: Value = resp.json()?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    if id.is_empty() {
        return Err(CheckError::failed(
            "create reply",
            "an Id",
            String::from_utf8_lossy(&resp.body),
        ));
    }
    ctx.defer(Cleanup::Container(id.clone()));
    Ok(id)
}

/// Whether `s` is 64 lowercase hex characters, as container and image ids are.
pub(crate) fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether two image ids name the same image: equal once an optional
/// `sha256:` is taken off each. The reference's IdResponse `Id` ("the id of
/// the newly created object") and ImageInspect `Parent` ("ID of the parent
/// image") are plain strings; only `ImageInspect.Id`'s example writes the
/// digest's algorithm. Docker 20.10 writes `sha256:<hex>` in all three,
/// Podman 4.3 bare hex in the first two (v1.41 yaml, IdResponse and
/// ImageInspect).
pub(crate) fn same_image_id(a: &str, b: &str) -> bool {
    let bare = |s: &'_ str| s.strip_prefix("sha256:").unwrap_or(s).to_string();
    is_full_id(&bare(a)) && bare(a) == bare(b)
}

/// The fact of a list of ids a check got (a listing's `Id`s, a delete's
/// `Deleted`s), run-independent: each id written as the role the check gave
/// its object (`<a>`, `<parent>`), or `<other>` for an id that is none of
/// them, sorted. Ids compare with or without `sha256:`.
pub(crate) fn ids_fact(method: &str, path: &str, pointer: &str, got: &[String], roles: &[(&str, &str)]) -> Observed {
    let bare = |s: &str| s.strip_prefix("sha256:").unwrap_or(s).to_string();
    let mut v: Vec<String> = got
        .iter()
        .map(|g| {
            roles
                .iter()
                .find(|(_, id)| bare(id) == bare(g))
                .map_or_else(|| "<other>".to_string(), |(role, _)| format!("<{role}>"))
        })
        .collect();
    v.sort();
    Observed::field_value(method, path, pointer, json!(v))
}

// ---- Streams: hijacked connections, FNV-1a, archive stat (logs, exec, attach, archive) ----

/// Anything that reads and writes bytes both ways, as a hijacked connection does.
pub(crate) trait Duplex: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Duplex for T {}

/// A connection the engine switched to a raw stream (`101`), with the reply's
/// headers, and readers that keep their place between calls. Whether the
/// stream is framed is the caller's choice (from the `Tty` setting), never
/// guessed from the bytes.
pub(crate) struct Hijack {
    /// The `101` reply's headers.
    pub(crate) headers: dockhand_engine::HeaderMap,
    io: Box<dyn Duplex>,
    /// What the connection is, for messages: e.g. `attach to the container`.
    what: String,
    /// The request's method and path, for the facts of a malformed stream.
    call: (String, String),
    decoder: dockhand_engine::FrameDecoder,
    /// Raw bytes read and not yet returned by [`Hijack::read_raw_until`].
    raw: Vec<u8>,
    eof: bool,
}

/// Sends `req` with the upgrade headers (`Connection: Upgrade`, `Upgrade:
/// tcp`) and expects `101 Switching Protocols`, citing `reference` otherwise.
pub(crate) async fn hijack(
    ctx: &Ctx,
    req: dockhand_engine::Request,
    what: &str,
    reference: &str,
) -> Result<Hijack, CheckError> {
    let call = (req.method.to_string(), req.path.clone());
    match ctx.engine().upgrade(req).await? {
        dockhand_engine::Upgrade::Switched { headers, io, .. } => Ok(Hijack {
            headers,
            io: Box::new(io),
            what: what.to_string(),
            call,
            decoder: dockhand_engine::FrameDecoder::new(),
            raw: Vec::new(),
            eof: false,
        }),
        dockhand_engine::Upgrade::Refused(resp) => {
            ctx.expect_status_ref(&resp, 101, what, reference)?;
            unreachable!("expect_status_ref fails on any status but 101")
        }
    }
}

/// The first `n` bytes of `b`, lossily, for messages.
pub(crate) fn preview_bytes(b: &[u8], n: usize) -> String {
    let s = format!("{:?}", String::from_utf8_lossy(&b[..b.len().min(n)]));
    if b.len() > n {
        format!("{s}... ({} bytes)", b.len())
    } else {
        s
    }
}

impl Hijack {
    /// A header of the `101` reply, if present and text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Writes bytes (the attached stdin) and flushes.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), CheckError> {
        use tokio::io::AsyncWriteExt;
        self.io.write_all(bytes).await.and(self.io.flush().await).map_err(|e| {
            CheckError::failed(
                format!("write to the stdin of {}", self.what),
                "the write accepted",
                e.to_string(),
            )
        })
    }

    /// Half-closes the connection: the engine sees the end of stdin, and the
    /// output keeps flowing.
    pub(crate) async fn close_stdin(&mut self) -> Result<(), CheckError> {
        use tokio::io::AsyncWriteExt;
        self.io.shutdown().await.map_err(|e| {
            CheckError::failed(
                format!("half-close of {}", self.what),
                "the write side closed",
                e.to_string(),
            )
        })
    }

    /// Reads one chunk within the remaining time; `false` at the end of the stream.
    async fn fill(&mut self, deadline: tokio::time::Instant, waiting_for: &str) -> Result<Option<Vec<u8>>, CheckError> {
        use tokio::io::AsyncReadExt;
        if self.eof {
            return Ok(None);
        }
        let mut buf = vec![0u8; 64 * 1024];
        match tokio::time::timeout_at(deadline, self.io.read(&mut buf)).await {
            Err(_) => Err(CheckError::failed(
                format!("the stream of {}", self.what),
                waiting_for.to_string(),
                "nothing more before the deadline".to_string(),
            )),
            Ok(Err(e)) => Err(CheckError::failed(
                format!("the stream of {}", self.what),
                waiting_for.to_string(),
                format!("a read error: {e}"),
            )),
            Ok(Ok(0)) => {
                self.eof = true;
                Ok(None)
            }
            Ok(Ok(n)) => {
                buf.truncate(n);
                Ok(Some(buf))
            }
        }
    }

    /// Reads frames until `done(frames so far)` holds or the stream ends,
    /// within `within`. Returns the frames and whether the stream ended. A
    /// frame that breaks the framing, or a stream that ends inside one, fails.
    pub(crate) async fn read_frames_until(
        &mut self,
        within: std::time::Duration,
        waiting_for: &str,
        done: impl Fn(&[Frame]) -> bool,
    ) -> Result<(Vec<Frame>, bool), CheckError> {
        let deadline = tokio::time::Instant::now() + within;
        let mut frames = Vec::new();
        loop {
            while let Some(f) = self.decoder.next_frame().map_err(|e| self.framing(e))? {
                frames.push(f);
            }
            if done(&frames) {
                return Ok((frames, self.eof));
            }
            match self.fill(deadline, waiting_for).await {
                Ok(Some(chunk)) => self.decoder.push(&chunk),
                Ok(None) => {
                    self.decoder.finish().map_err(|e| self.framing(e))?;
                    return Ok((frames, true));
                }
                Err(CheckError::Failed(mut m)) => {
                    m.actual = format!("{} (frames so far: {})", m.actual, frames_preview(&frames));
                    return Err(CheckError::Failed(m));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads frames to the end of the stream, which must come within `within`.
    pub(crate) async fn read_frames_to_end(&mut self, within: std::time::Duration) -> Result<Vec<Frame>, CheckError> {
        Ok(self
            .read_frames_until(within, "the end of the stream", |_| false)
            .await?
            .0)
    }

    /// Reads raw (unframed) bytes until `done(bytes so far)` holds or the stream
    /// ends, within `within`; returns the bytes and whether the stream ended.
    pub(crate) async fn read_raw_until(
        &mut self,
        within: std::time::Duration,
        waiting_for: &str,
        done: impl Fn(&[u8]) -> bool,
    ) -> Result<(Vec<u8>, bool), CheckError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if done(&self.raw) {
                return Ok((std::mem::take(&mut self.raw), self.eof));
            }
            match self.fill(deadline, waiting_for).await {
                Ok(Some(chunk)) => self.raw.extend_from_slice(&chunk),
                Ok(None) => return Ok((std::mem::take(&mut self.raw), true)),
                Err(CheckError::Failed(mut m)) => {
                    m.actual = format!("{} (bytes so far: {})", m.actual, preview_bytes(&self.raw, 300));
                    return Err(CheckError::Failed(m));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads raw bytes to the end of the stream, which must come within `within`.
    pub(crate) async fn read_raw_to_end(&mut self, within: std::time::Duration) -> Result<Vec<u8>, CheckError> {
        Ok(self.read_raw_until(within, "the end of the stream", |_| false).await?.0)
    }

    /// A malformed frame header: a failure with the decoder's description as its fact.
    fn framing(&self, e: dockhand_engine::DecodeError) -> CheckError {
        let error = e.to_string();
        CheckError::failed(
            format!("the multiplexed stream of {}", self.what),
            "well-formed frames [type, 0, 0, 0, size_be32] with type 0, 1 or 2",
            error.clone(),
        )
        .with_observed(Observed::framing(&self.call.0, &self.call.1, &error))
    }
}

/// Frames as `stdout:"text"` items, for messages.
pub(crate) fn frames_preview(frames: &[Frame]) -> String {
    let items: Vec<String> = frames
        .iter()
        .take(20)
        .map(|f| format!("{:?}:{}", f.stream, preview_bytes(&f.payload, 80)))
        .collect();
    let more = if frames.len() > 20 {
        format!(" and {} more", frames.len() - 20)
    } else {
        String::new()
    };
    format!("[{}]{more}", items.join(", "))
}

/// The concatenated payload of the frames of one stream.
pub(crate) fn stream_bytes(frames: &[Frame], kind: StreamKind) -> Vec<u8> {
    frames
        .iter()
        .filter(|f| f.stream == kind)
        .flat_map(|f| f.payload.iter().copied())
        .collect()
}

/// FNV-1a 64, incrementally: the hash the probe's `flood=` step reports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    pub(crate) fn value(self) -> u64 {
        self.0
    }
}

/// Waits for the container to stop (`POST /wait`, at most `within`) and
/// returns its `StatusCode`.
pub(crate) async fn wait_exit(ctx: &Ctx, id: &str, within: std::time::Duration) -> Result<i64, CheckError> {
    let r = ctx.engine().container_wait(id, None, within).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "wait for the probe to exit",
        "ContainerWait: 200 the container has exit",
    )?;
    let v: Value = r.json()?;
    v["StatusCode"]
        .as_i64()
        .ok_or_else(|| CheckError::failed("the wait reply's StatusCode", "an integer", v.to_string()))
}

/// Starts a container, expecting 204.
pub(crate) async fn start(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let r = ctx.engine().container_start(id).await?;
    ctx.expect_status_ref(&r, 204, "start of the probe container", "ContainerStart: 204 no error")
}

/// Sends `signal` to a running container, expecting 204.
pub async fn kill(ctx: &Ctx, id: &str, signal: &str) -> Result<(), CheckError> {
    let r = ctx.engine().container_kill(id, Some(signal)).await?;
    ctx.expect_status_ref(&r, 204, &format!("kill with {signal}"), "ContainerKill: 204 no error")
}

/// An id no engine object has: 64 hex characters unlikely to exist.
pub(crate) const MISSING_ID: &str = "dead0000beef0000dead0000beef0000dead0000beef0000dead0000beef0000";

/// Expects `status` (as the reference documents it) and the reference's
/// `ErrorResponse` body: a non-empty `message`. A failure carries the status,
/// or the `/message` field, as its observed facts.
pub(crate) fn expect_error_response(
    ctx: &Ctx,
    r: &dockhand_engine::Response,
    status: u16,
    what: &str,
    reference: &str,
) -> Result<(), CheckError> {
    ctx.expect_status_ref(r, status, what, reference)?;
    let v: Value = r.json()?;
    if v["message"].as_str().is_some_and(|m| !m.is_empty()) {
        return Ok(());
    }
    Err(CheckError::failed(
        format!("the body of the {status} to {what} (ErrorResponse)"),
        "{\"message\": ...}",
        String::from_utf8_lossy(&r.body),
    )
    .with_observed(dockhand_harness::Observed::field(r, &v, "/message")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_engine::{encode_frame, FrameDecoder};

    #[test]
    fn joins_lines_across_frames_per_stream() {
        let mut body = encode_frame(StreamKind::Stdout, b"a\nb");
        body.extend(encode_frame(StreamKind::Stderr, b"x\n"));
        body.extend(encode_frame(StreamKind::Stdout, b"c\n"));
        let l = stream_lines(&FrameDecoder::decode_all(&body).unwrap());
        assert_eq!(l.stdout, ["a", "bc"]);
        assert_eq!(l.stderr, ["x"]);
    }

    #[test]
    fn ids_facts_name_roles_not_ids() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let got = vec![format!("sha256:{b}"), "c".repeat(64), a.clone()];
        let o = ids_fact(
            "GET",
            "/images/json",
            "/*/Id",
            &got,
            &[("a", &a), ("b", &format!("sha256:{b}"))],
        );
        assert_eq!(
            o,
            Observed::field_value("GET", "/images/json", "/*/Id", json!(["<a>", "<b>", "<other>"]))
        );
        let none = ids_fact("GET", "/images/json", "/*/Id", &[], &[("a", &a)]);
        assert_eq!(
            none.fact,
            dockhand_harness::observed::Fact::Field {
                pointer: "/*/Id".into(),
                value: json!([])
            }
        );
    }

    #[test]
    fn full_ids() {
        assert!(is_full_id(&"a".repeat(64)));
        assert!(!is_full_id(&"A".repeat(64)));
        assert!(!is_full_id(&"a".repeat(63)));
    }

    #[test]
    fn fnv1a64_matches_the_published_vectors() {
        let h = |b: &[u8]| {
            let mut f = Fnv1a64::default();
            f.update(b);
            f.value()
        };
        assert_eq!(h(b""), 0xcbf29ce484222325);
        assert_eq!(h(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(h(b"foobar"), 0x85944171f73967e8);
        let mut split = Fnv1a64::default();
        split.update(b"foo");
        split.update(b"bar");
        assert_eq!(split.value(), h(b"foobar"));
    }
}

// Helpers for the system, volumes and networks areas: label filters, raw
// calls, and probe containers run to their end.

use std::time::Duration;

use dockhand_engine::{Request, Response};
use dockhand_harness::context::{LABEL_CASE, LABEL_RUN};

/// `{"label": ["dockhand.case=<case>#<iteration>", "dockhand.run=<run>"]}`:
/// the filter that makes a list, prune or events call see only this case's
/// objects. The run too, as the engine ANDs labels: concurrent runs of the
/// suite (other users of the engine) have cases of the same label.
pub(crate) fn case_filter(ctx: &Ctx) -> Value {
    json!({ "label": [case_label_kv(ctx), run_label_kv(ctx)] })
}

/// `dockhand.run=<run>`, this run's label as `key=value`.
pub(crate) fn run_label_kv(ctx: &Ctx) -> String {
    format!("{LABEL_RUN}={}", ctx.run_id())
}

/// `dockhand.case=<case>#<iteration>`, this case's label as `key=value`.
pub(crate) fn case_label_kv(ctx: &Ctx) -> String {
    format!("{LABEL_CASE}={}", ctx.case_label())
}

/// Sends a request through the check's engine (recorded in its transcript).
pub(crate) async fn send(ctx: &Ctx, req: Request) -> Result<Response, CheckError> {
    Ok(ctx.engine().send(req).await?)
}

/// Sends a request built by `request`, again while the engine refuses it
/// because another operation of its kind is running: status `busy_status`
/// with a message containing `busy_message`. Engines run one prune (per
/// object kind) and, in moby 20.10, one `GET /system/df` at a time, and
/// refuse the others; checks and other clients of the engine run beside this
/// one, so the refusal is retried every [`POLL_EVERY`] for at most
/// [`POLL_DEADLINE`]. Any other
/// reply, and the last refusal, is returned for the check to judge.
pub(crate) async fn send_when_free(
    ctx: &Ctx,
    request: impl Fn() -> Request,
    busy_status: u16,
    busy_message: &str,
) -> Result<Response, CheckError> {
    let deadline = tokio::time::Instant::now() + POLL_DEADLINE;
    loop {
        let r = send(ctx, request()).await?;
        let busy = r.status.as_u16() == busy_status && r.message().contains(busy_message);
        if !busy || tokio::time::Instant::now() > deadline {
            return Ok(r);
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// `POST /<kind>/prune?filters=` (kind: containers, images, networks,
/// volumes) through [`send_when_free`]: the engine answers 409 "a prune
/// operation is already running" (not in the v1.41 reference) while another
/// prune of that kind runs.
pub(crate) async fn prune_when_free(
    ctx: &Ctx,
    kind: &str,
    filters: impl std::fmt::Display,
) -> Result<Response, CheckError> {
    let path = format!("/{kind}/prune");
    let filters = filters.to_string();
    send_when_free(
        ctx,
        || Request::post(path.clone()).query("filters", &filters),
        409,
        "prune operation is already running",
    )
    .await
}

/// Starts a created container, expecting 204.
pub(crate) async fn start_container(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let r = ctx.engine().container_start(id).await?;
    ctx.expect_status_ref(&r, 204, "start of a created container", "ContainerStart: 204 no error")
}

/// A probe container that ran to its end.
#[derive(Debug)]
pub(crate) struct ProbeRun {
    pub(crate) id: String,
    pub(crate) exit_code: i64,
    pub(crate) lines: StreamLines,
}

impl ProbeRun {
    /// Both streams, for failure messages.
    pub(crate) fn output(&self) -> String {
        format!(
            "exit code {}, stdout {:?}, stderr {:?}",
            self.exit_code, self.lines.stdout, self.lines.stderr
        )
    }
}

/// Creates (with cleanup), starts and waits for a probe container, then reads
/// its logs. `config` must not have a TTY, so the logs are multiplexed.
pub(crate) async fn run_probe_to_exit(ctx: &Ctx, suffix: &str, config: Value) -> Result<ProbeRun, CheckError> {
    let id = create_probe(ctx, suffix, config).await?;
    start_container(ctx, &id).await?;
    let exit_code = wait_exit(ctx, &id, Duration::from_secs(30)).await?;
    let lines = logs(ctx, &id).await?;
    Ok(ProbeRun { id, exit_code, lines })
}

/// A (non-TTY) container's logs, both streams, read whole.
pub(crate) async fn logs(ctx: &Ctx, id: &str) -> Result<StreamLines, CheckError> {
    let r = ctx
        .engine()
        .container_logs(id, &[("stdout", "1"), ("stderr", "1")])
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs of the container",
        "ContainerLogs: 200 logs returned as a stream",
    )?;
    Ok(stream_lines(&r.frames()?))
}

/// Polls a (non-TTY) container's logs every [`POLL_EVERY`], for at most
/// `limit`, until `done` holds for them; returns them then. `what` (the
/// wait, with its limit) and `expected` are the failure's words.
pub(crate) async fn wait_for_logs(
    ctx: &Ctx,
    id: &str,
    limit: Duration,
    (what, expected): (&str, &str),
    done: impl Fn(&StreamLines) -> bool,
) -> Result<StreamLines, CheckError> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let l = logs(ctx, id).await?;
        if done(&l) {
            return Ok(l);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(CheckError::failed(
                what,
                expected,
                format!("stdout {:?}, stderr {:?}", l.stdout, l.stderr),
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Whether a JSON value is a string that is not empty.
pub(crate) fn non_empty_str(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}
