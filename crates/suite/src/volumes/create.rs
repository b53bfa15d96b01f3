//! `volumes/create/*`: named, anonymous and tmpfs volumes, their documented
//! fields on create and inspect, and invalid names.

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{create_volume, inspect_volume};
use crate::support::{is_full_id, probe_config, run_probe_to_exit, send};

/// The documented fields of a local volume named `name`, with `labels` and `options`.
fn check_volume(what: &str, v: &Value, name: &str, labels: &Value, options: &Value) -> CheckResult {
    ensure!(
        v["Name"] == name && v["Driver"] == "local" && v["Scope"] == "local",
        format!("{what}: Name, Driver, Scope"),
        format!("{name}, local (the default driver), local"),
        v.to_string()
    );
    let mp = v["Mountpoint"].as_str().unwrap_or("");
    ensure!(
        mp.starts_with('/') && mp.contains(name),
        format!("{what}: Mountpoint (\"mount path of the volume on the host\")"),
        format!("an absolute path naming {name}"),
        v["Mountpoint"].to_string()
    );
    ensure!(
        &v["Labels"] == labels,
        format!("{what}: Labels"),
        labels.to_string(),
        v["Labels"].to_string()
    );
    // Options is "the driver specific options used when creating the volume":
    // none given may come back as null or {}.
    let no_options = options.as_object().is_some_and(|o| o.is_empty());
    ensure!(
        &v["Options"] == options || (no_options && v["Options"].is_null()),
        format!("{what}: Options"),
        if no_options {
            "null or {}".to_string()
        } else {
            options.to_string()
        },
        v["Options"].to_string()
    );
    let created = v["CreatedAt"].as_str().unwrap_or("");
    ensure!(
        OffsetDateTime::parse(created, &Rfc3339).is_ok(),
        format!("{what}: CreatedAt (dateTime)"),
        "an RFC 3339 timestamp",
        v["CreatedAt"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_named(ctx: Ctx) -> CheckResult {
    let name = ctx.name("v");
    let labels = ctx.labels_with(&[("com.example.some-label", "some-value")]);
    let created = create_volume(&ctx, json!({ "Name": name, "Labels": labels, "Driver": "local" })).await?;
    check_volume("the VolumeCreate reply", &created, &name, &labels, &json!({}))?;
    let inspected = inspect_volume(&ctx, &name).await?;
    check_volume("GET /volumes/{name}", &inspected, &name, &labels, &json!({}))?;
    ensure!(
        inspected["CreatedAt"] == created["CreatedAt"] && inspected["Mountpoint"] == created["Mountpoint"],
        "CreatedAt and Mountpoint of inspect against create",
        format!("{} and {}", created["CreatedAt"], created["Mountpoint"]),
        format!("{} and {}", inspected["CreatedAt"], inspected["Mountpoint"])
    );
    ensure!(
        inspected.get("UsageData").is_none_or(Value::is_null),
        "GET /volumes/{name}: UsageData (\"used by GET /system/df, and omitted in other endpoints\")",
        "absent or null",
        inspected["UsageData"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_anonymous(ctx: Ctx) -> CheckResult {
    // The labels as sent: their expiry is read from the clock, and a second
    // may pass between the create and the comparison.
    let labels = ctx.labels();
    let created = create_volume(&ctx, json!({ "Labels": labels })).await?;
    let name = created["Name"].as_str().unwrap_or_default().to_string();
    ensure!(
        is_full_id(&name),
        "the Name Docker generated for a volume created without one",
        "64 lowercase hex characters",
        format!("{name:?}")
    );
    check_volume("the VolumeCreate reply", &created, &name, &labels, &json!({}))?;
    let inspected = inspect_volume(&ctx, &name).await?;
    check_volume("GET /volumes/{name}", &inspected, &name, &labels, &json!({}))
}

pub(crate) async fn run_driver_opts(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let name = ctx.name("tmpfs");
    let opts = json!({ "type": "tmpfs", "device": "tmpfs", "o": "size=1m" });
    // The labels as sent (their expiry is read from the clock).
    let labels = ctx.labels();
    let created = create_volume(&ctx, json!({ "Name": name, "DriverOpts": opts, "Labels": labels })).await?;
    check_volume("the VolumeCreate reply", &created, &name, &labels, &opts)?;
    let inspected = inspect_volume(&ctx, &name).await?;
    check_volume("GET /volumes/{name}", &inspected, &name, &labels, &opts)?;

    // The options are the mount's: a container sees a 1 MiB tmpfs at /data.
    let mut config = probe_config(&ctx, &image, &["cat=/proc/mounts"]);
    config["HostConfig"]["Binds"] = json!([format!("{name}:/data")]);
    let run = run_probe_to_exit(&ctx, "c", config).await?;
    let mount = run
        .lines
        .stdout
        .iter()
        .find(|l| l.split(' ').nth(1) == Some("/data"))
        .cloned();
    ensure!(
        run.exit_code == 0
            && mount
                .as_deref()
                .is_some_and(|m| m.starts_with("tmpfs /data tmpfs ") && m.contains("size=1024k")),
        "the /data mount in /proc/mounts of a container using the volume",
        "tmpfs /data tmpfs ...size=1024k...",
        format!("{mount:?} ({})", run.output())
    );
    Ok(())
}

pub(crate) async fn run_invalid_name(ctx: Ctx) -> CheckResult {
    // A name with a slash cannot be the local driver's directory name.
    let name = format!("{}/x", ctx.name("v"));
    let body = json!({ "Name": name, "Labels": ctx.labels() });
    let r = send(&ctx, Request::post("/volumes/create").json(&body)).await?;
    if r.status.is_success() {
        // Whatever was made must go, under the name the engine gave it.
        if let Ok(v) = r.json::<Value>() {
            if let Some(n) = v["Name"].as_str() {
                ctx.defer(dockhand_harness::Cleanup::Volume(n.to_string()));
            }
        }
    }
    ctx.expect_status_ref(
        &r,
        400,
        &format!("create of a local volume named {name:?}"),
        "VolumeCreate: the v1.41 reference lists only 201 and 500; an invalid name is bad input, 400 per the API's use of standard HTTP codes",
    )?;
    ensure!(
        !r.message().is_empty(),
        "the message of the 400",
        "a message naming what is wrong with the name",
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}
