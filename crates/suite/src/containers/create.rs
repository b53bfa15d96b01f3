//! `containers/create/*`: what a create body sets is what the process sees
//! and what inspect reports; bad names, taken names and missing images are
//! refused with the documented statuses.

use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};

use super::common::{create_with, inspect, list_ids, start, unknown_variant, variant, wait_exit};
use crate::support::logs;
use crate::support::probe_config;

/// Creates and runs the probe with `steps` and `extra` settings, expects the
/// exit code, and returns (stdout lines, inspect body).
async fn run_with(ctx: &Ctx, steps: &[&str], extra: Value, code: i64) -> Result<(Vec<String>, Value), CheckError> {
    let id = create_with(ctx, "c", steps, extra).await?;
    start(ctx, &id).await?;
    let got = wait_exit(ctx, &id).await?;
    let l = logs(ctx, &id).await?;
    ensure!(
        got == code,
        "exit code of the probe (wait StatusCode)",
        code.to_string(),
        format!("{got}; stdout {:?}, stderr {:?}", l.stdout, l.stderr)
    );
    Ok((l.stdout, inspect(ctx, &id).await?))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or("<not a string>").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The PATH entries of a container's `Config.Env`, each written as where its
/// value comes from: `PATH=<the image's PATH>`, `PATH=<not the image's
/// PATH>` (from elsewhere, e.g. the engine's own environment: host-dependent),
/// or `PATH` as given.
fn path_origins(config_env: &[String], image_env: &[String]) -> Vec<&'static str> {
    let image_path = image_env.iter().find(|l| l.starts_with("PATH="));
    config_env
        .iter()
        .filter(|l| *l == "PATH" || l.starts_with("PATH="))
        .map(|l| match l {
            l if Some(l) == image_path => "PATH=<the image's PATH>",
            l if l == "PATH" => "PATH",
            _ => "PATH=<not the image's PATH>",
        })
        .collect()
}

