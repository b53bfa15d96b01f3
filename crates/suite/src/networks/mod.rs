//! Area `networks`: create, inspect, list, connect, disconnect, remove and
//! prune networks; name resolution, isolation and published ports.

pub(crate) mod connect;
pub(crate) mod create;
pub(crate) mod list;
pub(crate) mod reach;
pub(crate) mod remove;

use dockhand_engine::Request;
use dockhand_harness::{CheckError, Cleanup, Ctx};
use serde_json::{json, Value};

use crate::support::send;

/// A network a check created.
#[derive(Debug, Clone)]
pub(crate) struct Net {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `10.213.N.0/24` when one was asked for.
    pub(crate) subnet: Option<String>,
    /// The gateway asked for with the subnet.
    pub(crate) gateway: Option<String>,
    /// The IPRange asked for, if any.
    pub(crate) range: Option<String>,
}

/// What IPAM a network gets from [`create_network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ipam {
    /// None: the engine picks from its default pools.
    Auto,
    /// A free /24 in 10.213.0.0/16 with gateway .1.
    Subnet,
    /// The same, with IPRange .128/25 and gateway .254.
    SubnetRange,
}

/// A per-case starting point in 10.213.8.0 - 10.213.247.0, so that cases
/// rarely try the same /24 first.
fn first_octet(key: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h % 240
}

/// Creates a network named `ctx.name(suffix)` from `body` (CheckDuplicate and
/// the check's labels added unless given), expecting 201; registers its
/// removal. With a subnet, asks for a /24 in 10.213.0.0/16, moving on to the next /24 while the engine says the pool overlaps (another
/// case, or another run, holds it).
pub(crate) async fn create_network(ctx: &Ctx, suffix: &str, mut body: Value, ipam: Ipam) -> Result<Net, CheckError> {
    let subnet = ipam != Ipam::Auto;
    let name = ctx.name(suffix);
    body["Name"] = json!(name);
    if body.get("Labels").is_none() {
        body["Labels"] = ctx.labels();
    }
    if body.get("CheckDuplicate").is_none() {
        body["CheckDuplicate"] = json!(true);
    }
    let start = first_octet(&format!("{}/{suffix}", ctx.case_label()));
    let tries = if subnet { 48 } else { 1 };
    for k in 0..tries {
        let third = 8 + (start + k) % 240;
        let sn = format!("10.213.{third}.0/24");
        let (gw, range) = match ipam {
            Ipam::SubnetRange => (format!("10.213.{third}.254"), Some(format!("10.213.{third}.128/25"))),
            _ => (format!("10.213.{third}.1"), None),
        };
        if subnet {
            let mut cfg = json!({ "Subnet": sn, "Gateway": gw });
            if let Some(r) = &range {
                cfg["IPRange"] = json!(r);
            }
            body["IPAM"] = json!({ "Driver": "default", "Config": [cfg] });
        }
        let r = send(ctx, Request::post("/networks/create").json(&body)).await?;
        if subnet && r.status.as_u16() == 403 && r.message().contains("overlaps") {
            continue;
        }
        ctx.expect_status_ref(
            &r,
            201,
            &format!("create of a network with {body}"),
            "NetworkCreate: 201 No error",
        )?;
        let v: Value = r.json()?;
        let id = v["Id"].as_str().unwrap_or_default().to_string();
        if id.is_empty() {
            return Err(CheckError::failed(
                "the NetworkCreate reply",
                "an Id",
                String::from_utf8_lossy(&r.body),
            ));
        }
        ctx.defer(Cleanup::Network(id.clone()));
        return Ok(Net {
            id,
            name,
            subnet: subnet.then_some(sn),
            gateway: subnet.then_some(gw),
            range,
        });
    }
    Err(CheckError::Broken(format!(
        "every /24 tried in 10.213.0.0/16 overlaps an existing network's pool ({tries} tries); remove stale networks there (`docker network ls`)"
    )))
}

/// Disconnects `container` from `network`, expecting 200.
pub(crate) async fn disconnect(ctx: &Ctx, network: &str, container: &str) -> Result<(), CheckError> {
    let body = json!({ "Container": container });
    let r = send(
        ctx,
        Request::post(format!("/networks/{network}/disconnect")).json(&body),
    )
    .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "disconnect of the container",
        "NetworkDisconnect: 200 No error",
    )
}

/// `GET /networks/{id}`, expecting 200; the Network.
pub(crate) async fn inspect_network(ctx: &Ctx, id: &str) -> Result<Value, CheckError> {
    let r = send(ctx, Request::get(format!("/networks/{id}"))).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the network", "NetworkInspect: 200 No error")?;
    Ok(r.json()?)
}

/// The container's endpoint on network `name`, from container inspect.
pub(crate) async fn endpoint(ctx: &Ctx, container: &str, name: &str) -> Result<Value, CheckError> {
    let r = ctx.engine().container_inspect(container).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the container", "ContainerInspect: 200 no error")?;
    let v: Value = r.json()?;
    Ok(v["NetworkSettings"]["Networks"][name].clone())
}
