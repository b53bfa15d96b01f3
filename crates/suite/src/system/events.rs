//! `system/events/*`: the events stream for a labelled container's life, its
//! filters, `since` and `until`, and its 400s.

use std::time::Duration;

use dockhand_engine::{JsonStream, Request, Response, StreamResponse};
use dockhand_harness::observed::Observed;
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::support::{case_label_kv, create_probe, probe_config, send, start_container, wait_exit};
use crate::volumes::create_volume;

/// The engine's clock now, from `GET /info`'s SystemTime, as the
/// `<seconds>.<nanoseconds>` timestamp `since` and `until` take. The engine's
/// clock, not ours: the engine may run elsewhere.
async fn engine_now(ctx: &Ctx, plus: Duration) -> Result<String, CheckError> {
    let r = send(ctx, Request::get("/info")).await?;
    ctx.expect_status_ref(
        &r,
        200,
        "GET /info (for the engine's clock)",
        "SystemInfo: 200 no error",
    )?;
    let v: Value = r.json()?;
    let s = v["SystemTime"].as_str().unwrap_or_default();
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| CheckError::failed("GET /info: SystemTime", "an RFC 3339 timestamp", format!("{s:?} ({e})")))?;
    let ns = t.unix_timestamp_nanos() + plus.as_nanos() as i128;
    Ok(format!("{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000))
}

/// The events stream of one check: the path as sent (for the facts a
/// failure reports) and its JSON lines.
struct Events {
    path: String,
    lines: JsonStream,
}

/// Opens `GET /events` with `since` and `filters`, expecting 200 JSON.
async fn open(ctx: &Ctx, since: &str, filters: &Value) -> Result<Events, CheckError> {
    let s = ctx
        .engine()
        .stream(
            Request::get("/events")
                .query("since", since)
                .query("filters", filters.to_string()),
        )
        .await?;
    ensure!(
        s.status.as_u16() == 200,
        format!("GET /events?since={since}&filters={filters}"),
        "status 200 (SystemEvents: 200 no error)",
        format!("status {}", s.status.as_u16())
    );
    let ct = s
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    ensure!(
        ct.starts_with("application/json"),
        "the Content-Type of GET /events (SystemEvents produces application/json)",
        "application/json",
        format!("{ct:?}")
    );
    let path = s.path.clone();
    Ok(Events {
        path,
        lines: s.json_lines(),
    })
}

/// The check's own objects, by the role a fact names them with: a fact
/// holds no name or id of the run.
type Roles<'a> = &'a [(&'a str, &'a str)];

/// The role of an event's actor among `roles` (matched on `Actor.ID`, or on
/// `Actor.Attributes.name` for an actor without an ID), if it is one of them.
fn role_of<'a>(ev: &Value, roles: Roles<'a>) -> Option<&'a str> {
    let id = ev["Actor"]["ID"].as_str().unwrap_or_default();
    let name = ev["Actor"]["Attributes"]["name"].as_str().unwrap_or_default();
    roles
        .iter()
        .find(|(_, key)| (!id.is_empty() && id == *key) || (id.is_empty() && name == *key))
        .map(|(role, _)| *role)
}

/// The fact of an events reply: `Type:Action` of each event of the check's
/// own objects (prefixed `role:` when there are several), sorted, as the
/// field `/*/Action`. Run-independent, so a pin can name it: events of other
/// objects, whatever a concurrent case did, are left out.
fn events_fact(path: &str, events: &[Value], roles: Roles<'_>) -> Observed {
    let mut seen: Vec<String> = events
        .iter()
        .filter_map(|ev| {
            let role = role_of(ev, roles)?;
            let what = format!(
                "{}:{}",
                ev["Type"].as_str().unwrap_or("?"),
                ev["Action"].as_str().unwrap_or("?")
            );
            Some(if roles.len() > 1 {
                format!("{role}:{what}")
            } else {
                what
            })
        })
        .collect();
    seen.sort();
    Observed::field_value("GET", path, "/*/Action", json!(seen))
}

/// Reads events until `done` holds for the last one, for at most `limit`.
/// Running out of time is a failure whose fact is the events of the check's
/// own objects (`roles`) that came.
async fn read_until(
    stream: &mut Events,
    what: &str,
    limit: Duration,
    roles: Roles<'_>,
    done: impl Fn(&Value) -> bool,
) -> Result<Vec<Value>, CheckError> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.lines.next()).await {
            Err(_) => {
                return Err(CheckError::failed(
                    format!("{what} within {limit:?}"),
                    "the event",
                    format!("only {}", summary(&got)),
                )
                .with_observed(events_fact(&stream.path, &got, roles)))
            }
            Ok(next) => match next? {
                None => {
                    return Err(CheckError::failed(
                        what.to_string(),
                        "the event before the stream ends",
                        format!("the stream ended after {}", summary(&got)),
                    ))
                }
                Some(ev) => {
                    let stop = done(&ev);
                    got.push(ev);
                    if stop {
                        return Ok(got);
                    }
                }
            },
        }
    }
}

