//! [`JsonReporter`]: `--format json`. Each event is one line of JSON, the
//! serde form of [`Event`], flushed as it happens so that a consumer reading
//! a pipe sees every case when it finishes. docs/json-events.md documents the
//! schema.

use std::io::{self, Write};

use crate::events::Event;
use crate::report::Reporter;

/// Writes one JSON line per event.
pub struct JsonReporter {
    out: Box<dyn Write + Send>,
}

impl JsonReporter {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        JsonReporter { out }
    }

    /// A reporter on standard output.
    pub fn stdout() -> Self {
        Self::new(Box::new(io::stdout()))
    }
}

impl Reporter for JsonReporter {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        let mut line = serde_json::to_vec(e)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{sample_run, SharedBuf};
    use serde_json::Value;

    #[test]
    fn one_line_per_event_that_reads_back() {
        let buf = SharedBuf::default();
        let mut r = JsonReporter::new(Box::new(buf.clone()));
        let events = sample_run();
        for e in &events {
            r.event(e).unwrap();
        }
        r.finish().unwrap();
        let text = buf.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), events.len());
        let first: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(first["event"], "run-started");
        assert_eq!(first["run_id"], "1a2b3c4d");
        let failed: Value = serde_json::from_str(lines[5]).unwrap();
        assert_eq!(failed["event"], "check-finished");
        assert_eq!(failed["case"]["iteration"], 2);
        assert_eq!(failed["outcome"]["kind"], "failed");
        assert_eq!(failed["transcript"][1]["status"], 500);
        assert_eq!(
            failed["outcome"]["observed"],
            serde_json::json!({"method": "POST", "path": "/v1.41/containers/abc/start", "fact": "status", "status": 500, "message": "boom"})
        );
        let known: Value = serde_json::from_str(lines[8]).unwrap();
        assert_eq!(known["outcome"]["kind"], "known-failure");
        assert_eq!(known["outcome"]["reason"], "moby/moby#1: search ignores the limit");
        assert_eq!(
            known["outcome"]["deviation"],
            "ImageSearch (GET /images/search) replying /5/name = \"busybox\""
        );
        // Every line is an event again.
        for l in &lines {
            serde_json::from_str::<Event>(l).unwrap();
        }
    }

    /// docs/json-events.md shows a line of every event and outcome kind, and
    /// every line it shows is an event as dockhand reads it.
    #[test]
    fn the_documented_examples_are_real_events() {
        let doc = include_str!("../../../../docs/json-events.md");
        let mut events = std::collections::BTreeSet::new();
        let mut outcomes = std::collections::BTreeSet::new();
        for line in doc.lines().filter(|l| l.starts_with("{\"event\"")) {
            let e: Event = serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}"));
            let v: Value = serde_json::to_value(&e).unwrap();
            events.insert(v["event"].as_str().unwrap().to_string());
            if let Some(kind) = v["outcome"]["kind"].as_str() {
                outcomes.insert(kind.to_string());
            }
        }
        let all = |names: &[&str]| {
            names
                .iter()
                .map(|s| s.to_string())
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(
            events,
            all(&[
                "run-started",
                "swept",
                "check-started",
                "check-finished",
                "engine-down",
                "interrupted",
                "run-finished"
            ])
        );
        assert_eq!(
            outcomes,
            all(&[
                "passed",
                "failed",
                "error",
                "skipped",
                "known-failure",
                "fixed",
                "not-run",
                "unsupported"
            ])
        );
    }
}
