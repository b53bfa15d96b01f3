//! `system/ping/*`: `GET` and `HEAD /_ping`, their headers and bodies.

use dockhand_engine::{Method, Request};
use dockhand_harness::{ensure, ensure_seen, CheckResult, Ctx, Observed};
use serde_json::Value;

use crate::support::send;

pub(crate) async fn run(ctx: Ctx, method: Method) -> CheckResult {
    let op = if method == Method::HEAD {
        "SystemPingHead"
    } else {
        "SystemPing"
    };
    let version: Value = ctx.engine().version().await?;
    let r = send(&ctx, Request::new(method.clone(), "/_ping").unversioned()).await?;
    ctx.expect_status_ref(&r, 200, &format!("{method} /_ping"), &format!("{op}: 200 no error"))?;

    let header = |name: &str| r.header_str(name).map(str::to_string);
    let api = header("api-version");
    ensure!(
        api.as_deref() == version["ApiVersion"].as_str(),
        format!("the API-Version header of {method} /_ping ({op}: \"Max API Version the server supports\")"),
        format!(
            "{:?}, the ApiVersion of GET /version",
            version["ApiVersion"].as_str().unwrap_or("")
        ),
        format!("{api:?}")
    );
    // /version omits Experimental when it is false.
    let experimental = version["Experimental"].as_bool().unwrap_or(false);
    let exp = header("docker-experimental");
    ensure_seen!(
        exp.as_deref() == Some(if experimental { "true" } else { "false" }),
        Observed::header(r.method.as_str(), &r.path, &r.headers, "Docker-Experimental"),
        format!("the Docker-Experimental header of {method} /_ping ({op}: boolean, experimental mode)"),
        format!("\"{experimental}\", as GET /version's Experimental says"),
        format!("{exp:?}")
    );
    // Not in the v1.41 swagger, but every engine's version middleware sets it
    // and the docker CLI reads it to pick the client's OS behaviour.
    let ostype = header("ostype");
    ensure!(
        ostype.as_deref() == version["Os"].as_str(),
        format!("the OSType header of {method} /_ping"),
        format!("{:?}, the Os of GET /version", version["Os"].as_str().unwrap_or("")),
        format!("{ostype:?}")
    );
    let cache = header("cache-control");
    ensure!(
        cache.as_deref() == Some("no-cache, no-store, must-revalidate"),
        format!("the Cache-Control header of {method} /_ping ({op}: default \"no-cache, no-store, must-revalidate\")"),
        "\"no-cache, no-store, must-revalidate\"",
        format!("{cache:?}")
    );
    let pragma = header("pragma");
    ensure!(
        pragma.as_deref() == Some("no-cache"),
        format!("the Pragma header of {method} /_ping ({op}: default \"no-cache\")"),
        "\"no-cache\"",
        format!("{pragma:?}")
    );
    if let Some(b) = header("builder-version") {
        ensure!(
            b == "1" || b == "2",
            format!("the Builder-Version header of {method} /_ping, when sent"),
            "\"1\" (classic) or \"2\" (BuildKit)",
            format!("{b:?}")
        );
    }
    let ct = header("content-type");
    ensure!(
        ct.as_deref().is_some_and(|c| c.starts_with("text/plain")),
        format!("the Content-Type of {method} /_ping ({op} produces text/plain)"),
        "text/plain",
        format!("{ct:?}")
    );

    let want: &[u8] = if method == Method::HEAD { b"" } else { b"OK" };
    ensure!(
        r.body.as_ref() == want,
        format!("the body of {method} /_ping"),
        format!("{:?}", String::from_utf8_lossy(want)),
        format!("{:?}", String::from_utf8_lossy(&r.body))
    );
    Ok(())
}