/// `Type:Action:actor` of each event, for messages.
fn summary(events: &[Value]) -> String {
    let items: Vec<String> = events
        .iter()
        .map(|e| {
            let id = e["Actor"]["ID"].as_str().unwrap_or("");
            format!(
                "{}:{}:{}",
                e["Type"].as_str().unwrap_or("?"),
                e["Action"].as_str().unwrap_or("?"),
                &id[..id.len().min(12)]
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn is(ev: &Value, action: &str, id: &str) -> bool {
    ev["Action"] == action && ev["Actor"]["ID"] == id
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["Action"].as_str().unwrap_or("?")).collect()
}

/// A probe container's whole life: create, start, exit 0, remove. Its id.
async fn container_life(ctx: &Ctx, image: &str, suffix: &str, labels: Value) -> Result<String, CheckError> {
    let mut config = probe_config(ctx, image, &["stdout=bye"]);
    config["Labels"] = labels;
    let id = create_probe(ctx, suffix, config).await?;
    start_container(ctx, &id).await?;
    let code = wait_exit(ctx, &id, Duration::from_secs(20)).await?;
    ensure!(code == 0, "the probe's exit code", "0", code.to_string());
    let r = ctx.engine().container_remove(&id, false, false).await?;
    ctx.expect_status_ref(&r, 204, "remove of the exited probe", "ContainerDelete: 204 no error")?;
    Ok(id)
}

/// The documented fields of a container event of `id`.
fn check_container_event(ctx: &Ctx, ev: &Value, id: &str, name: &str, image: &str) -> CheckResult {
    let what = format!("the {} event", ev["Action"]);
    ensure!(
        ev["Type"] == "container" && ev["Actor"]["ID"] == id,
        format!("{what}: Type and Actor.ID"),
        format!("container, {id}"),
        ev.to_string()
    );
    let attrs = &ev["Actor"]["Attributes"];
    ensure!(
        attrs["name"] == name && attrs["image"] == image,
        format!("{what}: Actor.Attributes name and image"),
        format!("name {name}, image {image}"),
        attrs.to_string()
    );
    ensure!(
        attrs[dockhand_harness::context::LABEL_CASE] == ctx.case_label(),
        format!("{what}: the container's labels in Actor.Attributes"),
        case_label_kv(ctx),
        attrs.to_string()
    );
    let (t, tn) = (ev["time"].as_i64(), ev["timeNano"].as_i64());
    ensure!(
        matches!((t, tn), (Some(t), Some(tn)) if tn / 1_000_000_000 == t),
        format!("{what}: time (seconds) and timeNano (nanoseconds)"),
        "integers, timeNano / 1e9 == time",
        format!("time {}, timeNano {}", ev["time"], ev["timeNano"])
    );
    Ok(())
}

/// The filter on a label of the check's own, `dockhand.events=<a name of
/// the check>`, and the labels that carry it: one label filter, since the
/// reference does not say whether several `label` filters must all match
/// (Docker) or any of them ("using the same filter multiple times will be
/// handled as a OR", the `docker events` reference; Podman), and a
/// concurrent case's containers carry the run's label.
fn own_label(ctx: &Ctx, suffix: &str) -> (Value, Value) {
    let value = ctx.name(suffix);
    (
        json!({ "label": [format!("dockhand.events={value}")] }),
        ctx.labels_with(&[("dockhand.events", &value)]),
    )
}

pub(crate) async fn run_lifecycle(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let since = engine_now(&ctx, Duration::ZERO).await?;
    let (filter, labels) = own_label(&ctx, "life");
    let mut stream = open(&ctx, &since, &filter).await?;
    let id = container_life(&ctx, &image, "life", labels).await?;
    let events = read_until(
        &mut stream,
        "the destroy event of the check's container on GET /events",
        Duration::from_secs(10),
        &[("c", &id)],
        |ev| is(ev, "destroy", &id),
    )
    .await?;
    drop(stream);
    ensure!(
        actions(&events) == ["create", "start", "die", "destroy"],
        "the events of a labelled container's life, filtered by its label (SystemEvents: containers report create, start, die, destroy)",
        "create, start, die, destroy, in order and nothing else",
        summary(&events)
    );
    let name = ctx.name("life");
    let mut last = 0;
    for ev in &events {
        check_container_event(&ctx, ev, &id, &name, &image)?;
        let tn = ev["timeNano"].as_i64().unwrap_or(0);
        ensure!(
            tn >= last,
            "timeNano along the stream",
            "non-decreasing",
            summary(&events)
        );
        last = tn;
    }
    ensure!(
        events[2]["Actor"]["Attributes"]["exitCode"] == "0",
        "the die event's Actor.Attributes.exitCode",
        "\"0\"",
        events[2]["Actor"]["Attributes"].to_string()
    );
    Ok(())
}

pub(crate) async fn run_filters(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    // Container "a" and volume "a" share a name: the volume filter matches the
    // actor's name whatever its type, so only the type filter tells them apart.
    let name_a = ctx.name("a");
    // Containers a and b carry `dockhand.events`, each with a value of its
    // own, and `dockhand.pair`, with one value for both; one label filter
    // each time (see `own_label`): a's value, or the pair's.
    let (value_a, value_b, pair) = (ctx.name("a"), ctx.name("b"), ctx.name("pair"));
    let labels_a = ctx.labels_with(&[("dockhand.events", &value_a), ("dockhand.pair", &pair)]);
    let labels_b = ctx.labels_with(&[("dockhand.events", &value_b), ("dockhand.pair", &pair)]);
    let filters = match ctx.variant() {
        Some("type") => json!({ "type": ["volume"], "volume": [name_a] }),
        Some("event") => json!({ "event": ["destroy"], "label": [format!("dockhand.pair={pair}")] }),
        _ => json!({ "label": [format!("dockhand.events={value_a}")] }),
    };
    let since = engine_now(&ctx, Duration::ZERO).await?;
    let mut stream = open(&ctx, &since, &filters).await?;

    let b = container_life(&ctx, &image, "b", labels_b).await?;
    let a = container_life(&ctx, &image, "a", labels_a).await?;
    create_volume(&ctx, json!({ "Name": name_a })).await?;
    let r = send(&ctx, Request::delete(format!("/volumes/{name_a}"))).await?;
    ctx.expect_status_ref(
        &r,
        204,
        "remove of the volume",
        "VolumeDelete: 204 the volume was removed",
    )?;

    let (last_id, want): (&str, Vec<(&str, &str, &str)>) = match ctx.variant() {
        Some("type") => (
            name_a.as_str(),
            vec![
                ("volume", "create", name_a.as_str()),
                ("volume", "destroy", name_a.as_str()),
            ],
        ),
        Some("event") => (
            a.as_str(),
            vec![("container", "destroy", &b), ("container", "destroy", &a)],
        ),
        _ => (
            a.as_str(),
            ["create", "start", "die", "destroy"]
                .into_iter()
                .map(|act| ("container", act, a.as_str()))
                .collect(),
        ),
    };
    let events = read_until(
        &mut stream,
        &format!("the last matching event on GET /events?filters={filters}"),
        Duration::from_secs(10),
        &[("a", &a), ("b", &b), ("volume-a", &name_a)],
        |ev| is(ev, "destroy", last_id),
    )
    .await?;
    let got: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["Type"].as_str().unwrap_or("?"),
                e["Action"].as_str().unwrap_or("?"),
                e["Actor"]["ID"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    ensure!(
        got == want,
        format!("the events GET /events?filters={filters} let through, while a container b, a container a and a volume named as a each lived"),
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}

/// Opens `GET /events` for the window `since`..`until`, filtered by `filters`.
async fn events_between(ctx: &Ctx, since: &str, until: &str, filters: &str) -> Result<StreamResponse, CheckError> {
    ctx.engine()
        .stream(
            Request::get("/events")
                .query("since", since)
                .query("until", until)
                .query("filters", filters),
        )
        .await
        .map_err(Into::into)
}

/// Reads the events reply `s` to its end; a reply still open after 5 s is a
/// finding (`what` the call, `expected` what should have ended it).
async fn collect_within_5s(s: StreamResponse, what: String, expected: &str) -> Result<Response, CheckError> {
    tokio::time::timeout(Duration::from_secs(5), s.collect())
        .await
        .map_err(|_| CheckError::failed(what, expected, "it was still open after 5 s"))?
        .map_err(Into::into)
}

pub(crate) async fn run_since_until(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let since = engine_now(&ctx, Duration::ZERO).await?;
    let (filters, labels) = own_label(&ctx, "life");
    let id = container_life(&ctx, &image, "life", labels).await?;
    let filters = filters.to_string();

    // until in the past: the engine replays and ends the reply at once.
    let until = engine_now(&ctx, Duration::ZERO).await?;
    let s = events_between(&ctx, &since, &until, &filters).await?;
    ensure!(
        s.status.as_u16() == 200,
        "GET /events with since and a past until",
        "status 200 (SystemEvents: 200 no error)",
        format!("status {}", s.status.as_u16())
    );
    let body = collect_within_5s(s, format!("GET /events?since={since}&until={until} (until is past: \"show events created until this timestamp then stop streaming\")"), "the reply to end within 5 s").await?;
    let events = body.json_lines()?;
    ensure_seen!(
        actions(&events) == ["create", "start", "die", "destroy"] && events.iter().all(|e| e["Actor"]["ID"] == id),
        events_fact(&body.path, &events, &[("c", &id)]),
        format!("the events replayed by GET /events?since={since}&until={until}, filtered by the check's label"),
        "create, start, die, destroy of the check's container",
        summary(&events)
    );

    // until half a second ahead: the stream stays open, then ends by itself.
    let until = engine_now(&ctx, Duration::from_millis(500)).await?;
    let started = tokio::time::Instant::now();
    let s = events_between(&ctx, &since, &until, &filters).await?;
    let body = collect_within_5s(
        s,
        format!("GET /events?since={since}&until={until} (until 0.5 s ahead)"),
        "the stream to end by itself soon after until",
    )
    .await?;
    let took = started.elapsed();
    ensure!(
        took >= Duration::from_millis(300),
        format!("how long GET /events?until={until} (0.5 s ahead) stayed open"),
        "until the until time, about 0.5 s",
        format!("it ended after {:.3}s", took.as_secs_f64())
    );
    let events = body.json_lines()?;
    ensure_seen!(
        actions(&events) == ["create", "start", "die", "destroy"] && events.iter().all(|e| e["Actor"]["ID"] == id),
        events_fact(&body.path, &events, &[("c", &id)]),
        "the events replayed by GET /events with since and a future until",
        "create, start, die, destroy of the check's container",
        summary(&events)
    );
    Ok(())
}

pub(crate) async fn run_bad_params(ctx: Ctx) -> CheckResult {
    let (req, what) = match ctx.variant() {
        Some("since-after-until") => (
            Request::get("/events").query("since", "20").query("until", "10"),
            "GET /events?since=20&until=10",
        ),
        Some("bad-since") => (
            Request::get("/events").query("since", "yesterday").query("until", "10"),
            "GET /events?since=yesterday",
        ),
        _ => (
            Request::get("/events")
                .query("filters", "{not json")
                .query("until", "10"),
            "GET /events?filters={not json",
        ),
    };
    // until=10 (1970) keeps a wrongly accepted request from streaming forever.
    let r = send(&ctx, req).await?;
    ctx.expect_status_ref(&r, 400, what, "SystemEvents: 400 bad parameter")?;
    let v: Value = r.json()?;
    ensure!(
        v["message"].as_str().is_some_and(|m| !m.is_empty()),
        format!("the body of the 400 to {what}"),
        "{\"message\": ...}",
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, action: &str, id: &str, name: &str) -> Value {
        json!({ "Type": kind, "Action": action, "Actor": { "ID": id, "Attributes": { "name": name } } })
    }

    #[test]
    fn the_events_fact_keeps_the_checks_objects_by_role_sorted() {
        let events = [
            ev("container", "start", "id-a", "dh-a"),
            ev("container", "create", "id-a", "dh-a"),
            ev("container", "create", "id-other", "dh-other"),
            // Podman's volume events: no ID, the name in the attributes.
            ev("volume", "create", "", "vol-a"),
        ];
        let one = events_fact("/v1.41/events?since=1", &events, &[("c", "id-a")]);
        assert_eq!(
            one,
            Observed::field_value(
                "GET",
                "/v1.41/events?since=1",
                "/*/Action",
                json!(["container:create", "container:start"])
            )
        );
        let several = events_fact("/events", &events, &[("a", "id-a"), ("volume-a", "vol-a")]);
        assert_eq!(
            several.fact,
            dockhand_harness::observed::Fact::Field {
                pointer: "/*/Action".into(),
                value: json!(["a:container:create", "a:container:start", "volume-a:volume:create"])
            }
        );
        // A container whose name is a role's key is not that role when it has an ID.
        let by_name = events_fact("/events", &[ev("container", "die", "id-x", "vol-a")], &[("v", "vol-a")]);
        assert_eq!(
            by_name.fact,
            dockhand_harness::observed::Fact::Field {
                pointer: "/*/Action".into(),
                value: json!([])
            }
        );
    }
}
