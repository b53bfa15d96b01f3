//! `attach/framing/*`: the attached stream is multiplexed without a TTY
//! (only the streams asked for), raw with one, and also served to a client
//! that sends no upgrade headers.

use dockhand_engine::{Request, StreamKind};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::json;

use super::attach;
use crate::exec::RAW_STREAM;
use crate::support::{create_probe, frames_preview, preview_bytes, start, stream_bytes};

use crate::support::POLL_DEADLINE as WITHIN;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let variant = ctx.variant().unwrap_or("both");
    let tty = variant == "tty";
    let image = ctx.probe().await?;
    let config = json!({
        "Image": image,
        "Cmd": ["stdout=out one", "stderr=err one", "stdout=out two"],
        "Tty": tty,
        "AttachStdout": true,
        "AttachStderr": true,
        "Labels": ctx.labels(),
    });
    let id = create_probe(&ctx, "c", config).await?;
    let (out, err) = match variant {
        "stdout-only" => ("1", "0"),
        "stderr-only" => ("0", "1"),
        _ => ("1", "1"),
    };
    let q = [("stream", "1"), ("stdout", out), ("stderr", err)];

    if variant == "no-upgrade" {
        return no_upgrade(&ctx, &id, &q).await;
    }
    let mut h = attach(&ctx, &id, &q).await?;
    start(&ctx, &id).await?;
    if tty {
        let raw = h.read_raw_to_end(WITHIN).await?;
        let text = String::from_utf8_lossy(&raw).replace("\r\n", "\n");
        ensure!(
            text == "out one\nerr one\nout two\n",
            "the attached stream of a TTY container (\"Stream format when using a TTY\": not multiplexed, the raw data from the PTY)",
            "the raw bytes \"out one\\r\\nerr one\\r\\nout two\\r\\n\"",
            preview_bytes(&raw, 200)
        );
        return Ok(());
    }
    let frames = h.read_frames_to_end(WITHIN).await?;
    expect_frames(&frames, out == "1", err == "1")
}

/// The stdout and stderr payloads of the probe, each only when asked for.
fn expect_frames(frames: &[dockhand_engine::Frame], out: bool, err: bool) -> Result<(), CheckError> {
    let want_out: &[u8] = if out { b"out one\nout two\n" } else { b"" };
    let want_err: &[u8] = if err { b"err one\n" } else { b"" };
    ensure!(
        stream_bytes(frames, StreamKind::Stdout) == want_out
            && stream_bytes(frames, StreamKind::Stderr) == want_err
            && frames
                .iter()
                .all(|f| f.stream != StreamKind::Stdin && !f.payload.is_empty()),
        format!(
            "the attached stream with stdout={} stderr={} (\"Stream format\": frames [STREAM_TYPE, 0, 0, 0, SIZE1..4])",
            out as u8, err as u8
        ),
        format!(
            "stdout {} in type 1 frames, stderr {} in type 2 frames",
            preview_bytes(want_out, 80),
            preview_bytes(want_err, 80)
        ),
        frames_preview(frames)
    );
    Ok(())
}

/// Without the upgrade headers the engine answers `200` with the raw-stream
/// Content-Type and then the same stream, until the container's end.
async fn no_upgrade(ctx: &Ctx, id: &str, q: &[(&str, &str)]) -> CheckResult {
    let mut req = Request::post(format!("/containers/{id}/attach"));
    for (k, v) in q {
        req = req.query(k, v);
    }
    let stream = ctx.engine().stream(req).await?;
    let (status, ct) = (
        stream.status.as_u16(),
        stream
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    ensure!(
        status == 200,
        format!("{} {} without the upgrade headers", stream.method, stream.path),
        "status 200 [reference: ContainerAttach: 200 no error, no upgrade header found]",
        format!("status {status}")
    );
    ensure!(
        ct.as_deref() == Some(RAW_STREAM),
        "the Content-Type of an attach without upgrade (ContainerAttach: \"HTTP/1.1 200 OK / Content-Type: application/vnd.docker.raw-stream\")",
        RAW_STREAM,
        format!("{ct:?}")
    );
    start(ctx, id).await?;
    let mut frames_in = stream.frames();
    let mut frames = Vec::new();
    let read = async {
        while let Some(f) = frames_in.next().await? {
            frames.push(f);
        }
        Ok::<_, CheckError>(())
    };
    match tokio::time::timeout(WITHIN, read).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(CheckError::failed(
                "the attached stream (no upgrade) of a probe that exits at once",
                format!("the end of the stream within {}s", WITHIN.as_secs()),
                format!("still open, frames so far {}", frames_preview(&frames)),
            ))
        }
    }
    expect_frames(&frames, true, true)
}
