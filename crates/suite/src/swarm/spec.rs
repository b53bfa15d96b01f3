//! `swarm/swarm/*`: the swarm itself: inspect, update (labels, token rotation),
//! and the optimistic concurrency of its version.

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{gate, get_json};

async fn inspect(ctx: &Ctx) -> Result<Value, dockhand_harness::CheckError> {
    get_json(
        ctx,
        ctx.engine(),
        "/swarm",
        "inspect the swarm",
        "SwarmInspect: 200 no error",
    )
    .await
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    // Changes the swarm's spec: no other cluster check at the same time.
    gate(&ctx, true).await;
    let e = ctx.engine().clone();
    let before = inspect(&ctx).await?;
    let id = before["ID"].as_str().unwrap_or_default();
    ensure!(!id.is_empty(), "the swarm's ID", "non-empty", before["ID"].to_string());
    for role in ["Worker", "Manager"] {
        let t = before["JoinTokens"][role].as_str().unwrap_or_default();
        ensure!(
            t.starts_with("SWMTKN-"),
            format!("JoinTokens.{role} of a manager's inspect"),
            "a token starting with SWMTKN-",
            format!("{t:?}")
        );
    }
    let version = before["Version"]["Index"].as_u64().unwrap_or(0);
    ensure!(
        version > 0,
        "Version.Index",
        "a positive index",
        before["Version"].to_string()
    );

    let key = "dockhand.check-label";
    let mut spec = before["Spec"].clone();
    spec["Labels"][key] = json!(ctx.case_label());
    let r = e
        .send(
            Request::post("/swarm/update")
                .query("version", version)
                .query("rotateWorkerToken", true)
                .json(&spec),
        )
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "update the swarm's labels at its version",
        "SwarmUpdate: 200 no error",
    )?;
    let after = inspect(&ctx).await?;
    let v2 = after["Version"]["Index"].as_u64().unwrap_or(0);
    ensure!(
        v2 > version,
        "Version.Index after an update",
        format!("more than {version}"),
        v2.to_string()
    );
    ensure!(
        after["Spec"]["Labels"][key] == ctx.case_label().as_str(),
        "Spec.Labels after the update",
        format!("{key}={}", ctx.case_label()),
        after["Spec"]["Labels"].to_string()
    );
    ensure!(
        after["JoinTokens"]["Worker"] != before["JoinTokens"]["Worker"]
            && after["JoinTokens"]["Manager"] == before["JoinTokens"]["Manager"],
        "join tokens after rotateWorkerToken=true",
        "a new worker token and the same manager token",
        "the worker token unchanged or the manager token changed"
    );

    // The version read before the update is stale now.
    let r = e
        .send(Request::post("/swarm/update").query("version", version).json(&spec))
        .await?;
    // Restore the labels whatever the stale update did.
    let now = inspect(&ctx).await?;
    let mut restore = now["Spec"].clone();
    restore["Labels"] = before["Spec"]["Labels"].clone();
    let r2 = e
        .send(
            Request::post("/swarm/update")
                .query("version", now["Version"]["Index"].as_u64().unwrap_or(0))
                .json(&restore),
        )
        .await?;
    // The reference names no status for a stale version; of SwarmUpdate's
    // (200, 400, 500, 503) it is the 500: swarmkit refuses the write as out
    // of sequence (Docker 20.10: 500 "rpc error: code = Unknown desc = update
    // out of sequence"), which is no bad parameter of the request itself.
    ctx.expect_status_ref(
        &r,
        500,
        &format!("an update at the stale version {version}"),
        "SwarmUpdate: version \"The version number of the swarm object being updated. This is required to avoid conflicting writes.\"; 500 server error",
    )?;
    ctx.expect_status_ref(&r2, 200, "restore the swarm's labels", "SwarmUpdate: 200 no error")?;
    Ok(())
}
