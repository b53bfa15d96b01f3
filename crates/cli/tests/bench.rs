//! `dockhand bench` end to end: a short real bench of every workload on the
//! machine's engine, asserting the shape of its JSON (docs/bench.md) and
//! nothing about speed; bad input (an unknown workload, a concurrency of 0,
//! an unreachable engine); Ctrl-C mid-bench; a private engine frozen
//! mid-bench.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::kit::serial::{self, Serial};
use crate::kit::{assert_none_labelled, dockhand, events, host_arg, runtime, start_private, text, Signal, WAIT};

/// Bench objects carry the check labels; hold the machine's engine beside
/// the other tests that make objects there, never beside the one that runs alone.
fn engine_group() -> Serial {
    serial::shared(serial::ENGINE)
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

fn run_id(events: &[Value]) -> String {
    of_kind(events, "bench-started")[0]["run_id"]
        .as_str()
        .expect("a run id")
        .to_string()
}

fn assert_clean(run_id: &str) {
    assert_none_labelled(
        Path::new(crate::kit::SYSTEM_SOCKET),
        &format!("dockhand.run={run_id}"),
        &format!("bench {run_id}"),
    );
}

const WORKLOADS: [&str; 13] = [
    "ping",
    "version",
    "image-list",
    "image-inspect",
    "create",
    "start",
    "stop",
    "remove",
    "lifecycle",
    "exec",
    "logs",
    "event-latency",
    "throughput",
];

#[test]
fn a_short_bench_of_every_workload_gives_the_documented_json() {
    let _g = engine_group();
    let plots = tempfile::tempdir().unwrap();
    let o = dockhand([
        "bench",
        "--format",
        "json",
        "--iterations",
        "2",
        "--warmup",
        "1",
        "--rounds",
        "2",
    ])
    .args(["--concurrency", "1,3", "--overhead-calls", "20", "--plots"])
    .args([plots.path()])
    .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"bench-started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"bench-finished"), "{kinds:?}");
    let started = &ev[0];
    let names: Vec<&str> = started["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = WORKLOADS[..12].iter().map(|w| w.to_string()).collect();
    expected.extend(["throughput/c1".into(), "throughput/c3".into()]);
    assert_eq!(names, expected);
    assert_eq!(started["iterations"], 2);
    assert_eq!(started["duration_ms"], Value::Null);
    assert_eq!(
        (started["warmup"].as_u64(), started["rounds"].as_u64()),
        (Some(1), Some(2))
    );
    let engine = &started["engines"][0];
    for key in ["label", "endpoint", "product", "version", "api_version"] {
        assert!(engine[key].is_string(), "engine.{key}: {engine}");
    }
    assert_eq!(engine["endpoint"], "unix:///var/run/docker.sock");
    let label = engine["label"].as_str().unwrap();

    let overhead = of_kind(&ev, "overhead");
    assert_eq!(overhead.len(), 1, "{overhead:?}");
    assert_eq!(overhead[0]["engine"], label);
    assert_eq!(overhead[0]["calls"], 20);
    for key in ["client_p50_us", "raw_p50_us", "overhead_us", "ratio"] {
        assert!(overhead[0][key].is_number(), "overhead.{key}: {}", overhead[0]);
    }

    let results = of_kind(&ev, "result");
    let got: Vec<&str> = results.iter().map(|r| r["workload"].as_str().unwrap()).collect();
    assert_eq!(got, names, "one result per workload, in order");
    for r in &results {
        assert_eq!(r["engine"], label);
        assert_eq!(r["errors"], 0, "{r}");
        assert_eq!(r["first_error"], Value::Null, "{r}");
        // A throughput round runs at least its concurrency: 2 rounds of 3.
        let n = if r["workload"] == "throughput/c3" { 6 } else { 2 };
        assert_eq!(
            (r["count"].as_u64(), r["complete"].as_bool()),
            (Some(n), Some(true)),
            "{r}"
        );
        let samples = r["samples_us"].as_array().unwrap();
        assert_eq!(samples.len(), n as usize, "{r}");
        let s: Vec<f64> = samples.iter().map(|v| v.as_f64().unwrap()).collect();
        assert!(s.windows(2).all(|w| w[0] <= w[1]), "sorted: {r}");
        // The figures are the samples': nearest-rank p50 of two is the
        // first, of six the third; p99 and max the last.
        assert_eq!(r["p50_us"].as_f64(), Some(s[s.len() / 2 - 1]), "{r}");
        assert_eq!(r["p99_us"].as_f64(), s.last().copied(), "{r}");
        assert_eq!(r["max_us"].as_f64(), s.last().copied(), "{r}");
        for key in ["p90_us", "mean_us", "ops_per_s"] {
            assert!(r[key].is_number(), "{key}: {r}");
        }
        let c = if r["workload"] == "throughput/c3" { 3 } else { 1 };
        assert_eq!(r["concurrency"], c, "{r}");
    }
    assert!(of_kind(&ev, "ratio").is_empty(), "no ratio with one engine");
    let finished = ev.last().unwrap();
    assert_eq!(finished["exit_code"], 0);
    assert_eq!(
        finished["removed"],
        serde_json::json!([]),
        "every operation removed its own"
    );
    assert_clean(&run_id(&ev));

    let mut svgs: Vec<String> = std::fs::read_dir(plots.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    svgs.sort();
    let mut want: Vec<String> = expected
        .iter()
        .map(|w| format!("{}.svg", w.replace('/', "-")))
        .collect();
    want.sort();
    assert_eq!(svgs, want);
    let svg = std::fs::read_to_string(plots.path().join("ping.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains(label),
        "{}",
        &svg[..200.min(svg.len())]
    );

    // The same events read back: the table, and the same plots, measuring nothing.
    let saved = plots.path().join("bench.jsonl");
    std::fs::write(&saved, &o.stdout).unwrap();
    let again = plots.path().join("again");
    let r = dockhand(["bench", "--from"])
        .args([&saved])
        .args(["--plots"])
        .args([&again])
        .output();
    assert_eq!(r.status.code(), Some(0), "{}", text(&r));
    let table = String::from_utf8_lossy(&r.stdout);
    for w in &expected {
        assert!(
            table.lines().any(|l| l.starts_with(&format!("{w} "))),
            "no row of {w}:\n{table}"
        );
    }
    assert_eq!(std::fs::read_dir(&again).unwrap().count(), want.len());
}

#[test]
fn two_engines_run_side_by_side_with_ratios() {
    let _g = engine_group();
    let o = dockhand([
        "bench",
        "--format",
        "json",
        "--iterations",
        "3",
        "--warmup",
        "0",
        "--overhead-calls",
        "0",
    ])
    .args([
        "--engine",
        "a=unix:///var/run/docker.sock",
        "--engine",
        "b=/var/run/docker.sock",
    ])
    .args(["ping", "create"])
    .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
    let labels: Vec<&str> = ev[0]["engines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["a", "b"]);
    let results: Vec<(String, String)> = of_kind(&ev, "result")
        .iter()
        .map(|r| {
            (
                r["workload"].as_str().unwrap().into(),
                r["engine"].as_str().unwrap().into(),
            )
        })
        .collect();
    let pair = |w: &str| [(w.to_string(), "a".to_string()), (w.to_string(), "b".to_string())];
    assert_eq!(results, [pair("ping"), pair("create")].concat());
    let ratios = of_kind(&ev, "ratio");
    assert_eq!(ratios.len(), 2);
    for r in ratios {
        assert_eq!((r["first"].as_str(), r["second"].as_str()), (Some("a"), Some("b")));
        assert!(
            r["p50"].as_f64().is_some_and(|v| v > 0.0) && r["p99"].is_number(),
            "{r}"
        );
    }
    assert!(of_kind(&ev, "overhead").is_empty(), "--overhead-calls 0 measures none");
    assert_clean(&run_id(&ev));
}

#[test]
fn bad_input_is_refused_before_any_engine_is_touched() {
    let o = dockhand(["bench", "lifecyle"]).output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        err.contains("unknown workload `lifecyle`; did you mean `lifecycle`?"),
        "{err}"
    );

    let o = dockhand(["bench", "throughput", "--concurrency", "4,0"]).output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(err.contains("--concurrency 0"), "{err}");

    // Bad input wins over a missing engine: nothing is connected first.
    let o = dockhand(["bench", "--iterations", "0", "--engine", "unix:///run/missing.sock"]).output();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--iterations 0"),
        "{}",
        text(&o)
    );

    let o = dockhand(["bench", "ping", "--engine", "unix:///run/dockhand-missing.sock"]).output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        err.contains("unix:///run/dockhand-missing.sock")
            && err.contains("from --engine")
            && err.contains("does not exist"),
        "{err}"
    );
    assert!(o.stdout.is_empty(), "nothing measured: {}", text(&o));
}

#[test]
fn ctrl_c_mid_bench_removes_what_it_made_and_reports_what_it_measured() {
    let _g = engine_group();
    let mut child = dockhand(["bench", "--format", "json", "--iterations", "400", "--warmup", "0"])
        .args(["--rounds", "1", "--overhead-calls", "0", "ping", "stop"])
        .spawn();
    let run = child.wait_for_event("bench-started")["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ping = child.wait_for_event("result");
    assert_eq!(ping["workload"], "ping");
    // Mid-way through the stops: once a second container of the stops
    // appeared, the first was stopped and removed (each one's set-up, stop
    // and removal run in turn), so at least one stop is measured.
    let label = format!("dockhand.run={run}");
    let mut seen = std::collections::HashSet::new();
    let t = Instant::now();
    while seen.len() < 2 {
        assert!(t.elapsed() < WAIT, "no second container of the stops within {WAIT:?}");
        seen.extend(crate::kit::labelled(Path::new(crate::kit::SYSTEM_SOCKET), &label));
        std::thread::sleep(Duration::from_millis(20));
    }
    child.signal(Signal::Int);
    let done = child.finish(WAIT);
    let ev = done.events();
    assert_eq!(done.code(), Some(130), "{}", done.text());
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["bench-started", "result", "result", "interrupted", "bench-finished"],
        "{}",
        done.text()
    );
    assert_eq!(
        (ev[1]["workload"].as_str(), ev[1]["complete"].as_bool()),
        (Some("ping"), Some(true))
    );
    // The stops measured before the signal, reported as cut short.
    assert_eq!(
        (ev[2]["workload"].as_str(), ev[2]["complete"].as_bool()),
        (Some("stop"), Some(false))
    );
    assert!(ev[2]["count"].as_u64().is_some_and(|n| n > 0 && n < 400), "{}", ev[2]);
    assert_eq!(ev[3]["signal"], "Ctrl-C");
    assert_eq!(ev[4]["exit_code"], 130);
    assert_clean(&run_id(&ev));
}

#[test]
fn an_engine_frozen_mid_bench_exits_2_naming_the_call() {
    let rt = runtime();
    let mut pe = start_private(&rt, "b", "frozen");
    let mut child = dockhand(["--timeout", "2s", "bench", "--format", "json", "--iterations", "100000"])
        .args([
            "--warmup",
            "0",
            "--rounds",
            "1",
            "--overhead-calls",
            "0",
            "version",
            "--engine",
        ])
        .args([host_arg(&pe)])
        .spawn();
    child.wait_for_event("bench-started");
    std::thread::sleep(Duration::from_millis(500));
    pe.freeze().unwrap();
    let frozen_at = Instant::now();
    let done = child.finish(WAIT);
    let took = frozen_at.elapsed();
    pe.thaw().unwrap();
    assert_eq!(done.code(), Some(2), "{}", done.text());
    assert!(took < Duration::from_secs(2 + 3), "exit {took:?} after the freeze");
    let ev = done.events();
    let kinds: Vec<&str> = ev.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["bench-started", "result", "engine-down", "bench-finished"],
        "{}",
        done.text()
    );
    assert_eq!(
        ev[1]["complete"], false,
        "the versions measured before the freeze: {}",
        ev[1]
    );
    let down = of_kind(&ev, "engine-down");
    assert_eq!(down.len(), 1, "{}", done.text());
    let diagnosis = down[0]["diagnosis"].as_str().unwrap();
    assert!(
        diagnosis.contains("not responding") && diagnosis.contains("/version") && diagnosis.contains("2s"),
        "{diagnosis}"
    );
    assert_eq!(ev.last().unwrap()["exit_code"], 2);
    assert!(
        done.stderr.contains("engine not responding since") && done.stderr.contains("from --engine"),
        "{}",
        done.text()
    );
    rt.block_on(pe.shutdown()).unwrap();
}
