//! `containers/remove/*` and `containers/prune/*`: removing containers (and
//! their anonymous volumes), auto-remove, and pruning by label.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Cleanup, Ctx, Observed};
use serde_json::{json, Value};

use super::common::{
    case_filter, create_with, inspect, list_ids, start, start_probe, status_code, unknown_variant, variant, wait_exit,
    POLL_DEADLINE,
};
use crate::support::prune_when_free;

async fn volume_status(ctx: &Ctx, name: &str) -> Result<u16, CheckError> {
    Ok(ctx
        .engine()
        .send(Request::get(format!("/volumes/{name}")))
        .await?
        .status
        .as_u16())
}

pub(crate) async fn run_delete(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let e = ctx.engine().clone();
    match v {
        "running-conflict" | "force-running" => {
            let id = start_probe(&ctx, "c", &["idle"]).await?;
            if v == "running-conflict" {
                let r = e.container_remove(&id, false, false).await?;
                ctx.expect_status_ref(
                    &r,
                    409,
                    "remove of a running container without force",
                    "ContainerDelete: 409 conflict",
                )?;
                let s = inspect(&ctx, &id).await?;
                ensure!(
                    s["State"]["Running"] == true,
                    "State.Running after the refused remove",
                    "true",
                    s["State"].to_string()
                );
            } else {
                let r = e.container_remove(&id, true, false).await?;
                ctx.expect_status_ref(
                    &r,
                    204,
                    "remove of a running container with force=1 (kill it before removing it)",
                    "ContainerDelete: 204 no error",
                )?;
                let r = e.container_inspect(&id).await?;
                ctx.expect_status_ref(
                    &r,
                    404,
                    "inspect after the forced remove",
                    "ContainerInspect: 404 no such container",
                )?;
                let ids = list_ids(&ctx, json!({})).await?;
                ensure!(
                    ids.is_empty(),
                    "the case's containers after the forced remove",
                    "none",
                    format!("{ids:?}")
                );
            }
        }
        "anonymous-volume" | "keep-volume" => {
            let id = create_with(&ctx, "c", &["exit=0"], json!({ "Volumes": { "/data": {} } })).await?;
            let s = inspect(&ctx, &id).await?;
            let mounts = s["Mounts"].as_array().cloned().unwrap_or_default();
            let Some(m) = mounts.iter().find(|m| m["Destination"] == "/data") else {
                return Err(CheckError::failed(
                    "Mounts of a container created with Volumes {\"/data\": {}}",
                    "a mount at /data",
                    s["Mounts"].to_string(),
                ));
            };
            ensure!(
                m["Type"] == "volume" && m["Name"].as_str().is_some_and(|n| !n.is_empty()),
                "the /data mount",
                "Type volume with a Name (an anonymous volume)",
                m.to_string()
            );
            let vol = m["Name"].as_str().unwrap_or_default().to_string();
            // The engine made the volume without our labels: remove it by name,
            // after the container (cleanups unwind in reverse).
            ctx.defer(Cleanup::Volume(vol.clone()));
            ctx.defer(Cleanup::Container(id.clone()));
            let st = volume_status(&ctx, &vol).await?;
            ensure!(
                st == 200,
                "inspect of the anonymous volume",
                "status 200",
                format!("status {st}")
            );
            let remove_volumes = v == "anonymous-volume";
            let r = e.container_remove(&id, false, remove_volumes).await?;
            ctx.expect_status_ref(
                &r,
                204,
                &format!("remove of the created container with v={}", remove_volumes as u8),
                "ContainerDelete: 204 no error",
            )?;
            let st = volume_status(&ctx, &vol).await?;
            let (want, why) = if remove_volumes {
                (
                    404,
                    "removed with it (v: remove anonymous volumes associated with the container)",
                )
            } else {
                (200, "kept (v defaults to false)")
            };
            ensure!(
                st == want,
                format!("inspect of the anonymous volume after the remove: {why}"),
                format!("status {want}"),
                format!("status {st}")
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

pub(crate) async fn run_auto_remove(ctx: Ctx) -> CheckResult {
    let id = create_with(
        &ctx,
        "c",
        &["stdout=bye", "exit=3"],
        json!({ "HostConfig": { "AutoRemove": true } }),
    )
    .await?;
    let s = inspect(&ctx, &id).await?;
    ensure!(
        s["HostConfig"]["AutoRemove"] == true,
        "HostConfig.AutoRemove",
        "true",
        s["HostConfig"]["AutoRemove"].to_string()
    );
    let mut pending = ctx
        .engine()
        .stream(Request::post(format!("/containers/{id}/wait")).query("condition", "removed"))
        .await?;
    ctx.expect_json_stream(
        &pending,
        200,
        "wait with condition=removed",
        "ContainerWait: 200 the container has exit",
    )?;
    pending.set_idle_deadline(POLL_DEADLINE);
    start(&ctx, &id).await?;
    let body: Value = pending.collect().await?.json()?;
    let code = status_code(&body)?;
    ensure_seen!(
        code == 3,
        Observed::field_value(
            "POST",
            &format!("/containers/{id}/wait?condition=removed"),
            "/StatusCode",
            body["StatusCode"].clone()
        ),
        "StatusCode of wait removed (the probe exits 3)",
        "3",
        code.to_string()
    );
    let r = ctx.engine().container_inspect(&id).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect after the auto-removal",
        "ContainerInspect: 404 no such container",
    )
}

pub(crate) async fn run_prune(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let keep = json!({ "Labels": ctx.labels_with(&[("dh.keep", "yes")]) });
    let running = start_probe(&ctx, "running", &["idle"]).await?;
    let exited = start_probe(&ctx, "exited", &["exit=2"]).await?;
    wait_exit(&ctx, &exited).await?;
    let kept = create_with(&ctx, "kept", &["exit=0"], keep).await?;
    start(&ctx, &kept).await?;
    wait_exit(&ctx, &kept).await?;
    // Only this case's label: never prune what is not ours.
    let filters = match v {
        "label" => json!({ "label": [case_filter(&ctx)] }),
        "label-not" => json!({ "label": [case_filter(&ctx)], "label!": ["dh.keep"] }),
        other => return Err(unknown_variant(&ctx, other)),
    };
    let r = prune_when_free(&ctx, "containers", &filters).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("prune with filters {filters}"),
        "ContainerPrune: 200 no error",
    )?;
    let body: Value = r.json()?;
    let deleted: Vec<&str> = body["ContainersDeleted"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
        .unwrap_or_default();
    let mut want = vec![exited.as_str()];
    if v == "label" {
        want.push(kept.as_str());
    }
    let mut got = deleted.clone();
    got.sort();
    want.sort();
    ensure!(
        got == want,
        "ContainersDeleted (the case's stopped containers that match the filters)",
        format!("{want:?}"),
        body.to_string()
    );
    ensure!(
        body["SpaceReclaimed"].as_i64().is_some_and(|n| n >= 0),
        "SpaceReclaimed",
        "a byte count",
        body["SpaceReclaimed"].to_string()
    );
    let s = inspect(&ctx, &running).await?;
    ensure!(
        s["State"]["Running"] == true,
        "the running container after the prune",
        "still there and running",
        s["State"].to_string()
    );
    for id in &want {
        let r = ctx.engine().container_inspect(id).await?;
        ctx.expect_status_ref(
            &r,
            404,
            "inspect of a pruned container",
            "ContainerInspect: 404 no such container",
        )?;
    }
    if v == "label-not" {
        inspect(&ctx, &kept).await?;
    }
    Ok(())
}
