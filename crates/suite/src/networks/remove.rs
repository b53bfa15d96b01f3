//! `networks/remove/*`: 404 for a network that does not exist, the refusal
//! for one in use, and pruning the check's unused networks.

use std::collections::BTreeSet;

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::{create_network, disconnect, inspect_network, Ipam};
use crate::support::{case_filter, create_probe, probe_config, prune_when_free, send, start_container};

pub(crate) async fn run_missing(ctx: Ctx) -> CheckResult {
    let name = ctx.name("never-created");
    let (r, what, reference) = if ctx.variant() == Some("inspect") {
        (
            send(&ctx, Request::get(format!("/networks/{name}"))).await?,
            "inspect of a network that does not exist",
            "NetworkInspect: 404 Network not found",
        )
    } else {
        (
            send(&ctx, Request::delete(format!("/networks/{name}"))).await?,
            "delete of a network that does not exist",
            "NetworkDelete: 404 no such network",
        )
    };
    crate::support::expect_error_response(&ctx, &r, 404, what, reference)
}

/// A running probe attached to `network`; its id.
async fn attached(ctx: &Ctx, image: &str, suffix: &str, network: &str) -> Result<String, CheckError> {
    let mut config = probe_config(ctx, image, &["idle"]);
    config["HostConfig"]["NetworkMode"] = json!(network);
    let id = create_probe(ctx, suffix, config).await?;
    start_container(ctx, &id).await?;
    Ok(id)
}

pub(crate) async fn run_in_use(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let net = create_network(&ctx, "n", json!({}), Ipam::Auto).await?;
    let cid = attached(&ctx, &image, "c", &net.name).await?;

    let r = send(&ctx, Request::delete(format!("/networks/{}", net.id))).await?;
    // v1.41 documents 403 as the refusal of NetworkDelete (besides 404 and
    // the 500 of a server error); moby refuses active endpoints with it.
    ctx.expect_status_ref(
        &r,
        403,
        "delete of a network a running container is attached to",
        "NetworkDelete: 403 (the documented refusal; 500 is a server error)",
    )?;
    ensure!(
        !r.message().is_empty(),
        "the message of the refusal",
        "a message saying the network is in use",
        String::from_utf8_lossy(&r.body)
    );
    let v = inspect_network(&ctx, &net.id).await?;
    ensure!(
        v["Containers"].get(&cid).is_some(),
        "GET /networks/{id}: Containers after the refused delete",
        format!("the attached container {cid}"),
        v["Containers"].to_string()
    );

    disconnect(&ctx, &net.id, &cid).await?;
    let r = send(&ctx, Request::delete(format!("/networks/{}", net.id))).await?;
    ctx.expect_status_ref(
        &r,
        204,
        "delete of the network once nothing is attached",
        "NetworkDelete: 204 No error",
    )?;
    let r = send(&ctx, Request::get(format!("/networks/{}", net.id))).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect of the removed network",
        "NetworkInspect: 404 Network not found",
    )?;
    Ok(())
}

pub(crate) async fn run_prune(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let unused1 = create_network(&ctx, "unused1", json!({}), Ipam::Auto).await?;
    let unused2 = create_network(&ctx, "unused2", json!({}), Ipam::Auto).await?;
    let kept = create_network(&ctx, "kept", json!({}), Ipam::Auto).await?;
    attached(&ctx, &image, "c", &kept.name).await?;

    let filters = case_filter(&ctx);
    let r = prune_when_free(&ctx, "networks", &filters).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("POST /networks/prune?filters={filters}"),
        "NetworkPrune: 200 No error",
    )?;
    let v: Value = r.json()?;
    // "Networks that were deleted": by name or by id.
    let deleted: BTreeSet<String> = v["NetworksDeleted"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| {
                    [&unused1, &unused2, &kept]
                        .iter()
                        .find(|n| n.id == s)
                        .map_or(s.to_string(), |n| n.name.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let want: BTreeSet<String> = [unused1.name.clone(), unused2.name.clone()].into_iter().collect();
    ensure!(
        deleted == want,
        "NetworkPrune: NetworksDeleted, for the check's two unused networks and one in use",
        format!("{want:?} (names or ids)"),
        v["NetworksDeleted"].to_string()
    );
    for (n, status, reference) in [
        (&unused1, 404, "NetworkInspect: 404 Network not found"),
        (&unused2, 404, "NetworkInspect: 404 Network not found"),
        (&kept, 200, "NetworkInspect: 200 No error"),
    ] {
        let r = send(&ctx, Request::get(format!("/networks/{}", n.id))).await?;
        ctx.expect_status_ref(&r, status, &format!("inspect of {} after the prune", n.name), reference)?;
    }
    Ok(())
}
