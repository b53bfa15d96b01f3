//! `images/delete/*`: `DELETE /images/{name}`: conflicts with containers and
//! other tags, `force`, untagging, and the pruning of untagged parents.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Cleanup, Ctx};
use serde_json::{json, Value};

use super::support::{delete, delete_items, expect_image_gone, import};
use crate::support::{create_probe, ids_fact, same_image_id};

/// Deletes `tag`, the image's last, expecting 200 and a reply that untags it
/// then deletes the image `id` first; `what` names the call and the reply.
async fn delete_last_tag(ctx: &Ctx, tag: &str, force: bool, what: (&str, &str), id: &str) -> CheckResult {
    let r = delete(ctx, tag, force, false).await?;
    ctx.expect_status_ref(&r, 200, what.0, "ImageDelete: 200 the image was deleted")?;
    let (untagged, deleted) = delete_items(&r.json()?);
    ensure!(
        untagged == [tag.to_string()] && deleted.first().map(String::as_str) == Some(id),
        what.1,
        format!("Untagged [{tag}], then Deleted {id} first"),
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

pub(crate) async fn run_in_use(ctx: Ctx) -> CheckResult {
    let repo = ctx.name("used");
    let tag = format!("{repo}:t");
    let img = import(&ctx, &[("f", b"f")], Some((&repo, "t")), &[]).await?;
    let cid = create_probe(
        &ctx,
        "user",
        json!({ "Image": tag, "Labels": ctx.labels(), "HostConfig": {} }),
    )
    .await?;
    for name in [&tag, &img.id] {
        let r = delete(&ctx, name, false, false).await?;
        ctx.expect_status_ref(
            &r,
            409,
            &format!("delete of {name}, used by a stopped container"),
            "ImageDelete: 409 conflict (force removes an image used by stopped containers)",
        )?;
        ensure!(
            !r.message().is_empty(),
            "the 409 reply's message",
            "a non-empty message",
            String::from_utf8_lossy(&r.body)
        );
    }
    delete_last_tag(
        &ctx,
        &tag,
        true,
        ("forced delete of the used image", "the forced delete's reply"),
        &img.id,
    )
    .await?;
    expect_image_gone(&ctx, &img.id).await?;
    let r = ctx.engine().container_inspect(&cid).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "inspect of the container whose image was force-deleted",
        "ContainerInspect: 200 no error",
    )?;
    let r = delete(&ctx, &img.id, false, false).await?;
    ctx.expect_status_ref(&r, 404, "delete of a deleted image", "ImageDelete: 404 no such image")?;
    Ok(())
}

pub(crate) async fn run_tags(ctx: Ctx) -> CheckResult {
    let repo = ctx.name("twice");
    let (one, two) = (format!("{repo}:one"), format!("{repo}:two"));
    let img = import(&ctx, &[("f", b"f")], Some((&repo, "one")), &[]).await?;
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/images/{one}/tag"))
                .query("repo", &repo)
                .query("tag", "two"),
        )
        .await?;
    ctx.expect_status_ref(&r, 201, "a second tag", "ImageTag: 201 no error")?;

    let r = delete(&ctx, &img.id, false, false).await?;
    ctx.expect_status_ref(
        &r,
        409,
        "delete by id of an image with two tags",
        "ImageDelete: 409 conflict (force removes an image that has other tags)",
    )?;
    let r = delete(&ctx, &one, false, false).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "delete by one of two tags",
        "ImageDelete: 200 the image was deleted",
    )?;
    let (untagged, deleted) = delete_items(&r.json()?);
    ensure!(
        untagged == [one.clone()] && deleted.is_empty(),
        "the reply of a delete by one of two tags",
        format!("Untagged [{one}] and nothing Deleted"),
        String::from_utf8_lossy(&r.body)
    );
    let v: Value = ctx.engine().image_inspect(&img.id).await?.ok()?.json()?;
    ensure!(
        v["RepoTags"] == json!([two.clone()]),
        "RepoTags after untagging one",
        format!("[{two:?}]"),
        v["RepoTags"].to_string()
    );
    delete_last_tag(
        &ctx,
        &two,
        false,
        ("delete by the last tag", "the reply of a delete by the last tag"),
        &img.id,
    )
    .await?;
    Ok(())
}

