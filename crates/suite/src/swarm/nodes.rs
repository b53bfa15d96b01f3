//! `swarm/nodes/*`: listing and inspecting nodes, updating their labels and
//! availability, and draining one.

use std::future::Future;

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{
    converge, create_service, describe_tasks, gate, get_json, need_schedulable, nodes, running, schedulable,
    service_spec, short_name, tasks, wait_running, CONVERGE,
};

/// The tags every check of the file has.
pub(crate) const TAGS: &[&str] = &["swarm", "nodes"];

pub(crate) async fn run_list(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let e = ctx.engine().clone();
    let list = get_json(&ctx, &e, "/nodes", "list nodes", "NodeList: 200 no error").await?;
    let list = list.as_array().cloned().unwrap_or_default();
    ensure!(
        !list.is_empty(),
        "the node list of a swarm manager",
        "at least this node",
        "[]"
    );
    for n in &list {
        ensure!(
            n["ID"].as_str().is_some_and(|s| !s.is_empty())
                && n["Description"]["Hostname"].is_string()
                && n["Status"]["State"].is_string()
                && matches!(n["Spec"]["Role"].as_str(), Some("manager" | "worker"))
                && n["Spec"]["Availability"].is_string(),
            "a listed node",
            "ID, Description.Hostname, Status.State, Spec.Role and Spec.Availability",
            n.to_string()
        );
        ensure!(
            (n["Spec"]["Role"] == "manager") == n["ManagerStatus"].is_object(),
            "ManagerStatus of a listed node",
            "present exactly on managers",
            n.to_string()
        );
    }
    let leaders = list.iter().filter(|n| n["ManagerStatus"]["Leader"] == true).count();
    ensure!(
        leaders == 1,
        "nodes with ManagerStatus.Leader",
        "exactly one",
        leaders.to_string()
    );

    if let Some(c) = ctx.cluster() {
        for cn in c.nodes() {
            let Some(n) = list
                .iter()
                .find(|n| n["Description"]["Hostname"] == cn.hostname.as_str())
            else {
                return Err(CheckError::failed(
                    format!("node {} of cluster {}", cn.hostname, c.name()),
                    "listed",
                    super::support::describe_tasks(&[], &list) + " (hostnames: see transcript)",
                ));
            };
            ensure!(
                (n["Spec"]["Role"] == "manager") == cn.manager && n["Status"]["Addr"] == cn.address.as_str(),
                format!("role and address of node {}", cn.hostname),
                format!("{} at {}", if cn.manager { "manager" } else { "worker" }, cn.address),
                format!("{} at {}", n["Spec"]["Role"], n["Status"]["Addr"])
            );
        }
        ensure!(
            list.len() == c.nodes().len(),
            "the number of nodes",
            c.nodes().len().to_string(),
            list.len().to_string()
        );
    }

    let filter = json!({ "role": ["manager"] }).to_string();
    let r = e.send(Request::get("/nodes").query("filters", filter)).await?;
    ctx.expect_status_ref(&r, 200, "list nodes with role=manager", "NodeList: 200 no error")?;
    let managers: Vec<Value> = r.json()?;
    let expected = list.iter().filter(|n| n["Spec"]["Role"] == "manager").count();
    ensure!(
        managers.len() == expected && managers.iter().all(|n| n["Spec"]["Role"] == "manager"),
        "nodes listed with filter role=manager",
        format!("the {expected} managers"),
        format!("{} nodes", managers.len())
    );

    let first = &list[0];
    let id = first["ID"].as_str().unwrap_or_default();
    let by_id = get_json(
        &ctx,
        &e,
        &format!("/nodes/{id}"),
        "inspect a node by ID",
        "NodeInspect: 200 no error",
    )
    .await?;
    ensure!(
        by_id["ID"] == id,
        "the inspected node's ID",
        id,
        by_id["ID"].to_string()
    );
    let host = first["Description"]["Hostname"].as_str().unwrap_or_default();
    let by_name = get_json(
        &ctx,
        &e,
        &format!("/nodes/{host}"),
        "inspect a node by host name",
        "NodeInspect: 200 no error",
    )
    .await?;
    ensure!(
        by_name["ID"] == id,
        "the node inspected by its name",
        id,
        by_name["ID"].to_string()
    );
    let r = e.send(Request::get("/nodes/dockhand-no-such-node")).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect a node that does not exist",
        "NodeInspect: 404 no such node",
    )?;
    Ok(())
}

/// Runs `body`, then restores `node`'s spec to `spec` (at its then current version), whatever happened.
async fn restoring<F>(ctx: &Ctx, node: &str, spec: &Value, body: F) -> CheckResult
where
    F: Future<Output = CheckResult>,
{
    let result = body.await;
    let restored = async {
        let now = get_json(
            ctx,
            ctx.engine(),
            &format!("/nodes/{node}"),
            "inspect the node to restore it",
            "NodeInspect: 200 no error",
        )
        .await?;
        let r = ctx
            .engine()
            .send(
                Request::post(format!("/nodes/{node}/update"))
                    .query("version", now["Version"]["Index"].as_u64().unwrap_or(0))
                    .json(spec),
            )
            .await?;
        ctx.expect_status_ref(&r, 200, "restore the node's spec", "NodeUpdate: 200 no error")
    }
    .await;
    result.and(restored)
}

