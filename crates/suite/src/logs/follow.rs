//! `logs/follow/*`: `follow=1` streams while the container runs (a line the
//! probe writes after the request arrived comes on the open stream) and ends
//! by itself when it exits.

use dockhand_engine::{Frame, FrameStream, Request};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::Value;

use super::logged_probe;
use crate::support::{create_probe, frames_preview, kill, start, stream_lines, StreamLines};

/// How long the followed stream may take to bring a line, or to end once the
/// probe exited.
use crate::support::POLL_DEADLINE as END_WITHIN;

/// Reads frames into `frames` until `done` holds for the lines so far or the
/// stream ends, within [`END_WITHIN`]; whether the stream ended.
async fn read_until(
    stream: &mut FrameStream,
    frames: &mut Vec<Frame>,
    waiting_for: &str,
    done: impl Fn(&StreamLines) -> bool,
) -> Result<bool, CheckError> {
    let read = async {
        loop {
            if done(&stream_lines(frames)) {
                return Ok::<_, CheckError>(false);
            }
            match stream.next().await? {
                Some(f) => frames.push(f),
                None => return Ok(true),
            }
        }
    };
    match tokio::time::timeout(END_WITHIN, read).await {
        Ok(r) => r,
        Err(_) => Err(CheckError::failed(
            "the followed logs (follow: \"Keep connection after returning logs\", until the container stops)",
            format!("{waiting_for} within {}s", END_WITHIN.as_secs()),
            format!("still open without it, frames so far {}", frames_preview(frames)),
        )),
    }
}

/// [`read_until`], failing if the stream ends first: the container still
/// runs, so a followed stream must stay open.
async fn read_open_until(
    stream: &mut FrameStream,
    frames: &mut Vec<Frame>,
    waiting_for: &str,
    done: impl Fn(&StreamLines) -> bool,
) -> CheckResult {
    let ended = read_until(stream, frames, waiting_for, done).await?;
    ensure!(
        !ended,
        "the followed logs of a running probe (follow: \"Keep connection after returning logs\")",
        format!("{waiting_for} on the open stream"),
        format!("the stream ended without it, frames {}", frames_preview(frames))
    );
    Ok(())
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    // The probe writes two lines and idles: every later line is one the
    // check triggers (a signal, which the probe reports on stdout) after the
    // followed stream is open, so an engine that ignores `follow` and
    // returns what was logged so far fails whatever the timing.
    let steps = ["stdout=first", "stderr=early", "idle"];
    let id = create_probe(&ctx, "c", logged_probe(&ctx, &image, &steps, false)).await?;
    start(&ctx, &id).await?;
    let req = Request::get(format!("/containers/{id}/logs"))
        .query("follow", "1")
        .query("stdout", "1")
        .query("stderr", "1");
    let stream = ctx.engine().stream(req).await?;
    let status = stream.status.as_u16();
    ensure!(
        status == 200,
        format!("{} {}", stream.method, stream.path),
        "status 200 [reference: ContainerLogs: 200 logs returned as a stream in response body]",
        format!("status {status}")
    );
    let mut frames_in = stream.frames();
    let mut frames = Vec::new();
    read_open_until(
        &mut frames_in,
        &mut frames,
        "the lines logged before the request",
        |l| l.stdout.iter().any(|s| s == "first") && l.stderr.iter().any(|s| s == "early"),
    )
    .await?;
    // A line written after the request arrived must come on the open stream.
    kill(&ctx, &id, "SIGUSR1").await?;
    read_open_until(
        &mut frames_in,
        &mut frames,
        "\"probe: received SIGUSR1\", written after the request arrived",
        |l| l.stdout.iter().any(|s| s == "probe: received SIGUSR1"),
    )
    .await?;
    // SIGTERM: the probe reports it and exits 0, which ends the stream.
    kill(&ctx, &id, "SIGTERM").await?;
    read_until(
        &mut frames_in,
        &mut frames,
        "the end of the stream once the probe exited",
        |_| false,
    )
    .await?;
    let lines = stream_lines(&frames);
    ensure!(
        lines.stdout == ["first", "probe: received SIGUSR1", "probe: received SIGTERM"] && lines.stderr == ["early"],
        "the followed lines",
        "stdout [\"first\", \"probe: received SIGUSR1\", \"probe: received SIGTERM\"], stderr [\"early\"]",
        format!("stdout {:?}, stderr {:?}", lines.stdout, lines.stderr)
    );
    let v: Value = ctx.engine().container_inspect(&id).await?.ok()?.json()?;
    ensure!(
        v["State"]["Running"] == false && v["State"]["ExitCode"] == 0,
        "the container's state once the followed stream ended",
        "exited with code 0",
        v["State"].to_string()
    );
    Ok(())
}
