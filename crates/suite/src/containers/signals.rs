//! `containers/kill/*`, `containers/pause/*` and `containers/resize/*`:
//! signals reach the probe (which reports each one in its logs), SIGKILL ends
//! it with 137, a paused container is frozen and thawed, and a TTY resize
//! reaches the process as SIGWINCH.

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::json;

use super::common::{
    create_with, inspect, list_ids, poll_inspect, start, start_probe, unknown_variant, variant, wait_exit,
    wait_for_line, POLL_DEADLINE, POLL_EVERY,
};
use crate::support::logs;

pub(crate) async fn run_kill_signal(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    // (the `signal` parameter, the name the probe reports, whether the probe exits on it)
    let (param, name, exits) = match v {
        "sigusr1" => ("SIGUSR1", "SIGUSR1", false),
        "sighup" => ("SIGHUP", "SIGHUP", false),
        "sigwinch" => ("SIGWINCH", "SIGWINCH", false),
        "sigurg" => ("SIGURG", "SIGURG", false),
        "sigquit" => ("SIGQUIT", "SIGQUIT", false),
        // The reference: "Signal to send to the container as an integer or string".
        "number-10" => ("10", "SIGUSR1", false),
        "sigterm" => ("SIGTERM", "SIGTERM", true),
        "sigint" => ("SIGINT", "SIGINT", true),
        other => return Err(unknown_variant(&ctx, other)),
    };
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    wait_for_line(&ctx, &id, "ready", 1).await?;
    let r = ctx.engine().container_kill(&id, Some(param)).await?;
    ctx.expect_status_ref(
        &r,
        204,
        &format!("kill with signal={param}"),
        "ContainerKill: 204 no error",
    )?;
    let line = format!("probe: received {name}");
    wait_for_line(&ctx, &id, &line, 1).await?;
    if exits {
        let code = wait_exit(&ctx, &id).await?;
        ensure!(
            code == 0,
            format!("exit code after {name}, which the probe handles by exiting 0"),
            "0",
            code.to_string()
        );
        let s = inspect(&ctx, &id).await?;
        ensure!(
            s["State"]["Running"] == false && s["State"]["Status"] == "exited",
            format!("State after {name}"),
            "Running false, Status exited",
            s["State"].to_string()
        );
    } else {
        let s = inspect(&ctx, &id).await?;
        ensure!(
            s["State"]["Running"] == true,
            format!("State.Running after {name}, which the probe only reports"),
            "true",
            s["State"].to_string()
        );
        let l = logs(&ctx, &id).await?;
        ensure!(
            l.stdout == ["ready", line.as_str()],
            format!("stdout after one {name}"),
            format!("[\"ready\", {line:?}] (the signal delivered once)"),
            format!("{:?}", l.stdout)
        );
    }
    Ok(())
}

