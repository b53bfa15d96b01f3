//! The run journal: [`JournalWriter`] records a run as it happens, and
//! [`Journal`] reads it back for `--resume`.
//!
//! A journal is a JSON-lines file, `.dockhand/journal/<run-id>.jsonl`, of the
//! same events `--format json` prints (docs/json-events.md): `run-started`,
//! every `check-finished` (without its transcript, to keep the file small),
//! `engine-down`, `interrupted` and `run-finished`. Each line is written and
//! `fsync`ed as it happens, so a crash loses at most the line being written.
//! `<dir>/latest` names the newest journal.
//!
//! Resuming: load the journal, sweep the objects of its run id, plan only
//! [`Journal::remaining`] cases, and run them with the same run id (so labels
//! match) while [`JournalWriter::append`] adds to the same file. A resumed
//! segment starts with its own `run-started` (with `resumed_from` set); the
//! journal's selection stays the first one's. [`Journal::union_event`] makes
//! the resumed run's `run-finished` count the whole run.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::events::{CaseKey, Counts, EngineSummary, Event, Outcome};
use crate::exit;
use crate::report::Reporter;
use crate::schema::ShapeSeen;

/// The default journal directory, under the working directory.
pub const DEFAULT_DIR: &str = ".dockhand/journal";

/// The file in the journal directory that names the newest journal.
pub const LATEST: &str = "latest";

/// Why a journal could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot {action} the journal {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("the journal {path} is corrupt at line {line}: {message}; start a fresh run instead of resuming")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("the journal {path} has no run-started record: its run never started; start a fresh run")]
    Empty { path: PathBuf },
    #[error("no journal in {dir}: there is no run to resume; start one with `dockhand check`")]
    NoLatest { dir: PathBuf },
    #[error(
        "invalid run id {0:?}: a journal file is named after it, so it may hold only letters, digits, `-`, `_` and `.`"
    )]
    BadRunId(String),
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> JournalError {
    let path = path.to_path_buf();
    move |source| JournalError::Io { action, path, source }
}

/// Records a run, one synced line per event.
pub struct JournalWriter {
    file: File,
    path: PathBuf,
}

impl JournalWriter {
    /// Starts the journal of a new run, `<dir>/<run-id>.jsonl`, and points
    /// `<dir>/latest` at it.
    pub fn create(dir: &Path, run_id: &str) -> Result<Self, JournalError> {
        let valid = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if run_id.is_empty() || run_id.starts_with('.') || !run_id.chars().all(valid) {
            return Err(JournalError::BadRunId(run_id.to_string()));
        }
        std::fs::create_dir_all(dir).map_err(io_error("create the directory of", dir))?;
        let name = format!("{run_id}.jsonl");
        let path = dir.join(&name);
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(io_error("create", &path))?;
        // Written aside and renamed, so `latest` is always whole.
        let tmp = dir.join(format!(".{LATEST}.{run_id}"));
        std::fs::write(&tmp, format!("{name}\n"))
            .and_then(|()| std::fs::rename(&tmp, dir.join(LATEST)))
            .map_err(io_error("point `latest` at", &path))?;
        Ok(JournalWriter { file, path })
    }

    /// Continues a journal (a resumed run). A torn last line, left by a
    /// crash mid-write, is cut off first so the next line starts clean.
    pub fn append(path: &Path) -> Result<Self, JournalError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io_error("open", path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error("read", path))?;
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            let start = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            if serde_json::from_slice::<Event>(&bytes[start..]).is_ok() {
                // Whole, but for its newline.
                file.write_all(b"\n").map_err(io_error("write", path))?;
            } else {
                file.set_len(start as u64).map_err(io_error("repair", path))?;
            }
            file.sync_data().map_err(io_error("write", path))?;
        }
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&mut self, e: &Event) -> io::Result<()> {
        let mut line = serde_json::to_vec(e)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        // A not-run record needs no fsync of its own: lost in a crash, its
        // case is still without a final outcome, and `--resume` runs it all
        // the same. Skipping it keeps a stopped run of many cases from
        // spending seconds in fsync before it exits; the next synced record
        // (engine-down, run-finished) or `finish` writes it out.
        match e {
            Event::CheckFinished { outcome, .. } if !outcome.is_final() => Ok(()),
            _ => self.file.sync_data(),
        }
    }
}

