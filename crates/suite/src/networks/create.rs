//! `networks/create/*`: bridge networks with labels, options and IPAM, their
//! documented fields, duplicate and pre-defined names.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckResult, Cleanup, Ctx, Observed};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{create_network, endpoint, inspect_network, Ipam};
use crate::support::{create_probe, is_full_id, probe_config, send, start_container};

pub(crate) async fn run_bridge(ctx: Ctx) -> CheckResult {
    let internal = ctx.variant() == Some("internal");
    let labels = ctx.labels_with(&[("com.example.some-label", "some-value")]);
    let options = json!({ "com.docker.network.driver.mtu": "1400" });
    let body = json!({
        "Driver": "bridge",
        "Internal": internal,
        "Labels": labels,
        "Options": options,
    });
    // The reply itself, before the helper: Id and Warning.
    let name = ctx.name("n");
    let mut sent = body.clone();
    sent["Name"] = json!(name);
    sent["CheckDuplicate"] = json!(true);
    let r = send(&ctx, Request::post("/networks/create").json(&sent)).await?;
    let reply: Value = r.json().unwrap_or(Value::Null);
    if let Some(id) = reply["Id"].as_str() {
        ctx.defer(Cleanup::Network(id.to_string()));
    }
    ctx.expect_status_ref(
        &r,
        201,
        &format!("create of a network with {sent}"),
        "NetworkCreate: 201 No error",
    )?;
    let id = reply["Id"].as_str().unwrap_or_default().to_string();
    ensure!(
        is_full_id(&id) && reply["Warning"] == "",
        "the NetworkCreate reply (Id: \"the ID of the created network\", Warning)",
        "a 64-hex Id and an empty Warning",
        reply.to_string()
    );

    let v = inspect_network(&ctx, &id).await?;
    ensure!(
        v["Name"] == name.as_str()
            && v["Id"] == id.as_str()
            && v["Driver"] == "bridge"
            && v["Scope"] == "local"
            && v["Internal"] == internal
            && v["EnableIPv6"] == false
            && v["Attachable"] == false
            && v["Ingress"] == false,
        "GET /networks/{id}: Name, Id, Driver, Scope, Internal, EnableIPv6, Attachable, Ingress",
        format!("{name}, {id}, bridge, local, {internal}, false, false, false"),
        v.to_string()
    );
    ensure!(
        v["Labels"] == labels,
        "GET /networks/{id}: Labels as created",
        labels.to_string(),
        v["Labels"].to_string()
    );
    ensure_seen!(
        v["Options"] == options,
        Observed::field_value("GET", &format!("/networks/{id}"), "/Options", v["Options"].clone()),
        "GET /networks/{id}: Options as created (NetworkCreate Options: \"Network specific options to be used by the drivers\"; Network Options)",
        options.to_string(),
        v["Options"].to_string()
    );
    ensure!(
        OffsetDateTime::parse(v["Created"].as_str().unwrap_or(""), &Rfc3339).is_ok(),
        "GET /networks/{id}: Created (dateTime)",
        "an RFC 3339 timestamp",
        v["Created"].to_string()
    );
    let cfg = v["IPAM"]["Config"].as_array();
    ensure!(
        v["IPAM"]["Driver"] == "default"
            && cfg.is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["Subnet"].is_string())),
        "GET /networks/{id}: IPAM without an IPAM given (Driver default, a Subnet the engine picked)",
        "Driver default, Config with a Subnet",
        v["IPAM"].to_string()
    );
    ensure!(
        v["Containers"].as_object().is_some_and(|c| c.is_empty()),
        "GET /networks/{id}: Containers of a new network",
        "{}",
        v["Containers"].to_string()
    );

    let r = send(
        &ctx,
        Request::get("/networks").query("filters", json!({ "id": [id] }).to_string()),
    )
    .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "GET /networks?filters={\"id\":[...]}",
        "NetworkList: 200 No error",
    )?;
    let list: Value = r.json()?;
    let entry = list.as_array().and_then(|a| a.iter().find(|n| n["Id"] == id.as_str()));
    ensure!(
        entry.is_some_and(|n| n["Name"] == name.as_str() && n["Internal"] == internal && n["Labels"] == labels),
        "GET /networks: the new network's entry",
        format!("Name {name}, Internal {internal}, the labels"),
        list.to_string()
    );
    Ok(())
}

