//! `attach/replay/*`: `logs=1` replays what the container printed before the
//! attach; with `stream=1` the live output follows.

use std::time::Duration;

use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::attach;
use crate::support::{create_probe, frames_preview, start, stream_lines, wait_for_logs};

const WITHIN: Duration = Duration::from_secs(10);

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let config = json!({
        "Image": image,
        "Cmd": ["stdout=early out", "stderr=early err", "idle"],
        "Labels": ctx.labels(),
        "HostConfig": { "LogConfig": { "Type": "json-file", "Config": {} } },
    });
    let id = create_probe(&ctx, "c", config).await?;
    start(&ctx, &id).await?;
    wait_logged(&ctx, &id).await?;

    let streaming = ctx.variant() == Some("logs-then-stream");
    let q = [
        ("logs", "1"),
        ("stream", if streaming { "1" } else { "0" }),
        ("stdout", "1"),
        ("stderr", "1"),
    ];
    let mut h = attach(&ctx, &id, &q).await?;
    let early = |f: &[dockhand_engine::Frame]| {
        let l = stream_lines(f);
        l.stdout == ["early out"] && l.stderr == ["early err"]
    };
    if !streaming {
        let frames = h.read_frames_to_end(WITHIN).await?;
        ensure!(
            early(&frames),
            "the replay of logs=1&stream=0 (\"Replay previous logs from the container\"), then the end of the stream",
            "stdout [\"early out\"], stderr [\"early err\"]",
            frames_preview(&frames)
        );
        let v: Value = ctx.engine().container_inspect(&id).await?.ok()?.json()?;
        ensure!(
            v["State"]["Running"] == true,
            "the container after a replay-only attach ended",
            "still running (only the stream ended)",
            v["State"].to_string()
        );
        return Ok(());
    }
    let (frames, ended) = h.read_frames_until(WITHIN, "the replayed lines", early).await?;
    ensure!(
        !ended && early(&frames),
        "the replay of logs=1&stream=1",
        "stdout [\"early out\"], stderr [\"early err\"], and the stream still open",
        format!("{} (ended: {ended})", frames_preview(&frames))
    );
    let r = ctx.engine().container_kill(&id, Some("SIGUSR1")).await?;
    ctx.expect_status_ref(&r, 204, "SIGUSR1 to the probe", "ContainerKill: 204 no error")?;
    let (live, _) = h
        .read_frames_until(
            WITHIN,
            "the live line \"probe: received SIGUSR1\" after the replay (\"it will seamlessly transition into streaming current output\")",
            |f| stream_lines(f).stdout.iter().any(|l| l == "probe: received SIGUSR1"),
        )
        .await?;
    ensure!(
        stream_lines(&live).stdout == ["probe: received SIGUSR1"],
        "the live output after the replay",
        "only [\"probe: received SIGUSR1\"] (nothing replayed twice)",
        frames_preview(&live)
    );
    Ok(())
}

/// Polls the logs until the probe's two early lines are there, for at most 5 s.
async fn wait_logged(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let what = (
        "the probe's early lines in the logs within 5 s",
        "one line on each stream",
    );
    wait_for_logs(ctx, id, Duration::from_secs(5), what, |l| {
        !l.stdout.is_empty() && !l.stderr.is_empty()
    })
    .await?;
    Ok(())
}
