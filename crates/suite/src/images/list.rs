//! `images/list/filters`: `GET /images/json` with each documented filter,
//! always together with the case's label so only its own images count.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx};
use serde_json::Value;

use super::support::{case_filter, import, import_named, list_ids, FieldCheck};
use crate::support::ids_fact;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Lists the case's images with the `filters` (not `all`) and expects
/// exactly `want`; a failure's fact is the listed ids as the `roles` of the
/// check's images (run-independent).
async fn expect_listed(
    ctx: &Ctx,
    what: &str,
    filters: &[(&str, &str)],
    want: &[&String],
    roles: &[(&str, &str)],
) -> CheckResult {
    let got = sorted(list_ids(ctx, filters, false).await?);
    let want = sorted(want.iter().map(|s| s.to_string()).collect());
    ensure_seen!(
        got == want,
        ids_fact("GET", "/images/json", "/*/Id", &got, roles),
        what,
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    match ctx.variant().unwrap_or_default() {
        "label" => label(&ctx).await,
        "reference" => reference(&ctx).await,
        "dangling" => dangling(&ctx).await,
        "before-since" => before_since(&ctx).await,
        other => Err(CheckError::Broken(format!("unknown variant {other}"))),
    }
}

async fn label(ctx: &Ctx) -> CheckResult {
    let repo = ctx.name("listed");
    let a = import_named(
        ctx,
        &[("a", b"a")],
        &format!("{repo}:a"),
        &[("changes", "LABEL dh.color=red")],
    )
    .await?;
    let b = import_named(
        ctx,
        &[("b", b"b")],
        &format!("{repo}:b"),
        &[("changes", "LABEL dh.color=blue")],
    )
    .await?;
    let roles = [("a", a.id.as_str()), ("b", b.id.as_str())];
    expect_listed(ctx, "list by the case label", &[], &[&a.id, &b.id], &roles).await?;
    expect_listed(
        ctx,
        "list by label=dh.color=red",
        &[("label", "dh.color=red")],
        &[&a.id],
        &roles,
    )
    .await?;
    expect_listed(
        ctx,
        "list by label=dh.color (key only)",
        &[("label", "dh.color")],
        &[&a.id, &b.id],
        &roles,
    )
    .await?;

    // The summary fields of one image. Go engines send `null` for an empty
    // list; the required key is there either way, so null passes for lists.
    let r = ctx
        .engine()
        .send(Request::get("/images/json").query("filters", case_filter(ctx, &[("label", "dh.color=red")])))
        .await?;
    let v: Vec<Value> = r.json()?;
    let s = &v[0];
    let fields: [(&str, FieldCheck); 10] = [
        ("Id", |x| x.is_string()),
        ("ParentId", |x| x.is_string()),
        ("RepoTags", |x| x.is_array() || x.is_null()),
        ("RepoDigests", |x| x.is_array() || x.is_null()),
        ("Created", |x| x.is_i64()),
        ("Size", |x| x.is_i64()),
        ("SharedSize", |x| x.is_i64()),
        ("VirtualSize", |x| x.is_i64()),
        ("Labels", |x| x.is_object()),
        ("Containers", |x| x.is_i64()),
    ];
    for (f, ok) in fields {
        ensure!(
            s.get(f).is_some() && ok(&s[f]),
            format!("ImageSummary field {f}"),
            "present with the documented type",
            s[f].to_string()
        );
    }
    ensure!(
        s["RepoTags"] == serde_json::json!([format!("{repo}:a")]) && s["Labels"]["dh.color"] == "red",
        "RepoTags and Labels of the listed image",
        format!("[\"{repo}:a\"] and dh.color=red"),
        format!("{} and {}", s["RepoTags"], s["Labels"])
    );
    Ok(())
}

async fn reference(ctx: &Ctx) -> CheckResult {
    let one = ctx.name("ref-one");
    let two = ctx.name("ref-two");
    let a = import_named(ctx, &[("a", b"a")], &format!("{one}:x"), &[]).await?;
    let b = import_named(ctx, &[("b", b"b")], &format!("{two}:x"), &[]).await?;
    let c = import_named(ctx, &[("c", b"c")], &format!("{two}:y"), &[]).await?;
    let roles = [("a", a.id.as_str()), ("b", b.id.as_str()), ("c", c.id.as_str())];
    expect_listed(
        ctx,
        "list by reference=<repo> (any tag)",
        &[("reference", &two)],
        &[&b.id, &c.id],
        &roles,
    )
    .await?;
    expect_listed(
        ctx,
        "list by reference=<repo>:<tag>",
        &[("reference", &format!("{two}:y"))],
        &[&c.id],
        &roles,
    )
    .await?;
    let pattern = format!("{}*:x", ctx.name("ref-"));
    expect_listed(
        ctx,
        &format!("list by the pattern reference={pattern}"),
        &[("reference", &pattern)],
        &[&a.id, &b.id],
        &roles,
    )
    .await
}

async fn dangling(ctx: &Ctx) -> CheckResult {
    let tagged = import_named(ctx, &[("t", b"t")], &format!("{}:t", ctx.name("kept")), &[]).await?;
    let untagged = import(ctx, &[("u", b"u")], None, &[]).await?;
    let roles = [("tagged", tagged.id.as_str()), ("untagged", untagged.id.as_str())];
    expect_listed(
        ctx,
        "list by dangling=true",
        &[("dangling", "true")],
        &[&untagged.id],
        &roles,
    )
    .await?;
    expect_listed(
        ctx,
        "list by dangling=false",
        &[("dangling", "false")],
        &[&tagged.id],
        &roles,
    )
    .await
}

async fn before_since(ctx: &Ctx) -> CheckResult {
    let repo = ctx.name("aged");
    let first = import_named(ctx, &[("1", b"1")], &format!("{repo}:first"), &[]).await?;
    let second = import_named(ctx, &[("2", b"2")], &format!("{repo}:second"), &[]).await?;
    let third = import_named(ctx, &[("3", b"3")], &format!("{repo}:third"), &[]).await?;
    let roles = [
        ("first", first.id.as_str()),
        ("second", second.id.as_str()),
        ("third", third.id.as_str()),
    ];
    expect_listed(
        ctx,
        "list by since=<first, by id>",
        &[("since", &first.id)],
        &[&second.id, &third.id],
        &roles,
    )
    .await?;
    expect_listed(
        ctx,
        "list by before=<third, by name:tag>",
        &[("before", &format!("{repo}:third"))],
        &[&first.id, &second.id],
        &roles,
    )
    .await?;
    expect_listed(
        ctx,
        "list by since=<first> and before=<third>",
        &[("since", &first.id), ("before", &third.id)],
        &[&second.id],
        &roles,
    )
    .await
}
