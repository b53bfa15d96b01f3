//! `logs/flood/*`: 64 MiB of output comes back intact, checked against the
//! FNV-1a 64 hash the probe computes of what it wrote.

use std::time::{Duration, Instant};

use dockhand_engine::{Request, StreamKind};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};

use super::logged_probe;
use crate::support::{create_probe, preview_bytes, start, wait_exit, Fnv1a64};

/// 64 MiB.
const FLOOD_BYTES: u64 = 64 * 1024 * 1024;

/// How much longer than an ordinary call reading the whole flood may take
/// (about 10 s on an idle 2-core machine, dockerd serving some 7.5 MiB/s).
const READ_ALLOWANCE: Duration = Duration::from_secs(100);

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let flood = format!("flood={FLOOD_BYTES}");
    let id = create_probe(&ctx, "c", logged_probe(&ctx, &image, &[&flood], false)).await?;
    start(&ctx, &id).await?;
    let code = wait_exit(&ctx, &id, Duration::from_secs(90)).await?;
    ensure!(code == 0, "the flooding probe's exit code", "0", code.to_string());

    let started = Instant::now();
    // Streamed and decoded frame by frame, each hashed and dropped: memory
    // stays at a chunk and a frame whatever the flood's size (read whole, the
    // 64 MiB body and its copies peaked at over 300 MB). The stream's
    // connection is driven in this task, so a chunk (one per log line) costs
    // no task hand-off.
    let req = Request::get(format!("/containers/{id}/logs"))
        .query("stdout", "1")
        .query("stderr", "1")
        .allowance(READ_ALLOWANCE);
    let s = ctx.engine().stream(req).await?;
    if s.status.as_u16() != 200 {
        // Not a stream of logs: read whole, for the engine's message.
        let r = s.collect().await?;
        return ctx.expect_status_ref(
            &r,
            200,
            "logs of the 64 MiB flood",
            "ContainerLogs: 200 logs returned as a stream in response body",
        );
    }
    let mut frames = s.frames();
    let mut hash = Fnv1a64::default();
    let mut out_bytes: u64 = 0;
    let mut err = Vec::new();
    while let Some(f) = frames.next().await? {
        match f.stream {
            StreamKind::Stdout => {
                hash.update(&f.payload);
                out_bytes += f.payload.len() as u64;
            }
            StreamKind::Stderr => {
                // The probe writes one checksum line; keep no more than
                // twice its size, enough to show what came instead.
                let room = 400usize.saturating_sub(err.len());
                err.extend_from_slice(&f.payload[..f.payload.len().min(room)]);
            }
            StreamKind::Stdin => {
                return Err(CheckError::failed(
                    "a frame's stream type in the logs",
                    "1 (stdout) or 2 (stderr)",
                    "0 (stdin)",
                ))
            }
        }
    }
    let elapsed = started.elapsed();
    let want = format!("probe: flood bytes={FLOOD_BYTES} fnv1a64={:016x}\n", hash.value());
    ensure!(
        out_bytes == FLOOD_BYTES,
        "bytes of stdout in the logs of a 64 MiB flood",
        FLOOD_BYTES.to_string(),
        format!("{out_bytes} (read in {:.1}s)", elapsed.as_secs_f64())
    );
    ensure!(
        err == want.as_bytes(),
        "the probe's checksum line on stderr against the FNV-1a 64 of the stdout received",
        format!("{want:?}"),
        preview_bytes(&err, 200)
    );
    Ok(())
}
