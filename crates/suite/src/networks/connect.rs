//! `networks/connect/*`: connect and disconnect a running container, with
//! aliases, as both inspects show it; the error paths.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::{create_network, disconnect, endpoint, inspect_network, Ipam};
use crate::support::{create_probe, probe_config, send, start_container};

/// A running probe on the default network; its id.
async fn running(ctx: &Ctx, image: &str) -> Result<String, CheckError> {
    let id = create_probe(ctx, "c", probe_config(ctx, image, &["idle"])).await?;
    start_container(ctx, &id).await?;
    Ok(id)
}

async fn connect(ctx: &Ctx, network: &str, body: &Value) -> Result<dockhand_engine::Response, CheckError> {
    send(ctx, Request::post(format!("/networks/{network}/connect")).json(body)).await
}

pub(crate) async fn run_aliases(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let net = create_network(&ctx, "n", json!({}), Ipam::Subnet).await?;
    let cid = running(&ctx, &image).await?;
    let cname = ctx.name("c");
    let alias = ctx.name("alias");
    let base = net
        .subnet
        .as_deref()
        .unwrap_or_default()
        .trim_end_matches("0/24")
        .to_string();

    let body = json!({ "Container": cid, "EndpointConfig": { "Aliases": [alias] } });
    let r = connect(&ctx, &net.id, &body).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "connect of a running container with an alias",
        "NetworkConnect: 200 No error",
    )?;

    let v = inspect_network(&ctx, &net.id).await?;
    let entry = &v["Containers"][&cid];
    let v4 = entry["IPv4Address"].as_str().unwrap_or("");
    // The EndpointID of every container on the network (this one alone), sorted.
    let mut endpoint_ids: Vec<Value> = v["Containers"]
        .as_object()
        .map(|m| m.values().map(|c| c["EndpointID"].clone()).collect())
        .unwrap_or_default();
    endpoint_ids.sort_by_key(|x| x.to_string());
    ensure_seen!(
        entry["EndpointID"].as_str().is_some_and(|s| !s.is_empty()),
        Observed::field_value(
            "GET",
            &format!("/networks/{}", net.id),
            "/Containers/*/EndpointID",
            Value::Array(endpoint_ids)
        ),
        "GET /networks/{id}: Containers.<container id>.EndpointID after connect (NetworkContainer EndpointID)",
        "a non-empty EndpointID",
        v["Containers"].to_string()
    );
    ensure!(
        entry["Name"] == cname.as_str()
            && entry["MacAddress"].as_str().is_some_and(|s| !s.is_empty())
            && v4.starts_with(&base)
            && v4.ends_with("/24"),
        "GET /networks/{id}: Containers.<container id> after connect (NetworkContainer: Name, EndpointID, MacAddress, IPv4Address)",
        format!("Name {cname}, an EndpointID, a MacAddress, an IPv4Address {base}N/24"),
        v["Containers"].to_string()
    );
    let ep = endpoint(&ctx, &cid, &net.name).await?;
    let has_alias = ep["Aliases"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == alias.as_str()));
    ensure!(
        has_alias
            && ep["NetworkID"] == net.id.as_str()
            && ep["EndpointID"] == entry["EndpointID"]
            && Some(format!("{}/24", ep["IPAddress"].as_str().unwrap_or(""))).as_deref() == Some(v4),
        "the container's NetworkSettings.Networks.<network> after connect (EndpointSettings)",
        format!(
            "Aliases with {alias}, NetworkID {}, the same EndpointID and address as the network shows",
            net.id
        ),
        ep.to_string()
    );

    disconnect(&ctx, &net.id, &cid).await?;
    let v = inspect_network(&ctx, &net.id).await?;
    ensure!(
        v["Containers"].get(&cid).is_none(),
        "GET /networks/{id}: Containers after disconnect",
        "no entry for the container",
        v["Containers"].to_string()
    );
    let ep = endpoint(&ctx, &cid, &net.name).await?;
    ensure!(
        ep.is_null(),
        "the container's NetworkSettings.Networks after disconnect",
        format!("no entry for {}", net.name),
        ep.to_string()
    );
    Ok(())
}

pub(crate) async fn run_errors(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let net = create_network(&ctx, "n", json!({}), Ipam::Auto).await?;
    let full = ctx.variant().unwrap_or("connect-twice");
    // `-created`: the same call for a container that was created and never
    // started; the reference makes no difference between the two.
    let variant = full.trim_end_matches("-created");
    let cid = match full {
        "connect-twice" | "connect-missing-network" | "disconnect-missing-network" => running(&ctx, &image).await?,
        "connect-missing-network-created" | "disconnect-missing-network-created" => {
            create_probe(&ctx, "c", probe_config(&ctx, &image, &["idle"])).await?
        }
        _ => String::new(),
    };
    let missing = ctx.name("never-created");
    let disconnect = |network: &str, container: &str| {
        Request::post(format!("/networks/{network}/disconnect")).json(&json!({ "Container": container }))
    };
    let (r, status, what, reference) = match variant {
        "connect-missing-network" => (
            connect(&ctx, &missing, &json!({ "Container": cid })).await?,
            404,
            "connect to a network that does not exist",
            "NetworkConnect: 404 Network or container not found",
        ),
        "connect-missing-container" => (
            connect(&ctx, &net.id, &json!({ "Container": missing })).await?,
            404,
            "connect of a container that does not exist",
            "NetworkConnect: 404 Network or container not found",
        ),
        "connect-twice" => {
            let r = connect(&ctx, &net.id, &json!({ "Container": cid })).await?;
            ctx.expect_status_ref(&r, 200, "first connect", "NetworkConnect: 200 No error")?;
            (
                connect(&ctx, &net.id, &json!({ "Container": cid })).await?,
                403,
                "second connect of a container already on the network",
                "NetworkConnect: 403 (the only documented refusal besides 404)",
            )
        }
        "connect-bad-body" => (
            send(
                &ctx,
                Request::post(format!("/networks/{}/connect", net.id)).body("{\"Container\":", "application/json"),
            )
            .await?,
            400,
            "connect with a truncated JSON body",
            "API description, Errors: standard HTTP status codes; a malformed request body is 400 Bad Request",
        ),
        "disconnect-missing-network" => (
            send(&ctx, disconnect(&missing, &cid)).await?,
            404,
            "disconnect from a network that does not exist",
            "NetworkDisconnect: 404 Network or container not found",
        ),
        _ => (
            send(&ctx, disconnect(&net.id, &missing)).await?,
            404,
            "disconnect of a container that does not exist",
            "NetworkDisconnect: 404 Network or container not found",
        ),
    };
    crate::support::expect_error_response(&ctx, &r, status, what, reference)
}
