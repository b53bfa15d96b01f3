//! `volumes/list/*`: `GET /volumes` and its filters over the check's own
//! volumes; the reply's schema.

use std::collections::BTreeSet;

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::create_volume;
use crate::support::{case_label_kv, create_probe, probe_config, send};

async fn list(ctx: &Ctx, filters: &Value) -> Result<Value, dockhand_harness::CheckError> {
    let r = send(ctx, Request::get("/volumes").query("filters", filters.to_string())).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("GET /volumes?filters={filters}"),
        "VolumeList: 200 Summary volume data that matches the query",
    )?;
    Ok(r.json()?)
}

fn names(v: &Value) -> BTreeSet<String> {
    v["Volumes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v["Name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The fact a pin can name of a listing: the names listed, the check's two
/// volumes written as their roles (`<va>`, `<vb>`), and `<other>` once when
/// any volume not the check's came too (how many depends on what else
/// runs), sorted.
fn roles<'a>(got: &BTreeSet<String>, a: &str, b: &str) -> Vec<&'a str> {
    let mut roles: Vec<&str> = got
        .iter()
        .map(|n| match n {
            n if n == a => "<va>",
            n if n == b => "<vb>",
            _ => "<other>",
        })
        .collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

pub(crate) async fn run_filters(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let a = ctx.name("va");
    let b = ctx.name("vb");
    // A label key of the check's own, so that the label filters name one
    // label and nothing else: the reference does not say whether several
    // `label` filters must all match (Docker) or any of them ("using the
    // same filter multiple times will be handled as a OR", the `docker
    // events` reference; Podman).
    let key = format!("dockhand.vol.{}", ctx.name("k"));
    create_volume(
        &ctx,
        json!({ "Name": a, "Labels": ctx.labels_with(&[(key.as_str(), "a")]) }),
    )
    .await?;
    create_volume(
        &ctx,
        json!({ "Name": b, "Labels": ctx.labels_with(&[(key.as_str(), "b")]) }),
    )
    .await?;
    // Volume a is in use by a (created) container; b is dangling.
    let mut config = probe_config(&ctx, &image, &["idle"]);
    config["HostConfig"]["Binds"] = json!([format!("{a}:/data")]);
    create_probe(&ctx, "c", config).await?;

    let case = case_label_kv(&ctx);
    // "Matches all or part of a volume name": a's name without its first
    // three characters is a part only a's name has.
    let part = &a[3..];
    // The other filters go with the case's label (other volumes of the run
    // are dangling, local, ...): filters of different kinds, each of which
    // the reference says what it returns.
    let (filters, want): (Value, Vec<&str>) = match ctx.variant() {
        Some("label") => (json!({ "label": [key] }), vec![&a, &b]),
        Some("label-value") => (json!({ "label": [format!("{key}=a")] }), vec![&a]),
        Some("name") => (json!({ "name": [part] }), vec![&a]),
        Some("dangling-true") => (json!({ "dangling": ["true"], "label": [case] }), vec![&b]),
        Some("dangling-false") => (json!({ "dangling": ["false"], "label": [case] }), vec![&a]),
        _ => (json!({ "driver": ["local"], "label": [case] }), vec![&a, &b]),
    };
    let v = list(&ctx, &filters).await?;
    let got = names(&v);
    let want: BTreeSet<String> = want.into_iter().map(str::to_string).collect();
    let roles = roles(&got, &a, &b);
    ensure_seen!(
        got == want,
        Observed::field_value("GET", "/volumes", "/Volumes/*/Name", json!(roles)),
        format!("the volumes GET /volumes?filters={filters} returns (a labelled {key}=a and in use, b labelled {key}=b and dangling)"),
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}

pub(crate) async fn run_schema(ctx: Ctx) -> CheckResult {
    let name = ctx.name("v");
    create_volume(&ctx, json!({ "Name": name })).await?;
    let r = send(&ctx, Request::get("/volumes")).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "GET /volumes",
        "VolumeList: 200 Summary volume data that matches the query",
    )?;
    let v: Value = r.json()?;
    let vols = v["Volumes"].as_array();
    ensure!(
        vols.is_some_and(|a| a.iter().any(|x| x["Name"] == name.as_str())),
        "GET /volumes: Volumes (required, x-nullable: false)",
        format!("an array with the check's volume {name}"),
        format!("{} entries", vols.map_or(0, Vec::len))
    );
    for x in vols.into_iter().flatten() {
        ensure!(
            x["Name"].is_string() && x["Driver"].is_string() && x["Mountpoint"].is_string() && x["Scope"].is_string(),
            "GET /volumes: each Volume (Name, Driver, Mountpoint, Scope required)",
            "strings",
            x.to_string()
        );
    }
    if !v["Warnings"].is_array() {
        return Err(CheckError::failed(
            "GET /volumes: Warnings (VolumeListResponse: required, x-nullable: false, type array)",
            "an array, empty when there are no warnings",
            v["Warnings"].to_string(),
        )
        .with_observed(Observed::field(&r, &v, "/Warnings")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn a_listing_is_written_as_the_roles_of_the_checks_volumes() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<String>>();
        let roles = |v: &[&str]| super::roles(&set(v), "dh-1-va", "dh-1-vb");
        assert_eq!(roles(&["dh-1-va"]), ["<va>"]);
        assert_eq!(roles(&["dh-1-vb", "dh-1-va"]), ["<va>", "<vb>"]);
        // However many volumes of other cases come, one <other>.
        assert_eq!(
            roles(&["dh-2-va", "dh-1-va", "dh-3-vb", "dh-1-vb"]),
            ["<other>", "<va>", "<vb>"]
        );
        assert!(roles(&[]).is_empty());
    }
}
