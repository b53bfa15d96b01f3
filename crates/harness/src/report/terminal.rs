//! [`TerminalReporter`]: the run as people read it. One line per finished
//! case (outcome, duration, name), the failure's message and cleanup notes
//! indented below it, with `--verbose` the API calls of failing cases, and at
//! the end a summary. On a terminal, a progress bar with the counts and the
//! cases now running stays below the finished lines; elsewhere the output is
//! plain lines only.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::events::{CaseKey, Counts, Event, Outcome};
use crate::report::format::{call_line, case_name, counts_line, known_failure, seconds, unsupported};
use crate::report::Reporter;
use crate::Finding;

/// How the terminal reporter writes.
#[derive(Debug, Clone, Default)]
pub struct TerminalOptions {
    /// Print the API calls of failing cases.
    pub verbose: bool,
    /// Color the outcome words with ANSI codes.
    pub color: bool,
    /// Keep a progress bar below the finished lines.
    pub progress: bool,
    /// The known-failures file, named in the hint about fixed cases.
    pub known_failures: Option<PathBuf>,
}

impl TerminalOptions {
    /// For standard output: a progress bar when it is a terminal, and colors
    /// too unless `NO_COLOR` is set.
    pub fn detect(verbose: bool) -> Self {
        let tty = io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        TerminalOptions {
            verbose,
            color: tty && !no_color,
            progress: tty,
            known_failures: None,
        }
    }
}

/// Writes a run for people.
pub struct TerminalReporter {
    out: Box<dyn Write + Send>,
    opts: TerminalOptions,
    bar: Option<ProgressBar>,
    running: Vec<CaseKey>,
    counts: Counts,
    /// Failed and errored cases, for the summary: (label, name).
    failures: Vec<(&'static str, String)>,
    fixed: Vec<String>,
    engine_down: Option<(String, String)>,
    interrupted: Option<String>,
}

/// Failing schema findings printed per case; `--format json` has them all.
const SCHEMA_LINES: usize = 5;

const BAR_TEMPLATE: &str = "{spinner} {pos}/{len} [{bar:20}] {elapsed} {wide_msg}";

impl TerminalReporter {
    /// A reporter writing to `out`; with `opts.progress`, the bar is drawn on
    /// standard output, which `out` should then be.
    pub fn new(out: Box<dyn Write + Send>, opts: TerminalOptions) -> Self {
        let bar = opts
            .progress
            .then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout()));
        Self::with_bar(out, opts, bar)
    }

    /// A reporter on standard output.
    pub fn stdout(opts: TerminalOptions) -> Self {
        Self::new(Box::new(io::stdout()), opts)
    }

    fn with_bar(out: Box<dyn Write + Send>, opts: TerminalOptions, bar: Option<ProgressBar>) -> Self {
        if let Some(b) = &bar {
            let style = ProgressStyle::with_template(BAR_TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            b.set_style(style);
        }
        TerminalReporter {
            out,
            opts,
            bar,
            running: Vec::new(),
            counts: Counts::default(),
            failures: Vec::new(),
            fixed: Vec::new(),
            engine_down: None,
            interrupted: None,
        }
    }

    /// Writes lines above the progress bar.
    fn print(&mut self, text: &str) -> io::Result<()> {
        let out = &mut self.out;
        let mut write = || {
            out.write_all(text.as_bytes())?;
            out.flush()
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.opts.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn color_of(outcome: &Outcome) -> &'static str {
        match outcome {
            Outcome::Passed => "32",
            Outcome::Failed { .. } | Outcome::Error { .. } => "1;31",
            Outcome::Skipped { .. } | Outcome::NotRun { .. } => "33",
            Outcome::KnownFailure { .. } => "35",
            Outcome::Fixed { .. } => "36",
            Outcome::Unsupported { .. } => "34",
        }
    }

    fn update_bar(&self) {
        let Some(bar) = &self.bar else { return };
        let c = &self.counts;
        let mut msg = format!(
            "{} passed, {} failed, {} skipped",
            c.passed + c.fixed,
            c.failed + c.error,
            c.skipped + c.known_failure + c.not_run + c.unsupported
        );
        if !self.running.is_empty() {
            let names: Vec<String> = self.running.iter().map(case_name).collect();
            msg.push_str(&format!(" | running: {}", names.join(", ")));
        }
        bar.set_message(msg);
    }

    fn case_finished(
        &mut self,
        case: &CaseKey,
        outcome: &Outcome,
        duration_ms: u64,
        transcript: &[dockhand_engine::CallRecord],
        cleanup_notes: &[String],
        schema: &[Finding],
    ) -> io::Result<()> {
        self.running.retain(|k| k != case);
        self.counts.add(outcome);
        let name = case_name(case);
        let label = self.paint(Self::color_of(outcome), &format!("{:<7}", outcome.label()));
        let took = match outcome {
            Outcome::Skipped { .. } | Outcome::NotRun { .. } => String::new(),
            _ => seconds(duration_ms),
        };
        let suffix = match outcome {
            Outcome::Skipped { reason } | Outcome::NotRun { reason } => format!(" ({reason})"),
            Outcome::KnownFailure { reason, deviation, .. } => format!(" ({})", known_failure(deviation, reason)),
            Outcome::Fixed { reason } => format!(" (listed as a known failure: {reason})"),
            Outcome::Unsupported {
                operation,
                status,
                message,
                reason,
            } => format!(" ({})", unsupported(operation, *status, message, reason)),
            _ => String::new(),
        };
        let mut text = format!("{label} {took:>8}  {name}{suffix}\n");
        let indent = |text: &mut String, s: &str| {
            for line in s.lines() {
                text.push_str(&format!("    {line}\n"));
            }
        };
        if let Outcome::Failed { message, .. } | Outcome::Error { message } = outcome {
            self.failures.push((outcome.label(), name.clone()));
            indent(&mut text, message);
        }
        for note in cleanup_notes {
            indent(&mut text, &format!("cleanup: {note}"));
        }
        // Findings that fail, always (the first few); extras and undocumented
        // statuses with --verbose.
        let failing = schema.iter().filter(|f| f.kind.fails()).count();
        for f in schema.iter().filter(|f| f.kind.fails()).take(SCHEMA_LINES) {
            indent(&mut text, &format!("schema: {f}"));
        }
        if failing > SCHEMA_LINES {
            let more = failing - SCHEMA_LINES;
            indent(
                &mut text,
                &format!("schema: and {more} more (--format json lists them all)"),
            );
        }
        if self.opts.verbose {
            for f in schema.iter().filter(|f| !f.kind.fails()) {
                indent(&mut text, &format!("schema: {f}"));
            }
        }
        if self.opts.verbose && outcome.fails_run() {
            for call in transcript {
                indent(&mut text, &call_line(call));
            }
        }
        if let Outcome::Fixed { .. } = outcome {
            self.fixed.push(name);
        }
        self.print(&text)?;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.update_bar();
        Ok(())
    }

    fn summary(&mut self, counts: &Counts, duration_ms: u64) -> io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let mut text = format!(
            "\n{} {:>8}  {}\n",
            self.paint("1", "Summary"),
            seconds(duration_ms),
            counts_line(counts)
        );
        for (label, name) in &self.failures {
            text.push_str(&format!("    {label:<5} {name}\n"));
        }
        if !self.fixed.is_empty() {
            let file = self
                .opts
                .known_failures
                .as_ref()
                .map_or("the known-failures file".to_string(), |p| p.display().to_string());
            let (n, them) = match self.fixed.len() {
                1 => ("1 known failure now passes".to_string(), "its entry"),
                n => (format!("{n} known failures now pass"), "their entries"),
            };
            text.push_str(&format!("{n}: remove {them} from {file}: {}\n", self.fixed.join(", ")));
        }
        let not_run = match counts.not_run {
            1 => "1 case was not run".to_string(),
            n => format!("{n} cases were not run"),
        };
        if let Some((since, diagnosis)) = &self.engine_down {
            text.push_str(&format!("The engine stopped answering at {since}: {diagnosis}\n"));
            text.push_str(&format!(
                "{not_run}; once the engine answers again, `dockhand check --resume` runs them.\n"
            ));
        } else if let Some(at) = &self.interrupted {
            text.push_str(&format!(
                "Interrupted at {at}: {not_run}; `dockhand check --resume` runs them.\n"
            ));
        }
        self.print(&text)
    }
}

