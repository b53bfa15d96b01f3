//! `images/prune/*`: `POST /images/prune`, always with the case's label
//! filter, so only the case's own images can go.

use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{case_filter, delete_items, import, import_named};
use crate::support::{create_probe, ids_fact, prune_when_free, same_image_id};

async fn gone(ctx: &Ctx, id: &str, want_gone: bool) -> CheckResult {
    let r = ctx.engine().image_inspect(id).await?;
    let (status, what) = if want_gone {
        (404, format!("inspect of the pruned image {id}"))
    } else {
        (200, format!("inspect of the image {id}, which the prune must keep"))
    };
    ctx.expect_status_ref(
        &r,
        status,
        &what,
        "ImagePrune: removes unused images matching the filters",
    )
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let dangling = match ctx.variant().unwrap_or_default() {
        "dangling" => true,
        "all-unused" => false,
        other => return Err(CheckError::Broken(format!("unknown variant {other}"))),
    };
    let repo = ctx.name("prunable");
    let tagged = import_named(&ctx, &[("t", b"t")], &format!("{repo}:t"), &[]).await?;
    let untagged = import(&ctx, &[("u", b"u")], None, &[]).await?;
    let used = import_named(&ctx, &[("used", b"used")], &format!("{repo}:used"), &[]).await?;
    let roles = [
        ("tagged", tagged.id.as_str()),
        ("untagged", untagged.id.as_str()),
        ("used", used.id.as_str()),
    ];
    create_probe(
        &ctx,
        "user",
        json!({ "Image": used.id, "Labels": ctx.labels(), "HostConfig": {} }),
    )
    .await?;

    let flag = if dangling { "true" } else { "false" };
    let filters = case_filter(&ctx, &[("dangling", flag)]);
    let r = prune_when_free(&ctx, "images", &filters).await?;
    ctx.expect_status_ref(&r, 200, &format!("prune with {filters}"), "ImagePrune: 200 no error")?;
    let v: Value = r.json()?;
    ensure!(
        v["SpaceReclaimed"].is_i64() && (v["ImagesDeleted"].is_array() || v["ImagesDeleted"].is_null()),
        "the prune reply",
        "ImagesDeleted (an array of ImageDeleteResponseItem) and SpaceReclaimed (an integer)",
        v.to_string()
    );
    let (untagged_refs, deleted) = delete_items(&v["ImagesDeleted"]);
    // ImageDeleteResponseItem's Deleted is "the image ID", a plain string
    // (Podman 4.3 writes bare hex): ids compare by [`same_image_id`].
    let is_deleted = |id: &str| deleted.iter().any(|d| same_image_id(d, id));
    let fact = ids_fact(r.method.as_str(), &r.path, "/ImagesDeleted/*/Deleted", &deleted, &roles);
    ensure_seen!(
        is_deleted(&untagged.id) && !is_deleted(&used.id),
        fact.clone(),
        "ImagesDeleted of the prune",
        format!("the untagged {} and not the used {}", untagged.id, used.id),
        v["ImagesDeleted"].to_string()
    );
    gone(&ctx, &untagged.id, true).await?;
    gone(&ctx, &used.id, false).await?;
    if dangling {
        ensure_seen!(
            !is_deleted(&tagged.id),
            fact,
            "ImagesDeleted of a dangling=true prune",
            format!("not the tagged {}", tagged.id),
            v["ImagesDeleted"].to_string()
        );
        gone(&ctx, &tagged.id, false).await?;
    } else {
        let tag = format!("{repo}:t");
        ensure!(
            is_deleted(&tagged.id) && untagged_refs.contains(&tag),
            "ImagesDeleted of a dangling=false prune",
            format!("the tagged, unused {} (Untagged {tag} and Deleted)", tagged.id),
            v["ImagesDeleted"].to_string()
        );
        gone(&ctx, &tagged.id, true).await?;
    }
    ensure!(
        v["SpaceReclaimed"].as_i64().is_some_and(|n| n >= 0),
        "SpaceReclaimed",
        "a byte count, 0 or more",
        v["SpaceReclaimed"].to_string()
    );
    Ok(())
}
