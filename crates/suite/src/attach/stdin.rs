//! `attach/stdin/*`: what is written to an attached stdin reaches the probe,
//! and closing it ends a `StdinOnce` container's input.

use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::json;

use super::attach;
use crate::support::{create_probe, frames_preview, start, stream_lines, wait_exit};

use crate::support::POLL_DEADLINE as WITHIN;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let config = json!({
        "Image": image,
        "Cmd": ["stdout=ready", "echo-stdin", "stdout=bye"],
        "OpenStdin": true,
        "StdinOnce": true,
        "AttachStdin": true,
        "AttachStdout": true,
        "AttachStderr": true,
        "Labels": ctx.labels(),
    });
    let id = create_probe(&ctx, "c", config).await?;
    let q = [("stream", "1"), ("stdin", "1"), ("stdout", "1"), ("stderr", "1")];
    let mut h = attach(&ctx, &id, &q).await?;
    start(&ctx, &id).await?;
    h.read_frames_until(WITHIN, "the probe's \"ready\" line", |f| {
        stream_lines(f).stdout.iter().any(|l| l == "ready")
    })
    .await?;
    h.write(b"hello through stdin\n").await?;
    let (echoed, _) = h
        .read_frames_until(WITHIN, "the stdin line echoed on stdout", |f| {
            stream_lines(f).stdout.iter().any(|l| l == "hello through stdin")
        })
        .await?;
    ensure!(
        stream_lines(&echoed).stdout == ["hello through stdin"],
        "the echo of the stdin line, framed as stdout (type 1)",
        "exactly [\"hello through stdin\"]",
        frames_preview(&echoed)
    );
    h.close_stdin().await?;
    let rest = h.read_frames_to_end(WITHIN).await?;
    ensure!(
        stream_lines(&rest).stdout == ["bye"],
        "stdout after stdin was closed (StdinOnce: the probe sees the end of its input)",
        "[\"bye\"], then the end of the stream",
        frames_preview(&rest)
    );
    let code = wait_exit(&ctx, &id, WITHIN).await?;
    ensure!(code == 0, "the probe's exit code", "0", code.to_string());
    Ok(())
}
