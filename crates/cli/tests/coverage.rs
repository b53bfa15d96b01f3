//! `dockhand coverage` end to end, against facts the test establishes on its
//! own: operations it knows are covered by named checks, operations no check
//! claims, and totals counted here from the operations table and the checks'
//! `reference` lists, never through `Coverage`, the code that prints them.

use std::collections::HashSet;
use std::process::Output;

use dockhand_engine::ApiVersion;
use dockhand_harness::OPERATIONS;
use serde_json::Value;

use crate::kit::{run, text};

fn stdout(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "{}", text(o));
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

/// The reference's sections outside swarm, plugins and session, written out
/// here rather than taken from `Operation::is_core`.
const NOT_CORE_TAGS: [&str; 8] = [
    "Swarm", "Node", "Service", "Task", "Secret", "Config", "Plugin", "Session",
];

/// Every check the binary registers without step-file directories: the
/// suite's and the `cli/` area's.
fn registered() -> Vec<dockhand_harness::Check> {
    let mut all = dockhand_suite::all();
    all.extend(dockhand_steps::cli_area(&Default::default()));
    all
}

/// `(covered, total)` overall and outside swarm, plugins and session, at
/// `version`: the operations the version has, and those a registered check
/// names in its `reference`.
fn counted(version: ApiVersion) -> ((usize, usize), (usize, usize)) {
    let named: HashSet<&str> = registered()
        .iter()
        .flat_map(|c| c.meta.reference.iter().copied())
        .collect();
    let ops: Vec<_> = OPERATIONS.iter().filter(|o| o.min_api <= version).collect();
    let core: Vec<_> = ops.iter().filter(|o| !NOT_CORE_TAGS.contains(&o.tag)).collect();
    let covered = |ids: &mut dyn Iterator<Item = &str>| ids.filter(|id| named.contains(id)).count();
    (
        (covered(&mut ops.iter().map(|o| o.id)), ops.len()),
        (covered(&mut core.iter().map(|o| o.id)), core.len()),
    )
}

/// The totals line as the user reads it.
fn totals_line(((c, t), (cc, ct)): ((usize, usize), (usize, usize)), version: &str) -> String {
    format!("covered {c}/{t} operations of API {version}; outside swarm, plugins and session {cc}/{ct}")
}

/// The line of the table for `operation`.
fn line_of<'a>(out: &'a str, operation: &str) -> Option<&'a str> {
    out.lines().find(|l| l.split_whitespace().next() == Some(operation))
}

