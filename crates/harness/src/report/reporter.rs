//! The [`Reporter`] trait, [`Fanout`], which forwards events to several
//! reporters, and [`consume`], the loop that feeds a reporter from the
//! runner's channel.

use std::io;

use tokio::sync::mpsc;

use crate::events::Event;

/// A consumer of a run's events.
pub trait Reporter: Send {
    /// Takes one event, in the order the runner emitted them.
    fn event(&mut self, e: &Event) -> io::Result<()>;
    /// The run is over (or was abandoned): write what is pending.
    fn finish(&mut self) -> io::Result<()>;
}

/// Forwards every event to each reporter in turn.
#[derive(Default)]
pub struct Fanout {
    reporters: Vec<Box<dyn Reporter>>,
}

impl Fanout {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Self {
        Fanout { reporters }
    }

    pub fn push(&mut self, r: Box<dyn Reporter>) {
        self.reporters.push(r);
    }
}

/// Calls `f` on every reporter, even after one fails: a full disk under the
/// JUnit file must not silence the terminal. Returns the first error.
fn each(reporters: &mut [Box<dyn Reporter>], mut f: impl FnMut(&mut dyn Reporter) -> io::Result<()>) -> io::Result<()> {
    let mut first = Ok(());
    for r in reporters {
        if let Err(e) = f(r.as_mut()) {
            if first.is_ok() {
                first = Err(e);
            }
        }
    }
    first
}

impl Reporter for Fanout {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        each(&mut self.reporters, |r| r.event(e))
    }

    fn finish(&mut self) -> io::Result<()> {
        each(&mut self.reporters, |r| r.finish())
    }
}

/// Feeds `reporter` every event until the runner drops its sender, then
/// finishes it. The first error is returned after all events are consumed,
/// so the runner never blocks on a broken reporter.
pub async fn consume(mut events: mpsc::UnboundedReceiver<Event>, reporter: &mut dyn Reporter) -> io::Result<()> {
    let mut first = Ok(());
    while let Some(e) = events.recv().await {
        if let Err(err) = reporter.event(&e) {
            if first.is_ok() {
                first = Err(err);
            }
        }
    }
    let finished = reporter.finish();
    first.and(finished)
}

