//! API errors and version negotiation against a real private engine.
//! Needs root and dockerd; fails loudly without them.

mod support;

use std::time::Duration;

use dockhand_engine::{
    ApiVersion, ConnectOptions, Engine, EngineError, Method, Request, Response, StatusCode, MAX_API_VERSION,
};
use support::{connect, deadlines, private_engine, show, Recorder};

#[tokio::test]
async fn api_errors_carry_status_and_the_engines_message() {
    let pe = private_engine("api-error").await;
    let engine = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;

    let r = engine
        .send(Request::get("/containers/doesnotexist/json"))
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.method, Method::GET);
    assert_eq!(
        r.path,
        format!("/v{}/containers/doesnotexist/json", engine.api_version())
    );
    assert!(r.message().contains("No such container"), "{}", r.message());
    assert!(r.header_str("content-type").is_some_and(|c| c.contains("json")));

    let err = r.clone().ok().unwrap_err();
    let msg = show(&err);
    match &err {
        EngineError::Api {
            method,
            path,
            status,
            message,
        } => {
            assert_eq!(method, Method::GET);
            assert_eq!(path, &r.path);
            assert_eq!(*status, StatusCode::NOT_FOUND);
            assert_eq!(message, &r.message());
        }
        other => panic!("expected Api, got {other:?}"),
    }
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(
        !err.is_engine_down(),
        "an API error is the engine's verdict, not an outage"
    );
    assert!(
        msg.contains("404") && msg.contains("No such container: doesnotexist"),
        "{msg}"
    );
    assert!(r.expect_status(&[404]).is_ok());

    // Another area, another method: the same shape.
    let err = engine
        .send(Request::delete("/volumes/doesnotexist"))
        .await
        .and_then(Response::ok)
        .unwrap_err();
    show(&err);
    assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
    assert!(matches!(&err, EngineError::Api { method, .. } if method == Method::DELETE));
}

#[tokio::test]
async fn the_version_is_negotiated_down_to_what_both_speak() {
    let pe = private_engine("negotiate").await;
    let engine = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let info = engine.info().expect("connect records what /version said").clone();
    let raw: ApiVersion = info.raw["ApiVersion"].as_str().unwrap().parse().unwrap();
    eprintln!(
        "engine {} {} speaks API {} (min {:?}); dockhand speaks up to {MAX_API_VERSION}; negotiated {}",
        info.name,
        info.version,
        info.api_version,
        info.min_api_version,
        engine.api_version()
    );
    assert_eq!(info.api_version, raw);
    assert_eq!(engine.api_version(), raw.min(MAX_API_VERSION));
    assert!(info.min_api_version.is_some_and(|m| m <= engine.api_version()));

    let rec = Recorder::new();
    let observed = engine.with_observer(rec.clone());
    observed.send(Request::get("/info")).await.unwrap().ok().unwrap();
    observed.ping().await.unwrap();
    assert_eq!(
        rec.paths(),
        vec![format!("/v{}/info", engine.api_version()), "/_ping".to_string()]
    );
}

#[tokio::test]
async fn a_pinned_version_is_sent_on_every_path() {
    let pe = private_engine("pinned").await;
    let pinned = ApiVersion::new(1, 40);
    let engine = Engine::connect(ConnectOptions {
        endpoint: pe.endpoint(),
        deadlines: deadlines(Duration::from_secs(10), Duration::from_secs(10)),
        pinned_version: Some(pinned),
    })
    .await
    .unwrap();
    assert_eq!(engine.api_version(), pinned);

    let rec = Recorder::new();
    let engine = engine.with_observer(rec.clone());
    let v = engine.version().await.unwrap();
    assert!(v["ApiVersion"].is_string());
    engine.container_list(true, None).await.unwrap();
    let r = engine.send(Request::get("/containers/nope/json")).await.unwrap();
    assert_eq!(r.status, 404);
    engine.ping().await.unwrap();

    let calls = rec.calls();
    let paths = rec.paths();
    assert_eq!(
        paths,
        vec![
            "/v1.40/version".to_string(),
            "/v1.40/containers/json?all=true".to_string(),
            "/v1.40/containers/nope/json".to_string(),
            "/_ping".to_string(),
        ]
    );
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![Some(200), Some(200), Some(404), Some(200)]
    );
    assert!(calls.iter().all(|c| c.method == "GET" && c.error.is_none()));

    // A version above the engine's is the engine's to refuse, with its words.
    let too_new = Engine::with_version(pe.endpoint(), engine.deadlines(), ApiVersion::new(1, 99));
    let r = too_new.send(Request::get("/info")).await.unwrap();
    assert_eq!(r.path, "/v1.99/info");
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.message());
    assert!(r.message().contains("too new"), "{}", r.message());
}

