//! Area `attach`: `POST /containers/{id}/attach`: the HTTP upgrade, stdin
//! through to the probe and back, the stream format with and without a TTY,
//! the replay of earlier output (`logs=1`), and the error path.

mod errors;
mod framing;
mod replay;
mod stdin;

use dockhand_engine::Request;
use dockhand_harness::{Check, CheckError, Ctx};

use crate::support::{hijack, Hijack};

/// The checks of the area, registered in one place.
pub(crate) fn checks() -> Vec<Check> {
    vec![
        Check::new(
            "attach/stdin/echo",
            "stdin written to an upgraded attach comes back on stdout through the probe; the half-close ends a StdinOnce container's input",
            |ctx| Box::pin(stdin::run(ctx)),
        )
        .tags(&["attach", "stdin", "smoke"])
        .reference(&["ContainerCreate", "ContainerAttach", "ContainerStart", "ContainerWait"]),
        Check::new(
            "attach/framing/streams",
            "attach streams frames of type 1 and 2 for the streams asked for, raw bytes with a TTY, and 200 with the same stream without the upgrade headers",
            |ctx| Box::pin(framing::run(ctx)),
        )
        .tags(&["attach", "framing"])
        .variants(&["both", "stdout-only", "stderr-only", "tty", "no-upgrade"])
        .reference(&["ContainerAttach", "ContainerStart"]),
        Check::new(
            "attach/replay/logs",
            "attach with logs=1 replays earlier output; with stream=0 the stream then ends, with stream=1 live output follows",
            |ctx| Box::pin(replay::run(ctx)),
        )
        .tags(&["attach", "logs"])
        .variants(&["logs-only", "logs-then-stream"])
        .reference(&["ContainerAttach", "ContainerLogs", "ContainerKill"]),
        Check::new(
            "attach/errors/missing-container",
            "attach to a container that does not exist is 404, with the upgrade headers or without",
            |ctx| Box::pin(errors::run(ctx)),
        )
        .tags(&["attach", "errors"])
        .reference(&["ContainerAttach"]),
    ]
}

/// `POST /containers/{id}/attach` with the given query, through the upgrade;
/// expects `101` and the headers the reference shows.
pub(crate) async fn attach(ctx: &Ctx, id: &str, query: &[(&str, &str)]) -> Result<Hijack, CheckError> {
    let mut req = Request::post(format!("/containers/{id}/attach"));
    for (k, v) in query {
        req = req.query(k, v);
    }
    let h = hijack(
        ctx,
        req,
        &format!("attach with {query:?} and the upgrade headers"),
        "ContainerAttach: 101 no error, hints proxy about hijacking",
    )
    .await?;
    crate::exec::expect_upgrade_headers(&h, "ContainerAttach")?;
    Ok(h)
}
