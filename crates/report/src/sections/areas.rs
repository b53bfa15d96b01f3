//! "By area": each area's cases counted by verdict, one row per engine
//! under the area.

use std::collections::BTreeSet;

use super::{has_runs, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::{Tally, Verdict};
use crate::Report;

pub const SECTION: Section = Section {
    id: "areas",
    title: "By area",
    applies: has_runs,
    html,
    markdown,
};

/// Every area of any run, sorted, with each run's tally there.
fn rows(r: &Report) -> Vec<(String, Vec<Tally>)> {
    let tallies: Vec<_> = r.runs.iter().map(|run| run.tally_by_area()).collect();
    let areas: BTreeSet<&str> = tallies.iter().flat_map(|t| t.keys().copied()).collect();
    areas
        .into_iter()
        .map(|a| {
            let per_run = tallies.iter().map(|t| t.get(a).copied().unwrap_or_default()).collect();
            (a.to_string(), per_run)
        })
        .collect()
}

fn html(r: &Report, h: &mut Html) {
    h.raw("<table class=\"counts areas\"><thead><tr><th>area</th><th>engine</th>");
    for v in Verdict::ALL {
        h.element("th", &[("class", v.key())], v.heading());
    }
    h.raw("<th>total</th></tr></thead>");
    for (area, per_run) in rows(r) {
        h.raw("<tbody class=\"area\">");
        for (i, t) in per_run.iter().enumerate() {
            let engine = i.to_string();
            h.raw("<tr>");
            if i == 0 {
                let span = per_run.len().to_string();
                h.element("th", &[("rowspan", &span)], &area);
            }
            h.element("td", &[("class", "engine")], &r.engine_label(i));
            for v in Verdict::ALL {
                let n = t.get(v);
                let cls = if n == 0 { "zero" } else { v.key() };
                h.open(
                    "td",
                    &[
                        ("class", cls),
                        ("data-area", &area),
                        ("data-engine", &engine),
                        ("data-outcome", v.key()),
                    ],
                )
                .num(n)
                .close("td");
            }
            h.open(
                "td",
                &[
                    ("data-area", &area),
                    ("data-engine", &engine),
                    ("data-outcome", "total"),
                ],
            )
            .num(t.total())
            .close("td");
            h.raw("</tr>");
        }
        h.raw("</tbody>");
    }
    h.raw("</table>");
}

fn markdown(r: &Report, m: &mut Markdown) {
    let mut headings = vec!["area", "engine"];
    headings.extend(Verdict::ALL.iter().map(|v| v.heading()));
    headings.push("total");
    let mut table = Vec::new();
    for (area, per_run) in rows(r) {
        for (i, t) in per_run.iter().enumerate() {
            let mut row = vec![area.clone(), r.engine_label(i)];
            row.extend(Verdict::ALL.iter().map(|&v| t.get(v).to_string()));
            row.push(t.total().to_string());
            table.push(row);
        }
    }
    m.table(&headings, &table);
}
