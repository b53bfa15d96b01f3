//! "Engines": each run's engine as it named itself (product, version, API
//! version spoken, endpoint, platform) and the run's facts (id, start,
//! duration, exit code, file, complete or not).

use super::{engine_headings, has_runs, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::Run;
use crate::Report;

pub const SECTION: Section = Section {
    id: "engines",
    title: "Engines",
    applies: has_runs,
    html,
    markdown,
};

type Row = (&'static str, fn(&Run) -> String);

const ROWS: &[Row] = &[
    ("product", |r| r.engine.name.clone()),
    ("version", |r| r.engine.version.clone()),
    ("API version", |r| r.engine.api_version.clone()),
    ("endpoint", |r| r.engine.endpoint.clone()),
    ("platform", |r| format!("{}/{}", r.engine.os, r.engine.arch)),
    ("run", |r| r.run_id.clone()),
    ("started", |r| r.started_at.clone()),
    ("jobs", |r| r.jobs.to_string()),
    ("selected cases", |r| r.selection.len().to_string()),
    ("duration", |r| {
        r.finished
            .as_ref()
            .map_or_else(|| "—".into(), |f| format!("{:.1} s", f.duration_ms as f64 / 1000.0))
    }),
    ("exit code", |r| {
        r.finished
            .as_ref()
            .map_or_else(|| "—".into(), |f| f.exit_code.to_string())
    }),
    ("events file", |r| r.source.clone()),
    ("state", state),
];

fn state(r: &Run) -> String {
    let mut s = if r.is_complete() {
        "complete".to_string()
    } else {
        format!("incomplete: {} cases without a verdict", r.unfinished().len())
    };
    if let Some(from) = &r.resumed_from {
        s.push_str(&format!("; resumed from {from}"));
    }
    if let Some(at) = &r.interrupted {
        s.push_str(&format!("; interrupted at {at}"));
    }
    if let Some((since, diagnosis)) = &r.engine_down {
        s.push_str(&format!("; engine down since {since}: {diagnosis}"));
    }
    s
}

fn html(r: &Report, h: &mut Html) {
    h.raw("<table class=\"identity\"><thead><tr><th></th>");
    for (i, label) in engine_headings(r).iter().enumerate() {
        h.open("th", &[("data-engine", &i.to_string())]).text(label).close("th");
    }
    h.raw("</tr></thead><tbody>");
    for (name, value) in ROWS {
        h.raw("<tr>").element("th", &[], name);
        for run in &r.runs {
            let cls = if *name == "state" && !run.is_complete() {
                "incomplete"
            } else {
                ""
            };
            h.element("td", &[("class", cls)], &value(run));
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

fn markdown(r: &Report, m: &mut Markdown) {
    let mut headings = vec![""];
    let labels = engine_headings(r);
    headings.extend(labels.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = ROWS
        .iter()
        .map(|(name, value)| {
            let mut row = vec![name.to_string()];
            row.extend(r.runs.iter().map(value));
            row
        })
        .collect();
    m.table(&headings, &rows);
}
