//! The report's sections, in page order: [`SECTIONS`]. Each is a module with
//! one [`Section`] value: its anchor, title, whether it applies to a report,
//! and how it writes itself as HTML and as Markdown. Adding a section is a
//! module here and a line in the list.

use crate::html::Html;
use crate::markdown::Markdown;
use crate::Report;

mod areas;
mod bench;
mod differences;
mod engines;
mod failures;
mod matrix;
mod outcomes;
mod schema;
mod unsupported;

/// One section of the page and the summary.
pub struct Section {
    /// The HTML anchor (`#outcomes`).
    pub id: &'static str,
    pub title: &'static str,
    /// Whether the report has anything for it (differences need two runs).
    pub applies: fn(&Report) -> bool,
    pub html: fn(&Report, &mut Html),
    pub markdown: fn(&Report, &mut Markdown),
}

/// Every section, in order.
pub const SECTIONS: &[Section] = &[
    engines::SECTION,
    outcomes::SECTION,
    areas::SECTION,
    differences::SECTION,
    matrix::SECTION,
    failures::SECTION,
    unsupported::SECTION,
    schema::SECTION,
    bench::SECTION,
];

/// For the sections of check runs: they apply when there is one (a report
/// of benches alone has none).
fn has_runs(r: &Report) -> bool {
    !r.runs.is_empty()
}

/// The heading row cells of a per-engine table: one per run.
fn engine_headings(r: &Report) -> Vec<String> {
    (0..r.runs.len()).map(|i| r.engine_label(i)).collect()
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
