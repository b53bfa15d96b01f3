//! The whole page and the whole summary: a head (title, the engines, the
//! incomplete banner, the contents), then every section that applies.

use crate::html::Html;
use crate::markdown::Markdown;
use crate::sections::SECTIONS;
use crate::Report;

/// The page's style: inline, so the file is all there is.
const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#1d2330;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #dde3ec;padding-bottom:.2em;margin-top:1.8em}h3{margin-top:1.2em}
nav a{margin-right:1em}code,.call,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #dde3ec;padding:3px 8px;text-align:left;vertical-align:top}
thead th{background:#f1f4f9}td[data-outcome]{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff4d6;border:1px solid #e7b416;padding:.6em 1em;border-radius:4px}
.passed{background:#e3f6e8}.failed,.error{background:#fde2e1}.known-failure{background:#fff1d6}.unsupported{background:#e9e4fb}
.fixed{background:#dff3f7}.skipped,.not-run{background:#f0f1f3}.zero{color:#9aa3b2}td.incomplete{background:#fff4d6}
.bar-row{display:flex;align-items:center;margin:.25em 0}.bar-label{width:19em;font-weight:600}
.bar{display:flex;flex:1;height:16px;border-radius:3px;overflow:hidden;border:1px solid #ccd3de}
.bar span.passed{background:#3aa65a}.bar span.failed{background:#d9473f}.bar span.error{background:#9c1d17}
.bar span.known-failure{background:#e7a516}.bar span.unsupported{background:#7b61d1}.bar span.fixed{background:#2aa1b8}
.bar span.skipped{background:#b8bfca}.bar span.not-run{background:#6b7280}
.label{display:inline-block;min-width:4.5em;font-weight:700;font-size:11px;padding:1px 4px;border-radius:3px;text-align:center}
details.case{border:1px solid #dde3ec;border-radius:4px;margin:.4em 0;padding:.3em .6em;background:#fff}
details.case>summary{cursor:pointer}dl{display:grid;grid-template-columns:9em 1fr;gap:2px 1em;margin:.5em 0}
dt{font-weight:600;color:#4a5568}dd{margin:0;white-space:pre-wrap;word-break:break-word}
pre{margin:2px 0;white-space:pre-wrap;word-break:break-all;background:#f7f8fa;padding:4px}
.sub{color:#4a5568;font-size:12px;font-weight:600}td.bad{color:#b3261e;font-weight:600}
table.matrix td{font-size:12px}tr.tag th{background:#eef1f6}.detail{font-size:12px}
tr.extra{color:#4a5568}
table.bench td.n{text-align:right;font-variant-numeric:tabular-nums}table.bench tbody tr.first td,table.bench tbody tr.first th{border-top:2px solid #c5cedb}
figure.cdf{display:inline-block;margin:.4em 1em .8em 0;vertical-align:top}figure.cdf svg{width:560px;height:auto;max-width:100%;border:1px solid #dde3ec}
figure.cdf figcaption{font-size:12px;color:#4a5568}
table.differences,table.findings,table.transcript,table.unsupported{width:100%;table-layout:fixed}
table.differences td,table.findings td,table.transcript td,table.unsupported td{word-break:break-word}
table.differences thead th:first-child{width:24%}table.transcript th:first-child{width:2.5em}
table.transcript th:nth-child(3){width:9em}table.transcript th:nth-child(4){width:5em}
"#;

pub fn html(r: &Report) -> String {
    let mut h = Html::new();
    h.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    // Nothing may load from elsewhere: no network, not even by mistake.
    h.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    h.element("title", &[], &title(r));
    h.raw("<style>").raw(CSS).raw("</style></head><body>");
    h.element("h1", &[], "dockhand compatibility report");
    h.element("p", &[("class", "engines")], &subtitle(r));
    let notes = r.incomplete_notes();
    if !notes.is_empty() {
        h.raw("<div class=\"banner\" id=\"incomplete\"><strong>Incomplete report.</strong><ul>");
        for n in &notes {
            h.element("li", &[], n);
        }
        h.raw("</ul></div>");
    }
    let sections: Vec<_> = SECTIONS.iter().filter(|s| (s.applies)(r)).collect();
    h.raw("<nav>");
    for s in &sections {
        h.element("a", &[("href", &format!("#{}", s.id))], s.title);
    }
    h.raw("</nav>");
    for s in sections {
        h.open("section", &[("id", s.id)]).element("h2", &[], s.title);
        (s.html)(r, &mut h);
        h.raw("</section>");
    }
    h.raw("<footer><p class=\"sub\">Written by <code>dockhand report</code> from <code>dockhand check --format json</code> and <code>dockhand bench --format json</code> events (docs/report.md).</p></footer>");
    h.raw("</body></html>\n");
    h.finish()
}

pub fn markdown(r: &Report) -> String {
    let mut m = Markdown::new();
    m.raw("# dockhand compatibility report\n\n")
        .text(&subtitle(r))
        .raw("\n\n");
    let notes = r.incomplete_notes();
    if !notes.is_empty() {
        m.raw("**Incomplete report.**\n\n");
        for n in &notes {
            m.raw("- ").text(n).raw("\n");
        }
        m.raw("\n");
    }
    for s in SECTIONS.iter().filter(|s| (s.applies)(r)) {
        m.raw("## ").raw(s.title).raw("\n\n");
        (s.markdown)(r, &mut m);
    }
    m.finish()
}

fn title(r: &Report) -> String {
    format!("dockhand report: {}", subtitle(r))
}

pub(crate) fn subtitle(r: &Report) -> String {
    let engines: Vec<String> = (0..r.runs.len()).map(|i| r.engine_label(i)).collect();
    let mut parts = Vec::new();
    if !engines.is_empty() {
        parts.push(engines.join(" vs "));
    }
    parts.extend(r.benches.iter().map(|b| format!("bench: {}", b.title())));
    parts.join("; ")
}