impl Reporter for JournalWriter {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        let record = match e {
            Event::CheckFinished {
                case,
                area,
                outcome,
                duration_ms,
                cleanup_notes,
                schema,
                validated,
                ..
            } => Cow::Owned(Event::CheckFinished {
                case: case.clone(),
                area: area.clone(),
                outcome: outcome.clone(),
                duration_ms: *duration_ms,
                transcript: Vec::new(),
                cleanup_notes: cleanup_notes.clone(),
                schema: schema.clone(),
                validated: validated.clone(),
            }),
            Event::RunStarted { .. }
            | Event::EngineDown { .. }
            | Event::Interrupted { .. }
            | Event::RunFinished { .. } => Cow::Borrowed(e),
            Event::Swept { .. } | Event::CheckStarted { .. } => return Ok(()),
        };
        self.write(&record).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot write the journal {}: {err}", self.path.display()),
            )
        })
    }

    fn finish(&mut self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// A journal read back.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    run_id: String,
    engine: EngineSummary,
    selection: Vec<CaseKey>,
    /// Final outcomes by case.
    outcomes: HashMap<CaseKey, Outcome>,
    /// The documented shapes the run's replies were validated against.
    validated: BTreeSet<ShapeSeen>,
    /// How long each case that ran took, in milliseconds (the last
    /// iteration recorded).
    durations: HashMap<String, u64>,
    finished: bool,
    torn: bool,
}

