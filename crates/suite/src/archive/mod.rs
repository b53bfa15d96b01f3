//! Area `archive`: `/containers/{id}/archive`: PUT a tar into a container,
//! HEAD its stat header, GET it back as a tar, the probe reading what was put,
//! and the documented error paths.

pub(crate) mod errors;
pub(crate) mod roundtrip;

use dockhand_engine::{Request, Response};
use dockhand_harness::{CheckError, Ctx};

/// The modification time of every entry of the sample tar:
/// 2020-09-13T12:26:40Z.
pub(crate) const MTIME: u64 = 1_600_000_000;
/// The sample file's content.
pub(crate) const CONTENT: &[u8] = b"hello from dockhand\nsecond line\n";
/// Where the sample tar is put; it holds `dh/`, `dh/hello.txt` and `dh/link`.
pub(crate) const DEST: &str = "/tmp";

/// A tar holding the directory `dh/` (0755), the file `dh/hello.txt` (0640,
/// [`CONTENT`]) and the symlink `dh/link` -> `hello.txt`, all with [`MTIME`].
pub(crate) fn sample_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let header = |kind: tar::EntryType, mode: u32, size: u64| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(MTIME);
        h.set_uid(0);
        h.set_gid(0);
        h
    };
    let mut h = header(tar::EntryType::Directory, 0o755, 0);
    b.append_data(&mut h, "dh/", std::io::empty())
        .expect("a tar in memory cannot fail");
    let mut h = header(tar::EntryType::Regular, 0o640, CONTENT.len() as u64);
    b.append_data(&mut h, "dh/hello.txt", CONTENT)
        .expect("a tar in memory cannot fail");
    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
    b.append_link(&mut h, "dh/link", "hello.txt")
        .expect("a tar in memory cannot fail");
    b.into_inner().expect("a tar in memory cannot fail")
}

/// `PUT /containers/{id}/archive?path=` with a tar body.
pub(crate) async fn put(
    ctx: &Ctx,
    id: &str,
    path: Option<&str>,
    tar: Vec<u8>,
    extra: &[(&str, &str)],
) -> Result<Response, CheckError> {
    let mut req = Request::put(format!("/containers/{id}/archive")).body(tar, "application/x-tar");
    if let Some(p) = path {
        req = req.query("path", p);
    }
    for (k, v) in extra {
        req = req.query(k, v);
    }
    Ok(ctx.engine().send(req).await?)
}

/// `HEAD` or `GET /containers/{id}/archive?path=`.
pub(crate) async fn fetch(ctx: &Ctx, head: bool, id: &str, path: Option<&str>) -> Result<Response, CheckError> {
    let url = format!("/containers/{id}/archive");
    let mut req = if head { Request::head(url) } else { Request::get(url) };
    if let Some(p) = path {
        req = req.query("path", p);
    }
    Ok(ctx.engine().send(req).await?)
}

/// Creates a probe container (not started) running `steps`, and puts the
/// sample tar into [`DEST`], expecting 200.
pub(crate) async fn container_with_sample(ctx: &Ctx, steps: &[&str]) -> Result<String, CheckError> {
    let image = ctx.probe().await?;
    let id = crate::support::create_probe(ctx, "c", crate::support::probe_config(ctx, &image, steps)).await?;
    let r = put(ctx, &id, Some(DEST), sample_tar(), &[]).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "put of a tar (dh/, dh/hello.txt, dh/link) into /tmp",
        "PutContainerArchive: 200 The content was extracted successfully",
    )?;
    Ok(id)
}
