//! Helpers shared by checks: creating probe containers, and reading a
//! multiplexed log body into per-stream lines.

use dockhand_engine::{Frame, StreamKind};
use dockhand_harness::{CheckError, Cleanup, Ctx};
use serde_json::{json, Value};

/// Lines of each stream, in order, from decoded frames. A line split across
/// frames is joined; a frame may carry several lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StreamLines {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    /// Frames that claimed to be stdin: the engine must never send them.
    pub stdin_frames: usize,
}

pub fn stream_lines(frames: &[Frame]) -> StreamLines {
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
pub fn probe_config(ctx: &Ctx, image: &str, steps: &[&str]) -> Value {
    json!({
        "Image": image,
        "Cmd": steps,
        "Labels": ctx.labels(),
        "HostConfig": {},
    })
}

/// Creates a probe container (expecting 201), registers its removal, returns its id.
pub async fn create_probe(ctx: &Ctx, suffix: &str, config: Value) -> Result<String, CheckError> {
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
pub fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
    fn full_ids() {
        assert!(is_full_id(&"a".repeat(64)));
        assert!(!is_full_id(&"A".repeat(64)));
        assert!(!is_full_id(&"a".repeat(63)));
    }
}

// Helpers for the system, volumes and networks areas: label filters, raw
// calls, and probe containers run to their end.

use std::time::Duration;

use dockhand_engine::{Request, Response};
use dockhand_harness::context::LABEL_CASE;

/// `{"label": ["dockhand.case=<case>#<iteration>"]}`: the filter that makes a
/// list, prune or events call see only this case's objects.
pub fn case_filter(ctx: &Ctx) -> Value {
    json!({ "label": [case_label_kv(ctx)] })
}

/// `dockhand.case=<case>#<iteration>`, this case's label as `key=value`.
pub fn case_label_kv(ctx: &Ctx) -> String {
    format!("{LABEL_CASE}={}", ctx.case_label())
}

/// Sends a request through the check's engine (recorded in its transcript).
pub async fn send(ctx: &Ctx, req: Request) -> Result<Response, CheckError> {
    Ok(ctx.engine().send(req).await?)
}

/// Starts a created container, expecting 204.
pub async fn start_container(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let r = ctx.engine().container_start(id).await?;
    ctx.expect_status_ref(&r, 204, "start of a created container", "ContainerStart: 204 no error")
}

/// Waits (at most `limit`) for a started container to exit; its exit code.
pub async fn wait_exit(ctx: &Ctx, id: &str, limit: Duration) -> Result<i64, CheckError> {
    let r = ctx.engine().container_wait(id, None, limit).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "wait for the probe to exit",
        "ContainerWait: 200 the container has exit",
    )?;
    let v: Value = r.json()?;
    v["StatusCode"]
        .as_i64()
        .ok_or_else(|| CheckError::failed("wait reply", "an integer StatusCode", String::from_utf8_lossy(&r.body)))
}

/// A probe container that ran to its end.
#[derive(Debug)]
pub struct ProbeRun {
    pub id: String,
    pub exit_code: i64,
    pub lines: StreamLines,
}

impl ProbeRun {
    /// Both streams, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "exit code {}, stdout {:?}, stderr {:?}",
            self.exit_code, self.lines.stdout, self.lines.stderr
        )
    }
}

/// Creates (with cleanup), starts and waits for a probe container, then reads
/// its logs. `config` must not have a TTY, so the logs are multiplexed.
pub async fn run_probe(ctx: &Ctx, suffix: &str, config: Value) -> Result<ProbeRun, CheckError> {
    let id = create_probe(ctx, suffix, config).await?;
    start_container(ctx, &id).await?;
    let exit_code = wait_exit(ctx, &id, Duration::from_secs(30)).await?;
    let r = ctx
        .engine()
        .container_logs(&id, &[("stdout", "1"), ("stderr", "1")])
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs of the exited probe",
        "ContainerLogs: 200 logs returned as a stream",
    )?;
    let lines = stream_lines(&r.frames()?);
    Ok(ProbeRun { id, exit_code, lines })
}

/// Polls a running container's stdout until a line starts with `prefix`, for
/// at most `limit` (e.g. the probe's `probe: listening tcp` line).
pub async fn wait_for_stdout(ctx: &Ctx, id: &str, prefix: &str, limit: Duration) -> Result<(), CheckError> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let r = ctx
            .engine()
            .container_logs(id, &[("stdout", "1"), ("stderr", "1")])
            .await?
            .ok()?;
        let l = stream_lines(&r.frames()?);
        if l.stdout.iter().any(|s| s.starts_with(prefix)) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(CheckError::failed(
                format!("a line starting {prefix:?} in the probe's logs within {limit:?}"),
                "the line",
                format!("stdout {:?}, stderr {:?}", l.stdout, l.stderr),
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether a JSON value is a string that is not empty.
pub fn non_empty_str(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}
