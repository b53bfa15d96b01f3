//! `images/registry/*`: the endpoints that talk to a registry (pull, push,
//! search, distribution inspect). dockhand runs offline, so each asserts how
//! the engine reports a registry that is not there (a loopback port nobody
//! listens on), and passes when it is reported as the reference documents:
//! that error path is what these checks cover of the operations. The success
//! path needs a registry and no check claims it.

use dockhand_engine::{Request, Response};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};

use super::support::{import, stream_error};

/// A registry address that refuses connections: port 1 on loopback.
const NO_REGISTRY: &str = "127.0.0.1:1";

/// `X-Registry-Auth` for no credentials: base64url of `{}`.
const EMPTY_AUTH: &str = "e30=";

/// Asserts a plain error reply: `status` and a message naming the registry.
fn expect_error(ctx: &Ctx, r: &Response, status: u16, what: &str, reference: &str) -> CheckResult {
    ctx.expect_status_ref(r, status, what, reference)?;
    let msg = r.message();
    ensure!(
        msg.contains(NO_REGISTRY),
        format!("the message of {what}"),
        format!("a message naming the registry {NO_REGISTRY}"),
        format!("{msg:?}")
    );
    Ok(())
}

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let e = ctx.engine().clone();
    let repo = format!("{NO_REGISTRY}/{}", ctx.name("remote"));
    match ctx.variant().unwrap_or_default() {
        "pull" => {
            let r = e
                .send(
                    Request::post("/images/create")
                        .query("fromImage", &repo)
                        .query("tag", "latest"),
                )
                .await?;
            expect_error(
                &ctx,
                &r,
                500,
                "pull from a registry that refuses connections",
                "ImageCreate: 500 server error",
            )
        }
        "search" => {
            let r = e.send(Request::get("/images/search").query("term", &repo)).await?;
            expect_error(
                &ctx,
                &r,
                500,
                "search of a registry that refuses connections",
                "ImageSearch: 500 server error",
            )
        }
        "distribution" => {
            let r = e
                .send(Request::get(format!("/distribution/{repo}:latest/json")))
                .await?;
            expect_error(
                &ctx,
                &r,
                500,
                "distribution inspect against a registry that refuses connections",
                "DistributionInspect: 500 server error",
            )
        }
        "push" => {
            // A local image named for the registry, so the push gets as far as the network.
            import(&ctx, &[("f", b"push me")], Some((&repo, "t")), &[]).await?;
            let r = e
                .send(Request::post(format!("/images/{repo}/push")).query("tag", "t").header(
                    "X-Registry-Auth".parse().expect("a valid header name"),
                    EMPTY_AUTH.parse().expect("a valid header value"),
                ))
                .await?;
            // The push reports progress as a stream: a failure after the
            // stream began can only come in it (error and errorDetail).
            if r.status.as_u16() == 200 {
                // (Through the usual assertion, for its JSON Content-Type.)
                ctx.expect_status_ref(
                    &r,
                    200,
                    "push to a registry that refuses connections",
                    "ImagePush: 200 no error",
                )?;
                let msgs = r.json_lines()?;
                let err = stream_error(&msgs).ok_or_else(|| {
                    CheckError::failed(
                        "the progress stream of a push to a registry that refuses connections",
                        "an error message",
                        String::from_utf8_lossy(&r.body),
                    )
                })?;
                let last = msgs.last().cloned().unwrap_or_default();
                ensure!(
                    last.get("error").is_some()
                        && last["error"] == last["errorDetail"]["message"]
                        && err.contains(NO_REGISTRY),
                    "the last message of the failed push",
                    format!("error and errorDetail.message, the same text naming {NO_REGISTRY}"),
                    last.to_string()
                );
                Ok(())
            } else {
                expect_error(
                    &ctx,
                    &r,
                    500,
                    "push to a registry that refuses connections",
                    "ImagePush: 500 server error",
                )
            }
        }
        other => Err(CheckError::Broken(format!("unknown variant {other}"))),
    }
}

pub(crate) async fn run_push_missing(ctx: Ctx) -> CheckResult {
    let repo = format!("{NO_REGISTRY}/{}", ctx.name("missing"));
    let r = ctx
        .engine()
        .send(Request::post(format!("/images/{repo}/push")).query("tag", "t").header(
            "X-Registry-Auth".parse().expect("a valid header name"),
            EMPTY_AUTH.parse().expect("a valid header value"),
        ))
        .await?;
    ctx.expect_status_ref(
        &r,
        404,
        "push of an image that does not exist",
        "ImagePush: 404 no such image",
    )
}
