//! "Unsupported": per engine, the cases whose operation the engine answered
//! with an explicit "not implemented", with that answer as the evidence (the
//! operation, the status, the engine's message) and the reason it counts.

use super::Section;
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::{Case, Unsupported};
use crate::Report;

pub const SECTION: Section = Section {
    id: "unsupported",
    title: "Unsupported",
    applies: |r| {
        r.runs
            .iter()
            .any(|run| run.cases.iter().any(|c| c.unsupported.is_some()))
    },
    html,
    markdown,
};

const HEADINGS: [&str; 5] = ["case", "operation", "status", "engine's message", "why unsupported"];

fn rows(cases: &[Case]) -> Vec<(&Case, &Unsupported)> {
    cases
        .iter()
        .filter_map(|c| c.unsupported.as_ref().map(|u| (c, u)))
        .collect()
}

fn html(r: &Report, h: &mut Html) {
    for (i, run) in r.runs.iter().enumerate() {
        let rows = rows(&run.cases);
        if rows.is_empty() {
            continue;
        }
        h.element("h3", &[], &r.engine_label(i));
        h.raw("<table class=\"unsupported\"><thead><tr>");
        for t in HEADINGS {
            h.element("th", &[], t);
        }
        h.raw("</tr></thead><tbody>");
        for (case, u) in rows {
            h.raw("<tr>")
                .element("td", &[], &case.name())
                .element("td", &[], &u.operation)
                .element("td", &[], &u.status.to_string())
                .element("td", &[], &u.message)
                .element("td", &[], &u.reason)
                .raw("</tr>");
        }
        h.raw("</tbody></table>");
    }
}

fn markdown(r: &Report, m: &mut Markdown) {
    for (i, run) in r.runs.iter().enumerate() {
        let rows: Vec<Vec<String>> = rows(&run.cases)
            .into_iter()
            .map(|(c, u)| {
                vec![
                    c.name(),
                    u.operation.clone(),
                    u.status.to_string(),
                    u.message.clone(),
                    u.reason.clone(),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        m.raw("### ").text(&r.engine_label(i)).raw("\n\n");
        m.table(&HEADINGS, &rows);
    }
}
