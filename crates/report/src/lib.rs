//! dockhand-report: `dockhand report`'s page and summary. A [`Report`] is
//! the runs read from one or more `dockhand check --format json` event files
//! ([`load`]) and the benches read from `dockhand bench --format json` files
//! ([`bench`]); [`Report::html`] writes a self-contained page (inline CSS and
//! SVG, no script, no external asset) and [`Report::markdown`] a summary.
//!
//! Both are the same list of sections ([`sections::SECTIONS`], one module
//! each: engines, outcomes, areas, differences, operations, failures,
//! unsupported, schema findings, bench); a new section is one module and one
//! line there. Everything that came from an engine is redacted as it is read
//! ([`redact`]) and escaped as it is written ([`html::Html`],
//! [`markdown::Markdown`]).

pub mod bench;
pub mod error;
pub mod html;
mod jsonl;
pub mod load;
pub mod locate;
pub mod markdown;
pub mod model;
mod page;
pub mod redact;
pub mod sections;

use std::path::Path;

pub use bench::BenchRun;
pub use error::LoadError;
pub use model::{Case, Run, Tally, Unsupported, Verdict};

/// The runs and benches a report is made of, in the order their files were given.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub runs: Vec<Run>,
    pub benches: Vec<BenchRun>,
}

impl Report {
    /// Reads every file; the first one that cannot be reported on is the error.
    pub fn load<P: AsRef<Path>>(paths: &[P]) -> Result<Report, LoadError> {
        let mut r = Report::default();
        for p in paths {
            r.add(load::load_file(p.as_ref())?);
        }
        Ok(r)
    }

    /// From event files' contents: `(name, text)` pairs.
    pub fn parse(files: &[(&str, &str)]) -> Result<Report, LoadError> {
        let mut r = Report::default();
        for (name, text) in files {
            r.add(load::parse(name, text)?);
        }
        Ok(r)
    }

    fn add(&mut self, loaded: load::Loaded) {
        self.runs.extend(loaded.runs);
        self.benches.extend(loaded.benches);
    }

    /// Whether every run reached its `run-finished` and every bench its
    /// `bench-finished`.
    pub fn is_complete(&self) -> bool {
        self.runs.iter().all(Run::is_complete) && self.benches.iter().all(BenchRun::is_complete)
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
        notes.extend(self.benches.iter().filter_map(BenchRun::note));
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

    /// What the report is of: `Docker Engine 20.10.24 vs Podman Engine 4.3.1;
    /// bench: docker vs podman`.
    pub fn subtitle(&self) -> String {
        page::subtitle(self)
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
