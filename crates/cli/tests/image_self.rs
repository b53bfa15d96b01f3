//! `dockhand image self`: a static dockhand in an image FROM scratch runs
//! `dockhand check` from inside a container, with the engine's socket
//! mounted, and reaches the same verdicts as the same binary on the host.
//! Builds the static binary itself (`+crt-static`, explicit target), which
//! takes a while the first time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, EndpointSource, Engine, Request};
use serde_json::{json, Value};

const SELECTION: &str = "containers/lifecycle/*";

fn static_binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target_dir = root.join("target").join("static");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "-q",
            "-p",
            "dockhand",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--target-dir",
        ])
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "static build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    target_dir.join("x86_64-unknown-linux-gnu/debug/dockhand")
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

#[test]
fn dockhand_in_its_own_image_checks_the_engine_like_on_the_host() {
    let host_bin = env!("CARGO_BIN_EXE_dockhand");
    // This test binary's dockhand is dynamically linked: refused, with the way out.
    let o = Command::new(host_bin)
        .args(["image", "self", "--tag", "dockhand/dockhand:refused"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("dynamically linked") && err.contains("crt-static"),
        "{err}"
    );

    let binary = static_binary();
    let tag = format!("dockhand/dockhand:test-{}", std::process::id());
    let o = Command::new(host_bin)
        .args(["image", "self", "--binary"])
        .arg(&binary)
        .args(["--tag", &tag])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&tag));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (code, inside) = rt.block_on(async {
        let e = Engine::connect(ConnectOptions {
            endpoint: Endpoint::unix("/var/run/docker.sock", EndpointSource::Default),
            deadlines: Deadlines {
                call: Duration::from_secs(30),
                stream_idle: Duration::from_secs(30),
            },
            pinned_version: None,
        })
        .await
        .expect("the machine's engine");
        let v: Value = e
            .send(Request::get(format!("/images/{tag}/json")))
            .await
            .unwrap()
            .ok()
            .unwrap()
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
            e.send(Request::post(format!("/containers/{id}/start")))
                .await
                .unwrap()
                .ok()
                .unwrap();
            let w: Value = e
                .send(Request::post(format!("/containers/{id}/wait")).allowance(Duration::from_secs(180)))
                .await
                .unwrap()
                .ok()
                .unwrap()
                .json()
                .unwrap();
            let logs = e
                .send(
                    Request::get(format!("/containers/{id}/logs"))
                        .query("stdout", true)
                        .query("stderr", true),
                )
                .await
                .unwrap()
                .ok()
                .unwrap();
            let frames = logs.frames().unwrap();
            let out: Vec<u8> = frames
                .iter()
                .filter(|f| f.stream == dockhand_engine::StreamKind::Stdout)
                .flat_map(|f| f.payload.to_vec())
                .collect();
            let err: Vec<u8> = frames
                .iter()
                .filter(|f| f.stream == dockhand_engine::StreamKind::Stderr)
                .flat_map(|f| f.payload.to_vec())
                .collect();
            eprintln!("inside stderr: {}", String::from_utf8_lossy(&err));
            (
                w["StatusCode"].as_i64().unwrap_or(-1),
                String::from_utf8_lossy(&out).into_owned(),
            )
        }
        .await;
        let _ = e
            .send(Request::delete(format!("/containers/{id}")).query("force", true))
            .await;
        let _ = e.send(Request::delete(format!("/images/{tag}"))).await;
        run
    });

    let o = Command::new(host_bin)
        .args(["check", SELECTION, "--format", "json", "--jobs", "1"])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    let outside = String::from_utf8_lossy(&o.stdout).into_owned();
    let (vin, vout) = (verdicts(&inside), verdicts(&outside));
    assert!(!vin.is_empty(), "no verdicts from inside the container:\n{inside}");
    assert_eq!(vin, vout, "verdicts inside vs on the host");
    assert_eq!(Some(code as i32), o.status.code(), "exit codes inside vs on the host");
}
