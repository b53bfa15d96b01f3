//! `swarm/services/*`: services of probe tasks: their life cycle, rollback,
//! placement (spread, global), scaling, rolling updates and logs.
//!
//! The probe image is used by its tag, so every node must have it (a
//! `dockhand cluster` loads it on every node).

use std::collections::{BTreeMap, HashSet};

use dockhand_engine::Request;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};

use super::support::{
    converge, create_service, describe_tasks, gate, get_json, need_schedulable, nodes, running, schedulable,
    service_logs, service_spec, short_name, tasks, tasks_of_removed, timestamp, update_service, wait_running, CONVERGE,
};

/// The tags every check of the file has.
pub(crate) const TAGS: &[&str] = &["swarm", "services"];

/// The env of a task's (or a spec's task template's) container.
fn env_of(template: &Value) -> Vec<String> {
    template["ContainerSpec"]["Env"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

pub(crate) async fn run_lifecycle(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let name = short_name(&ctx, "svc");
    let spec = service_spec(&ctx, &name, &image, &["idle"], 2);
    let id = create_service(&ctx, &spec).await?;

    let v = get_json(
        &ctx,
        &e,
        &format!("/services/{id}"),
        "inspect the new service",
        "ServiceInspect: 200 no error",
    )
    .await?;
    ensure!(
        v["ID"] == id.as_str(),
        "the inspected service's ID",
        id.clone(),
        v["ID"].to_string()
    );
    ensure!(
        v["Spec"]["Name"] == name.as_str(),
        "Spec.Name",
        name.clone(),
        v["Spec"]["Name"].to_string()
    );
    ensure!(
        v["Spec"]["Labels"]["dockhand.case"] == ctx.case_label().as_str(),
        "Spec.Labels of the created service",
        "the labels it was created with",
        v["Spec"]["Labels"].to_string()
    );
    let v1 = v["Version"]["Index"].as_u64().unwrap_or(0);
    ensure!(
        v1 > 0,
        "Version.Index of a new service",
        "a positive index",
        v["Version"].to_string()
    );

    let filter = json!({ "label": [format!("dockhand.case={}", ctx.case_label())] }).to_string();
    let r = e.send(Request::get("/services").query("filters", &filter)).await?;
    ctx.expect_status_ref(&r, 200, "list services by label", "ServiceList: 200 no error")?;
    let list: Vec<Value> = r.json()?;
    let ids: Vec<&str> = list.iter().filter_map(|s| s["ID"].as_str()).collect();
    ensure!(
        ids == [id.as_str()],
        "services listed with this case's label",
        format!("[{id}]"),
        format!("{ids:?}")
    );

    wait_running(&ctx, &id, 2).await?;

    // Env and replicas in one update.
    let mut spec2 = spec.clone();
    spec2["TaskTemplate"]["ContainerSpec"]["Env"] = json!(["DH_STEP=2"]);
    spec2["Mode"]["Replicated"]["Replicas"] = json!(3);
    update_service(&ctx, &id, &spec2, "update env and replicas").await?;
    let v = get_json(
        &ctx,
        &e,
        &format!("/services/{id}"),
        "inspect the updated service",
        "ServiceInspect: 200 no error",
    )
    .await?;
    let v2 = v["Version"]["Index"].as_u64().unwrap_or(0);
    ensure!(
        v2 > v1,
        "Version.Index after an update",
        format!("more than {v1}"),
        v2.to_string()
    );
    ensure!(
        env_of(&v["Spec"]["TaskTemplate"]) == ["DH_STEP=2"] && v["Spec"]["Mode"]["Replicated"]["Replicas"] == 3,
        "Spec after the update",
        "Env [DH_STEP=2] and 3 replicas",
        v["Spec"].to_string()
    );
    converge_tasks(
        &ctx,
        &id,
        3,
        |t| env_of(&t["Spec"]) == ["DH_STEP=2"],
        "with Env [DH_STEP=2]",
    )
    .await?;

    // A new image tag: the probe under a second name, on every node.
    let repo = image.rsplit_once(':').map(|(r, _)| r).unwrap_or(&image).to_string();
    let new_image = format!("{repo}:{}", ctx.name("tag"));
    let tagged = tag_probe_everywhere(&ctx, &image, &new_image).await;
    let result = async {
        tagged?;
        let mut spec3 = spec2.clone();
        spec3["TaskTemplate"]["ContainerSpec"]["Image"] = json!(new_image);
        update_service(&ctx, &id, &spec3, "update the image tag").await?;
        converge_tasks(
            &ctx,
            &id,
            3,
            |t| t["Spec"]["ContainerSpec"]["Image"] == new_image.as_str(),
            &format!("with Image {new_image}"),
        )
        .await?;

        let r = e.send(Request::delete(format!("/services/{id}"))).await?;
        ctx.expect_status_ref(&r, 200, "delete the service", "ServiceDelete: 200 no error")?;
        let r = e.send(Request::get(format!("/services/{id}"))).await?;
        ctx.expect_status_ref(
            &r,
            404,
            "inspect a deleted service",
            "ServiceInspect: 404 no such service",
        )?;
        let r = e.send(Request::delete(format!("/services/{id}"))).await?;
        ctx.expect_status_ref(
            &r,
            404,
            "delete a deleted service",
            "ServiceDelete: 404 no such service",
        )?;
        // Its tasks go away with it (they are needed no more).
        converge(
            &format!("tasks of deleted service {id}"),
            "no task left",
            CONVERGE,
            || async {
                let ts = tasks_of_removed(&e, &id).await?;
                Ok(if ts.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} tasks", ts.len()))
                })
            },
        )
        .await
    }
    .await;
    untag_probe_everywhere(&ctx, &new_image).await;
    result
}

