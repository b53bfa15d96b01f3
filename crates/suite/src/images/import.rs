//! `images/import/*`, `images/tag/*` and `images/inspect/*`: an image made
//! from a rootfs tar, its tags, and what inspect reports.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::support::{history, import, inspect, list_ids, tar_files, FieldCheck};
use crate::support::{create_probe, is_full_id};

const CONTENT: &[u8] = b"imported by dockhand\n";

pub(crate) async fn run_from_src(ctx: Ctx) -> CheckResult {
    let repo = ctx.name("imported");
    let message = format!("import by {}", ctx.name("msg"));
    let img = import(
        &ctx,
        &[("data/hello.txt", CONTENT)],
        Some((&repo, "v1")),
        &[
            ("message", &message),
            ("changes", "ENV IMPORTED=yes"),
            ("changes", "WORKDIR /data"),
        ],
    )
    .await?;
    ensure!(
        img.id.strip_prefix("sha256:").is_some_and(is_full_id),
        "the image id in the import's status message",
        "sha256: and 64 hex characters",
        format!("{:?}", img.id)
    );
    let tag = format!("{repo}:v1");
    let v = inspect(&ctx, &tag).await?;
    ensure!(
        v["Id"] == img.id.as_str(),
        "Id of the imported tag",
        img.id.clone(),
        v["Id"].to_string()
    );
    ensure!(
        v["RepoTags"] == json!([tag]),
        "RepoTags of the imported image (repo and tag query)",
        format!("[{tag:?}]"),
        v["RepoTags"].to_string()
    );
    ensure!(
        v["Comment"] == message.as_str(),
        "Comment of the imported image (message query)",
        format!("{message:?}"),
        v["Comment"].to_string()
    );
    ensure!(
        v["Parent"] == ""
            && v["RootFS"]["Type"] == "layers"
            && v["RootFS"]["Layers"].as_array().map_or(0, Vec::len) == 1,
        "Parent and RootFS of an imported image",
        "no parent, RootFS.Type layers with one layer",
        format!("Parent {}, RootFS {}", v["Parent"], v["RootFS"])
    );
    let cfg = &v["Config"];
    ensure!(
        cfg["Env"] == json!(["IMPORTED=yes"]) && cfg["WorkingDir"] == "/data" && cfg["Cmd"] == json!(["/none"]),
        "Config of the imported image (changes ENV, WORKDIR, CMD)",
        "Env [\"IMPORTED=yes\"], WorkingDir /data, Cmd [\"/none\"]",
        format!(
            "Env {}, WorkingDir {}, Cmd {}",
            cfg["Env"], cfg["WorkingDir"], cfg["Cmd"]
        )
    );
    ensure!(
        cfg["Labels"] == img.labels,
        "Config.Labels of the imported image (a LABEL change)",
        img.labels.to_string(),
        cfg["Labels"].to_string()
    );
    ensure!(
        v["Size"].as_i64() == Some((CONTENT.len() + img.marker_len) as i64),
        "Size of the imported image",
        format!(
            "{} (the file's {} bytes and the case marker's {})",
            CONTENT.len() + img.marker_len,
            CONTENT.len(),
            img.marker_len
        ),
        v["Size"].to_string()
    );

    let r = history(&ctx, &tag, "history of the imported image").await?;
    let hist: Vec<Value> = r.json()?;
    ensure!(
        hist.len() == 1 && hist[0]["Id"] == img.id.as_str() && hist[0]["Comment"] == message.as_str(),
        "history of an imported image",
        format!("one entry, Id {} with Comment {message:?}", img.id),
        format!("{hist:?}")
    );

    // The rootfs: a created (never started) container's filesystem holds the file.
    let cid = create_probe(
        &ctx,
        "c",
        json!({ "Image": tag, "Labels": ctx.labels(), "HostConfig": {} }),
    )
    .await?;
    let r = ctx
        .engine()
        .send(Request::get(format!("/containers/{cid}/archive")).query("path", "/data/hello.txt"))
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "archive of the imported file",
        "ContainerArchive: 200 no error",
    )?;
    let files = tar_files(&r.body, "the archive of /data/hello.txt")?;
    ensure!(
        files == vec![("hello.txt".to_string(), CONTENT.to_vec())],
        "the file in a container of the imported image",
        format!("hello.txt with {:?}", String::from_utf8_lossy(CONTENT)),
        format!("{files:?}")
    );
    Ok(())
}

async fn tag_image(ctx: &Ctx, name: &str, repo: &str, tag: &str) -> CheckResult {
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/images/{name}/tag"))
                .query("repo", repo)
                .query("tag", tag),
        )
        .await?;
    ctx.expect_status_ref(&r, 201, &format!("tag as {repo}:{tag}"), "ImageTag: 201 no error")
}

