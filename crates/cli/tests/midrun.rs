//! A whole `dockhand check` run against a private engine that is killed
//! (SIGKILL) or frozen (SIGSTOP) mid-run, end to end through the binary:
//! exit 2 within a bound, every finished result in the journal, and once the
//! engine is back, `check --resume` finishes the run with no case twice and
//! nothing labelled with the run left on the engine.
//!
//! The private engine (dockhand-daemon) is stopped at the end of each test,
//! and killed and removed by its Drop when a test panics; the dockhand child
//! is killed by its guard. The machine's own daemon is never touched.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use dockhand_daemon::PrivateEngine;
use serde_json::Value;

use crate::kit::{
    dockhand, host_arg, json_lines, labelled, lifecycle_run, runtime, start_private, text, Dockhand, WAIT,
};

/// The binary in `dir` against the private engine, with a call deadline.
fn on(dir: &Path, pe: &PrivateEngine, timeout: &str) -> Dockhand {
    dockhand(["--host", &host_arg(pe), "--timeout", timeout]).dir(dir)
}

fn case_key(e: &Value) -> (String, u64) {
    (
        e["case"]["id"].as_str().unwrap().to_string(),
        e["case"]["iteration"].as_u64().unwrap(),
    )
}

fn is_final(e: &Value) -> bool {
    e["event"] == "check-finished" && e["outcome"]["kind"] != "not-run"
}

/// Objects on the private engine labelled `dockhand.run=<run_id>`, listed
/// with curl so the count does not lean on the code under test.
fn leftovers(pe: &PrivateEngine, run_id: &str) -> Vec<String> {
    labelled(&pe.socket_path(), &format!("dockhand.run={run_id}"))
}

/// What the first, faulted segment left: its events and the journal.
struct Segment {
    run_id: String,
    events: Vec<Value>,
    status: Option<i32>,
    /// From the fault to dockhand's exit.
    exit_after_fault: Duration,
    stderr: String,
}

/// Starts the run, waits for the first finished case, applies `fault`, and
/// collects the rest.
fn run_until_fault(
    dir: &Path,
    pe: &mut PrivateEngine,
    timeout: &str,
    fault: impl FnOnce(&mut PrivateEngine),
) -> Segment {
    // Long enough to be cut mid-way (two jobs, about 0.3 s a case), short
    // enough to finish on resume.
    let mut child = on(dir, pe, timeout).args(lifecycle_run("json", 2, 16)).spawn();
    child.wait_for_event("check-finished");
    let at = Instant::now();
    fault(pe);
    while let Some(l) = child.next_line(WAIT) {
        if l.contains("\"event\":\"engine-down\"") {
            eprintln!("engine-down reported {:?} after the fault", at.elapsed());
        }
    }
    let done = child.finish(WAIT);
    let exit_after_fault = at.elapsed();
    let events = done.events();
    let run_id = events[0]["run_id"].as_str().expect("run-started first").to_string();
    Segment {
        run_id,
        events,
        status: done.code(),
        exit_after_fault,
        stderr: done.stderr,
    }
}

impl Segment {
    /// Every event, one a line, for assertion messages.
    fn all(&self) -> String {
        self.events.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    }

    /// Asserts that the run exited 2 within `bound` of the `fault`, having
    /// declared the engine down; returns the diagnosis.
    fn assert_down_within(&self, bound: Duration, fault: &str) -> String {
        let all = self.all();
        eprintln!("exit {:?} {:?} after the {fault}", self.status, self.exit_after_fault);
        assert_eq!(self.status, Some(2), "{all}\n{}", self.stderr);
        assert!(
            self.exit_after_fault < bound,
            "exited {:?} after the {fault}\n{all}",
            self.exit_after_fault
        );
        let down = self
            .events
            .iter()
            .find(|e| e["event"] == "engine-down")
            .unwrap_or_else(|| panic!("no engine-down event:\n{all}"));
        down["diagnosis"].as_str().unwrap().to_string()
    }
}

