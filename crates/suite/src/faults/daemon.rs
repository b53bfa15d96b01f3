//! `faults/engine/*` and `faults/daemon/*`: an engine that is absent, killed,
//! frozen or restarted under a call, and the diagnosis dockhand gives for each,
//! within the call's deadline plus 1 s. Each case breaks a private engine of
//! its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_engine::{Endpoint, EndpointSource, EngineError, Method, Request, UnreachableReason};
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx};
use serde_json::json;

use super::private::{connect_to, expect_kind, timed, within, FaultEngine, CALL, IDLE, SLACK};

pub(crate) const TAGS: &[&str] = &["faults", "private-engine"];

fn setup(what: &str, e: impl std::fmt::Display) -> CheckError {
    CheckError::Broken(format!("{what}: {e}"))
}

pub(crate) async fn run_absent(ctx: Ctx) -> CheckResult {
    // One directory per variant: the variants run side by side, and one's
    // removal of its directory must not take the other's socket with it.
    let dir = std::env::temp_dir().join(format!(
        "dockhand-{}-{}-{}",
        super::private::engine_name(&ctx, "absent"),
        ctx.variant().unwrap_or("plain"),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| setup("cannot create a scratch directory", e))?;
    let socket = dir.join("engine.sock");
    let dead = ctx.variant() == Some("dead-socket");
    if dead {
        // Bound and closed: the file stays, nobody accepts.
        let l =
            std::os::unix::net::UnixListener::bind(&socket).map_err(|e| setup("cannot bind a scratch socket", e))?;
        drop(l);
    }
    let endpoint = Endpoint::unix(&socket, EndpointSource::Flag);
    let (res, took) = timed(connect_to(endpoint.clone())).await;
    let _ = std::fs::remove_dir_all(&dir);
    expect_kind("connect (GET /version) to an absent engine", &res, &["unreachable"], "")?;
    let want = if dead {
        UnreachableReason::Refused
    } else {
        UnreachableReason::SocketMissing
    };
    let Err(err) = res else {
        return Err(CheckError::failed(
            "connect to an absent engine",
            "unreachable",
            "success",
        ));
    };
    let msg = err.to_string();
    if let EngineError::Unreachable { endpoint: ep, reason } = &err {
        ensure!(
            *reason == want,
            "why the engine is unreachable",
            want.to_string(),
            reason.to_string()
        );
        ensure!(
            *ep == endpoint,
            "the endpoint the error names",
            endpoint.to_string(),
            ep.to_string()
        );
    }
    ensure!(
        msg.contains(&socket.display().to_string()),
        "the unreachable message names the socket",
        socket.display().to_string(),
        msg
    );
    // Nothing to wait for: no deadline applies, so the slack alone bounds it.
    within("unreachable from an absent engine", took, Duration::ZERO, SLACK)
}

pub(crate) async fn run_killed_during_stop(ctx: Ctx) -> CheckResult {
    let mut fe = FaultEngine::start(&ctx, "kstop", &[]).await?;
    let image = fe.probe().await?;
    // The probe only reports SIGUSR1, so a stop that sends it waits out its t.
    let id = fe
        .start_probe(
            &ctx,
            &image,
            &["stdout=ready", "idle"],
            json!({ "StopSignal": "SIGUSR1" }),
            json!({}),
        )
        .await?;
    fe.wait_for_log(&id, "ready", Duration::from_secs(5)).await?;
    let stopper = fe.engine.clone();
    let sid = id.clone();
    let stop = tokio::spawn(async move {
        let r = stopper.container_stop(&sid, Some(30)).await;
        (r, Instant::now())
    });
    // Once the probe reports the stop signal, dockerd is inside the stop, waiting.
    fe.wait_for_log(&id, "probe: received SIGUSR1", Duration::from_secs(5))
        .await?;
    let killed_at = Instant::now();
    fe.pe
        .kill()
        .await
        .map_err(|e| setup("cannot kill the private dockerd", e))?;
    let (res, ended) = stop.await.map_err(|e| setup("the stop task failed", e))?;
    let path = format!("/containers/{id}/stop");
    expect_kind(
        "POST /containers/{id}/stop?t=30 while dockerd is SIGKILLed",
        &res,
        &["connection-lost"],
        &path,
    )?;
    if let Err(EngineError::ConnectionLost { method, .. }) = &res {
        ensure!(
            *method == Method::POST,
            "the method the error names",
            "POST",
            method.to_string()
        );
    }
    within(
        "connection-lost after dockerd's SIGKILL",
        ended.saturating_duration_since(killed_at),
        Duration::ZERO,
        SLACK,
    )?;

    // The socket file stays behind, as after a real crash; nobody listens.
    let (res, took) = timed(fe.engine.ping()).await;
    expect_kind("GET /_ping to the killed engine", &res, &["unreachable"], "")?;
    if let Err(EngineError::Unreachable { reason, .. }) = &res {
        ensure!(
            *reason == UnreachableReason::Refused,
            "why the killed engine is unreachable",
            "connection refused (its socket file remains)",
            reason.to_string()
        );
    }
    within("unreachable from the killed engine", took, Duration::ZERO, SLACK)?;
    fe.finish().await
}

/// Freezes dockerd (SIGSTOP), awaits `call` on it, and thaws it: the call's
/// result, how long it took, and the thaw's result (checked after the call's
/// assertions by [`answers_after_thaw`], so a failed thaw never hides them).
async fn while_frozen<T>(
    pe: &mut dockhand_daemon::PrivateEngine,
    call: impl std::future::Future<Output = T>,
) -> Result<(T, Duration, Result<(), dockhand_daemon::DaemonError>), CheckError> {
    pe.freeze().map_err(|e| setup("cannot freeze the private dockerd", e))?;
    let (res, took) = timed(call).await;
    Ok((res, took, pe.thaw()))
}

/// The thaw worked and the engine answers a ping again: a frozen engine is
/// not a dead one.
async fn answers_after_thaw(fe: &FaultEngine, thawed: Result<(), dockhand_daemon::DaemonError>) -> CheckResult {
    thawed.map_err(|e| setup("cannot thaw the private dockerd", e))?;
    let r = fe.engine.ping().await;
    ensure!(
        matches!(&r, Ok(r) if r.status == 200),
        "GET /_ping after the thaw",
        "200 (a frozen engine is not a dead one)",
        format!("{r:?}")
    );
    Ok(())
}

pub(crate) async fn run_frozen_during_logs(ctx: Ctx) -> CheckResult {
    let mut fe = FaultEngine::start(&ctx, "flogs", &[]).await?;
    let image = fe.probe().await?;
    let id = fe
        .start_probe(&ctx, &image, &["stdout=line 1", "idle"], json!({}), json!({}))
        .await?;
    let req = Request::get(format!("/containers/{id}/logs"))
        .query("follow", 1)
        .query("stdout", 1)
        .query("stderr", 1);
    let stream = fe
        .engine
        .stream(req)
        .await
        .map_err(|e| fe.broken("open a logs follow stream", e))?;
    ensure!(
        stream.status == 200,
        "status of GET /containers/{id}/logs?follow=1",
        "200",
        stream.status.as_u16().to_string()
    );
    let mut frames = stream.frames();
    let first = frames
        .next()
        .await
        .map_err(|e| fe.broken("read the first log frame", e))?;
    let text = first
        .map(|f| String::from_utf8_lossy(&f.payload).into_owned())
        .unwrap_or_default();
    ensure!(
        text == "line 1\n",
        "the first frame of the follow stream",
        "\"line 1\\n\"",
        format!("{text:?}")
    );

    let (res, took, thawed) = while_frozen(&mut fe.pe, frames.next()).await?;
    expect_kind(
        "the next frame of a logs follow from a frozen dockerd",
        &res,
        &["stream-idle"],
        &format!("/containers/{id}/logs"),
    )?;
    if let Err(EngineError::StreamIdle { idle, .. }) = &res {
        ensure!(
            *idle == IDLE,
            "the idle deadline the error names",
            format!("{IDLE:?}"),
            format!("{idle:?}")
        );
    }
    within("stream-idle from a frozen dockerd", took, IDLE, IDLE + SLACK)?;
    answers_after_thaw(&fe, thawed).await?;
    fe.finish().await
}

pub(crate) async fn run_frozen_during_create(ctx: Ctx) -> CheckResult {
    let mut fe = FaultEngine::start(&ctx, "fcreate", &[]).await?;
    let image = fe.probe().await?;
    let config = json!({ "Image": image, "Cmd": ["idle"], "Labels": ctx.labels() });
    // Frozen first: the create is sent on a live connection the kernel still
    // accepts bytes on, and nothing ever answers.
    let (res, took, thawed) = while_frozen(&mut fe.pe, fe.engine.container_create(None, &config)).await?;
    expect_kind(
        "POST /containers/create to a frozen dockerd",
        &res,
        &["not-responding"],
        "/containers/create",
    )?;
    if let Err(EngineError::NotResponding { method, waited, .. }) = &res {
        ensure!(
            *method == Method::POST,
            "the method the error names",
            "POST",
            method.to_string()
        );
        ensure!(
            *waited == CALL,
            "the deadline the error names",
            format!("{CALL:?}"),
            format!("{waited:?}")
        );
    }
    within("not-responding from a frozen dockerd", took, CALL, CALL + SLACK)?;
    answers_after_thaw(&fe, thawed).await?;
    fe.finish().await
}

/// One call of the poller: when it started, how long it took, what came.
struct Polled {
    at: Instant,
    took: Duration,
    result: Result<u16, EngineError>,
}

pub(crate) async fn run_restarted_during_run(ctx: Ctx) -> CheckResult {
    super::private::require_dockerd(&ctx, "a live-restore restart")?;
    let mut fe = FaultEngine::start(&ctx, "rrun", &["--live-restore"]).await?;
    let image = fe.probe().await?;
    let id = fe
        .start_probe(&ctx, &image, &["stdout=up", "idle"], json!({}), json!({}))
        .await?;
    let before = fe.inspect(&id).await?;
    let req = Request::get(format!("/containers/{id}/logs"))
        .query("follow", 1)
        .query("stdout", 1);
    let mut frames = fe
        .engine
        .stream(req)
        .await
        .map_err(|e| fe.broken("open a logs follow stream", e))?
        .frames();
    let first = frames
        .next()
        .await
        .map_err(|e| fe.broken("read the first log frame", e))?;
    ensure!(
        first.is_some(),
        "the first frame of the follow stream",
        "\"up\"",
        "the end of the stream"
    );
    let follower = tokio::spawn(async move {
        let r = frames.next().await;
        (r.map(|f| f.map(|f| f.payload.len())), Instant::now())
    });

    // A steady trickle of calls on the check's handle, before, during and after.
    let done = Arc::new(AtomicBool::new(false));
    let polled = Arc::new(Mutex::new(Vec::<Polled>::new()));
    let poller = {
        let (engine, done, polled, id) = (fe.engine.clone(), done.clone(), polled.clone(), id.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                let at = Instant::now();
                let result = engine.container_inspect(&id).await.map(|r| r.status.as_u16());
                polled.lock().unwrap_or_else(|p| p.into_inner()).push(Polled {
                    at,
                    took: at.elapsed(),
                    result,
                });
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;

    let stopping = Instant::now();
    fe.pe
        .stop(Duration::from_secs(20))
        .await
        .map_err(|e| setup("cannot stop the private dockerd", e))?;
    let down = Instant::now();
    let (stream_end, stream_at) = follower.await.map_err(|e| setup("the follow task failed", e))?;

    // While it is down: unreachable, at once, for the old handle and a new one.
    let (res, took) = timed(fe.engine.container_inspect(&id)).await;
    expect_kind(
        "GET /containers/{id}/json while dockerd is down",
        &res,
        &["unreachable"],
        "",
    )?;
    within("unreachable while dockerd is down", took, Duration::ZERO, SLACK)?;
    let (res, took) = timed(connect_to(fe.pe.endpoint())).await;
    expect_kind(
        "connect (GET /version) while dockerd is down",
        &res.map(|_| ()),
        &["unreachable"],
        "",
    )?;
    within(
        "unreachable on connect while dockerd is down",
        took,
        Duration::ZERO,
        SLACK,
    )?;

    let args = fe.pe.extra_args().to_vec();
    fe.pe
        .restart(args)
        .await
        .map_err(|e| setup("cannot start the private dockerd again", e))?;
    let up = Instant::now();
    // Let the poller make a few calls on the restarted engine.
    let until = up + Duration::from_secs(5);
    loop {
        let after = polled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|p| p.at >= up)
            .count();
        if after >= 3 || Instant::now() > until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done.store(true, Ordering::Relaxed);
    let _ = poller.await;
    let polled = std::mem::take(&mut *polled.lock().unwrap_or_else(|p| p.into_inner()));

    // The follow stream was cut when dockerd went away.
    ensure!(
        matches!(&stream_end, Err(EngineError::ConnectionLost { .. })),
        "the logs follow stream when dockerd stops",
        "connection-lost",
        match &stream_end {
            Ok(v) => format!("{v:?} (a clean end: the client cannot tell a stopped daemon from a finished container)"),
            Err(e) => format!("{}: {e}", e.kind()),
        }
    );
    within(
        "the follow stream's end after dockerd stopped",
        stream_at.saturating_duration_since(down),
        Duration::ZERO,
        SLACK,
    )?;

    for p in &polled {
        let phase = if p.at < stopping {
            "before the stop"
        } else if p.at >= up {
            "after the restart"
        } else {
            "while dockerd was down"
        };
        let what = format!(
            "GET /containers/{{id}}/json {phase} (+{:?})",
            p.at.duration_since(stopping.min(p.at))
        );
        match &p.result {
            Ok(s) => ensure!(*s == 200, what, "status 200", s.to_string()),
            Err(e) => {
                ensure!(
                    phase == "while dockerd was down",
                    what,
                    "status 200",
                    format!("{}: {e}", e.kind())
                );
                ensure!(
                    matches!(e.kind(), "unreachable" | "connection-lost"),
                    what,
                    "unreachable or connection-lost",
                    format!("{}: {e}", e.kind())
                );
            }
        }
        within(&format!("the answer to {what}"), p.took, Duration::ZERO, CALL + SLACK)?;
    }
    let after = polled.iter().filter(|p| p.at >= up).count();
    ensure!(
        after >= 1,
        "calls on the old handle after the restart",
        "at least one, answered 200",
        format!("none within 5 s ({} calls in all)", polled.len())
    );

    // A fresh handle works too, and live restore kept the container.
    let fresh = connect_to(fe.pe.endpoint()).await.map_err(|e| {
        CheckError::failed(
            "connect to the restarted engine",
            "success",
            format!("{}: {e}", e.kind()),
        )
    })?;
    let r = fresh.container_inspect(&id).await.map_err(|e| {
        CheckError::failed(
            "inspect on a fresh handle after the restart",
            "status 200",
            e.to_string(),
        )
    })?;
    ensure!(
        r.status == 200,
        "inspect on a fresh handle after the restart",
        "200",
        r.status.as_u16().to_string()
    );
    let after: serde_json::Value = r.json()?;
    ensure!(
        after["State"]["Running"] == true && after["State"]["Pid"] == before["State"]["Pid"],
        "the container across a --live-restore restart",
        format!("still running as pid {}", before["State"]["Pid"]),
        format!("Running {} as pid {}", after["State"]["Running"], after["State"]["Pid"])
    );
    fe.finish().await
}
