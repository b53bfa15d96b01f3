//! `containers/wait/*`: the wait conditions (not-running, next-exit,
//! removed), the exit codes they report, and an invalid condition.

use std::time::Duration;

use dockhand_engine::{ApiVersion, Request};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use crate::support::kill;

use super::common::{
    create_with, inspect, list_ids, start, start_probe, status_code, time_key, unknown_variant, variant, wait_exit,
    wait_for_line, POLL_DEADLINE,
};

/// Wait conditions arrived in API 1.30.
pub(crate) const WAIT_CONDITIONS: ApiVersion = ApiVersion::new(1, 30);

/// Sends a wait with `condition` and returns once the engine has answered
/// with its headers (since API 1.30 the engine sends them as soon as the wait
/// is registered), so that what the check does next happens after it.
async fn wait_registered(ctx: &Ctx, id: &str, condition: &str) -> Result<dockhand_engine::StreamResponse, CheckError> {
    let mut resp = ctx
        .engine()
        .stream(Request::post(format!("/containers/{id}/wait")).query("condition", condition))
        .await?;
    ctx.expect_json_stream(
        &resp,
        200,
        &format!("wait with condition={condition}"),
        "ContainerWait: 200 the container has exit",
    )?;
    resp.set_idle_deadline(POLL_DEADLINE);
    Ok(resp)
}

/// The body of a registered wait, once it came: the whole reply through the
/// usual status and shape assertion.
async fn wait_body(ctx: &Ctx, resp: dockhand_engine::StreamResponse) -> Result<Value, CheckError> {
    let r = resp.collect().await?;
    ctx.expect_status_ref(&r, 200, "the wait's reply", "ContainerWait: 200 the container has exit")?;
    Ok(r.json()?)
}

/// How long a pending wait is given to show a reply it should not have
/// sent. A reply the engine sent already is in the socket: reading it takes
/// far less.
const EARLY_REPLY_WINDOW: Duration = Duration::from_millis(200);

/// Fails if the pending wait has replied (or failed) already.
async fn no_reply_yet<F>(reply: &mut std::pin::Pin<Box<F>>, when: &str) -> CheckResult
where
    F: std::future::Future<Output = Result<Value, CheckError>>,
{
    match tokio::time::timeout(EARLY_REPLY_WINDOW, reply.as_mut()).await {
        Err(_) => Ok(()),
        Ok(got) => Err(CheckError::failed(
            format!("wait with condition=next-exit {when}"),
            "no reply yet: next-exit waits for the end of the next run",
            match got {
                Ok(v) => format!("the reply {v}"),
                Err(e) => format!("the wait ended: {e:?}"),
            },
        )),
    }
}

