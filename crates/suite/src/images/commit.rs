//! `images/commit/*`: `POST /commit` of a container that wrote a file, with
//! `changes`, and what the new image holds.

use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckResult, Cleanup, Ctx, Observed};
use serde_json::{json, Value};

use super::support::{config_env, inspect, run_to_end};
use crate::support::{create_probe, is_full_id, probe_config, same_image_id};

pub(crate) async fn run_changes(ctx: Ctx) -> CheckResult {
    let probe = ctx.probe().await?;
    let probe_id = inspect(&ctx, &probe).await?["Id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let token = ctx.name("token");
    let write = format!("write=/committed.txt:{token}");
    let cid = create_probe(&ctx, "src", probe_config(&ctx, &probe, &[&write])).await?;
    let e = ctx.engine();
    e.container_start(&cid).await?.expect_status(&[204])?;
    e.container_wait(&cid, None, Duration::from_secs(10))
        .await?
        .expect_status(&[200])?;

    let repo = ctx.name("committed");
    let mut body = ctx.labels();
    body["dh.body"] = json!("from the body");
    let labels = body.clone();
    let r = e
        .send(
            Request::post("/commit")
                .query("container", &cid)
                .query("repo", &repo)
                .query("tag", "c1")
                .query("comment", "committed by dockhand")
                .query("author", "dockhand <dockhand@example.invalid>")
                .query("changes", "ENV COMMITTED=1")
                .query("changes", "LABEL dh.change=yes")
                .query("changes", "CMD [\"cat=/committed.txt\"]")
                .json(&json!({ "Labels": body })),
        )
        .await?;
    if let Ok(v) = r.json::<Value>() {
        if let Some(id) = v["Id"].as_str() {
            ctx.defer(Cleanup::Image(id.to_string()));
        }
    }
    ctx.expect_status_ref(&r, 201, "commit of an exited container", "ImageCommit: 201 no error")?;
    let v: Value = r.json()?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    ensure!(
        is_full_id(id.strip_prefix("sha256:").unwrap_or(&id)),
        "Id of the commit reply (IdResponse)",
        "64 hex characters, with or without sha256: (IdResponse's Id is a string)",
        v.to_string()
    );

    let tag = format!("{repo}:c1");
    let img = inspect(&ctx, &tag).await?;
    ensure!(
        same_image_id(&id, img["Id"].as_str().unwrap_or_default()),
        "Id of the committed tag, the image the commit reply names",
        id.clone(),
        img["Id"].to_string()
    );
    ensure!(
        same_image_id(&probe_id, img["Parent"].as_str().unwrap_or_default()),
        "Parent of the committed image",
        probe_id.clone(),
        img["Parent"].to_string()
    );
    ensure_seen!(
        img["Container"] == cid.as_str(),
        Observed::field_value("GET", &format!("/images/{tag}/json"), "/Container", img["Container"].clone()),
        "Container of the committed image (ImageInspect: \"the ID of the container that was used to create the image\")",
        cid.clone(),
        img["Container"].to_string()
    );
    ensure!(
        img["Comment"] == "committed by dockhand" && img["Author"] == "dockhand <dockhand@example.invalid>",
        "Comment and Author (comment, author query)",
        "the values sent",
        format!("Comment {}, Author {}", img["Comment"], img["Author"])
    );
    let cfg = &img["Config"];
    let env = config_env(&img);
    ensure!(
        env.contains(&"COMMITTED=1") && env.contains(&"PATH=/"),
        "Config.Env (changes ENV, and the container's own)",
        "COMMITTED=1 and PATH=/",
        format!("{env:?}")
    );
    ensure!(
        cfg["Cmd"] == json!(["cat=/committed.txt"]) && cfg["Entrypoint"] == json!(["/probe"]),
        "Config.Cmd (changes CMD) and Entrypoint (kept)",
        "Cmd [\"cat=/committed.txt\"], Entrypoint [\"/probe\"]",
        format!("Cmd {}, Entrypoint {}", cfg["Cmd"], cfg["Entrypoint"])
    );
    ensure!(
        cfg["Labels"]["dh.change"] == "yes",
        "Config.Labels (changes LABEL)",
        "dh.change=yes",
        cfg["Labels"].to_string()
    );
    for (k, want) in labels.as_object().into_iter().flatten() {
        ensure!(
            cfg["Labels"][k] == *want,
            format!("Config.Labels[{k}] (the body's Labels)"),
            want.to_string(),
            cfg["Labels"][k].to_string()
        );
    }

    let out = run_to_end(&ctx, "run", &tag, None).await?;
    ensure!(
        out == [token.clone()],
        "stdout of a container of the committed image (its CMD cats the committed file)",
        format!("[{token:?}]"),
        format!("{out:?}")
    );
    Ok(())
}

pub(crate) async fn run_missing(ctx: Ctx) -> CheckResult {
    let name = ctx.name("missing");
    let r = ctx
        .engine()
        .send(
            Request::post("/commit")
                .query("container", &name)
                .query("repo", ctx.name("never")),
        )
        .await?;
    if r.status.is_success() {
        if let Some(id) = r
            .json::<Value>()
            .ok()
            .and_then(|v| v["Id"].as_str().map(str::to_string))
        {
            ctx.defer(Cleanup::Image(id));
        }
    }
    ctx.expect_status_ref(
        &r,
        404,
        "commit of a missing container",
        "ImageCommit: 404 no such container",
    )?;
    ensure!(
        r.message().contains(&name),
        "the 404 reply's message",
        format!("a message naming {name}"),
        r.message()
    );
    Ok(())
}
