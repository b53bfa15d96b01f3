//! Images: [`build`] sends a service's build context as a tar to
//! `POST /build` (ImageBuild) and reads the JSON message stream strictly.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use dockhand_engine::{Engine, EngineError, Request};
use serde_json::{Map, Value};

use crate::compose::Build;
use crate::error::EnvError;

/// Tars the context directory, leaving out what `.dockerignore` lists
/// (glob patterns relative to the context; `!` exceptions are not
/// supported and are an error).
pub fn context_tar(context: &Path) -> Result<Vec<u8>, EnvError> {
    let io = |e: std::io::Error| EnvError::Io {
        what: format!("cannot read the build context {}", context.display()),
        detail: e.to_string(),
    };
    let mut ignore = globset::GlobSetBuilder::new();
    let ignore_file = context.join(".dockerignore");
    if ignore_file.is_file() {
        for line in std::fs::read_to_string(&ignore_file).map_err(io)?.lines() {
            let p = line.trim();
            if p.is_empty() || p.starts_with('#') {
                continue;
            }
            let bad = |detail: String| EnvError::Io {
                what: format!("cannot use {}", ignore_file.display()),
                detail,
            };
            if p.starts_with('!') {
                return Err(bad(format!(
                    "`{p}`: exceptions (`!`) are not supported; list what to leave out"
                )));
            }
            let g = globset::Glob::new(p.trim_start_matches('/').trim_end_matches('/'))
                .map_err(|e| bad(format!("`{p}`: {e}")))?;
            ignore.add(g);
        }
    }
    let ignore = ignore.build().map_err(|e| EnvError::Io {
        what: "cannot use .dockerignore".into(),
        detail: e.to_string(),
    })?;
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    let mut stack = vec![std::path::PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(context.join(&rel))
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let r = rel.join(e.file_name());
            if ignore.is_match(&r) {
                continue;
            }
            let ft = e.file_type().map_err(io)?;
            if ft.is_dir() {
                b.append_dir(&r, e.path()).map_err(io)?;
                stack.push(r);
            } else {
                b.append_path_with_name(e.path(), &r).map_err(io)?;
            }
        }
    }
    b.into_inner().map_err(io)
}

/// Builds `tag` from a service's build section with the given labels. The
/// engine's build output is kept for the error when the build fails.
pub async fn build(
    engine: &Engine,
    service: &str,
    spec: &Build,
    tag: &str,
    labels: &Map<String, Value>,
) -> Result<(), EnvError> {
    let context = context_tar(&spec.context)?;
    let args: BTreeMap<&str, &str> = spec.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut req = Request::post("/build")
        .query("t", tag)
        .query("dockerfile", &spec.dockerfile)
        .query("labels", Value::Object(labels.clone()))
        .query("buildargs", serde_json::json!(args))
        .query("rm", "1")
        .query("forcerm", "1")
        .body(context, "application/x-tar")
        .allowance(Duration::from_secs(60));
    if let Some(t) = &spec.target {
        req = req.query("target", t);
    }
    let resp = engine.stream(req).await?;
    if !resp.status.is_success() {
        let full = resp.collect().await?;
        return Err(EnvError::Build {
            service: service.to_string(),
            message: format!("{} {}", full.status, full.message()),
            output: Vec::new(),
        });
    }
    let mut stream = resp.json_lines();
    let mut output: Vec<String> = Vec::new();
    let mut saw_image = false;
    loop {
        let msg = match stream.next().await {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => return Err(e.into()),
        };
        if let Some(err) = msg.get("error").and_then(Value::as_str) {
            return Err(EnvError::Build {
                service: service.to_string(),
                message: err.trim().to_string(),
                output,
            });
        }
        if let Some(s) = msg.get("stream").and_then(Value::as_str) {
            output.extend(s.lines().filter(|l| !l.trim().is_empty()).map(str::to_string));
            if output.len() > 40 {
                output.drain(..output.len() - 40);
            }
        }
        if msg.pointer("/aux/ID").is_some()
            || msg
                .get("stream")
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("Successfully built"))
        {
            saw_image = true;
        }
    }
    if !saw_image {
        return Err(EnvError::Engine(EngineError::Protocol {
            method: dockhand_engine::Method::POST,
            path: "/build".into(),
            detail: format!(
                "the build stream of service `{service}` ended without an error and without naming the image built"
            ),
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_tar_honours_dockerignore() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "secret*\ntarget/\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/big"), "x").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a"), "a").unwrap();
        let bytes = context_tar(dir.path()).unwrap();
        let mut names: Vec<String> = tar::Archive::new(&bytes[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, vec![".dockerignore", "Dockerfile", "src", "src/a"]);
        std::fs::write(dir.path().join(".dockerignore"), "!keep\n").unwrap();
        assert!(context_tar(dir.path()).is_err());
    }
}