pub(crate) async fn run_condition(ctx: Ctx) -> CheckResult {
    let e = ctx.engine().clone();
    match variant(&ctx)? {
        "not-running" => {
            let id = start_probe(&ctx, "c", &["sleep=300", "exit=5"]).await?;
            let r = e.container_wait(&id, Some("not-running"), POLL_DEADLINE).await?;
            ctx.expect_status_ref(
                &r,
                200,
                "wait with condition=not-running",
                "ContainerWait: 200 the container has exit",
            )?;
            let code = status_code(&r.json()?)?;
            ensure!(
                code == 5,
                "StatusCode of the wait (the probe exits 5)",
                "5",
                code.to_string()
            );
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["Running"] == false && s["State"]["ExitCode"] == 5,
                "State once the wait returned",
                "Running false, ExitCode 5",
                s["State"].to_string()
            );
        }
        "next-exit" => {
            // The probe idles until killed, so the check decides when each
            // run ends, and the two runs end with different codes: SIGTERM
            // (the probe exits 0), then SIGKILL (137). An engine that
            // answered next-exit at once, with the previous run's code,
            // is told apart both by the time and by the code.
            let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
            wait_for_line(&ctx, &id, "ready", 1).await?;
            kill(&ctx, &id, "SIGTERM").await?;
            let code = wait_exit(&ctx, &id).await?;
            ensure!(
                code == 0,
                "exit code of the first run (SIGTERM: the probe exits 0)",
                "0",
                code.to_string()
            );
            let first = inspect(&ctx, &id).await?["State"]["StartedAt"].clone();
            // The container is stopped: next-exit waits for the next run.
            let pending = wait_registered(&ctx, &id, "next-exit").await?;
            let mut reply = Box::pin(wait_body(&ctx, pending));
            no_reply_yet(&mut reply, "before the container was started again").await?;
            start(&ctx, &id).await?;
            wait_for_line(&ctx, &id, "ready", 2).await?;
            no_reply_yet(&mut reply, "while the second run was still running").await?;
            kill(&ctx, &id, "SIGKILL").await?;
            let body = tokio::time::timeout(POLL_DEADLINE, reply).await.map_err(|_| {
                CheckError::failed(
                    "wait next-exit after the second run was killed",
                    "a reply",
                    "none within 10s",
                )
            })??;
            let code = status_code(&body)?;
            ensure!(
                code == 137,
                "StatusCode of wait next-exit (the second run ends by SIGKILL: 137; the first ended 0)",
                "137",
                code.to_string()
            );
            let second = inspect(&ctx, &id).await?["State"]["StartedAt"].clone();
            ensure!(
                time_key(&second) > time_key(&first),
                "State.StartedAt after the second run",
                format!("later than the first run's {first}"),
                second.to_string()
            );
        }
        "removed" => {
            let id = create_with(&ctx, "c", &["idle"], json!({})).await?;
            let pending = wait_registered(&ctx, &id, "removed").await?;
            let r = e.container_remove(&id, false, false).await?;
            ctx.expect_status_ref(
                &r,
                204,
                "remove of the created container",
                "ContainerDelete: 204 no error",
            )?;
            let body = tokio::time::timeout(POLL_DEADLINE, wait_body(&ctx, pending))
                .await
                .map_err(|_| CheckError::failed("wait removed after the remove", "a reply", "none within 10s"))??;
            let code = status_code(&body)?;
            ensure!(
                code == 0,
                "StatusCode of wait removed (never started)",
                "0",
                code.to_string()
            );
            let r = e.container_inspect(&id).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "inspect after the remove",
                "ContainerInspect: 404 no such container",
            )?;
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

pub(crate) async fn run_exit_code(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let want: i64 = v
        .strip_prefix("code-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| unknown_variant(&ctx, v))?;
    let step = format!("exit={want}");
    let id = start_probe(&ctx, "c", &[&step]).await?;
    let code = wait_exit(&ctx, &id).await?;
    ensure!(
        code == want,
        format!("StatusCode of wait for {step}"),
        want.to_string(),
        code.to_string()
    );
    // Once stopped, a wait returns at once with the same code.
    let r = ctx.engine().container_wait(&id, None, Duration::from_secs(2)).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "wait on the exited container",
        "ContainerWait: 200 the container has exit",
    )?;
    let again = status_code(&r.json()?)?;
    ensure!(
        again == want,
        "StatusCode of a second wait",
        want.to_string(),
        again.to_string()
    );
    let s = inspect(&ctx, &id).await?;
    ensure!(
        s["State"]["ExitCode"] == want && s["State"]["Status"] == "exited",
        "State after the exit",
        format!("ExitCode {want}, Status exited"),
        s["State"].to_string()
    );
    let ids = list_ids(&ctx, json!({ "exited": [want.to_string()] })).await?;
    ensure!(
        ids == [id.clone()],
        format!("list with exited={want}"),
        format!("[{id:?}]"),
        format!("{ids:?}")
    );
    Ok(())
}

pub(crate) async fn run_invalid_condition(ctx: Ctx) -> CheckResult {
    // An exited container, so that an engine that ignores the condition
    // answers at once instead of blocking.
    let id = start_probe(&ctx, "c", &["exit=0"]).await?;
    wait_exit(&ctx, &id).await?;
    let r = ctx
        .engine()
        .container_wait(&id, Some("no-such-condition"), Duration::from_secs(2))
        .await?;
    ctx.expect_status_ref(
        &r,
        400,
        "wait with condition=no-such-condition",
        "ContainerWait: condition enum [not-running, next-exit, removed]; 400 bad parameter",
    )
}
