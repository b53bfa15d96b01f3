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
