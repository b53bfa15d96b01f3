//! dockhand-report: `dockhand report`'s page and summary. A [`Report`] is
//! the runs read from one or more `--format json` event files
//! ([`load`]); [`Report::html`] writes a self-contained page (inline CSS, no
//! script, no external asset) and [`Report::markdown`] a summary.
//!
//! Both are the same list of sections ([`sections::SECTIONS`], one module
//! each: engines, outcomes, areas, differences, operations, failures,
//! unsupported, schema findings); a new section is one module and one line
//! there. Everything that came from an engine is redacted as it is read
//! ([`redact`]) and escaped as it is written ([`html::Html`],
//! [`markdown::Markdown`]).

pub mod html;
pub mod load;
pub mod locate;
pub mod markdown;
pub mod model;
mod page;
pub mod redact;
pub mod sections;

use std::path::Path;

pub use load::LoadError;
pub use model::{Case, Run, Tally, Unsupported, Verdict};

/// The runs a report is made of, in the order their files were given.
#[derive(Debug, Clone)]
pub struct Report {
    pub runs: Vec<Run>,
}

impl Report {
    /// Reads every file; the first one that cannot be reported on is the error.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Report, LoadError> {
        let mut runs = Vec::new();
        for p in paths {
            runs.extend(load::load_file(p.as_ref())?);
        }
        Ok(Report { runs })
    }

    /// From event files' contents: `(name, text)` pairs.
    pub fn parse(files: &[(&str, &str)]) -> Result<Report, LoadError> {
        let mut runs = Vec::new();
        for (name, text) in files {
            runs.extend(load::parse(name, text)?);
        }
        Ok(Report { runs })
    }

    /// Whether every run reached its `run-finished`.
    pub fn is_complete(&self) -> bool {
        self.runs.iter().all(Run::is_complete)
    }

    /// One line per run that is incomplete (no `run-finished`, or a torn
    /// last line) or stopped early (interrupted, engine down: cases `not-run`),
    /// saying why: what the page's banner and the command's warning print.
    pub fn incomplete_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (i, r) in self.runs.iter().enumerate() {
            let who = format!("{} ({})", self.engine_label(i), r.source);
            if !r.is_complete() {
                let cut = if r.torn { ", its last line cut off" } else { "" };
                let end = if r.finished.is_some() {
                    ""
                } else {
                    " has no run-finished event"
                };
                notes.push(format!(
                    "{who}{end}{cut}: interrupted or still running; {} of its {} selected cases have no verdict",
                    r.unfinished().len(),
                    r.selection.len()
                ));
                continue;
            }
            let not_run = r.tally().get(Verdict::NotRun);
            let why = match (&r.interrupted, &r.engine_down) {
                (_, Some((since, diagnosis))) => format!("the engine went down at {since} ({diagnosis})"),
                (Some(at), None) => format!("it was interrupted at {at}"),
                (None, None) if not_run > 0 => "it stopped early".to_string(),
                (None, None) => continue,
            };
            notes.push(format!(
                "{who}: {why}; {not_run} of its {} selected cases were not run (`dockhand check --resume` runs them)",
                r.selection.len()
            ));
        }
        notes
    }

    /// The column heading of run `i`: the engine as it names itself, with
    /// the file when two runs would read the same.
    pub fn engine_label(&self, i: usize) -> String {
        let run = &self.runs[i];
        let title = run.engine_title();
        if self.runs.iter().filter(|r| r.engine_title() == title).count() > 1 {
            format!("{title} [{}]", run.source)
        } else {
            title
        }
    }

    /// The self-contained HTML page.
    pub fn html(&self) -> String {
        page::html(self)
    }

    /// The Markdown summary.
    pub fn markdown(&self) -> String {
        page::markdown(self)
    }
}
