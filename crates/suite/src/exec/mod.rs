//! Area `exec`: exec instances: create, start detached and attached (HTTP
//! upgrade, multiplexed or raw stream), inspect, the process options (env,
//! user, working directory, TTY), resize, and the error paths.

pub(crate) mod errors;
pub(crate) mod options;
pub(crate) mod resize;
pub(crate) mod run;

use std::time::Duration;

use dockhand_engine::{Request, Response};
use dockhand_harness::{ensure, CheckError, Ctx, Observed};
use serde_json::{json, Value};

use crate::support::{create_probe, hijack, probe_config, start, Hijack};

pub(crate) const RAW_STREAM: &str = "application/vnd.docker.raw-stream";

/// Starts an idle probe container to exec in; returns its id.
pub(crate) async fn idle_container(ctx: &Ctx) -> Result<String, CheckError> {
    let image = ctx.probe().await?;
    let id = create_probe(ctx, "c", probe_config(ctx, &image, &["idle"])).await?;
    start(ctx, &id).await?;
    Ok(id)
}

/// The probe's command line for `steps`: the image's `Config.Entrypoint`
/// (read with `GET /images/{name}/json`), then the steps.
pub(crate) async fn probe_cmd(ctx: &Ctx, steps: &[&str]) -> Result<Vec<String>, CheckError> {
    let image = ctx.probe().await?;
    let r = ctx.engine().send(Request::get(format!("/images/{image}/json"))).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the probe image", "ImageInspect: 200 no error")?;
    let v: Value = r.json()?;
    let mut cmd: Vec<String> = v["Config"]["Entrypoint"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    ensure!(
        !cmd.is_empty(),
        "the probe image's Config.Entrypoint",
        "the probe's path, e.g. [\"/probe\"]",
        v["Config"]["Entrypoint"].to_string()
    );
    cmd.extend(steps.iter().map(|s| s.to_string()));
    Ok(cmd)
}

/// `POST /containers/{id}/exec` with `body`.
pub(crate) async fn exec_create(ctx: &Ctx, container: &str, body: &Value) -> Result<Response, CheckError> {
    Ok(ctx
        .engine()
        .send(Request::post(format!("/containers/{container}/exec")).json(body))
        .await?)
}

/// Creates an exec instance, expecting `201` and an `Id`; returns the id.
pub(crate) async fn exec_create_ok(ctx: &Ctx, container: &str, body: &Value) -> Result<String, CheckError> {
    let r = exec_create(ctx, container, body).await?;
    ctx.expect_status_ref(&r, 201, "create of an exec instance", "ContainerExec: 201 no error")?;
    let v: Value = r.json()?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    ensure!(
        crate::support::is_full_id(&id),
        "the Id of the created exec instance (IdResponse)",
        "64 lowercase hex characters",
        v.to_string()
    );
    Ok(id)
}

/// `GET /exec/{id}/json`, expecting `200`.
pub(crate) async fn exec_inspect(ctx: &Ctx, exec: &str) -> Result<Value, CheckError> {
    let r = ctx.engine().send(Request::get(format!("/exec/{exec}/json"))).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the exec instance", "ExecInspect: 200 no error")?;
    Ok(r.json()?)
}

/// Polls the exec's inspect until `Running` is false, for at most `within`.
pub(crate) async fn exec_wait_done(ctx: &Ctx, exec: &str, within: Duration) -> Result<Value, CheckError> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let v = exec_inspect(ctx, exec).await?;
        if v["Running"] == false {
            return Ok(v);
        }
        if tokio::time::Instant::now() > deadline {
            return Err(CheckError::failed(
                "the exec instance's Running after its process ended",
                format!("false within {}s", within.as_secs_f64()),
                v.to_string(),
            )
            .with_observed(Observed::field_value(
                "GET",
                &format!("/exec/{exec}/json"),
                "/Running",
                v["Running"].clone(),
            )));
        }
        tokio::time::sleep(crate::support::POLL_EVERY).await;
    }
}

/// Starts an exec attached (`Detach: false`) through the HTTP upgrade and
/// asserts the `101` reply's headers as ContainerAttach documents them.
pub(crate) async fn exec_start_attached(ctx: &Ctx, exec: &str, tty: bool) -> Result<Hijack, CheckError> {
    let req = Request::post(format!("/exec/{exec}/start")).json(&json!({ "Detach": false, "Tty": tty }));
    let h = hijack(
        ctx,
        req,
        "attached start of the exec instance with the upgrade headers",
        "ExecStart: 200 no error, with the connection hijacked; ContainerAttach: \"The Docker daemon will respond with a 101 UPGRADED response\"",
    )
    .await?;
    expect_upgrade_headers(&h, "ExecStart")?;
    Ok(h)
}

/// The `101` reply's headers: `Content-Type: application/vnd.docker.raw-stream`,
/// `Connection: Upgrade`, `Upgrade: tcp`.
pub(crate) fn expect_upgrade_headers(h: &Hijack, op: &str) -> Result<(), CheckError> {
    let reference = format!(
        "{op} produces {RAW_STREAM}; ContainerAttach: \"HTTP/1.1 101 UPGRADED / Content-Type: {RAW_STREAM} / Connection: Upgrade / Upgrade: tcp\""
    );
    for (name, want) in [
        ("content-type", RAW_STREAM),
        ("connection", "Upgrade"),
        ("upgrade", "tcp"),
    ] {
        let got = h.header(name);
        ensure!(
            got.is_some_and(|g| g.eq_ignore_ascii_case(want)),
            format!("the {name} header of the 101 reply [reference: {reference}]"),
            want,
            format!("{got:?}")
        );
    }
    Ok(())
}
