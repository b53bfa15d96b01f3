//! `system/version/*`: `GET /version`'s documented fields, and the 400 for an
//! API version the engine does not support.

use dockhand_engine::{ApiVersion, Request};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::Value;

use crate::support::{non_empty_str, send};

fn api_field(v: &Value, key: &str) -> Result<ApiVersion, CheckError> {
    v[key].as_str().and_then(|s| s.parse().ok()).ok_or_else(|| {
        CheckError::failed(
            format!("GET /version: {key}"),
            "an API version such as \"1.41\"",
            v[key].to_string(),
        )
    })
}

pub(crate) async fn run_fields(ctx: Ctx) -> CheckResult {
    let r = send(&ctx, Request::get("/version")).await?;
    ctx.expect_status_ref(&r, 200, "GET /version", "SystemVersion: 200 no error")?;
    let v: Value = r.json()?;
    for key in ["Version", "GoVersion", "Os", "Arch", "BuildTime"] {
        ensure!(
            non_empty_str(&v[key]),
            format!("GET /version: {key}"),
            "a non-empty string",
            v[key].to_string()
        );
    }
    // SystemVersion's GitCommit is a string, not documented as non-empty: a
    // distribution's build may not know the commit (Debian's Podman 4.3.1
    // sends ""); its type is the shapes' to check.
    ensure!(
        v["GitCommit"].is_string(),
        "GET /version: GitCommit",
        "a string",
        v["GitCommit"].to_string()
    );
    ensure!(
        v["GoVersion"].as_str().unwrap_or("").starts_with("go"),
        "GET /version: GoVersion (\"the version Go used to compile the daemon\", e.g. go1.13.14)",
        "a string starting with \"go\"",
        v["GoVersion"].to_string()
    );
    // Omitted when empty or false, per the reference.
    ensure!(
        v.get("KernelVersion").is_none_or(non_empty_str),
        "GET /version: KernelVersion (\"omitted when empty\")",
        "absent or a non-empty string",
        v["KernelVersion"].to_string()
    );
    ensure!(
        v.get("Experimental").is_none_or(|e| e == true),
        "GET /version: Experimental (\"omitted when empty / false\")",
        "absent or true",
        v["Experimental"].to_string()
    );
    ensure!(
        v["Platform"]["Name"].is_string(),
        "GET /version: Platform.Name (required)",
        "a string",
        v["Platform"].to_string()
    );
    let api = api_field(&v, "ApiVersion")?;
    let min = api_field(&v, "MinAPIVersion")?;
    ensure!(
        api >= min,
        "GET /version: ApiVersion (the highest supported) against MinAPIVersion (the lowest)",
        format!("ApiVersion >= MinAPIVersion {min}"),
        format!("ApiVersion {api}")
    );
    ensure!(
        api >= ctx.engine().api_version(),
        "GET /version: ApiVersion against the version dockhand negotiated",
        format!("at least {}", ctx.engine().api_version()),
        api.to_string()
    );

    let comps = v["Components"]
        .as_array()
        .ok_or_else(|| CheckError::failed("GET /version: Components", "an array", v["Components"].to_string()))?;
    for c in comps {
        ensure!(
            non_empty_str(&c["Name"]) && non_empty_str(&c["Version"]),
            "GET /version: each of Components (Name and Version required)",
            "a non-empty Name and Version",
            c.to_string()
        );
    }
    // ComponentVersion's Name is a required string whose example is
    // "Engine"; the reference fixes no name, and Podman 4.3 calls its
    // engine "Podman Engine". The engine's component is the one so named.
    let engine = comps
        .iter()
        .find(|c| c["Name"] == "Engine" || c["Name"].as_str().is_some_and(|n| n.ends_with(" Engine")));
    ensure!(
        engine.is_some_and(|c| c["Version"] == v["Version"]),
        "GET /version: the Engine component",
        format!(
            "a component named Engine (or \"<product> Engine\") with Version {}",
            v["Version"]
        ),
        format!("{comps:?}")
    );

    // "If you omit the version-prefix, the current version of the API is used."
    let r = send(&ctx, Request::get("/version").unversioned()).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "GET /version without a version prefix",
        "SystemVersion: 200 no error",
    )?;
    let u: Value = r.json()?;
    for key in ["Version", "ApiVersion", "MinAPIVersion", "Os", "Arch", "GitCommit"] {
        ensure!(
            u[key] == v[key],
            format!("{key} of the unversioned GET /version"),
            format!("{} as in GET /v{}/version", v[key], ctx.engine().api_version()),
            u[key].to_string()
        );
    }
    Ok(())
}

pub(crate) async fn run_unsupported(ctx: Ctx) -> CheckResult {
    let v: Value = ctx.engine().version().await?;
    let api = api_field(&v, "ApiVersion")?;
    let min = api_field(&v, "MinAPIVersion")?;
    let (asked, bound) = match ctx.variant() {
        Some("too-new") => (ApiVersion::new(api.major, api.minor + 1), api),
        _ => {
            if min.minor == 0 {
                return Err(CheckError::Skip(format!(
                    "MinAPIVersion is {min}: there is no lower 1.x version to ask for"
                )));
            }
            (ApiVersion::new(min.major, min.minor - 1), min)
        }
    };
    let r = send(&ctx, Request::get(format!("/v{asked}/version")).unversioned()).await?;
    ctx.expect_status_ref(
        &r,
        400,
        &format!("GET /version under API version {asked} (supported: {min} to {api})"),
        "API description, Versioning: \"If the API version specified in the URL is not supported by the daemon, a HTTP 400 Bad Request error message is returned\"",
    )?;
    // Below 1.24 errors were plain text, and the engine answers in the version
    // asked for; above, the body is the documented {"message": ...}.
    let msg = if asked < ApiVersion::new(1, 24) {
        r.message()
    } else {
        let body: Value = r.json()?;
        ensure!(
            non_empty_str(&body["message"]),
            "the 400's body (API description, Errors: {\"message\": ...})",
            "JSON with a message",
            String::from_utf8_lossy(&r.body)
        );
        body["message"].as_str().unwrap_or_default().to_string()
    };
    ensure!(
        msg.contains(&bound.to_string()),
        "the 400's message",
        format!("the supported bound {bound}"),
        format!("{msg:?}")
    );
    Ok(())
}
