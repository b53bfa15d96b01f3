//! `images/save/*`: `GET /images/{name}/get` and `GET /images/get`, the
//! archive's manifest, and `POST /images/load` bringing the same image ids back.

use dockhand_engine::{Request, Response};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::support::{delete, expect_image_gone, import, inspect, stream_error, tar_files};

/// A saved archive, read: its files and its parsed manifest.
struct Saved {
    files: Vec<(String, Vec<u8>)>,
    manifest: Vec<Value>,
}

impl Saved {
    fn read(resp: &Response) -> Result<Saved, CheckError> {
        let files = tar_files(&resp.body, "the saved image archive")?;
        let manifest = files.iter().find(|(n, _)| n == "manifest.json").ok_or_else(|| {
            CheckError::failed(
                "the saved archive",
                "a manifest.json",
                format!("files {:?}", files.iter().map(|f| &f.0).collect::<Vec<_>>()),
            )
        })?;
        let manifest: Vec<Value> = serde_json::from_slice(&manifest.1).map_err(|e| {
            CheckError::failed(
                "manifest.json of the saved archive",
                "a JSON array",
                format!("{e}: {}", String::from_utf8_lossy(&manifest.1)),
            )
        })?;
        Ok(Saved { files, manifest })
    }

    fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, d)| d.as_slice())
    }

    /// Checks one manifest entry against an image: the config file is in the
    /// archive and hashes to the image id, every layer is in the archive, and
    /// the RepoTags are `tags`.
    fn check_entry(&self, entry: &Value, id: &str, tags: &[String]) -> CheckResult {
        let config = entry["Config"].as_str().unwrap_or_default();
        let bytes = self.file(config).ok_or_else(|| {
            CheckError::failed(
                "the manifest entry's Config",
                "the name of a file in the archive",
                entry.to_string(),
            )
        })?;
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(bytes)));
        ensure!(
            digest == id,
            "sha256 of the saved image config",
            format!("the image id {id}"),
            digest
        );
        let layers = entry["Layers"].as_array().cloned().unwrap_or_default();
        ensure!(
            !layers.is_empty() && layers.iter().all(|l| l.as_str().and_then(|l| self.file(l)).is_some()),
            "the manifest entry's Layers",
            "a non-empty list of files in the archive",
            entry["Layers"].to_string()
        );
        let mut got: Vec<String> = entry["RepoTags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        got.sort();
        let mut want = tags.to_vec();
        want.sort();
        ensure!(
            got == want,
            "the manifest entry's RepoTags",
            format!("{want:?}"),
            entry["RepoTags"].to_string()
        );
        Ok(())
    }
}

async fn load(ctx: &Ctx, archive: &[u8], quiet: bool) -> CheckResult {
    let r = ctx
        .engine()
        .send(
            Request::post("/images/load")
                .query("quiet", quiet)
                .body(archive.to_vec(), "application/x-tar"),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, "load of the saved archive", "ImageLoad: 200 no error")?;
    if let Some(e) = stream_error(&r.json_lines()?) {
        return Err(CheckError::failed("the load's progress stream", "no error message", e));
    }
    Ok(())
}

async fn remove(ctx: &Ctx, name: &str) -> CheckResult {
    let r = delete(ctx, name, false, false).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("delete of {name}"),
        "ImageDelete: 200 the image was deleted",
    )
}

/// Reads a save reply: 200 (`status` names the call and its reference), then
/// an archive whose manifest.json has `entries` entries (`what` names them).
fn read_save(ctx: &Ctx, r: &Response, status: (&str, &str), entries: usize, what: &str) -> Result<Saved, CheckError> {
    ctx.expect_status_ref(r, 200, status.0, status.1)?;
    let saved = Saved::read(r)?;
    ensure!(
        saved.manifest.len() == entries,
        what,
        entries.to_string(),
        saved.manifest.len().to_string()
    );
    Ok(saved)
}

pub(crate) async fn run_one(ctx: Ctx) -> CheckResult {
    let repo = ctx.name("saved");
    let tag = format!("{repo}:one");
    let img = import(&ctx, &[("saved.txt", b"saved\n")], Some((&repo, "one")), &[]).await?;

    let r = ctx.engine().send(Request::get(format!("/images/{tag}/get"))).await?;
    let archive = r.body.to_vec();
    let saved = read_save(
        &ctx,
        &r,
        ("save of an image by tag", "ImageGet: 200 no error"),
        1,
        "manifest.json entries of a one-image save",
    )?;
    saved.check_entry(&saved.manifest[0], &img.id, std::slice::from_ref(&tag))?;
    ensure!(
        saved.file("repositories").is_some(),
        "the archive of an image saved by name",
        "a repositories file",
        "none"
    );

    let r = ctx
        .engine()
        .send(Request::get(format!("/images/{}/get", img.id)))
        .await?;
    let by_id = read_save(
        &ctx,
        &r,
        ("save of an image by id", "ImageGet: 200 no error"),
        1,
        "manifest.json entries of a save by id",
    )?;
    by_id.check_entry(&by_id.manifest[0], &img.id, &[])?;
    ensure!(
        by_id.file("repositories").is_none(),
        "the archive of an image saved by id",
        "no repositories file (no names referenced)",
        "a repositories file"
    );

    remove(&ctx, &tag).await?;
    expect_image_gone(&ctx, &img.id).await?;
    load(&ctx, &archive, true).await?;
    let v = inspect(&ctx, &tag).await?;
    ensure!(
        v["Id"] == img.id.as_str(),
        "Id of the loaded image",
        format!("{} (the id it was saved with)", img.id),
        v["Id"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_all(ctx: Ctx) -> CheckResult {
    let repo = ctx.name("saved");
    let a_tag = format!("{repo}:a");
    let b_tag = format!("{repo}:b");
    let a = import(&ctx, &[("a.txt", b"a\n")], Some((&repo, "a")), &[]).await?;
    let b = import(&ctx, &[("b.txt", b"b\n")], Some((&repo, "b")), &[]).await?;
    let r = ctx
        .engine()
        .send(
            Request::get("/images/get")
                .query("names", &a_tag)
                .query("names", &b_tag),
        )
        .await?;
    let archive = r.body.to_vec();
    let saved = read_save(
        &ctx,
        &r,
        ("save of two images", "ImageGetAll: 200 no error"),
        2,
        "manifest.json entries of a two-image save",
    )?;
    for (img, tag) in [(&a, &a_tag), (&b, &b_tag)] {
        let entry = saved
            .manifest
            .iter()
            .find(|e| {
                e["RepoTags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == tag.as_str()))
            })
            .ok_or_else(|| {
                CheckError::failed(
                    "manifest.json of a two-image save",
                    format!("an entry with RepoTags [{tag}]"),
                    format!("{:?}", saved.manifest),
                )
            })?;
        saved.check_entry(entry, &img.id, std::slice::from_ref(tag))?;
    }
    remove(&ctx, &a_tag).await?;
    remove(&ctx, &b_tag).await?;
    load(&ctx, &archive, true).await?;
    for (img, tag) in [(&a, &a_tag), (&b, &b_tag)] {
        let v = inspect(&ctx, tag).await?;
        ensure!(
            v["Id"] == img.id.as_str(),
            format!("Id of {tag} after the load"),
            img.id.clone(),
            v["Id"].to_string()
        );
    }
    Ok(())
}