impl Reporter for TerminalReporter {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        match e {
            Event::RunStarted {
                run_id,
                engine,
                selection,
                jobs,
                resumed_from,
                ..
            } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(selection.len() as u64);
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
                let cases = if selection.len() == 1 { "case" } else { "cases" };
                let mut line = format!(
                    "Running {} {cases} against {} {} (API {}) at {}{} with {jobs} jobs; run {run_id}",
                    selection.len(),
                    engine.name,
                    engine.version,
                    engine.api_version,
                    engine.endpoint,
                    match engine.endpoint_source.as_str() {
                        "" => String::new(),
                        source => format!(" ({source})"),
                    }
                );
                if let Some(journal) = resumed_from {
                    line.push_str(&format!(", resuming {journal}"));
                }
                line.push('\n');
                self.print(&line)
            }
            Event::Swept {
                containers,
                volumes,
                networks,
                images,
            } => {
                let parts: Vec<String> = [
                    (*containers, "container"),
                    (*volumes, "volume"),
                    (*networks, "network"),
                    (*images, "image"),
                ]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }))
                .collect();
                if parts.is_empty() {
                    return Ok(());
                }
                let total = containers + volumes + networks + images;
                self.print(&format!(
                    "Swept {total} objects left by earlier runs: {}\n",
                    parts.join(", ")
                ))
            }
            Event::CheckStarted { case, .. } => {
                self.running.push(case.clone());
                self.update_bar();
                Ok(())
            }
            Event::CheckFinished {
                case,
                outcome,
                duration_ms,
                transcript,
                cleanup_notes,
                schema,
                ..
            } => self.case_finished(case, outcome, *duration_ms, transcript, cleanup_notes, schema),
            Event::EngineDown { since, diagnosis } => {
                self.engine_down = Some((since.clone(), diagnosis.clone()));
                let head = self.paint("1;31", "ENGINE DOWN");
                self.print(&format!(
                    "{head} since {since}: {diagnosis}; no further check is started\n"
                ))
            }
            Event::Interrupted { at } => {
                self.interrupted = Some(at.clone());
                self.print("Interrupted: no further check is started; running checks are cleaned up\n")
            }
            Event::RunFinished {
                counts, duration_ms, ..
            } => self.summary(counts, *duration_ms),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{sample_run, SharedBuf};

    fn render(opts: TerminalOptions, bar: Option<ProgressBar>) -> String {
        let buf = SharedBuf::default();
        let mut r = TerminalReporter::with_bar(Box::new(buf.clone()), opts, bar);
        for e in sample_run() {
            r.event(&e).unwrap();
        }
        r.finish().unwrap();
        buf.text()
    }

    const PLAIN: &str = "\
Running 8 cases against Docker Engine - Community 24.0.7 (API 1.41) at unix:///var/run/docker.sock (the default) with 2 jobs; run 1a2b3c4d
Swept 3 objects left by earlier runs: 2 containers, 1 volume
PASS      0.012s  system/ping
FAIL      1.204s  containers/lifecycle/start-stop-logs#2
    start of a created container (POST /v1.41/containers/abc/start): expected status 204, got status 500
    cleanup: left behind after cleanup (now removed): volume dh-x