pub(crate) async fn run_tag(ctx: Ctx) -> CheckResult {
    let a = import(&ctx, &[("a", b"a")], None, &[]).await?;
    let b = import(&ctx, &[("b", b"b")], None, &[]).await?;
    let repo = ctx.name("tagged");
    tag_image(&ctx, &a.id, &repo, "one").await?;
    tag_image(&ctx, &a.id, &repo, "two").await?;
    let v = inspect(&ctx, &a.id).await?;
    let mut tags: Vec<&str> = v["RepoTags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    tags.sort();
    let want = [format!("{repo}:one"), format!("{repo}:two")];
    // The fact: the tags with the run's repository name as `<repo>`.
    let seen: Vec<String> = tags.iter().map(|t| t.replace(repo.as_str(), "<repo>")).collect();
    ensure_seen!(
        tags == want,
        Observed::field_value("GET", &format!("/images/{}/json", a.id), "/RepoTags", json!(seen)),
        "RepoTags after two tags",
        format!("{want:?}"),
        format!("{tags:?}")
    );
    let listed = list_ids(&ctx, &[("reference", &format!("{repo}:one"))], false).await?;
    ensure!(
        listed == [a.id.clone()],
        "image list filtered by reference=<repo>:one",
        format!("[{}]", a.id),
        format!("{listed:?}")
    );
    // Tagging another image with an existing tag moves the tag.
    tag_image(&ctx, &b.id, &repo, "two").await?;
    let vb = inspect(&ctx, &format!("{repo}:two")).await?;
    ensure!(
        vb["Id"] == b.id.as_str(),
        format!("the image {repo}:two names after re-tagging"),
        b.id.clone(),
        vb["Id"].to_string()
    );
    let va = inspect(&ctx, &a.id).await?;
    ensure!(
        va["RepoTags"] == json!([format!("{repo}:one")]),
        "RepoTags of the image the tag moved away from",
        format!("[\"{repo}:one\"]"),
        va["RepoTags"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_tag_error(ctx: Ctx) -> CheckResult {
    let probe = ctx.probe().await?;
    let (name, repo, status, reference) = match ctx.variant().unwrap_or_default() {
        "missing-image" => (
            ctx.name("missing"),
            ctx.name("repo"),
            404,
            "ImageTag: 404 no such image",
        ),
        "invalid-repo" => (probe, "bad..repo".to_string(), 400, "ImageTag: 400 bad parameter"),
        "uppercase-repo" => (probe, "UpperCase".to_string(), 400, "ImageTag: 400 bad parameter"),
        other => return Err(CheckError::Broken(format!("unknown variant {other}"))),
    };
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/images/{name}/tag"))
                .query("repo", &repo)
                .query("tag", "t"),
        )
        .await?;
    ctx.expect_status_ref(&r, status, &format!("tag {name} as {repo}:t"), reference)?;
    ensure!(
        !r.message().is_empty(),
        "the error reply's message",
        "a non-empty message",
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

pub(crate) async fn run_inspect(ctx: Ctx) -> CheckResult {
    let probe = ctx.probe().await?;
    let v = inspect(&ctx, &probe).await?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    ensure!(
        id.strip_prefix("sha256:").is_some_and(is_full_id),
        "Id",
        "sha256: and 64 hex characters",
        format!("{id:?}")
    );
    ensure_seen!(
        v["RepoTags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == probe.as_str())),
        Observed::field_value(
            "GET",
            &format!("/images/{probe}/json"),
            "/RepoTags",
            v["RepoTags"].clone()
        ),
        "RepoTags",
        format!("to contain {probe}"),
        v["RepoTags"].to_string()
    );
    let checks: [(&str, FieldCheck, &str); 10] = [
        ("RepoDigests", Value::is_array, "an array"),
        ("Parent", Value::is_string, "a string"),
        ("Comment", Value::is_string, "a string"),
        ("Created", Value::is_string, "a string"),
        (
            "Architecture",
            |x| x.as_str().is_some_and(|s| !s.is_empty()),
            "a non-empty string",
        ),
        ("Os", |x| x == "linux", "\"linux\""),
        ("Size", Value::is_i64, "an integer"),
        ("VirtualSize", Value::is_i64, "an integer"),
        ("GraphDriver", |x| x["Name"].is_string(), "an object with Name"),
        ("Metadata", Value::is_object, "an object"),
    ];
    for (field, ok, want) in checks {
        ensure!(ok(&v[field]), field, want, v[field].to_string());
    }
    ensure!(
        v["Config"]["Entrypoint"] == json!(["/probe"]) && v["Config"]["Env"] == json!(["PATH=/"]),
        "Config of the probe image (as its archive declares it)",
        "Entrypoint [\"/probe\"], Env [\"PATH=/\"]",
        format!("Entrypoint {}, Env {}", v["Config"]["Entrypoint"], v["Config"]["Env"])
    );
    let layers = v["RootFS"]["Layers"].as_array();
    ensure!(
        v["RootFS"]["Type"] == "layers"
            && layers.is_some_and(|l| !l.is_empty()
                && l.iter().all(|d| d
                    .as_str()
                    .and_then(|s| s.strip_prefix("sha256:"))
                    .is_some_and(is_full_id))),
        "RootFS",
        "Type layers, Layers a non-empty list of sha256 digests",
        v["RootFS"].to_string()
    );
    for name in [id.clone(), id[7..19].to_string()] {
        let w = inspect(&ctx, &name).await?;
        ensure!(
            w["Id"] == id.as_str(),
            format!("Id of inspect by {name}"),
            id.clone(),
            w["Id"].to_string()
        );
    }
    let r = ctx.engine().image_inspect(&ctx.name("missing")).await?;
    ctx.expect_status_ref(&r, 404, "inspect of a missing image", "ImageInspect: 404 no such image")?;
    ensure!(
        !r.message().is_empty(),
        "the 404 reply's message",
        "a non-empty message",
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}
