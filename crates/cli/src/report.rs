//! `dockhand report`: reads the event files (`dockhand-report` does the
//! work), writes the page and the summary, and warns when a run is
//! incomplete. A file that is not a check run's or a bench's events is a
//! usage error (exit 3).

use std::io::Write;
use std::path::Path;

use dockhand_harness::exit;
use dockhand_report::Report;

use crate::args::ReportArgs;
use crate::error::CliError;

pub fn run(a: &ReportArgs) -> Result<i32, CliError> {
    let report = Report::load(&a.files)?;
    for note in report.incomplete_notes() {
        eprintln!("warning: incomplete report: {note}");
    }
    if let Some(path) = &a.html {
        write(path, &report.html())?;
    }
    if let Some(path) = &a.markdown {
        write(path, &report.markdown())?;
    }
    if a.html.is_none() && a.markdown.is_none() {
        // A closed pipe is a clean exit.
        let _ = std::io::stdout().lock().write_all(report.markdown().as_bytes());
        return Ok(exit::SUCCESS);
    }
    for path in a.html.iter().chain(&a.markdown) {
        println!("wrote {}: {}", path.display(), report.subtitle());
    }
    Ok(exit::SUCCESS)
}

fn write(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| {
        CliError::Usage(format!(
            "cannot write the report to {}: {e}; give a path in a writable directory",
            path.display()
        ))
    })
}
