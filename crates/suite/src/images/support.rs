//! Helpers of the `images` area: tar archives made in memory, imports that
//! carry the check's labels, builds read as JSON lines, and the label filter
//! that keeps list and prune calls to the case's own images.

use std::io::Read;

use dockhand_engine::{Request, Response};
use dockhand_harness::{CheckError, Cleanup, Ctx};
use serde_json::{json, Value};

/// A predicate on a JSON field, for tables of documented fields and their types.
pub(crate) type FieldCheck = fn(&Value) -> bool;

/// A tar archive of regular files (mode 0644, owner 0:0, mtime 0), in order.
pub(crate) fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, *data)
            .expect("a tar in memory cannot fail to write");
    }
    b.into_inner().expect("a tar in memory cannot fail to finish")
}

/// The regular files of a tar archive, name and bytes, in archive order.
/// A broken archive is a finding about the engine that sent it.
pub(crate) fn tar_files(bytes: &[u8], what: &str) -> Result<Vec<(String, Vec<u8>)>, CheckError> {
    let broken = |e: std::io::Error| CheckError::failed(what, "a valid tar archive", format!("unreadable: {e}"));
    let mut archive = tar::Archive::new(bytes);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(broken)?;
        out.push((name, data));
    }
    Ok(out)
}

/// The filter `{"label": ["dockhand.case=<case>"], ...extra}` that keeps a
/// list or prune to the images this case made.
pub(crate) fn case_filter(ctx: &Ctx, extra: &[(&str, &str)]) -> String {
    let mut m = serde_json::Map::new();
    m.insert("label".into(), json!([format!("dockhand.case={}", ctx.case_label())]));
    for (k, v) in extra {
        let e = m.entry(k.to_string()).or_insert_with(|| json!([]));
        e.as_array_mut().expect("filter values are arrays").push(json!(v));
    }
    Value::Object(m).to_string()
}

/// A Dockerfile `LABEL` instruction setting `labels` (an object of strings),
/// keys and values quoted.
pub(crate) fn label_instruction(labels: &Value) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let pairs: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{}={}", quote(k), quote(v.as_str().unwrap_or_default())))
        .collect();
    format!("LABEL {}", pairs.join(" "))
}

/// What an import makes: its id, as the engine reported it.
pub(crate) struct Imported {
    pub(crate) id: String,
    /// The labels the import set.
    pub(crate) labels: Value,
    /// The bytes of the `.dockhand-case` file the import adds to the files.
    pub(crate) marker_len: usize,
}

/// Imports a rootfs of `files` (and a `.dockhand-case` file naming the run
/// and case) through `POST /images/create?fromSrc=-`, labelled
/// for the case with `CMD ["/none"]` so containers can be created from it,
/// named `repo:tag` when given, with `extra` query parameters (more
/// `changes`, `message`). Registers its removal.
///
/// The reference's `changes` lists `CMD|ENTRYPOINT|ENV|EXPOSE|ONBUILD|USER|
/// VOLUME|WORKDIR`; a `LABEL` change is beyond it (Docker and Podman both
/// apply one), so each label comes as a `LABEL "key"="value"` change of its
/// own: how an engine reads several pairs in one is not the reference's
/// (Podman 4.3 reads `LABEL "a"="1" "b"="2"` as one label `a` whose value is
/// the rest).
pub(crate) async fn import(
    ctx: &Ctx,
    files: &[(&str, &[u8])],
    repo_tag: Option<(&str, &str)>,
    extra: &[(&str, &str)],
) -> Result<Imported, CheckError> {
    let labels = ctx.labels();
    let mut req = Request::post("/images/create").query("fromSrc", "-");
    for (k, v) in labels.as_object().into_iter().flatten() {
        let one = json!({ k.clone(): v.clone() });
        req = req.query("changes", label_instruction(&one));
    }
    req = req.query("changes", "CMD [\"/none\"]");
    for (k, v) in extra {
        req = req.query(k, v);
    }
    if let Some((repo, tag)) = repo_tag {
        req = req.query("repo", repo).query("tag", tag);
    }
    // A file naming the run and case makes each case's layer its own: the
    // same files imported by two cases at once would otherwise be one layer
    // that one case's cleanup deletes while the other imports, and a verdict
    // would hang on the schedule (Podman 4.3 answers such an import 500
    // "layer not known"; docs/compat-podman.md). Within a case, the same
    // files still make the same layer.
    let marker = format!("{} {}\n", ctx.run_id(), ctx.case_label());
    let mut all: Vec<(&str, &[u8])> = files.to_vec();
    all.push((".dockhand-case", marker.as_bytes()));
    let resp = ctx.engine().send(req.body(tar_of(&all), "application/x-tar")).await?;
    ctx.expect_status_ref(&resp, 200, "import of a rootfs tar", "ImageCreate: 200 no error")?;
    let msgs = resp.json_lines()?;
    if let Some(e) = stream_error(&msgs) {
        return Err(CheckError::failed(
            "the import's progress stream",
            "no error message",
            e,
        ));
    }
    let id = msgs
        .iter()
        .rev()
        .find_map(|m| m["status"].as_str())
        .filter(|s| s.starts_with("sha256:"))
        .map(str::to_string)
        .ok_or_else(|| {
            CheckError::failed(
                "the import's progress stream",
                "a last status message carrying the image id (sha256:...)",
                String::from_utf8_lossy(&resp.body),
            )
        })?;
    ctx.defer(Cleanup::Image(id.clone()));
    Ok(Imported {
        id,
        labels,
        marker_len: marker.len(),
    })
}