pub(crate) async fn run_config(ctx: Ctx) -> CheckResult {
    let v = variant(&ctx)?;
    match v {
        "env" => {
            // The reference: "A variable without `=` is removed from the
            // environment, rather than to have an empty value." The image sets PATH.
            let env = ["DH_ONE=1", "DH_TWO=two words=and more", "DH_EMPTY=", "PATH"];
            let (out, ins) = run_with(&ctx, &["env"], json!({ "Env": env }), 0).await?;
            for want in ["DH_ONE=1", "DH_TWO=two words=and more", "DH_EMPTY="] {
                ensure!(
                    out.iter().any(|l| l == want),
                    format!("the probe's environment holds {want:?} (Config.Env)"),
                    format!("a line {want:?}"),
                    format!("{out:?}")
                );
            }
            if out.iter().any(|l| l.starts_with("PATH=")) {
                // The fact a pin can name: inspect's Config.Env entries for
                // PATH, their values written as what they are ("<the image's
                // PATH>" or "<not the image's PATH>": a value from elsewhere,
                // e.g. the engine's own environment, differs from host to host).
                let image = ctx.probe().await?;
                let r = ctx
                    .engine()
                    .send(dockhand_engine::Request::get(format!("/images/{image}/json")))
                    .await?;
                ctx.expect_status_ref(&r, 200, "inspect of the probe image", "ImageInspect: 200 no error")?;
                let image_env = strings(&r.json::<Value>()?["Config"]["Env"]);
                let seen = path_origins(&strings(&ins["Config"]["Env"]), &image_env);
                ensure_seen!(
                    false,
                    Observed::field_value(
                        "GET",
                        &format!("/containers/{}/json", ins["Id"].as_str().unwrap_or_default()),
                        "/Config/Env",
                        json!(seen)
                    ),
                    "the image's PATH after Env [\"PATH\"] (ContainerConfig.Env: a variable without = is removed)",
                    "no PATH= line",
                    format!(
                        "{out:?}; inspect Config.Env {}; the image's Env {image_env:?}",
                        ins["Config"]["Env"]
                    )
                );
            }
            let cfg = strings(&ins["Config"]["Env"]);
            for want in ["DH_ONE=1", "DH_TWO=two words=and more", "DH_EMPTY="] {
                ensure!(
                    cfg.iter().any(|l| l == want),
                    format!("inspect Config.Env holds {want:?}"),
                    "the variable as created",
                    format!("{cfg:?}")
                );
            }
        }
        "cmd" => {
            let cmd = ["stdout=from cmd", "exit=3"];
            let (out, ins) = run_with(&ctx, &cmd, json!({}), 3).await?;
            ensure!(
                out == ["from cmd"],
                "stdout of Cmd",
                "[\"from cmd\"]",
                format!("{out:?}")
            );
            ensure!(
                strings(&ins["Config"]["Cmd"]) == cmd,
                "inspect Config.Cmd",
                format!("{cmd:?}"),
                ins["Config"]["Cmd"].to_string()
            );
            ensure!(
                ins["Path"] == "/probe" && strings(&ins["Args"]) == cmd,
                "inspect Path and Args (the image's entrypoint, then Cmd)",
                format!("\"/probe\" and {cmd:?}"),
                format!("{} and {}", ins["Path"], ins["Args"])
            );
        }
        "entrypoint" => {
            let extra = json!({ "Entrypoint": ["/probe", "stdout=from entrypoint"] });
            let (out, ins) = run_with(&ctx, &["stdout=from cmd"], extra, 0).await?;
            ensure!(
                out == ["from entrypoint", "from cmd"],
                "stdout of Entrypoint followed by Cmd",
                "[\"from entrypoint\", \"from cmd\"]",
                format!("{out:?}")
            );
            ensure!(
                strings(&ins["Config"]["Entrypoint"]) == ["/probe", "stdout=from entrypoint"],
                "inspect Config.Entrypoint",
                "[\"/probe\", \"stdout=from entrypoint\"]",
                ins["Config"]["Entrypoint"].to_string()
            );
            ensure!(
                ins["Path"] == "/probe" && strings(&ins["Args"]) == ["stdout=from entrypoint", "stdout=from cmd"],
                "inspect Path and Args",
                "\"/probe\" and [\"stdout=from entrypoint\", \"stdout=from cmd\"]",
                format!("{} and {}", ins["Path"], ins["Args"])
            );
        }
        "workdir" => {
            // The directory does not exist in the image: the engine creates it.
            let (out, ins) = run_with(&ctx, &["pwd"], json!({ "WorkingDir": "/tmp/dh-work" }), 0).await?;
            ensure!(
                out == ["/tmp/dh-work"],
                "pwd of the probe",
                "[\"/tmp/dh-work\"]",
                format!("{out:?}")
            );
            ensure!(
                ins["Config"]["WorkingDir"] == "/tmp/dh-work",
                "inspect Config.WorkingDir",
                "\"/tmp/dh-work\"",
                ins["Config"]["WorkingDir"].to_string()
            );
        }
        "user" => {
            let (out, ins) = run_with(&ctx, &["whoami"], json!({ "User": "4321:8765" }), 0).await?;
            ensure!(
                out == ["uid=4321 gid=8765"],
                "whoami of the probe with User \"4321:8765\"",
                "[\"uid=4321 gid=8765\"]",
                format!("{out:?}")
            );
            ensure!(
                ins["Config"]["User"] == "4321:8765",
                "inspect Config.User",
                "\"4321:8765\"",
                ins["Config"]["User"].to_string()
            );
        }
        "hostname" => {
            let extra = json!({ "Hostname": "dh-host", "Domainname": "example.test" });
            let (out, ins) = run_with(&ctx, &["hostname"], extra, 0).await?;
            ensure!(
                out == ["dh-host"],
                "hostname of the probe",
                "[\"dh-host\"]",
                format!("{out:?}")
            );
            ensure!(
                ins["Config"]["Hostname"] == "dh-host",
                "inspect Config.Hostname",
                "\"dh-host\"",
                ins["Config"]["Hostname"].to_string()
            );
            ensure_seen!(
                ins["Config"]["Domainname"] == "example.test",
                Observed::field_value(
                    "GET",
                    &format!("/containers/{}/json", ins["Id"].as_str().unwrap_or_default()),
                    "/Config/Domainname",
                    ins["Config"]["Domainname"].clone()
                ),
                "inspect Config.Hostname and Config.Domainname",
                "\"dh-host\" and \"example.test\"",
                format!("{} and {}", ins["Config"]["Hostname"], ins["Config"]["Domainname"])
            );
        }
        "labels" => {
            let labels = ctx.labels_with(&[("dh.test.a", "alpha"), ("dh.test.empty", "")]);
            let (_, ins) = run_with(&ctx, &["exit=0"], json!({ "Labels": labels }), 0).await?;
            let got = &ins["Config"]["Labels"];
            ensure!(
                got["dh.test.a"] == "alpha" && got["dh.test.empty"] == "",
                "inspect Config.Labels",
                "dh.test.a=alpha and dh.test.empty=\"\"",
                got.to_string()
            );
            // The image's own label is inherited.
            ensure!(
                got["dockhand.probe.version"].is_string(),
                "inspect Config.Labels holds the image's label dockhand.probe.version",
                "the label, inherited from the image",
                got.to_string()
            );
            let id = ins["Id"].as_str().unwrap_or_default().to_string();
            let hit = list_ids(&ctx, json!({ "label": ["dh.test.a=alpha", "dh.test.empty"] })).await?;
            ensure!(
                hit == [id.clone()],
                "list with label filters dh.test.a=alpha and dh.test.empty",
                format!("[{id:?}]"),
                format!("{hit:?}")
            );
            let miss = list_ids(&ctx, json!({ "label": ["dh.test.a=beta"] })).await?;
            ensure!(
                miss.is_empty(),
                "list with label filter dh.test.a=beta",
                "no container",
                format!("{miss:?}")
            );
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    Ok(())
}

pub(crate) async fn run_errors(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let body = probe_config(&ctx, &image, &["exit=0"]);
    match variant(&ctx)? {
        "invalid-name" => {
            // The reference: the name must match /?[a-zA-Z0-9][a-zA-Z0-9_.-]+
            for bad in ["dh bad name", "-dh-leading-dash", "dh/slash", "x"] {
                let r = e.container_create(Some(bad), &body).await?;
                ctx.expect_status_ref(
                    &r,
                    400,
                    &format!("create with the name {bad:?}, outside /?[a-zA-Z0-9][a-zA-Z0-9_.-]+"),
                    "ContainerCreate: 400 bad parameter (name must match /?[a-zA-Z0-9][a-zA-Z0-9_.-]+)",
                )?;
            }
        }
        "duplicate-name" => {
            let name = ctx.name("dup");
            let r = e.container_create(Some(&name), &body).await?;
            ctx.expect_status_ref(
                &r,
                201,
                "create with a fresh name",
                "ContainerCreate: 201 container created",
            )?;
            let v: Value = r.json()?;
            let id = v["Id"].as_str().unwrap_or_default().to_string();
            ctx.defer(dockhand_harness::Cleanup::Container(id.clone()));
            ensure!(
                v["Warnings"].is_array(),
                "Warnings of the create reply (required, an array)",
                "an array",
                v["Warnings"].to_string()
            );
            let r = e.container_create(Some(&name), &body).await?;
            ctx.expect_status_ref(
                &r,
                409,
                "create with a name already in use",
                "ContainerCreate: 409 conflict",
            )?;
            let ids = list_ids(&ctx, json!({})).await?;
            ensure!(
                ids == [id.clone()],
                "the case's containers after the refused create",
                format!("only the first, [{id:?}]"),
                format!("{ids:?}")
            );
            return Ok(());
        }
        "missing-image" => {
            let mut missing = body.clone();
            missing["Image"] = json!("dockhand/no-such-image:0.0.0");
            let r = e.container_create(Some(&ctx.name("c")), &missing).await?;
            ctx.expect_status_ref(
                &r,
                404,
                "create from an image the engine lacks",
                "ContainerCreate: 404 no such image",
            )?;
        }
        other => return Err(unknown_variant(&ctx, other)),
    }
    let ids = list_ids(&ctx, json!({})).await?;
    ensure!(
        ids.is_empty(),
        "the case's containers after the refused create",
        "none",
        format!("{ids:?}")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::path_origins;

    fn env(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn path_entries_are_written_as_their_origin_not_their_host_dependent_value() {
        let image = env(&["PATH=/"]);
        // Podman 4.3: the service's own PATH.
        let podman = env(&["TERM=xterm", "DH_ONE=1", "PATH=/root/.cargo/bin:/usr/bin:/bin"]);
        assert_eq!(path_origins(&podman, &image), ["PATH=<not the image's PATH>"]);
        assert_eq!(
            path_origins(&env(&["PATH=/", "X=1"]), &image),
            ["PATH=<the image's PATH>"]
        );
        assert_eq!(path_origins(&env(&["PATH"]), &image), ["PATH"]);
        assert!(path_origins(&env(&["DH_ONE=1", "PATHX=1"]), &image).is_empty());
        assert_eq!(path_origins(&env(&["PATH=/"]), &[]), ["PATH=<not the image's PATH>"]);
    }
}
