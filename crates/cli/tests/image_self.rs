//! `dockhand image self`: a static dockhand in an image FROM scratch runs
//! `dockhand check` from inside a container, with the engine's socket
//! mounted, and reaches the same verdicts as the same binary on the host.
//! The (dynamically linked) test binary's `image self` builds the static
//! binary itself (`+crt-static`, explicit target, into `target/static`),
//! which takes a while the first time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use dockhand_engine::{Engine, Request, Response, StreamKind};
use serde_json::{json, Value};

use crate::kit::engines::{connect, system_endpoint};
use crate::kit::{dockhand, runtime, serial};

const SELECTION: &str = "containers/lifecycle/*";

/// Where `image self` of a debug build puts the static binary it builds.
fn static_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/static/x86_64-unknown-linux-gnu/debug/dockhand")
}

/// Case id -> outcome kind, from `--format json` lines.
fn verdicts(json_lines: &str) -> BTreeMap<String, String> {
    json_lines
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "check-finished")
        .map(|e| {
            (
                e["case"]["id"].as_str().unwrap_or("?").to_string(),
                e["outcome"]["kind"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// Sends `req`, failing the test unless the engine answers 2xx.
async fn ok(e: &Engine, req: Request) -> Response {
    e.send(req).await.unwrap().ok().unwrap()
}

/// The bytes a container wrote to one of its streams, from its framed logs.
fn stream(logs: &Response, kind: StreamKind) -> String {
    let bytes: Vec<u8> = logs
        .frames()
        .unwrap()
        .iter()
        .filter(|f| f.stream == kind)
        .flat_map(|f| f.payload.to_vec())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn dockhand_in_its_own_image_checks_the_engine_like_on_the_host() {
    // Both runs sweep the machine's engine: not while a test's planted
    // orphan waits for its own run's sweep.
    let _engine = serial::shared(serial::ENGINE);
    // A dynamically linked binary named with --binary: refused, with the way out.
    let o = dockhand(["image", "self", "--tag", "dockhand/dockhand:refused", "--binary"])
        .args([env!("CARGO_BIN_EXE_dockhand")])
        .output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("dynamically linked") && err.contains("crt-static"),
        "{err}"
    );

    // This test binary's dockhand, a plain (dynamically linked) build, makes
    // the static one itself from its checkout, and puts that in the image.
    let tag = format!("dockhand/dockhand:test-{}", std::process::id());
    let o = dockhand(["image", "self", "--tag", &tag]).output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("building a static one"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&tag));
    // (It runs in the image FROM scratch below, which has no dynamic loader.)
    assert!(static_binary().is_file(), "no {}", static_binary().display());

    let (code, inside) = runtime().block_on(async {
        let e = connect(system_endpoint(), Duration::from_secs(30)).await;
        let v: Value = ok(&e, Request::get(format!("/images/{tag}/json")))
            .await
            .json()
            .unwrap();
        assert_eq!(v["Config"]["Entrypoint"], json!(["/dockhand"]), "{v}");
        assert_eq!(
            v["RootFS"]["Layers"].as_array().map(Vec::len),
            Some(1),
            "FROM scratch plus the binary: {v}"
        );

        let body = json!({
            "Image": tag,
            "Cmd": ["check", SELECTION, "--format", "json", "--jobs", "1"],
            "Labels": { "dockhand.test": "image-self" },
            "HostConfig": { "Binds": ["/var/run/docker.sock:/var/run/docker.sock"] },
        });
        let r = e.send(Request::post("/containers/create").json(&body)).await.unwrap();
        assert_eq!(r.status.as_u16(), 201, "{}", r.message());
        let id = r.json::<Value>().unwrap()["Id"].as_str().unwrap().to_string();
        let run = async {
            ok(&e, Request::post(format!("/containers/{id}/start"))).await;
            let w: Value = ok(
                &e,
                Request::post(format!("/containers/{id}/wait")).allowance(Duration::from_secs(180)),
            )
            .await
            .json()
            .unwrap();
            let logs = ok(
                &e,
                Request::get(format!("/containers/{id}/logs"))
                    .query("stdout", true)
                    .query("stderr", true),
            )
            .await;
            eprintln!("inside stderr: {}", stream(&logs, StreamKind::Stderr));
            (
                w["StatusCode"].as_i64().unwrap_or(-1),
                stream(&logs, StreamKind::Stdout),
            )
        }
        .await;
        let _ = e
            .send(Request::delete(format!("/containers/{id}")).query("force", true))
            .await;
        let _ = e.send(Request::delete(format!("/images/{tag}"))).await;
        run
    });

    let o = dockhand(["check", SELECTION, "--format", "json", "--jobs", "1"]).output();
    let outside = String::from_utf8_lossy(&o.stdout).into_owned();
    let (vin, vout) = (verdicts(&inside), verdicts(&outside));
    assert!(!vin.is_empty(), "no verdicts from inside the container:\n{inside}");
    assert_eq!(vin, vout, "verdicts inside vs on the host");
    assert_eq!(Some(code as i32), o.status.code(), "exit codes inside vs on the host");
}
