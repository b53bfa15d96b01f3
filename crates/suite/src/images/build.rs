//! `images/build/*`: `POST /build` from a tar context made in memory, FROM
//! the probe, and what the image and a container of it show afterwards.

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Cleanup, Ctx, Observed};
use serde_json::{json, Value};

use super::support::{build, config_env, history, inspect, run_to_end, stream_error};
use crate::support::{is_full_id, same_image_id};

/// Each metadata step costs a commit, and a commit on a naive-diff storage
/// driver (fuse-overlayfs, vfs) lasts until the next whole second, so the
/// Dockerfile has as few steps as the assertions allow: the build arg is
/// used by `FROM` (an `ARG` before `FROM` commits nothing). `build` appends
/// the case's `LABEL`.
const DOCKERFILE: &str = "ARG BASE=no-base-given\n\
FROM ${BASE}\n\
COPY greeting.txt /greeting.txt\n\
ENV DH_MARK=__MARK__ DH_FILE=/greeting.txt\n\
ENTRYPOINT [\"/probe\", \"cat=/greeting.txt\"]\n";

pub(crate) async fn run_dockerfile(ctx: Ctx) -> CheckResult {
    let probe = ctx.probe().await?;
    let probe_img = inspect(&ctx, &probe).await?;
    // Content unique to the case: no other build can share its cache.
    let greeting = format!("hello from {}\n", ctx.name("build"));
    let mark = ctx.name("mark");
    let dockerfile = DOCKERFILE.replace("__MARK__", &mark);
    let tag = format!("{}:built", ctx.name("img"));
    let buildargs = serde_json::json!({ "BASE": probe }).to_string();
    let b = build(
        &ctx,
        &dockerfile,
        &[("greeting.txt", greeting.as_bytes())],
        &[("t", tag.clone()), ("buildargs", buildargs)],
    )
    .await?;
    if let Some(id) = b.aux_id() {
        ctx.defer(Cleanup::Image(id.to_string()));
    }
    ctx.expect_status_ref(&b.response, 200, "build of a valid context", "ImageBuild: 200 no error")?;
    if let Some(e) = stream_error(&b.messages) {
        return Err(CheckError::failed("the build's progress stream", "no error message", e));
    }
    let id = b.aux_id().map(str::to_string).ok_or_else(|| {
        CheckError::failed(
            "the build's progress stream (API 1.30 and up)",
            "an aux message with the built image's ID",
            format!("{:?}", b.text()),
        )
    })?;
    ensure!(
        id.strip_prefix("sha256:").is_some_and(is_full_id),
        "aux.ID of the build",
        "sha256: and 64 hex characters",
        format!("{id:?}")
    );

    let img = inspect(&ctx, &tag).await?;
    ensure!(
        img["Id"] == id.as_str(),
        "the Id of the tag the build was asked to apply (t=)",
        id.clone(),
        img["Id"].to_string()
    );
    let cfg = &img["Config"];
    let env = config_env(&img);
    for want in [format!("DH_MARK={mark}"), "DH_FILE=/greeting.txt".to_string()] {
        ensure!(
            env.contains(&want.as_str()),
            "Config.Env of the built image (ENV)",
            format!("to contain {want}"),
            format!("{env:?}")
        );
    }
    ensure!(
        cfg["Entrypoint"] == serde_json::json!(["/probe", "cat=/greeting.txt"]),
        "Config.Entrypoint of the built image (ENTRYPOINT)",
        "[\"/probe\", \"cat=/greeting.txt\"]",
        cfg["Entrypoint"].to_string()
    );
    for (k, v) in b.labels.as_object().into_iter().flatten() {
        ensure!(
            cfg["Labels"][k] == *v,
            format!("Config.Labels[{k}] of the built image (LABEL, and the labels query parameter)"),
            v.to_string(),
            cfg["Labels"][k].to_string()
        );
    }
    let base_layers = probe_img["RootFS"]["Layers"].as_array().map_or(0, Vec::len);
    let layers = img["RootFS"]["Layers"].as_array().map_or(0, Vec::len);
    ensure!(
        layers == base_layers + 1,
        "RootFS.Layers of the built image",
        format!("the base's {base_layers} plus one for COPY (metadata steps add none)"),
        layers.to_string()
    );

    // History: newest first, the steps in reverse order, then the base's.
    let r = history(&ctx, &tag, "history of the built image").await?;
    let hist: Vec<Value> = r.json()?;
    for (i, h) in hist.iter().enumerate() {
        let ok = h["Id"].is_string()
            && h["Created"].is_i64()
            && h["CreatedBy"].is_string()
            && (h["Tags"].is_array() || h["Tags"].is_null())
            && h["Size"].is_i64()
            && h["Comment"].is_string();
        ensure!(
            ok,
            format!("history entry {i}"),
            "Id, Created (integer), CreatedBy, Tags, Size (integer) and Comment",
            h.to_string()
        );
    }
    // The newest entry is the image: its tags, then its id. The facts name
    // the run's tag `<tag>` and the image `<image>`.
    let newest = hist.first().cloned().unwrap_or(Value::Null);
    let tags_seen = match &newest["Tags"] {
        Value::Array(t) => json!(t
            .iter()
            .map(|t| t.as_str().unwrap_or_default().replace(tag.as_str(), "<tag>"))
            .collect::<Vec<_>>()),
        other => other.clone(),
    };
    ensure_seen!(
        newest["Tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == tag.as_str())),
        Observed::field_value(r.method.as_str(), &r.path, "/0/Tags", tags_seen),
        "the first (newest) history entry's Tags",
        format!("Tags containing {tag}"),
        newest.to_string()
    );
    let id_seen = match newest["Id"].as_str() {
        Some(i) if same_image_id(i, &id) => json!("<image>"),
        Some(_) => json!("<another id>"),
        None => newest["Id"].clone(),
    };
    ensure_seen!(
        same_image_id(newest["Id"].as_str().unwrap_or_default(), &id),
        Observed::field_value(r.method.as_str(), &r.path, "/0/Id", id_seen),
        "the first (newest) history entry's Id",
        format!("Id {id}"),
        newest.to_string()
    );
    let created_by: Vec<&str> = hist
        .iter()
        .map(|h| h["CreatedBy"].as_str().unwrap_or_default())
        .collect();
    let order = ["LABEL", "LABEL", "ENTRYPOINT", "ENV", "COPY"];
    let mut at = 0;
    for step in order {
        match created_by[at..].iter().position(|c| c.contains(step)) {
            Some(p) => at += p + 1,
            None => {
                return Err(CheckError::failed(
                    "CreatedBy of the history entries, newest first",
                    format!("the build's steps in the order {order:?}"),
                    format!("{created_by:?}"),
                ))
            }
        }
    }
    ensure!(
        hist.len() > order.len(),
        "history length",
        "the build's steps followed by the base image's history",
        hist.len().to_string()
    );

    // A container with no Cmd runs the ENTRYPOINT; the Cmd given is appended to it.
    let out = run_to_end(&ctx, "run", &tag, Some(&["env"])).await?;
    ensure!(
        out.first().map(String::as_str) == Some(greeting.trim_end()),
        "first stdout line of a container of the built image (ENTRYPOINT cat of the COPY'd file)",
        format!("{:?}", greeting.trim_end()),
        format!("{out:?}")
    );
    ensure!(
        out.iter().any(|l| *l == format!("DH_MARK={mark}")),
        "the container's environment (ENV, Cmd env appended to the ENTRYPOINT)",
        format!("a line DH_MARK={mark}"),
        format!("{out:?}")
    );

    let r = ctx
        .engine()
        .send(Request::get(format!("/images/{}/history", ctx.name("missing"))))
        .await?;
    ctx.expect_status_ref(&r, 404, "history of a missing image", "ImageHistory: 404 no such image")?;
    Ok(())
}

pub(crate) async fn run_failure(ctx: Ctx) -> CheckResult {
    let probe = ctx.probe().await?;
    let variant = ctx.variant().unwrap_or_default();
    let dockerfile = match variant {
        "unknown-instruction" => format!("FROM {probe}\nBOGUSINSTRUCTION nothing\n"),
        "copy-missing" => format!("FROM {probe}\nCOPY not-in-context.txt /x\n"),
        "run-fails" => format!("FROM {probe}\nRUN [\"/probe\", \"stderr=failing on purpose\", \"exit=3\"]\n"),
        other => return Err(CheckError::Broken(format!("unknown variant {other}"))),
    };
    let tag = format!("{}:never", ctx.name("img"));
    let b = build(&ctx, &dockerfile, &[], &[("t", tag.clone())]).await?;
    if let Some(id) = b.aux_id() {
        ctx.defer(Cleanup::Image(id.to_string()));
    }
    if variant == "unknown-instruction" {
        ctx.expect_status_ref(
            &b.response,
            400,
            "build of a Dockerfile with an unknown instruction",
            "ImageBuild: the daemon validates the Dockerfile before the build and returns an error if the syntax is incorrect; 400 bad parameter",
        )?;
        let msg = b.response.message();
        ensure!(
            msg.to_ascii_uppercase().contains("BOGUSINSTRUCTION"),
            "the error message of the refused build",
            "a message naming the unknown instruction BOGUSINSTRUCTION",
            format!("{msg:?}")
        );
    } else {
        ctx.expect_status_ref(
            &b.response,
            200,
            &format!("build whose step fails ({variant})"),
            "ImageBuild: 200; a step's failure comes in the progress stream",
        )?;
        let err = b.messages.iter().find(|m| m.get("error").is_some()).ok_or_else(|| {
            CheckError::failed(
                "the progress stream of a failing build",
                "a message with error and errorDetail",
                format!("{:?}", b.messages),
            )
        })?;
        let text = err["error"].as_str().unwrap_or_default();
        let detail = err["errorDetail"]["message"].as_str().unwrap_or_default();
        ensure!(
            !text.is_empty() && text == detail,
            "the failing build's error message",
            "error and errorDetail.message, the same non-empty text",
            err.to_string()
        );
        match variant {
            "copy-missing" => ensure!(
                text.contains("not-in-context.txt"),
                "the error of a COPY of a missing file",
                "a message naming not-in-context.txt",
                format!("{text:?}")
            ),
            // v1.41's ErrorDetail has an optional integer `code` and says
            // no more of it; Docker 20.10 sets the RUN's exit code, Podman
            // 4.3 sends no code. A code, when sent, is that exit code; the
            // message names the failing step either way.
            _ => ensure!(
                match err["errorDetail"].get("code") {
                    Some(code) => code == 3,
                    None => text.contains("failing on purpose"),
                },
                "errorDetail of a RUN whose command exits 3",
                "code 3, or no code and a message naming the failing RUN",
                err["errorDetail"].to_string()
            ),
        }
        ensure!(
            b.aux_id().is_none(),
            "aux messages of a failing build",
            "no image id",
            format!("{:?}", b.aux_id())
        );
    }
    let r = ctx.engine().image_inspect(&tag).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect of the tag a failed build was to apply",
        "ImageInspect: 404 no such image",
    )?;
    Ok(())
}
