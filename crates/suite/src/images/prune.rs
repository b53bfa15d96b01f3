//! `images/prune/*`: `POST /images/prune`, always with the case's label
//! filter, so only the case's own images can go.

use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{case_filter, delete_items, import};
use crate::support::{create_probe, prune_when_free};

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
    let tagged = import(&ctx, &[("t", b"t")], Some((&repo, "t")), &[]).await?;
    let untagged = import(&ctx, &[("u", b"u")], None, &[]).await?;
    let used = import(&ctx, &[("used", b"used")], Some((&repo, "used")), &[]).await?;
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
    ensure!(
        deleted.contains(&untagged.id) && !deleted.contains(&used.id),
        "ImagesDeleted of the prune",
        format!("the untagged {} and not the used {}", untagged.id, used.id),
        v["ImagesDeleted"].to_string()
    );
    gone(&ctx, &untagged.id, true).await?;
    gone(&ctx, &used.id, false).await?;
    if dangling {
        ensure!(
            !deleted.contains(&tagged.id),
            "ImagesDeleted of a dangling=true prune",
            format!("not the tagged {}", tagged.id),
            v["ImagesDeleted"].to_string()
        );
        gone(&ctx, &tagged.id, false).await?;
    } else {
        let tag = format!("{repo}:t");
        ensure!(
            deleted.contains(&tagged.id) && untagged_refs.contains(&tag),
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
