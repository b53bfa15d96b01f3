//! Area `volumes`: create, inspect, list, remove and prune volumes, and the
//! data they keep across containers.

mod create;
mod data;
mod list;
mod remove;

use dockhand_engine::Request;
use dockhand_harness::{Check, CheckError, Cleanup, Ctx};
use serde_json::Value;

use crate::support::send;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "volumes/create/named",
            "a named local volume with labels: 201 and a Volume with Name, Driver, Mountpoint, Labels, Scope, Options, CreatedAt; inspect says the same",
            |ctx| Box::pin(create::run_named(ctx)),
        )
        .tags(&["volumes", "smoke"])
        .reference(&["VolumeCreate", "VolumeInspect"]),
        Check::new(
            "volumes/create/anonymous",
            "a volume created without a Name gets a generated one (\"If not specified, Docker generates a name\")",
            |ctx| Box::pin(create::run_anonymous(ctx)),
        )
        .tags(&["volumes"])
        .reference(&["VolumeCreate", "VolumeInspect"]),
        Check::new(
            "volumes/create/driver-opts",
            "DriverOpts type=tmpfs,device=tmpfs,o=size=1m come back as Options and mount a 1 MiB tmpfs in a container",
            |ctx| Box::pin(create::run_driver_opts(ctx)),
        )
        .tags(&["volumes"])
        .reference(&["VolumeCreate", "VolumeInspect", "ContainerCreate"]),
        Check::new(
            "volumes/create/invalid-name",
            "a local volume name with a slash, or of one character, is refused with 400 and nothing is created",
            |ctx| Box::pin(create::run_invalid_name(ctx)),
        )
        .tags(&["volumes", "errors"])
        .variants(&["slash", "too-short"])
        .reference(&["VolumeCreate", "VolumeInspect"]),
        Check::new(
            "volumes/remove/missing",
            "inspect and delete of a volume that does not exist get 404 with a message",
            |ctx| Box::pin(remove::run_missing(ctx)),
        )
        .tags(&["volumes", "errors"])
        .variants(&["inspect", "delete"])
        .reference(&["VolumeInspect", "VolumeDelete"]),
        Check::new(
            "volumes/remove/in-use",
            "delete of a volume a container uses gets 409 (force too) and keeps it; once the container is gone, 204 and inspect gets 404",
            |ctx| Box::pin(remove::run_in_use(ctx)),
        )
        .tags(&["volumes", "errors"])
        .variants(&["plain", "force"])
        .reference(&["VolumeDelete", "VolumeInspect", "ContainerDelete"]),
        Check::new(
            "volumes/list/filters",
            "GET /volumes with the label (key, key=value), name, dangling and driver filters returns exactly the matching volumes",
            |ctx| Box::pin(list::run_filters(ctx)),
        )
        .tags(&["volumes", "list"])
        .variants(&["label", "label-value", "name", "dangling-true", "dangling-false", "driver"])
        .reference(&["VolumeList", "VolumeCreate"]),
        Check::new(
            "volumes/list/schema",
            "GET /volumes answers the required Volumes and Warnings as arrays (both x-nullable: false), each volume with the required fields",
            |ctx| Box::pin(list::run_schema(ctx)),
        )
        .tags(&["volumes", "list"])
        .reference(&["VolumeList"]),
        Check::new(
            "volumes/data/persists",
            "a file one container writes into a named volume is read back by another container mounting it elsewhere",
            |ctx| Box::pin(data::run_persists(ctx)),
        )
        .tags(&["volumes", "containers"])
        .reference(&["VolumeCreate", "ContainerCreate", "ContainerStart", "ContainerDelete"]),
        Check::new(
            "volumes/data/prune",
            "POST /volumes/prune with the check's label removes its unused volumes, reports them in VolumesDeleted with SpaceReclaimed, and keeps the one in use",
            |ctx| Box::pin(data::run_prune(ctx)),
        )
        .tags(&["volumes", "prune"])
        .reference(&["VolumePrune", "VolumeInspect"]),
    ]
}

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
