//! `images/list/filters`: `GET /images/json` with each documented filter,
//! always together with the case's label so only its own images count.

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::Value;

use super::support::{case_filter, import, list_ids, FieldCheck};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn expect_ids(what: &str, got: Vec<String>, want: &[&String]) -> CheckResult {
    let got = sorted(got);
    let want = sorted(want.iter().map(|s| s.to_string()).collect());
    ensure!(got == want, what, format!("{want:?}"), format!("{got:?}"));
    Ok(())
}

/// Lists the case's images with the `filters` (not `all`) and expects exactly `want`.
async fn expect_listed(ctx: &Ctx, what: &str, filters: &[(&str, &str)], want: &[&String]) -> CheckResult {
    expect_ids(what, list_ids(ctx, filters, false).await?, want)
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
    let a = import(
        ctx,
        &[("a", b"a")],
        Some((&repo, "a")),
        &[("changes", "LABEL dh.color=red")],
    )
    .await?;
    let b = import(
        ctx,
        &[("b", b"b")],
        Some((&repo, "b")),
        &[("changes", "LABEL dh.color=blue")],
    )
    .await?;
    expect_listed(ctx, "list by the case label", &[], &[&a.id, &b.id]).await?;
    expect_listed(
        ctx,
        "list by label=dh.color=red",
        &[("label", "dh.color=red")],
        &[&a.id],
    )
    .await?;
    expect_listed(
        ctx,
        "list by label=dh.color (key only)",
        &[("label", "dh.color")],
        &[&a.id, &b.id],
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
    let a = import(ctx, &[("a", b"a")], Some((&one, "x")), &[]).await?;
    let b = import(ctx, &[("b", b"b")], Some((&two, "x")), &[]).await?;
    let c = import(ctx, &[("c", b"c")], Some((&two, "y")), &[]).await?;
    expect_listed(
        ctx,
        "list by reference=<repo> (any tag)",
        &[("reference", &two)],
        &[&b.id, &c.id],
    )
    .await?;
    expect_listed(
        ctx,
        "list by reference=<repo>:<tag>",
        &[("reference", &format!("{two}:y"))],
        &[&c.id],
    )
    .await?;
    let pattern = format!("{}*:x", ctx.name("ref-"));
    expect_listed(
        ctx,
        &format!("list by the pattern reference={pattern}"),
        &[("reference", &pattern)],
        &[&a.id, &b.id],
    )
    .await
}

async fn dangling(ctx: &Ctx) -> CheckResult {
    let tagged = import(ctx, &[("t", b"t")], Some((&ctx.name("kept"), "t")), &[]).await?;
    let untagged = import(ctx, &[("u", b"u")], None, &[]).await?;
    expect_listed(ctx, "list by dangling=true", &[("dangling", "true")], &[&untagged.id]).await?;
    expect_listed(ctx, "list by dangling=false", &[("dangling", "false")], &[&tagged.id]).await
}

async fn before_since(ctx: &Ctx) -> CheckResult {
    let repo = ctx.name("aged");
    let first = import(ctx, &[("1", b"1")], Some((&repo, "first")), &[]).await?;
    let second = import(ctx, &[("2", b"2")], Some((&repo, "second")), &[]).await?;
    let third = import(ctx, &[("3", b"3")], Some((&repo, "third")), &[]).await?;
    expect_listed(
        ctx,
        "list by since=<first, by id>",
        &[("since", &first.id)],
        &[&second.id, &third.id],
    )
    .await?;
    expect_listed(
        ctx,
        "list by before=<third, by name:tag>",
        &[("before", &format!("{repo}:third"))],
        &[&first.id, &second.id],
    )
    .await?;
    expect_listed(
        ctx,
        "list by since=<first> and before=<third>",
        &[("since", &first.id), ("before", &third.id)],
        &[&second.id],
    )
    .await
}
