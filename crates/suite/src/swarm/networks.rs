//! `swarm/networks/*`: overlay networks between tasks: service discovery by
//! name (the virtual IP) and by `tasks.<name>` (DNS round robin), connections
//! through both, and a port published on the ingress routing mesh.
//!
//! Virtual IPs and the routing mesh are built on IPVS; on a local cluster
//! whose kernel has none, the checks that need them are skipped with that
//! reason (DNS round robin needs no IPVS).

use std::collections::BTreeSet;

use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{
    create_overlay, create_service, gate, get_json, need_ipvs, nodes, run_once, service_spec, short_name, wait_running,
};

/// The tags every check of the file has.
pub(crate) const TAGS: &[&str] = &["swarm", "networks"];

const PORT: u16 = 8080;

/// A service of `replicas` probe servers on `network`; returns its id and name.
async fn servers(
    ctx: &Ctx,
    image: &str,
    network: &str,
    replicas: usize,
    vip: bool,
) -> Result<(String, String), CheckError> {
    let name = short_name(ctx, "srv");
    let port = format!("serve-tcp={PORT}");
    let mut spec = service_spec(ctx, &name, image, &[&port, "idle"], replicas as u64);
    spec["TaskTemplate"]["Networks"] = json!([{ "Target": network }]);
    spec["EndpointSpec"] = json!({ "Mode": if vip { "vip" } else { "dnsrr" } });
    let id = create_service(ctx, &spec).await?;
    Ok((id, name))
}

/// The addresses (without prefix length) of running tasks on `network_id`.
fn task_addresses(tasks: &[Value], network_id: &str) -> BTreeSet<String> {
    tasks
        .iter()
        .flat_map(|t| t["NetworksAttachments"].as_array().cloned().unwrap_or_default())
        .filter(|a| a["Network"]["ID"] == network_id)
        .flat_map(|a| a["Addresses"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(|s| s.split('/').next().unwrap_or(s).to_string()))
        .collect()
}

/// The addresses after `probe: resolved NAME`, from a probe's stdout.
fn resolved(out: &str, name: &str) -> Option<BTreeSet<String>> {
    let prefix = format!("probe: resolved {name} ");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|rest| rest.split_whitespace().map(String::from).collect())
}

/// The probe image, then a two-replica server service in vip mode on its own
/// overlay network, running: the network's id and name, the service's id and
/// name, and its running tasks.
async fn two_servers(ctx: &Ctx) -> Result<(String, String, String, String, String, Vec<Value>), CheckError> {
    let image = ctx.probe().await?;
    let (net_id, net) = create_overlay(ctx, "net", false).await?;
    let (id, name) = servers(ctx, &image, &net, 2, true).await?;
    let (run, _) = wait_running(ctx, &id, 2).await?;
    Ok((image, net_id, net, id, name, run))
}

pub(crate) async fn run_dns(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let (image, net_id, net, id, name, run) = two_servers(&ctx).await?;
    let want = task_addresses(&run, &net_id);
    ensure!(
        want.len() == 2,
        "addresses of the 2 tasks on the overlay network",
        "2 addresses",
        format!("{want:?}")
    );
    let svc = get_json(
        &ctx,
        ctx.engine(),
        &format!("/services/{id}"),
        "inspect the service",
        "ServiceInspect: 200 no error",
    )
    .await?;
    let vip = svc["Endpoint"]["VirtualIPs"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["NetworkID"] == net_id.as_str())
        .and_then(|v| v["Addr"].as_str())
        .map(|a| a.split('/').next().unwrap_or(a).to_string());
    let Some(vip) = vip else {
        return Err(CheckError::failed(
            "Endpoint.VirtualIPs of a vip-mode service on an overlay network",
            format!("an address on network {net_id}"),
            svc["Endpoint"].to_string(),
        ));
    };

    let rr = format!("tasks.{name}");
    let steps = [
        format!("resolve={rr}"),
        format!("resolve={name}"),
        format!("connect={rr}:{PORT}"),
    ];
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let (state, out, err) = run_once(&ctx, "client", &image, &steps, Some(&net)).await?;
    ensure!(
        state == "complete",
        "the client task (resolve and connect)",
        "state complete (exit 0)",
        format!("state {state}; stdout {out:?}; stderr {err:?}")
    );
    ensure!(
        resolved(&out, &rr).as_ref() == Some(&want),
        format!("{rr} as the client resolved it"),
        format!("the task addresses {want:?}"),
        format!("{out:?}")
    );
    let one: BTreeSet<String> = [vip.clone()].into();
    ensure!(
        resolved(&out, &name).as_ref() == Some(&one),
        format!("{name} as the client resolved it"),
        format!("the service's virtual IP {vip}"),
        format!("{out:?}")
    );
    ensure!(
        out.contains(&format!("probe: connected {rr}:{PORT}")),
        format!("a connection to {rr}:{PORT}"),
        "connected",
        format!("{out:?}")
    );
    Ok(())
}

pub(crate) async fn run_vip(ctx: Ctx) -> CheckResult {
    need_ipvs(&ctx, "a connection through a service's virtual IP")?;
    gate(&ctx, false).await;
    let (image, _, net, _, name, _) = two_servers(&ctx).await?;
    let step = format!("connect={name}:{PORT}");
    let (state, out, err) = run_once(&ctx, "client", &image, &[&step], Some(&net)).await?;
    ensure!(
        state == "complete" && out.contains(&format!("probe: connected {name}:{PORT}")),
        format!("a connection to {name}:{PORT} (the virtual IP)"),
        "connected, task state complete",
        format!("state {state}; stdout {out:?}; stderr {err:?}")
    );
    Ok(())
}

pub(crate) async fn run_ingress(ctx: Ctx) -> CheckResult {
    need_ipvs(&ctx, "the ingress routing mesh")?;
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let name = short_name(&ctx, "srv");
    let port = format!("serve-tcp={PORT}");
    let mut spec = service_spec(&ctx, &name, &image, &[&port, "idle"], 1);
    spec["EndpointSpec"] = json!({ "Ports": [{ "Protocol": "tcp", "TargetPort": PORT, "PublishMode": "ingress" }] });
    let id = create_service(&ctx, &spec).await?;
    wait_running(&ctx, &id, 1).await?;
    let svc = get_json(
        &ctx,
        ctx.engine(),
        &format!("/services/{id}"),
        "inspect the service",
        "ServiceInspect: 200 no error",
    )
    .await?;
    let published = svc["Endpoint"]["Ports"][0]["PublishedPort"].as_u64().unwrap_or(0);
    ensure!(
        published > 0,
        "Endpoint.Ports of a service publishing a port with no PublishedPort",
        "a port the engine assigned",
        svc["Endpoint"].to_string()
    );
    // Every node's address; the client (another one-shot task, on no overlay)
    // connects to each through the node's network.
    let all = nodes(ctx.engine()).await?;
    let addrs: Vec<String> = all
        .iter()
        .filter(|n| n["Status"]["State"] == "ready")
        .filter_map(|n| n["Status"]["Addr"].as_str().map(String::from))
        .collect();
    let steps: Vec<String> = addrs.iter().map(|a| format!("connect={a}:{published}")).collect();
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let (state, out, err) = run_once(&ctx, "client", &image, &steps, None).await?;
    for a in &addrs {
        ensure!(
            out.contains(&format!("probe: connected {a}:{published}")),
            format!("a connection to the published port on node address {a}"),
            "connected",
            format!("state {state}; stdout {out:?}; stderr {err:?}")
        );
    }
    Ok(())
}
