//! `archive/roundtrip/*`: what is put is what the probe reads, what HEAD
//! describes and what GET returns.

use std::io::Read;
use std::time::Duration;

use base64::Engine as _;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{container_with_sample, fetch, CONTENT, MTIME};
use crate::support::{preview_bytes, start, stream_lines, wait_exit};

/// Go's `os.ModeDir` and `os.ModeSymlink` bits, as the stat's `mode` carries them.
const MODE_DIR: u64 = 1 << 31;
const MODE_SYMLINK: u64 = 1 << 27;

pub(crate) async fn run_put_then_cat(ctx: Ctx) -> CheckResult {
    let id = container_with_sample(&ctx, &["cat=/tmp/dh/hello.txt", "cat=/tmp/dh/link"]).await?;
    start(&ctx, &id).await?;
    let code = wait_exit(&ctx, &id, Duration::from_secs(10)).await?;
    let r = ctx
        .engine()
        .container_logs(&id, &[("stdout", "1"), ("stderr", "1")])
        .await?
        .ok()?;
    let lines = stream_lines(&r.frames()?);
    let want: Vec<String> = String::from_utf8_lossy(&CONTENT.repeat(2))
        .lines()
        .map(str::to_string)
        .collect();
    ensure!(
        code == 0 && lines.stdout == want && lines.stderr.is_empty(),
        "the probe's cat of /tmp/dh/hello.txt and of the symlink /tmp/dh/link after the put",
        format!("exit 0, stdout {want:?}"),
        format!("exit {code}, stdout {:?}, stderr {:?}", lines.stdout, lines.stderr)
    );
    Ok(())
}

/// The header ContainerArchiveInfo and ContainerArchive carry the stat in.
const STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

/// Decodes the `X-Docker-Container-Path-Stat` header of a reply.
pub(crate) fn path_stat(r: &dockhand_engine::Response) -> Result<Value, CheckError> {
    let what = format!(
        "the X-Docker-Container-Path-Stat header of {} {} (ContainerArchiveInfo: \"A base64 - encoded JSON object with some filesystem header information about the path\")",
        r.method, r.path
    );
    let raw = r
        .header_str("x-docker-container-path-stat")
        .ok_or_else(|| CheckError::failed(&what, "present", "absent"))?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .map_err(|e| CheckError::failed(&what, "standard base64", format!("{raw:?}: {e}")))?;
    serde_json::from_slice(&json)
        .map_err(|e| CheckError::failed(&what, "a JSON object", format!("{}: {e}", preview_bytes(&json, 200))))
}

pub(crate) async fn run_stat(ctx: Ctx) -> CheckResult {
    let id = container_with_sample(&ctx, &["idle"]).await?;
    let variant = ctx.variant().unwrap_or("file");
    let path = match variant {
        "file" => "/tmp/dh/hello.txt",
        "directory" => "/tmp/dh",
        _ => "/tmp/dh/link",
    };
    let r = fetch(&ctx, true, &id, Some(path)).await?;
    ctx.expect_status_ref(
        &r,
        200,
        &format!("HEAD of {path}"),
        "ContainerArchiveInfo: 200 no error",
    )?;
    expect_sample_stat(&r, variant, path)
}

/// Asserts the stat of one of the sample tar's entries, as `variant` names
/// it (`file`, `directory`, `symlink`): its name, mtime, mode, size and link
/// target. A wrong stat is observed as the whole header (the sample is
/// fixed, so its stat is the same in every run).
fn expect_sample_stat(r: &dockhand_engine::Response, variant: &str, path: &str) -> CheckResult {
    let s = &path_stat(r)?;
    let field = |k: &str| s.get(k).cloned().unwrap_or(Value::Null);
    let mtime = field("mtime");
    let mtime_at = mtime.as_str().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
    ensure!(
        mtime_at.is_some_and(|t| t.unix_timestamp() == MTIME as i64),
        format!("the stat's mtime of {path}"),
        "2020-09-13T12:26:40Z (the tar's mtime, in RFC 3339)",
        s.to_string()
    );
    let mode = field("mode").as_u64();
    let size = field("size").as_i64();
    let link = field("linkTarget");
    let (name, ok, want) = match variant {
        "file" => (
            "hello.txt",
            mode == Some(0o640) && size == Some(CONTENT.len() as i64) && link == "",
            format!("mode 0640 (416), size {}, linkTarget \"\"", CONTENT.len()),
        ),
        "directory" => (
            "dh",
            mode == Some(MODE_DIR | 0o755) && link == "",
            format!("mode {} (the directory bit and 0755), linkTarget \"\"", MODE_DIR | 0o755),
        ),
        _ => (
            "link",
            mode == Some(MODE_SYMLINK | 0o777)
                && (link == "hello.txt" || link == "/tmp/dh/hello.txt"),
            format!("mode {} (the symlink bit and 0777), linkTarget the link's target (\"hello.txt\", or resolved \"/tmp/dh/hello.txt\")", MODE_SYMLINK | 0o777),
        ),
    };
    ensure_seen!(
        field("name") == name && ok,
        Observed::header(r.method.as_str(), &r.path, &r.headers, STAT_HEADER),
        format!("the stat of the {variant} {path}"),
        format!("name {name:?}, {want}"),
        s.to_string()
    );
    Ok(())
}

