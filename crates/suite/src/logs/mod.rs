//! Area `logs`: `GET /containers/{id}/logs`: stream framing, the raw TTY
//! stream, timestamps, `tail`, `since` and `until`, `follow`, the error paths,
//! and a 64 MiB stream checked byte for byte.

mod errors;
mod flood;
mod follow;
mod framing;
mod select;

use dockhand_engine::ApiVersion;
use dockhand_harness::{CheckError, Ctx};
use serde_json::{json, Value};

use dockhand_harness::Check;

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "logs/framing/streams",
            "logs of a non-TTY container are frames of type 1 (stdout) and 2 (stderr) carrying exactly the selected streams' bytes",
            |ctx| Box::pin(framing::run_streams(ctx)),
        )
        .tags(&["logs", "framing"])
        .variants(&["stdout", "stderr", "both"])
        .reference(&["ContainerLogs", "ContainerAttach"]),
        Check::new(
            "logs/framing/tty-raw",
            "logs of a TTY container are the raw terminal bytes, not multiplexed, with no Content-Type",
            |ctx| Box::pin(framing::run_tty_raw(ctx)),
        )
        .tags(&["logs", "framing", "tty"])
        .reference(&["ContainerLogs", "ContainerAttach"]),
        Check::new(
            "logs/framing/timestamps",
            "timestamps=1 prefixes every line with an RFC 3339 time with fractional seconds, never going back, within the container's life",
            |ctx| Box::pin(framing::run_timestamps(ctx)),
        )
        .tags(&["logs", "timestamps"])
        .reference(&["ContainerLogs"]),
        Check::new(
            "logs/select/tail",
            "tail=N returns the last N lines, tail=all every line, tail=0 none",
            |ctx| Box::pin(select::run_tail(ctx)),
        )
        .tags(&["logs"])
        .variants(&["two", "all", "zero"])
        .reference(&["ContainerLogs"]),
        Check::new(
            "logs/select/since-until",
            "since and until, as UNIX timestamps in seconds, cut the logs between two lines written 1.1 s apart",
            |ctx| Box::pin(select::run_since_until(ctx)),
        )
        .tags(&["logs", "timestamps"])
        .min_api(ApiVersion::new(1, 35))
        .reference(&["ContainerLogs"]),
        Check::new(
            "logs/follow/ends-on-exit",
            "follow=1 streams the lines of a running container and the stream ends by itself when the container exits",
            |ctx| Box::pin(follow::run(ctx)),
        )
        .tags(&["logs", "follow"])
        .reference(&["ContainerLogs"]),
        Check::new(
            "logs/errors/status",
            "logs with neither stdout nor stderr is 400; logs of a missing container is 404",
            |ctx| Box::pin(errors::run(ctx)),
        )
        .tags(&["logs", "errors"])
        .variants(&["no-stream", "missing-container"])
        .reference(&["ContainerLogs"]),
        Check::new(
            "logs/flood/64mib",
            "64 MiB of stdout comes back through the logs byte for byte (FNV-1a 64 of the payload equals the probe's)",
            |ctx| Box::pin(flood::run(ctx)),
        )
        .tags(&["logs", "slow"])
        .reference(&["ContainerLogs"]),
    ]
}

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
