//! `exec/run/*`: an exec instance started detached and attached, and what
//! inspect says of it while it runs and after.

use std::time::Duration;

use dockhand_engine::{Request, StreamKind};
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::{json, Value};

use super::{exec_create_ok, exec_inspect, exec_start_attached, exec_wait_done, idle_container, probe_cmd};
use crate::support::{frames_preview, stream_bytes, stream_lines};

use crate::support::POLL_DEADLINE as WITHIN;

pub(crate) async fn run_detached(ctx: Ctx) -> CheckResult {
    let c = idle_container(&ctx).await?;
    let cmd = probe_cmd(&ctx, &["stdout=detached", "exit=3"]).await?;
    let exec = exec_create_ok(
        &ctx,
        &c,
        &json!({ "AttachStdout": false, "AttachStderr": false, "Cmd": cmd }),
    )
    .await?;
    let r = ctx
        .engine()
        .send(Request::post(format!("/exec/{exec}/start")).json(&json!({ "Detach": true, "Tty": false })))
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "detached start of the exec instance",
        "ExecStart: 200 no error",
    )?;
    // "If detach is true, this endpoint returns immediately after starting
    // the command": the reference says nothing of the body. Docker 20.10
    // sends none, Podman 4.3 a "\n"; neither may be the command's output,
    // which nobody is attached to.
    ensure!(
        !String::from_utf8_lossy(&r.body).contains("detached"),
        "the body of a detached start (\"If detach is true, this endpoint returns immediately after starting the command\")",
        "none of the command's output (it was not attached)",
        crate::support::preview_bytes(&r.body, 200)
    );
    let v = exec_wait_done(&ctx, &exec, WITHIN).await?;
    ensure!(
        v["ExitCode"] == 3,
        "ExecInspect's ExitCode of a process that exited 3",
        "3",
        v["ExitCode"].to_string()
    );
    ensure!(
        v["ID"] == exec.as_str() && v["ContainerID"] == c.as_str(),
        "ExecInspect's ID and ContainerID",
        format!("{exec} and {c}"),
        format!("{} and {}", v["ID"], v["ContainerID"])
    );
    Ok(())
}

pub(crate) async fn run_attached(ctx: Ctx) -> CheckResult {
    let c = idle_container(&ctx).await?;
    let cmd = probe_cmd(&ctx, &["stdout=out one", "stderr=err one", "stdout=out two", "exit=7"]).await?;
    let exec = exec_create_ok(
        &ctx,
        &c,
        &json!({ "AttachStdout": true, "AttachStderr": true, "Tty": false, "Cmd": cmd }),
    )
    .await?;
    let mut h = exec_start_attached(&ctx, &exec, false).await?;
    let frames = h.read_frames_to_end(WITHIN).await?;
    let (out, err) = (
        stream_bytes(&frames, StreamKind::Stdout),
        stream_bytes(&frames, StreamKind::Stderr),
    );
    ensure!(
        out == b"out one\nout two\n" && err == b"err one\n" && frames.iter().all(|f| f.stream != StreamKind::Stdin),
        "the multiplexed stream of an attached exec (ContainerAttach: \"Stream format\")",
        "stdout \"out one\\nout two\\n\" in type 1 frames, stderr \"err one\\n\" in type 2 frames",
        frames_preview(&frames)
    );
    let v = exec_wait_done(&ctx, &exec, WITHIN).await?;
    ensure!(
        v["ExitCode"] == 7,
        "ExecInspect's ExitCode of a probe that exited 7",
        "7",
        v["ExitCode"].to_string()
    );
    ensure!(
        v["ProcessConfig"]["entrypoint"] == cmd[0].as_str() && v["ProcessConfig"]["arguments"] == json!(cmd[1..]),
        "ExecInspect's ProcessConfig entrypoint and arguments",
        format!("{:?} and {:?}", cmd[0], &cmd[1..]),
        v["ProcessConfig"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_inspect_running(ctx: Ctx) -> CheckResult {
    let c = idle_container(&ctx).await?;
    let cmd = probe_cmd(&ctx, &["stdout=ready", "echo-stdin", "exit=5"]).await?;
    let exec = exec_create_ok(
        &ctx,
        &c,
        &json!({ "AttachStdin": true, "AttachStdout": true, "AttachStderr": true, "Cmd": cmd }),
    )
    .await?;
    let before = exec_inspect(&ctx, &exec).await?;
    ensure!(
        before["Running"] == false,
        "ExecInspect's Running before the start",
        "false",
        before.to_string()
    );
    let mut h = exec_start_attached(&ctx, &exec, false).await?;
    h.read_frames_until(WITHIN, "the probe's \"ready\" line", |f| {
        stream_lines(f).stdout.iter().any(|l| l == "ready")
    })
    .await?;

    // The process waits on stdin now: it is running. The engine may record
    // the pid a moment after the process has started, so poll for it briefly.
    let v = exec_inspect_running(&ctx, &exec).await?;
    let want: Value = json!({
        "Running": true, "OpenStdin": true, "OpenStdout": true, "OpenStderr": true,
        "ID": exec, "ContainerID": c,
    });
    for (k, w) in want.as_object().into_iter().flatten() {
        ensure!(
            &v[k] == w,
            format!("ExecInspect's {k} while the exec reads stdin"),
            w.to_string(),
            v[k].to_string()
        );
    }
    ensure!(
        v["Pid"].as_i64().is_some_and(|p| p > 0),
        "ExecInspect's Pid (\"The system process ID for the exec process\") while it runs, within 2 s",
        "a positive integer",
        v["Pid"].to_string()
    );
    let pc = &v["ProcessConfig"];
    ensure!(
        pc["entrypoint"] == cmd[0].as_str()
            && pc["arguments"] == json!(cmd[1..])
            && pc["tty"] == false
            && pc["privileged"] == false,
        "ExecInspect's ProcessConfig",
        format!(
            "entrypoint {:?}, arguments {:?}, tty false, privileged false",
            cmd[0],
            &cmd[1..]
        ),
        pc.to_string()
    );

    h.write(b"ping\n").await?;
    h.read_frames_until(WITHIN, "stdin echoed on stdout", |f| {
        stream_lines(f).stdout.iter().any(|l| l == "ping")
    })
    .await?;
    h.close_stdin().await?;
    let rest = h.read_frames_to_end(WITHIN).await?;
    let v = exec_wait_done(&ctx, &exec, WITHIN).await?;
    ensure!(
        v["ExitCode"] == 5,
        "ExecInspect's ExitCode after stdin closed and the probe exited 5",
        "5",
        format!(
            "{} (stream after the half-close: {})",
            v["ExitCode"],
            frames_preview(&rest)
        )
    );
    Ok(())
}

/// Polls the exec's inspect until it reports `Running` and a `Pid`, for at
/// most 2 s, and returns the last reply (which the caller asserts).
async fn exec_inspect_running(ctx: &Ctx, exec: &str) -> Result<Value, dockhand_harness::CheckError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let v = exec_inspect(ctx, exec).await?;
        let pid = v["Pid"].as_i64().unwrap_or(0);
        if (v["Running"] == true && pid > 0) || tokio::time::Instant::now() > deadline {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
