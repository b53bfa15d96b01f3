//! "Differences": with two or more runs, the cases whose verdict is not the
//! same on every engine that ran them, side by side, each with its message
//! or reason. A case missing from a run (not selected there) shows as such.

use dockhand_harness::CaseKey;

use super::{cut, engine_headings, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::{case_name, Case};
use crate::Report;

pub const SECTION: Section = Section {
    id: "differences",
    title: "Differences between engines",
    applies: |r| r.runs.len() >= 2,
    html,
    markdown,
};

/// The longest message a cell shows.
const DETAIL_MAX: usize = 400;

/// Each differing case with its case in every run (`None`: not there).
fn differing(r: &Report) -> Vec<(CaseKey, Vec<Option<&Case>>)> {
    let mut keys: Vec<&CaseKey> = Vec::new();
    for run in &r.runs {
        for c in &run.cases {
            if !keys.contains(&&c.key) {
                keys.push(&c.key);
            }
        }
    }
    keys.into_iter()
        .filter_map(|k| {
            let cases: Vec<Option<&Case>> = r.runs.iter().map(|run| run.case(k)).collect();
            let present: Vec<&Case> = cases.iter().flatten().copied().collect();
            let differs = present.len() >= 2 && present.iter().any(|c| c.verdict != present[0].verdict);
            differs.then(|| (k.clone(), cases))
        })
        .collect()
}

fn html(r: &Report, h: &mut Html) {
    let rows = differing(r);
    h.open("p", &[("data-differences", &rows.len().to_string())])
        .num(rows.len())
        .raw(" cases end differently.")
        .close("p");
    if rows.is_empty() {
        return;
    }
    h.raw("<table class=\"differences\"><thead><tr><th>case</th>");
    for label in engine_headings(r) {
        h.element("th", &[], &label);
    }
    h.raw("</tr></thead><tbody>");
    for (key, cases) in &rows {
        h.raw("<tr>").element("th", &[("class", "case")], &case_name(key));
        for c in cases {
            match c {
                Some(c) => {
                    h.open("td", &[("class", c.verdict.key())]).element(
                        "span",
                        &[("class", &format!("label {}", c.verdict.key()))],
                        c.verdict.label(),
                    );
                    if let Some(d) = c.detail() {
                        h.raw(" ").element("span", &[("class", "detail")], &cut(&d, DETAIL_MAX));
                    }
                    h.close("td");
                }
                None => {
                    h.element("td", &[("class", "absent")], "not in this run");
                }
            }
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

fn markdown(r: &Report, m: &mut Markdown) {
    let rows = differing(r);
    m.raw(&format!("{} cases end differently.\n\n", rows.len()));
    if rows.is_empty() {
        return;
    }
    let labels = engine_headings(r);
    let mut headings = vec!["case"];
    headings.extend(labels.iter().map(String::as_str));
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(key, cases)| {
            let mut row = vec![case_name(key)];
            row.extend(cases.iter().map(|c| match c {
                Some(c) => match c.detail() {
                    Some(d) => format!("{}: {}", c.verdict.label(), cut(&d, 160)),
                    None => c.verdict.label().to_string(),
                },
                None => "not in this run".to_string(),
            }));
            row
        })
        .collect();
    m.table(&headings, &table);
}
