//! `logs/flood/*`: 64 MiB of output comes back intact, checked against the
//! FNV-1a 64 hash the probe computes of what it wrote.

use std::time::{Duration, Instant};

use dockhand_engine::{FrameDecoder, Request, StreamKind};
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
    // Read whole with `send`, whose connection is driven in this task: a
    // streamed body hands each of the ~1.6 million HTTP chunks (one per log
    // line) to another task, which costs more than the engine's own work.
    let req = Request::get(format!("/containers/{id}/logs"))
        .query("stdout", "1")
        .query("stderr", "1")
        .allowance(READ_ALLOWANCE);
    let r = ctx.engine().send(req).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs of the 64 MiB flood",
        "ContainerLogs: 200 logs returned as a stream in response body",
    )?;
    let mut decoder = FrameDecoder::new();
    decoder.push(&r.body);
    let framing = |e: dockhand_engine::DecodeError| {
        CheckError::failed(
            format!("the multiplexed logs of the flood ({} {})", r.method, r.path),
            "well-formed frames [type, 0, 0, 0, size_be32] to the end",
            e.to_string(),
        )
    };
    let mut hash = Fnv1a64::default();
    let mut out_bytes: u64 = 0;
    let mut err = Vec::new();
    while let Some(f) = decoder.next_frame().map_err(framing)? {
        match f.stream {
            StreamKind::Stdout => {
                hash.update(&f.payload);
                out_bytes += f.payload.len() as u64;
            }
            StreamKind::Stderr => err.extend_from_slice(&f.payload),
            StreamKind::Stdin => {
                return Err(CheckError::failed(
                    "a frame's stream type in the logs",
                    "1 (stdout) or 2 (stderr)",
                    "0 (stdin)",
                ))
            }
        }
    }
    decoder.finish().map_err(framing)?;
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