/// One tar entry, as compared.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    path: String,
    kind: &'static str,
    mode: u32,
    mtime: u64,
    content: Vec<u8>,
    link: Option<String>,
}

fn entries(tar_bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut a = tar::Archive::new(tar_bytes);
    let mut out = Vec::new();
    for e in a.entries().map_err(|e| e.to_string())? {
        let mut e = e.map_err(|e| e.to_string())?;
        let h = e.header().clone();
        let kind = match h.entry_type() {
            tar::EntryType::Regular => "file",
            tar::EntryType::Directory => "dir",
            tar::EntryType::Symlink => "symlink",
            _ => "other",
        };
        let mut content = Vec::new();
        e.read_to_end(&mut content).map_err(|e| e.to_string())?;
        out.push(Entry {
            path: e.path().map_err(|e| e.to_string())?.to_string_lossy().into_owned(),
            kind,
            mode: h.mode().map_err(|e| e.to_string())? & 0o7777,
            mtime: h.mtime().map_err(|e| e.to_string())?,
            content,
            link: e
                .link_name()
                .map_err(|e| e.to_string())?
                .map(|l| l.to_string_lossy().into_owned()),
        });
    }
    Ok(out)
}

pub(crate) async fn run_get(ctx: Ctx) -> CheckResult {
    let id = container_with_sample(&ctx, &["idle"]).await?;
    let dir = ctx.variant() == Some("directory");
    let path = if dir { "/tmp/dh" } else { "/tmp/dh/hello.txt" };
    let r = fetch(&ctx, false, &id, Some(path)).await?;
    ctx.expect_status_ref(&r, 200, &format!("GET of {path}"), "ContainerArchive: 200 no error")?;
    // The v1.41 reference lists the X-Docker-Container-Path-Stat header only
    // for HEAD (ContainerArchiveInfo); Docker 20.10 sends the same header
    // with the GET, and `docker cp` out of a container reads the stat from
    // the GET's header alone, so a client depends on it.
    expect_sample_stat(&r, if dir { "directory" } else { "file" }, path)?;
    let ct = r.header_str("content-type");
    ensure!(
        ct == Some("application/x-tar"),
        format!("the Content-Type of GET {path} (ContainerArchive produces application/x-tar)"),
        "application/x-tar",
        format!("{ct:?}")
    );
    // The 200 of GET carries the same stat header as HEAD's (ContainerArchive:
    // 200, X-Docker-Container-Path-Stat, "a base64-encoded JSON object with
    // some filesystem header information about the path").
    let stat = path_stat(&r)?;
    let (name, mode) = if dir {
        ("dh", MODE_DIR | 0o755)
    } else {
        ("hello.txt", 0o640)
    };
    ensure!(
        stat["name"] == name && stat["mode"].as_u64() == Some(mode),
        format!("the X-Docker-Container-Path-Stat header of GET {path}"),
        format!("name {name:?}, mode {mode}"),
        stat.to_string()
    );
    let got = entries(&r.body).map_err(|e| {
        CheckError::failed(
            format!("the tar of GET {path}"),
            "a valid tar",
            format!("{e}: {}", preview_bytes(&r.body, 100)),
        )
    })?;
    let file = |p: &str| Entry {
        path: p.into(),
        kind: "file",
        mode: 0o640,
        mtime: MTIME,
        content: CONTENT.to_vec(),
        link: None,
    };
    let want = if dir {
        vec![
            Entry {
                path: "dh/".into(),
                kind: "dir",
                mode: 0o755,
                mtime: MTIME,
                content: vec![],
                link: None,
            },
            file("dh/hello.txt"),
            Entry {
                path: "dh/link".into(),
                kind: "symlink",
                mode: 0o777,
                mtime: MTIME,
                content: vec![],
                link: Some("hello.txt".into()),
            },
        ]
    } else {
        vec![file("hello.txt")]
    };
    ensure!(
        got == want,
        format!("the entries of the tar of GET {path} against the tar that was put"),
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_tar_holds_the_directory_file_and_link() {
        let got = entries(&crate::archive::sample_tar()).unwrap();
        let summary: Vec<_> = got
            .iter()
            .map(|e| (e.path.as_str(), e.kind, e.mode, e.mtime, e.link.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("dh/", "dir", 0o755, MTIME, None),
                ("dh/hello.txt", "file", 0o640, MTIME, None),
                ("dh/link", "symlink", 0o777, MTIME, Some("hello.txt")),
            ]
        );
        assert_eq!(got[1].content, CONTENT);
    }
}
