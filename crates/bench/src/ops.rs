//! The operations each [`Workload`] times on one engine ([`Target`]): the
//! untimed set-up an operation needs (a created or running container), the
//! timed part, and the untimed removal; and the [`Fixture`] a workload keeps
//! for its whole run on an engine (the logs' container, the exec's running
//! container, the open events stream).

use std::time::{Duration, Instant};

use dockhand_engine::{Engine, EngineError, Request, Response, Upgrade};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::workload::{Measure, Workload};

/// Bytes the `logs` workload's container writes, and each read decodes.
pub const LOG_BYTES: usize = 1 << 20;

/// What the `exec` workload's command prints.
const EXEC_OUTPUT: &str = "bench";

/// One engine under test, ready: its client, label and the probe image.
#[derive(Clone)]
pub struct Target {
    /// The engine's name in results: `docker 20.10.24`, or the user's label.
    pub label: String,
    pub engine: Engine,
    /// The probe image's reference and its entrypoint (for exec commands).
    pub probe: String,
    pub entrypoint: Vec<String>,
}

/// Why an operation failed: the engine is gone (the bench stops), or this
/// one operation went wrong (an error in the results).
#[derive(Debug)]
pub enum OpError {
    Down(EngineError),
    Failed(String),
}

impl From<EngineError> for OpError {
    fn from(e: EngineError) -> Self {
        if e.is_engine_down() {
            OpError::Down(e)
        } else {
            OpError::Failed(e.to_string())
        }
    }
}

type OpResult<T> = Result<T, OpError>;

/// What a workload keeps on an engine between its operations.
pub enum Fixture {
    None,
    /// The logs' exited flood container, or the exec's running one.
    Container(String),
    /// The events stream the `event-latency` workload reads, in a task of
    /// its own that stamps each `start` event as it arrives.
    Events {
        rx: mpsc::UnboundedReceiver<Result<(String, Instant), EngineError>>,
        task: tokio::task::JoinHandle<()>,
    },
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Fixture::Events { task, .. } = self {
            task.abort();
        }
    }
}

/// The labels of the objects one measure makes on one engine.
pub fn labels(run_id: &str, m: &Measure, engine: &str) -> Value {
    Value::Object(dockhand_harness::context::object_labels(
        run_id,
        &format!("bench/{}", m.name()),
        &format!("bench/{}@{engine}", m.name()),
    ))
}

fn probe_config(t: &Target, steps: &[&str], labels: &Value) -> Value {
    json!({ "Image": t.probe, "Cmd": steps, "Labels": labels, "HostConfig": {} })
}

async fn create(t: &Target, steps: &[&str], labels: &Value) -> OpResult<String> {
    let r = t
        .engine
        .container_create(None, &probe_config(t, steps, labels))
        .await?
        .ok()?;
    let v: Value = r.json()?;
    match v["Id"].as_str() {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(OpError::Failed(format!(
            "the create reply has no Id: {}",
            String::from_utf8_lossy(&r.body)
        ))),
    }
}

/// Removes a container, untimed; whatever failed is the error.
async fn remove_quietly(t: &Target, id: &str) -> OpResult<()> {
    t.engine.container_remove(id, true, true).await?.ok()?;
    Ok(())
}

/// Runs `timed` on a container made by `setup` and removes it afterwards
/// whatever `timed` did: the sample is `timed`'s duration.
async fn on_container<F, Fut>(t: &Target, steps: &[&str], start: bool, labels: &Value, timed: F) -> OpResult<Duration>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = OpResult<()>>,
{
    let id = create(t, steps, labels).await?;
    let setup = async {
        if start {
            t.engine.container_start(&id).await?.ok()?;
        }
        Ok::<_, OpError>(())
    };
    let result = match setup.await {
        Ok(()) => {
            let begun = Instant::now();
            timed(id.clone()).await.map(|()| begun.elapsed())
        }
        Err(e) => Err(e),
    };
    let removed = remove_quietly(t, &id).await;
    match (result, removed) {
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        (Ok(d), Ok(())) => Ok(d),
    }
}

