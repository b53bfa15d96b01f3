//! `exec/resize/*`: resizing the TTY of a running exec reaches the process.

use dockhand_engine::Request;
use dockhand_harness::{CheckResult, Ctx};
use serde_json::json;

use super::{exec_create_ok, exec_start_attached, idle_container, probe_cmd};

use crate::support::POLL_DEADLINE as WITHIN;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let c = idle_container(&ctx).await?;
    // The probe sleeps long enough to be resized; the container's removal ends it.
    let cmd = probe_cmd(&ctx, &["stdout=ready", "sleep=8000"]).await?;
    let exec = exec_create_ok(
        &ctx,
        &c,
        &json!({ "AttachStdout": true, "AttachStderr": true, "Tty": true, "Cmd": cmd }),
    )
    .await?;
    let mut h = exec_start_attached(&ctx, &exec, true).await?;
    h.read_raw_until(WITHIN, "the probe's \"ready\" line", |b| {
        String::from_utf8_lossy(b).contains("ready")
    })
    .await?;
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/exec/{exec}/resize"))
                .query("h", 37)
                .query("w", 101),
        )
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "resize of the running TTY exec to 37x101",
        "ExecResize: 200 No error",
    )?;
    // The probe reports SIGWINCH, then the size its terminal has then (the
    // kernel sets the size before it signals): h rows by w columns. A wrong
    // size never matches, and the failure shows what came.
    h.read_raw_until(
        WITHIN,
        "\"probe: received SIGWINCH\", then \"probe: winsize=37x101\" (the kernel signals a terminal's size change to its foreground process)",
        |b| {
            let t = String::from_utf8_lossy(b);
            t.find("probe: received SIGWINCH").is_some_and(|i| {
                let after = &t[i..];
                after.contains("probe: winsize=37x101\r") || after.contains("probe: winsize=37x101\n")
            })
        },
    )
    .await?;
    Ok(())
}
