//! `volumes/remove/*`: 404 for a volume that does not exist, 409 for one in
//! use, 204 and gone once it is free.

use dockhand_engine::Request;
use dockhand_harness::{CheckResult, Ctx};
use serde_json::json;

use super::create_volume;
use crate::support::{create_probe, probe_config, send};

pub(crate) async fn run_missing(ctx: Ctx) -> CheckResult {
    let name = ctx.name("never-created");
    let (r, what, reference) = if ctx.variant() == Some("inspect") {
        (
            send(&ctx, Request::get(format!("/volumes/{name}"))).await?,
            "inspect of a volume that does not exist",
            "VolumeInspect: 404 No such volume",
        )
    } else {
        (
            send(&ctx, Request::delete(format!("/volumes/{name}"))).await?,
            "delete of a volume that does not exist",
            "VolumeDelete: 404 No such volume or volume driver",
        )
    };
    crate::support::expect_error_response(&ctx, &r, 404, what, reference)
}

pub(crate) async fn run_in_use(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let force = ctx.variant() == Some("force");
    let name = ctx.name("v");
    create_volume(&ctx, json!({ "Name": name })).await?;
    // A created container holds a reference, running or not.
    let mut config = probe_config(&ctx, &image, &["idle"]);
    config["HostConfig"]["Binds"] = json!([format!("{name}:/data")]);
    let cid = create_probe(&ctx, "c", config).await?;

    let r = send(&ctx, Request::delete(format!("/volumes/{name}")).query("force", force)).await?;
    ctx.expect_status_ref(
        &r,
        409,
        &format!("delete (force={force}) of a volume a container uses"),
        "VolumeDelete: 409 Volume is in use and cannot be removed",
    )?;
    let r = send(&ctx, Request::get(format!("/volumes/{name}"))).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "inspect of the volume after the refused delete",
        "VolumeInspect: 200 no error",
    )?;

    let r = ctx.engine().container_remove(&cid, false, false).await?;
    ctx.expect_status_ref(&r, 204, "remove of the container", "ContainerDelete: 204 no error")?;
    let r = send(&ctx, Request::delete(format!("/volumes/{name}")).query("force", force)).await?;
    ctx.expect_status_ref(
        &r,
        204,
        "delete of the volume no container uses any more",
        "VolumeDelete: 204 The volume was removed",
    )?;
    let r = send(&ctx, Request::get(format!("/volumes/{name}"))).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect of the removed volume",
        "VolumeInspect: 404 No such volume",
    )?;
    Ok(())
}
