//! Engines to test against: a client on the machine's engine or a private
//! one, and private engines started for one test, named after the test
//! process so that concurrent runs on the host never share one.

use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, EndpointSource, Engine};

/// The machine's own engine.
pub const SYSTEM_SOCKET: &str = "/var/run/docker.sock";

/// The machine's engine, whatever DOCKER_HOST says.
pub fn system_endpoint() -> Endpoint {
    Endpoint::unix(SYSTEM_SOCKET, EndpointSource::Default)
}

/// A client on `endpoint` whose calls and streams have `deadline`.
pub async fn connect(endpoint: Endpoint, deadline: Duration) -> Engine {
    let shown = endpoint.to_string();
    Engine::connect(ConnectOptions {
        endpoint,
        deadlines: Deadlines {
            call: deadline,
            stream_idle: deadline,
        },
        pinned_version: None,
    })
    .await
    .unwrap_or_else(|e| panic!("these tests need the engine at {shown}: {e}"))
}

/// A name unique to this process: `<prefix><pid>-<test>`.
pub fn unique_name(prefix: &str, test: &str) -> String {
    format!("{prefix}{}-{test}", std::process::id())
}

/// Starts a private engine. Its Drop kills and removes it if the test panics.
/// These tests need root and dockerd and fail (they do not skip) without them.
pub async fn start_private(opts: PrivateEngineOptions) -> PrivateEngine {
    let t = Instant::now();
    match PrivateEngine::start(opts).await {
        Ok(e) => {
            eprintln!(
                "private engine {} ready in {:?} (dockerd {:?})",
                e.name(),
                t.elapsed(),
                e.ready_after()
            );
            e
        }
        Err(e) => panic!("cannot start a private engine (these tests need root and dockerd): {e}"),
    }
}