/// Sets up what `m` needs on `t` for its whole run.
pub async fn setup(m: &Measure, t: &Target, labels: &Value, run_id: &str) -> OpResult<Fixture> {
    match m.workload {
        Workload::Logs => {
            let flood = format!("flood={LOG_BYTES}");
            let id = create(t, &[&flood], labels).await?;
            match run_to_exit(t, &id).await {
                Ok(()) => Ok(Fixture::Container(id)),
                Err(e) => {
                    let _ = remove_quietly(t, &id).await;
                    Err(e)
                }
            }
        }
        Workload::Exec => {
            let id = create(t, &["idle"], labels).await?;
            if let Err(e) = t
                .engine
                .container_start(&id)
                .await
                .map_err(OpError::from)
                .and_then(|r| Ok(r.ok()?))
            {
                let _ = remove_quietly(t, &id).await;
                return Err(e);
            }
            Ok(Fixture::Container(id))
        }
        Workload::EventLatency => {
            let filters = json!({
                "type": ["container"],
                "event": ["start"],
                "label": [format!("{}={run_id}", dockhand_harness::context::LABEL_RUN)],
            })
            .to_string();
            let resp = t
                .engine
                .stream(Request::get("/events").query("filters", filters))
                .await?;
            if resp.status != 200 {
                let status = resp.status;
                let body = resp.collect().await?;
                return Err(OpError::Failed(format!("events returned {status}: {}", body.message())));
            }
            let (tx, rx) = mpsc::unbounded_channel();
            let task = tokio::spawn(async move {
                let mut events = resp.json_lines();
                // Idle between operations on purpose: a day of silence is fine.
                events.set_idle_deadline(Duration::from_secs(86_400));
                loop {
                    match events.next().await {
                        Ok(Some(v)) => {
                            let at = Instant::now();
                            let id = v["Actor"]["ID"].as_str().or(v["id"].as_str()).unwrap_or_default();
                            if tx.send(Ok((id.to_string(), at))).is_err() {
                                return;
                            }
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            });
            Ok(Fixture::Events { rx, task })
        }
        _ => Ok(Fixture::None),
    }
}

/// Removes what [`setup`] made.
pub async fn teardown(t: &Target, f: Fixture) -> OpResult<()> {
    match &f {
        Fixture::Container(id) => remove_quietly(t, id).await,
        _ => Ok(()),
    }
}

/// One timed operation of `m` (not `throughput`, see [`lifecycle`]).
pub async fn once(m: &Measure, t: &Target, f: &mut Fixture, labels: &Value) -> OpResult<Duration> {
    let e = &t.engine;
    match m.workload {
        Workload::Ping => timed(done(e.ping())).await,
        Workload::Version => timed(done(e.send(Request::get("/version")))).await,
        Workload::ImageList => timed(done(e.send(Request::get("/images/json")))).await,
        Workload::ImageInspect => {
            let path = format!("/images/{}/json", t.probe);
            timed(done(e.send(Request::get(path)))).await
        }
        Workload::Create => {
            let begun = Instant::now();
            let id = create(t, &["idle"], labels).await?;
            let d = begun.elapsed();
            remove_quietly(t, &id).await?;
            Ok(d)
        }
        Workload::Start => {
            on_container(t, &["idle"], false, labels, |id| async move {
                done(e.container_start(&id)).await
            })
            .await
        }
        Workload::Stop => {
            on_container(t, &["idle"], true, labels, |id| async move {
                done(e.container_stop(&id, Some(0))).await
            })
            .await
        }
        Workload::Remove => {
            let id = create(t, &["exit=0"], labels).await?;
            let begun = Instant::now();
            match e
                .container_remove(&id, false, false)
                .await
                .map_err(OpError::from)
                .and_then(|r| Ok(r.ok()?))
            {
                Ok(_) => Ok(begun.elapsed()),
                Err(err) => {
                    let _ = remove_quietly(t, &id).await;
                    Err(err)
                }
            }
        }
        Workload::Lifecycle | Workload::Throughput => lifecycle(t, labels).await,
        Workload::Exec => match f {
            Fixture::Container(id) => timed(exec(t, id)).await,
            _ => Err(OpError::Failed("exec has no container".into())),
        },
        Workload::Logs => match f {
            Fixture::Container(id) => timed(logs(t, id)).await,
            _ => Err(OpError::Failed("logs has no container".into())),
        },
        Workload::EventLatency => match f {
            Fixture::Events { rx, .. } => event_latency(t, rx, labels).await,
            _ => Err(OpError::Failed("event-latency has no events stream".into())),
        },
    }
}

/// A call whose reply must be a success; the reply itself is not needed.
async fn done(call: impl std::future::Future<Output = Result<Response, EngineError>>) -> OpResult<()> {
    call.await?.ok()?;
    Ok(())
}

async fn timed(op: impl std::future::Future<Output = OpResult<()>>) -> OpResult<Duration> {
    let begun = Instant::now();
    op.await.map(|()| begun.elapsed())
}

/// Starts a created container and waits until it exits.
async fn run_to_exit(t: &Target, id: &str) -> OpResult<()> {
    t.engine.container_start(id).await?.ok()?;
    t.engine.container_wait(id, None, Duration::from_secs(60)).await?.ok()?;
    Ok(())
}

/// Create, start, wait for exit, remove: a probe that exits at once, all timed.
pub async fn lifecycle(t: &Target, labels: &Value) -> OpResult<Duration> {
    let begun = Instant::now();
    let id = create(t, &["exit=0"], labels).await?;
    if let Err(e) = run_to_exit(t, &id).await {
        let _ = remove_quietly(t, &id).await;
        return Err(e);
    }
    t.engine.container_remove(&id, false, true).await?.ok()?;
    Ok(begun.elapsed())
}

async fn exec(t: &Target, container: &str) -> OpResult<()> {
    use tokio::io::AsyncReadExt;
    let out = format!("stdout={EXEC_OUTPUT}");
    let cmd: Vec<&str> = t.entrypoint.iter().map(String::as_str).chain([out.as_str()]).collect();
    let r = t
        .engine
        .send(Request::post(format!("/containers/{container}/exec")).json(&json!({
            "Cmd": cmd, "AttachStdout": true, "AttachStderr": true,
        })))
        .await?
        .ok()?;
    let v: Value = r.json()?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    let up = t
        .engine
        .upgrade(Request::post(format!("/exec/{id}/start")).json(&json!({ "Detach": false, "Tty": false })))
        .await?;
    let mut io = match up {
        Upgrade::Switched { io, .. } => io,
        // Engines may also answer 200 and stream on the same connection.
        Upgrade::Refused(r) if r.status.is_success() => return check_exec_output(&r.body),
        Upgrade::Refused(r) => return Err(r.api_error().into()),
    };
    let mut buf = Vec::new();
    let limit = t.engine.deadlines().call;
    match tokio::time::timeout(limit, io.read_to_end(&mut buf)).await {
        Ok(Ok(_)) => check_exec_output(&buf),
        Ok(Err(e)) => Err(OpError::Failed(format!("reading the exec's output: {e}"))),
        Err(_) => Err(OpError::Failed(format!(
            "the exec's output did not end within {}",
            dockhand_engine::fmt_duration(limit)
        ))),
    }
}

fn check_exec_output(body: &[u8]) -> OpResult<()> {
    let frames = dockhand_engine::FrameDecoder::decode_all(body).map_err(|e| OpError::Failed(e.to_string()))?;
    let out: Vec<u8> = frames.iter().flat_map(|f| f.payload.iter().copied()).collect();
    if String::from_utf8_lossy(&out).trim_end() == EXEC_OUTPUT {
        Ok(())
    } else {
        Err(OpError::Failed(format!(
            "the exec printed {:?}, expected {EXEC_OUTPUT:?}",
            String::from_utf8_lossy(&out)
        )))
    }
}

async fn logs(t: &Target, id: &str) -> OpResult<()> {
    let resp = t
        .engine
        .stream(Request::get(format!("/containers/{id}/logs")).query("stdout", 1))
        .await?;
    if resp.status != 200 {
        let body = resp.collect().await?;
        return Err(body.api_error().into());
    }
    let mut frames = resp.frames();
    let mut payload = 0usize;
    while let Some(f) = frames.next().await? {
        payload += f.payload.len();
    }
    if payload == LOG_BYTES {
        Ok(())
    } else {
        Err(OpError::Failed(format!(
            "decoded {payload} bytes of logs, the container wrote {LOG_BYTES}"
        )))
    }
}

/// Starts a container and waits for its `start` event: the time from the
/// start's reply to the event's arrival (0 when the event came first).
async fn event_latency(
    t: &Target,
    rx: &mut mpsc::UnboundedReceiver<Result<(String, Instant), EngineError>>,
    labels: &Value,
) -> OpResult<Duration> {
    let id = create(t, &["idle"], labels).await?;
    let measured = async {
        t.engine.container_start(&id).await?.ok()?;
        let replied = Instant::now();
        let limit = t.engine.deadlines().call;
        let wait = async {
            while let Some(item) = rx.recv().await {
                let (event_id, at) = item?;
                if event_id == id {
                    return Ok(at.saturating_duration_since(replied));
                }
            }
            Err(OpError::Failed("the events stream ended".into()))
        };
        match tokio::time::timeout(limit, wait).await {
            Ok(r) => r,
            Err(_) => Err(OpError::Failed(format!(
                "no start event within {} of the start's reply",
                dockhand_engine::fmt_duration(limit)
            ))),
        }
    };
    let result = measured.await;
    let removed = remove_quietly(t, &id).await;
    match (result, removed) {
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        (Ok(d), Ok(())) => Ok(d),
    }
}
