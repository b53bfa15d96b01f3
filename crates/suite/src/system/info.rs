//! `system/info/*`: `GET /info`'s documented fields, and its container counts
//! against `GET /containers/json`.

use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::{case_filter, create_probe, non_empty_str, probe_config, send, start_container, wait_exit};

async fn info(ctx: &Ctx) -> Result<Value, CheckError> {
    let r = send(ctx, Request::get("/info")).await?;
    ctx.expect_status_ref(&r, 200, "GET /info", "SystemInfo: 200 no error")?;
    Ok(r.json()?)
}

fn names(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

pub(crate) async fn run_fields(ctx: Ctx) -> CheckResult {
    ctx.probe().await?;
    let version: Value = ctx.engine().version().await?;
    let v = info(&ctx).await?;
    for key in [
        "ID",
        "Driver",
        "DockerRootDir",
        "LoggingDriver",
        "CgroupDriver",
        "KernelVersion",
        "OperatingSystem",
        "OSType",
        "Architecture",
        "Name",
        "ServerVersion",
        "DefaultRuntime",
    ] {
        ensure_seen!(
            non_empty_str(&v[key]),
            Observed::field_value("GET", "/info", &format!("/{key}"), v[key].clone()),
            format!("GET /info: {key}"),
            "a non-empty string",
            v[key].to_string()
        );
    }
    for key in [
        "Containers",
        "ContainersRunning",
        "ContainersPaused",
        "ContainersStopped",
        "Images",
        "NCPU",
        "MemTotal",
    ] {
        ensure!(
            v[key].is_u64(),
            format!("GET /info: {key}"),
            "a non-negative integer",
            v[key].to_string()
        );
    }
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    ensure!(
        n("Containers") == n("ContainersRunning") + n("ContainersPaused") + n("ContainersStopped"),
        "GET /info: Containers against ContainersRunning + ContainersPaused + ContainersStopped in the same reply",
        format!(
            "{} + {} + {}",
            n("ContainersRunning"),
            n("ContainersPaused"),
            n("ContainersStopped")
        ),
        n("Containers").to_string()
    );
    ensure!(
        n("Images") >= 1,
        "GET /info: Images, with the probe image loaded",
        "at least 1",
        n("Images").to_string()
    );
    ensure!(n("NCPU") >= 1, "GET /info: NCPU", "at least 1", n("NCPU").to_string());
    ensure!(
        n("MemTotal") > 0,
        "GET /info: MemTotal",
        "more than 0 bytes",
        n("MemTotal").to_string()
    );
    ensure!(
        v["DockerRootDir"].as_str().unwrap_or("").starts_with('/') || v["OSType"] == "windows",
        "GET /info: DockerRootDir",
        "an absolute path",
        v["DockerRootDir"].to_string()
    );
    for (key, want) in [
        ("ServerVersion", "Version"),
        ("OSType", "Os"),
        ("KernelVersion", "KernelVersion"),
    ] {
        ensure!(
            v[key] == version[want],
            format!("GET /info: {key} against GET /version's {want}"),
            version[want].to_string(),
            v[key].to_string()
        );
    }
    let experimental = version["Experimental"].as_bool().unwrap_or(false);
    ensure!(
        v["ExperimentalBuild"] == experimental,
        "GET /info: ExperimentalBuild against GET /version's Experimental (omitted when false)",
        experimental.to_string(),
        v["ExperimentalBuild"].to_string()
    );
    let volume_plugins = names(&v["Plugins"]["Volume"]);
    ensure!(
        volume_plugins.contains(&"local"),
        "GET /info: Plugins.Volume",
        "a list with the built-in \"local\" driver",
        v["Plugins"]["Volume"].to_string()
    );
    let network_plugins = names(&v["Plugins"]["Network"]);
    ensure!(
        ["bridge", "host", "null"].iter().all(|d| network_plugins.contains(d)),
        "GET /info: Plugins.Network",
        "a list with the built-in bridge, host and null drivers",
        v["Plugins"]["Network"].to_string()
    );
    ensure!(
        !names(&v["Plugins"]["Log"]).is_empty(),
        "GET /info: Plugins.Log",
        "a non-empty list of logging drivers",
        v["Plugins"]["Log"].to_string()
    );
    let default_runtime = v["DefaultRuntime"].as_str().unwrap_or("");
    ensure!(
        v["Runtimes"].get(default_runtime).is_some(),
        "GET /info: DefaultRuntime among Runtimes",
        format!("Runtimes with a key {default_runtime:?}"),
        v["Runtimes"].to_string()
    );
    ensure!(
        matches!(v["CgroupDriver"].as_str(), Some("cgroupfs" | "systemd" | "none")),
        "GET /info: CgroupDriver (enum cgroupfs, systemd, none)",
        "one of cgroupfs, systemd, none",
        v["CgroupDriver"].to_string()
    );
    ensure!(
        matches!(v["CgroupVersion"].as_str(), Some("1" | "2")),
        "GET /info: CgroupVersion (enum 1, 2)",
        "\"1\" or \"2\"",
        v["CgroupVersion"].to_string()
    );
    let state = v["Swarm"]["LocalNodeState"].as_str();
    ensure!(
        matches!(state, Some("" | "inactive" | "pending" | "active" | "error" | "locked")),
        "GET /info: Swarm.LocalNodeState (enum \"\", inactive, pending, active, error, locked)",
        "one of the enum",
        v["Swarm"].to_string()
    );
    let time = v["SystemTime"].as_str().unwrap_or("");
    ensure!(
        OffsetDateTime::parse(time, &Rfc3339).is_ok(),
        "GET /info: SystemTime (RFC 3339 date-time with nano-seconds)",
        "an RFC 3339 timestamp",
        v["SystemTime"].to_string()
    );
    ensure!(
        v["SecurityOptions"]
            .as_array()
            .is_some_and(|a| a.iter().all(|o| o.as_str().is_some_and(|s| s.starts_with("name=")))),
        "GET /info: SecurityOptions (\"name=<option>,key=value\" strings)",
        "an array of strings each starting name=",
        v["SecurityOptions"].to_string()
    );
    ensure!(
        v["Labels"].is_array() && v["IndexServerAddress"].is_string() && v["RegistryConfig"].is_object(),
        "GET /info: Labels, IndexServerAddress, RegistryConfig",
        "an array, a string and an object",
        format!("{}, {}, {}", v["Labels"], v["IndexServerAddress"], v["RegistryConfig"])
    );
    Ok(())
}

/// One snapshot of the counts, by both endpoints.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    containers: u64,
    running: u64,
    paused: u64,
    stopped: u64,
    listed_all: u64,
    listed_default: u64,
}

