//! `dockhand coverage` end to end: the table it prints and its totals agree
//! with the check registry and the operations table.

use std::process::Output;

use dockhand_engine::ApiVersion;
use dockhand_harness::Coverage;
use serde_json::Value;

use crate::kit::{run, text};

fn stdout(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

#[test]
fn totals_line_matches_the_registry() {
    let want = Coverage::of(&dockhand_suite::all(), ApiVersion::new(1, 41));
    let out = stdout(&run(&["--api-version", "1.41", "coverage"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.last().copied(), Some(want.totals_line().as_str()));
    assert!(lines[0].starts_with("OPERATION"), "{}", lines[0]);
    // A header, one line per operation, the totals: no warnings of unknown references.
    assert_eq!(lines.len(), 1 + 106 + 1, "{out}");
    for o in &want.operations {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(o.operation.id))
            .unwrap_or_else(|| panic!("no line for {}", o.operation.id));
        for c in &o.checks {
            assert!(line.contains(c), "{} should list {c}: {line}", o.operation.id);
        }
        if o.checks.is_empty() {
            assert!(line.trim_end().ends_with(" -"), "{line}");
        }
    }
}

#[test]
fn negotiates_with_the_engine_when_not_pinned() {
    let out = stdout(&run(&["coverage"]));
    let last = out.lines().last().unwrap_or_default().to_string();
    // This machine's engine speaks 1.41, dockhand's newest.
    let want = Coverage::of(&dockhand_suite::all(), ApiVersion::new(1, 41)).totals_line();
    assert_eq!(last, want);
}

#[test]
fn json_has_every_operation_and_the_totals() {
    let want = Coverage::of(&dockhand_suite::all(), ApiVersion::new(1, 41));
    let out = stdout(&run(&["--api-version", "1.41", "coverage", "--format", "json"]));
    let v: Value = serde_json::from_str(out.trim()).expect("one JSON document");
    assert_eq!(v["api_version"], "1.41");
    let ops = v["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 106);
    assert_eq!(v["overall"]["total"], 106);
    assert_eq!(v["overall"]["covered"], want.overall.covered);
    assert_eq!(v["core"]["total"], 64);
    assert_eq!(v["core"]["covered"], want.core.covered);
    let covered = ops
        .iter()
        .filter(|o| !o["checks"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(covered, want.overall.covered);
    assert_eq!(v["unknown"], serde_json::json!([]));
}

#[test]
fn an_older_pinned_version_leaves_out_newer_operations() {
    let out = stdout(&run(&["--api-version", "1.30", "coverage"]));
    assert!(!out.lines().any(|l| l.starts_with("SystemPingHead ")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("DistributionInspect ")), "{out}");
    let want = Coverage::of(&dockhand_suite::all(), ApiVersion::new(1, 30)).totals_line();
    assert_eq!(out.lines().last(), Some(want.as_str()));
}
