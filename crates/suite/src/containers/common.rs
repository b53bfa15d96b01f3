//! Helpers the `containers` checks share: running a probe, waiting for its
//! exit, reading its logs, and polling its state against a deadline.

use dockhand_engine::Request;
use dockhand_harness::{CheckError, Ctx};
use serde_json::{json, Value};

use crate::support::{create_probe, probe_config, wait_for_logs, StreamLines};

pub(crate) use crate::support::{POLL_DEADLINE, POLL_EVERY};

/// The label filter that scopes a list or prune to this case's own objects.
pub(crate) fn case_filter(ctx: &Ctx) -> String {
    format!("dockhand.case={}", ctx.case_label())
}

/// The variant being run; a check registered with variants always has one.
pub(crate) fn variant(ctx: &Ctx) -> Result<&'static str, CheckError> {
    ctx.variant()
        .ok_or_else(|| CheckError::Broken(format!("{} runs only as one of its variants", ctx.check_id())))
}

/// A variant the check's body does not know: a registration mistake.
pub(crate) fn unknown_variant(ctx: &Ctx, v: &str) -> CheckError {
    CheckError::Broken(format!("{} has no variant {v:?}", ctx.check_id()))
}

/// Creates (201) and starts (204) a probe container running `steps`.
pub(crate) async fn start_probe(ctx: &Ctx, suffix: &str, steps: &[&str]) -> Result<String, CheckError> {
    let image = ctx.probe().await?;
    let id = create_probe(ctx, suffix, probe_config(ctx, &image, steps)).await?;
    start(ctx, &id).await?;
    Ok(id)
}

/// Creates a probe container from `config` merged over the usual body
/// (image, labels), without starting it.
pub(crate) async fn create_with(ctx: &Ctx, suffix: &str, steps: &[&str], extra: Value) -> Result<String, CheckError> {
    let image = ctx.probe().await?;
    let mut config = probe_config(ctx, &image, steps);
    merge(&mut config, extra);
    create_probe(ctx, suffix, config).await
}

/// Merges `extra` into `base`, objects key by key (so `HostConfig` fields add up).
pub(crate) fn merge(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, e) => *b = e,
    }
}

/// Starts a container, expecting 204.
pub(crate) async fn start(ctx: &Ctx, id: &str) -> Result<(), CheckError> {
    let r = ctx.engine().container_start(id).await?;
    ctx.expect_status_ref(&r, 204, "start of a created container", "ContainerStart: 204 no error")
}

/// Inspects a container, expecting 200, and returns the body.
pub(crate) async fn inspect(ctx: &Ctx, id: &str) -> Result<Value, CheckError> {
    let r = ctx.engine().container_inspect(id).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "inspect of an existing container",
        "ContainerInspect: 200 no error",
    )?;
    Ok(r.json()?)
}

/// `POST /containers/{id}/wait` with the default condition: the exit code.
pub(crate) async fn wait_exit(ctx: &Ctx, id: &str) -> Result<i64, CheckError> {
    let r = ctx.engine().container_wait(id, None, POLL_DEADLINE).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "wait for the container to stop",
        "ContainerWait: 200 the container has exit",
    )?;
    status_code(&r.json()?)
}

/// The `StatusCode` of a wait reply, which the reference requires.
pub(crate) fn status_code(v: &Value) -> Result<i64, CheckError> {
    v["StatusCode"].as_i64().ok_or_else(|| {
        CheckError::failed(
            "StatusCode of the wait reply (ContainerWaitResponse, required)",
            "an integer",
            v.to_string(),
        )
    })
}

/// Polls the logs until stdout holds `line` `n` times; returns the lines then.
pub(crate) async fn wait_for_line(ctx: &Ctx, id: &str, line: &str, n: usize) -> Result<StreamLines, CheckError> {
    let what = format!("the probe's stdout within {}s", POLL_DEADLINE.as_secs());
    let expected = format!("{n} line(s) {line:?}");
    wait_for_logs(ctx, id, POLL_DEADLINE, (&what, &expected), |l| {
        l.stdout.iter().filter(|s| *s == line).count() >= n
    })
    .await
}

/// Polls inspect until `done` holds for the body; returns that body. `what`
/// and `expected` describe the state for the failure message.
pub(crate) async fn poll_inspect(
    ctx: &Ctx,
    id: &str,
    what: &str,
    expected: &str,
    done: impl Fn(&Value) -> bool,
) -> Result<Value, CheckError> {
    poll_inspect_seen(ctx, id, what, expected, None, done).await
}

/// [`poll_inspect`], whose failure reports the field at `pointer` of the
/// last inspect (the field `done` waits on) as its fact.
pub(crate) async fn poll_inspect_seen(
    ctx: &Ctx,
    id: &str,
    what: &str,
    expected: &str,
    pointer: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Result<Value, CheckError> {
    let deadline = tokio::time::Instant::now() + POLL_DEADLINE;
    loop {
        let v = inspect(ctx, id).await?;
        if done(&v) {
            return Ok(v);
        }
        if tokio::time::Instant::now() > deadline {
            let e = CheckError::failed(
                format!("{what} within {}s", POLL_DEADLINE.as_secs()),
                expected,
                format!("State {}, RestartCount {}", v["State"], v["RestartCount"]),
            );
            return Err(match pointer {
                Some(p) => e.with_observed(dockhand_harness::Observed::field_value(
                    "GET",
                    &format!("/containers/{id}/json"),
                    p,
                    v.pointer(p).cloned().unwrap_or(Value::Null),
                )),
                None => e,
            });
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Ids of the listed containers that match `filters` (a JSON filter map; the
/// case's own label is added), with `all=1`.
pub(crate) async fn list_ids(ctx: &Ctx, mut filters: Value) -> Result<Vec<String>, CheckError> {
    let labels = filters
        .as_object_mut()
        .ok_or_else(|| CheckError::Broken("list filters must be a JSON object".into()))?
        .entry("label")
        .or_insert_with(|| json!([]));
    if let Value::Array(a) = labels {
        a.push(json!(case_filter(ctx)));
    }
    let r = ctx
        .engine()
        .send(
            Request::get("/containers/json")
                .query("all", "1")
                .query("filters", filters.to_string()),
        )
        .await?;
    ctx.expect_status_ref(&r, 200, "list with filters", "ContainerList: 200 no error")?;
    let v: Value = r.json()?;
    let Some(items) = v.as_array() else {
        return Err(CheckError::failed("list reply", "a JSON array", v.to_string()));
    };
    Ok(items
        .iter()
        .map(|c| c["Id"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// Whether an RFC 3339 timestamp is set (not Go's zero time).
pub(crate) fn is_set_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| !s.is_empty() && !s.starts_with("0001-01-01") && s.contains('T'))
}

/// An RFC 3339 UTC time (`...T..Z`, any fraction) as a key that orders in
/// time: the seconds part, then the fraction padded to nanoseconds.
pub(crate) fn time_key(v: &Value) -> Option<(String, u32)> {
    let s = v.as_str()?.strip_suffix('Z')?;
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = format!("{frac:0<9}").parse().ok()?;
    Some((secs.to_string(), nanos))
}
