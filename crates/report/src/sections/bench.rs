//! "Bench": each `dockhand bench --format json` file given: its facts (the
//! engines, iterations or duration, warm-up, rounds, the host's load), the
//! instrument's own overhead per engine, and per workload and engine the
//! table (count, p50, p90, p99, max, mean, ops/s, errors; with two engines
//! the second's p50 and p99 over the first's). The page adds each
//! workload's latency CDF, engines overlaid, as inline SVG (the bench's own
//! plotter, `dockhand bench --plots`'s drawing); the summary has the tables.

use dockhand_bench::{fmt_us, plot, ResultRow};

use super::{cut, Section};
use crate::bench::BenchRun;
use crate::html::Html;
use crate::markdown::Markdown;
use crate::Report;

pub const SECTION: Section = Section {
    id: "bench",
    title: "Bench",
    applies: |r| !r.benches.is_empty(),
    html,
    markdown,
};

/// The figures' columns after workload and engine.
const FIGURES: [&str; 9] = [
    "concurrency",
    "count",
    "p50",
    "p90",
    "p99",
    "max",
    "mean",
    "ops/s",
    "errors",
];

fn heading(b: &BenchRun, k: usize, of: usize) -> String {
    if of > 1 {
        format!("Bench {}: {}", k + 1, b.title())
    } else {
        b.title()
    }
}

/// One line of the bench's facts.
fn facts(b: &BenchRun) -> String {
    let budget = match (b.iterations, b.duration_ms) {
        (Some(n), _) => format!("{n} iterations per workload and engine"),
        (None, Some(ms)) => format!("{:.1} s per workload and engine", ms as f64 / 1000.0),
        (None, None) => "no budget recorded".into(),
    };
    let load = b.load_average.map_or_else(
        || "load average unknown".into(),
        |l| format!("load average {:.2} {:.2} {:.2}", l[0], l[1], l[2]),
    );
    let end = match &b.finished {
        Some(f) => format!("took {:.1} s, exit code {}", f.duration_ms as f64 / 1000.0, f.exit_code),
        None => "no bench-finished: incomplete".into(),
    };
    format!(
        "Run {} started {} ({}): {budget}, {} warm-up, {} rounds interleaving the engines; {load} at the start; {end}.",
        b.run_id, b.started_at, b.source, b.warmup, b.rounds
    )
}

