//! Images: [`build`] sends a service's build context as a tar to
//! `POST /build` (ImageBuild) and reads the JSON message stream strictly;
//! [`pull`] fetches a missing image (`POST /images/create`) with progress.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use dockhand_engine::{Engine, EngineError, Request};
use serde_json::{Map, Value};

use crate::compose::Build;
use crate::error::EnvError;

/// One `.dockerignore` line: a glob, and whether it leaves out (or, with
/// `!`, takes back in) what it matches.
struct Rule {
    glob: globset::GlobMatcher,
    exclude: bool,
}

/// Whether `.dockerignore` leaves `rel` out, as `docker build` decides: the
/// last rule matching the path or one of its parents wins.
fn ignored(rules: &[Rule], rel: &Path) -> bool {
    let mut out = false;
    for r in rules {
        if rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| r.glob.is_match(a))
        {
            out = r.exclude;
        }
    }
    out
}

/// Tars the context directory, leaving out what `.dockerignore` lists
/// (glob patterns relative to the context, `!` exceptions, last match
/// wins). The Dockerfile and `.dockerignore` are always sent, as `docker
/// build` sends them.
pub fn context_tar(context: &Path, dockerfile: &str) -> Result<Vec<u8>, EnvError> {
    let io = |e: std::io::Error| EnvError::Io {
        what: format!("cannot read the build context {}", context.display()),
        detail: e.to_string(),
    };
    let mut rules = Vec::new();
    let ignore_file = context.join(".dockerignore");
    if ignore_file.is_file() {
        for line in std::fs::read_to_string(&ignore_file).map_err(io)?.lines() {
            let p = line.trim();
            if p.is_empty() || p.starts_with('#') {
                continue;
            }
            let (exclude, pat) = match p.strip_prefix('!') {
                Some(rest) => (false, rest.trim()),
                None => (true, p),
            };
            let pat: std::path::PathBuf = Path::new(pat.trim_start_matches('/')).components().collect();
            // `*` stays within one path segment, as in Go's filepath.Match.
            let glob = globset::GlobBuilder::new(&pat.to_string_lossy())
                .literal_separator(true)
                .build()
                .map_err(|e| EnvError::Io {
                    what: format!("cannot use {}", ignore_file.display()),
                    detail: format!("`{p}`: {e}"),
                })?;
            rules.push(Rule {
                glob: glob.compile_matcher(),
                exclude,
            });
        }
    }
    let always: [std::path::PathBuf; 2] = [Path::new(dockerfile).components().collect(), ".dockerignore".into()];
    // With exceptions, an ignored directory may hold something taken back.
    let has_exceptions = rules.iter().any(|r| !r.exclude);
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
            let out = ignored(&rules, &r) && !always.contains(&r);
            let ft = e.file_type().map_err(io)?;
            if ft.is_dir() {
                if !out {
                    b.append_dir(&r, e.path()).map_err(io)?;
                }
                if !out || has_exceptions || always.iter().any(|a| a.starts_with(&r)) {
                    stack.push(r);
                }
            } else if !out {
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
    if let Ok(text) = std::fs::read_to_string(spec.context.join(&spec.dockerfile)) {
        if let Some((line, instr)) = buildkit_only(&text) {
            return Err(EnvError::Build {
                service: service.to_string(),
                message: format!(
                    "{}:{line}: `{instr}` needs BuildKit, and dockhand builds with the engine's classic builder; build the image with `docker build -t NAME` (BuildKit) and give the service `image: NAME` instead of `build`",
                    spec.dockerfile
                ),
                output: Vec::new(),
            });
        }
    }
    let context = context_tar(&spec.context, &spec.dockerfile)?;
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
    let mut steps = Vec::new();
    let r = read_build(service, resp, &mut steps).await;
    remove_stage_images(engine, if r.is_ok() { Some(tag) } else { None }, &steps).await;
    r
}

/// Reads the build's message stream to its end; `steps` gets the image of
/// each step as the builder names it (` ---> ID`).
async fn read_build(
    service: &str,
    resp: dockhand_engine::StreamResponse,
    steps: &mut Vec<String>,
) -> Result<(), EnvError> {
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
            steps.extend(s.lines().filter_map(step_image).map(str::to_string));
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

/// The image ID of a classic-builder line ` ---> 0123456789ab` (not
/// ` ---> Running in ...` nor ` ---> Using cache`).
fn step_image(line: &str) -> Option<&str> {
    let id = line.trim_end().strip_prefix(" ---> ")?;
    (id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

/// Removes the images of a build's steps that nothing will remove: the
/// classic builder keeps the last image of every stage before the built one
/// (and, when the build fails, of every step done), untagged and without the
/// build's labels, so `down` could not find them. Exactly those are removed:
/// images this build's stream named that are neither the built image nor
/// one of its ancestors (`tag`'s history; `None` after a failed build), and
/// carry no tag or digest (a `FROM` image is named too, and is left alone).
/// Best effort: an image in use or already gone is skipped.
async fn remove_stage_images(engine: &Engine, tag: Option<&str>, steps: &[String]) {
    let mut keep: Vec<String> = Vec::new();
    if let Some(tag) = tag {
        let history = engine
            .send(Request::get(format!("/images/{tag}/history")))
            .await
            .and_then(|r| r.ok())
            .and_then(|r| r.json::<Vec<Value>>());
        match history {
            Ok(h) => keep.extend(
                h.iter()
                    .filter_map(|e| e["Id"].as_str())
                    .map(|id| id.trim_start_matches("sha256:").to_string()),
            ),
            // Without the built image's ancestry nothing is known to be spare.
            Err(_) => return,
        }
    }
    // The latest first, so that a stage's last image goes before its parents.
    for id in steps.iter().rev() {
        if keep.iter().any(|k| k.starts_with(id.as_str())) {
            continue;
        }
        let Ok(info) = engine
            .image_inspect(id)
            .await
            .and_then(|r| r.ok())
            .and_then(|r| r.json::<Value>())
        else {
            continue;
        };
        let named = |k: &str| {
            info[k]
                .as_array()
                .is_some_and(|a| a.iter().any(|n| n.as_str().is_some_and(|n| !n.starts_with("<none>"))))
        };
        if named("RepoTags") || named("RepoDigests") {
            continue;
        }
        let _ = engine.image_remove(id, false).await;
    }
}

/// The first line of a Dockerfile that only BuildKit builds (heredocs,
/// `RUN --mount`/`--network`/`--security`, `COPY`/`ADD --link`/`--chmod`),
/// with the instruction as written: the engine's classic builder, which
/// dockhand drives, fails on these deep in the build or misreads them.
pub fn buildkit_only(dockerfile: &str) -> Option<(usize, String)> {
    for (i, line) in dockerfile.lines().enumerate() {
        let t = line.trim_start();
        let mut words = t.split_whitespace();
        let instr = words.next().unwrap_or_default().to_ascii_uppercase();
        let flags: Vec<&str> = words.clone().take_while(|w| w.starts_with("--")).collect();
        let flag = |names: &[&str]| {
            flags.iter().any(|f| {
                names
                    .iter()
                    .any(|n| f.strip_prefix(n).is_some_and(|r| r.is_empty() || r.starts_with('=')))
            })
        };
        let heredoc = words.any(|w| {
            w.strip_prefix("<<")
                .map(|r| r.trim_start_matches('-').trim_matches(['"', '\''].as_ref()))
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
        });
        let hit = match instr.as_str() {
            "RUN" => heredoc || flag(&["--mount", "--network", "--security"]),
            "COPY" | "ADD" => heredoc || flag(&["--link", "--chmod"]),
            _ => false,
        };
        if hit {
            return Some((i + 1, t.to_string()));
        }
    }
    None
}

/// `image` as `fromImage` and `tag` (or digest) for `POST /images/create`:
/// the tag is what follows the last `:` after the last `/`; none is `latest`.
pub fn split_reference(image: &str) -> (&str, &str) {
    if let Some((name, digest)) = image.split_once('@') {
        return (name, digest);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
}

/// Why a pull failed, in words, from the engine's message.
fn pull_reason(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("unauthorized")
        || m.contains("denied")
        || m.contains("authentication required")
        || m.contains("no basic auth credentials")
    {
        "the registry refused access (unauthorized; log in with `docker login`, or the repository does not exist)"
    } else if m.contains("manifest unknown") || m.contains("not found") || m.contains("manifest for") {
        "the registry has no such image or tag"
    } else if m.contains("connection refused")
        || m.contains("no such host")
        || m.contains("dial tcp")
        || m.contains("timeout")
        || m.contains("server gave http response")
    {
        "the registry is unreachable"
    } else {
        "the engine could not pull it"
    }
}

/// Pulls `image` (`POST /images/create`), reporting each layer's state as
/// it changes through `progress`. A failure names the image and why.
pub async fn pull(engine: &Engine, service: &str, image: &str, progress: &dyn Fn(String)) -> Result<(), EnvError> {
    let fail = |detail: String| EnvError::Pull {
        service: service.to_string(),
        image: image.to_string(),
        why: pull_reason(&detail),
        detail,
    };
    let (name, tag) = split_reference(image);
    let mut req = Request::post("/images/create")
        .query("fromImage", name)
        .query("tag", tag)
        .allowance(Duration::from_secs(600));
    if let Some(auth) = crate::auth::registry_auth(image) {
        if let Ok(v) = http::HeaderValue::from_str(&auth) {
            req = req.header(http::HeaderName::from_static("x-registry-auth"), v);
        }
    }
    let resp = engine.stream(req).await?;
    if !resp.status.is_success() {
        let full = resp.collect().await?;
        return Err(fail(full.message()));
    }
    let mut stream = resp.json_lines();
    // The last status shown per layer: a line only when it changes.
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    while let Some(msg) = stream.next().await? {
        if let Some(err) = msg.get("error").and_then(Value::as_str) {
            return Err(fail(err.trim().to_string()));
        }
        let status = msg.get("status").and_then(Value::as_str).unwrap_or_default();
        let id = msg.get("id").and_then(Value::as_str).unwrap_or_default();
        if status.is_empty() || shown.get(id).is_some_and(|s| s == status) {
            continue;
        }
        shown.insert(id.to_string(), status.to_string());
        let line = if id.is_empty() || id == tag {
            format!("pull {image}: {status}")
        } else {
            format!("pull {image}: {id}: {status}")
        };
        progress(line);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn step_images_are_read_from_the_builders_lines() {
        assert_eq!(step_image(" ---> 4f1c2a3b4c5d\n"), Some("4f1c2a3b4c5d"));
        assert_eq!(step_image(" ---> Running in 4f1c2a3b4c5d"), None);
        assert_eq!(step_image(" ---> Using cache"), None);
        assert_eq!(step_image("Step 1/4 : FROM x"), None);
    }

    #[test]
    fn buildkit_only_instructions_are_found() {
        assert_eq!(buildkit_only("FROM a\nRUN echo hi\nCOPY --from=b x y\n"), None);
        for (text, line) in [
            ("# syntax=docker/dockerfile:1\nFROM a\nRUN <<EOF\necho\nEOF\n", 3),
            ("FROM a\nRUN --mount=type=cache,target=/c make\n", 2),
            ("FROM a\ncopy --link x y\n", 2),
            ("FROM a\nCOPY --chmod=755 x y\n", 2),
            ("FROM a\nCOPY <<-\"EOT\" /x\nhi\nEOT\n", 2),
        ] {
            assert_eq!(buildkit_only(text).map(|(l, _)| l), Some(line), "{text}");
        }
        // A shell here-string or redirection is not a heredoc instruction.
        assert_eq!(buildkit_only("FROM a\nRUN cat <<< x; echo 1<<2\n"), None);
    }

    #[test]
    fn references_split_into_name_and_tag() {
        assert_eq!(split_reference("postgres"), ("postgres", "latest"));
        assert_eq!(split_reference("postgres:16"), ("postgres", "16"));
        assert_eq!(split_reference("127.0.0.1:5000/a/b"), ("127.0.0.1:5000/a/b", "latest"));
        assert_eq!(split_reference("127.0.0.1:5000/a:1"), ("127.0.0.1:5000/a", "1"));
        assert_eq!(split_reference("a@sha256:ab"), ("a", "sha256:ab"));
    }

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
        let names = |df: &str| {
            let bytes = context_tar(dir.path(), df).unwrap();
            let mut n: Vec<String> = tar::Archive::new(&bytes[..])
                .entries()
                .unwrap()
                .map(|e| e.unwrap().path().unwrap().display().to_string())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names("Dockerfile"), vec![".dockerignore", "Dockerfile", "src", "src/a"]);
        // Exceptions take back what an earlier line left out; the last
        // matching line wins; `*` stays within a segment.
        std::fs::write(dir.path().join("target/keep"), "k").unwrap();
        std::fs::write(dir.path().join("src/b.log"), "b").unwrap();
        std::fs::write(
            dir.path().join(".dockerignore"),
            "target\n!target/keep\n*.log\nsecret*\n!secret.txt\nsecret.txt\n",
        )
        .unwrap();
        assert_eq!(
            names("Dockerfile"),
            vec![
                ".dockerignore",
                "Dockerfile",
                "src",
                "src/a",
                "src/b.log",
                "target/keep"
            ]
        );
        // The Dockerfile and .dockerignore are sent even when listed.
        std::fs::create_dir(dir.path().join("docker")).unwrap();
        std::fs::write(dir.path().join("docker/Dockerfile.dev"), "FROM scratch\n").unwrap();
        std::fs::write(dir.path().join(".dockerignore"), "Dockerfile\n.dockerignore\ndocker\n").unwrap();
        assert_eq!(
            names("docker/Dockerfile.dev"),
            vec![
                ".dockerignore",
                "docker/Dockerfile.dev",
                "secret.txt",
                "src",
                "src/a",
                "src/b.log",
                "target",
                "target/big",
                "target/keep"
            ]
        );
    }
}
