//! `dockhand report` end to end, on the event files the report crate's
//! tests use (recorded from Docker 20.10 and Podman 4.3.1): the files it
//! writes, its exit codes on bad input, and the page as a real browser
//! renders it: headless Chromium (Debian's `chromium`) dumps the DOM it
//! built, and the summary numbers in it are compared with counts taken from
//! the raw events here. Without chromium the browser tests fail, naming the
//! package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::kit::{dockhand, text};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../report/tests/fixtures")
        .join(name)
}

fn docker() -> PathBuf {
    fixture("docker-20.10.jsonl")
}

fn podman() -> PathBuf {
    fixture("podman-4.3.jsonl")
}

/// Outcome kinds of a file's `check-finished` events, from the raw JSON.
fn kinds(path: &Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        if e["event"] == "check-finished" {
            *m.entry(e["outcome"]["kind"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    m
}

#[test]
fn report_writes_the_page_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (html, md) = (dir.path().join("r.html"), dir.path().join("r.md"));
    let out = dockhand(["report".as_ref(), docker().as_os_str(), podman().as_os_str()])
        .args([
            "--html".as_ref(),
            html.as_os_str(),
            "--markdown".as_ref(),
            md.as_os_str(),
        ])
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "wrote {}: Docker Engine 20.10.24+dfsg1 vs Podman Engine 4.3.1",
            html.display()
        )),
        "{stdout}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing to fetch.
    for external in ["src=\"http", "href=\"http", "<link", "<script", "@import", "url("] {
        assert!(!page.contains(external), "{external} in the page");
    }
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(summary.starts_with("# dockhand compatibility report\n"), "{summary}");
    assert!(summary.contains("## Differences between engines"));
}

#[test]
fn report_without_files_to_write_prints_the_summary() {
    let out = dockhand(["report".as_ref(), docker().as_os_str()]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("# dockhand compatibility report\n\nDocker Engine 20.10.24+dfsg1\n"));
}

#[test]
fn report_refuses_what_is_not_a_run_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let list = dir.path().join("list.jsonl");
    std::fs::write(&list, "{\"id\":\"system/ping/get\",\"summary\":\"GET /_ping\"}\n").unwrap();
    let missing = dir.path().join("missing.jsonl");
    for (file, says) in [
        (
            &empty,
            "is empty: it holds no dockhand events; write one with `dockhand check --format json >",
        ),
        (&list, "list.jsonl:1 is not a dockhand event (no `event` field)"),
        (&missing, "cannot read"),
    ] {
        let out = dockhand(["report".as_ref(), docker().as_os_str(), file.as_os_str()]).output();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: ") && stderr.contains(says), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // A page that cannot be written.
    let out = dockhand([
        "report".as_ref(),
        docker().as_os_str(),
        "--html".as_ref(),
        "/nonexistent/dir/r.html".as_ref(),
    ])
    .output();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the report to /nonexistent/dir/r.html"));
}

#[test]
fn report_on_an_interrupted_run_is_marked_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let all = std::fs::read_to_string(docker()).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let cut = dir.path().join("killed.jsonl");
    std::fs::write(&cut, lines[..lines.len() / 2].join("\n") + "\n").unwrap();
    let html = dir.path().join("r.html");
    let out = dockhand(["report".as_ref(), cut.as_os_str(), "--html".as_ref(), html.as_os_str()]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: incomplete report: Docker Engine 20.10.24+dfsg1"),
        "{stderr}"
    );
    assert!(stderr.contains("has no run-finished event"), "{stderr}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"incomplete\""));
}

/// The DOM headless Chromium built from `page`, with scripts allowed to run
/// (so that an injected one would show). Each run has a profile of its own,
/// so tests in parallel do not share a browser.
fn rendered(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run chromium ({e}): install Debian's `chromium` package"));
    // Read as it comes: the DOM is larger than a pipe holds.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut dom).map(|_| dom)
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not render {} within 120 s", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed: {status:?}");
    reader.join().unwrap().expect("chromium's DOM is UTF-8")
}