pub(crate) async fn run_counts(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let running = create_probe(&ctx, "running", probe_config(&ctx, &image, &["idle"])).await?;
    start_container(&ctx, &running).await?;
    let created = create_probe(&ctx, "created", probe_config(&ctx, &image, &["idle"])).await?;
    let exited = create_probe(&ctx, "exited", probe_config(&ctx, &image, &["exit=0"])).await?;
    start_container(&ctx, &exited).await?;
    let code = wait_exit(&ctx, &exited, Duration::from_secs(20)).await?;
    ensure!(code == 0, "the exited probe's exit code", "0", code.to_string());

    // Our own two, by label.
    let mine = e.container_list(true, Some(&case_filter(&ctx).to_string())).await?;
    let mut states: Vec<(String, String)> = mine
        .iter()
        .map(|c| {
            (
                c["Id"].as_str().unwrap_or_default().to_string(),
                c["State"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    states.sort();
    let mut want = vec![
        (running.clone(), "running".to_string()),
        (created.clone(), "created".to_string()),
        (exited.clone(), "exited".to_string()),
    ];
    want.sort();
    ensure!(
        states == want,
        "GET /containers/json?all=1 filtered by the check's label: ids and State",
        format!("{want:?}"),
        format!("{states:?}")
    );

    // SystemInfo: `Containers` "total number of containers on the host",
    // `ContainersRunning`, `ContainersPaused` and `ContainersStopped` the
    // containers "with status" running, paused, "stopped". No container
    // status is "stopped" (ContainerState `Status`: created, running, paused,
    // restarting, removing, exited, dead), so the reference does not say
    // where a created container counts: Docker counts it as stopped, Podman
    // as none of the three. An exited container is stopped on both; the
    // three counts are of disjoint statuses, so their sum is at most the total.
    //
    // Other checks create and remove containers meanwhile: look for a quiet
    // moment in which /info did not change around the two lists, and compare
    // that one. A correct engine gives one within the deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut last;
    loop {
        let a = info(&ctx).await?;
        let all = e.container_list(true, None).await?;
        let default = e.container_list(false, None).await?;
        let b = info(&ctx).await?;
        let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or(u64::MAX);
        let snap = |v: &Value| Snapshot {
            containers: n(v, "Containers"),
            running: n(v, "ContainersRunning"),
            paused: n(v, "ContainersPaused"),
            stopped: n(v, "ContainersStopped"),
            listed_all: all.len() as u64,
            listed_default: default.len() as u64,
        };
        let (sa, sb) = (snap(&a), snap(&b));
        let quiet = sa == sb;
        let consistent = sa.containers == sa.listed_all
            && sa.running + sa.paused == sa.listed_default
            && sa.running + sa.paused + sa.stopped <= sa.containers;
        if quiet && consistent {
            ensure!(
                sa.containers >= 3 && sa.running >= 1 && sa.stopped >= 1,
                "GET /info's counts with the check's running, created and exited containers",
                "Containers >= 3, ContainersRunning >= 1, ContainersStopped >= 1",
                format!("{sa:?}")
            );
            return Ok(());
        }
        last = (sa, sb);
        if tokio::time::Instant::now() > deadline {
            return Err(CheckError::failed(
                "GET /info's Containers (>= Running + Paused + Stopped) against GET /containers/json?all=1, and Running + Paused against GET /containers/json, in an unchanging snapshot within 10 s",
                "Containers == listed with all=1, ContainersRunning + ContainersPaused == listed by default, ContainersRunning + ContainersPaused + ContainersStopped <= Containers",
                format!("last snapshot before and after the lists: {:?} / {:?}", last.0, last.1),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
