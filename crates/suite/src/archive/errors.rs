//! `archive/errors/*`: missing paths, a missing container, a missing `path`
//! parameter, a PUT onto a file, a read-only root file system, and
//! `noOverwriteDirNonDir`.

use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::json;

use super::roundtrip::path_stat;
use super::{container_with_sample, fetch, put, sample_tar};
use crate::support::{create_probe, MISSING_ID};

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    match ctx.variant().unwrap_or_default() {
        "missing-path" => {
            let id = container_with_sample(&ctx, &["idle"]).await?;
            let r = fetch(&ctx, true, &id, Some("/tmp/dh/missing")).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "HEAD of a missing path",
                "ContainerArchiveInfo: 404 Container or path does not exist",
            )?;
            let r = fetch(&ctx, false, &id, Some("/tmp/dh/missing")).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "GET of a missing path",
                "ContainerArchive: 404 Container or path does not exist",
            )?;
            let r = put(&ctx, &id, Some("/tmp/missing-dir"), sample_tar(), &[]).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "PUT into a missing directory",
                "PutContainerArchive: 404 No such container or path does not exist inside the container",
            )
        }
        "missing-container" => {
            let r = fetch(&ctx, true, MISSING_ID, Some("/tmp")).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "HEAD on a missing container",
                "ContainerArchiveInfo: 404 Container or path does not exist",
            )?;
            let r = fetch(&ctx, false, MISSING_ID, Some("/tmp")).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "GET on a missing container",
                "ContainerArchive: 404 Container or path does not exist",
            )?;
            let r = put(&ctx, MISSING_ID, Some("/tmp"), sample_tar(), &[]).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "PUT into a missing container",
                "PutContainerArchive: 404 No such container or path does not exist inside the container",
            )
        }
        "missing-path-parameter" => {
            let id = container_with_sample(&ctx, &["idle"]).await?;
            let r = fetch(&ctx, true, &id, None).await?;
            ctx.expect_status_ref(
                &r,
                400,
                "HEAD without the required path parameter",
                "ContainerArchiveInfo: 400 Bad parameter",
            )?;
            let r = fetch(&ctx, false, &id, None).await?;
            ctx.expect_status_ref(
                &r,
                400,
                "GET without the required path parameter",
                "ContainerArchive: 400 Bad parameter",
            )?;
            let r = put(&ctx, &id, None, sample_tar(), &[]).await?;
            ctx.expect_status_ref(
                &r,
                400,
                "PUT without the required path parameter",
                "PutContainerArchive: 400 Bad parameter",
            )
        }
        "put-to-file" => {
            let id = container_with_sample(&ctx, &["idle"]).await?;
            let r = put(&ctx, &id, Some("/tmp/dh/hello.txt"), sample_tar(), &[]).await?;
            ctx.expect_status_ref(
                &r,
                400,
                "PUT with path naming a file",
                "PutContainerArchive: \"path parameter is asserted to be a directory. If it exists as a file, 400 error will be returned with message \\\"not a directory\\\"\"",
            )
        }
        "read-only-rootfs" => {
            let image = ctx.probe().await?;
            let config = json!({
                "Image": image,
                "Cmd": ["idle"],
                "Labels": ctx.labels(),
                "HostConfig": { "ReadonlyRootfs": true },
            });
            let id = create_probe(&ctx, "c", config).await?;
            let r = put(&ctx, &id, Some("/tmp"), sample_tar(), &[]).await?;
            ctx.expect_status_ref(
                &r,
                403,
                "PUT into a container whose rootfs is read-only",
                "PutContainerArchive: 403 Permission denied, the volume or container rootfs is marked as read-only.",
            )
        }
        _ => {
            let id = container_with_sample(&ctx, &["idle"]).await?;
            // A file named `dh` where the directory /tmp/dh is.
            let mut b = tar::Builder::new(Vec::new());
            let mut h = tar::Header::new_ustar();
            h.set_mode(0o644);
            h.set_size(2);
            b.append_data(&mut h, "dh", &b"x\n"[..])
                .expect("a tar in memory cannot fail");
            let tar = b.into_inner().expect("a tar in memory cannot fail");
            let r = put(&ctx, &id, Some("/tmp"), tar, &[("noOverwriteDirNonDir", "1")]).await?;
            // The reference says only "it will be an error"; of
            // PutContainerArchive's statuses (200, 400, 403, 404, 500) none
            // but 500 fits, and Docker 20.10 answers 500 ("cannot overwrite
            // directory \"/tmp/dh\" with non-directory").
            ctx.expect_status_ref(
                &r,
                500,
                "PUT replacing the directory /tmp/dh with a file with noOverwriteDirNonDir=1",
                "PutContainerArchive: noOverwriteDirNonDir \"it will be an error if unpacking the given content would cause an existing directory to be replaced with a non-directory\"; 500 server error",
            )?;
            let r = fetch(&ctx, true, &id, Some("/tmp/dh")).await?;
            ctx.expect_status_ref(
                &r,
                200,
                "HEAD of /tmp/dh after the refused PUT",
                "ContainerArchiveInfo: 200 no error",
            )?;
            let s = path_stat(&r)?;
            ensure!(
                s["mode"].as_u64().is_some_and(|m| m & (1 << 31) != 0),
                "/tmp/dh after the refused PUT",
                "still a directory",
                s.to_string()
            );
            Ok(())
        }
    }
}