/// Waits until `want` tasks run and all of them satisfy `ok`.
async fn converge_tasks(
    ctx: &Ctx,
    id: &str,
    want: usize,
    ok: impl Fn(&Value) -> bool,
    what: &str,
) -> Result<Vec<Value>, CheckError> {
    let e = ctx.engine().clone();
    let ok = &ok;
    converge(
        &format!("tasks of service {id} after an update"),
        &format!("{want} running tasks {what}, no other live task"),
        CONVERGE,
        || {
            let e = e.clone();
            async move {
                let ts = tasks(&e, id).await?;
                let live = ts.iter().filter(|t| t["DesiredState"] == "running").count();
                let run = running(&ts);
                if run.len() == want && live == want && run.iter().all(|t| ok(t)) {
                    Ok(Ok(run.into_iter().cloned().collect()))
                } else {
                    let ns = nodes(&e).await?;
                    Ok(Err(describe_tasks(&ts, &ns)))
                }
            }
        },
    )
    .await
}

/// Engines of every node when the run has a cluster, else the run's engine.
fn all_engines(ctx: &Ctx) -> Vec<dockhand_engine::Engine> {
    match ctx.cluster() {
        Some(c) => c.nodes().iter().map(|n| c.engine(n)).collect(),
        None => vec![ctx.engine().clone()],
    }
}

/// Tags the probe image as `new_ref` (`repo:tag`) on every node.
async fn tag_probe_everywhere(ctx: &Ctx, image: &str, new_ref: &str) -> Result<(), CheckError> {
    let (repo, tag) = new_ref.rsplit_once(':').unwrap_or((new_ref, "latest"));
    for e in all_engines(ctx) {
        let r = e
            .send(
                Request::post(format!("/images/{image}/tag"))
                    .query("repo", repo)
                    .query("tag", tag),
            )
            .await?;
        ctx.expect_status_ref(&r, 201, "tag the probe image", "ImageTag: 201 no error")?;
    }
    Ok(())
}

/// Removes the second tag again (the image stays: the probe's own tag holds it).
async fn untag_probe_everywhere(ctx: &Ctx, new_ref: &str) {
    for e in all_engines(ctx) {
        let _ = e.send(Request::delete(format!("/images/{new_ref}"))).await;
    }
}