async fn update_node(ctx: &Ctx, node: &str, spec: &Value, what: &str) -> Result<u64, CheckError> {
    let now = get_json(
        ctx,
        ctx.engine(),
        &format!("/nodes/{node}"),
        "inspect the node",
        "NodeInspect: 200 no error",
    )
    .await?;
    let version = now["Version"]["Index"].as_u64().unwrap_or(0);
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/nodes/{node}/update"))
                .query("version", version)
                .json(spec),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, what, "NodeUpdate: 200 no error")?;
    Ok(version)
}

pub(crate) async fn run_update(ctx: Ctx) -> CheckResult {
    // Pausing a node changes where every other check's tasks may go.
    gate(&ctx, true).await;
    let e = ctx.engine().clone();
    let list = nodes(&e).await?;
    // The last node: a worker, when there is one.
    let node = list
        .iter()
        .rev()
        .find(|n| n["Spec"]["Role"] == "worker")
        .or(list.last())
        .cloned()
        .unwrap_or_default();
    let id = node["ID"].as_str().unwrap_or_default().to_string();
    let original = node["Spec"].clone();
    let mut spec = original.clone();
    spec["Labels"]["dockhand.check-label"] = json!(ctx.case_label());
    spec["Availability"] = json!("pause");
    restoring(&ctx, &id, &original, async {
        let stale = update_node(&ctx, &id, &spec, "set a label and availability pause").await?;
        let v = get_json(
            &ctx,
            &e,
            &format!("/nodes/{id}"),
            "inspect the updated node",
            "NodeInspect: 200 no error",
        )
        .await?;
        ensure!(
            v["Spec"]["Availability"] == "pause"
                && v["Spec"]["Labels"]["dockhand.check-label"] == ctx.case_label().as_str(),
            "Spec of the updated node",
            "Availability pause and the new label",
            v["Spec"].to_string()
        );
        let r = e
            .send(
                Request::post(format!("/nodes/{id}/update"))
                    .query("version", stale)
                    .json(&original),
            )
            .await?;
        // As for the swarm's own spec: no status is named for a stale
        // version; of NodeUpdate's (200, 400, 404, 500, 503) it is the 500
        // (Docker 20.10: 500 "rpc error: code = Unknown desc = update out of
        // sequence", swarmkit refusing the write).
        ctx.expect_status_ref(
            &r,
            500,
            &format!("a node update at the stale version {stale}"),
            "NodeUpdate: version \"The version number of the node object being updated. This is required to avoid conflicting writes.\"; 500 server error",
        )?;
        let r = e
            .send(
                Request::post("/nodes/dockhand-no-such-node/update")
                    .query("version", 1)
                    .json(&original),
            )
            .await?;
        ctx.expect_status_ref(
            &r,
            404,
            "update a node that does not exist",
            "NodeUpdate: 404 no such node",
        )
    })
    .await?;
    let v = get_json(
        &ctx,
        &e,
        &format!("/nodes/{id}"),
        "inspect the restored node",
        "NodeInspect: 200 no error",
    )
    .await?;
    ensure!(
        v["Spec"] == original,
        "Spec of the node after restoring it",
        original.to_string(),
        v["Spec"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_drain(ctx: Ctx) -> CheckResult {
    gate(&ctx, true).await;
    let all = need_schedulable(&ctx, 2).await?;
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let n = schedulable(&all).len();
    let id = create_service(
        &ctx,
        &service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], n as u64),
    )
    .await?;
    let (run, _) = wait_running(&ctx, &id, n).await?;
    // A node with a task; not the run's engine's node when another has one.
    let own = get_json(&ctx, &e, "/info", "system info", "SystemInfo: 200 no error").await?;
    let own_id = own["Swarm"]["NodeID"].as_str().unwrap_or_default();
    let victim = run
        .iter()
        .filter_map(|t| t["NodeID"].as_str())
        .find(|n| *n != own_id)
        .or_else(|| run.first().and_then(|t| t["NodeID"].as_str()))
        .unwrap_or_default()
        .to_string();
    let original = all
        .iter()
        .find(|x| x["ID"] == victim.as_str())
        .map(|x| x["Spec"].clone())
        .unwrap_or_default();
    let mut drained = original.clone();
    drained["Availability"] = json!("drain");
    restoring(&ctx, &victim, &original, async {
        update_node(&ctx, &victim, &drained, "drain a node").await?;
        converge(
            &format!("tasks of service {id} after draining node {victim}"),
            &format!("{n} running tasks, none on the drained node"),
            CONVERGE,
            || async {
                let ts = tasks(&e, &id).await?;
                let run = running(&ts);
                let live = ts.iter().filter(|t| t["DesiredState"] == "running").count();
                let on_victim = run.iter().filter(|t| t["NodeID"] == victim.as_str()).count();
                if run.len() == n && live == n && on_victim == 0 {
                    Ok(Ok(()))
                } else {
                    Ok(Err(describe_tasks(&ts, &nodes(&e).await?)))
                }
            },
        )
        .await
    })
    .await
}
