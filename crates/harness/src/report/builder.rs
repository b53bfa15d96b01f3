//! [`ReporterBuilder`]: the reporters of a run, assembled from what the user
//! asked for (`--format`, `--junit`, `--verbose`) into one [`Fanout`].
//!
//! The journal comes first, so a run's record is written before it is shown;
//! then stdout in the chosen format; then the JUnit file. The JUnit file is
//! created when it is asked for, before the run touches the engine, so a bad
//! path fails the command at once.

use std::io;
use std::path::{Path, PathBuf};

use crate::report::{Fanout, JsonReporter, JunitReporter, Reporter, TerminalOptions, TerminalReporter};

/// What stdout shows of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Lines for people, with a progress bar on a terminal.
    #[default]
    Human,
    /// One JSON event per line (docs/json-events.md).
    Json,
}

/// The reporters of one run, before it starts.
#[derive(Default)]
pub struct ReporterBuilder {
    format: OutputFormat,
    verbose: bool,
    known_failures: Option<PathBuf>,
    junit: Option<JunitReporter>,
}

/// A JUnit file that could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the JUnit report {path}: {source}")]
pub struct JunitFileError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl ReporterBuilder {
    pub fn new(format: OutputFormat) -> Self {
        ReporterBuilder {
            format,
            ..ReporterBuilder::default()
        }
    }

    /// Every call of every check on stdout (human format).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// The known-failures file in use, which the summary names when a listed
    /// failure now passes.
    pub fn known_failures_file(mut self, path: Option<PathBuf>) -> Self {
        self.known_failures = path;
        self
    }

    /// Also a JUnit XML report at `path`, created now.
    pub fn junit(mut self, path: &Path) -> Result<Self, JunitFileError> {
        let r = JunitReporter::create(path).map_err(|source| JunitFileError {
            path: path.to_path_buf(),
            source,
        })?;
        self.junit = Some(r);
        Ok(self)
    }

    /// The reporters, the run's journal (a
    /// [`JournalWriter`](crate::journal::JournalWriter)) first.
    pub fn build(self, journal: Box<dyn Reporter>) -> Fanout {
        let mut reporters: Vec<Box<dyn Reporter>> = vec![journal];
        match self.format {
            OutputFormat::Json => reporters.push(Box::new(JsonReporter::stdout())),
            OutputFormat::Human => {
                let mut opts = TerminalOptions::detect(self.verbose);
                opts.known_failures = self.known_failures;
                reporters.push(Box::new(TerminalReporter::stdout(opts)));
            }
        }
        if let Some(j) = self.junit {
            reporters.push(Box::new(j));
        }
        Fanout::new(reporters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_junit_file_that_cannot_be_created_fails_at_once_naming_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("report.xml");
        let Err(e) = ReporterBuilder::new(OutputFormat::Human).junit(&path) else {
            panic!("created {}", path.display())
        };
        let msg = e.to_string();
        assert!(
            msg.contains("JUnit report") && msg.contains(&path.display().to_string()),
            "{msg}"
        );
        assert!(ReporterBuilder::new(OutputFormat::Human)
            .junit(&dir.path().join("r.xml"))
            .is_ok());
    }
}