pub(crate) async fn run_rollback(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let mut spec = service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], 1);
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = json!(["DH_V=1"]);
    let id = create_service(&ctx, &spec).await?;
    wait_running(&ctx, &id, 1).await?;
    let mut spec2 = spec.clone();
    spec2["TaskTemplate"]["ContainerSpec"]["Env"] = json!(["DH_V=2"]);
    update_service(&ctx, &id, &spec2, "update env to DH_V=2").await?;
    converge_tasks(&ctx, &id, 1, |t| env_of(&t["Spec"]) == ["DH_V=2"], "with Env [DH_V=2]").await?;

    let v = get_json(
        &ctx,
        &e,
        &format!("/services/{id}"),
        "inspect before the rollback",
        "ServiceInspect: 200 no error",
    )
    .await?;
    ensure!(
        env_of(&v["PreviousSpec"]["TaskTemplate"]) == ["DH_V=1"],
        "PreviousSpec after one update",
        "the spec before it (Env [DH_V=1])",
        v["PreviousSpec"].to_string()
    );
    let version = v["Version"]["Index"].as_u64().unwrap_or(0);
    let r = e
        .send(
            Request::post(format!("/services/{id}/update"))
                .query("version", version)
                .query("rollback", "previous")
                .json(&v["Spec"]),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, "update with rollback=previous", "ServiceUpdate: 200 no error")?;
    let v = get_json(
        &ctx,
        &e,
        &format!("/services/{id}"),
        "inspect after the rollback",
        "ServiceInspect: 200 no error",
    )
    .await?;
    ensure!(
        env_of(&v["Spec"]["TaskTemplate"]) == ["DH_V=1"],
        "Spec after rollback=previous",
        "the previous spec (Env [DH_V=1])",
        v["Spec"]["TaskTemplate"].to_string()
    );
    converge_tasks(
        &ctx,
        &id,
        1,
        |t| env_of(&t["Spec"]) == ["DH_V=1"],
        "with Env [DH_V=1] again",
    )
    .await?;
    Ok(())
}

/// Running tasks per node host name.
fn per_node(tasks: &[Value], nodes: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in tasks {
        *m.entry(super::support::hostname_of(nodes, t["NodeID"].as_str().unwrap_or("")))
            .or_default() += 1;
    }
    m
}

pub(crate) async fn run_spread(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let all = need_schedulable(&ctx, 2).await?;
    let image = ctx.probe().await?;
    let n = schedulable(&all).len();
    let id = create_service(
        &ctx,
        &service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], n as u64),
    )
    .await?;
    let (run, ns) = wait_running(&ctx, &id, n).await?;
    let spread = per_node(&run, &ns);
    ensure!(
        spread.len() == n && spread.values().all(|c| *c == 1),
        format!("placement of {n} replicas on {n} schedulable nodes"),
        "one task on each node",
        format!("{spread:?}")
    );
    Ok(())
}

pub(crate) async fn run_global(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let all = nodes(ctx.engine()).await?;
    let want: HashSet<String> = schedulable(&all)
        .iter()
        .filter_map(|n| n["Description"]["Hostname"].as_str().map(String::from))
        .collect();
    let mut spec = service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], 0);
    spec["Mode"] = json!({ "Global": {} });
    let id = create_service(&ctx, &spec).await?;
    let (run, ns) = wait_running(&ctx, &id, want.len()).await?;
    let spread = per_node(&run, &ns);
    let got: HashSet<String> = spread.keys().cloned().collect();
    ensure!(
        got == want && spread.values().all(|c| *c == 1),
        "tasks of a global service",
        format!("one on each of {want:?}"),
        format!("{spread:?}")
    );
    Ok(())
}

pub(crate) async fn run_scale(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let spec = service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], 1);
    let id = create_service(&ctx, &spec).await?;
    wait_running(&ctx, &id, 1).await?;
    for n in [4u64, 2] {
        let mut s = spec.clone();
        s["Mode"]["Replicated"]["Replicas"] = json!(n);
        update_service(&ctx, &id, &s, &format!("scale to {n} replicas")).await?;
        wait_running(&ctx, &id, n as usize).await?;
    }
    Ok(())
}

