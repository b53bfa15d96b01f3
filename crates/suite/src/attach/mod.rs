//! Area `attach`: `POST /containers/{id}/attach`: the HTTP upgrade, stdin
//! through to the probe and back, the stream format with and without a TTY,
//! the replay of earlier output (`logs=1`), and the error path.

pub(crate) mod errors;
pub(crate) mod framing;
pub(crate) mod replay;
pub(crate) mod stdin;

use dockhand_engine::Request;
use dockhand_harness::{CheckError, Ctx};

use crate::support::{hijack, Hijack};

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
