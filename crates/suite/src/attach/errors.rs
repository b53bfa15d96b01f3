//! `attach/errors/*`: attaching to a container that does not exist.

use dockhand_engine::{Request, Upgrade};
use dockhand_harness::{CheckError, CheckResult, Ctx};

use crate::support::MISSING_ID;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let req = || {
        Request::post(format!("/containers/{MISSING_ID}/attach"))
            .query("stream", "1")
            .query("stdout", "1")
    };
    match ctx.engine().upgrade(req()).await? {
        Upgrade::Refused(r) => ctx.expect_status_ref(
            &r,
            404,
            "attach (upgrade) to a container that does not exist",
            "ContainerAttach: 404 no such container",
        )?,
        Upgrade::Switched { .. } => {
            return Err(CheckError::failed(
                "attach (upgrade) to a container that does not exist",
                "status 404 [reference: ContainerAttach: 404 no such container]",
                "status 101 and a hijacked connection",
            ))
        }
    }
    let r = ctx.engine().send(req()).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "attach (no upgrade) to a container that does not exist",
        "ContainerAttach: 404 no such container",
    )
}