/// Counts the wake-ups of a task, telling apart those raised while the task
/// is being polled (the task waking itself) from those that come later (the
/// engine's reply arriving).
#[derive(Default)]
struct WakeCount {
    polling: std::sync::atomic::AtomicBool,
    during_poll: std::sync::atomic::AtomicUsize,
    later: std::sync::atomic::AtomicUsize,
}

impl WakeCount {
    /// Runs `fut` to completion under a waker that counts.
    async fn run<F: std::future::Future>(self: &std::sync::Arc<Self>, fut: F) -> F::Output {
        use std::sync::atomic::Ordering::SeqCst;
        struct Spy(std::sync::Arc<WakeCount>, std::task::Waker);
        impl std::task::Wake for Spy {
            fn wake(self: std::sync::Arc<Self>) {
                self.wake_by_ref()
            }
            fn wake_by_ref(self: &std::sync::Arc<Self>) {
                if self.0.polling.load(SeqCst) {
                    self.0.during_poll.fetch_add(1, SeqCst);
                } else {
                    self.0.later.fetch_add(1, SeqCst);
                }
                self.1.wake_by_ref()
            }
        }
        let mut fut = std::pin::pin!(fut);
        std::future::poll_fn(|cx| {
            let spy = std::task::Waker::from(std::sync::Arc::new(Spy(self.clone(), cx.waker().clone())));
            self.polling.store(true, SeqCst);
            let out = fut.as_mut().poll(&mut std::task::Context::from_waker(&spy));
            self.polling.store(false, SeqCst);
            out
        })
        .await
    }
}

#[tokio::test]
async fn calls_do_not_wake_their_own_task_for_hypers_hand_offs() {
    // hyper wakes the connection's waker when a request is queued on it and
    // when its reply body is read; the client drives the connection inline,
    // so those wakers are the caller's. Each such wake-up used to cost the
    // caller one more round of the scheduler (and an epoll_wait) per call
    // and per stream chunk.
    use std::sync::atomic::Ordering::SeqCst;
    let pe = private_engine("self-wake").await;
    let engine = connect(&pe, deadlines(Duration::from_secs(10), Duration::from_secs(10))).await;
    let count = std::sync::Arc::new(WakeCount::default());
    count
        .run(async {
            for _ in 0..200 {
                engine.ping().await.unwrap().ok().unwrap();
            }
            for _ in 0..20 {
                let s = engine.stream(Request::get("/info")).await.unwrap();
                let r = s.collect().await.unwrap();
                assert_eq!(r.status, StatusCode::OK);
                assert!(r.json::<serde_json::Value>().unwrap()["ID"].is_string());
            }
        })
        .await;
    assert!(
        count.later.load(SeqCst) > 0,
        "the replies never woke the task: the counter is not wired"
    );
    assert_eq!(
        count.during_poll.load(SeqCst),
        0,
        "220 calls woke their own task {} times while being polled ({} wake-ups came from the engine's replies)",
        count.during_poll.load(SeqCst),
        count.later.load(SeqCst)
    );
}
