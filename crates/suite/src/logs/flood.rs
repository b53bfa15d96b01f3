//! `logs/flood/*`: 64 MiB of output comes back intact, checked against the
//! FNV-1a 64 hash the probe computes of what it wrote.

use std::time::{Duration, Instant};

use dockhand_engine::{ApiVersion, Request, StreamKind};
use dockhand_harness::{ensure, Check, CheckMeta, CheckResult, Ctx};

use super::logged_probe;
use crate::support::{create_probe, preview_bytes, start, wait_exit, Fnv1a64};

/// 64 MiB.
const FLOOD_BYTES: u64 = 64 * 1024 * 1024;

pub fn intact() -> Check {
    Check {
        meta: CheckMeta {
            id: "logs/flood/64mib",
            summary: "64 MiB of stdout comes back through the logs byte for byte (FNV-1a 64 of the payload equals the probe's)",
            area: "logs",
            tags: &["logs", "slow"],
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
    let flood = format!("flood={FLOOD_BYTES}");
    let id = create_probe(&ctx, "c", logged_probe(&ctx, &image, &[&flood], false)).await?;
    start(&ctx, &id).await?;
    let code = wait_exit(&ctx, &id, Duration::from_secs(90)).await?;
    ensure!(code == 0, "the flooding probe's exit code", "0", code.to_string());

    let started = Instant::now();
    let req = Request::get(format!("/containers/{id}/logs"))
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
    let mut frames = stream.frames();
    let mut hash = Fnv1a64::default();
    let mut out_bytes: u64 = 0;
    let mut err = Vec::new();
    while let Some(f) = frames.next().await? {
        match f.stream {
            StreamKind::Stdout => {
                hash.update(&f.payload);
                out_bytes += f.payload.len() as u64;
            }
            StreamKind::Stderr => err.extend_from_slice(&f.payload),
            StreamKind::Stdin => {
                return Err(dockhand_harness::CheckError::failed(
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
