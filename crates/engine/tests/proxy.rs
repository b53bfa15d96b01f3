//! Bad replies from a real engine, through a fault-injecting proxy
//! (support/proxy.rs) in front of a private engine: each fault gets its own
//! diagnosis from the client. Needs root and dockerd; fails loudly without them.
//!
//! | fault | diagnosis |
//! |---|---|
//! | reply later than the deadline | `NotResponding`, naming the call, within deadline + 1 s |
//! | connection closed mid-head or mid-body (also mid-frame in a log stream) | `ConnectionLost`: the engine may have died |
//! | connection reset | `ConnectionLost` |
//! | HTTP complete, but its payload cut mid-frame or mid-JSON | `Protocol`, naming the byte |
//! | broken chunked encoding, or a reply that is not HTTP | `Protocol` |
//! | `/version` of an engine whose minimum API is above dockhand's 1.41 | `UnsupportedVersion` at connect |

mod support;

use std::time::Duration;

use dockhand_daemon::PrivateEngine;
use dockhand_engine::{ConnectOptions, Engine, EngineError, Frame, Method, Request, Response, StatusCode};
use support::proxy::{Fault, FaultProxy};
use support::{assert_took, connect, deadlines, private_engine, show, timed};

const SECOND: Duration = Duration::from_secs(1);

/// A fresh handle on the proxy (fresh pool, so the proxy's current fault
/// applies to its first connection), speaking the version `direct` negotiated.
fn via(proxy: &FaultProxy, direct: &Engine, call: Duration) -> Engine {
    Engine::with_version(proxy.endpoint(), deadlines(call, call), direct.api_version())
}

/// Loads the probe image, runs a probe with the given steps to its exit, and
/// returns the container id.
async fn finished_probe(engine: &Engine, steps: &[&str]) -> String {
    let archive = dockhand_probe::probe_image_archive();
    engine
        .image_load(archive.bytes.into())
        .await
        .expect("load the probe image");
    let cmd = steps;
    let r = engine
        .container_create(
            None,
            &serde_json::json!({ "Image": archive.tag, "Cmd": cmd, "Labels": {"dockhand.test": "proxy"} }),
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.message());
    let id = r.json::<serde_json::Value>().unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        engine.container_start(&id).await.unwrap().status,
        StatusCode::NO_CONTENT
    );
    let w = engine.container_wait(&id, None, Duration::from_secs(20)).await.unwrap();
    assert_eq!(w.status, StatusCode::OK, "{}", w.message());
    id
}

fn logs(id: &str) -> Request {
    Request::get(format!("/containers/{id}/logs"))
        .query("stdout", 1)
        .query("stderr", 1)
}

async fn all_frames(engine: &Engine, req: Request) -> Result<Vec<Frame>, EngineError> {
    let mut s = engine.stream(req).await?.frames();
    let mut out = vec![];
    while let Some(f) = s.next().await? {
        out.push(f);
    }
    Ok(out)
}

fn expect_lost(err: &EngineError, pe: &PrivateEngine, proxy: &FaultProxy, method: Method, path: &str) {
    let msg = show(err);
    match err {
        EngineError::ConnectionLost {
            endpoint,
            method: m,
            path: p,
            ..
        } => {
            assert_eq!(endpoint, &proxy.endpoint());
            assert_eq!(m, method);
            assert_eq!(p, path);
        }
        other => panic!(
            "expected ConnectionLost, got {other:?}\nproxy: {:?}\n{}",
            proxy.notes(),
            pe.log_tail(5)
        ),
    }
    assert!(err.is_engine_down(), "a lost connection is for the watchdog to judge");
    assert!(msg.contains(&format!("{method} {path}")), "names the call: {msg}");
}

fn expect_protocol(err: &EngineError, proxy: &FaultProxy, method: Method, path: &str, detail_has: &str) {
    show(err);
    match err {
        EngineError::Protocol {
            method: m,
            path: p,
            detail,
        } => {
            assert_eq!(m, method);
            assert_eq!(p, path);
            assert!(detail.contains(detail_has), "{detail:?} should mention {detail_has:?}");
        }
        other => panic!("expected Protocol, got {other:?}\nproxy: {:?}", proxy.notes()),
    }
    assert!(!err.is_engine_down(), "a malformed reply is a finding, not an outage");
}

