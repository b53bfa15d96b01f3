//! `containers/restart/*`, `containers/stop/*`, `containers/update/*` and
//! `containers/rename/*`: a container's life after create, and changing it.

use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::common::{
    create_with, inspect, list_ids, poll_inspect, poll_inspect_seen, start, start_probe, time_key, unknown_variant,
    variant, wait_exit, wait_for_line,
};
use crate::support::logs;

pub(crate) async fn run_manual(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let e = ctx.engine().clone();
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    wait_for_line(&ctx, &id, "ready", 1).await?;
    let before = inspect(&ctx, &id).await?;
    // Both ways the first run ends on SIGTERM (the stop's or the restart's).
    let want_out = ["ready", "probe: received SIGTERM", "ready"];
    match v {
        "running" => {}
        "stopped" => {
            let r = e.container_stop(&id, Some(10)).await?;
            ctx.expect_status_ref(&r, 204, "stop of the running probe", "ContainerStop: 204 no error")?;
            let s = inspect(&ctx, &id).await?;
            ensure!(
                s["State"]["Status"] == "exited" && s["State"]["Running"] == false,
                "State after stop",
                "Status exited, Running false",
                s["State"].to_string()
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    let r = e
        .send(
            Request::post(format!("/containers/{id}/restart"))
                .query("t", "10")
                .allowance(Duration::from_secs(10)),
        )
        .await?;
    ctx.expect_status_ref(
        &r,
        204,
        &format!("restart of the {v} container with t=10"),
        "ContainerRestart: 204 no error",
    )?;
    ensure!(
        r.elapsed < Duration::from_secs(5),
        "time the restart took (the probe exits on SIGTERM at once)",
        "well under the 10 s grace period",
        format!("{:.1}s", r.elapsed.as_secs_f64())
    );
    let after = inspect(&ctx, &id).await?;
    let (s0, s1) = (&before["State"], &after["State"]);
    ensure!(
        s1["Status"] == "running" && s1["Running"] == true,
        "State after restart",
        "Status running, Running true",
        s1.to_string()
    );
    ensure!(
        time_key(&s1["StartedAt"]).is_some() && time_key(&s1["StartedAt"]) > time_key(&s0["StartedAt"]),
        "State.StartedAt after restart",
        format!("later than before, {}", s0["StartedAt"]),
        s1["StartedAt"].to_string()
    );
    ensure!(
        s1["Pid"].as_i64().is_some_and(|p| p > 0) && s1["Pid"] != s0["Pid"],
        "State.Pid after restart (a new process)",
        format!("a pid other than {}", s0["Pid"]),
        s1["Pid"].to_string()
    );
    let l = wait_for_line(&ctx, &id, "ready", 2).await?;
    ensure!(
        l.stdout == want_out,
        "stdout over both runs (the restart stops with SIGTERM, then starts)",
        format!("{want_out:?}"),
        format!("{:?}", l.stdout)
    );
    Ok(())
}

pub(crate) async fn run_stop_signal(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    // The probe only reports SIGUSR1, so the stop has to end in SIGKILL.
    let extra = match v {
        "query-t" => json!({ "StopSignal": "SIGUSR1" }),
        "stop-timeout" => json!({ "StopSignal": "SIGUSR1", "StopTimeout": 1 }),
        other => return Err(unknown_variant(&ctx, other)),
    };
    let id = create_with(&ctx, "c", &["stdout=ready", "idle"], extra).await?;
    start(&ctx, &id).await?;
    wait_for_line(&ctx, &id, "ready", 1).await?;
    let t = if v == "query-t" { Some(1) } else { None };
    let r = ctx.engine().container_stop(&id, t).await?;
    ctx.expect_status_ref(
        &r,
        204,
        &format!("stop ({v}: a 1 s grace period)"),
        "ContainerStop: 204 no error",
    )?;
    ensure!(
        r.elapsed >= Duration::from_millis(900) && r.elapsed < Duration::from_secs(8),
        "time the stop took (a 1 s grace period, then SIGKILL)",
        "about 1 s",
        format!("{:.2}s", r.elapsed.as_secs_f64())
    );
    let s = inspect(&ctx, &id).await?;
    ensure_seen!(
        s["Config"]["StopSignal"] == "SIGUSR1",
        Observed::field_value(
            "GET",
            &format!("/containers/{id}/json"),
            "/Config/StopSignal",
            s["Config"]["StopSignal"].clone()
        ),
        "Config.StopSignal",
        "\"SIGUSR1\"",
        s["Config"]["StopSignal"].to_string()
    );
    ensure!(
        s["State"]["ExitCode"] == 137 && s["State"]["Running"] == false,
        "State after the stop (SIGKILL after the grace period)",
        "ExitCode 137, Running false",
        s["State"].to_string()
    );
    let l = logs(&ctx, &id).await?;
    ensure!(
        l.stdout == ["ready", "probe: received SIGUSR1"],
        "stdout after the stop (the stop signal, and no SIGTERM)",
        "[\"ready\", \"probe: received SIGUSR1\"]",
        format!("{:?}", l.stdout)
    );
    Ok(())
}

pub(crate) async fn run_policy(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let (policy, code) = match v {
        "on-failure" => (json!({ "Name": "on-failure", "MaximumRetryCount": 2 }), 1),
        "on-failure-success" => (json!({ "Name": "on-failure", "MaximumRetryCount": 2 }), 0),
        "always-then-stop" => (json!({ "Name": "always" }), 0),
        other => return Err(unknown_variant(&ctx, other)),
    };
    let step = format!("exit={code}");
    let extra = json!({ "HostConfig": { "RestartPolicy": policy } });
    let id = create_with(&ctx, "c", &["stdout=run", &step], extra).await?;
    start(&ctx, &id).await?;
    if v == "always-then-stop" {
        return always_then_stop(&ctx, &id).await;
    }
    let runs = if code == 0 { 1 } else { 3 };
    // While the policy restarts it, the status is "restarting" or "running";
    // "exited" only once the engine gives up.
    let s = poll_inspect(&ctx, &id, "the container's final stop", "Status exited", |s| {
        s["State"]["Status"] == "exited"
    })
    .await?;
    ensure!(
        s["RestartCount"] == runs - 1 && s["State"]["ExitCode"] == code && s["State"]["Restarting"] == false,
        format!("RestartCount and State once exited (on-failure:2, the probe exits {code})"),
        format!("RestartCount {}, ExitCode {code}, Restarting false", runs - 1),
        format!("RestartCount {}, State {}", s["RestartCount"], s["State"])
    );
    ensure!(
        s["HostConfig"]["RestartPolicy"] == policy,
        "HostConfig.RestartPolicy",
        policy.to_string(),
        s["HostConfig"]["RestartPolicy"].to_string()
    );
    let l = logs(&ctx, &id).await?;
    ensure!(
        l.stdout.iter().filter(|s| *s == "run").count() == runs as usize,
        "runs of the probe in the logs",
        format!("{runs} \"run\" lines"),
        format!("{:?}", l.stdout)
    );
    let again = inspect(&ctx, &id).await?;
    ensure!(
        again["State"]["Status"] == "exited" && again["RestartCount"] == s["RestartCount"],
        "the container after its final stop (it stays exited)",
        format!("Status exited, RestartCount {}", s["RestartCount"]),
        format!("State {}, RestartCount {}", again["State"], again["RestartCount"])
    );
    Ok(())
}

/// Under "always" the probe, which exits 0 at once, is restarted until a stop.
async fn always_then_stop(ctx: &Ctx, id: &str) -> CheckResult {
    poll_inspect(
        ctx,
        id,
        "a restart under the always policy",
        "RestartCount at least 1",
        |s| s["RestartCount"].as_i64().is_some_and(|n| n >= 1),
    )
    .await?;
    let r = ctx.engine().container_stop(id, Some(5)).await?;
    ensure!(
        r.status.as_u16() == 204 || r.status.as_u16() == 304,
        "stop of the container the policy keeps restarting",
        "204 (ContainerStop: 204 no error), or 304 between two runs",
        format!("status {} {:?}", r.status.as_u16(), r.message())
    );
    let s = poll_inspect_seen(
        ctx,
        id,
        "the stop of an always container",
        "Status exited",
        Some("/State/Status"),
        |s| s["State"]["Status"] == "exited",
    )
    .await?;
    let count = s["RestartCount"].clone();
    let code = wait_exit(ctx, id).await?;
    ensure!(code == 0, "exit code after the stop", "0", code.to_string());
    let again = inspect(ctx, id).await?;
    ensure!(
        again["State"]["Status"] == "exited" && again["RestartCount"] == count,
        "the stopped container (a stop ends the always policy's restarts)",
        format!("Status exited, RestartCount {count}"),
        format!("State {}, RestartCount {}", again["State"], again["RestartCount"])
    );
    Ok(())
}

pub(crate) async fn run_update(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let body = match v {
        "restart-policy" => json!({ "RestartPolicy": { "Name": "on-failure", "MaximumRetryCount": 4 } }),
        "memory" => json!({ "Memory": 67_108_864, "MemorySwap": 134_217_728 }),
        "cpu-shares" => json!({ "CpuShares": 512 }),
        other => return Err(unknown_variant(&ctx, other)),
    };
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    let r = ctx
        .engine()
        .send(Request::post(format!("/containers/{id}/update")).json(&body))
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("update with {body}"),
        "ContainerUpdate: 200 the container has been updated",
    )?;
    let reply: Value = r.json()?;
    ensure!(
        reply["Warnings"].is_array() || reply["Warnings"].is_null(),
        "Warnings of the update reply (an array; not required, so it may be null)",
        "an array or null",
        reply.to_string()
    );
    let s = inspect(&ctx, &id).await?;
    let hc = &s["HostConfig"];
    match v {
        "restart-policy" => ensure!(
            hc["RestartPolicy"] == body["RestartPolicy"],
            "HostConfig.RestartPolicy after update",
            body["RestartPolicy"].to_string(),
            hc["RestartPolicy"].to_string()
        ),
        "memory" => {
            ensure!(
                hc["Memory"] == body["Memory"] && hc["MemorySwap"] == body["MemorySwap"],
                "HostConfig.Memory and MemorySwap after update",
                "67108864 and 134217728",
                format!("{} and {}", hc["Memory"], hc["MemorySwap"])
            );
            // The limit is in force, not just recorded.
            let r = ctx
                .engine()
                .send(
                    Request::get(format!("/containers/{id}/stats"))
                        .query("stream", "false")
                        .query("one-shot", "true"),
                )
                .await?;
            ctx.expect_status_ref(&r, 200, "stats after the memory update", "ContainerStats: 200 no error")?;
            let st: Value = r.json()?;
            ensure!(
                st["memory_stats"]["limit"] == body["Memory"],
                "memory_stats.limit after the memory update",
                "67108864",
                st["memory_stats"].to_string()
            );
        }
        _ => ensure!(
            hc["CpuShares"] == 512,
            "HostConfig.CpuShares after update",
            "512",
            hc["CpuShares"].to_string()
        ),
    }
    ensure!(
        s["State"]["Running"] == true,
        "State.Running after update (no restart needed)",
        "true",
        s["State"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_rename(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let e = ctx.engine().clone();
    let a = start_probe(&ctx, "a", &["idle"]).await?;
    let rename = |to: String| {
        let e = e.clone();
        let a = a.clone();
        async move {
            e.send(Request::post(format!("/containers/{a}/rename")).query("name", to))
                .await
        }
    };
    match v {
        "new-name" => {
            let new = ctx.name("renamed");
            let r = rename(new.clone()).await?;
            ctx.expect_status_ref(&r, 204, "rename to a free name", "ContainerRename: 204 no error")?;
            let s = inspect(&ctx, &new).await?;
            ensure!(
                s["Id"] == a.as_str() && s["Name"] == format!("/{new}"),
                "inspect by the new name",
                format!("Id {a}, Name \"/{new}\""),
                format!("Id {}, Name {}", s["Id"], s["Name"])
            );
            let r = e.container_inspect(&ctx.name("a")).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "inspect by the old name",
                "ContainerInspect: 404 no such container",
            )?;
            let ids = list_ids(&ctx, json!({ "name": [new] })).await?;
            ensure!(
                ids == [a.clone()],
                "list with the new name as filter",
                format!("[{a:?}]"),
                format!("{ids:?}")
            );
        }
        "name-taken" => {
            let b = create_with(&ctx, "b", &["idle"], json!({})).await?;
            let r = rename(ctx.name("b")).await?;
            ctx.expect_status_ref(
                &r,
                409,
                "rename to the name of another container",
                "ContainerRename: 409 name already in use",
            )?;
            let s = inspect(&ctx, &a).await?;
            ensure!(
                s["Name"] == format!("/{}", ctx.name("a")),
                "the name after the refused rename",
                format!("unchanged, \"/{}\"", ctx.name("a")),
                s["Name"].to_string()
            );
            let s = inspect(&ctx, &ctx.name("b")).await?;
            ensure!(
                s["Id"] == b.as_str(),
                "the container named b",
                b.clone(),
                s["Id"].to_string()
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}
