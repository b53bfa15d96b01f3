//! The report on real event files: `tests/fixtures/` holds the `--format
//! json` output of one run of a few checks on Docker 20.10 (the machine's
//! engine) and the same checks on Podman 4.3.1 (a private Podman service),
//! recorded by `scripts/record-report-fixtures`. Hostile and broken inputs
//! are made from them by editing one line, so their structure stays real.
//!
//! Expected figures are counted here from the raw JSON, not through the
//! crate under test.

use dockhand_report::{LoadError, Report, Verdict};
use serde_json::Value;

const DOCKER: &str = include_str!("fixtures/docker-20.10.jsonl");
const PODMAN: &str = include_str!("fixtures/podman-4.3.jsonl");

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Outcome kinds of the file's `check-finished` events, counted from the raw JSON.
fn kinds(text: &str) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for e in lines(text).iter().filter(|e| e["event"] == "check-finished") {
        *m.entry(e["outcome"]["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    m
}

fn join(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn two() -> Report {
    Report::parse(&[("docker.jsonl", DOCKER), ("podman.jsonl", PODMAN)]).unwrap()
}

#[test]
fn the_fixtures_hold_the_verdicts_the_tests_need() {
    let d = kinds(DOCKER);
    let p = kinds(PODMAN);
    for k in ["passed", "known-failure", "skipped"] {
        assert!(
            d.get(k).copied().unwrap_or_default() > 0,
            "docker fixture lacks {k}: {d:?}"
        );
    }
    for k in ["passed", "failed", "skipped"] {
        assert!(
            p.get(k).copied().unwrap_or_default() > 0,
            "podman fixture lacks {k}: {p:?}"
        );
    }
}

#[test]
fn totals_are_the_files_verdicts_and_match_run_finished() {
    let r = two();
    for (run, text) in r.runs.iter().zip([DOCKER, PODMAN]) {
        assert!(run.is_complete());
        let raw = kinds(text);
        let t = run.tally();
        for v in Verdict::ALL {
            assert_eq!(
                t.get(v),
                raw.get(v.key()).copied().unwrap_or_default(),
                "{v:?} in {}",
                run.source
            );
        }
        let finished = lines(text).into_iter().find(|e| e["event"] == "run-finished").unwrap();
        let counts = &finished["counts"];
        assert_eq!(t.get(Verdict::Passed) as u64, counts["passed"].as_u64().unwrap());
        assert_eq!(t.get(Verdict::Failed) as u64, counts["failed"].as_u64().unwrap());
        assert_eq!(t.get(Verdict::Known) as u64, counts["known_failure"].as_u64().unwrap());
        assert_eq!(t.get(Verdict::Skipped) as u64, counts["skipped"].as_u64().unwrap());
        assert_eq!(t.total(), run.selection.len());
    }
    let html = r.html();
    for (i, text) in [DOCKER, PODMAN].iter().enumerate() {
        for (kind, n) in kinds(text) {
            let cell = format!("data-engine=\"{i}\" data-outcome=\"{kind}\">{n}</td>");
            assert!(html.contains(&cell), "no {cell}");
        }
    }
}

#[test]
fn engines_are_named_as_they_name_themselves() {
    let r = two();
    assert_eq!(r.engine_label(0), "Docker Engine 20.10.24+dfsg1");
    assert_eq!(r.engine_label(1), "Podman Engine 4.3.1");
    let md = r.markdown();
    assert!(md.starts_with("# dockhand compatibility report\n\nDocker Engine 20.10.24+dfsg1 vs Podman Engine 4.3.1\n"));
    // The same engine twice: the files tell the columns apart.
    let same = Report::parse(&[("a.jsonl", DOCKER), ("b.jsonl", DOCKER)]).unwrap();
    assert_eq!(same.engine_label(1), "Docker Engine 20.10.24+dfsg1 [b.jsonl]");
}

#[test]
fn differences_are_the_cases_whose_verdicts_differ() {
    let verdict_of = |text: &str| -> std::collections::BTreeMap<String, String> {
        lines(text)
            .into_iter()
            .filter(|e| e["event"] == "check-finished")
            .map(|e| {
                (
                    e["case"]["id"].as_str().unwrap().to_string(),
                    e["outcome"]["kind"].to_string(),
                )
            })
            .collect()
    };
    let (d, p) = (verdict_of(DOCKER), verdict_of(PODMAN));
    let differ = d.iter().filter(|(id, k)| p.get(*id).is_some_and(|pk| pk != *k)).count();
    assert!(differ > 0, "the fixtures should differ somewhere");
    let html = two().html();
    assert!(html.contains(&format!(
        "<p data-differences=\"{differ}\">{differ} cases end differently.</p>"
    )));
    assert!(two().markdown().contains(&format!("{differ} cases end differently.")));
    // One run: no such section.
    let one = Report::parse(&[("docker.jsonl", DOCKER)]).unwrap().html();
    assert!(!one.contains("id=\"differences\""));
}

#[test]
fn known_failures_and_failures_carry_their_evidence() {
    let r = two();
    let html = r.html();
    let docker = &r.runs[0];
    let known = docker.cases.iter().find(|c| c.verdict == Verdict::Known).unwrap();
    let dockhand_harness::Outcome::KnownFailure { deviation, reason, .. } = &known.outcome else {
        panic!("{:?}", known.outcome)
    };
    for text in [deviation, reason] {
        assert!(html.contains(&escape(text)), "{text} not on the page");
    }
    let failed = r.runs[1].cases.iter().find(|c| c.verdict == Verdict::Failed).unwrap();
    assert!(html.contains(&format!("<code>{}</code>", escape(&failed.name()))));
    // Its transcript: every call it made.
    for call in &failed.transcript {
        assert!(html.contains(&escape(&format!("{} {}", call.method, call.path))));
    }
}

#[test]
fn the_matrix_places_verdicts_on_operations() {
    let r = two();
    let html = r.html();
    // Every passing docker case called /_ping or other operations: _ping is covered.
    assert!(html.contains("data-engine=\"0\" data-op=\"SystemPing\""));
    // VolumeList's known failure on Docker is pinned on VolumeList.
    let volume_list = r.runs[0]
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Known && dockhand_report::locate::blamed(c) == Some("VolumeList"))
        .count();
    assert!(
        volume_list > 0,
        "VolumeList's known failure is not placed on VolumeList"
    );
    assert!(html.contains(&format!("{volume_list} known")));
}

/// What the page shows for text: the crate's escaping, written out here.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The podman fixture with its first failed case's reply, message and
/// request body replaced.
fn podman_with(edit: impl Fn(&mut Value)) -> String {
    let mut events = lines(PODMAN);
    let failed = events
        .iter_mut()
        .find(|e| e["event"] == "check-finished" && e["outcome"]["kind"] == "failed")
        .unwrap();
    edit(failed);
    join(&events)
}

#[test]
fn what_the_engine_sent_cannot_inject_markup() {
    let script = "<script>alert(document.cookie)</script>";
    let text = podman_with(|e| {
        e["transcript"][0]["response_body"] = Value::from(format!("{{\"message\":\"{script}\"}}"));
        e["outcome"]["message"] = Value::from(format!("boom: expected <b>x</b>, got {script}\" onload=\"x"));
        e["schema"] = serde_json::json!([{"operation":"SystemPing","status":200,"pointer":"/<i>","kind":"extra","expected":"<u>","actual":script}]);
    });
    let r = Report::parse(&[("docker.jsonl", DOCKER), ("podman.jsonl", &text)]).unwrap();
    let html = r.html();
    assert!(!html.contains("<script"), "a script element on the page");
    for tag in ["<b>", "<i>", "<u>", "\" onload"] {
        assert!(!html.contains(tag), "{tag} on the page");
    }
    assert!(html.contains("&lt;script&gt;alert(document.cookie)&lt;/script&gt;"));
    let md = r.markdown();
    assert!(!md.contains("<script") && !md.contains("<b>"), "markup in the Markdown");
    assert!(md.contains("&lt;script&gt;"));
}

#[test]
fn secrets_are_redacted_everywhere() {
    let text = podman_with(|e| {
        e["transcript"][0]["request_body"] =
            Value::from(r#"{"username":"ann","password":"hunter2","serveraddress":"localhost:5000"}"#);
        e["transcript"][0]["response_body"] =
            Value::from(r#"{"Status":"Login Succeeded","IdentityToken":"tok-s3cr3t"}"#);
        e["outcome"]["message"] = Value::from(
            "push failed: expected 200, got 401 with X-Registry-Auth: eyJwYXNzd29yZCI6Imh1bnRlcjIifQ== sent",
        );
        e["cleanup_notes"] = serde_json::json!(["retried with {\"Password\":\"Hunter3\"}"]);
    });
    let r = Report::parse(&[("podman.jsonl", &text)]).unwrap();
    for out in [r.html(), r.markdown()] {
        for secret in ["hunter2", "tok-s3cr3t", "eyJwYXNzd29yZCI6", "Hunter3"] {
            assert!(!out.contains(secret), "{secret} in the report");
        }
        assert!(out.contains("[redacted]") || out.contains("\\[redacted\\]"));
    }
    assert!(r.html().contains("ann"), "the user name is no secret");
}

#[test]
fn unsupported_cases_are_their_own_column_with_their_evidence() {
    let text = podman_with(|e| {
        e["outcome"] = serde_json::json!({"kind":"unsupported","operation":"PluginList","status":404,
            "message":"page not found","reason":"the engine answers 404 on /plugins: it serves no plugins"});
    });
    let r = Report::parse(&[("podman.jsonl", &text)]).unwrap();
    let t = r.runs[0].tally();
    assert_eq!(t.get(Verdict::Unsupported), 1);
    assert_eq!(t.get(Verdict::Failed) + 1, kinds(PODMAN)["failed"]);
    let html = r.html();
    assert!(html.contains("data-engine=\"0\" data-outcome=\"unsupported\">1</td>"));
    assert!(html.contains("<section id=\"unsupported\">"));
    assert!(html.contains("<td>PluginList</td><td>404</td><td>page not found</td>"));
    assert!(r.markdown().contains("| PluginList | 404 | page not found |"));
}

#[test]
fn bad_input_is_refused_with_the_file_and_line() {
    match Report::parse(&[("empty.jsonl", "")]) {
        Err(LoadError::Empty { path }) => assert_eq!(path, "empty.jsonl"),
        other => panic!("{other:?}"),
    }
    match Report::parse(&[("blank.jsonl", "\n  \n")]) {
        Err(LoadError::Empty { .. }) => {}
        other => panic!("{other:?}"),
    }
    match Report::parse(&[("text.log", "Running 253 cases against Docker Engine\nPASS x\n")]) {
        Err(LoadError::NotJson { line: 1, .. }) => {}
        other => panic!("{other:?}"),
    }
    // `dockhand list --format json`: JSON lines, not events.
    let list = r#"{"id":"system/ping/get","summary":"GET /_ping","area":"system","tags":["ping"]}"#;
    let e = Report::parse(&[("list.jsonl", list)]).unwrap_err();
    assert!(matches!(e, LoadError::NotEvent { line: 1, .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("list.jsonl:1 is not a dockhand event (no `event` field)"),
        "{e}"
    );
    // An event of a kind dockhand does not write, or a broken one.
    let e = Report::parse(&[("x.jsonl", r#"{"event":"run-started","run_id":1}"#)]).unwrap_err();
    assert!(matches!(e, LoadError::NotEvent { line: 1, .. }), "{e:?}");
    // A file that starts mid-run.
    let headless: String = DOCKER.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let e = Report::parse(&[("cut.jsonl", &headless)]).unwrap_err();
    assert!(matches!(e, LoadError::NoRunStarted { line: 1, .. }), "{e:?}");
    // A bad line after good ones is still refused, not taken as torn.
    let bad = format!("{DOCKER}not json\n");
    let e = Report::parse(&[("bad.jsonl", &bad)]).unwrap_err();
    assert!(matches!(e, LoadError::NotJson { .. }), "{e:?}");
}

#[test]
fn an_interrupted_run_is_reported_incomplete() {
    // A run killed midway: its last half of events never written.
    let all: Vec<&str> = DOCKER.lines().collect();
    let half: String = all[..all.len() / 2].iter().map(|l| format!("{l}\n")).collect();
    let finished_here = lines(&half).iter().filter(|e| e["event"] == "check-finished").count();
    let r = Report::parse(&[("killed.jsonl", &half)]).unwrap();
    let run = &r.runs[0];
    assert!(!r.is_complete() && run.finished.is_none());
    assert_eq!(run.cases.len(), finished_here);
    assert_eq!(run.unfinished().len(), run.selection.len() - finished_here);
    let html = r.html();
    assert!(html.contains("<div class=\"banner\" id=\"incomplete\"><strong>Incomplete report.</strong>"));
    assert!(html.contains(&format!(
        "{} of its {} selected cases have no verdict",
        run.unfinished().len(),
        run.selection.len()
    )));
    assert!(r.markdown().contains("**Incomplete report.**"));

    // Killed while writing a line: the torn line is dropped, the rest kept.
    let torn = format!("{half}{}", &all[all.len() / 2][..40]);
    let r = Report::parse(&[("torn.jsonl", &torn)]).unwrap();
    assert!(r.runs[0].torn && !r.is_complete());
    assert_eq!(r.runs[0].cases.len(), finished_here);
}

#[test]
fn joined_files_and_journals_are_read_too() {
    // Two runs in one file: two columns.
    let joined = format!("{DOCKER}{PODMAN}");
    let r = Report::parse(&[("both.jsonl", &joined)]).unwrap();
    assert_eq!(r.runs.len(), 2);
    assert_eq!(r.engine_label(1), "Podman Engine 4.3.1");
    // A journal: the same events without transcripts. Verdicts stay; nothing is called.
    let journal: Vec<Value> = lines(DOCKER)
        .into_iter()
        .map(|mut e| {
            if e["event"] == "check-finished" {
                e["transcript"] = serde_json::json!([]);
            }
            e
        })
        .collect();
    let r = Report::parse(&[("journal.jsonl", &join(&journal))]).unwrap();
    assert_eq!(
        r.runs[0].tally(),
        Report::parse(&[("d", DOCKER)]).unwrap().runs[0].tally()
    );
    let md = r.markdown();
    assert!(md.contains("| Docker Engine 20.10.24+dfsg1 | 0 of 106 |"), "{md}");
}

#[test]
fn a_run_stopped_by_ctrl_c_is_flagged_with_its_cases_not_run() {
    // As the runner writes it: `interrupted`, the rest `not-run`, then `run-finished`.
    let mut events = lines(DOCKER);
    let finished_at = events.iter().position(|e| e["event"] == "run-finished").unwrap();
    let mut not_run = 0;
    for e in events.iter_mut().filter(|e| e["event"] == "check-finished").skip(3) {
        e["outcome"] = serde_json::json!({"kind": "not-run", "reason": "interrupted by SIGINT (Ctrl-C)"});
        e["transcript"] = serde_json::json!([]);
        not_run += 1;
    }
    events.insert(
        finished_at,
        serde_json::json!({"event": "interrupted", "at": "2026-12-03T18:00:00Z"}),
    );
    let r = Report::parse(&[("stopped.jsonl", &join(&events))]).unwrap();
    assert!(r.is_complete());
    let notes = r.incomplete_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(&format!("it was interrupted at 2026-12-03T18:00:00Z; {not_run} of its")),
        "{notes:?}"
    );
    assert!(r.html().contains("id=\"incomplete\""));
    // A whole run: no note.
    assert!(two().incomplete_notes().is_empty());
}

/// The schema section lists each engine's shape deviations, each with the
/// cases that met it counted by verdict: a finding a pin excuses shows as
/// seen by a known case, one that failed its case by a failed one.
#[test]
fn schema_findings_name_their_cases_by_verdict() {
    let md = two().markdown();
    let schema = &md[md.find("## Schema findings").expect("a schema section")..];
    for row in [
        "| SystemVersion | 400 | (body) | media-type | application/json | text/plain | 1 case (1 known): system/version/unsupported:too-old |",
        "| SystemPingHead | 200 | (body) | media-type | text/plain | no Content-Type | 1 case (1 failed): system/ping/head |",
        "| ContainerInspect | 200 | /State/Health/Status | bad-enum | one of \"none\", \"starting\", \"healthy\", \"unhealthy\" | \"\" | 1 case (1 failed): containers/kill/default-and-errors:default-sigkill |",
    ] {
        assert!(schema.contains(row), "{row}\nnot in:\n{schema}");
    }
    let html = two().html();
    assert!(
        html.contains("<td>1 case (1 failed): system/ping/head</td>"),
        "the page's schema table counts the cases too"
    );
}