pub(crate) async fn run_ipam(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let net = create_network(&ctx, "ipam", json!({}), Ipam::SubnetRange).await?;
    let (id, name) = (net.id.clone(), net.name.clone());
    let subnet = net.subnet.clone().unwrap_or_default();
    let range = net.range.clone().unwrap_or_default();
    let gateway = net.gateway.clone().unwrap_or_default();
    let base = subnet.trim_end_matches("0/24");

    let v = inspect_network(&ctx, &id).await?;
    let cfg = &v["IPAM"]["Config"][0];
    ensure!(
        cfg["Subnet"] == subnet.as_str() && cfg["Gateway"] == gateway.as_str(),
        "GET /networks/{id}: IPAM.Config's Subnet and Gateway as created",
        format!("Subnet {subnet}, Gateway {gateway}"),
        v["IPAM"].to_string()
    );
    ensure_seen!(
        cfg["IPRange"] == range.as_str(),
        Observed::field_value(
            "GET",
            &format!("/networks/{id}"),
            "/IPAM/Config/0/IPRange",
            cfg["IPRange"].clone()
        ),
        "GET /networks/{id}: IPAM.Config's IPRange as created (IPAMConfig IPRange)",
        format!("IPRange {range}"),
        v["IPAM"].to_string()
    );

    let mut config = probe_config(&ctx, &image, &["idle"]);
    config["HostConfig"]["NetworkMode"] = json!(name);
    let cid = create_probe(&ctx, "c", config).await?;
    start_container(&ctx, &cid).await?;
    let ep = endpoint(&ctx, &cid, &name).await?;
    let ip = ep["IPAddress"].as_str().unwrap_or("");
    let last: u32 = ip.strip_prefix(base).and_then(|s| s.parse().ok()).unwrap_or(0);
    ensure!(
        (128..=253).contains(&last)
            && ep["Gateway"] == gateway.as_str()
            && ep["IPPrefixLen"] == 24
            && ep["NetworkID"] == id.as_str(),
        "the container's endpoint on the network (NetworkSettings.Networks.<name>)",
        format!("IPAddress in {range}, Gateway {gateway}, IPPrefixLen 24, NetworkID {id}"),
        ep.to_string()
    );
    Ok(())
}

pub(crate) async fn run_duplicate(ctx: Ctx) -> CheckResult {
    let check = ctx.variant() == Some("check-duplicate");
    let first = create_network(&ctx, "dup", json!({}), Ipam::Auto).await?;
    let body = json!({ "Name": first.name, "CheckDuplicate": check, "Labels": ctx.labels() });
    let r = send(&ctx, Request::post("/networks/create").json(&body)).await?;
    let reply: Value = r.json().unwrap_or(Value::Null);
    if let Some(id) = reply["Id"].as_str() {
        ctx.defer(Cleanup::Network(id.to_string()));
    }
    if check {
        ctx.expect_status_ref(
            &r,
            409,
            "create of a second network of the same name with CheckDuplicate true",
            "NetworkCreate, CheckDuplicate: \"Check for networks with duplicate names\" (a name conflict; v1.41 lists no 409 but the ErrorResponse)",
        )?;
        ensure!(
            !r.message().is_empty(),
            "the message of the 409",
            "a message naming the name in use",
            String::from_utf8_lossy(&r.body)
        );
    } else {
        ctx.expect_status_ref(
            &r,
            201,
            "create of a second network of the same name with CheckDuplicate false",
            "NetworkCreate: 201 No error (CheckDuplicate is a best-effort check, off here)",
        )?;
        ensure!(
            reply["Warning"].as_str().is_some_and(|w| !w.is_empty()) && reply["Id"] != first.id.as_str(),
            "the NetworkCreate reply for a duplicate name without CheckDuplicate",
            "a new Id and a Warning about the existing network",
            reply.to_string()
        );
    }
    let r = send(
        &ctx,
        Request::get("/networks").query("filters", json!({ "name": [first.name] }).to_string()),
    )
    .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "GET /networks?filters={\"name\":[...]}",
        "NetworkList: 200 No error",
    )?;
    let list: Value = r.json()?;
    let n = list
        .as_array()
        .map_or(0, |a| a.iter().filter(|x| x["Name"] == first.name.as_str()).count());
    let want = if check { 1 } else { 2 };
    ensure!(
        n == want,
        "networks of that name afterwards",
        want.to_string(),
        n.to_string()
    );
    Ok(())
}

pub(crate) async fn run_predefined(ctx: Ctx) -> CheckResult {
    let name = ctx.variant().unwrap_or("bridge");
    let body = json!({ "Name": name, "Labels": ctx.labels() });
    let r = send(&ctx, Request::post("/networks/create").json(&body)).await?;
    if let Ok(v) = r.json::<Value>() {
        if let Some(id) = v["Id"].as_str() {
            ctx.defer(Cleanup::Network(id.to_string()));
        }
    }
    ctx.expect_status_ref(
        &r,
        403,
        &format!("create of a network named {name:?}"),
        "NetworkCreate: 403 operation not supported for pre-defined networks",
    )
}
