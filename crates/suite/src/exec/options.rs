//! `exec/options/*`: the exec's environment, user, working directory and TTY,
//! each seen from inside by the probe.

use dockhand_engine::StreamKind;
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::json;

use super::{exec_create_ok, exec_start_attached, exec_wait_done, idle_container, probe_cmd};
use crate::support::{frames_preview, preview_bytes, stream_bytes};

use crate::support::POLL_DEADLINE as WITHIN;

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    let c = idle_container(&ctx).await?;
    let variant = ctx.variant().unwrap_or("env");
    let (steps, extra): (&[&str], serde_json::Value) = match variant {
        "env" => (&["env"], json!({ "Env": ["DH_ONE=1", "DH_TWO=two words"] })),
        "user" => (&["whoami"], json!({ "User": "1000:1000" })),
        "workdir" => (&["pwd"], json!({ "WorkingDir": "/etc" })),
        _ => (&["stdout=out one", "stderr=err one"], json!({ "Tty": true })),
    };
    let tty = variant == "tty";
    let mut body = json!({ "AttachStdout": true, "AttachStderr": true, "Cmd": probe_cmd(&ctx, steps).await? });
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let exec = exec_create_ok(&ctx, &c, &body).await?;
    let mut h = exec_start_attached(&ctx, &exec, tty).await?;
    if tty {
        let raw = h.read_raw_to_end(WITHIN).await?;
        let text = String::from_utf8_lossy(&raw).replace("\r\n", "\n");
        ensure!(
            text == "out one\nerr one\n",
            "the stream of a TTY exec (ContainerAttach: \"Stream format when using a TTY\": not multiplexed, the raw data of the PTY)",
            "the raw bytes \"out one\\r\\nerr one\\r\\n\"",
            preview_bytes(&raw, 200)
        );
    } else {
        let frames = h.read_frames_to_end(WITHIN).await?;
        let out = String::from_utf8_lossy(&stream_bytes(&frames, StreamKind::Stdout)).into_owned();
        let err = stream_bytes(&frames, StreamKind::Stderr);
        let lines: Vec<&str> = out.lines().collect();
        let (ok, what, want) = match variant {
            "env" => (
                lines.contains(&"DH_ONE=1") && lines.contains(&"DH_TWO=two words") && lines.contains(&"PATH=/"),
                "the exec's environment (Env: \"A list of environment variables in the form [\\\"VAR=value\\\", ...]\"), with the image's PATH",
                "lines DH_ONE=1, DH_TWO=two words and PATH=/",
            ),
            "user" => (
                lines == ["uid=1000 gid=1000"],
                "the exec's user (User: \"Format is one of: user, user:group, uid, or uid:gid\")",
                "uid=1000 gid=1000",
            ),
            _ => (
                lines == ["/etc"],
                "the exec's working directory (WorkingDir)",
                "/etc",
            ),
        };
        ensure!(ok && err.is_empty(), what, want, frames_preview(&frames));
    }
    let v = exec_wait_done(&ctx, &exec, WITHIN).await?;
    ensure!(
        v["ExitCode"] == 0,
        "ExecInspect's ExitCode",
        "0",
        v["ExitCode"].to_string()
    );
    let pc = &v["ProcessConfig"];
    let (key, want) = match variant {
        "user" => ("user", json!("1000:1000")),
        "tty" => ("tty", json!(true)),
        _ => ("tty", json!(false)),
    };
    ensure!(
        pc[key] == want,
        format!("ExecInspect's ProcessConfig.{key}"),
        want.to_string(),
        pc.to_string()
    );
    Ok(())
}