/// The numbers of a section's count cells in a rendered DOM: (engine, outcome) -> n.
fn counts_in(dom: &str, section: &str) -> BTreeMap<(usize, String), usize> {
    let start = dom
        .find(&format!("<section id=\"{section}\">"))
        .expect("section rendered");
    let body = &dom[start..start + dom[start..].find("</section>").unwrap()];
    let cell = regex::Regex::new(r#"<td[^>]* data-engine="(\d+)" data-outcome="([a-z-]+)">(\d+)</td>"#).unwrap();
    cell.captures_iter(body)
        .map(|c| ((c[1].parse().unwrap(), c[2].to_string()), c[3].parse().unwrap()))
        .collect()
}

#[test]
fn report_renders_in_a_real_browser_with_the_run_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = dockhand(["report".as_ref(), docker().as_os_str(), podman().as_os_str()])
        .args(["--html".as_ref(), html.as_os_str()])
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dom = rendered(&html);
    let shown = counts_in(&dom, "outcomes");
    for (engine, file) in [docker(), podman()].iter().enumerate() {
        let raw = kinds(file);
        let total: usize = raw.values().sum();
        for kind in [
            "passed",
            "failed",
            "error",
            "known-failure",
            "unsupported",
            "fixed",
            "skipped",
            "not-run",
        ] {
            let want = raw.get(kind).copied().unwrap_or_default();
            assert_eq!(
                shown.get(&(engine, kind.to_string())),
                Some(&want),
                "engine {engine} {kind}"
            );
        }
        assert_eq!(
            shown.get(&(engine, "total".to_string())),
            Some(&total),
            "engine {engine} total"
        );
    }
    assert!(dom.contains("<title>dockhand report: Docker Engine 20.10.24+dfsg1 vs Podman Engine 4.3.1</title>"));
}

#[test]
fn an_engine_reply_holding_a_script_does_not_run_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let mut events: Vec<Value> = std::fs::read_to_string(podman())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failed = events
        .iter_mut()
        .find(|e| e["event"] == "check-finished" && e["outcome"]["kind"] == "failed")
        .unwrap();
    let script = "<script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script>";
    failed["transcript"][0]["response_body"] = Value::from(script);
    failed["outcome"]["message"] = Value::from(format!(
        "x: expected y, got {script}<img src=x onerror=\"document.title='pwned'\">"
    ));
    let hostile = dir.path().join("hostile.jsonl");
    std::fs::write(&hostile, events.iter().map(|e| format!("{e}\n")).collect::<String>()).unwrap();
    let html = dir.path().join("r.html");
    let out = dockhand([
        "report".as_ref(),
        hostile.as_os_str(),
        "--html".as_ref(),
        html.as_os_str(),
    ])
    .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dom = rendered(&html);
    assert!(!dom.contains("data-pwned=\"1\""), "the script ran");
    assert!(!dom.contains("<title>pwned</title>"), "the script ran");
    assert!(!dom.contains("<img"), "an injected element was rendered");
    assert!(dom.contains("&lt;script&gt;document.title="));
}

/// Bench objects carry the check labels: beside the other tests that make
/// objects on the machine's engine.
fn engine_group() -> crate::kit::serial::Serial {
    crate::kit::serial::shared(crate::kit::serial::ENGINE)
}

