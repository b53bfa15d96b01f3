//! `volumes/data/*`: what one container writes into a named volume another
//! reads; pruning the check's unused volumes reclaims their space.

use std::collections::BTreeSet;

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::create_volume;
use crate::support::{case_filter, create_probe, probe_config, prune_when_free, run_probe_to_exit, send};

/// Runs a probe with the volume bound at `target`, expecting exit 0.
async fn with_volume(
    ctx: &Ctx,
    image: &str,
    suffix: &str,
    volume: &str,
    target: &str,
    steps: &[&str],
) -> Result<Vec<String>, CheckError> {
    let mut config = probe_config(ctx, image, steps);
    config["HostConfig"]["Binds"] = json!([format!("{volume}:{target}")]);
    let run = run_probe_to_exit(ctx, suffix, config).await?;
    ensure!(
        run.exit_code == 0,
        format!("the probe {steps:?} with the volume at {target}"),
        "exit code 0",
        run.output()
    );
    let r = ctx.engine().container_remove(&run.id, false, false).await?;
    ctx.expect_status_ref(&r, 204, "remove of the exited probe", "ContainerDelete: 204 no error")?;
    Ok(run.lines.stdout)
}

pub(crate) async fn run_persists(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let name = ctx.name("v");
    create_volume(&ctx, json!({ "Name": name })).await?;
    let token = format!("kept by {name}");
    with_volume(
        &ctx,
        &image,
        "writer",
        &name,
        "/data",
        &[&format!("write=/data/note:{token}")],
    )
    .await?;
    let out = with_volume(&ctx, &image, "reader", &name, "/elsewhere", &["cat=/elsewhere/note"]).await?;
    ensure!(
        out == [token.clone()],
        "what a second container reads from the volume the first wrote to (the writer already removed)",
        format!("[{token:?}]"),
        format!("{out:?}")
    );
    Ok(())
}

pub(crate) async fn run_prune(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let full = ctx.name("full");
    let empty = ctx.name("empty");
    let kept = ctx.name("kept");
    for n in [&full, &empty, &kept] {
        create_volume(&ctx, json!({ "Name": n })).await?;
    }
    let data = "x".repeat(4096);
    with_volume(
        &ctx,
        &image,
        "writer",
        &full,
        "/data",
        &[&format!("write=/data/f:{data}")],
    )
    .await?;
    let mut config = probe_config(&ctx, &image, &["idle"]);
    config["HostConfig"]["Binds"] = json!([format!("{kept}:/data")]);
    create_probe(&ctx, "user", config).await?;

    let filters = case_filter(&ctx);
    let r = prune_when_free(&ctx, "volumes", &filters).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("POST /volumes/prune?filters={filters}"),
        "VolumePrune: 200 No error",
    )?;
    let v: Value = r.json()?;
    let deleted: BTreeSet<String> = v["VolumesDeleted"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let want: BTreeSet<String> = [full.clone(), empty.clone()].into_iter().collect();
    ensure!(
        v["VolumesDeleted"].is_array() && deleted == want,
        "VolumePrune: VolumesDeleted, for the check's two unused volumes and one in use",
        format!("{want:?}"),
        v["VolumesDeleted"].to_string()
    );
    let reclaimed = v["SpaceReclaimed"].as_u64();
    ensure!(
        reclaimed.is_some_and(|n| n >= data.len() as u64 && n < 1 << 20),
        "VolumePrune: SpaceReclaimed (\"disk space reclaimed in bytes\") after pruning a volume holding a 4096-byte file",
        "at least 4096 and less than 1 MiB",
        v["SpaceReclaimed"].to_string()
    );
    for (n, status, reference) in [
        (&full, 404, "VolumeInspect: 404 No such volume"),
        (&empty, 404, "VolumeInspect: 404 No such volume"),
        (&kept, 200, "VolumeInspect: 200 no error"),
    ] {
        let r = send(&ctx, Request::get(format!("/volumes/{n}"))).await?;
        ctx.expect_status_ref(&r, status, &format!("inspect of {n} after the prune"), reference)?;
    }
    Ok(())
}