pub(crate) async fn run_rolling(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let (order, parallelism, replicas) = match ctx.variant() {
        Some("start-first") => ("start-first", 1usize, 3usize),
        Some("parallel-2") => ("stop-first", 2, 4),
        _ => ("stop-first", 1, 3),
    };
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let mut spec = service_spec(&ctx, &short_name(&ctx, "svc"), &image, &["idle"], replicas as u64);
    spec["UpdateConfig"] = json!({
        "Parallelism": parallelism,
        "Order": order,
        "Delay": 0,
        "FailureAction": "pause",
        // The update is "completed" only after this monitoring window.
        "Monitor": 200_000_000u64,
    });
    let id = create_service(&ctx, &spec).await?;
    let (old, _) = wait_running(&ctx, &id, replicas).await?;
    let old_ids: HashSet<String> = old.iter().filter_map(|t| t["ID"].as_str().map(String::from)).collect();

    let mut spec2 = spec.clone();
    spec2["TaskTemplate"]["ContainerSpec"]["Env"] = json!(["DH_ROLL=2"]);
    update_service(&ctx, &id, &spec2, "update env (a rolling update)").await?;
    converge(
        &format!("UpdateStatus of service {id}"),
        "State \"completed\"",
        CONVERGE,
        || async {
            let v = get_json(
                &ctx,
                &e,
                &format!("/services/{id}"),
                "inspect during the update",
                "ServiceInspect: 200 no error",
            )
            .await?;
            match v["UpdateStatus"]["State"].as_str() {
                Some("completed") => Ok(Ok(())),
                Some(s @ ("paused" | "rollback_started" | "rollback_completed" | "rollback_paused")) => {
                    Err(CheckError::failed(
                        "the rolling update",
                        "to complete",
                        format!("UpdateStatus {s}: {}", v["UpdateStatus"]["Message"]),
                    ))
                }
                other => Ok(Err(format!("UpdateStatus.State {other:?}"))),
            }
        },
    )
    .await?;
    let new = converge_tasks(
        &ctx,
        &id,
        replicas,
        |t| env_of(&t["Spec"]) == ["DH_ROLL=2"],
        "with Env [DH_ROLL=2]",
    )
    .await?;
    let all = tasks(&e, &id).await?;

    let at = |t: &Value, field: &str| -> Result<u128, CheckError> {
        let raw = if field == "CreatedAt" {
            &t["CreatedAt"]
        } else {
            &t["Status"]["Timestamp"]
        };
        raw.as_str().and_then(timestamp).ok_or_else(|| {
            CheckError::failed(
                format!("task {} {field}", t["ID"]),
                "an RFC 3339 timestamp",
                raw.to_string(),
            )
        })
    };
    // Parallelism: when each new task was created, fewer than `parallelism`
    // other new tasks were created and not yet running.
    let mut spans = Vec::new();
    for t in &new {
        spans.push((
            at(t, "CreatedAt")?,
            at(t, "Status")?,
            t["ID"].as_str().unwrap_or("").to_string(),
        ));
    }
    for (created, _, id) in &spans {
        let in_flight = spans
            .iter()
            .filter(|(c, r, other)| other != id && c <= created && r > created)
            .count();
        ensure!(
            in_flight < parallelism,
            format!("tasks being updated when task {id} was created (Parallelism {parallelism})"),
            format!("fewer than {parallelism}"),
            format!("{in_flight}: {:?}", spans)
        );
    }
    // Order: per slot, the old task stopped before its replacement ran (stop-first),
    // or the replacement ran before the old task stopped (start-first).
    for t in &new {
        let slot = &t["Slot"];
        let Some(prev) = all
            .iter()
            .find(|o| &o["Slot"] == slot && o["ID"].as_str().is_some_and(|i| old_ids.contains(i)))
        else {
            return Err(CheckError::failed(
                format!("the task that slot {slot} had before the update"),
                "an old task in the same slot",
                describe_tasks(&all, &[]),
            ));
        };
        let (stopped, started) = (at(prev, "Status")?, at(t, "Status")?);
        let ok = if order == "stop-first" {
            stopped <= started
        } else {
            started <= stopped
        };
        ensure!(
            ok,
            format!("slot {slot} under Order {order}"),
            if order == "stop-first" {
                "the old task stopped before the new one ran"
            } else {
                "the new task ran before the old one stopped"
            },
            format!(
                "old task stopped at {}, new task running since {}; all tasks: {}",
                prev["Status"]["Timestamp"],
                t["Status"]["Timestamp"],
                timeline(&all)
            )
        );
    }
    Ok(())
}