#[test]
fn a_real_bench_beside_a_check_run_renders_its_table_and_plots_in_a_browser() {
    let _g = engine_group();
    let dir = tempfile::tempdir().unwrap();
    // A short real bench of two workloads on the machine's engine, as two
    // labelled engines: the ratio columns too. Its JSON only, not its speed.
    let o = dockhand(["bench", "--format", "json", "--iterations", "3", "--warmup", "0"])
        .args(["--rounds", "1", "--overhead-calls", "20", "ping", "create"])
        .args([
            "--engine",
            "a=unix:///var/run/docker.sock",
            "--engine",
            "b=/var/run/docker.sock",
        ])
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let bench = dir.path().join("bench.jsonl");
    std::fs::write(&bench, &o.stdout).unwrap();
    let events: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let results: Vec<&Value> = events.iter().filter(|e| e["event"] == "result").collect();
    assert_eq!(results.len(), 4);

    let html = dir.path().join("r.html");
    let out = dockhand(["report".as_ref(), docker().as_os_str(), bench.as_os_str()])
        .args(["--html".as_ref(), html.as_os_str()])
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Docker Engine 20.10.24+dfsg1; bench: a vs b"),
        "{}",
        text(&out)
    );
    let dom = rendered(&html);
    // The check run's numbers are still the run's.
    let shown = counts_in(&dom, "outcomes");
    let total: usize = kinds(&docker()).values().sum();
    assert_eq!(shown.get(&(0, "total".to_string())), Some(&total));
    // Every result a row, with its count as the bench wrote it.
    let start = dom.find("<section id=\"bench\">").expect("bench section rendered");
    let section = &dom[start..start + dom[start..].find("</section>").unwrap()];
    let row = regex::Regex::new(
        r#"<tr class="[a-z]*" data-bench="0" data-workload="([a-z/0-9-]+)" data-engine="([ab])">.*?data-figure="count">(\d+)<"#,
    )
    .unwrap();
    let rows: Vec<(String, String, u64)> = row
        .captures_iter(section)
        .map(|c| (c[1].to_string(), c[2].to_string(), c[3].parse().unwrap()))
        .collect();
    let want: Vec<(String, String, u64)> = results
        .iter()
        .map(|r| {
            (
                r["workload"].as_str().unwrap().to_string(),
                r["engine"].as_str().unwrap().to_string(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, want);
    // One plot per workload, parsed by the browser as SVG with both engines' curves.
    for w in ["ping", "create"] {
        let at = section
            .find(&format!("<figure class=\"cdf\" data-workload=\"{w}\">"))
            .unwrap_or_else(|| panic!("no plot of {w}"));
        let fig = &section[at..at + section[at..].find("</figure>").unwrap()];
        assert!(fig.contains("<svg") && fig.contains("</svg>"), "{w}");
        assert!(fig.contains("a (p50 ") && fig.contains("b (p50 "), "{w}: {fig}");
    }

    // The same bench with an engine label holding markup: text, in the table and in the plot.
    let script = "<script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script>";
    let hostile: String = events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            for key in ["engine", "second"] {
                if e[key] == "b" {
                    e[key] = script.into();
                }
            }
            if e["event"] == "bench-started" {
                e["engines"][1]["label"] = script.into();
            }
            format!("{e}\n")
        })
        .collect();
    let bad = dir.path().join("hostile.jsonl");
    std::fs::write(&bad, hostile).unwrap();
    let page = dir.path().join("hostile.html");
    let out = dockhand(["report".as_ref(), bad.as_os_str(), "--html".as_ref(), page.as_os_str()]).output();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dom = rendered(&page);
    assert!(!dom.contains("data-pwned=\"1\""), "the script ran");
    assert!(!dom.contains("<title>pwned</title>"), "the script ran");
    assert!(dom.contains("&lt;script&gt;document.title="));
}

#[test]
fn report_refuses_a_broken_bench_file_naming_the_bench() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("b.jsonl");
    std::fs::write(
        &f,
        "{\"event\":\"result\",\"workload\":\"ping\"}\n{\"event\":\"bench-finished\"}\n",
    )
    .unwrap();
    let out = dockhand(["report".as_ref(), f.as_os_str()]).output();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b.jsonl:1: `result` before any bench-started") && err.contains("`dockhand bench --format json`"),
        "{err}"
    );
}
