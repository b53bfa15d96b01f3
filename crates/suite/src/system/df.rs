//! `system/df/*`: `GET /system/df` lists the images, containers and volumes
//! in use, with their sizes.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use crate::support::{create_probe, probe_config, send_when_free};
use crate::volumes::create_volume;

fn find<'a>(v: &'a Value, list: &str, key: &str, want: &str) -> Result<&'a Value, CheckError> {
    let items = v[list]
        .as_array()
        .ok_or_else(|| CheckError::failed(format!("GET /system/df: {list}"), "an array", v[list].to_string()))?;
    items.iter().find(|i| i[key] == want).ok_or_else(|| {
        CheckError::failed(
            format!("GET /system/df: {list}"),
            format!("an entry with {key} {want}"),
            format!("{} entries without it", items.len()),
        )
    })
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let vname = ctx.name("vol");
    create_volume(&ctx, json!({ "Name": vname })).await?;
    let mut config = probe_config(&ctx, &image, &["idle"]);
    config["HostConfig"]["Binds"] = json!([format!("{vname}:/data")]);
    let cid = create_probe(&ctx, "c", config).await?;
    let image_id = e.container_inspect(&cid).await?.ok()?.json::<Value>()?["Image"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // moby 20.10 runs one disk-usage computation at a time and answers the
    // others 500 "a disk usage operation is already running" (later engines
    // share the running one's result).
    let r = send_when_free(
        &ctx,
        || Request::get("/system/df"),
        500,
        "disk usage operation is already running",
    )
    .await?;
    ctx.expect_status_ref(&r, 200, "GET /system/df", "SystemDataUsage: 200 no error")?;
    let v: Value = r.json()?;

    ensure_seen!(
        v["LayersSize"].as_i64().is_some_and(|n| n > 0),
        Observed::field(&r, &v, "/LayersSize"),
        "GET /system/df: LayersSize, with the probe image's layer stored",
        "an integer above 0",
        v["LayersSize"].to_string()
    );
    let img = find(&v, "Images", "Id", &image_id)?;
    ensure!(
        img["Size"].as_i64().is_some_and(|n| n > 0)
            && img["Containers"].as_i64().is_some_and(|n| n >= 1)
            && img["RepoTags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == image.as_str())),
        "GET /system/df: the probe image's entry (ImageSummary: Size, Containers, RepoTags)",
        format!("Size > 0, Containers >= 1 (the check's container uses it), RepoTags with {image}"),
        img.to_string()
    );
    let c = find(&v, "Containers", "Id", &cid)?;
    ensure!(
        c["Image"] == image.as_str() && c["ImageID"] == image_id.as_str() && c["State"] == "created",
        "GET /system/df: the check's container (ContainerSummary: Image, ImageID, State)",
        format!("Image {image}, ImageID {image_id}, State created"),
        c.to_string()
    );
    ensure!(
        c["SizeRootFs"].as_i64().is_some_and(|n| n > 0),
        "GET /system/df: the check's container's SizeRootFs",
        "an integer above 0 (the probe image's files)",
        c["SizeRootFs"].to_string()
    );
    let vol = find(&v, "Volumes", "Name", &vname)?;
    let usage = &vol["UsageData"];
    ensure!(
        vol["Driver"] == "local"
            && usage["RefCount"].as_i64() == Some(1)
            && usage["Size"].as_i64().is_some_and(|n| n >= 0),
        "GET /system/df: the check's volume (Volume.UsageData: Size, RefCount, \"used by the GET /system/df endpoint\")",
        "Driver local, UsageData.RefCount 1 (one container), UsageData.Size >= 0 (a local volume's size is known)",
        vol.to_string()
    );
    // The reference does not mark BuildCache nullable-false, and engines
    // without a build cache send null.
    ensure!(
        v["BuildCache"].is_array() || v["BuildCache"].is_null(),
        "GET /system/df: BuildCache",
        "an array of BuildCache records (null when there is none)",
        v["BuildCache"].to_string()
    );
    if let Some(records) = v["BuildCache"].as_array() {
        for b in records {
            ensure!(
                b["ID"].is_string() && b["Size"].is_i64() && b["InUse"].is_boolean(),
                "GET /system/df: each BuildCache record (ID, Size, InUse)",
                "a string, an integer, a boolean",
                b.to_string()
            );
        }
    }
    Ok(())
}
