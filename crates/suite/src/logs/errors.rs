//! `logs/errors/*`: a request that chooses no stream, and a missing container.

use dockhand_harness::{CheckResult, Ctx};

use super::logged_probe;
use crate::support::{create_probe, MISSING_ID};

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    if ctx.variant() == Some("missing-container") {
        let r = ctx
            .engine()
            .container_logs(MISSING_ID, &[("stdout", "1"), ("stderr", "1")])
            .await?;
        return ctx.expect_status_ref(
            &r,
            404,
            "logs of a container that does not exist",
            "ContainerLogs: 404 no such container",
        );
    }
    let image = ctx.probe().await?;
    let id = create_probe(&ctx, "c", logged_probe(&ctx, &image, &["exit=0"], false)).await?;
    for q in [&[][..], &[("stdout", "0"), ("stderr", "0")][..]] {
        let r = ctx.engine().container_logs(&id, q).await?;
        ctx.expect_status_ref(
            &r,
            400,
            &format!("logs with no stream chosen ({q:?}; both default to false)"),
            "ContainerLogs: 400 bad parameter (stdout and stderr both \"default: false\"; v1.41 lists only 200, 404 and 500 for this endpoint, the issue asks for 400)",
        )?;
    }
    Ok(())
}