impl Journal {
    /// The journal `<dir>/latest` names.
    pub fn latest(dir: &Path) -> Result<PathBuf, JournalError> {
        let pointer = dir.join(LATEST);
        match std::fs::read_to_string(&pointer) {
            Ok(name) if !name.trim().is_empty() => Ok(dir.join(name.trim())),
            Ok(_) => Err(JournalError::NoLatest { dir: dir.to_path_buf() }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(JournalError::NoLatest { dir: dir.to_path_buf() }),
            Err(e) => Err(io_error("read", &pointer)(e)),
        }
    }

    /// Reads a journal. A torn last line (a crash mid-write) is dropped; any
    /// other line that is not an event is corruption, reported by line number.
    pub fn load(path: &Path) -> Result<Self, JournalError> {
        let bytes = std::fs::read(path).map_err(io_error("read", path))?;
        let corrupt = |line: usize, message: String| JournalError::Corrupt {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        // The piece after the last newline: empty, or the last line unterminated.
        let tail = lines.pop().unwrap_or_default();
        let mut torn = false;
        let mut events = Vec::with_capacity(lines.len() + 1);
        for (i, line) in lines.iter().enumerate() {
            let e: Event = serde_json::from_slice(line).map_err(|e| corrupt(i + 1, e.to_string()))?;
            events.push((i + 1, e));
        }
        if !tail.is_empty() {
            match serde_json::from_slice::<Event>(tail) {
                Ok(e) => events.push((lines.len() + 1, e)),
                Err(_) => torn = true,
            }
        }

        let mut events = events.into_iter();
        let Some((
            _,
            Event::RunStarted {
                run_id,
                engine,
                selection,
                ..
            },
        )) = events.next()
        else {
            return if lines.is_empty() {
                Err(JournalError::Empty {
                    path: path.to_path_buf(),
                })
            } else {
                Err(corrupt(1, "the first record is not run-started".into()))
            };
        };
        let mut journal = Journal {
            path: path.to_path_buf(),
            run_id,
            engine,
            selection,
            outcomes: HashMap::new(),
            validated: BTreeSet::new(),
            durations: HashMap::new(),
            finished: false,
            torn,
        };
        for (line, e) in events {
            match e {
                Event::RunStarted { run_id, .. } if run_id != journal.run_id => {
                    return Err(corrupt(
                        line,
                        format!("run {run_id} is recorded in the journal of run {}", journal.run_id),
                    ));
                }
                Event::RunStarted { .. } => journal.finished = false,
                Event::CheckFinished {
                    case,
                    outcome,
                    validated,
                    duration_ms,
                    ..
                } => {
                    journal.validated.extend(validated);
                    if duration_ms > 0 {
                        journal.durations.insert(case.id.clone(), duration_ms);
                    }
                    if outcome.is_final() {
                        journal.outcomes.insert(case, outcome);
                    }
                }
                Event::RunFinished { .. } => journal.finished = true,
                _ => {}
            }
        }
        Ok(journal)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The run id, which the resumed run must reuse.
    /// How long each case that ran took (case id, milliseconds): what
    /// [`crate::schedule::History`] orders later runs by.
    pub fn durations(&self) -> impl Iterator<Item = (&str, u64)> {
        self.durations.iter().map(|(id, ms)| (id.as_str(), *ms))
    }

    /// The distinct documented (operation, status) shapes the run's
    /// replies were validated against, over all its segments.
    pub fn validated(&self) -> &BTreeSet<ShapeSeen> {
        &self.validated
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The engine the run started against.
    pub fn engine(&self) -> &EngineSummary {
        &self.engine
    }

    /// The cases the run selected, in schedule order.
    pub fn selection(&self) -> &[CaseKey] {
        &self.selection
    }

    /// Whether the last segment recorded its `run-finished`.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Whether the last line was torn (and dropped).
    pub fn torn(&self) -> bool {
        self.torn
    }

    /// The final outcome of a case, if it reached one.
    pub fn outcome(&self, key: &CaseKey) -> Option<&Outcome> {
        self.outcomes.get(key)
    }

    /// The cases that reached a final outcome, in selection order.
    pub fn outcomes(&self) -> Vec<(&CaseKey, &Outcome)> {
        self.selection
            .iter()
            .filter_map(|k| self.outcomes.get(k).map(|o| (k, o)))
            .collect()
    }

    /// The selected cases without a final outcome, in selection order: what
    /// `--resume` runs.
    pub fn remaining(&self) -> Vec<CaseKey> {
        self.selection
            .iter()
            .filter(|k| !self.outcomes.contains_key(k))
            .cloned()
            .collect()
    }

    /// The counts of the final outcomes recorded.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (_, o) in self.outcomes() {
            c.add(o);
        }
        c
    }

    /// The counts of the whole run: the journal's final outcomes plus those
    /// of a resumed run over [`Journal::remaining`].
    pub fn union_counts(&self, resumed: &Counts) -> Counts {
        let prior = self.counts();
        Counts {
            passed: prior.passed + resumed.passed,
            failed: prior.failed + resumed.failed,
            error: prior.error + resumed.error,
            skipped: prior.skipped + resumed.skipped,
            known_failure: prior.known_failure + resumed.known_failure,
            fixed: prior.fixed + resumed.fixed,
            not_run: prior.not_run + resumed.not_run,
            unsupported: prior.unsupported + resumed.unsupported,
        }
    }

    /// The resumed run's `run-finished`, made to cover the whole run: the
    /// union of counts, and a failing exit code when an earlier segment
    /// failed (or, when `strict`, met an unsupported operation). Other events
    /// pass through unchanged.
    pub fn union_event(&self, e: Event, strict: bool) -> Event {
        match e {
            Event::RunFinished {
                counts,
                duration_ms,
                exit_code,
            } => {
                let counts = self.union_counts(&counts);
                let exit_code = if exit_code == exit::SUCCESS && counts.fail_run(strict) {
                    exit::CHECK_FAILED
                } else {
                    exit_code
                };
                Event::RunFinished {
                    counts,
                    duration_ms,
                    exit_code,
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{finished, key, run_started, sample_run};

    fn write(dir: &Path, events: &[Event]) -> PathBuf {
        let mut w = JournalWriter::create(dir, "1a2b3c4d").unwrap();
        for e in events {
            w.event(e).unwrap();
        }
        w.finish().unwrap();
        w.path().to_path_buf()
    }

    /// Cuts the file in the middle of its last line.
    fn tear(path: &Path) {
        let bytes = std::fs::read(path).unwrap();
        let last_start = bytes[..bytes.len() - 1].iter().rposition(|b| *b == b'\n').unwrap() + 1;
        let cut = last_start + (bytes.len() - last_start) / 2;
        std::fs::write(path, &bytes[..cut]).unwrap();
    }

    #[test]
    fn the_journal_keeps_the_run_without_transcripts() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &sample_run());
        assert_eq!(path, dir.path().join("1a2b3c4d.jsonl"));
        assert_eq!(Journal::latest(dir.path()).unwrap(), path);
        let text = std::fs::read_to_string(&path).unwrap();
        let kinds: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["event"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let mut expected = vec!["run-started"];
        expected.extend(["check-finished"; 7]);
        expected.extend(["engine-down", "check-finished", "run-finished"]);
        assert_eq!(kinds, expected);
        assert!(!text.contains("/v1.41/containers/create"), "transcripts are left out");
        assert!(text.contains("left behind after cleanup"), "cleanup notes are kept");

        let j = Journal::load(&path).unwrap();
        assert_eq!(j.run_id(), "1a2b3c4d");
        assert_eq!(j.engine().version, "24.0.7");
        assert_eq!(j.selection().len(), 8);
        assert!(j.finished() && !j.torn());
        assert_eq!(j.remaining(), [key("volumes/create/basic", 1)]);
        assert_eq!(
            j.outcome(&key("containers/exec/tty", 1)),
            Some(&Outcome::Error {
                message: "the check panicked: index out of bounds".into()
            })
        );
        assert_eq!(j.outcomes().len(), 7);
        assert_eq!(j.outcomes()[0].0, &key("system/ping", 1));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_its_case_remains() {
        let dir = tempfile::tempdir().unwrap();
        // Stop after images/list/all finished, as if the process died writing that line.
        let events = sample_run();
        let path = write(dir.path(), &events[..10]);
        tear(&path);
        let j = Journal::load(&path).unwrap();
        assert!(j.torn() && !j.finished());
        assert_eq!(
            j.remaining(),
            [
                key("images/list/all", 1),
                key("containers/update/memory", 1),
                key("volumes/create/basic", 1)
            ]
        );
        assert_eq!(j.counts().total(), 5);
    }

    #[test]
    fn corruption_before_the_last_line_is_an_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &sample_run());
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[3] = "{\"event\":\"check-finished\",\"case\":";
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let err = Journal::load(&path).unwrap_err();
        assert!(matches!(err, JournalError::Corrupt { line: 4, .. }), "{err:?}");
        assert!(err.to_string().contains("is corrupt at line 4: "), "{err}");

        let other = dir.path().join("other.jsonl");
        std::fs::write(
            &other,
            format!(
                "{}\n",
                serde_json::to_string(&finished("a/b", 1, Outcome::Passed, 1)).unwrap()
            ),
        )
        .unwrap();
        let err = Journal::load(&other).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "the journal {} is corrupt at line 1: the first record is not run-started; start a fresh run instead of resuming",
                other.display()
            )
        );
        std::fs::write(&other, "").unwrap();
        assert!(matches!(Journal::load(&other).unwrap_err(), JournalError::Empty { .. }));
    }

    #[test]
    fn a_resumed_run_appends_and_the_union_covers_the_whole_run() {
        let dir = tempfile::tempdir().unwrap();
        let events = sample_run();
        let path = write(dir.path(), &events[..10]);
        tear(&path);
        let before = Journal::load(&path).unwrap();
        let remaining = before.remaining();

        // The resumed segment: same run id, only the remaining cases.
        let mut w = JournalWriter::append(&path).unwrap();
        let mut started = run_started(remaining.clone());
        if let Event::RunStarted { resumed_from, .. } = &mut started {
            *resumed_from = Some(path.display().to_string());
        }
        let mut resumed_counts = Counts::default();
        w.event(&started).unwrap();
        for k in &remaining {
            let e = finished(&k.id, k.iteration, Outcome::Passed, 5);
            resumed_counts.add(&Outcome::Passed);
            w.event(&e).unwrap();
        }
        let resumed_finish = Event::RunFinished {
            counts: resumed_counts.clone(),
            duration_ms: 10,
            exit_code: exit::SUCCESS,
        };
        let union = before.union_event(resumed_finish, false);
        w.event(&union).unwrap();
        w.finish().unwrap();

        let Event::RunFinished { counts, exit_code, .. } = &union else {
            panic!()
        };
        assert_eq!(counts.total(), 8);
        // images/list/all, containers/update/memory and volumes/create/basic ran again.
        assert_eq!((counts.passed, counts.failed, counts.error), (4, 1, 1));
        assert_eq!(
            *exit_code,
            exit::CHECK_FAILED,
            "the earlier failure still fails the run"
        );

        let after = Journal::load(&path).unwrap();
        assert!(after.finished() && !after.torn());
        assert!(after.remaining().is_empty());
        assert_eq!(after.selection().len(), 8, "the first segment's selection is kept");
        assert_eq!(after.counts(), *counts);
    }

    #[test]
    fn a_whole_last_line_without_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &sample_run()[..4]);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let j = Journal::load(&path).unwrap();
        assert!(!j.torn());
        assert_eq!(j.outcome(&key("system/ping", 1)), Some(&Outcome::Passed));
        JournalWriter::append(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn runs_are_not_mixed_and_run_ids_are_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &sample_run()[..4]);
        let mut w = JournalWriter::append(&path).unwrap();
        let mut other = run_started(vec![]);
        if let Event::RunStarted { run_id, .. } = &mut other {
            *run_id = "ffff0000".into();
        }
        w.event(&other).unwrap();
        let err = Journal::load(&path).unwrap_err();
        assert!(matches!(err, JournalError::Corrupt { line: 3, .. }), "{err:?}");
        for bad in ["", "../x", ".hidden", "a b"] {
            assert!(matches!(
                JournalWriter::create(dir.path(), bad),
                Err(JournalError::BadRunId(_))
            ));
        }
        assert!(
            matches!(
                JournalWriter::create(dir.path(), "1a2b3c4d"),
                Err(JournalError::Io { .. })
            ),
            "a run id is used once"
        );
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            Journal::latest(empty.path()),
            Err(JournalError::NoLatest { .. })
        ));
    }
}