#[tokio::test]
async fn forwarding_without_faults_passes_calls_through_unchanged() {
    let pe = private_engine("proxy-clean").await;
    let direct = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let proxy = FaultProxy::start(&pe.socket_path());

    // Version negotiation works through the proxy, and says the same.
    let proxied = Engine::connect(dockhand_engine::ConnectOptions {
        endpoint: proxy.endpoint(),
        deadlines: deadlines(Duration::from_secs(10), Duration::from_secs(10)),
        pinned_version: None,
    })
    .await
    .expect("connect through the proxy");
    assert_eq!(proxied.api_version(), direct.api_version());
    assert_eq!(proxied.info().unwrap().raw, direct.info().unwrap().raw);

    let same = |a: &Response, b: &Response| {
        assert_eq!(a.status, b.status, "{}", a.path);
        assert_eq!(a.body, b.body, "{}", a.path);
        let names = |r: &Response| {
            let mut v: Vec<String> = r.headers.keys().map(|k| k.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(names(a), names(b), "{}", a.path);
        for (k, v) in &a.headers {
            if k != "date" {
                assert_eq!(Some(v), b.headers.get(k), "header {k} of {}", a.path);
            }
        }
    };
    let id = finished_probe(&direct, &["stdout=one", "stderr=two", "stdout=three", "stderr=four"]).await;
    for req in [
        Request::get("/_ping").unversioned(),
        Request::get("/version"),
        Request::get(format!("/containers/{id}/json")),
        Request::get("/containers/doesnotexist/json"),
        logs(&id),
    ] {
        let a = direct.send(req.clone()).await.unwrap();
        let b = proxied.send(req).await.unwrap();
        same(&a, &b);
    }
    let want = direct.send(logs(&id)).await.unwrap().frames().unwrap();
    assert_eq!(want.len(), 4, "{want:?}");
    assert_eq!(all_frames(&proxied, logs(&id)).await.unwrap(), want, "streamed frames");

    // A stream stays live through the proxy: an event made after it opened arrives.
    let mut events = proxied.stream(Request::get("/events")).await.unwrap().json_lines();
    let r = direct
        .send(Request::post("/volumes/create").json(&serde_json::json!({ "Name": "dockhand-proxy-ev" })))
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::CREATED);
    let ev = events.next().await.unwrap().expect("an event");
    assert_eq!(ev["Actor"]["ID"], "dockhand-proxy-ev", "{ev}");
    drop(events);

    assert_eq!(
        direct.container_remove(&id, true, true).await.unwrap().status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        direct
            .send(Request::delete("/volumes/dockhand-proxy-ev"))
            .await
            .unwrap()
            .status,
        StatusCode::NO_CONTENT
    );
    assert!(
        proxy.notes().iter().all(|n| !n.contains("error")),
        "{:?}",
        proxy.notes()
    );
    drop(proxy);
    pe.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_reply_later_than_the_deadline_is_not_responding_naming_the_call() {
    let pe = private_engine("proxy-delay").await;
    let direct = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let proxy = FaultProxy::start(&pe.socket_path());
    let call = SECOND;

    proxy.set(Fault::Delay(Duration::from_secs(4)));
    let engine = via(&proxy, &direct, call);
    let (res, took) = timed(engine.send(Request::get("/containers/json").query("all", 1))).await;
    assert_took("a reply delayed past the deadline", took, call, call + SECOND);
    let err = res.unwrap_err();
    let msg = show(&err);
    let path = format!("/v{}/containers/json?all=1", direct.api_version());
    match &err {
        EngineError::NotResponding {
            endpoint,
            method,
            path: p,
            waited,
        } => {
            assert_eq!(endpoint, &proxy.endpoint());
            assert_eq!(method, Method::GET);
            assert_eq!(p, &path);
            assert_eq!(*waited, call);
        }
        other => panic!("expected NotResponding, got {other:?}"),
    }
    assert!(msg.contains(&format!("GET {path} got no reply within 1s")), "{msg}");
    assert!(proxy.last_note().starts_with("delay: held"), "{:?}", proxy.notes());

    // Connecting is a call like any other: it names /version.
    let (res, took) = timed(Engine::connect(dockhand_engine::ConnectOptions {
        endpoint: proxy.endpoint(),
        deadlines: deadlines(call, call),
        pinned_version: None,
    }))
    .await;
    assert_took("connect through a delaying proxy", took, call, call + SECOND);
    let err = res.unwrap_err();
    show(&err);
    assert!(
        matches!(&err, EngineError::NotResponding { method, path, .. } if method == Method::GET && path == "/version"),
        "{err:?}"
    );

    // A stream's head is held to the call deadline too.
    let engine = via(&proxy, &direct, call);
    let (res, took) = timed(engine.stream(Request::get("/events"))).await;
    assert_took("a delayed stream head", took, call, call + SECOND);
    let err = res.err().expect("NotResponding");
    show(&err);
    assert!(
        matches!(&err, EngineError::NotResponding { path, .. } if path.ends_with("/events")),
        "{err:?}"
    );

    // A delay within the deadline is only slow: the reply arrives whole.
    proxy.set(Fault::Delay(Duration::from_millis(300)));
    let engine = via(&proxy, &direct, Duration::from_secs(3));
    let (res, took) = timed(engine.send(Request::get("/version"))).await;
    assert_took(
        "a reply delayed within the deadline",
        took,
        Duration::from_millis(300),
        SECOND,
    );
    let r = res.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json::<serde_json::Value>().unwrap(), direct.info().unwrap().raw);

    drop(proxy);
    pe.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_reply_cut_short_is_a_lost_connection_or_a_protocol_error() {
    let pe = private_engine("proxy-cut").await;
    let direct = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let proxy = FaultProxy::start(&pe.socket_path());
    let v = direct.api_version();
    let id = finished_probe(
        &direct,
        &["stdout=alpha", "stdout=bravo", "stdout=charlie", "stdout=delta"],
    )
    .await;
    let log_path = format!("/v{v}/containers/{id}/logs?stdout=1&stderr=1");
    let want = direct.send(logs(&id)).await.unwrap();
    let frames = want.frames().unwrap();
    // Frame 1 is "alpha\n": 8 + 6 bytes; frame 2 starts at byte 14.
    assert_eq!((frames.len(), &frames[0].payload[..]), (4, &b"alpha\n"[..]));
    let fresh = || via(&proxy, &direct, Duration::from_secs(5));

    // The connection closes inside the status line and headers.
    proxy.set(Fault::CloseInHead { keep: 20 });
    let err = fresh().send(Request::get("/version")).await.unwrap_err();
    assert!(
        proxy.last_note().starts_with("close-in-head: sent 20 of"),
        "{:?}",
        proxy.notes()
    );
    expect_lost(&err, &pe, &proxy, Method::GET, &format!("/v{v}/version"));

    // Inside a JSON body.
    proxy.set(Fault::CloseInBody { keep: 30 });
    let err = fresh().send(Request::get("/version")).await.unwrap_err();
    assert!(
        proxy.last_note().starts_with("close-in-body: sent 30 body bytes of a"),
        "{:?}",
        proxy.notes()
    );
    expect_lost(&err, &pe, &proxy, Method::GET, &format!("/v{v}/version"));

    // Inside a frame of a log stream: read whole, and read as a stream (the
    // first frame arrives intact, then the loss).
    for keep in [14 + 3, 14 + 8 + 2] {
        proxy.set(Fault::CloseInBody { keep });
        let err = fresh().send(logs(&id)).await.unwrap_err();
        expect_lost(&err, &pe, &proxy, Method::GET, &log_path);
        proxy.set(Fault::CloseInBody { keep });
        let mut s = fresh().stream(logs(&id)).await.unwrap().frames();
        assert_eq!(s.next().await.unwrap().as_ref(), Some(&frames[0]));
        let err = s.next().await.unwrap_err();
        assert!(
            proxy
                .last_note()
                .starts_with(&format!("close-in-body: sent {keep} body bytes of a")),
            "{:?}",
            proxy.notes()
        );
        expect_lost(&err, &pe, &proxy, Method::GET, &log_path);
    }

    // HTTP intact, payload cut: the decoders catch it.
    for (keep, detail) in [
        (
            14 + 3,
            "stream ended inside a frame header at byte 14: 3 of 8 header bytes".to_string(),
        ),
        (
            14 + 8 + 2,
            "stream ended inside a frame at byte 14: 2 of 6 payload bytes".to_string(),
        ),
    ] {
        let detail = detail.as_str();
        proxy.set(Fault::EndBodyAt { keep });
        let r = fresh().send(logs(&id)).await.expect("a complete HTTP reply");
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body.len(), keep);
        expect_protocol(&r.frames().unwrap_err(), &proxy, Method::GET, &log_path, detail);

        proxy.set(Fault::EndBodyAt { keep });
        let mut s = fresh().stream(logs(&id)).await.unwrap().frames();
        assert_eq!(s.next().await.unwrap().as_ref(), Some(&frames[0]));
        expect_protocol(&s.next().await.unwrap_err(), &proxy, Method::GET, &log_path, detail);
        assert!(
            proxy
                .last_note()
                .starts_with(&format!("end-body-at: sent {keep} body bytes of a")),
            "{:?}",
            proxy.notes()
        );
    }
    proxy.set(Fault::EndBodyAt { keep: 25 });
    let r = fresh().send(Request::get("/version")).await.unwrap();
    let err = r.json::<serde_json::Value>().unwrap_err();
    expect_protocol(
        &err,
        &proxy,
        Method::GET,
        &format!("/v{v}/version"),
        "invalid JSON body",
    );

    // Chunked encoding broken mid-body is the engine breaking HTTP, not a lost connection.
    proxy.set(Fault::CorruptChunk);
    let err = fresh().send(logs(&id)).await.unwrap_err();
    assert!(
        proxy.last_note().contains("Chunked"),
        "the reply must be chunked for this case: {:?}",
        proxy.notes()
    );
    expect_protocol(&err, &proxy, Method::GET, &log_path, "chunk");

    assert_eq!(
        direct.container_remove(&id, true, true).await.unwrap().status,
        StatusCode::NO_CONTENT
    );
    drop(proxy);
    pe.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_reset_is_a_lost_connection_and_a_reply_that_is_not_http_is_a_protocol_error() {
    let pe = private_engine("proxy-reset").await;
    let direct = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let proxy = FaultProxy::start(&pe.socket_path());
    let v = direct.api_version();
    let fresh = || via(&proxy, &direct, Duration::from_secs(5));

    proxy.set(Fault::Reset);
    let (res, took) = timed(fresh().send(Request::get("/info"))).await;
    let err = res.unwrap_err();
    assert_eq!(proxy.last_note(), "reset: closed with the request unread");
    assert_took("a reset", took, Duration::ZERO, SECOND);
    expect_lost(&err, &pe, &proxy, Method::GET, &format!("/v{v}/info"));
    assert!(show(&err).to_lowercase().contains("reset"), "says what happened");

    for garbage in [
        &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
        b"\x00\x01\x02\x03\xff\xfe binary\r\n\r\n",
        b"<html><body>502 Bad Gateway</body></html>\r\n\r\n",
        b"HTTP/1.1 two hundred OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\nhello",
    ] {
        proxy.set(Fault::Garbage(garbage.to_vec()));
        let (res, took) = timed(fresh().send(Request::get("/containers/json"))).await;
        let err = res.unwrap_err();
        assert!(proxy.last_note().starts_with("garbage:"), "{:?}", proxy.notes());
        assert_took("a reply that is not HTTP", took, Duration::ZERO, SECOND);
        expect_protocol(&err, &proxy, Method::GET, &format!("/v{v}/containers/json"), "");
    }

    // After all that, the same proxy forwards a clean call again.
    proxy.set(Fault::None);
    assert_eq!(fresh().ping().await.unwrap().status, StatusCode::OK);
    drop(proxy);
    pe.shutdown().await.unwrap();
}

/// An engine newer than dockhand (Docker 29.0 to 29.2 accept API 1.44 and
/// up): the machine's engine behind a proxy that rewrites its `/version`.
/// Connecting says so, naming the versions, before any call the engine would
/// refuse with 400; a pin inside the engine's range is still honoured.
#[tokio::test]
async fn an_engine_whose_minimum_api_is_above_dockhands_is_refused_at_connect() {
    let machine = std::path::Path::new(dockhand_engine::DEFAULT_SOCKET);
    let direct = Engine::connect(ConnectOptions {
        endpoint: dockhand_engine::Endpoint::unix(machine, dockhand_engine::EndpointSource::Default),
        deadlines: deadlines(SECOND * 10, SECOND * 10),
        pinned_version: None,
    })
    .await
    .expect("these tests need the machine's engine at /var/run/docker.sock");
    let info = direct.info().expect("negotiated").clone();
    let min = info
        .min_api_version
        .expect("the machine's engine says its minimum")
        .to_string();
    let proxy = FaultProxy::start(machine);
    let newer = Fault::Rewrite(vec![
        (
            format!("\"MinAPIVersion\":\"{min}\""),
            "\"MinAPIVersion\":\"1.44\"".into(),
        ),
        (
            format!("\"ApiVersion\":\"{}\"", info.api_version),
            "\"ApiVersion\":\"1.52\"".into(),
        ),
    ]);
    let connect = |pinned: Option<&str>| {
        Engine::connect(ConnectOptions {
            endpoint: proxy.endpoint(),
            deadlines: deadlines(SECOND * 10, SECOND * 10),
            pinned_version: pinned.map(|p| p.parse().unwrap()),
        })
    };

    proxy.set(newer.clone());
    let err = connect(None).await.expect_err("no version in common");
    assert!(
        proxy.last_note().starts_with("rewrite:") && !proxy.last_note().starts_with("rewrite: 0 "),
        "{:?}",
        proxy.notes()
    );
    assert_eq!(err.kind(), "unsupported-version", "{}", show(&err));
    assert!(!err.is_engine_down());
    let text = err.to_string();
    for part in [
        "accepts API 1.44 to 1.52",
        "dockhand speaks at most 1.41",
        "400",
        &info.name,
    ] {
        assert!(text.contains(part), "{part:?} missing from: {text}");
    }
    assert_eq!(
        proxy.notes().len(),
        1,
        "nothing but /version was sent: {:?}",
        proxy.notes()
    );

    let err = connect(Some("1.40")).await.expect_err("a pin below the minimum");
    assert!(err.to_string().contains("--api-version 1.40 is below"), "{err}");

    // The same engine as it really is: connected, at 1.41.
    proxy.set(Fault::None);
    assert_eq!(
        connect(None).await.expect("unchanged").api_version().to_string(),
        "1.41"
    );
}
