//! "Operations": the API's operations (the harness's `OPERATIONS`, by the
//! reference's tags) against the engines. A cell counts, for one engine, the
//! cases whose transcript called the operation (covered) and how they
//! ended: passed (or fixed), and the failures, known failures and
//! unsupported verdicts that name this operation (`locate::blamed`). A
//! failure that names no operation is counted below the table.

use std::collections::BTreeMap;

use dockhand_harness::OPERATIONS;

use super::{engine_headings, has_runs, Section};
use crate::html::Html;
use crate::locate::{blamed, called};
use crate::markdown::Markdown;
use crate::model::{Run, Verdict};
use crate::Report;

pub const SECTION: Section = Section {
    id: "operations",
    title: "Operations",
    applies: has_runs,
    html,
    markdown,
};

/// One operation on one engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Cases that called it.
    pub covered: usize,
    /// Of those, cases that passed (or were fixed).
    pub passed: usize,
    /// Failures and errors that name it.
    pub failed: usize,
    pub known: usize,
    pub unsupported: usize,
}

impl Cell {
    /// The CSS class: the worst thing in it.
    fn class(&self) -> &'static str {
        if self.failed > 0 {
            "failed"
        } else if self.known > 0 {
            "known-failure"
        } else if self.unsupported > 0 {
            "unsupported"
        } else if self.passed > 0 {
            "passed"
        } else if self.covered > 0 {
            "skipped"
        } else {
            "zero"
        }
    }

    fn summary(&self) -> String {
        if self.covered == 0 && self.failed + self.known + self.unsupported == 0 {
            return "—".into();
        }
        let mut parts = vec![format!("{} called", self.covered), format!("{} passed", self.passed)];
        for (n, what) in [
            (self.failed, "failed"),
            (self.known, "known"),
            (self.unsupported, "unsupported"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

/// A run's cells by operation id, and the failures that name no operation.
pub fn cells(run: &Run) -> (BTreeMap<&'static str, Cell>, usize) {
    let mut cells: BTreeMap<&'static str, Cell> = BTreeMap::new();
    let mut unplaced = 0;
    for case in &run.cases {
        for op in called(case) {
            let cell = cells.entry(op).or_default();
            cell.covered += 1;
            if matches!(case.verdict, Verdict::Passed | Verdict::Fixed) {
                cell.passed += 1;
            }
        }
        let counted = matches!(
            case.verdict,
            Verdict::Failed | Verdict::Error | Verdict::Known | Verdict::Unsupported
        );
        match (counted, blamed(case)) {
            (true, Some(op)) => {
                let cell = cells.entry(op).or_default();
                match case.verdict {
                    Verdict::Known => cell.known += 1,
                    Verdict::Unsupported => cell.unsupported += 1,
                    _ => cell.failed += 1,
                }
            }
            (true, None) if case.verdict.is_failure() => unplaced += 1,
            _ => {}
        }
    }
    (cells, unplaced)
}

/// Per run: operations called, and with a failure, a known failure, an unsupported verdict.
fn totals(run_cells: &BTreeMap<&'static str, Cell>) -> [usize; 4] {
    let count = |f: fn(&Cell) -> bool| run_cells.values().filter(|c| f(c)).count();
    [
        count(|c| c.covered > 0),
        count(|c| c.failed > 0),
        count(|c| c.known > 0),
        count(|c| c.unsupported > 0),
    ]
}

const TOTAL_HEADINGS: [&str; 4] = ["called", "with a failure", "with a known failure", "unsupported"];

fn html(r: &Report, h: &mut Html) {
    let all: Vec<_> = r.runs.iter().map(cells).collect();
    h.raw("<table class=\"counts\"><thead><tr><th>engine</th>");
    for t in TOTAL_HEADINGS {
        h.element("th", &[], t);
    }
    h.raw("<th>failures naming no operation</th></tr></thead><tbody>");
    for (i, (c, unplaced)) in all.iter().enumerate() {
        h.raw("<tr>").element("th", &[], &r.engine_label(i));
        for (n, key) in totals(c).iter().zip(["called", "failed", "known", "unsupported"]) {
            h.open("td", &[("data-engine", &i.to_string()), ("data-operations", key)])
                .num(*n)
                .raw(" of ")
                .num(OPERATIONS.len())
                .close("td");
        }
        h.open("td", &[]).num(*unplaced).close("td").raw("</tr>");
    }
    h.raw("</tbody></table>");

    h.raw("<table class=\"matrix\"><thead><tr><th>operation</th><th>call</th>");
    for label in engine_headings(r) {
        h.element("th", &[], &label);
    }
    h.raw("</tr></thead>");
    let mut tag = "";
    for op in OPERATIONS {
        if op.tag != tag {
            if !tag.is_empty() {
                h.raw("</tbody>");
            }
            tag = op.tag;
            let span = (r.runs.len() + 2).to_string();
            h.raw("<tbody><tr class=\"tag\">")
                .element("th", &[("colspan", &span)], tag)
                .raw("</tr>");
        }
        h.raw("<tr>")
            .element("th", &[("class", "op"), ("title", op.summary)], op.id)
            .element("td", &[("class", "call")], &format!("{} {}", op.method, op.path));
        for (i, (c, _)) in all.iter().enumerate() {
            let cell = c.get(op.id).copied().unwrap_or_default();
            h.element(
                "td",
                &[
                    ("class", cell.class()),
                    ("data-engine", &i.to_string()),
                    ("data-op", op.id),
                ],
                &cell.summary(),
            );
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
}

fn markdown(r: &Report, m: &mut Markdown) {
    let all: Vec<_> = r.runs.iter().map(cells).collect();
    let mut headings = vec!["engine"];
    headings.extend(TOTAL_HEADINGS);
    headings.push("failures naming no operation");
    let rows: Vec<Vec<String>> = all
        .iter()
        .enumerate()
        .map(|(i, (c, unplaced))| {
            let mut row = vec![r.engine_label(i)];
            row.extend(totals(c).iter().map(|n| format!("{n} of {}", OPERATIONS.len())));
            row.push(unplaced.to_string());
            row
        })
        .collect();
    m.table(&headings, &rows);
    // The operations with anything but passes somewhere; the page has them all.
    let labels = engine_headings(r);
    let mut headings = vec!["operation"];
    headings.extend(labels.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = OPERATIONS
        .iter()
        .filter(|op| {
            all.iter().any(|(c, _)| {
                c.get(op.id)
                    .is_some_and(|cell| cell.failed + cell.known + cell.unsupported > 0)
            })
        })
        .map(|op| {
            let mut row = vec![op.id.to_string()];
            row.extend(
                all.iter()
                    .map(|(c, _)| c.get(op.id).copied().unwrap_or_default().summary()),
            );
            row
        })
        .collect();
    if !rows.is_empty() {
        m.raw("Operations with a failure, a known failure or an unsupported verdict on some engine:\n\n");
        m.table(&headings, &rows);
    }
}
