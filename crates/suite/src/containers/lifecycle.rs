//! `containers/lifecycle/*`: a well-known container's brief life.

use std::time::Duration;

use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::Value;

use crate::support::{create_probe, is_full_id, probe_config, stream_lines, wait_for_logs};

/// Stop's grace period in this check. The probe exits on SIGTERM at once, so
/// the stop must return long before it.
const STOP_T: u64 = 10;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let steps = ["stdout=out 1", "stderr=err 1", "stdout=out 2", "stderr=err 2", "idle"];
    let id = create_probe(&ctx, "c", probe_config(&ctx, &image, &steps)).await?;
    ensure!(
        is_full_id(&id),
        "the created container's Id",
        "64 lowercase hex characters",
        format!("{id:?}")
    );

    let r = e.container_start(&id).await?;
    ctx.expect_status_ref(&r, 204, "start of a created container", "ContainerStart: 204 no error")?;
    let r = e.container_start(&id).await?;
    ctx.expect_status_ref(
        &r,
        304,
        "second start of a running container",
        "ContainerStart: 304 container already started",
    )?;

    let r = e.container_inspect(&id).await?;
    ctx.expect_status(&r, 200, "inspect of the running container")?;
    let v: Value = r.json()?;
    ensure!(
        v["State"]["Running"] == true,
        "State.Running after start",
        "true",
        v["State"]["Running"].to_string()
    );
    ensure!(
        v["Config"]["Tty"] == false,
        "Config.Tty",
        "false (so logs are multiplexed)",
        v["Config"]["Tty"].to_string()
    );

    // The probe prints its first lines at once; wait until they are logged, so
    // the order of the stop line after them is a fact about the engine.
    wait_for_lines_on_both(&ctx, &id, 2).await?;

    let r = e.container_stop(&id, Some(STOP_T)).await?;
    ctx.expect_status_ref(&r, 204, "stop with t=10", "ContainerStop: 204 no error")?;
    ensure!(
        r.elapsed < Duration::from_secs(STOP_T / 2),
        "time the stop took (the probe exits on SIGTERM)",
        format!("well under the {STOP_T}s grace period"),
        format!(
            "{:.1}s, so the engine likely waited for the timeout and killed it",
            r.elapsed.as_secs_f64()
        )
    );
    let v: Value = e.container_inspect(&id).await?.ok()?.json()?;
    ensure!(
        v["State"]["Running"] == false,
        "State.Running after stop",
        "false",
        v["State"]["Running"].to_string()
    );
    ensure!(
        v["State"]["ExitCode"] == 0,
        "State.ExitCode after a SIGTERM the probe handles",
        "0",
        v["State"]["ExitCode"].to_string()
    );

    let r = e.container_stop(&id, Some(STOP_T)).await?;
    ctx.expect_status_ref(
        &r,
        304,
        "second stop of a stopped container",
        "ContainerStop: 304 container already stopped",
    )?;

    let r = e.container_logs(&id, &[("stdout", "1"), ("stderr", "1")]).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs with stdout and stderr",
        "ContainerLogs: 200 logs returned as a stream",
    )?;
    let lines = stream_lines(&r.frames()?);
    ensure!(
        lines.stdin_frames == 0,
        "frames of stream type 0 (stdin) in logs",
        "none",
        lines.stdin_frames.to_string()
    );
    let want_out = ["out 1", "out 2", "probe: received SIGTERM"];
    ensure!(
        lines.stdout == want_out,
        "stdout lines, framed as stream 1, in order",
        format!("{want_out:?}"),
        format!("{:?}", lines.stdout)
    );
    let want_err = ["err 1", "err 2"];
    ensure!(
        lines.stderr == want_err,
        "stderr lines, framed as stream 2, in order",
        format!("{want_err:?}"),
        format!("{:?}", lines.stderr)
    );

    let r = e.container_remove(&id, false, false).await?;
    ctx.expect_status_ref(
        &r,
        204,
        "remove of the stopped container",
        "ContainerDelete: 204 no error",
    )?;

    let r = e.container_start(&id).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "start of a removed container",
        "ContainerStart: 404 no such container",
    )?;
    let r = e.container_stop(&id, Some(1)).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "stop of a removed container",
        "ContainerStop: 404 no such container",
    )?;
    let r = e.container_logs(&id, &[("stdout", "1")]).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "logs of a removed container",
        "ContainerLogs: 404 no such container",
    )?;
    Ok(())
}

/// Polls the logs until `n` lines have been logged, for at most 5 s.
async fn wait_for_lines_on_both(ctx: &Ctx, id: &str, n: usize) -> Result<(), CheckError> {
    let expected = format!("{n} lines on each stream");
    let what = ("the probe's first lines in the logs within 5 s", expected.as_str());
    wait_for_logs(ctx, id, Duration::from_secs(5), what, |l| {
        l.stdout.len() >= n && l.stderr.len() >= n
    })
    .await?;
    Ok(())
}
