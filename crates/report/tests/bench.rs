//! The report on `dockhand bench --format json` files: `tests/fixtures/
//! bench-docker-podman.jsonl` is a real bench of every workload on Docker
//! 20.10 (the machine's engine) against Podman 4.3.1 (a private Podman
//! service), side by side (`scripts/bench-engines`, docs/bench-engines.md).
//! Expected figures are read from the raw JSON here, not through the crate
//! under test; hostile and broken inputs are that file with lines edited.

use dockhand_bench::fmt_us;
use dockhand_report::{LoadError, Report};
use serde_json::Value;

const BENCH: &str = include_str!("fixtures/bench-docker-podman.jsonl");
const DOCKER: &str = include_str!("fixtures/docker-20.10.jsonl");

fn lines(text: &str) -> Vec<Value> {
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn join(events: &[Value]) -> String {
    events.iter().map(|e| format!("{e}\n")).collect()
}

fn of_kind(events: &[Value], kind: &str) -> Vec<Value> {
    events.iter().filter(|e| e["event"] == kind).cloned().collect()
}

/// The text of the `<tr>` of `workload` on `engine` in the page.
fn row<'a>(html: &'a str, workload: &str, engine: &str) -> &'a str {
    let key = format!("data-workload=\"{workload}\" data-engine=\"{engine}\">");
    let start = html.find(&key).unwrap_or_else(|| panic!("no row {key}"));
    let end = start + html[start..].find("</tr>").unwrap();
    &html[start..end]
}

fn figure(row: &str, name: &str) -> String {
    let key = format!("data-figure=\"{name}\">");
    let start = row.find(&key).unwrap_or_else(|| panic!("no {name} in {row}")) + key.len();
    row[start..start + row[start..].find('<').unwrap()].to_string()
}

