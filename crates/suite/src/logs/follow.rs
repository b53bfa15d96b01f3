//! `logs/follow/*`: `follow=1` streams while the container runs and ends by
//! itself when it exits.

use dockhand_engine::{ApiVersion, Request};
use dockhand_harness::{ensure, Check, CheckError, CheckMeta, CheckResult, Ctx};
use serde_json::Value;

use super::logged_probe;
use crate::support::{create_probe, frames_preview, start, stream_lines};

/// How long the followed stream may take to end after the probe's last line:
/// the probe exits about 0.3 s after the stream starts.
use crate::support::POLL_DEADLINE as END_WITHIN;

pub fn ends_on_exit() -> Check {
    Check {
        meta: CheckMeta {
            id: "logs/follow/ends-on-exit",
            summary: "follow=1 streams the lines of a running container and the stream ends by itself when the container exits",
            area: "logs",
            tags: &["logs", "follow"],
            min_api: ApiVersion::new(1, 25),
            needs: &[],
            reference: &["ContainerLogs"],
        },
        variants: &[],
        run: |ctx| Box::pin(run(ctx)),
    }
}

async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let steps = ["stdout=first", "sleep=300", "stdout=second", "stderr=last"];
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
    let read_all = async {
        while let Some(f) = frames_in.next().await? {
            frames.push(f);
        }
        Ok::<_, CheckError>(())
    };
    match tokio::time::timeout(END_WITHIN, read_all).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(CheckError::failed(
                "the followed logs of a probe that exits after 0.3 s (follow: \"Keep connection after returning logs\", until the container stops)",
                format!("the stream to end within {}s of the start", END_WITHIN.as_secs()),
                format!("still open, frames so far {}", frames_preview(&frames)),
            ))
        }
    }
    let lines = stream_lines(&frames);
    ensure!(
        lines.stdout == ["first", "second"] && lines.stderr == ["last"],
        "the followed lines",
        "stdout [\"first\", \"second\"], stderr [\"last\"]",
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