/// [`import`], named `name` (`repo:tag`) through `repo` alone: "The repo
/// may include a tag" (ImageCreate `repo`), while `tag`'s description
/// speaks of pulls. Checks whose subject is not the import name their
/// images so; `images/import/from-src` checks the `tag` parameter (Podman
/// 4.3 ignores it on an import and names the image `repo:latest`).
pub(crate) async fn import_named(
    ctx: &Ctx,
    files: &[(&str, &[u8])],
    name: &str,
    extra: &[(&str, &str)],
) -> Result<Imported, CheckError> {
    let mut all = vec![("repo", name)];
    all.extend_from_slice(extra);
    import(ctx, files, None, &all).await
}

/// The `error` of a JSON progress stream, with `errorDetail.message` when it
/// differs, or `None` when no message reports one.
pub(crate) fn stream_error(msgs: &[Value]) -> Option<String> {
    msgs.iter().find_map(|m| {
        let e = m.get("error")?;
        Some(format!("error {e}, errorDetail {}", m["errorDetail"]))
    })
}

/// `GET /images/{name}/json`, expecting 200, as JSON.
pub(crate) async fn inspect(ctx: &Ctx, name: &str) -> Result<Value, CheckError> {
    let r = ctx.engine().image_inspect(name).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("inspect of image {name}"),
        "ImageInspect: 200 no error",
    )?;
    Ok(r.json()?)
}

