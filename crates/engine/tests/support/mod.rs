//! Shared support of the engine client's integration tests: private engines
//! (from dockhand-daemon), a call recorder, and timing assertions.
//!
//! Tests that need a private engine need root and dockerd. They fail loudly
//! (they do not skip) when either is missing, with the reason.

#![allow(dead_code)] // each test file uses a part

pub mod proxy;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{CallObserver, CallRecord, ConnectOptions, Deadlines, Engine, EngineError, UnreachableReason};

/// Starts a private engine whose name is unique to the test and the process,
/// so that parallel test threads and concurrent runs do not collide. Dropping
/// it (also when the test panics) kills and removes everything it started.
pub async fn private_engine(test: &str) -> PrivateEngine {
    let name = format!("e{}-{test}", std::process::id());
    let t = Instant::now();
    match PrivateEngine::start(PrivateEngineOptions::new(&name)).await {
        Ok(pe) => {
            eprintln!("[{test}] private engine ready in {} (dockerd {})", ms(t.elapsed()), ms(pe.ready_after()));
            pe
        }
        Err(e) => panic!(
            "[{test}] cannot start a private engine; these tests need root and dockerd (docker.io or docker-ce) and do not skip: {e}"
        ),
    }
}

pub fn deadlines(call: Duration, stream_idle: Duration) -> Deadlines {
    Deadlines { call, stream_idle }
}

/// Connects (negotiating the version) to a private engine.
pub async fn connect(pe: &PrivateEngine, deadlines: Deadlines) -> Engine {
    Engine::connect(ConnectOptions {
        endpoint: pe.endpoint(),
        deadlines,
        pinned_version: None,
    })
    .await
    .unwrap_or_else(|e| {
        panic!(
            "cannot connect to private engine {}: {e}\n{}",
            pe.name(),
            pe.log_tail(20)
        )
    })
}

/// Runs `fut`, returning its output and how long it took.
pub async fn timed<T>(fut: impl std::future::Future<Output = T>) -> (T, Duration) {
    let t = Instant::now();
    let out = fut.await;
    (out, t.elapsed())
}

/// Asserts `lo <= took < hi`, saying what was measured.
pub fn assert_took(what: &str, took: Duration, lo: Duration, hi: Duration) {
    eprintln!("{what}: {}", ms(took));
    assert!(took >= lo, "{what} took {}, expected at least {}", ms(took), ms(lo));
    assert!(took < hi, "{what} took {}, expected under {}", ms(took), ms(hi));
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1000.0)
}

/// Shows an error both ways in the test output.
pub fn show(e: &EngineError) -> String {
    let s = format!("{} | {e}", e.kind());
    eprintln!("  -> {s}");
    s
}

/// Records every call an engine handle makes.
#[derive(Default)]
pub struct Recorder(Mutex<Vec<CallRecord>>);

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder::default())
    }

    pub fn paths(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|c| c.path.clone()).collect()
    }

    pub fn calls(&self) -> Vec<CallRecord> {
        self.0.lock().unwrap().clone()
    }
}

impl CallObserver for Recorder {
    fn record(&self, call: &CallRecord) {
        self.0.lock().unwrap().push(call.clone());
    }
}

/// Asserts an `Unreachable { reason: Refused }` and prints it.
pub fn assert_refused(err: EngineError) {
    show(&err);
    assert!(
        matches!(
            &err,
            EngineError::Unreachable {
                reason: UnreachableReason::Refused,
                ..
            }
        ),
        "{err:?}"
    );
}
