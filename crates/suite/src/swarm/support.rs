//! Helpers of the swarm checks: service specs for the probe, creating
//! labelled swarm objects with their cleanup, reading tasks and nodes, polling
//! for convergence against a deadline, and the cluster gate.

use std::future::Future;
use std::time::{Duration, Instant};

use dockhand_engine::{Engine, Request, Response};
use dockhand_harness::{CheckError, Cleanup, ClusterCtx, Ctx};
use serde_json::{json, Value};

/// How long a service gets to converge (tasks scheduled, started, replaced).
pub(crate) const CONVERGE: Duration = Duration::from_secs(45);

/// How often convergence is polled.
const POLL: Duration = Duration::from_millis(150);

/// Polls `probe` until it returns `Ok(Ok(value))`, or fails once `deadline`
/// passes with the last observation (`Ok(Err(observation))`) as what came.
pub(crate) async fn converge<T, F, Fut>(
    what: &str,
    expected: &str,
    deadline: Duration,
    mut probe: F,
) -> Result<T, CheckError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<T, String>, CheckError>>,
{
    let started = Instant::now();
    loop {
        let last = match probe().await? {
            Ok(v) => return Ok(v),
            Err(observed) => observed,
        };
        if started.elapsed() >= deadline {
            return Err(CheckError::failed(
                format!("{what} (polled for {deadline:?})"),
                expected.to_string(),
                last,
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Standard base64 with padding: how the API carries secret and config data.
pub(crate) fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Takes the cluster gate for the check, until its cleanup is done (see
/// [`ClusterCtx::shared`]): `exclusive` for checks that drain nodes, take
/// them down or change the swarm. Nothing on an engine that is not a local cluster.
pub(crate) async fn gate(ctx: &Ctx, exclusive: bool) {
    match ctx.cluster() {
        None => {}
        Some(c) if exclusive => c.exclusive().await,
        Some(c) => c.shared().await,
    }
}

/// The cluster, or a skip for checks that need node control: none without
/// a cluster, and none when the cluster file gives no commands for it.
pub(crate) fn cluster(ctx: &Ctx) -> Result<ClusterCtx, CheckError> {
    let c = ctx.cluster().ok_or_else(|| {
        CheckError::Skip(
            "needs a cluster whose nodes it can take down: run with `--cluster NAME` or `--cluster-file FILE`".into(),
        )
    })?;
    match c.control_missing() {
        Some(why) => Err(CheckError::Skip(format!("needs to take nodes down: {why}"))),
        None => Ok(c),
    }
}

/// A replicated service of probe tasks running `args`, labelled for the check.
pub(crate) fn service_spec(ctx: &Ctx, name: &str, image: &str, args: &[&str], replicas: u64) -> Value {
    json!({
        "Name": name,
        "Labels": ctx.labels(),
        "TaskTemplate": {
            "ContainerSpec": { "Image": image, "Args": args, "StopGracePeriod": 2_000_000_000u64 },
            "RestartPolicy": { "Condition": "any", "Delay": 100_000_000u64 },
        },
        "Mode": { "Replicated": { "Replicas": replicas } },
    })
}

/// The `Id`/`ID` of a create reply, or a failure naming the reply.
pub(crate) fn created_id(resp: &Response, what: &str) -> Result<String, CheckError> {
    let v: Value = resp.json()?;
    let id = v["ID"].as_str().or(v["Id"].as_str()).unwrap_or_default().to_string();
    if id.is_empty() {
        return Err(CheckError::failed(
            format!("{what}: the reply's ID"),
            "a non-empty ID",
            String::from_utf8_lossy(&resp.body),
        ));
    }
    Ok(id)
}

/// Creates a service (expecting 201) and registers its removal.
pub(crate) async fn create_service(ctx: &Ctx, spec: &Value) -> Result<String, CheckError> {
    let r = ctx.engine().send(Request::post("/services/create").json(spec)).await?;
    ctx.expect_status_ref(&r, 201, "create a service", "ServiceCreate: 201 no error")?;
    let id = created_id(&r, "service create")?;
    ctx.defer(Cleanup::Service(id.clone()));
    Ok(id)
}

/// Creates an overlay network (expecting 201) and registers its removal.
pub(crate) async fn create_overlay(ctx: &Ctx, suffix: &str, attachable: bool) -> Result<(String, String), CheckError> {
    let name = short_name(ctx, suffix);
    let body = json!({
        "Name": name, "Driver": "overlay", "Attachable": attachable,
        "CheckDuplicate": true, "Labels": ctx.labels(),
    });
    let r = ctx.engine().send(Request::post("/networks/create").json(&body)).await?;
    ctx.expect_status_ref(&r, 201, "create an overlay network", "NetworkCreate: 201 no error")?;
    let id = created_id(&r, "network create")?;
    ctx.defer(Cleanup::Network(id.clone()));
    Ok((id, name))
}

/// Creates a secret or config (`kind` = `secrets` / `configs`) holding `data`, and registers its removal.
pub(crate) async fn create_data(
    ctx: &Ctx,
    kind: &str,
    suffix: &str,
    data: &[u8],
) -> Result<(String, String), CheckError> {
    let name = short_name(ctx, suffix);
    let body = json!({
        "Name": name,
        "Labels": ctx.labels(),
        "Data": base64(data),
    });
    let r = ctx
        .engine()
        .send(Request::post(format!("/{kind}/create")).json(&body))
        .await?;
    let op = if kind == "secrets" {
        "SecretCreate"
    } else {
        "ConfigCreate"
    };
    ctx.expect_status_ref(
        &r,
        201,
        &format!("create a {}", &kind[..kind.len() - 1]),
        &format!("{op}: 201 no error"),
    )?;
    let id = created_id(&r, &format!("{kind} create"))?;
    ctx.defer(if kind == "secrets" {
        Cleanup::Secret(id.clone())
    } else {
        Cleanup::Config(id.clone())
    });
    Ok((id, name))
}

/// GET a JSON document, expecting 200.
pub(crate) async fn get_json(
    ctx: &Ctx,
    engine: &Engine,
    path: &str,
    what: &str,
    reference: &str,
) -> Result<Value, CheckError> {
    let r = engine.send(Request::get(path)).await?;
    ctx.expect_status_ref(&r, 200, what, reference)?;
    Ok(r.json()?)
}

/// The tasks of a service, as the engine lists them.
pub(crate) async fn tasks(engine: &Engine, service: &str) -> Result<Vec<Value>, CheckError> {
    let filter = json!({ "service": [service] }).to_string();
    let r = engine
        .send(Request::get("/tasks").query("filters", filter))
        .await?
        .ok()?;
    Ok(r.json()?)
}

/// The tasks of a removed service: all tasks, picked by `ServiceID` (a
/// `service` filter naming a removed service is refused with 404 by Docker).
pub(crate) async fn tasks_of_removed(engine: &Engine, service: &str) -> Result<Vec<Value>, CheckError> {
    let r = engine.send(Request::get("/tasks")).await?.ok()?;
    let all: Vec<Value> = r.json()?;
    Ok(all.into_iter().filter(|t| t["ServiceID"] == service).collect())
}

/// A name for a swarm object: unique like [`Ctx::name`], but short enough for
/// a service name (at most 63 characters, a DNS label):
/// `dh-<run>-<12 hex of the full name>-<suffix>`.
pub(crate) fn short_name(ctx: &Ctx, suffix: &str) -> String {
    let full = ctx.name(suffix);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in full.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let s: String = suffix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    format!("dh-{}-{:012x}-{s}", ctx.run_id(), h & 0xffff_ffff_ffff).to_ascii_lowercase()
}

/// Tasks that run and are meant to.
pub(crate) fn running(tasks: &[Value]) -> Vec<&Value> {
    tasks
        .iter()
        .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
        .collect()
}

/// `state@node` of each task, for failure messages.
pub(crate) fn describe_tasks(tasks: &[Value], nodes: &[Value]) -> String {
    let mut v: Vec<String> = tasks
        .iter()
        .map(|t| {
            let err = t["Status"]["Err"].as_str().filter(|e| !e.is_empty());
            format!(
                "{}->{}@{}{}",
                t["Status"]["State"].as_str().unwrap_or("?"),
                t["DesiredState"].as_str().unwrap_or("?"),
                hostname_of(nodes, t["NodeID"].as_str().unwrap_or("")),
                err.map(|e| format!(" ({e})")).unwrap_or_default()
            )
        })
        .collect();
    v.sort();
    format!("[{}]", v.join(", "))
}

/// The swarm's nodes.
pub(crate) async fn nodes(engine: &Engine) -> Result<Vec<Value>, CheckError> {
    Ok(engine.send(Request::get("/nodes")).await?.ok()?.json()?)
}

/// Nodes that are ready and active: where tasks can go.
pub(crate) fn schedulable(nodes: &[Value]) -> Vec<&Value> {
    nodes
        .iter()
        .filter(|n| n["Status"]["State"] == "ready" && n["Spec"]["Availability"] == "active")
        .collect()
}

/// A node's host name by ID (`?` if unknown).
pub(crate) fn hostname_of(nodes: &[Value], id: &str) -> String {
    nodes
        .iter()
        .find(|n| n["ID"] == id)
        .and_then(|n| n["Description"]["Hostname"].as_str())
        .unwrap_or(if id.is_empty() { "unassigned" } else { "?" })
        .to_string()
}

/// Skips unless the swarm has at least `n` schedulable nodes.
pub(crate) async fn need_schedulable(ctx: &Ctx, n: usize) -> Result<Vec<Value>, CheckError> {
    let all = nodes(ctx.engine()).await?;
    let count = schedulable(&all).len();
    if count < n {
        return Err(CheckError::Skip(format!(
            "needs at least {n} ready, active nodes; the swarm has {count}: `dockhand cluster create NAME --nodes {n}` makes one"
        )));
    }
    Ok(all)
}

/// Updates a service to `spec` at its current version, expecting 200.
pub(crate) async fn update_service(ctx: &Ctx, id: &str, spec: &Value, what: &str) -> Result<Value, CheckError> {
    let current = get_json(
        ctx,
        ctx.engine(),
        &format!("/services/{id}"),
        "inspect the service",
        "ServiceInspect: 200 no error",
    )
    .await?;
    let version = current["Version"]["Index"].as_u64().unwrap_or(0);
    let r = ctx
        .engine()
        .send(
            Request::post(format!("/services/{id}/update"))
                .query("version", version)
                .json(spec),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, what, "ServiceUpdate: 200 no error")?;
    Ok(r.json()?)
}

/// Waits until the service has exactly `want` running tasks and no other live
/// ones, and returns them (with the node list it checked them against).
pub(crate) async fn wait_running(ctx: &Ctx, id: &str, want: usize) -> Result<(Vec<Value>, Vec<Value>), CheckError> {
    let e = ctx.engine().clone();
    converge(
        &format!("tasks of service {id}"),
        &format!("{want} running tasks and no other task meant to run"),
        CONVERGE,
        || async {
            let ts = tasks(&e, id).await?;
            let ns = nodes(&e).await?;
            let live: Vec<&Value> = ts.iter().filter(|t| t["DesiredState"] == "running").collect();
            let run = running(&ts);
            if run.len() == want && live.len() == want {
                let run: Vec<Value> = run.into_iter().cloned().collect();
                Ok(Ok((run, ns)))
            } else {
                Ok(Err(describe_tasks(&ts, &ns)))
            }
        },
    )
    .await
}

/// Service logs, both streams, as text per stream.
pub(crate) async fn service_logs(engine: &Engine, id: &str) -> Result<(String, String), CheckError> {
    let r = engine
        .send(
            Request::get(format!("/services/{id}/logs"))
                .query("stdout", true)
                .query("stderr", true),
        )
        .await?
        .ok()?;
    let lines = crate::support::stream_lines(&r.frames()?);
    Ok((lines.stdout.join("\n"), lines.stderr.join("\n")))
}

/// Runs a one-shot probe service (restart condition none) on `network`, waits
/// for its task to finish, and returns the task's final state and its logs.
pub(crate) async fn run_once(
    ctx: &Ctx,
    suffix: &str,
    image: &str,
    args: &[&str],
    network: Option<&str>,
) -> Result<(String, String, String), CheckError> {
    let mut spec = service_spec(ctx, &short_name(ctx, suffix), image, args, 1);
    spec["TaskTemplate"]["RestartPolicy"] = json!({ "Condition": "none" });
    if let Some(n) = network {
        spec["TaskTemplate"]["Networks"] = json!([{ "Target": n }]);
    }
    let id = create_service(ctx, &spec).await?;
    let e = ctx.engine().clone();
    let state = converge(
        &format!("the one-shot task of service {id}"),
        "its task to complete or fail",
        CONVERGE,
        || async {
            let ts = tasks(&e, &id).await?;
            match ts.iter().find_map(|t| t["Status"]["State"].as_str()) {
                Some(s @ ("complete" | "failed" | "rejected" | "shutdown")) => Ok(Ok(s.to_string())),
                other => Ok(Err(format!("task state {other:?}"))),
            }
        },
    )
    .await?;
    // The logs of a finished task may reach the manager a moment after its state.
    let (mut out, mut err) = service_logs(&e, &id).await?;
    for _ in 0..20 {
        if !out.is_empty() || !err.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        (out, err) = service_logs(&e, &id).await?;
    }
    Ok((state, out, err))
}

/// An RFC 3339 UTC timestamp as the engine writes them
/// (`2024-05-01T10:00:00.123456789Z`), as a comparable number of nanoseconds
/// since 0000-01-01 (days are counted loosely, which keeps the order).
pub(crate) fn timestamp(s: &str) -> Option<u128> {
    let (date, time) = s.strip_suffix('Z')?.split_once('T')?;
    let d: Vec<u128> = date.split('-').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let t: Vec<u128> = hms.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    if d.len() != 3 || t.len() != 3 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u128 = format!("{frac:0<9}").parse().ok()?;
    let days = d[0] * 372 + (d[1] - 1) * 31 + (d[2] - 1);
    Some(((days * 24 + t[0]) * 60 + t[1]) * 60 * 1_000_000_000 + t[2] * 1_000_000_000 + nanos)
}

/// Whether this host's kernel has IPVS, which swarm's virtual IPs and ingress
/// routing mesh are built on. Only meaningful for a local cluster, whose
/// nodes share this kernel.
pub(crate) fn host_has_ipvs() -> bool {
    std::path::Path::new("/proc/net/ip_vs").exists()
}

/// Skips a check that needs IPVS when it runs on a local cluster on a kernel without it.
pub(crate) fn need_ipvs(ctx: &Ctx, what: &str) -> Result<(), CheckError> {
    if ctx.cluster().is_some() && !host_has_ipvs() {
        return Err(CheckError::Skip(format!(
            "{what} needs IPVS, and this host's kernel has none (no /proc/net/ip_vs; CONFIG_IP_VS): run the cluster on a kernel with ip_vs"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_order_like_time() {
        let t = |s| timestamp(s).unwrap();
        assert!(t("2024-05-01T10:00:00.5Z") > t("2024-05-01T10:00:00.123456789Z"));
        assert!(t("2024-05-01T10:00:01Z") > t("2024-05-01T10:00:00.999999999Z"));
        assert!(t("2024-06-01T00:00:00Z") > t("2024-05-31T23:59:59.9Z"));
        assert!(t("2025-01-01T00:00:00Z") > t("2024-12-31T23:59:59Z"));
        assert_eq!(t("2024-05-01T10:00:00.1Z"), t("2024-05-01T10:00:00.100Z"));
        assert_eq!(timestamp("2024-05-01 10:00:00"), None);
        assert_eq!(timestamp("0000-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }
}