/// `GET /images/json` with the case's label filter and `extra` filters; the ids.
pub(crate) async fn list_ids(ctx: &Ctx, extra: &[(&str, &str)], all: bool) -> Result<Vec<String>, CheckError> {
    let r = ctx
        .engine()
        .send(
            Request::get("/images/json")
                .query("all", all)
                .query("filters", case_filter(ctx, extra)),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, "image list with filters", "ImageList: 200 summary image data")?;
    let v: Vec<Value> = r.json()?;
    Ok(v.iter()
        .map(|i| i["Id"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// `DELETE /images/{name}` with the given flags.
pub(crate) async fn delete(ctx: &Ctx, name: &str, force: bool, noprune: bool) -> Result<Response, CheckError> {
    Ok(ctx
        .engine()
        .send(
            Request::delete(format!("/images/{name}"))
                .query("force", force)
                .query("noprune", noprune),
        )
        .await?)
}

/// The `Untagged` and `Deleted` entries of an ImageDelete reply, in order.
pub(crate) fn delete_items(v: &Value) -> (Vec<String>, Vec<String>) {
    let mut untagged = Vec::new();
    let mut deleted = Vec::new();
    for item in v.as_array().into_iter().flatten() {
        if let Some(s) = item["Untagged"].as_str() {
            untagged.push(s.to_string());
        }
        if let Some(s) = item["Deleted"].as_str() {
            deleted.push(s.to_string());
        }
    }
    (untagged, deleted)
}

/// The result of a build: the status, and the decoded progress stream when it was 200.
pub(crate) struct Built {
    pub(crate) response: Response,
    pub(crate) messages: Vec<Value>,
    /// The labels the image must carry: the case's and the query's.
    pub(crate) labels: Value,
}

impl Built {
    /// The image id the stream ends with: the last `aux.ID`.
    pub(crate) fn aux_id(&self) -> Option<&str> {
        self.messages.iter().rev().find_map(|m| m["aux"]["ID"].as_str())
    }

    /// The `stream` texts joined.
    pub(crate) fn text(&self) -> String {
        self.messages
            .iter()
            .filter_map(|m| m["stream"].as_str())
            .collect::<String>()
    }
}

/// `POST /build` of a context holding `dockerfile` and `files`, with
/// `nocache`, `forcerm` (a failed step leaves no container behind) and `query`.
///
/// Every built image carries the case's labels. The classic builder turns
/// each entry of the `labels` query parameter into a step of its own, and on
/// a naive-diff storage driver (fuse-overlayfs, vfs) every step's commit
/// lasts until the next whole second: five labels would cost five seconds.
/// So the case's labels come as one `LABEL` instruction appended to the
/// Dockerfile, and the `labels` parameter carries one label of its own
/// (`dh.query-label`), which the check finds on the image all the same.
/// The body is decoded as JSON lines when the status is 200.
pub(crate) async fn build(
    ctx: &Ctx,
    dockerfile: &str,
    files: &[(&str, &[u8])],
    query: &[(&str, String)],
) -> Result<Built, CheckError> {
    let mut labels = ctx.labels();
    let dockerfile = format!("{}\n{}\n", dockerfile.trim_end(), label_instruction(&labels));
    let query_label = ctx.name("query-label");
    labels["dh.query-label"] = json!(query_label);
    let mut all: Vec<(&str, &[u8])> = vec![("Dockerfile", dockerfile.as_bytes())];
    all.extend_from_slice(files);
    let context = tar_of(&all);
    let mut req = Request::post("/build")
        .query("labels", json!({ "dh.query-label": query_label }).to_string())
        .query("nocache", "1")
        .query("forcerm", "1");
    for (k, v) in query {
        req = req.query(k, v);
    }
    let stream = ctx
        .engine()
        .stream(
            req.body(context, "application/x-tar")
                .allowance(std::time::Duration::from_secs(60)),
        )
        .await?;
    if stream.status.as_u16() != 200 {
        let response = stream.collect().await?;
        return Ok(Built {
            response,
            messages: Vec::new(),
            labels,
        });
    }
    let head = Response {
        method: stream.method.clone(),
        path: stream.path.clone(),
        status: stream.status,
        headers: stream.headers.clone(),
        body: Default::default(),
        elapsed: Default::default(),
    };
    let mut lines = stream.json_lines();
    let mut messages = Vec::new();
    while let Some(m) = lines.next().await? {
        messages.push(m);
    }
    Ok(Built {
        response: head,
        messages,
        labels,
    })
}

/// Runs a container of `image` with `cmd` (none: the image's own) to its end,
/// labelled and removed afterwards; returns its stdout lines.
pub(crate) async fn run_to_end(
    ctx: &Ctx,
    suffix: &str,
    image: &str,
    cmd: Option<&[&str]>,
) -> Result<Vec<String>, CheckError> {
    let mut config = json!({ "Image": image, "Labels": ctx.labels(), "HostConfig": {} });
    if let Some(c) = cmd {
        config["Cmd"] = json!(c);
    }
    let id = crate::support::create_probe(ctx, suffix, config).await?;
    let e = ctx.engine();
    let r = e.container_start(&id).await?;
    ctx.expect_status_ref(
        &r,
        204,
        "start of a container of the image",
        "ContainerStart: 204 no error",
    )?;
    let r = e.container_wait(&id, None, std::time::Duration::from_secs(10)).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "wait for the container's end",
        "ContainerWait: 200 the container has exited",
    )?;
    let w: Value = r.json()?;
    let logs = e.container_logs(&id, &[("stdout", "1"), ("stderr", "1")]).await?.ok()?;
    let lines = crate::support::stream_lines(&logs.frames()?);
    if w["StatusCode"] != 0 {
        return Err(CheckError::failed(
            format!("exit of a container of {image}"),
            "status code 0",
            format!("{} with stderr {:?}", w["StatusCode"], lines.stderr),
        ));
    }
    Ok(lines.stdout)
}

/// The image's `Config.Env` entries (none when absent).
pub(crate) fn config_env(img: &Value) -> Vec<&str> {
    img["Config"]["Env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// `GET /images/{name}/history`, expecting 200; `what` names the image in a finding.
pub(crate) async fn history(ctx: &Ctx, name: &str, what: &str) -> Result<Response, CheckError> {
    let r = ctx
        .engine()
        .send(Request::get(format!("/images/{name}/history")))
        .await?;
    ctx.expect_status_ref(&r, 200, what, "ImageHistory: 200 list of image layers")?;
    Ok(r)
}

/// `GET /images/{id}/json`, expecting 404: the image is gone.
pub(crate) async fn expect_image_gone(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let r = ctx.engine().image_inspect(id).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect of the deleted image",
        "ImageInspect: 404 no such image",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_round_trip() {
        let t = tar_of(&[("a.txt", b"one"), ("dir/b", b"")]);
        let files = tar_files(&t, "test").unwrap();
        assert_eq!(
            files,
            vec![("a.txt".to_string(), b"one".to_vec()), ("dir/b".to_string(), vec![])]
        );
    }

    #[test]
    fn label_instruction_quotes() {
        let l = label_instruction(&json!({"a.b": "x y", "q": "say \"hi\""}));
        assert_eq!(l, r#"LABEL "a.b"="x y" "q"="say \"hi\"""#);
    }

    #[test]
    fn delete_items_split() {
        let v = json!([{"Untagged": "a:b"}, {"Deleted": "sha256:1"}, {"Deleted": "sha256:2"}]);
        assert_eq!(
            delete_items(&v),
            (
                vec!["a:b".to_string()],
                vec!["sha256:1".to_string(), "sha256:2".to_string()]
            )
        );
    }
}
