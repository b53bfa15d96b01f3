//! [`JunitReporter`]: `--junit FILE`, the run as JUnit XML for CI systems,
//! written through quick-junit when the run finishes.
//!
//! The mapping:
//! - one `<testsuite>` per API area (`containers`, `images`, ...), in the order
//!   the areas first finish a case; `<testsuites name="dockhand">` around them;
//! - one `<testcase>` per case iteration: `name` is the case id (`#N` added
//!   for iterations after the first), `classname` the area, `time` seconds;
//! - failed: `<failure message="...">` with what was expected and what came;
//!   error: `<error message="...">`; skipped and not run: `<skipped
//!   message="...">`; a known failure: `<skipped message="known failure for
//!   DEVIATION: REASON">` with the failure in its text; fixed: a pass whose output says
//!   to remove it from the known-failures file;
//! - `<system-out>`: the API calls, one line each (`POST /v1.41/containers/create
//!   -> 201 (3.2 ms)`), with request and response body previews for cases that
//!   did not pass, then the cleanup notes.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use dockhand_engine::CallRecord;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::events::{Event, Outcome};
use crate::report::format::{call_line, case_name, known_failure, unsupported};
use crate::report::Reporter;

/// Collects cases and writes the JUnit file at the end.
pub struct JunitReporter {
    out: Option<Box<dyn Write + Send>>,
    /// Suites by area, and the order areas appeared in.
    suites: BTreeMap<String, TestSuite>,
    order: Vec<String>,
    run_id: Option<String>,
    duration: Option<Duration>,
}

impl JunitReporter {
    /// Writes to `out` when finished.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        JunitReporter {
            out: Some(out),
            suites: BTreeMap::new(),
            order: Vec::new(),
            run_id: None,
            duration: None,
        }
    }

    /// Creates the file now, so that an unwritable path fails before the run.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::create(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot create the JUnit file {}: {e}", path.display()),
            )
        })?;
        Ok(Self::new(Box::new(BufWriter::new(file))))
    }

    fn add(&mut self, area: &str, case: TestCase) {
        let suite = self.suites.entry(area.to_string()).or_insert_with(|| {
            self.order.push(area.to_string());
            TestSuite::new(area)
        });
        suite.add_test_case(case);
    }

    fn report(&mut self) -> Report {
        let mut report = Report::new("dockhand");
        if let Some(d) = self.duration {
            report.set_time(d);
        }
        for area in &self.order {
            if let Some(mut suite) = self.suites.remove(area) {
                if let Some(run) = &self.run_id {
                    suite.add_property(("dockhand.run", run.as_str()));
                }
                report.add_test_suite(suite);
            }
        }
        report
    }
}

/// The JUnit status of an outcome.
fn status(outcome: &Outcome, cleanup_notes: &[String]) -> TestCaseStatus {
    let with_notes = |message: &str| {
        let mut d = message.to_string();
        for n in cleanup_notes {
            d.push_str(&format!("\ncleanup: {n}"));
        }
        d
    };
    match outcome {
        Outcome::Passed | Outcome::Fixed { .. } => TestCaseStatus::success(),
        Outcome::Failed { message, .. } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(message.as_str())
                .set_type("mismatch")
                .set_description(with_notes(message));
            s
        }
        Outcome::Error { message } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message.as_str())
                .set_type("error")
                .set_description(with_notes(message));
            s
        }
        Outcome::Skipped { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason.as_str());
            s
        }
        Outcome::NotRun { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("not run: {reason}"));
            s
        }
        Outcome::KnownFailure {
            message,
            reason,
            deviation,
        } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(known_failure(deviation, reason))
                .set_type("known-failure")
                .set_description(message.as_str());
            s
        }
        Outcome::Unsupported {
            operation,
            status,
            message,
            reason,
        } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(unsupported(operation, *status, message, reason))
                .set_type("unsupported");
            s
        }
    }
}

/// The case's output: its calls (with bodies when it did not pass) and notes.
fn system_out(outcome: &Outcome, transcript: &[CallRecord], cleanup_notes: &[String]) -> String {
    let mut out = String::new();
    if let Outcome::Fixed { reason } = outcome {
        out.push_str(&format!(
            "fixed: listed as a known failure ({reason}), yet passed: remove it from the known-failures file\n"
        ));
    }
    let bodies = matches!(
        outcome,
        Outcome::Failed { .. } | Outcome::Error { .. } | Outcome::KnownFailure { .. } | Outcome::Unsupported { .. }
    );
    for call in transcript {
        out.push_str(&call_line(call));
        out.push('\n');
        if bodies {
            if let Some(b) = &call.request_body {
                out.push_str(&format!("  request: {b}\n"));
            }
            if let Some(b) = &call.response_body {
                out.push_str(&format!("  response: {b}\n"));
            }
        }
    }
    for n in cleanup_notes {
        out.push_str(&format!("cleanup: {n}\n"));
    }
    out
}

