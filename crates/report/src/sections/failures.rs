//! "Failures": per engine, every failed, errored and known-failure case with
//! its evidence: what was checked, the request, what was expected, what came
//! and the reference (the parts of the check's message), the observed facts,
//! the known failure's reason and pinned deviation, cleanup notes, the
//! case's schema findings, and its transcript (every call with its status,
//! request and reply bodies).

use super::{has_runs, Section};
use crate::html::Html;
use crate::markdown::Markdown;
use crate::model::{Case, MessageParts, Verdict};
use crate::Report;
use dockhand_harness::Outcome;

pub const SECTION: Section = Section {
    id: "failures",
    title: "Failures and known failures",
    applies: has_runs,
    html,
    markdown,
};

/// A run's failures, errors and known failures, in that order, by case id.
fn failures(cases: &[Case]) -> Vec<&Case> {
    let mut v: Vec<&Case> = cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Failed | Verdict::Error | Verdict::Known))
        .collect();
    v.sort_by(|a, b| (a.verdict, &a.key.id, a.key.iteration).cmp(&(b.verdict, &b.key.id, b.key.iteration)));
    v
}

fn html(r: &Report, h: &mut Html) {
    for (i, run) in r.runs.iter().enumerate() {
        let list = failures(&run.cases);
        h.element("h3", &[], &r.engine_label(i));
        if list.is_empty() {
            h.element("p", &[], "No failures.");
            continue;
        }
        for case in list {
            case_html(h, case);
        }
    }
}

fn case_html(h: &mut Html, case: &Case) {
    let key = case.verdict.key();
    h.open("details", &[("class", &format!("case {key}"))]).raw("<summary>");
    h.element("span", &[("class", &format!("label {key}"))], case.verdict.label())
        .raw(" ")
        .element("code", &[], &case.name());
    let message = case.outcome.detail().unwrap_or_default();
    h.raw(" ")
        .element("span", &[("class", "detail")], &super::cut(message, 160));
    h.raw("</summary><dl>");
    match MessageParts::parse(message) {
        Some(p) => {
            term(h, "checked", p.what);
            if let Some(req) = p.request {
                term(h, "request", req);
            }
            term(h, "expected", p.expected);
            term(h, "actual", p.actual);
            if let Some(reference) = p.reference {
                term(h, "reference", reference);
            }
        }
        None => term(h, "message", message),
    }
    if let Some(o) = case.observed() {
        term(h, "observed", &o.to_string());
    }
    if let Outcome::KnownFailure { reason, deviation, .. } = &case.outcome {
        term(h, "deviation", deviation);
        term(h, "listed because", reason);
    }
    for note in &case.cleanup_notes {
        term(h, "cleanup", note);
    }
    h.raw("</dl>");
    if !case.schema.is_empty() {
        h.raw("<p class=\"sub\">schema findings</p>");
        super::schema::findings_table(h, case.schema.iter().map(|f| (f, None)));
    }
    transcript_html(h, case);
    h.raw("</details>");
}

fn term(h: &mut Html, name: &'static str, value: &str) {
    h.element("dt", &[], name).element("dd", &[], value);
}

fn transcript_html(h: &mut Html, case: &Case) {
    if case.transcript.is_empty() {
        h.element("p", &[("class", "sub")], "no transcript (a journal, or no call made)");
        return;
    }
    h.raw(
        "<table class=\"transcript\"><thead><tr><th>#</th><th>call</th><th>status</th><th>ms</th></tr></thead><tbody>",
    );
    for (n, call) in case.transcript.iter().enumerate() {
        let status = match (call.status, &call.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(e)) => format!("no reply: {e}"),
            (None, None) => "no reply".to_string(),
        };
        let cls = match call.status {
            Some(s) if s >= 400 => "bad",
            None => "bad",
            _ => "",
        };
        h.raw("<tr>")
            .open("td", &[])
            .num(n + 1)
            .close("td")
            .element("td", &[("class", "call")], &format!("{} {}", call.method, call.path))
            .element("td", &[("class", cls)], &status)
            .element("td", &[], &format!("{:.1}", call.elapsed_ms))
            .raw("</tr>");
        for (what, body) in [("request", &call.request_body), ("reply", &call.response_body)] {
            if let Some(body) = body.as_deref().filter(|b| !b.is_empty()) {
                h.raw("<tr class=\"body\"><td></td><td colspan=\"3\">")
                    .element("span", &[("class", "sub")], what)
                    .element("pre", &[], body)
                    .raw("</td></tr>");
            }
        }
    }
    h.raw("</tbody></table>");
}

fn markdown(r: &Report, m: &mut Markdown) {
    for (i, run) in r.runs.iter().enumerate() {
        let list = failures(&run.cases);
        m.raw("### ").text(&r.engine_label(i)).raw("\n\n");
        if list.is_empty() {
            m.raw("No failures.\n\n");
            continue;
        }
        for case in list {
            m.raw(&format!("- **{}** ", case.verdict.label()))
                .text(&case.name())
                .raw(": ");
            m.text(case.outcome.detail().unwrap_or_default());
            if let Outcome::KnownFailure { deviation, reason, .. } = &case.outcome {
                m.raw(" (deviation: ")
                    .text(deviation)
                    .raw("; listed because: ")
                    .text(reason)
                    .raw(")");
            }
            let findings = case.failing_findings().count();
            if findings > 0 {
                m.raw(&format!(" ({findings} failing schema findings)"));
            }
            m.raw("\n");
        }
        m.raw("\n");
    }
}
