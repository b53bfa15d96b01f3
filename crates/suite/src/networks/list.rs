//! `networks/list/*`: `GET /networks` and its filters over the check's own
//! networks.

use std::collections::BTreeSet;

use dockhand_engine::Request;
use dockhand_harness::{CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::{create_network, Ipam};
use crate::support::{case_label_kv, create_probe, probe_config, send, start_container};

pub(crate) async fn run_filters(ctx: Ctx) -> CheckResult {
    let a = create_network(
        &ctx,
        "na",
        json!({ "Labels": ctx.labels_with(&[("dockhand.net", "a")]) }),
        Ipam::Auto,
    )
    .await?;
    let b = create_network(
        &ctx,
        "nb",
        json!({ "Labels": ctx.labels_with(&[("dockhand.net", "b")]) }),
        Ipam::Auto,
    )
    .await?;
    let variant = ctx.variant().unwrap_or("label");
    if variant.starts_with("dangling") {
        // A running container on a makes it in use; b stays dangling.
        let image = ctx.probe().await?;
        let mut config = probe_config(&ctx, &image, &["idle"]);
        config["HostConfig"]["NetworkMode"] = json!(a.name);
        let id = create_probe(&ctx, "c", config).await?;
        start_container(&ctx, &id).await?;
    }
    let case = case_label_kv(&ctx);
    let (filters, want): (Value, Vec<&str>) = match variant {
        "label" => (json!({ "label": [case, "dockhand.net"] }), vec![&a.name, &b.name]),
        "label-value" => (json!({ "label": [case, "dockhand.net=a"] }), vec![&a.name]),
        // "Matches all or part of a network name/ID."
        "name" => (json!({ "name": [&a.name[3..]] }), vec![&a.name]),
        "id" => (json!({ "id": [&a.id[..12]] }), vec![&a.name]),
        "driver" => (json!({ "driver": ["bridge"], "label": [case] }), vec![&a.name, &b.name]),
        "type-custom" => (json!({ "type": ["custom"], "label": [case] }), vec![&a.name, &b.name]),
        "type-builtin" => (json!({ "type": ["builtin"] }), vec!["bridge", "host", "none"]),
        "dangling-true" => (json!({ "dangling": ["true"], "label": [case] }), vec![&b.name]),
        _ => (json!({ "dangling": ["false"], "label": [case] }), vec![&a.name]),
    };
    let r = send(&ctx, Request::get("/networks").query("filters", filters.to_string())).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("GET /networks?filters={filters}"),
        "NetworkList: 200 No error",
    )?;
    let v: Value = r.json()?;
    let got: BTreeSet<String> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["Name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let want: BTreeSet<String> = want.into_iter().map(str::to_string).collect();
    // Built-in networks are the engine's, whatever else exists: the reply
    // must hold them and none of the check's own.
    let ok = if variant == "type-builtin" {
        want.is_subset(&got) && !got.contains(&a.name) && !got.contains(&b.name)
    } else {
        got == want
    };
    if !ok {
        // The fact a known failure pins: which of the check's networks came,
        // by their dockhand.net label (names change with every run).
        let mut roles: Vec<Value> = v
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| n["Labels"]["dockhand.net"].clone())
            .collect();
        roles.sort_by_key(Value::to_string);
        return Err(CheckError::failed(
            format!("the networks GET /networks?filters={filters} returns (a labelled dockhand.net=a, b labelled dockhand.net=b)"),
            format!("{want:?}"),
            format!("{got:?}"),
        )
        .with_observed(Observed::field_value(
            r.method.as_str(),
            &r.path,
            "/*/Labels/dockhand.net",
            Value::Array(roles),
        )));
    }
    Ok(())
}