/// The overhead table's rows: engine, client p50, raw p50, added, ratio (or why none).
fn overhead_rows(b: &BenchRun) -> Vec<Vec<String>> {
    b.overhead
        .iter()
        .map(|o| match (&o.measured, &o.unavailable) {
            (Some(m), _) => vec![
                o.engine.clone(),
                m.calls.to_string(),
                fmt_us(m.client_p50_us),
                fmt_us(m.raw_p50_us),
                format!("{:+.1} µs", m.overhead_us),
                format!("{:.2}", m.ratio),
            ],
            (None, why) => vec![
                o.engine.clone(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
                format!("not measured: {}", why.as_deref().unwrap_or("no reason given")),
            ],
        })
        .collect()
}

const OVERHEAD_HEADINGS: [&str; 6] = [
    "engine",
    "pings",
    "p50 through dockhand's client",
    "p50 on a raw socket",
    "added per call",
    "client / raw",
];

/// A result's figure cells, as text.
fn figure_cells(r: &ResultRow) -> [String; 9] {
    let s = &r.summary;
    [
        r.concurrency.to_string(),
        s.count.to_string(),
        fmt_us(s.p50_us),
        fmt_us(s.p90_us),
        fmt_us(s.p99_us),
        fmt_us(s.max_us),
        fmt_us(s.mean_us),
        format!("{:.1}", s.ops_per_s),
        s.errors.to_string(),
    ]
}

/// The ratio cells of `row`: on the second engine's row of a workload with a
/// `ratio` event, its p50 and p99 over the first's; empty otherwise.
fn ratio_cells(b: &BenchRun, row: &ResultRow) -> [String; 2] {
    match b.ratio_of(&row.workload) {
        Some(q) if q.second == row.engine => {
            [q.p50, q.p99].map(|v| v.map_or_else(|| "—".into(), |v| format!("{v:.2}")))
        }
        _ => [String::new(), String::new()],
    }
}

/// The workload's name, with "cut short" when the bench stopped inside it.
fn workload_cell(row: &ResultRow) -> String {
    if row.complete {
        row.workload.clone()
    } else {
        format!("{} (cut short)", row.workload)
    }
}

fn ratio_note(b: &BenchRun) -> Option<String> {
    let q = b.ratios.first()?;
    Some(format!(
        "Ratios: {}'s p50 and p99 over {}'s (above 1: {} is slower).",
        q.second, q.first, q.second
    ))
}

fn html(r: &Report, h: &mut Html) {
    for (k, b) in r.benches.iter().enumerate() {
        let bench = k.to_string();
        h.open("div", &[("class", "bench"), ("data-bench", &bench)]);
        h.element("h3", &[], &heading(b, k, r.benches.len()));
        h.element("p", &[("class", "sub")], &facts(b));
        h.raw("<table class=\"identity\"><thead><tr><th>engine</th><th>product</th><th>version</th><th>API version</th><th>endpoint</th></tr></thead><tbody>");
        for e in &b.engines {
            h.raw("<tr>").element("th", &[], &e.label);
            for v in [&e.product, &e.version, &e.api_version, &e.endpoint] {
                h.element("td", &[], v);
            }
            h.raw("</tr>");
        }
        h.raw("</tbody></table>");

        if !b.overhead.is_empty() {
            h.element("h4", &[], "The instrument's own overhead");
            h.element(
                "p",
                &[("class", "detail")],
                "GET /_ping through dockhand's client against the same exchange on a raw socket, interleaved call by call, in the same run: an engine figure below is only as exact as this difference is small.",
            );
            h.raw("<table class=\"bench overhead\"><thead><tr>");
            for c in OVERHEAD_HEADINGS {
                h.element("th", &[], c);
            }
            h.raw("</tr></thead><tbody>");
            for row in overhead_rows(b) {
                h.raw("<tr>").element("th", &[], &row[0]);
                for c in &row[1..] {
                    h.element("td", &[("class", "n")], c);
                }
                h.raw("</tr>");
            }
            h.raw("</tbody></table>");
        }

        h.element("h4", &[], "Results");
        let ratios = !b.ratios.is_empty();
        h.raw("<table class=\"bench results\"><thead><tr><th>workload</th><th>engine</th>");
        for c in FIGURES {
            h.element("th", &[], c);
        }
        if ratios {
            h.raw("<th>p50 ratio</th><th>p99 ratio</th>");
        }
        h.raw("<th>first error</th></tr></thead><tbody>");
        for w in b.measured_workloads() {
            for (i, row) in b.rows_of(w).into_iter().enumerate() {
                let cls = if i == 0 { "first" } else { "" };
                h.open(
                    "tr",
                    &[
                        ("class", cls),
                        ("data-bench", &bench),
                        ("data-workload", &row.workload),
                        ("data-engine", &row.engine),
                    ],
                );
                let wl = if i == 0 { workload_cell(row) } else { String::new() };
                h.element("th", &[], &wl).element("td", &[], &row.engine);
                for (name, c) in FIGURES.iter().zip(figure_cells(row)) {
                    let cls = if *name == "errors" && row.summary.errors > 0 {
                        "n bad"
                    } else {
                        "n"
                    };
                    h.element("td", &[("class", cls), ("data-figure", name)], &c);
                }
                if ratios {
                    for c in ratio_cells(b, row) {
                        h.element("td", &[("class", "n")], &c);
                    }
                }
                let err = row.first_error.as_deref().map(|e| cut(e, 300)).unwrap_or_default();
                h.element("td", &[("class", "detail")], &err);
                h.raw("</tr>");
            }
        }
        h.raw("</tbody></table>");
        if let Some(note) = ratio_note(b) {
            h.element("p", &[("class", "detail")], &note);
        }

        let plots: Vec<(&str, Vec<&ResultRow>)> = b
            .measured_workloads()
            .into_iter()
            .map(|w| {
                let rows = b.rows_of(w).into_iter().filter(|r| !r.samples_us.is_empty()).collect();
                (w, rows)
            })
            .filter(|(_, rows): &(&str, Vec<&ResultRow>)| !rows.is_empty())
            .collect();
        if !plots.is_empty() {
            h.element("h4", &[], "Latency distributions");
            h.element(
                "p",
                &[("class", "detail")],
                "Per workload, the share of operations done within a latency (a cumulative distribution), the engines overlaid: further left is faster, a long flat top is a tail.",
            );
        }
        for (w, rows) in plots {
            h.open("figure", &[("class", "cdf"), ("data-workload", w)]);
            match plot::cdf_svg(w, &rows) {
                Ok(svg) => {
                    h.svg(&svg);
                    h.element("figcaption", &[], &format!("{w}: latency CDF"));
                }
                Err(e) => {
                    h.element("figcaption", &[], &format!("{w}: no plot ({e})"));
                }
            }
            h.raw("</figure>");
        }
        h.raw("</div>");
    }
}

fn markdown(r: &Report, m: &mut Markdown) {
    for (k, b) in r.benches.iter().enumerate() {
        m.raw("### ")
            .text(&heading(b, k, r.benches.len()))
            .raw("\n\n")
            .text(&facts(b))
            .raw("\n\n");
        let engines: Vec<Vec<String>> = b
            .engines
            .iter()
            .map(|e| {
                vec![
                    e.label.clone(),
                    e.product.clone(),
                    e.version.clone(),
                    e.api_version.clone(),
                    e.endpoint.clone(),
                ]
            })
            .collect();
        m.table(&["engine", "product", "version", "API version", "endpoint"], &engines);
        if !b.overhead.is_empty() {
            m.raw("The instrument's own overhead (`GET /_ping`, client against a raw socket, same run):\n\n");
            m.table(&OVERHEAD_HEADINGS, &overhead_rows(b));
        }
        let ratios = !b.ratios.is_empty();
        let mut headings = vec!["workload", "engine"];
        headings.extend(FIGURES);
        if ratios {
            headings.extend(["p50 ratio", "p99 ratio"]);
        }
        let mut rows = Vec::new();
        for w in b.measured_workloads() {
            for row in b.rows_of(w) {
                let mut cells = vec![workload_cell(row), row.engine.clone()];
                cells.extend(figure_cells(row));
                if ratios {
                    cells.extend(ratio_cells(b, row));
                }
                rows.push(cells);
            }
        }
        m.table(&headings, &rows);
        if let Some(note) = ratio_note(b) {
            m.text(&note).raw("\n\n");
        }
        let errors: Vec<&ResultRow> = b.results.iter().filter(|r| r.first_error.is_some()).collect();
        for row in errors {
            m.raw("- ")
                .text(&format!(
                    "{} on {}: {} errors, the first: {}",
                    row.workload,
                    row.engine,
                    row.summary.errors,
                    cut(row.first_error.as_deref().unwrap_or_default(), 300)
                ))
                .raw("\n");
        }
        m.raw("The latency CDF plots are in the HTML page (`dockhand report --html`).\n\n");
    }
}
