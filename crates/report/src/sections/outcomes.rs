//! "Outcomes": each engine's cases counted by verdict, as a table (every
//! count cell carries `data-engine` and `data-outcome`, which the browser
//! test reads back from the rendered page) and a bar.

use super::{has_runs, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::Verdict;
use crate::Report;

pub const SECTION: Section = Section {
    id: "outcomes",
    title: "Outcomes",
    applies: has_runs,
    html,
    markdown,
};

fn html(r: &Report, h: &mut Html) {
    h.raw("<table class=\"counts\"><thead><tr><th>engine</th>");
    for v in Verdict::ALL {
        h.element("th", &[("class", v.key())], v.heading());
    }
    h.raw("<th>total</th></tr></thead><tbody>");
    for (i, run) in r.runs.iter().enumerate() {
        let t = run.tally();
        let engine = i.to_string();
        h.raw("<tr>").element("th", &[], &r.engine_label(i));
        for v in Verdict::ALL {
            let n = t.get(v);
            let cls = if n == 0 { "zero" } else { v.key() };
            h.open(
                "td",
                &[("class", cls), ("data-engine", &engine), ("data-outcome", v.key())],
            )
            .num(n)
            .close("td");
        }
        h.open("td", &[("data-engine", &engine), ("data-outcome", "total")])
            .num(t.total())
            .close("td");
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
    for (i, run) in r.runs.iter().enumerate() {
        let t = run.tally();
        let total = t.total().max(1) as f64;
        h.raw("<div class=\"bar-row\">")
            .element("span", &[("class", "bar-label")], &r.engine_label(i))
            .raw("<div class=\"bar\">");
        for v in Verdict::ALL {
            let n = t.get(v);
            if n > 0 {
                let width = format!("width:{:.3}%", n as f64 * 100.0 / total);
                let title = format!("{n} {}", v.heading());
                h.open("span", &[("class", v.key()), ("style", &width), ("title", &title)])
                    .close("span");
            }
        }
        h.raw("</div></div>");
    }
}

fn markdown(r: &Report, m: &mut Markdown) {
    let mut headings = vec!["engine"];
    headings.extend(Verdict::ALL.iter().map(|v| v.heading()));
    headings.push("total");
    let rows: Vec<Vec<String>> = r
        .runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let t = run.tally();
            let mut row = vec![r.engine_label(i)];
            row.extend(Verdict::ALL.iter().map(|&v| t.get(v).to_string()));
            row.push(t.total().to_string());
            row
        })
        .collect();
    m.table(&headings, &rows);
}