/// Every task as `slot id state/desired created..status-time`, by slot and creation.
fn timeline(all: &[Value]) -> String {
    let mut v: Vec<(u64, String, String)> = all
        .iter()
        .map(|t| {
            let s = |x: &Value| x.as_str().unwrap_or("?").to_string();
            let line = format!(
                "slot {} {} {}/{} created {} status {}",
                t["Slot"],
                &s(&t["ID"])[..s(&t["ID"]).len().min(8)],
                s(&t["Status"]["State"]),
                s(&t["DesiredState"]),
                s(&t["CreatedAt"]),
                s(&t["Status"]["Timestamp"])
            );
            (t["Slot"].as_u64().unwrap_or(0), s(&t["CreatedAt"]), line)
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, _, l)| l).collect::<Vec<_>>().join("; ")
}

pub(crate) async fn run_logs(ctx: Ctx) -> CheckResult {
    gate(&ctx, false).await;
    let image = ctx.probe().await?;
    let e = ctx.engine().clone();
    let out = format!("out-{}", ctx.run_id());
    let err = format!("err-{}", ctx.run_id());
    let args = [format!("stdout={out}"), format!("stderr={err}"), "idle".into()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let id = create_service(&ctx, &service_spec(&ctx, &short_name(&ctx, "svc"), &image, &args, 1)).await?;
    let (run, _) = wait_running(&ctx, &id, 1).await?;
    let task = run[0]["ID"].as_str().unwrap_or_default().to_string();

    let (o, er) = converge(
        "service logs",
        &format!("stdout {out:?} and stderr {err:?}"),
        CONVERGE,
        || async {
            let (o, er) = service_logs(&e, &id).await?;
            Ok(if o.contains(&out) && er.contains(&err) {
                Ok((o, er))
            } else {
                Err(format!("stdout {o:?}, stderr {er:?}"))
            })
        },
    )
    .await?;
    ensure!(
        !o.contains(&err) && !er.contains(&out),
        "the streams of service logs",
        "each line on its own stream",
        format!("stdout {o:?}, stderr {er:?}")
    );

    let r = e
        .send(
            Request::get(format!("/tasks/{task}/logs"))
                .query("stdout", true)
                .query("stderr", true),
        )
        .await?;
    ctx.expect_status_ref(
        &r,
        200,
        "task logs",
        "TaskLogs: 200 logs returned as a stream in response body",
    )?;
    let l = crate::support::stream_lines(&r.frames()?);
    ensure!(
        l.stdout.iter().any(|x| x.ends_with(&out)) && l.stderr.iter().any(|x| x.ends_with(&err)),
        "task logs",
        format!("stdout {out:?} and stderr {err:?}"),
        format!("{l:?}")
    );

    let v = get_json(
        &ctx,
        &e,
        &format!("/tasks/{task}"),
        "inspect the task",
        "TaskInspect: 200 no error",
    )
    .await?;
    ensure!(
        v["ServiceID"] == id.as_str(),
        "ServiceID of the task",
        id.clone(),
        v["ServiceID"].to_string()
    );
    let r = e.send(Request::get("/tasks/dockhand-no-such-task")).await?;
    ctx.expect_status_ref(
        &r,
        404,
        "inspect a task that does not exist",
        "TaskInspect: 404 no such task",
    )?;
    Ok(())
}