pub(crate) async fn run_parents(ctx: Ctx) -> CheckResult {
    let noprune = match ctx.variant().unwrap_or_default() {
        "prune" => false,
        "noprune" => true,
        other => return Err(CheckError::Broken(format!("unknown variant {other}"))),
    };
    // An untagged parent: an import without repo, then a commit of a container of it.
    let parent = import(&ctx, &[("p", b"parent")], None, &[]).await?;
    let cid = create_probe(
        &ctx,
        "c",
        json!({ "Image": parent.id, "Labels": ctx.labels(), "HostConfig": {} }),
    )
    .await?;
    let repo = ctx.name("child");
    let r = ctx
        .engine()
        .send(
            Request::post("/commit")
                .query("container", &cid)
                .query("repo", &repo)
                .query("tag", "c")
                .json(&json!({ "Labels": ctx.labels() })),
        )
        .await?;
    let child = r
        .json::<Value>()
        .ok()
        .and_then(|v| v["Id"].as_str().map(str::to_string));
    if let Some(id) = &child {
        ctx.defer(Cleanup::Image(id.clone()));
    }
    ctx.expect_status_ref(
        &r,
        201,
        "commit of a container of the parent",
        "ImageCommit: 201 no error",
    )?;
    let child = child.unwrap_or_default();
    let v: Value = ctx.engine().image_inspect(&child).await?.ok()?.json()?;
    ensure!(
        same_image_id(&parent.id, v["Parent"].as_str().unwrap_or_default()),
        "Parent of the committed image",
        parent.id.clone(),
        v["Parent"].to_string()
    );
    let r = ctx.engine().container_remove(&cid, false, false).await?;
    ctx.expect_status(&r, 204, "remove of the committed container")?;

    let r = delete(&ctx, &format!("{repo}:c"), false, noprune).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("delete of the child with noprune={noprune}"),
        "ImageDelete: 200 the image was deleted",
    )?;
    let (_, deleted) = delete_items(&r.json()?);
    // ImageDeleteResponseItem's Deleted is "the image ID", a plain string
    // (Podman 4.3 writes bare hex): ids compare by [`same_image_id`].
    let is_deleted = |id: &str| deleted.iter().any(|d| same_image_id(d, id));
    ensure!(
        deleted.first().is_some_and(|d| same_image_id(d, &child)),
        "the first Deleted entry",
        child.clone(),
        String::from_utf8_lossy(&r.body)
    );
    let fact = ids_fact(
        r.method.as_str(),
        &r.path,
        "/*/Deleted",
        &deleted,
        &[("child", child.as_str()), ("parent", parent.id.as_str())],
    );
    let r = ctx.engine().image_inspect(&parent.id).await?;
    if noprune {
        ensure_seen!(
            !is_deleted(&parent.id),
            fact,
            "the Deleted entries with noprune=1",
            format!("not the untagged parent {}", parent.id),
            format!("{deleted:?}")
        );
        ctx.expect_status_ref(
            &r,
            200,
            "inspect of the untagged parent after a delete with noprune=1",
            "ImageDelete: noprune, do not delete untagged parent images",
        )?;
    } else {
        ensure!(
            is_deleted(&parent.id),
            "the Deleted entries without noprune",
            format!("to include the untagged parent {}", parent.id),
            format!("{deleted:?}")
        );
        ctx.expect_status_ref(
            &r,
            404,
            "inspect of the untagged parent after the child's delete",
            "ImageDelete: removes an image along with any untagged parent images",
        )?;
    }
    Ok(())
}