fn journal(dir: &Path, run_id: &str) -> Vec<Value> {
    let p = dir.join(".dockhand/journal").join(format!("{run_id}.jsonl"));
    json_lines(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// Asserts what every faulted segment must show, then resumes on the
/// restored engine and asserts the run's end state.
fn check_segment_and_resume(dir: &Path, pe: &PrivateEngine, seg: &Segment) {
    let all = seg.all();
    // Every result the run reported as final is in the journal, once.
    let journal = journal(dir, &seg.run_id);
    let reported: Vec<(String, u64)> = seg.events.iter().filter(|e| is_final(e)).map(case_key).collect();
    let journaled: Vec<(String, u64)> = journal.iter().filter(|e| is_final(e)).map(case_key).collect();
    for k in &reported {
        assert_eq!(
            journaled.iter().filter(|j| *j == k).count(),
            1,
            "{k:?} reported finished but not journaled once:\n{all}"
        );
    }
    assert!(
        seg.events
            .iter()
            .any(|e| e["event"] == "check-finished" && e["outcome"]["kind"] == "passed"),
        "a case passed before the fault:\n{all}"
    );
    let selection: Vec<(String, u64)> = seg.events[0]["selection"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["id"].as_str().unwrap().to_string(), k["iteration"].as_u64().unwrap()))
        .collect();
    assert!(
        reported.len() < selection.len(),
        "the fault came too late to cut the run:\n{all}"
    );

    let before = leftovers(pe, &seg.run_id);
    eprintln!(
        "segment 1: {} of {} cases final; objects of the run on the engine before resume: {before:?}",
        reported.len(),
        selection.len()
    );

    let o = on(dir, pe, "30s")
        .args(["check", "--format", "json", "--resume"])
        .output();
    let ev = json_lines(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let started = ev.iter().find(|e| e["event"] == "run-started").expect("run-started");
    assert_eq!(started["run_id"], seg.run_id.as_str(), "the resumed run keeps its id");
    let resumed: Vec<(String, u64)> = ev.iter().filter(|e| is_final(e)).map(case_key).collect();
    for k in &resumed {
        assert!(
            !reported.contains(k),
            "{k:?} ran again although it had finished:\n{}",
            text(&o)
        );
    }
    let mut union: HashMap<(String, u64), usize> = HashMap::new();
    for k in reported.iter().chain(&resumed) {
        *union.entry(k.clone()).or_default() += 1;
    }
    let want: HashSet<(String, u64)> = selection.iter().cloned().collect();
    assert_eq!(
        union.keys().cloned().collect::<HashSet<_>>(),
        want,
        "every case has a result"
    );
    assert!(union.values().all(|n| *n == 1), "no case twice: {union:?}");
    let last = ev.iter().rfind(|e| e["event"] == "run-finished").expect("run-finished");
    assert_eq!(
        last["counts"]["passed"],
        selection.len(),
        "the summary is the union: {last}"
    );

    // The journal now holds each case exactly once with a final outcome.
    let journal = self::journal(dir, &seg.run_id);
    let mut seen = HashSet::new();
    for e in journal.iter().filter(|e| is_final(e)) {
        assert!(seen.insert(case_key(e)), "duplicate in the journal: {e}");
    }
    assert_eq!(seen, want);
    let after = leftovers(pe, &seg.run_id);
    assert!(after.is_empty(), "run {} left {after:?}", seg.run_id);
}

#[test]
fn an_engine_killed_mid_run_exits_2_fast_and_the_run_resumes_clean() {
    let rt = runtime();
    let mut pe = start_private(&rt, "m", "kill");
    let dir = tempfile::tempdir().unwrap();
    let seg = run_until_fault(dir.path(), &mut pe, "5s", |pe| {
        runtime().block_on(pe.kill()).expect("SIGKILL the private dockerd");
    });
    let diagnosis = seg.assert_down_within(Duration::from_secs(2), "kill");
    assert!(
        // Refused once the listener is gone, lost mid-exchange, or reset when
        // the kill lands while a connection waits to be accepted.
        diagnosis.contains("connection refused")
            || diagnosis.contains("connection lost")
            || diagnosis.contains("connection reset as it opened"),
        "a killed engine is unreachable or lost, not slow: {diagnosis}"
    );
    let last = seg.events.last().unwrap();
    assert_eq!(last["event"], "run-finished", "{}", seg.all());
    assert_eq!(last["exit_code"], 2);

    rt.block_on(pe.restart(Vec::<String>::new()))
        .expect("restart the private engine");
    check_segment_and_resume(dir.path(), &pe, &seg);
    rt.block_on(pe.shutdown()).unwrap();
}

#[test]
fn an_engine_frozen_mid_run_exits_2_within_the_deadline_and_the_run_resumes_clean() {
    let rt = runtime();
    let mut pe = start_private(&rt, "m", "freeze");
    let dir = tempfile::tempdir().unwrap();
    let deadline = Duration::from_secs(2);
    let seg = run_until_fault(dir.path(), &mut pe, "2s", |pe| {
        pe.freeze().expect("SIGSTOP the private dockerd")
    });
    pe.thaw().unwrap();
    let diagnosis = seg.assert_down_within(deadline + Duration::from_secs(1), "freeze");
    let diagnosis = diagnosis.as_str();
    eprintln!("engine-down: {diagnosis}");
    assert!(diagnosis.contains("not responding"), "{diagnosis}");
    // The diagnosis names the call that got no reply; so does the case it hung.
    let names_a_call = |s: &str| {
        ["GET /", "POST /", "DELETE /", "HEAD /", "PUT /"]
            .iter()
            .any(|m| s.contains(m))
            && s.contains("got no reply within")
    };
    assert!(names_a_call(diagnosis), "{diagnosis}");
    assert!(
        seg.events.iter().any(|e| e["event"] == "check-finished"
            && e["outcome"]["reason"]
                .as_str()
                .or(e["outcome"]["message"].as_str())
                .is_some_and(|m| names_a_call(m) && m.contains("within 2s"))),
        "a case names the call that hung for the 2s deadline:\n{}",
        seg.all()
    );

    check_segment_and_resume(dir.path(), &pe, &seg);
    rt.block_on(pe.shutdown()).unwrap();
}
