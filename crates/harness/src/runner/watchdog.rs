//! How the runner tells that the engine is down: [`liveness`], its own ping
//! an interval apart; [`watchdog_engine`], the handle with the short deadline
//! for the one ping that confirms a suspect case's trouble; and
//! [`declared_down`], what a case in flight waits on to be cut off once the
//! engine is declared down.

use std::sync::Arc;
use std::time::Duration;

use dockhand_engine::{Deadlines, Engine, EngineError};
use tokio::sync::watch;

use crate::cluster::ClusterHandle;

/// Resolves with the diagnosis once the runner declares the engine down.
pub(super) async fn declared_down(rx: &mut watch::Receiver<Option<String>>) -> String {
    loop {
        if let Some(d) = rx.borrow_and_update().clone() {
            return d;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Pings the engine until a ping fails below HTTP (no reply within the call
/// deadline, refused, lost), `every` apart, and returns that failure. Not
/// while a cluster check has the run's own engine down on purpose.
pub(super) async fn liveness(engine: Engine, every: Duration, cluster: Option<Arc<ClusterHandle>>) -> EngineError {
    loop {
        match engine.ping().await {
            Err(e) if e.is_engine_down() && !cluster.as_ref().is_some_and(|c| c.own_engine_down()) => return e,
            _ => tokio::time::sleep(every).await,
        }
    }
}

/// A handle whose calls use the short watchdog deadline.
pub(super) fn watchdog_engine(engine: &Engine, timeout: Duration) -> Engine {
    Engine::with_version(
        engine.endpoint().clone(),
        Deadlines {
            call: timeout,
            stream_idle: timeout,
        },
        engine.api_version(),
    )
}