impl Reporter for JunitReporter {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        match e {
            Event::RunStarted { run_id, .. } => self.run_id = Some(run_id.clone()),
            Event::CheckFinished {
                case,
                area,
                outcome,
                duration_ms,
                transcript,
                cleanup_notes,
                schema,
                ..
            } => {
                let mut tc = TestCase::new(case_name(case), status(outcome, cleanup_notes));
                tc.set_classname(area.as_str())
                    .set_time(Duration::from_millis(*duration_ms));
                let mut out = system_out(outcome, transcript, cleanup_notes);
                for f in schema {
                    out.push_str(&format!("schema: {f}\n"));
                }
                if !out.is_empty() {
                    tc.set_system_out(out);
                }
                self.add(area, tc);
            }
            Event::RunFinished { duration_ms, .. } => self.duration = Some(Duration::from_millis(*duration_ms)),
            _ => {}
        }
        Ok(())
    }

    /// Writes the file; later calls do nothing.
    fn finish(&mut self) -> io::Result<()> {
        let Some(mut out) = self.out.take() else {
            return Ok(());
        };
        self.report().serialize(&mut out).map_err(io::Error::other)?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{sample_run, SharedBuf};

    fn xml() -> String {
        let buf = SharedBuf::default();
        let mut r = JunitReporter::new(Box::new(buf.clone()));
        for e in sample_run() {
            r.event(&e).unwrap();
        }
        r.finish().unwrap();
        r.finish().unwrap();
        buf.text()
    }

    #[test]
    fn the_report_parses_as_xml_with_the_right_counts_and_attributes() {
        let text = xml();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("name"), Some("dockhand"));
        assert_eq!(root.attribute("tests"), Some("8"));
        assert_eq!(root.attribute("failures"), Some("1"));
        assert_eq!(root.attribute("errors"), Some("1"));
        assert_eq!(root.attribute("time"), Some("5.432"));

        let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
        let names: Vec<_> = suites.iter().map(|s| s.attribute("name").unwrap()).collect();
        assert_eq!(names, ["system", "containers", "swarm", "images", "volumes"]);
        let images = suites[3];
        assert_eq!(images.attribute("tests"), Some("2"));
        assert_eq!(images.attribute("skipped"), Some("1"));
        assert_eq!(suites[1].attribute("failures"), Some("1"));
        assert_eq!(suites[1].attribute("errors"), Some("1"));
        let prop = suites[0].descendants().find(|n| n.has_tag_name("property")).unwrap();
        assert_eq!(prop.attribute("name"), Some("dockhand.run"));
        assert_eq!(prop.attribute("value"), Some("1a2b3c4d"));

        let case = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
                .unwrap_or_else(|| panic!("no testcase {name}"))
        };
        fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
            n.children().find(|c| c.has_tag_name(tag))
        }

        let failing = case("containers/lifecycle/start-stop-logs#2");
        assert_eq!(failing.attribute("classname"), Some("containers"));
        assert_eq!(failing.attribute("time"), Some("1.204"));
        let failure = child(failing, "failure").unwrap();
        assert_eq!(
            failure.attribute("message"),
            Some(
                "start of a created container (POST /v1.41/containers/abc/start): expected status 204, got status 500"
            )
        );
        assert!(failure
            .text()
            .unwrap()
            .ends_with("cleanup: left behind after cleanup (now removed): volume dh-x"));
        let out = child(failing, "system-out").unwrap().text().unwrap();
        assert_eq!(
            out,
            "POST /v1.41/containers/create -> 201 (3.2 ms)\n  request: {\"Image\":\"dockhand/probe:0.1.0\"}\n  \
             response: {\"Id\":\"abc\",\"Warnings\":[]}\nPOST /v1.41/containers/abc/start -> 500 (12.0 ms)\n  \
             response: {\"message\":\"boom\"}\ncleanup: left behind after cleanup (now removed): volume dh-x\n"
        );

        let error = child(case("containers/exec/tty"), "error").unwrap();
        assert_eq!(
            error.attribute("message"),
            Some("the check panicked: index out of bounds")
        );
        let known = child(case("images/search/basic"), "skipped").unwrap();
        assert_eq!(
            known.attribute("message"),
            Some("known failure for ImageSearch (GET /images/search) replying /5/name = \"busybox\": moby/moby#1: search ignores the limit")
        );
        assert_eq!(known.text(), Some("limit: expected 5 results, got 25"));
        let skipped = child(case("swarm/services/create"), "skipped").unwrap();
        assert_eq!(skipped.attribute("message"), Some("needs a swarm manager"));
        let unsupported = child(case("containers/update/memory"), "skipped").unwrap();
        assert_eq!(
            unsupported.attribute("message"),
            Some("unsupported: ContainerUpdate answered 404 \"Not Found\" (no route)")
        );
        assert_eq!(suites[1].attribute("skipped"), Some("1"));
        let not_run = child(case("volumes/create/basic"), "skipped").unwrap();
        assert_eq!(not_run.attribute("message"), Some("not run: engine not responding"));
        let passed = case("system/ping");
        assert_eq!(passed.children().filter(|n| n.is_element()).count(), 0);
        let fixed = case("images/list/all");
        assert!(child(fixed, "skipped").is_none() && child(fixed, "failure").is_none());
        assert!(child(fixed, "system-out")
            .unwrap()
            .text()
            .unwrap()
            .starts_with("fixed: "));
    }

    #[test]
    fn create_fails_early_on_an_unwritable_path() {
        let err = JunitReporter::create(Path::new("/nonexistent/dir/junit.xml"))
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .starts_with("cannot create the JUnit file /nonexistent/dir/junit.xml: "),
            "{err}"
        );
    }
}
