//! What the harness tests share: a test check in one line, the machine's
//! engine, plans of test cases, a runner with the tests' options and the
//! outcomes it reported; and, from the tests' shared module, engines and the
//! host as /proc shows it.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use dockhand_engine::{ApiVersion, Endpoint, Engine};
use dockhand_harness::{
    Check, CheckCase, CheckFuture, CheckMeta, Ctx, Event, Finding, Outcome, PlannedCase, ProbeImage, Runner,
    RunnerOptions,
};
use serde_json::json;
use tokio::sync::mpsc;

#[path = "../../../daemon/tests/common/mod.rs"]
mod common;
// Not every test binary uses both.
#[allow(unused_imports)]
pub use common::{engines, host};

/// A check of the test area with nothing but an id, a summary and its body.
pub fn check(id: &'static str, summary: &'static str, run: fn(Ctx) -> CheckFuture) -> Check {
    Check {
        meta: CheckMeta {
            id,
            summary,
            area: "test",
            tags: &[],
            min_api: ApiVersion::new(1, 25),
            needs: &[],
            reference: &[],
            source: None,
        },
        variants: &[],
        run: std::sync::Arc::new(run),
    }
}

/// The engine the environment names (`DOCKER_HOST`, a context), else the
/// machine's, on default deadlines.
pub async fn machine_engine() -> Engine {
    engines::connect(Endpoint::from_environment().unwrap(), Duration::from_secs(30)).await
}

/// `case` planned once as `iteration`, with no settings, deadline, skip or listing.
pub fn planned(case: CheckCase, iteration: u32) -> PlannedCase {
    PlannedCase {
        case,
        iteration,
        settings: json!({}),
        timeout: None,
        skip: None,
        known_failure: None,
        excused: vec![],
    }
}

/// The tests' runner options: `jobs` cases at a time under `check_timeout`
/// each, the default watchdog, replies validated.
pub fn options(run_id: String, jobs: usize, check_timeout: Duration) -> RunnerOptions {
    RunnerOptions {
        run_id,
        jobs,
        check_timeout,
        watchdog_timeout: Duration::from_millis(750),
        call_observer: None,
        resumed_from: None,
        shapes: true,
        strict: false,
        history: Default::default(),
    }
}

/// A runner with `opts`; its events go to the returned receiver.
pub fn runner_with(engine: Engine, opts: RunnerOptions) -> (Runner, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Runner::new(engine, Arc::new(ProbeImage::new()), opts, tx), rx)
}

/// A runner of `jobs` cases at a time under `check_timeout` each, with the
/// default watchdog; its events go to the returned receiver.
pub fn runner(
    engine: Engine,
    run_id: String,
    jobs: usize,
    check_timeout: Duration,
) -> (Runner, mpsc::UnboundedReceiver<Event>) {
    runner_with(engine, options(run_id, jobs, check_timeout))
}

/// A case's end as the runner reported it.
#[derive(Debug)]
pub struct Finished {
    pub id: String,
    pub iteration: u32,
    pub outcome: Outcome,
    pub cleanup_notes: Vec<String>,
    pub schema: Vec<Finding>,
}

/// The `check-finished` events received so far, in order.
pub fn finished(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<Finished> {
    let mut out = vec![];
    while let Ok(e) = rx.try_recv() {
        if let Event::CheckFinished {
            case,
            outcome,
            cleanup_notes,
            schema,
            ..
        } = e
        {
            out.push(Finished {
                id: case.id,
                iteration: case.iteration,
                outcome,
                cleanup_notes,
                schema,
            });
        }
    }
    out
}