#[test]
fn a_bench_file_gives_the_bench_section_with_every_result_and_plot() {
    let ev = lines(BENCH);
    let r = Report::parse(&[("bench.jsonl", BENCH)]).unwrap();
    assert!(r.runs.is_empty());
    assert_eq!(r.benches.len(), 1);
    assert!(r.is_complete() && r.incomplete_notes().is_empty());
    let b = &r.benches[0];
    let results = of_kind(&ev, "result");
    assert_eq!(b.results.len(), results.len());
    assert_eq!(b.title(), "docker vs podman");

    let html = r.html();
    assert!(html.contains("<section id=\"bench\"><h2>Bench</h2>"), "bench section");
    // The check sections have nothing to show without a check run.
    for absent in ["id=\"outcomes\"", "id=\"engines\"", "id=\"failures\""] {
        assert!(!html.contains(absent), "{absent} in a bench-only page");
    }
    for res in &results {
        let (w, e) = (res["workload"].as_str().unwrap(), res["engine"].as_str().unwrap());
        let tr = row(&html, w, e);
        assert_eq!(figure(tr, "count"), res["count"].to_string(), "{w} on {e}");
        assert_eq!(figure(tr, "errors"), res["errors"].to_string(), "{w} on {e}");
        for p in ["p50", "p90", "p99", "max", "mean"] {
            let us = res[format!("{p}_us")].as_f64().unwrap();
            assert_eq!(figure(tr, p), fmt_us(us), "{p} of {w} on {e}");
        }
        assert_eq!(
            figure(tr, "ops/s"),
            format!("{:.1}", res["ops_per_s"].as_f64().unwrap())
        );
    }
    // The ratios sit on the second engine's row.
    for q in of_kind(&ev, "ratio") {
        let tr = row(&html, q["workload"].as_str().unwrap(), "podman");
        let p50 = match q["p50"].as_f64() {
            Some(v) => format!(">{v:.2}<"),
            None => ">—<".to_string(),
        };
        assert!(tr.contains(&p50), "{p50} in {tr}");
    }
    assert!(html.contains("Ratios: podman&#39;s p50 and p99 over docker&#39;s"));
    // The instrument's overhead, per engine.
    for o in of_kind(&ev, "overhead") {
        let added = format!("{:+.1} µs", o["overhead_us"].as_f64().unwrap());
        assert!(html.contains(&added), "{added}");
    }
    // One inline CDF per workload with samples, both engines in its legend.
    let workloads: Vec<&str> = results
        .iter()
        .filter(|r| !r["samples_us"].as_array().unwrap().is_empty())
        .map(|r| r["workload"].as_str().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(html.matches("<figure class=\"cdf\"").count(), workloads.len());
    assert_eq!(html.matches("<svg").count(), workloads.len());
    for w in workloads {
        let at = html
            .find(&format!("<figure class=\"cdf\" data-workload=\"{w}\">"))
            .unwrap();
        let fig = &html[at..at + html[at..].find("</figure>").unwrap()];
        assert!(fig.contains("docker (p50 ") && fig.contains("podman (p50 "), "{w}");
    }

    let md = r.markdown();
    assert!(md.contains("## Bench"), "{md}");
    let ping = &results[0];
    let line = format!(
        "| ping | docker | 1 | {} | {} |",
        ping["count"],
        fmt_us(ping["p50_us"].as_f64().unwrap())
    );
    assert!(md.contains(&line), "{line}\n{md}");
    assert!(md.contains("| p50 ratio | p99 ratio |"));
    assert!(!md.contains("<svg"));
}

#[test]
fn check_runs_and_a_bench_share_one_page() {
    let r = Report::parse(&[("docker.jsonl", DOCKER), ("bench.jsonl", BENCH)]).unwrap();
    assert_eq!((r.runs.len(), r.benches.len()), (1, 1));
    assert_eq!(r.subtitle(), "Docker Engine 20.10.24+dfsg1; bench: docker vs podman");
    let html = r.html();
    let outcomes = html.find("<section id=\"outcomes\">").unwrap();
    let bench = html.find("<section id=\"bench\">").unwrap();
    assert!(outcomes < bench);
    assert!(html.contains("<a href=\"#bench\">Bench</a>"));
    // The check's column is the check run alone.
    assert_eq!(r.engine_label(0), "Docker Engine 20.10.24+dfsg1");
}

#[test]
fn what_an_engine_or_a_label_holds_is_escaped_in_tables_and_plots() {
    let evil = "<script>alert('x')</script>";
    let events: Vec<Value> = lines(BENCH)
        .into_iter()
        .map(|mut e| {
            for key in ["engine", "second"] {
                if e[key] == "podman" {
                    e[key] = evil.into();
                }
            }
            if e["event"] == "bench-started" {
                e["engines"][1]["label"] = evil.into();
                e["engines"][1]["version"] = "4.3.1\"><img src=x onerror=alert(1)>".into();
            }
            if e["event"] == "result" && e["workload"] == "ping" && e["engine"] == evil {
                e["errors"] = 1.into();
                e["first_error"] = "<b>boom</b>".into();
            }
            e
        })
        .collect();
    let r = Report::parse(&[("evil.jsonl", &join(&events))]).unwrap();
    let html = r.html();
    assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    // In the SVG legends, escaped by the plotter.
    assert!(html.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; (p50 "));
    assert!(html.contains("&lt;b&gt;boom&lt;/b&gt;"));
    let md = r.markdown();
    assert!(!md.contains("<script>") && md.contains("&lt;script&gt;"), "{md}");
}

#[test]
fn a_bench_cut_short_is_kept_and_flagged() {
    let all: Vec<&str> = BENCH.lines().collect();
    // Killed mid-way: no bench-finished.
    let half: String = all[..all.len() / 2].iter().map(|l| format!("{l}\n")).collect();
    let r = Report::parse(&[("killed.jsonl", &half)]).unwrap();
    assert!(!r.is_complete());
    let notes = r.incomplete_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("bench docker vs podman (killed.jsonl) has no bench-finished event"),
        "{notes:?}"
    );
    assert!(r.html().contains("id=\"incomplete\""));
    // Killed while writing a line: the torn line dropped.
    let torn = format!("{half}{}", &all[all.len() / 2][..40]);
    let r = Report::parse(&[("torn.jsonl", &torn)]).unwrap();
    assert!(r.benches[0].torn && !r.is_complete());

    // Ctrl-C: the workload in progress cut short, then interrupted and bench-finished.
    let mut events = lines(BENCH);
    let end = events.len() - 1;
    events.truncate(7);
    if let Some(last) = events.iter_mut().rev().find(|e| e["event"] == "result") {
        last["complete"] = false.into();
    }
    events.push(serde_json::json!({"event": "interrupted", "signal": "Ctrl-C"}));
    events.push(lines(BENCH)[end].clone());
    let r = Report::parse(&[("stopped.jsonl", &join(&events))]).unwrap();
    assert!(r.is_complete());
    let notes = r.incomplete_notes();
    assert!(notes[0].contains("it was interrupted (Ctrl-C)"), "{notes:?}");
    assert!(r.html().contains("(cut short)"));
}

#[test]
fn broken_bench_files_are_refused_with_the_file_and_line() {
    let ev = lines(BENCH);
    // Starts mid-bench.
    let headless = join(&ev[1..]);
    let e = Report::parse(&[("cut.jsonl", &headless)]).unwrap_err();
    assert!(matches!(e, LoadError::NoBenchStarted { line: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("before any bench-started"), "{e}");
    // A result that is not one.
    let mut broken = ev.clone();
    broken[3]["count"] = "many".into();
    let e = Report::parse(&[("broken.jsonl", &join(&broken))]).unwrap_err();
    assert!(matches!(e, LoadError::NotBenchEvent { line: 4, .. }), "{e:?}");
    assert!(e.to_string().contains("`dockhand bench --format json`"), "{e}");
    // The terminal table after good lines.
    let text = format!("{BENCH}ping   docker   20   471µs\n");
    let e = Report::parse(&[("table.txt", &text)]).unwrap_err();
    assert!(matches!(e, LoadError::NotJson { .. }), "{e:?}");
    // A check's events inside a bench's file, and the other way round.
    let mixed = format!("{BENCH}{DOCKER}");
    let e = Report::parse(&[("mixed.jsonl", &mixed)]).unwrap_err();
    assert!(e.to_string().contains("a check's event in a bench's file"), "{e}");
    let mixed = format!("{DOCKER}{BENCH}");
    let e = Report::parse(&[("mixed.jsonl", &mixed)]).unwrap_err();
    assert!(matches!(e, LoadError::NotEvent { .. }), "{e:?}");
    assert!(e.to_string().contains("a bench's event in a check run's file"), "{e}");
}

#[test]
fn an_overhead_not_measured_says_why() {
    let why = "no raw-socket baseline for an engine behind TLS (tls://h:2376)";
    let events: Vec<Value> = lines(BENCH)
        .into_iter()
        .map(|e| {
            if e["event"] == "overhead" && e["engine"] == "podman" {
                serde_json::json!({"event": "overhead", "engine": "podman", "unavailable": why})
            } else {
                e
            }
        })
        .collect();
    let r = Report::parse(&[("tls.jsonl", &join(&events))]).unwrap();
    let o = &r.benches[0].overhead;
    assert!(o[0].measured.is_some() && o[1].measured.is_none());
    let html = r.html();
    assert!(html.contains(&format!("not measured: {why}")), "the reason on the page");
    assert!(r
        .markdown()
        .contains(&format!("| podman | — | — | — | — | not measured: {why} |")));
}