ERROR     0.040s  containers/exec/tty
    the check panicked: index out of bounds
SKIP              swarm/services/create (needs a swarm manager)
KNOWN     0.300s  images/search/basic (known failure for ImageSearch (GET /images/search) replying /5/name = \"busybox\": moby/moby#1: search ignores the limit)
FIXED     0.080s  images/list/all (listed as a known failure: moby/moby#2)
UNSUPP    0.030s  containers/update/memory (unsupported: ContainerUpdate answered 404 \"Not Found\" (no route))
ENGINE DOWN since 2024-05-01T10:00:05Z: engine not responding at unix:///var/run/docker.sock; no further check is started
NOT RUN           volumes/create/basic (engine not responding)

Summary   5.432s  8 cases: 1 passed, 1 failed, 1 error, 1 skipped, 1 known failure, 1 fixed, 1 not run, 1 unsupported
    FAIL  containers/lifecycle/start-stop-logs#2
    ERROR containers/exec/tty
1 known failure now passes: remove its entry from known-failures.toml: images/list/all
The engine stopped answering at 2024-05-01T10:00:05Z: engine not responding at unix:///var/run/docker.sock
1 case was not run; once the engine answers again, `dockhand check --resume` runs them.
";

    #[test]
    fn plain_output_is_exact() {
        let opts = TerminalOptions {
            known_failures: Some("known-failures.toml".into()),
            ..TerminalOptions::default()
        };
        assert_eq!(render(opts, None), PLAIN);
    }

    #[test]
    fn verbose_adds_the_calls_of_failing_cases() {
        let opts = TerminalOptions {
            verbose: true,
            ..TerminalOptions::default()
        };
        let text = render(opts, None);
        let expected = "\
    cleanup: left behind after cleanup (now removed): volume dh-x
    POST /v1.41/containers/create -> 201 (3.2 ms)
    POST /v1.41/containers/abc/start -> 500 (12.0 ms)
ERROR ";
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("remove its entry from the known-failures file: images/list/all"));
    }

    #[test]
    fn colors_wrap_the_outcome_words() {
        let opts = TerminalOptions {
            color: true,
            ..TerminalOptions::default()
        };
        let text = render(opts, None);
        assert!(
            text.contains("\x1b[32mPASS   \x1b[0m   0.012s  system/ping\n"),
            "{text}"
        );
        assert!(text.contains("\x1b[1;31mFAIL   \x1b[0m"), "{text}");
        assert!(!PLAIN.contains('\x1b'));
    }

    #[test]
    fn the_progress_bar_tracks_counts_and_running_cases() {
        let bar = ProgressBar::hidden();
        let buf = SharedBuf::default();
        let opts = TerminalOptions {
            progress: true,
            ..TerminalOptions::default()
        };
        let mut r = TerminalReporter::with_bar(Box::new(buf.clone()), opts, Some(bar.clone()));
        let events = sample_run();
        for e in &events[..5] {
            r.event(e).unwrap();
        }
        // Started: system/ping (finished), then start-stop-logs#2 still running.
        assert_eq!(bar.length(), Some(8));
        assert_eq!(bar.position(), 1);
        assert_eq!(
            bar.message(),
            "1 passed, 0 failed, 0 skipped | running: containers/lifecycle/start-stop-logs#2"
        );
        for e in &events[5..] {
            r.event(e).unwrap();
        }
        r.finish().unwrap();
        // The finished lines are the same as without the bar.
        assert!(buf.text().ends_with(
            &PLAIN[PLAIN.find("\nSummary").unwrap()..].replace("known-failures.toml", "the known-failures file")
        ));
    }
}
