//! `containers/list/*`, `containers/inspect/*` and `containers/errors/*`:
//! listing with filters (scoped to the case's own label), the fields of an
//! inspected container, and the 404 of every container endpoint for a
//! container that does not exist.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::common::{
    case_filter, create_with, inspect, is_set_time, list_ids, start, start_probe, unknown_variant, variant, wait_exit,
};
use crate::support::{ids_fact, is_full_id};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Lists with `filters` and expects exactly `want`; a failure's fact is the
/// listed ids as the `roles` of the check's containers (run-independent).
async fn expect_ids(ctx: &Ctx, filters: Value, want: &[&str], roles: &[(&str, &str)]) -> CheckResult {
    let got = sorted(list_ids(ctx, filters.clone()).await?);
    let want = sorted(want.iter().map(|s| s.to_string()).collect());
    ensure_seen!(
        got == want,
        ids_fact("GET", "/containers/json", "/*/Id", &got, roles),
        format!("list with all=1 and filters {filters} (and the case's label)"),
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}

pub(crate) async fn run_list(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    // Three containers, created in this order: a running, b exited with 3, c never started.
    let role = |r: &str| json!({ "Labels": ctx.labels_with(&[("dh.role", r)]) });
    let a = create_with(&ctx, "a", &["idle"], role("a")).await?;
    start(&ctx, &a).await?;
    let b = create_with(&ctx, "b", &["exit=3"], role("b")).await?;
    start(&ctx, &b).await?;
    let code = wait_exit(&ctx, &b).await?;
    ensure!(code == 3, "exit code of container b", "3", code.to_string());
    let c = create_with(&ctx, "c", &["idle"], role("c")).await?;
    for part in v.split("-and-") {
        filter_part(&ctx, part, &a, &b, &c).await?;
    }
    Ok(())
}

/// Asserts one filter (or the list without `all`) over the three containers:
/// `a` running, `b` exited with 3, `c` never started, created in that order.
async fn filter_part(ctx: &Ctx, part: &str, a: &str, b: &str, c: &str) -> CheckResult {
    let roles = [("a", a), ("b", b), ("c", c)];
    match part {
        "label" => {
            expect_ids(ctx, json!({ "label": ["dh.role=b"] }), &[b], &roles).await?;
            expect_ids(ctx, json!({ "label": ["dh.role"] }), &[a, b, c], &roles).await?;
            expect_ids(ctx, json!({ "label": ["dh.role=none"] }), &[], &roles).await?;
        }
        "name" => {
            expect_ids(ctx, json!({ "name": [ctx.name("a")] }), &[a], &roles).await?;
            expect_ids(ctx, json!({ "name": [ctx.name("c")] }), &[c], &roles).await?;
            // The summary of a, as the reference's ContainerSummary describes it.
            let r = ctx
                .engine()
                .send(
                    Request::get("/containers/json")
                        .query("filters", json!({ "id": [a], "label": [case_filter(ctx)] }).to_string()),
                )
                .await?;
            ctx.expect_status_ref(&r, 200, "list filtered by id", "ContainerList: 200 no error")?;
            let items: Vec<Value> = r.json()?;
            let Some(s) = items.first() else {
                return Err(CheckError::failed("list filtered by a's id", "one summary", "none"));
            };
            let name = format!("/{}", ctx.name("a"));
            ensure!(
                s["Names"] == json!([name]),
                "Names of the summary",
                format!("[{name:?}]"),
                s["Names"].to_string()
            );
            let image = ctx.probe().await?;
            ensure_seen!(
                s["Image"] == image.as_str(),
                Observed::field_value(r.method.as_str(), &r.path, "/0/Image", s["Image"].clone()),
                "Image of the summary",
                image.clone(),
                s["Image"].to_string()
            );
            ensure!(
                s["ImageID"].as_str().is_some_and(|i| i.starts_with("sha256:")),
                "ImageID of the summary",
                "sha256:<hex>",
                s["ImageID"].to_string()
            );
            ensure!(
                s["Command"] == "/probe idle",
                "Command of the summary",
                "\"/probe idle\"",
                s["Command"].to_string()
            );
            ensure!(
                s["Created"].as_i64().is_some_and(|t| t > 1_500_000_000),
                "Created of the summary (unix seconds)",
                "a recent unix time",
                s["Created"].to_string()
            );
            ensure!(
                s["State"] == "running",
                "State of the summary",
                "\"running\"",
                s["State"].to_string()
            );
            ensure!(
                s["Status"].as_str().is_some_and(|t| t.starts_with("Up")),
                "Status of the summary",
                "\"Up ...\"",
                s["Status"].to_string()
            );
            ensure!(
                s["Labels"]["dh.role"] == "a" && s["Mounts"].is_array() && s["NetworkSettings"]["Networks"].is_object(),
                "Labels, Mounts and NetworkSettings.Networks of the summary",
                "dh.role=a, an array, an object",
                format!("{}, {}, {}", s["Labels"], s["Mounts"], s["NetworkSettings"])
            );
        }
        "id" => {
            expect_ids(ctx, json!({ "id": [b] }), &[b], &roles).await?;
            expect_ids(ctx, json!({ "id": [&c[..12]] }), &[c], &roles).await?;
        }
        "status" => {
            expect_ids(ctx, json!({ "status": ["running"] }), &[a], &roles).await?;
            expect_ids(ctx, json!({ "status": ["exited"] }), &[b], &roles).await?;
            expect_ids(ctx, json!({ "status": ["created"] }), &[c], &roles).await?;
            expect_ids(ctx, json!({ "status": ["created", "exited"] }), &[b, c], &roles).await?;
            expect_ids(ctx, json!({ "status": ["paused"] }), &[], &roles).await?;
        }
        "ancestor" => {
            let image = ctx.probe().await?;
            let ins = inspect(ctx, a).await?;
            let image_id = ins["Image"].as_str().unwrap_or_default().to_string();
            expect_ids(ctx, json!({ "ancestor": [image] }), &[a, b, c], &roles).await?;
            expect_ids(ctx, json!({ "ancestor": [image_id] }), &[a, b, c], &roles).await?;
        }
        "exited" => {
            expect_ids(ctx, json!({ "exited": ["3"] }), &[b], &roles).await?;
            expect_ids(ctx, json!({ "exited": ["0"] }), &[], &roles).await?;
        }
        "before-since" => {
            expect_ids(ctx, json!({ "before": [c] }), &[a, b], &roles).await?;
            expect_ids(ctx, json!({ "since": [a] }), &[b, c], &roles).await?;
            expect_ids(ctx, json!({ "since": [a], "before": [c] }), &[b], &roles).await?;
        }
        "running-only" => {
            // Without `all`, only running containers are listed.
            let r = ctx
                .engine()
                .send(
                    Request::get("/containers/json")
                        .query("filters", json!({ "label": [case_filter(ctx)] }).to_string()),
                )
                .await?;
            ctx.expect_status_ref(&r, 200, "list without all", "ContainerList: 200 no error")?;
            let items: Vec<Value> = r.json()?;
            let ids: Vec<&str> = items.iter().filter_map(|i| i["Id"].as_str()).collect();
            ensure!(
                ids == [a],
                "list without all (ContainerList: all: by default, only running containers are shown)",
                format!("only the running one, [{a:?}]"),
                format!("{ids:?}")
            );
            // limit: the most recently created, non-running ones included.
            let r = ctx
                .engine()
                .send(
                    Request::get("/containers/json")
                        .query("limit", "2")
                        .query("filters", json!({ "label": [case_filter(ctx)] }).to_string()),
                )
                .await?;
            ctx.expect_status_ref(&r, 200, "list with limit=2", "ContainerList: 200 no error")?;
            let items: Vec<Value> = r.json()?;
            let ids: Vec<&str> = items.iter().filter_map(|i| i["Id"].as_str()).collect();
            ensure!(
                ids == [c, b],
                "list with limit=2 (the most recently created, non-running ones included), newest first",
                format!("[{c:?}, {b:?}]"),
                format!("{ids:?}")
            );
        }
        other => return Err(unknown_variant(ctx, other)),
    }
    Ok(())
}

pub(crate) async fn run_fields(ctx: Ctx) -> CheckResult {
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    let name = ctx.name("c");
    let v = inspect(&ctx, &id).await?;
    ensure!(v["Id"] == id.as_str(), "Id", id.clone(), v["Id"].to_string());
    ensure!(
        v["Name"] == format!("/{name}"),
        "Name",
        format!("\"/{name}\""),
        v["Name"].to_string()
    );
    ensure!(
        is_set_time(&v["Created"]),
        "Created",
        "an RFC 3339 time",
        v["Created"].to_string()
    );
    ensure!(
        v["Path"] == "/probe" && v["Args"] == json!(["stdout=ready", "idle"]),
        "Path and Args",
        "\"/probe\" and [\"stdout=ready\", \"idle\"]",
        format!("{} and {}", v["Path"], v["Args"])
    );
    let s = &v["State"];
    ensure!(
        s["Status"] == "running"
            && s["Running"] == true
            && s["Paused"] == false
            && s["Restarting"] == false
            && s["OOMKilled"] == false
            && s["Dead"] == false
            && s["ExitCode"] == 0,
        "State of a running container",
        "Status running, Running true, Paused/Restarting/OOMKilled/Dead false, ExitCode 0",
        s.to_string()
    );
    ensure!(
        s["Pid"].as_i64().is_some_and(|p| p > 0),
        "State.Pid",
        "a positive pid",
        s["Pid"].to_string()
    );
    ensure!(
        is_set_time(&s["StartedAt"]),
        "State.StartedAt",
        "a set time",
        s["StartedAt"].to_string()
    );
    ensure!(
        s["FinishedAt"].as_str().is_some_and(|t| t.starts_with("0001-01-01")),
        "State.FinishedAt of a container that never stopped",
        "the zero time 0001-01-01T00:00:00Z",
        s["FinishedAt"].to_string()
    );
    let image = ctx.probe().await?;
    let img: Value = ctx.engine().image_inspect(&image).await?.ok()?.json()?;
    ensure!(
        v["Image"] == img["Id"],
        "Image (the image's id)",
        img["Id"].to_string(),
        v["Image"].to_string()
    );
    ensure_seen!(
        v["Config"]["Image"] == image.as_str(),
        Observed::field_value(
            "GET",
            &format!("/containers/{id}/json"),
            "/Config/Image",
            v["Config"]["Image"].clone()
        ),
        "Config.Image",
        image.clone(),
        v["Config"]["Image"].to_string()
    );
    ensure!(
        v["RestartCount"] == 0,
        "RestartCount",
        "0",
        v["RestartCount"].to_string()
    );
    ensure!(
        v["HostConfig"].is_object() && v["Mounts"].is_array() && v["NetworkSettings"]["Networks"].is_object(),
        "HostConfig, Mounts and NetworkSettings.Networks",
        "an object, an array, an object",
        format!("{}, {}, {}", v["HostConfig"], v["Mounts"], v["NetworkSettings"])
    );
    ensure!(
        v["Config"]["Labels"]["dockhand.case"] == ctx.case_label().as_str(),
        "Config.Labels",
        "the case's labels",
        v["Config"]["Labels"].to_string()
    );

    for alias in [name.as_str(), &id[..12]] {
        let w = inspect(&ctx, alias).await?;
        ensure!(
            w["Id"] == id.as_str(),
            format!("Id of the container inspected as {alias:?}"),
            id.clone(),
            w["Id"].to_string()
        );
    }

    let r = ctx
        .engine()
        .send(Request::get(format!("/containers/{id}/json")).query("size", "1"))
        .await?;
    ctx.expect_status_ref(&r, 200, "inspect with size=1", "ContainerInspect: 200 no error")?;
    let w: Value = r.json()?;
    let probe_len = dockhand_probe::PROBE_BINARY.len() as i64;
    ensure!(
        w["SizeRw"].as_i64().is_some_and(|n| n >= 0) && w["SizeRootFs"].as_i64().is_some_and(|n| n >= probe_len),
        "SizeRw and SizeRootFs with size=1",
        format!("integers, SizeRootFs at least the probe's {probe_len} bytes"),
        format!("{} and {}", w["SizeRw"], w["SizeRootFs"])
    );
    ensure!(is_full_id(&id), "the container id", "64 hex characters", id.clone());
    Ok(())
}

pub(crate) async fn run_not_found(ctx: Ctx) -> CheckResult {
    let missing = ctx.name("missing");
    let p = |s: &str| format!("/containers/{missing}{s}");
    let calls: Vec<(Request, &str)> = vec![
        (Request::get(p("/json")), "ContainerInspect: 404 no such container"),
        (Request::get(p("/top")), "ContainerTop: 404 no such container"),
        (
            Request::get(p("/logs")).query("stdout", "1"),
            "ContainerLogs: 404 no such container",
        ),
        (Request::get(p("/changes")), "ContainerChanges: 404 no such container"),
        (Request::get(p("/export")), "ContainerExport: 404 no such container"),
        (
            Request::get(p("/stats")).query("stream", "false"),
            "ContainerStats: 404 no such container",
        ),
        (
            Request::post(p("/resize")).query("h", "24").query("w", "80"),
            "ContainerResize: 404 no such container",
        ),
        (Request::post(p("/start")), "ContainerStart: 404 no such container"),
        (
            Request::post(p("/stop")).query("t", "1"),
            "ContainerStop: 404 no such container",
        ),
        (
            Request::post(p("/restart")).query("t", "1"),
            "ContainerRestart: 404 no such container",
        ),
        (Request::post(p("/kill")), "ContainerKill: 404 no such container"),
        (
            Request::post(p("/update")).json(&json!({ "CpuShares": 512 })),
            "ContainerUpdate: 404 no such container",
        ),
        (
            Request::post(p("/rename")).query("name", ctx.name("new")),
            "ContainerRename: 404 no such container",
        ),
        (Request::post(p("/pause")), "ContainerPause: 404 no such container"),
        (Request::post(p("/unpause")), "ContainerUnpause: 404 no such container"),
        (Request::post(p("/wait")), "ContainerWait: 404 no such container"),
        (Request::delete(p("")), "ContainerDelete: 404 no such container"),
    ];
    for (req, reference) in calls {
        let what = format!("{} {} of a container that does not exist", req.method, req.path);
        let r = ctx.engine().send(req).await?;
        ctx.expect_status_ref(&r, 404, &what, reference)?;
        ensure!(
            !r.message().is_empty(),
            format!("{what}: the error body (ErrorResponse.message)"),
            "a message",
            String::from_utf8_lossy(&r.body).to_string()
        );
    }
    Ok(())
}
