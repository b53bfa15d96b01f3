//! Reporters: consumers of the run's [`Event`](crate::Event)s, behind the
//! [`Reporter`] trait. The runner never formats output; each format is one
//! reporter, and [`Fanout`] feeds several at once.
//!
//! - [`TerminalReporter`]: lines for people, with a progress bar on a terminal;
//! - [`JsonReporter`]: `--format json`, one event per line (docs/json-events.md);
//! - [`JunitReporter`]: `--junit FILE`, JUnit XML for CI systems;
//! - the journal ([`JournalWriter`](crate::journal::JournalWriter)), which
//!   `--resume` reads back.
//!
//! [`ReporterBuilder`] assembles a run's reporters from what the user asked for.

mod builder;
mod format;
mod json;
mod junit;
mod reporter;
mod terminal;

pub use builder::{JunitFileError, OutputFormat, ReporterBuilder};
pub use format::{call_line, case_name, counts_line};
pub use json::JsonReporter;
pub use junit::JunitReporter;
pub use reporter::{consume, Fanout, Reporter};
pub use terminal::{TerminalOptions, TerminalReporter};

#[cfg(test)]
pub(crate) use reporter::fixtures;
