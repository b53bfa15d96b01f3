//! `exec/errors/*`: exec on a stopped or paused container, on a missing
//! container, with a missing exec id, and starting an exec whose container
//! was paused since.

use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::{CheckResult, Ctx};
use serde_json::json;

use super::{exec_create, exec_create_ok, idle_container, probe_cmd};
use crate::support::{create_probe, probe_config, start, wait_exit, MISSING_ID};

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let e = ctx.engine().clone();
    match ctx.variant().unwrap_or_default() {
        "stopped-container" => {
            let image = ctx.probe().await?;
            let c = create_probe(&ctx, "c", probe_config(&ctx, &image, &["exit=0"])).await?;
            start(&ctx, &c).await?;
            wait_exit(&ctx, &c, Duration::from_secs(10)).await?;
            let r = exec_create(&ctx, &c, &json!({ "Cmd": probe_cmd(&ctx, &["exit=0"]).await? })).await?;
            ctx.expect_status_ref(
                &r,
                409,
                "exec create in an exited container",
                "ContainerExec: 409 conflict (\"Run a command inside a running container\"; ExecStart: 409 \"Container is stopped or paused\")",
            )
        }
        "paused-container" => {
            let c = idle_container(&ctx).await?;
            let r = e.send(Request::post(format!("/containers/{c}/pause"))).await?;
            ctx.expect_status_ref(&r, 204, "pause of the probe", "ContainerPause: 204 no error")?;
            let created = exec_create(&ctx, &c, &json!({ "Cmd": probe_cmd(&ctx, &["exit=0"]).await? })).await;
            // Unpaused whatever came, so that the cleanup can stop it.
            let r = e.send(Request::post(format!("/containers/{c}/unpause"))).await?;
            ctx.expect_status_ref(&r, 204, "unpause of the probe", "ContainerUnpause: 204 no error")?;
            ctx.expect_status_ref(
                &created?,
                409,
                "exec create in a paused container",
                "ContainerExec: 409 container is paused",
            )
        }
        "missing-container" => {
            let r = exec_create(&ctx, MISSING_ID, &json!({ "Cmd": ["/probe"] })).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "exec create in a container that does not exist",
                "ContainerExec: 404 no such container",
            )
        }
        "missing-exec" => {
            let r = e
                .send(Request::post(format!("/exec/{MISSING_ID}/start")).json(&json!({ "Detach": true })))
                .await?;
            ctx.expect_status_ref(
                &r,
                404,
                "start of an exec id that does not exist",
                "ExecStart: 404 No such exec instance",
            )?;
            let r = e.send(Request::get(format!("/exec/{MISSING_ID}/json"))).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "inspect of an exec id that does not exist",
                "ExecInspect: 404 No such exec instance",
            )?;
            let r = e
                .send(
                    Request::post(format!("/exec/{MISSING_ID}/resize"))
                        .query("h", 24)
                        .query("w", 80),
                )
                .await?;
            ctx.expect_status_ref(
                &r,
                404,
                "resize of an exec id that does not exist",
                "ExecResize: 404 No such exec instance",
            )
        }
        _ => {
            let c = idle_container(&ctx).await?;
            let exec = exec_create_ok(&ctx, &c, &json!({ "Cmd": probe_cmd(&ctx, &["exit=0"]).await? })).await?;
            let r = e.send(Request::post(format!("/containers/{c}/pause"))).await?;
            ctx.expect_status_ref(&r, 204, "pause of the probe", "ContainerPause: 204 no error")?;
            let started = e
                .send(Request::post(format!("/exec/{exec}/start")).json(&json!({ "Detach": true })))
                .await;
            let r = e.send(Request::post(format!("/containers/{c}/unpause"))).await?;
            ctx.expect_status_ref(&r, 204, "unpause of the probe", "ContainerUnpause: 204 no error")?;
            ctx.expect_status_ref(
                &started?,
                409,
                "start of an exec whose container was paused after the create",
                "ExecStart: 409 Container is stopped or paused",
            )
        }
    }
}
