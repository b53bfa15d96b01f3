//! `containers/top/*`, `containers/stats/*`, `containers/changes/*` and
//! `containers/export/*`: looking at a container from the outside.

use std::io::Read;
use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx, Observed};
use serde_json::Value;

use super::common::{inspect, start_probe, time_key, unknown_variant, variant, wait_exit, wait_for_line};

pub(crate) async fn run_top(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    let e = ctx.engine().clone();
    match v {
        "running" | "ps-args" => {
            // Once the probe has printed, it runs its steps: ps sees its command line.
            wait_for_line(&ctx, &id, "ready", 1).await?;
            let mut req = Request::get(format!("/containers/{id}/top"));
            if v == "ps-args" {
                req = req.query("ps_args", "-o pid,comm");
            }
            let r = e.send(req).await?;
            ctx.expect_status_ref(&r, 200, "top of a running container", "ContainerTop: 200 no error")?;
            // A 200 whose body is no JSON (Podman 4.3 sends none) is reported
            // as its status and raw body, a fact a pin can name.
            let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
                return Err(CheckError::failed(
                    "the body of top of a running container (ContainerTop: 200, a ContainerTopResponse)",
                    "a JSON object with Titles and Processes",
                    format!(
                        "status {} with the body {:?}",
                        r.status.as_u16(),
                        String::from_utf8_lossy(&r.body)
                    ),
                )
                .with_observed(Observed::status(&r)));
            };
            let titles: Vec<&str> = body["Titles"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
                .unwrap_or_default();
            let procs = body["Processes"].as_array().cloned().unwrap_or_default();
            if v == "ps-args" {
                ensure!(
                    titles == ["PID", "COMMAND"],
                    "Titles with ps_args \"-o pid,comm\"",
                    "[\"PID\", \"COMMAND\"]",
                    body["Titles"].to_string()
                );
            }
            let (Some(pid_col), Some(cmd_col)) = (
                titles.iter().position(|t| *t == "PID"),
                titles.iter().position(|t| *t == "CMD" || *t == "COMMAND"),
            ) else {
                return Err(CheckError::failed(
                    "Titles of top (the ps column titles)",
                    "a PID and a CMD (or COMMAND) column",
                    body["Titles"].to_string(),
                ));
            };
            ensure!(
                procs.len() == 1,
                "Processes of top (the probe alone runs in the container)",
                "one process",
                body["Processes"].to_string()
            );
            let row = procs[0].as_array().cloned().unwrap_or_default();
            ensure!(
                row.len() == titles.len(),
                "the process row (one value per title)",
                format!("{} values", titles.len()),
                procs[0].to_string()
            );
            let pid = inspect(&ctx, &id).await?["State"]["Pid"].as_i64().unwrap_or(-1);
            ensure!(
                row[pid_col] == pid.to_string().as_str(),
                "the PID column of the probe's row",
                format!("State.Pid {pid}"),
                row[pid_col].to_string()
            );
            let want_cmd = if v == "ps-args" {
                "probe"
            } else {
                "/probe stdout=ready idle"
            };
            ensure!(
                row[cmd_col] == want_cmd,
                "the command column of the probe's row",
                format!("{want_cmd:?}"),
                row[cmd_col].to_string()
            );
        }
        "stopped" => {
            let r = e.container_stop(&id, Some(5)).await?;
            ctx.expect_status_ref(&r, 204, "stop of the running probe", "ContainerStop: 204 no error")?;
            let r = e.send(Request::get(format!("/containers/{id}/top"))).await?;
            // v1.41 lists 200, 404 and 500 only; the engine's conflict status,
            // as for ContainerKill's documented "409 container is not running".
            ctx.expect_status_ref(
                &r,
                409,
                "top of a stopped container",
                "ContainerTop: not documented for a stopped container; 409 as ContainerKill's \"409 container is not running\"",
            )?;
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

fn check_sample(s: &Value, id: &str, name: &str, what: &str) -> CheckResult {
    ensure!(
        s["read"].as_str().is_some_and(|t| !t.starts_with("0001-01-01")),
        format!("{what}: read"),
        "the time of the sample",
        s["read"].to_string()
    );
    ensure!(
        s["id"] == id,
        format!("{what}: id"),
        id.to_string(),
        s["id"].to_string()
    );
    ensure!(
        s["name"] == format!("/{name}"),
        format!("{what}: name"),
        format!("\"/{name}\""),
        s["name"].to_string()
    );
    ensure!(
        s["pids_stats"]["current"].as_u64().is_some_and(|n| n >= 1),
        format!("{what}: pids_stats.current"),
        "at least 1 (the probe)",
        s["pids_stats"].to_string()
    );
    ensure!(
        s["cpu_stats"]["cpu_usage"]["total_usage"]
            .as_u64()
            .is_some_and(|n| n > 0),
        format!("{what}: cpu_stats.cpu_usage.total_usage"),
        "a positive count",
        s["cpu_stats"].to_string()
    );
    ensure!(
        s["memory_stats"]["usage"].as_u64().is_some_and(|n| n > 0) && s["memory_stats"]["limit"].as_u64().is_some(),
        format!("{what}: memory_stats.usage and limit"),
        "a positive usage and a limit",
        s["memory_stats"].to_string()
    );
    ensure!(
        s["networks"].as_object().is_some_and(|n| !n.is_empty()) && s["blkio_stats"].is_object(),
        format!("{what}: networks and blkio_stats"),
        "the container's interfaces, and an object",
        format!("{} and {}", s["networks"], s["blkio_stats"])
    );
    Ok(())
}

pub(crate) async fn run_stats(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    let id = start_probe(&ctx, "c", &["stdout=ready", "idle"]).await?;
    wait_for_line(&ctx, &id, "ready", 1).await?;
    let name = ctx.name("c");
    let e = ctx.engine().clone();
    let path = format!("/containers/{id}/stats");
    match v {
        "one-shot" => {
            let r = e
                .send(Request::get(&path).query("stream", "false").query("one-shot", "true"))
                .await?;
            ctx.expect_status_ref(
                &r,
                200,
                "stats with stream=false&one-shot=true",
                "ContainerStats: 200 no error",
            )?;
            let s: Value = r.json()?;
            check_sample(&s, &id, &name, "the one-shot sample")?;
        }
        "stream" => {
            let resp = e.stream(Request::get(&path).query("stream", "true")).await?;
            ctx.expect_json_stream(&resp, 200, "stats with stream=true", "ContainerStats: 200 no error")?;
            let mut lines = resp.json_lines();
            let mut samples = Vec::new();
            while samples.len() < 2 {
                match lines.next().await? {
                    Some(s) => samples.push(s),
                    None => {
                        return Err(CheckError::failed(
                            "the stats stream of a running container",
                            "a sample about every second until the client leaves",
                            format!("the stream ended after {} sample(s)", samples.len()),
                        ))
                    }
                }
            }
            // Leave the stream: the engine must go on serving.
            drop(lines);
            for (i, s) in samples.iter().enumerate() {
                check_sample(s, &id, &name, &format!("streamed sample {}", i + 1))?;
            }
            let (a, b) = (&samples[0], &samples[1]);
            ensure!(
                time_key(&b["read"]).is_some() && time_key(&b["read"]) > time_key(&a["read"]),
                "read of the second sample",
                format!("later than the first's {}", a["read"]),
                b["read"].to_string()
            );
            ensure!(
                b["precpu_stats"]["cpu_usage"]["total_usage"] == a["cpu_stats"]["cpu_usage"]["total_usage"],
                "precpu_stats of the second sample (the reference: the CPU statistic of the previous read)",
                a["cpu_stats"]["cpu_usage"]["total_usage"].to_string(),
                b["precpu_stats"]["cpu_usage"]["total_usage"].to_string()
            );
            let r = e.ping().await?;
            ctx.expect_status(&r, 200, "ping after leaving the stats stream")?;
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

pub(crate) async fn run_changes(ctx: Ctx) -> CheckResult {
    // /etc/group is in the image; /tmp/dh-added is not.
    let id = start_probe(
        &ctx,
        "c",
        &["write=/tmp/dh-added:added", "write=/etc/group:root:x:0:\n"],
    )
    .await?;
    let code = wait_exit(&ctx, &id).await?;
    ensure!(code == 0, "exit code of the writing probe", "0", code.to_string());
    let r = ctx
        .engine()
        .send(Request::get(format!("/containers/{id}/changes")))
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "changes of the exited container",
        "ContainerChanges: 200 the list of changes",
    )?;
    let body: Value = r.json()?;
    let Some(items) = body.as_array() else {
        return Err(CheckError::failed(
            "the changes reply",
            "a JSON array",
            body.to_string(),
        ));
    };
    for it in items {
        ensure!(
            it["Path"].is_string() && it["Kind"].as_u64().is_some_and(|k| k <= 2),
            "each change (Path a string, Kind one of 0, 1, 2)",
            "{\"Path\": ..., \"Kind\": 0|1|2}",
            it.to_string()
        );
    }
    let kind = |p: &str| items.iter().find(|i| i["Path"] == p).map(|i| i["Kind"].clone());
    for (path, want, what) in [
        ("/tmp/dh-added", 1, "added"),
        ("/tmp", 0, "modified"),
        ("/etc/group", 0, "modified"),
    ] {
        ensure!(
            kind(path) == Some(Value::from(want)),
            format!("the change of {path} ({what})"),
            format!("Kind {want}"),
            format!("{:?} in {body}", kind(path))
        );
    }
    ensure!(
        kind("/probe").is_none(),
        "changes for /probe, which the probe did not touch",
        "none",
        body.to_string()
    );
    Ok(())
}

pub(crate) async fn run_export(ctx: Ctx) -> CheckResult {
    let id = start_probe(&ctx, "c", &["write=/tmp/dh-export:exported bytes"]).await?;
    let code = wait_exit(&ctx, &id).await?;
    ensure!(code == 0, "exit code of the writing probe", "0", code.to_string());
    let r = ctx
        .engine()
        .send(Request::get(format!("/containers/{id}/export")).allowance(Duration::from_secs(10)))
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "export of the exited container",
        "ContainerExport: 200 no error",
    )?;
    let mut probe: Option<Vec<u8>> = None;
    let mut written: Option<Vec<u8>> = None;
    let mut names = Vec::new();
    let mut ar = tar::Archive::new(&r.body[..]);
    let entries = ar
        .entries()
        .map_err(|e| CheckError::failed("the export body", "a tar archive", e.to_string()))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| CheckError::failed("an entry of the export tar", "a valid entry", e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| CheckError::failed("an entry path of the export tar", "a valid path", e.to_string()))?
            .to_string_lossy()
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_string();
        let slot = match path.as_str() {
            "probe" => &mut probe,
            "tmp/dh-export" => &mut written,
            _ => {
                names.push(path);
                continue;
            }
        };
        let mut buf = Vec::new();
        entry.read_to_end(&mut buf).map_err(|e| {
            CheckError::failed(
                format!("the bytes of {path} in the export tar"),
                "readable",
                e.to_string(),
            )
        })?;
        *slot = Some(buf);
        names.push(path);
    }
    let want = dockhand_probe::PROBE_BINARY;
    ensure!(
        probe.as_deref() == Some(want),
        "the probe binary in the export tar (entry \"probe\")",
        format!("{} bytes equal to the embedded probe", want.len()),
        match &probe {
            None => format!("no such entry among {names:?}"),
            Some(b) => format!("{} bytes that differ", b.len()),
        }
    );
    ensure!(
        written.as_deref() == Some(&b"exported bytes"[..]),
        "the file the probe wrote, tmp/dh-export, in the export tar",
        "\"exported bytes\"",
        format!("{:?}", written.map(|b| String::from_utf8_lossy(&b).to_string()))
    );
    Ok(())
}
