//! An absent engine: the socket is missing, or nobody listens on it.
//! These need neither root nor dockerd.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use dockhand_engine::{
    ApiVersion, ConnectOptions, Deadlines, Endpoint, EndpointSource, Engine, EngineError, UnreachableReason,
};
use support::{assert_refused, assert_took, show, timed};

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dockhand-engine-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn opts(endpoint: Endpoint) -> ConnectOptions {
    ConnectOptions {
        endpoint,
        deadlines: Deadlines {
            call: Duration::from_secs(5),
            stream_idle: Duration::from_secs(5),
        },
        pinned_version: None,
    }
}

#[tokio::test]
async fn a_missing_socket_is_unreachable_at_once_and_says_where_and_what_to_do() {
    let dir = scratch("missing");
    let sock = dir.join("nothing-here.sock");
    let endpoint = Endpoint::unix(&sock, EndpointSource::Flag);
    let (res, took) = timed(Engine::connect(opts(endpoint.clone()))).await;
    assert_took(
        "connect to a missing socket",
        took,
        Duration::ZERO,
        Duration::from_secs(1),
    );
    let err = res.unwrap_err();
    let msg = show(&err);
    match &err {
        EngineError::Unreachable { endpoint: e, reason } => {
            assert_eq!(e, &endpoint);
            assert_eq!(reason, &UnreachableReason::SocketMissing);
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(err.is_engine_down());
    assert_eq!(err.kind(), "unreachable");
    assert!(
        msg.contains(&format!("unix://{}", sock.display())),
        "names the endpoint: {msg}"
    );
    assert!(msg.contains("from --host"), "names where the endpoint came from: {msg}");
    assert!(msg.contains("does not exist"), "{msg}");
    assert!(
        msg.contains("start the engine") && msg.contains("DOCKER_HOST"),
        "says what to do: {msg}"
    );

    // The same from DOCKER_HOST says so, and a handle that never negotiated behaves alike.
    let from_env = Endpoint::unix(&sock, EndpointSource::DockerHost);
    let e = Engine::with_version(from_env, opts(endpoint).deadlines, ApiVersion::new(1, 41));
    let (res, took) = timed(e.ping()).await;
    assert_took("ping a missing socket", took, Duration::ZERO, Duration::from_secs(1));
    let msg = show(&res.unwrap_err());
    assert!(msg.contains("(from DOCKER_HOST)"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_socket_nobody_listens_on_is_refused() {
    let dir = scratch("refused");
    let sock = dir.join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    assert!(sock.exists(), "the socket file stays after its listener is gone");
    let endpoint = Endpoint::unix(&sock, EndpointSource::Flag);
    let (res, took) = timed(Engine::connect(opts(endpoint))).await;
    assert_took(
        "connect to a socket without listener",
        took,
        Duration::ZERO,
        Duration::from_secs(1),
    );
    let err = res.unwrap_err();
    let msg = show(&err);
    assert_refused(err);
    assert!(msg.contains(&format!("unix://{}", sock.display())), "{msg}");
    assert!(
        msg.contains("connection refused") && msg.contains("not listening"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
