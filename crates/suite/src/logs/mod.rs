//! Area `logs`: `GET /containers/{id}/logs`: stream framing, the raw TTY
//! stream, timestamps, `tail`, `since` and `until`, `follow`, the error paths,
//! and a 64 MiB stream checked byte for byte.

pub(crate) mod errors;
pub(crate) mod flood;
pub(crate) mod follow;
pub(crate) mod framing;
pub(crate) mod select;

use dockhand_harness::{CheckError, Ctx};
use serde_json::{json, Value};

/// The create body for a probe container whose logs a check reads: the
/// `json-file` driver (the reference: logs work "only for containers with the
/// `json-file` or `journald` logging driver"), with a size limit far above
/// what the checks write, so that no engine rotates the file under them.
pub(crate) fn logged_probe(ctx: &Ctx, image: &str, steps: &[&str], tty: bool) -> Value {
    json!({
        "Image": image,
        "Cmd": steps,
        "Tty": tty,
        "Labels": ctx.labels(),
        "HostConfig": {
            "LogConfig": { "Type": "json-file", "Config": { "max-size": "1g" } }
        },
    })
}

/// Creates and starts a logged probe, waits for it to exit, and checks that it
/// exited 0. Returns the container id.
pub(crate) async fn run_to_exit(ctx: &Ctx, steps: &[&str], tty: bool) -> Result<String, CheckError> {
    let image = ctx.probe().await?;
    let id = crate::support::create_probe(ctx, "c", logged_probe(ctx, &image, steps, tty)).await?;
    crate::support::start(ctx, &id).await?;
    let code = crate::support::wait_exit(ctx, &id, std::time::Duration::from_secs(20)).await?;
    dockhand_harness::ensure!(
        code == 0,
        "the probe's exit code",
        "0",
        format!("{code} (steps {steps:?})")
    );
    Ok(id)
}
