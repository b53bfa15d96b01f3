//! "Schema findings": per engine, where replies departed from the
//! reference's response shapes (`dockhand-shapes`, docs/shapes.md). The same
//! finding (operation, status, pointer, kind, expected) seen by several cases
//! is one row naming them, with how many cases saw it by their verdict (a
//! finding a known failure's pin excuses shows as seen by `known` cases);
//! failing kinds first, then `extra` and `undocumented-status`, which never
//! fail a case, folded away.

use std::collections::BTreeMap;

use dockhand_harness::Finding;

use super::{cut, has_runs, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::{Run, Verdict};
use crate::Report;

pub const SECTION: Section = Section {
    id: "schema",
    title: "Schema findings",
    applies: has_runs,
    html,
    markdown,
};

const HEADINGS: [&str; 7] = ["operation", "status", "pointer", "kind", "expected", "actual", "cases"];

type Key<'a> = (&'a str, u16, &'a str, &'static str, &'a str);

/// The cases that saw one finding, with their verdicts.
type Cases = Vec<(String, Verdict)>;

/// A run's distinct findings, failing ones first, each with the cases that saw it.
fn grouped(run: &Run) -> Vec<(&Finding, Cases)> {
    let mut by: BTreeMap<(bool, Key<'_>), (&Finding, Cases)> = BTreeMap::new();
    for case in &run.cases {
        for f in &case.schema {
            let key = (
                !f.kind.fails(),
                (
                    f.operation.as_str(),
                    f.status,
                    f.pointer.as_str(),
                    f.kind.as_str(),
                    f.expected.as_str(),
                ),
            );
            let entry = by.entry(key).or_insert_with(|| (f, Vec::new()));
            let name = case.name();
            if !entry.1.iter().any(|(n, _)| *n == name) {
                entry.1.push((name, case.verdict));
            }
        }
    }
    by.into_values().collect()
}

/// How many cases saw a finding, by verdict, then their names:
/// `51 cases (48 known, 3 failed): a, b, ...`, cut to `max` characters.
fn cases_cell(cases: &[(String, Verdict)], max: usize) -> String {
    let counts: Vec<String> = Verdict::ALL
        .iter()
        .filter_map(|v| {
            let n = cases.iter().filter(|(_, c)| c == v).count();
            (n > 0).then(|| format!("{n} {}", v.heading()))
        })
        .collect();
    let names: Vec<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    let plural = if cases.len() == 1 { "" } else { "s" };
    cut(
        &format!(
            "{} case{plural} ({}): {}",
            cases.len(),
            counts.join(", "),
            names.join(", ")
        ),
        max,
    )
}

/// A table of findings, each with the cases that saw it when given.
pub(super) fn findings_table<'a>(h: &mut Html, rows: impl Iterator<Item = (&'a Finding, Option<&'a Cases>)>) {
    let rows: Vec<_> = rows.collect();
    let with_cases = rows.iter().any(|(_, c)| c.is_some());
    let headings = if with_cases { &HEADINGS[..] } else { &HEADINGS[..6] };
    h.raw("<table class=\"findings\"><thead><tr>");
    for t in headings {
        h.element("th", &[], t);
    }
    h.raw("</tr></thead><tbody>");
    for (f, cases) in rows {
        let cls = if f.kind.fails() { "failed" } else { "extra" };
        h.open("tr", &[("class", cls)])
            .element("td", &[], &f.operation)
            .element("td", &[], &f.status.to_string())
            .element(
                "td",
                &[("class", "call")],
                if f.pointer.is_empty() { "(body)" } else { &f.pointer },
            )
            .element("td", &[], f.kind.as_str())
            .element("td", &[], &f.expected)
            .element("td", &[("class", "call")], &f.actual);
        if let Some(cases) = cases {
            h.element("td", &[], &cases_cell(cases, 300));
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

fn html(r: &Report, h: &mut Html) {
    for (i, run) in r.runs.iter().enumerate() {
        let all = grouped(run);
        let failing = all.iter().filter(|(f, _)| f.kind.fails()).count();
        h.element("h3", &[], &r.engine_label(i));
        h.open(
            "p",
            &[("data-engine", &i.to_string()), ("data-findings", &failing.to_string())],
        )
        .num(failing)
        .raw(" distinct failing findings, ")
        .num(all.len() - failing)
        .raw(" that do not fail (extra fields, undocumented statuses).")
        .close("p");
        let (fail, rest): (Vec<_>, Vec<_>) = all.iter().partition(|(f, _)| f.kind.fails());
        if !fail.is_empty() {
            findings_table(h, fail.iter().map(|(f, c)| (*f, Some(c))));
        }
        if !rest.is_empty() {
            h.raw("<details><summary>extra fields and undocumented statuses</summary>");
            findings_table(h, rest.iter().map(|(f, c)| (*f, Some(c))));
            h.raw("</details>");
        }
    }
}

fn markdown(r: &Report, m: &mut Markdown) {
    for (i, run) in r.runs.iter().enumerate() {
        let all = grouped(run);
        let fail: Vec<_> = all.iter().filter(|(f, _)| f.kind.fails()).collect();
        m.raw("### ").text(&r.engine_label(i)).raw("\n\n");
        m.raw(&format!(
            "{} distinct failing findings, {} that do not fail.\n\n",
            fail.len(),
            all.len() - fail.len()
        ));
        if fail.is_empty() {
            continue;
        }
        let rows: Vec<Vec<String>> = fail
            .iter()
            .map(|(f, cases)| {
                vec![
                    f.operation.clone(),
                    f.status.to_string(),
                    if f.pointer.is_empty() {
                        "(body)".into()
                    } else {
                        f.pointer.clone()
                    },
                    f.kind.as_str().to_string(),
                    f.expected.clone(),
                    f.actual.clone(),
                    cases_cell(cases, 200),
                ]
            })
            .collect();
        m.table(&HEADINGS, &rows);
    }
}