/// Shared test material: a writer tests can read back, and a synthetic run.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    use dockhand_engine::CallRecord;

    use crate::events::{CaseKey, Counts, EngineSummary, Event, Outcome};

    /// A `Write` whose bytes the test keeps a handle on.
    #[derive(Clone, Default)]
    pub(crate) struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

    impl SharedBuf {
        pub(crate) fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    pub(crate) fn key(id: &str, iteration: u32) -> CaseKey {
        CaseKey {
            id: id.into(),
            iteration,
        }
    }

    pub(crate) fn call(method: &str, path: &str, status: Option<u16>, ms: f64) -> CallRecord {
        CallRecord {
            method: method.into(),
            path: path.into(),
            status,
            elapsed_ms: ms,
            request_body: None,
            response_body: None,
            error: None,
        }
    }

    pub(crate) fn finished(id: &str, iteration: u32, outcome: Outcome, ms: u64) -> Event {
        Event::CheckFinished {
            case: key(id, iteration),
            area: id.split('/').next().unwrap().into(),
            outcome,
            duration_ms: ms,
            transcript: vec![],
            cleanup_notes: vec![],
            schema: vec![],
            validated: vec![],
        }
    }

    pub(crate) fn run_started(selection: Vec<CaseKey>) -> Event {
        Event::RunStarted {
            run_id: "1a2b3c4d".into(),
            started_at: "2024-05-01T10:00:00Z".into(),
            engine: EngineSummary {
                endpoint: "unix:///var/run/docker.sock".into(),
                endpoint_source: "the default".into(),
                name: "Docker Engine - Community".into(),
                version: "24.0.7".into(),
                api_version: "1.41".into(),
                os: "linux".into(),
                arch: "amd64".into(),
            },
            selection,
            jobs: 2,
            resumed_from: None,
        }
    }

    /// A run with one case of every outcome, a transcript and cleanup notes.
    pub(crate) fn sample_run() -> Vec<Event> {
        let mut failing = finished(
            "containers/lifecycle/start-stop-logs",
            2,
            Outcome::Failed {
                message: "start of a created container (POST /v1.41/containers/abc/start): expected status 204, got status 500".into(),
                observed: Some(crate::observed::Observed {
                    method: "POST".into(),
                    path: "/v1.41/containers/abc/start".into(),
                    fact: crate::observed::Fact::Status {
                        status: 500,
                        message: "boom".into(),
                    },
                }),
            },
            1204,
        );
        if let Event::CheckFinished {
            transcript,
            cleanup_notes,
            ..
        } = &mut failing
        {
            let mut create = call("POST", "/v1.41/containers/create", Some(201), 3.2);
            create.request_body = Some(r#"{"Image":"dockhand/probe:0.1.0"}"#.into());
            create.response_body = Some(r#"{"Id":"abc","Warnings":[]}"#.into());
            let mut start = call("POST", "/v1.41/containers/abc/start", Some(500), 12.0);
            start.response_body = Some(r#"{"message":"boom"}"#.into());
            *transcript = vec![create, start];
            *cleanup_notes = vec!["left behind after cleanup (now removed): volume dh-x".into()];
        }
        let mut counts = Counts::default();
        let events = vec![
            run_started(vec![
                key("system/ping", 1),
                key("containers/lifecycle/start-stop-logs", 2),
                key("containers/exec/tty", 1),
                key("swarm/services/create", 1),
                key("images/search/basic", 1),
                key("images/list/all", 1),
                key("containers/update/memory", 1),
                key("volumes/create/basic", 1),
            ]),
            Event::Swept {
                containers: 2,
                volumes: 1,
                networks: 0,
                images: 0,
            },
            Event::CheckStarted {
                case: key("system/ping", 1),
                area: "system".into(),
            },
            finished("system/ping", 1, Outcome::Passed, 12),
            Event::CheckStarted {
                case: key("containers/lifecycle/start-stop-logs", 2),
                area: "containers".into(),
            },
            failing,
            finished(
                "containers/exec/tty",
                1,
                Outcome::Error {
                    message: "the check panicked: index out of bounds".into(),
                },
                40,
            ),
            finished(
                "swarm/services/create",
                1,
                Outcome::Skipped {
                    reason: "needs a swarm manager".into(),
                },
                0,
            ),
            finished(
                "images/search/basic",
                1,
                Outcome::KnownFailure {
                    message: "limit: expected 5 results, got 25".into(),
                    reason: "moby/moby#1: search ignores the limit".into(),
                    deviation: "ImageSearch (GET /images/search) replying /5/name = \"busybox\"".into(),
                },
                300,
            ),
            finished(
                "images/list/all",
                1,
                Outcome::Fixed {
                    reason: "moby/moby#2".into(),
                },
                80,
            ),
            finished(
                "containers/update/memory",
                1,
                Outcome::Unsupported {
                    operation: "ContainerUpdate".into(),
                    status: 404,
                    message: "Not Found".into(),
                    reason: "no route".into(),
                },
                30,
            ),
            Event::EngineDown {
                since: "2024-05-01T10:00:05Z".into(),
                diagnosis: "engine not responding at unix:///var/run/docker.sock".into(),
            },
            finished(
                "volumes/create/basic",
                1,
                Outcome::NotRun {
                    reason: "engine not responding".into(),
                },
                0,
            ),
        ];
        for e in &events {
            if let Event::CheckFinished { outcome, .. } = e {
                counts.add(outcome);
            }
        }
        let mut events = events;
        events.push(Event::RunFinished {
            counts,
            duration_ms: 5_432,
            exit_code: crate::exit::ENGINE_DOWN,
        });
        events
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Records event names; fails on the events it is told to.
    struct Probe {
        seen: Arc<Mutex<Vec<String>>>,
        fail: bool,
    }

    impl Reporter for Probe {
        fn event(&mut self, e: &Event) -> io::Result<()> {
            let name = serde_json::to_value(e).unwrap()["event"].as_str().unwrap().to_string();
            self.seen.lock().unwrap().push(name);
            if self.fail {
                Err(io::Error::other("disk full"))
            } else {
                Ok(())
            }
        }
        fn finish(&mut self) -> io::Result<()> {
            self.seen.lock().unwrap().push("finish".into());
            Ok(())
        }
    }

    #[tokio::test]
    async fn fanout_feeds_every_reporter_even_after_an_error() {
        let a = Arc::new(Mutex::new(Vec::new()));
        let b = Arc::new(Mutex::new(Vec::new()));
        let mut fan = Fanout::new(vec![
            Box::new(Probe {
                seen: a.clone(),
                fail: true,
            }),
            Box::new(Probe {
                seen: b.clone(),
                fail: false,
            }),
        ]);
        let (tx, rx) = mpsc::unbounded_channel();
        tx.send(run_started(vec![])).unwrap();
        tx.send(finished("system/ping", 1, crate::Outcome::Passed, 1)).unwrap();
        drop(tx);
        let err = consume(rx, &mut fan).await.unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        let expected = ["run-started", "check-finished", "finish"];
        assert_eq!(*a.lock().unwrap(), expected);
        assert_eq!(*b.lock().unwrap(), expected);
    }
}
