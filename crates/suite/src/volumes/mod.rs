//! Area `volumes`: create, inspect, list, remove and prune volumes, and the
//! data they keep across containers.

pub(crate) mod create;
pub(crate) mod data;
pub(crate) mod list;
pub(crate) mod remove;

use dockhand_engine::Request;
use dockhand_harness::{CheckError, Cleanup, Ctx};
use serde_json::Value;

use crate::support::send;

/// Creates a volume from `body` (the check's labels added unless it has
/// Labels), expecting 201; registers its removal and returns the reply.
pub(crate) async fn create_volume(ctx: &Ctx, mut body: Value) -> Result<Value, CheckError> {
    if body.get("Labels").is_none() {
        body["Labels"] = ctx.labels();
    }
    let r = send(ctx, Request::post("/volumes/create").json(&body)).await?;
    ctx.expect_status_ref(
        &r,
        201,
        &format!("create of a volume with {body}"),
        "VolumeCreate: 201 the volume was created successfully",
    )?;
    let v: Value = r.json()?;
    let name = v["Name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() {
        return Err(CheckError::failed(
            "the VolumeCreate reply",
            "a Volume with a Name",
            String::from_utf8_lossy(&r.body),
        ));
    }
    ctx.defer(Cleanup::Volume(name));
    Ok(v)
}

/// `GET /volumes/{name}`, expecting 200; the Volume.
pub(crate) async fn inspect_volume(ctx: &Ctx, name: &str) -> Result<Value, CheckError> {
    let r = send(ctx, Request::get(format!("/volumes/{name}"))).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the volume", "VolumeInspect: 200 no error")?;
    Ok(r.json()?)
}