pub(crate) async fn run_kill_errors(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let e = ctx.engine().clone();
    match v {
        "default-sigkill" => {
            let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
            wait_for_line(&ctx, &id, "ready", 1).await?;
            let r = e.container_kill(&id, None).await?;
            ctx.expect_status_ref(&r, 204, "kill without a signal", "ContainerKill: 204 no error")?;
            let code = wait_exit(&ctx, &id).await?;
            ensure!(
                code == 137,
                "exit code after kill (default signal SIGKILL)",
                "137 (128 + 9)",
                code.to_string()
            );
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["ExitCode"] == 137 && s["State"]["Running"] == false,
                "State after SIGKILL",
                "ExitCode 137, Running false",
                s["State"].to_string()
            );
            let l = logs(&ctx, &id).await?;
            ensure!(
                l.stdout == ["ready"],
                "stdout after SIGKILL (no handler can report it)",
                "[\"ready\"]",
                format!("{:?}", l.stdout)
            );
        }
        "stopped" => {
            let id = start_probe(&ctx, "c", &["exit=0"]).await?;
            wait_exit(&ctx, &id).await?;
            let r = e.container_kill(&id, None).await?;
            ctx.expect_status_ref(
                &r,
                409,
                "kill of a stopped container",
                "ContainerKill: 409 container is not running",
            )?;
        }
        "invalid-signal" => {
            let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
            let r = e.container_kill(&id, Some("SIGNOPE")).await?;
            // v1.41 lists no 400 for ContainerKill; an unknown signal is a bad
            // parameter like everywhere else in the reference.
            ctx.expect_status_ref(
                &r,
                400,
                "kill with signal=SIGNOPE",
                "ContainerKill: signal, a POSIX signal as an integer or string; an unknown one is a bad parameter (400)",
            )?;
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["Running"] == true,
                "State.Running after a refused kill",
                "true",
                s["State"].to_string()
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

async fn pause_ok(ctx: &Ctx, id: &str) -> CheckResult {
    let r = ctx
        .engine()
        .send(Request::post(format!("/containers/{id}/pause")))
        .await?;
    ctx.expect_status_ref(&r, 204, "pause of a running container", "ContainerPause: 204 no error")?;
    let s = inspect(ctx, id).await?;
    ensure!(
        s["State"]["Paused"] == true && s["State"]["Status"] == "paused" && s["State"]["Running"] == true,
        "State after pause",
        "Paused true, Status paused, Running true",
        s["State"].to_string()
    );
    Ok(())
}

async fn unpause_ok(ctx: &Ctx, id: &str) -> CheckResult {
    let r = ctx
        .engine()
        .send(Request::post(format!("/containers/{id}/unpause")))
        .await?;
    ctx.expect_status_ref(
        &r,
        204,
        "unpause of a paused container",
        "ContainerUnpause: 204 no error",
    )?;
    let s = inspect(ctx, id).await?;
    ensure!(
        s["State"]["Paused"] == false && s["State"]["Status"] == "running",
        "State after unpause",
        "Paused false, Status running",
        s["State"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_pause(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let e = ctx.engine().clone();
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    wait_for_line(&ctx, &id, "ready", 1).await?;
    match v {
        "pause-unpause" => {
            pause_ok(&ctx, &id).await?;
            let paused = list_ids(&ctx, json!({ "status": ["paused"] })).await?;
            ensure!(
                paused == [id.clone()],
                "list with status=paused",
                format!("[{id:?}]"),
                format!("{paused:?}")
            );
            // v1.41 documents 204, 404 and 500 for a pause and is silent on
            // pausing what is paused; Docker 20.10 answers 409 (moby's
            // errdefs.Conflict "Container <id> is already paused"), the
            // status the reference gives every other state conflict.
            let r = e.send(Request::post(format!("/containers/{id}/pause"))).await?;
            ctx.expect_status_ref(
                &r,
                409,
                "pause of a paused container",
                "ContainerPause: 204 is for a pause done; the reference is silent on a paused container, Docker 20.10 answers 409 (already paused)",
            )?;
            unpause_ok(&ctx, &id).await?;
            // v1.41 documents 204, 404 and 500 for an unpause; an unpause of
            // a container that is not paused is its 500 (moby: a plain
            // error, "Container <id> is not paused").
            let r = e.send(Request::post(format!("/containers/{id}/unpause"))).await?;
            ctx.expect_status_ref(
                &r,
                500,
                "unpause of a running, unpaused container",
                "ContainerUnpause: 500 server error (204 is for a resume done; Docker 20.10: \"is not paused\")",
            )?;
            // The probe runs on: a signal is reported.
            let r = e.container_kill(&id, Some("SIGUSR2")).await?;
            ctx.expect_status_ref(
                &r,
                204,
                "kill with SIGUSR2 after unpause",
                "ContainerKill: 204 no error",
            )?;
            wait_for_line(&ctx, &id, "probe: received SIGUSR2", 1).await?;
        }
        "signal-while-paused" => {
            pause_ok(&ctx, &id).await?;
            let r = e.container_kill(&id, Some("SIGUSR1")).await?;
            ctx.expect_status_ref(&r, 204, "kill with SIGUSR1 while paused", "ContainerKill: 204 no error")?;
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["Paused"] == true,
                "State.Paused after SIGUSR1 (the freezer holds the process; the signal waits)",
                "true",
                s["State"].to_string()
            );
            let l = logs(&ctx, &id).await?;
            ensure!(
                l.stdout == ["ready"],
                "stdout while paused (a frozen process reports nothing)",
                "[\"ready\"]",
                format!("{:?}", l.stdout)
            );
            unpause_ok(&ctx, &id).await?;
            wait_for_line(&ctx, &id, "probe: received SIGUSR1", 1).await?;
        }
        "kill-while-paused" => {
            pause_ok(&ctx, &id).await?;
            let r = e.container_kill(&id, None).await?;
            ctx.expect_status_ref(
                &r,
                204,
                "kill (SIGKILL) of a paused container",
                "ContainerKill: 204 no error",
            )?;
            let code = wait_exit(&ctx, &id).await?;
            ensure!(
                code == 137,
                "exit code after SIGKILL while paused",
                "137",
                code.to_string()
            );
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["Paused"] == false && s["State"]["Running"] == false && s["State"]["Status"] == "exited",
                "State after SIGKILL while paused",
                "Paused false, Running false, Status exited",
                s["State"].to_string()
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

/// The raw log text of a TTY container (not multiplexed).
async fn tty_log(ctx: &Ctx, id: &str) -> Result<String, dockhand_harness::CheckError> {
    let r = ctx.engine().container_logs(id, &[("stdout", "1")]).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs of the TTY container",
        "ContainerLogs: 200 logs returned as a stream",
    )?;
    Ok(String::from_utf8_lossy(&r.body).to_string())
}

/// Polls the TTY output until it contains `text`; the output then.
async fn wait_tty_text(ctx: &Ctx, id: &str, text: &str) -> Result<String, dockhand_harness::CheckError> {
    let deadline = tokio::time::Instant::now() + POLL_DEADLINE;
    loop {
        let t = tty_log(ctx, id).await?;
        if t.contains(text) {
            return Ok(t);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(dockhand_harness::CheckError::failed(
                format!("the TTY output within {}s", POLL_DEADLINE.as_secs()),
                format!("{text:?}"),
                format!("{t:?}"),
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

pub(crate) async fn run_resize(ctx: Ctx) -> CheckResult {
    let id = create_with(&ctx, "c", &["stdout=ready", "idle"], json!({ "Tty": true })).await?;
    start(&ctx, &id).await?;
    wait_tty_text(&ctx, &id, "ready").await?;
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/containers/{id}/resize"))
                .query("h", "41")
                .query("w", "101"),
        )
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "resize of a running TTY container to 41x101",
        "ContainerResize: 200 no error",
    )?;
    wait_tty_text(&ctx, &id, "probe: received SIGWINCH").await?;
    // The probe prints the size its terminal has when SIGWINCH arrives (the
    // kernel sets the size, then signals): the size asked for, h rows by w
    // columns.
    let t = wait_tty_text(&ctx, &id, "probe: winsize=41x101").await?;
    ensure!(
        t.contains("probe: winsize=41x101\r") || t.contains("probe: winsize=41x101\n"),
        "the size the probe's terminal had when SIGWINCH arrived",
        "probe: winsize=41x101 (h=41, w=101)",
        format!("{t:?}")
    );
    let s = poll_inspect(&ctx, &id, "the TTY container", "still running", |v| {
        v["State"]["Running"] == true
    })
    .await?;
    ensure!(
        s["Config"]["Tty"] == true,
        "Config.Tty",
        "true",
        s["Config"]["Tty"].to_string()
    );
    Ok(())
}