/// The checks a table line lists, after the method, path, tag and version.
fn listed_checks(line: &str) -> Vec<String> {
    let rest: Vec<&str> = line.split_whitespace().skip(5).collect();
    rest.join(" ")
        .split(", ")
        .filter(|c| *c != "-" && !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Operation, and a check the suite has for it; from the suite's sources.
const KNOWN_COVERED: [(&str, &str); 6] = [
    ("ContainerArchiveInfo", "archive/roundtrip/stat"),
    ("ContainerArchive", "archive/roundtrip/get"),
    ("ContainerPause", "containers/pause/freeze"),
    ("ExecResize", "exec/resize/tty"),
    ("ContainerWait", "containers/wait/condition"),
    // It passes when the registry's error path holds, so it counts.
    ("ImageCreate", "images/registry/unreachable"),
];

#[test]
fn table_and_totals_agree_with_the_suite() {
    let out = stdout(&run(&["--api-version", "1.41", "coverage"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("OPERATION"), "{}", lines[0]);
    // A header, one line per operation of the v1.41 reference, the totals:
    // no warnings of unknown references.
    assert_eq!(lines.len(), 1 + 106 + 1, "{out}");
    let want = counted(ApiVersion::new(1, 41));
    assert_eq!((want.0 .1, want.1 .1), (106, 64), "the v1.41 reference's operations");
    assert_eq!(lines.last().copied(), Some(totals_line(want, "1.41").as_str()));
    for (op, check) in KNOWN_COVERED {
        let line = line_of(&out, op).unwrap_or_else(|| panic!("no line for {op}"));
        assert!(
            listed_checks(line).iter().any(|c| c == check),
            "{op} should list {check}: {line}"
        );
    }
    // Each line lists exactly the checks whose reference names it.
    let suite = registered();
    for o in OPERATIONS {
        let line = line_of(&out, o.id).unwrap_or_else(|| panic!("no line for {}", o.id));
        let mut want: Vec<&str> = suite
            .iter()
            .filter(|c| c.meta.reference.contains(&o.id))
            .map(|c| c.meta.id)
            .collect();
        let mut got = listed_checks(line);
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "{line}");
        if want.is_empty() {
            assert!(line.trim_end().ends_with(" -"), "{line}");
        }
    }
}

#[test]
fn negotiates_with_the_engine_when_not_pinned() {
    let out = stdout(&run(&["coverage"]));
    // This machine's engine speaks 1.41, dockhand's newest.
    let want = totals_line(counted(ApiVersion::new(1, 41)), "1.41");
    assert_eq!(out.lines().last(), Some(want.as_str()));
}

#[test]
fn json_has_every_operation_and_the_totals() {
    let ((covered, _), (core_covered, _)) = counted(ApiVersion::new(1, 41));
    let out = stdout(&run(&["--api-version", "1.41", "coverage", "--format", "json"]));
    let v: Value = serde_json::from_str(out.trim()).expect("one JSON document");
    assert_eq!(v["api_version"], "1.41");
    let ops = v["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 106);
    assert_eq!(v["overall"]["total"], 106);
    assert_eq!(v["overall"]["covered"], covered);
    assert_eq!(v["core"]["total"], 64);
    assert_eq!(v["core"]["covered"], core_covered);
    let listed = ops
        .iter()
        .filter(|o| !o["checks"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(listed, covered);
    for (op, check) in KNOWN_COVERED {
        let o = ops.iter().find(|o| o["id"] == op).unwrap_or_else(|| panic!("no {op}"));
        assert!(
            o["checks"].as_array().unwrap().iter().any(|c| c == check),
            "{op} should list {check}: {o}"
        );
    }
    assert_eq!(v["unknown"], serde_json::json!([]));
}

#[test]
fn an_older_pinned_version_leaves_out_newer_operations() {
    let out = stdout(&run(&["--api-version", "1.30", "coverage"]));
    // HEAD /_ping arrived in 1.40; distribution inspect is there by 1.30.
    assert!(line_of(&out, "SystemPingHead").is_none(), "{out}");
    assert!(line_of(&out, "DistributionInspect").is_some(), "{out}");
    let want = counted(ApiVersion::new(1, 30));
    assert!(want.0 .1 < 106, "1.30 has fewer operations than 1.41");
    assert_eq!(out.lines().last(), Some(totals_line(want, "1.30").as_str()));
}

/// `coverage --journal`: the shapes a run's replies were validated against,
/// from its journal, agree with the union of what its `check-finished`
/// events said; the reply to a version below the shapes' floor (the too-old
/// `/v1.11/version`) is no shape validated, an undocumented status is none
/// either, and a run with `--no-shapes` validated none.
#[test]
fn a_runs_validated_shapes_are_counted_from_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let o = crate::kit::dockhand(["check", "system/version/*", "--format", "json"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut from_events: Vec<(String, u64)> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["event"] == "check-finished")
        .flat_map(|e| e["validated"].as_array().cloned().unwrap_or_default())
        .map(|s| {
            (
                s["operation"].as_str().unwrap().to_string(),
                s["status"].as_u64().unwrap(),
            )
        })
        .collect();
    from_events.sort();
    from_events.dedup();
    assert!(from_events.contains(&("SystemVersion".into(), 200)), "{from_events:?}");
    assert!(
        !from_events.contains(&("SystemVersion".into(), 400)),
        "400 is no documented status of SystemVersion, and the too-old reply is below the floor: {from_events:?}"
    );

    let out = stdout(
        &crate::kit::dockhand(["--api-version", "1.41", "coverage", "--journal", "--format", "json"])
            .dir(dir.path())
            .output(),
    );
    let v: Value = serde_json::from_str(out.trim()).expect("one JSON document");
    let s = &v["shapes"];
    assert_eq!(s["defined"], 355);
    let listed: Vec<(String, u64)> = s["shapes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["operation"].as_str().unwrap().to_string(),
                s["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, from_events);
    assert_eq!(s["validated"], from_events.len());
    let out = stdout(
        &crate::kit::dockhand(["--api-version", "1.41", "coverage", "--journal"])
            .dir(dir.path())
            .output(),
    );
    assert!(
        out.lines().last().unwrap().starts_with(&format!(
            "validated {}/355 (operation, status) response shapes of the reference in run ",
            from_events.len()
        )),
        "{out}"
    );

    let o = crate::kit::dockhand(["check", "system/version/*", "--no-shapes"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = stdout(
        &crate::kit::dockhand(["--api-version", "1.41", "coverage", "--journal"])
            .dir(dir.path())
            .output(),
    );
    assert!(out.lines().last().unwrap().starts_with("validated 0/355 "), "{out}");
}
