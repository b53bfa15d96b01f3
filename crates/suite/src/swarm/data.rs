//! `swarm/data/*`: secrets and configs: create, inspect, list, delete, and
//! their content mounted into a task.

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{
    base64, converge, create_data, create_service, gate, get_json, service_logs, service_spec, short_name,
    wait_running, CONVERGE,
};

pub(crate) async fn run(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let secret_text = format!("secret of {}", ctx.case_label());
    let config_text = format!("config of {}", ctx.case_label());
    let (sid, sname) = create_data(&ctx, "secrets", "sec", secret_text.as_bytes()).await?;
    let (cid, cname) = create_data(&ctx, "configs", "cfg", config_text.as_bytes()).await?;

    let s = get_json(
        &ctx,
        &e,
        &format!("/secrets/{sid}"),
        "inspect the secret",
        "SecretInspect: 200 no error",
    )
    .await?;
    ensure!(
        s["Spec"]["Name"] == sname.as_str() && s["Spec"]["Labels"]["dockhand.case"] == ctx.case_label().as_str(),
        "Spec of the inspected secret",
        format!("Name {sname} and the labels it was created with"),
        s["Spec"].to_string()
    );
    ensure!(
        s["Spec"]["Data"].is_null() || s["Spec"]["Data"] == "",
        "Spec.Data of an inspected secret",
        "absent: the data is only used to create a secret and not returned by other endpoints",
        s["Spec"]["Data"].to_string()
    );
    let c = get_json(
        &ctx,
        &e,
        &format!("/configs/{cid}"),
        "inspect the config",
        "ConfigInspect: 200 no error",
    )
    .await?;
    ensure!(
        c["Spec"]["Name"] == cname.as_str() && c["Spec"]["Data"] == base64(config_text.as_bytes()).as_str(),
        "Spec of the inspected config",
        format!("Name {cname} and the base64 of its data"),
        c["Spec"].to_string()
    );
    let filter = json!({ "label": [format!("dockhand.case={}", ctx.case_label())] }).to_string();
    for (kind, id, op) in [("secrets", &sid, "SecretList"), ("configs", &cid, "ConfigList")] {
        let r = e
            .send(Request::get(format!("/{kind}")).query("filters", &filter))
            .await?;
        ctx.expect_status_ref(
            &r,
            200,
            &format!("list {kind} by label"),
            &format!("{op}: 200 no error"),
        )?;
        let list: Vec<Value> = r.json()?;
        let ids: Vec<&str> = list.iter().filter_map(|x| x["ID"].as_str()).collect();
        ensure!(
            ids == [id.as_str()],
            format!("{kind} listed with this case's label"),
            format!("[{id}]"),
            format!("{ids:?}")
        );
    }

    let mut spec = service_spec(
        &ctx,
        &short_name(&ctx, "svc"),
        &image,
        &[
            "cat=/run/secrets/dh-secret",
            "stdout=",
            "cat=/etc/dh-config",
            "stdout=",
            "idle",
        ],
        1,
    );
    let file = |name: &str| json!({ "Name": name, "UID": "0", "GID": "0", "Mode": 0o444 });
    spec["TaskTemplate"]["ContainerSpec"]["Secrets"] =
        json!([{ "SecretID": sid, "SecretName": sname, "File": file("dh-secret") }]);
    spec["TaskTemplate"]["ContainerSpec"]["Configs"] =
        json!([{ "ConfigID": cid, "ConfigName": cname, "File": file("/etc/dh-config") }]);
    let svc = create_service(&ctx, &spec).await?;
    wait_running(&ctx, &svc, 1).await?;
    converge(
        "the task's output (service logs)",
        &format!("lines {secret_text:?} and {config_text:?}"),
        CONVERGE,
        || async {
            let (out, err) = service_logs(&e, &svc).await?;
            let has = |t: &str| out.lines().any(|l| l == t);
            Ok(if has(&secret_text) && has(&config_text) {
                Ok(())
            } else {
                Err(format!("stdout {out:?}, stderr {err:?}"))
            })
        },
    )
    .await?;

    // Deleting: the service first (it holds both), then each twice.
    let r = e.send(Request::delete(format!("/services/{svc}"))).await?;
    ctx.expect_status_ref(&r, 200, "delete the service", "ServiceDelete: 200 no error")?;
    converge("tasks of the deleted service", "none", CONVERGE, || async {
        let ts = super::support::tasks_of_removed(&e, &svc).await?;
        Ok(if ts.is_empty() {
            Ok(())
        } else {
            Err(format!("{} tasks", ts.len()))
        })
    })
    .await?;
    for (kind, id, op) in [("secrets", &sid, "Secret"), ("configs", &cid, "Config")] {
        let r = e.send(Request::delete(format!("/{kind}/{id}"))).await?;
        ctx.expect_status_ref(
            &r,
            204,
            &format!("delete the unused {kind}"),
            &format!("{op}Delete: 204 no error"),
        )?;
        let r = e.send(Request::get(format!("/{kind}/{id}"))).await?;
        ctx.expect_status_ref(
            &r,
            404,
            &format!("inspect a deleted one of {kind}"),
            &format!("{op}Inspect: 404 {} not found", op.to_lowercase()),
        )?;
        let r = e.send(Request::delete(format!("/{kind}/{id}"))).await?;
        ctx.expect_status_ref(
            &r,
            404,
            &format!("delete a deleted one of {kind}"),
            &format!("{op}Delete: 404 {} not found", op.to_lowercase()),
        )?;
    }
    Ok(())
}
