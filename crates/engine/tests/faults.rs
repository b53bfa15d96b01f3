//! A daemon that hangs or dies, on real private engines (dockhand-daemon):
//! frozen before a call, frozen during a stream, killed during a stream.
//! Needs root and dockerd; fails loudly without them.

mod support;

use std::time::Duration;

use dockhand_engine::{ConnectOptions, Engine, EngineError, Method, Request, StatusCode};
use support::{assert_refused, assert_took, connect, deadlines, private_engine, show, timed};

const SECOND: Duration = Duration::from_secs(1);

/// Creates a volume, which makes the engine emit an event.
async fn make_event(engine: &Engine, volume: &str) {
    let r = engine
        .send(Request::post("/volumes/create").json(&serde_json::json!({ "Name": volume })))
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.message());
}

#[tokio::test]
async fn a_frozen_engine_is_not_responding_within_the_deadline() {
    let mut pe = private_engine("frozen").await;
    let call = Duration::from_secs(2);
    let dl = deadlines(call, call);
    // Connected before the freeze: its pooled connection will be reused.
    let engine = connect(&pe, dl).await;
    assert_eq!(engine.ping().await.unwrap().status, 200);

    pe.freeze().unwrap();
    // Both at once, to keep the test short; each is timed on its own.
    let fresh = timed(Engine::connect(ConnectOptions {
        endpoint: pe.endpoint(),
        deadlines: dl,
        pinned_version: None,
    }));
    let ping = timed(engine.ping());
    let ((connect_res, connect_took), (ping_res, ping_took)) = tokio::join!(fresh, ping);

    assert_took("connect to a frozen engine", connect_took, call, call + SECOND);
    let err = connect_res.unwrap_err();
    let msg = show(&err);
    match &err {
        EngineError::NotResponding {
            endpoint,
            method,
            path,
            waited,
        } => {
            assert_eq!(endpoint, &pe.endpoint());
            assert_eq!(method, Method::GET);
            assert_eq!(path, "/version");
            assert_eq!(*waited, call);
        }
        other => panic!("expected NotResponding, got {other:?}"),
    }
    assert!(msg.contains("GET /version") && msg.contains("within 2s"), "{msg}");
    assert!(
        msg.contains(&pe.socket_path().display().to_string()) && msg.contains("frozen"),
        "{msg}"
    );
    assert!(err.is_engine_down());

    assert_took("ping a frozen engine", ping_took, call, call + SECOND);
    let err = ping_res.unwrap_err();
    show(&err);
    assert!(
        matches!(&err, EngineError::NotResponding { path, .. } if path == "/_ping"),
        "{err:?}"
    );
    assert_eq!(err.kind(), "not-responding");

    pe.thaw().unwrap();
    let (res, took) = timed(engine.ping()).await;
    eprintln!("ping after thaw: {}", support::ms(took));
    assert_eq!(res.unwrap().status, 200, "the thawed engine answers again");
    let again = connect(&pe, dl).await;
    assert!(again.info().is_some());
}

#[tokio::test]
async fn a_stream_from_an_engine_frozen_mid_call_goes_idle() {
    let mut pe = private_engine("stream-idle").await;
    let idle = Duration::from_secs(2);
    let engine = connect(&pe, deadlines(Duration::from_secs(10), idle)).await;
    let mut events = engine.stream(Request::get("/events")).await.unwrap();
    assert_eq!(events.status, 200);

    // The stream is alive: an event arrives on it.
    make_event(&engine, "dockhand-ev-1").await;
    let chunk = events.chunk().await.unwrap().expect("an event");
    assert!(String::from_utf8_lossy(&chunk).contains("dockhand-ev-1"));

    pe.freeze().unwrap();
    let (res, took) = timed(events.chunk()).await;
    assert_took("StreamIdle from a frozen engine", took, idle, idle + SECOND);
    let err = res.unwrap_err();
    let msg = show(&err);
    match &err {
        EngineError::StreamIdle {
            endpoint,
            method,
            path,
            idle: i,
        } => {
            assert_eq!(endpoint, &pe.endpoint());
            assert_eq!(method, Method::GET);
            assert_eq!(path, &format!("/v{}/events", engine.api_version()));
            assert_eq!(*i, idle);
        }
        other => panic!("expected StreamIdle, got {other:?}"),
    }
    assert!(
        msg.contains("received nothing for 2s") && msg.contains("frozen"),
        "{msg}"
    );
    assert!(err.is_engine_down());

    // Thawed, the same stream carries on.
    pe.thaw().unwrap();
    make_event(&engine, "dockhand-ev-2").await;
    let chunk = events.chunk().await.unwrap().expect("an event after the thaw");
    assert!(String::from_utf8_lossy(&chunk).contains("dockhand-ev-2"));
}

#[tokio::test]
async fn a_stream_from_a_killed_engine_is_lost_and_then_refused() {
    let mut pe = private_engine("killed").await;
    let engine = connect(&pe, deadlines(Duration::from_secs(5), Duration::from_secs(10))).await;
    let mut events = engine.stream(Request::get("/events")).await.unwrap();
    assert_eq!(events.status, 200);
    // Another handle with an idle keep-alive connection in its pool.
    let idle = connect(&pe, deadlines(Duration::from_secs(5), Duration::from_secs(5))).await;
    assert_eq!(idle.ping().await.unwrap().status, 200);

    pe.kill().await.unwrap();
    let (res, took) = timed(events.chunk()).await;
    assert_took("ConnectionLost after SIGKILL", took, Duration::ZERO, SECOND);
    let err = res.expect_err("a chunked stream cut off by a dead engine is an error, not a clean end");
    let msg = show(&err);
    match &err {
        EngineError::ConnectionLost {
            endpoint, method, path, ..
        } => {
            assert_eq!(endpoint, &pe.endpoint());
            assert_eq!(method, Method::GET);
            assert_eq!(path, &format!("/v{}/events", engine.api_version()));
        }
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
    assert!(msg.contains("may have exited"), "{msg}");
    assert!(err.is_engine_down());

    // The socket file stays, nobody listens: refused, at once.
    assert!(pe.socket_path().exists());
    let (res, took) = timed(engine.ping()).await;
    assert_took("ping a killed engine", took, Duration::ZERO, SECOND);
    assert_refused(res.unwrap_err());

    // A pooled connection the dead engine closed is not reported as lost: the
    // request was never sent on it, so it is retried on a fresh connection.
    let (res, took) = timed(idle.ping()).await;
    assert_took(
        "ping a killed engine over a stale pooled connection",
        took,
        Duration::ZERO,
        SECOND,
    );
    assert_refused(res.unwrap_err());
}
