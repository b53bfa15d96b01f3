//! [`KnownFailures`]: the known-failures file, which lists cases an engine is
//! known to fail, each with the deviation it excuses and the reason.
//!
//! ```toml
//! [[known-failure]]
//! check = "archive/errors/status:read-only-rootfs"  # glob on case ids, as on the command line
//! engine = "Docker Engine*"          # glob on the engine's name (default: any)
//! version = "20.10.*"                # glob on the engine's version (default: any)
//! reason = "moby/moby#NNN: 500 instead of 403"   # required
//! intermittent = true                # fails only now and then (default: false)
//! any-case = true                    # a shape finding any case may meet (default: false)
//! rate = "1 in 6 runs beside network churn"      # required with intermittent
//! [known-failure.deviation]          # required: see crate::deviation
//! call = "PutContainerArchive"
//! status = 500
//! message = "rootfs is marked read-only"
//! ```
//!
//! [`Listed::judge`] gives a listed case its verdict: a failure that saw the
//! pinned deviation is a known failure; any other failure (another status, a
//! leak, an error of another call) fails, saying both what was excused and
//! what happened; a pass is "fixed" (its entry can go), unless the entry is
//! `intermittent`: then a pass is an ordinary pass.
//!
//! A case that shows several deviations (a check that creates a secret and a
//! config, each replied to with `ID` where the reference has `Id`) lists each
//! as one `[[known-failure.deviation]]` table of the entry: each excuses
//! only what it pins, and the case is a known failure when everything it
//! failed with is one of them.
//!
//! An `any-case` entry pins a reply field (a shape finding) of a call that
//! many cases make, such as `ContainerInspect` replying
//! `/State/Health/Status = ""`: in every case its `check` glob covers, that
//! exact finding is excused ([`KnownFailures::excuses_for`]) besides the
//! case's own entry, if any. A case whose only failing findings are excused
//! is a known failure; a case that does not meet it is not "fixed".
//!
//! The file is parsed strictly: an unknown key, a missing or empty `reason`,
//! a bad glob, or a missing or malformed deviation is an error naming the
//! file and line and what to write there.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use toml::de::{DeTable, DeValue};

use crate::config::{FileError, FileErrorKind, TomlFile};
use crate::deviation::{self, Deviation, DEVIATION_EXAMPLE};
use crate::events::Outcome;
use crate::observed::Observed;
use crate::pattern::IdPattern;

/// The keys of one entry.
const ENTRY_KEYS: &[&str] = &[
    "check",
    "engine",
    "version",
    "reason",
    "intermittent",
    "rate",
    "any-case",
    "deviation",
];

/// A glob on an engine's name or version.
#[derive(Debug, Clone)]
pub struct EngineGlob {
    glob: String,
    matcher: GlobMatcher,
}

impl EngineGlob {
    pub fn as_str(&self) -> &str {
        &self.glob
    }

    pub fn is_match(&self, s: &str) -> bool {
        self.matcher.is_match(s)
    }
}

/// One entry of the file.
#[derive(Debug, Clone)]
pub struct KnownFailure {
    pub check: IdPattern,
    /// Any engine when absent.
    pub engine: Option<EngineGlob>,
    /// Any version when absent.
    pub version: Option<EngineGlob>,
    pub reason: String,
    /// Fails only now and then: a pass is not "fixed".
    pub intermittent: bool,
    /// How often an intermittent failure was seen, and under what load.
    pub rate: Option<String>,
    /// What the engine does instead of what the reference says: one
    /// deviation, or several that the case shows together.
    pub deviations: Vec<Deviation>,
    /// A reply field any case covered may meet, excused wherever it shows.
    pub any_case: bool,
    /// The line of the entry's `[[known-failure]]` header.
    pub line: usize,
}

impl KnownFailure {
    /// Whether the entry covers the case on this engine.
    pub fn covers(&self, case_id: &str, engine_name: &str, engine_version: &str) -> bool {
        let check_id = case_id.split_once(':').map_or(case_id, |(c, _)| c);
        self.check.matches(check_id, case_id)
            && self.engine.as_ref().is_none_or(|g| g.is_match(engine_name))
            && self.version.as_ref().is_none_or(|g| g.is_match(engine_version))
    }
}

/// The known-failures file, or none.
#[derive(Debug, Clone, Default)]
pub struct KnownFailures {
    path: Option<PathBuf>,
    entries: Vec<KnownFailure>,
}

impl KnownFailures {
    /// Reads and validates the file.
    pub fn load(path: &Path) -> Result<Self, FileError> {
        Self::parse(&TomlFile::read(path)?)
    }

    /// Validates a document.
    pub fn parse(file: &TomlFile) -> Result<Self, FileError> {
        let root = file.parse()?;
        file.check_keys(&root, &["known-failure"])?;
        let mut entries = Vec::new();
        if let Some(list) = root.get("known-failure") {
            let items = match list.get_ref() {
                DeValue::Array(items) => items,
                _ => return Err(file.wrong_type("known-failure", list, "an array of [[known-failure]] tables")),
            };
            for item in items.iter() {
                let DeValue::Table(table) = item.get_ref() else {
                    return Err(file.wrong_type("known-failure", item, "a [[known-failure]] table"));
                };
                entries.push(entry(file, table, item.span().start)?);
            }
        }
        Ok(KnownFailures {
            path: Some(file.path().to_path_buf()),
            entries,
        })
    }

    /// The file it was read from; `None` for the empty list.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn entries(&self) -> &[KnownFailure] {
        &self.entries
    }

    /// This list with `other`'s entries after its own (a list shipped
    /// apart, such as the `cli/` area's); the path stays this list's.
    pub fn merged(mut self, other: KnownFailures) -> KnownFailures {
        self.entries.extend(other.entries);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry of the case's own (not `any-case`) that covers the
    /// case on this engine.
    pub fn entry_for(&self, case_id: &str, engine_name: &str, engine_version: &str) -> Option<&KnownFailure> {
        self.entries
            .iter()
            .find(|e| !e.any_case && e.covers(case_id, engine_name, engine_version))
    }

    /// The `any-case` entries that cover the case on this engine: the shape
    /// findings excused in it.
    pub fn excuses_for(&self, case_id: &str, engine_name: &str, engine_version: &str) -> Vec<Listed> {
        self.entries
            .iter()
            .filter(|e| e.any_case && e.covers(case_id, engine_name, engine_version))
            .map(Listed::from)
            .collect()
    }

    /// The entries of both lists, `self`'s first (the list shipped for each
    /// engine is a file of its own). The path is `self`'s.
    pub fn chain(mut self, other: KnownFailures) -> KnownFailures {
        self.entries.extend(other.entries);
        self
    }
}

/// What a planned case carries of the entry that lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub reason: String,
    pub intermittent: bool,
    /// At least one.
    pub deviations: Vec<Deviation>,
}

impl From<&KnownFailure> for Listed {
    fn from(e: &KnownFailure) -> Self {
        Listed {
            reason: e.reason.clone(),
            intermittent: e.intermittent,
            deviations: e.deviations.clone(),
        }
    }
}

impl Listed {
    /// Whether a failure's facts are one of the pinned deviations.
    pub fn excuses(&self, o: &Observed) -> bool {
        self.deviations.iter().any(|d| d.matches(o))
    }

    /// The pinned deviations, as messages name them.
    pub fn pinned(&self) -> String {
        self.deviations
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The verdict on a listed case, from the outcome it reached on its own.
    /// Only a failure whose observed facts are the pinned deviation is a
    /// known failure: a failure with other facts, or none (a leak, a
    /// protocol error, a plain assertion), stays a failure and says what the
    /// entry excuses and what happened instead.
    pub fn judge(&self, outcome: Outcome) -> Outcome {
        match outcome {
            Outcome::Failed {
                message,
                observed: Some(o),
            } if self.excuses(&o) => Outcome::KnownFailure {
                message,
                reason: self.reason.clone(),
                deviation: self.pinned(),
            },
            Outcome::Failed { message, observed } => Outcome::Failed {
                message: format!("listed as known for {}, but failed with: {message}", self.pinned()),
                observed,
            },
            // An intermittent failure that did not show this time: its entry stays.
            Outcome::Passed if self.intermittent => Outcome::Passed,
            Outcome::Passed => Outcome::Fixed {
                reason: self.reason.clone(),
            },
            o => o,
        }
    }
}

/// One `[[known-failure]]` table, whose header starts at `at`.
fn entry(file: &TomlFile, table: &DeTable<'_>, at: usize) -> Result<KnownFailure, FileError> {
    file.check_keys(table, ENTRY_KEYS)?;
    let required = |key: &str| {
        file.get_str(table, key)?
            .ok_or_else(|| file.error(at..at, FileErrorKind::MissingKey { key: key.to_string() }))
    };
    let (check, check_span) = required("check")?;
    let (reason, reason_span) = required("reason")?;
    let bad_glob = |key: &str, span: std::ops::Range<usize>, e: globset::Error| {
        file.error(
            span,
            FileErrorKind::BadValue {
                key: key.to_string(),
                message: format!("not a valid glob: {}", e.kind()),
            },
        )
    };
    if reason.trim().is_empty() {
        return Err(file.error(
            reason_span,
            FileErrorKind::BadValue {
                key: "reason".into(),
                message: "the reason is empty; say why the engine fails, e.g. with a link to the issue".into(),
            },
        ));
    }
    let engine_glob = |key: &str| -> Result<Option<EngineGlob>, FileError> {
        match file.get_str(table, key)? {
            None => Ok(None),
            Some((g, span)) => Ok(Some(EngineGlob {
                glob: g.to_string(),
                matcher: Glob::new(g).map_err(|e| bad_glob(key, span, e))?.compile_matcher(),
            })),
        }
    };
    let intermittent = file.get_bool(table, "intermittent")?.unwrap_or(false);
    let rate = match (file.get_str(table, "rate")?, intermittent) {
        (Some((r, span)), true) if r.trim().is_empty() => {
            return Err(file.error(
                span,
                FileErrorKind::BadValue {
                    key: "rate".into(),
                    message: "the rate is empty; say how often it failed and under what load, e.g. \"1 in 6 runs beside network churn\"".into(),
                },
            ))
        }
        (Some((r, _)), true) => Some(r.to_string()),
        (Some((_, span)), false) => {
            return Err(file.error(
                span,
                FileErrorKind::BadValue {
                    key: "rate".into(),
                    message: "only an intermittent entry has a rate; add `intermittent = true` or remove `rate`".into(),
                },
            ))
        }
        (None, true) => {
            return Err(file.error(
                at..at,
                FileErrorKind::Missing {
                    what: "`rate` of an intermittent entry".into(),
                    hint: "add `rate = \"<how often it failed, under what load>\"`, e.g. \"1 in 6 runs beside network churn\"".into(),
                },
            ))
        }
        (None, false) => None,
    };
    let any_case = file.get_bool(table, "any-case")?.unwrap_or(false);
    let deviations = match table.get("deviation") {
        Some(d) => match d.get_ref() {
            DeValue::Array(items) if items.is_empty() => {
                return Err(file.error(
                    d.span(),
                    FileErrorKind::BadValue {
                        key: "deviation".into(),
                        message: format!("no deviation listed; add {DEVIATION_EXAMPLE}"),
                    },
                ))
            }
            DeValue::Array(items) => items
                .iter()
                .map(|i| deviation::parse(file, i))
                .collect::<Result<Vec<_>, _>>()?,
            _ => vec![deviation::parse(file, d)?],
        },
        None => {
            return Err(file.error(
                at..at,
                FileErrorKind::Missing {
                    what: "the deviation of the entry".into(),
                    hint: format!(
                        "every known failure pins what the engine does instead of what the reference says, \
                         so that any other failure of the case still fails; add {DEVIATION_EXAMPLE}"
                    ),
                },
            ))
        }
    };
    Ok(KnownFailure {
        check: IdPattern::new(check).map_err(|e| bad_glob("check", check_span, e))?,
        engine: engine_glob("engine")?,
        version: engine_glob("version")?,
        reason: reason.to_string(),
        intermittent,
        rate,
        any_case: any_case
            && {
                if !deviations
                    .iter()
                    .all(|d| matches!(d.seen, deviation::Seen::Field { .. }))
                {
                    return Err(file.error(
                    at..at,
                    FileErrorKind::Missing {
                        what: "the field of an any-case entry's deviation".into(),
                        hint: "an any-case entry excuses a shape finding, so it pins `field` and `value`, not a status or header".into(),
                    },
                ));
                }
                true
            },
        deviations,
        line: file.position(at).line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observed::Fact;

    fn parse(text: &str) -> Result<KnownFailures, FileError> {
        KnownFailures::parse(&TomlFile::new("known-failures.toml", text))
    }

    #[test]
    fn any_case_entries_excuse_a_field_and_are_no_case_s_own_entry() {
        let k = parse(
            r#"
[[known-failure]]
check = "containers/*"
engine = "Podman Engine"
reason = "Health.Status is empty without a healthcheck"
any-case = true
[known-failure.deviation]
call = "ContainerInspect"
field = "/State/Health/Status"
value = '""'

[[known-failure]]
check = "containers/stop/*"
engine = "Podman Engine"
reason = "numeric StopSignal"
[known-failure.deviation]
call = "ContainerInspect"
field = "/Config/StopSignal"
value = '"10"'
"#,
        )
        .unwrap();
        let own = k.entry_for("containers/stop/signal", "Podman Engine", "4.3.1").unwrap();
        assert_eq!(own.reason, "numeric StopSignal");
        let excused = k.excuses_for("containers/stop/signal", "Podman Engine", "4.3.1");
        assert_eq!(excused.len(), 1);
        let seen = Observed::field_value("GET", "/v1.41/containers/a/json", "/State/Health/Status", "".into());
        assert!(excused[0].excuses(&seen));
        assert!(k
            .excuses_for("containers/stop/signal", "Docker Engine", "20.10.24")
            .is_empty());
        assert!(k.entry_for("containers/list", "Podman Engine", "4.3.1").is_none());
        let chained = k.clone().chain(k);
        assert_eq!(chained.entries().len(), 4);

        let err = parse(
            r#"[[known-failure]]
check = "a"
reason = "r"
any-case = true
[known-failure.deviation]
call = "ContainerInspect"
status = 500
"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("an any-case entry excuses a shape finding"),
            "{err}"
        );
    }

    /// The reason of the entry that covers the case, if any.
    fn reason<'k>(k: &'k KnownFailures, case_id: &str, engine: &str, version: &str) -> Option<&'k str> {
        k.entry_for(case_id, engine, version).map(|e| e.reason.as_str())
    }

    /// A deviation table, for entries whose pin the test is not about.
    const PIN: &str = "[known-failure.deviation]\ncall = \"VolumeList\"\nstatus = 500\n";

    /// One entry for `check` with `extra` lines and [`PIN`].
    fn entry(check: &str, extra: &str) -> String {
        format!("[[known-failure]]\ncheck = \"{check}\"\nreason = \"r\"\n{extra}{PIN}")
    }

    const FILE: &str = r#"# Engines we know about.
[[known-failure]]
check = "images/search/*"
engine = "Docker Engine*"
version = "20.10.*"
reason = "search ignores the limit"
[known-failure.deviation]
call = "ImageSearch"
field = "/5/name"
value = '"busybox"'

[[known-failure]]
check = "containers/create/options:tty"
reason = "tty framing"
[known-failure.deviation]
call = "GET /containers/*/logs"
status = 500
message = "^bad (framing|tty)$"
"#;

    #[test]
    fn reasons_match_on_case_engine_and_version() {
        let k = parse(FILE).unwrap();
        assert_eq!(k.entries().len(), 2);
        assert_eq!(k.entries()[0].line, 2);
        assert_eq!(k.entries()[1].line, 12);
        let docker = "Docker Engine - Community";
        assert_eq!(
            reason(&k, "images/search/basic", docker, "20.10.24"),
            Some("search ignores the limit")
        );
        assert_eq!(reason(&k, "images/search/basic", docker, "24.0.7"), None);
        assert_eq!(reason(&k, "images/search/basic", "Podman Engine", "20.10.1"), None);
        assert_eq!(reason(&k, "images/list", docker, "20.10.24"), None);
        // No engine or version: any engine.
        assert_eq!(
            reason(&k, "containers/create/options:tty", "Podman Engine", "4.9"),
            Some("tty framing")
        );
        assert_eq!(reason(&k, "containers/create/options:no-tty", docker, "24.0.7"), None);
        assert_eq!(
            k.entries()[0].deviations[0].to_string(),
            "ImageSearch (GET /images/search) replying /5/name = \"busybox\""
        );
        assert_eq!(
            k.entries()[1].deviations[0].to_string(),
            "GET /containers/*/logs answering 500 with a message matching /^bad (framing|tty)$/"
        );
    }

    #[test]
    fn a_check_id_covers_its_variants() {
        let k = parse(&entry("containers/create/options", "")).unwrap();
        assert_eq!(reason(&k, "containers/create/options:tty", "e", "1"), Some("r"));
        assert_eq!(reason(&k, "containers/create/options:no-tty", "e", "1"), Some("r"));
    }

    #[test]
    fn missing_or_empty_reasons_are_rejected_with_the_line() {
        let e = parse(&format!("\n[[known-failure]]\ncheck = \"a/*\"\n{PIN}")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing key `reason` in known-failures.toml line 2, column 1; add `reason = ...` there"
        );
        let e = parse(&format!("[[known-failure]]\ncheck = \"a/*\"\nreason = \"  \"\n{PIN}")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `reason` in known-failures.toml line 3, column 10: the reason is empty"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_wrong_types_and_bad_globs_are_rejected() {
        let e = parse(&entry("a", "versions = \"1.*\"\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown key `versions` in known-failures.toml line 4, column 1; did you mean `version`? \
             valid keys: check, engine, version, reason, intermittent, rate, any-case, deviation"
        );
        let e = parse("[[known-failures]]\ncheck = \"a\"\n").unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::UnknownKey { .. }), "{e}");
        let e = parse(&format!("[[known-failure]]\ncheck = 1\nreason = \"r\"\n{PIN}")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`check` in known-failures.toml line 2, column 9 must be a string, not an integer"
        );
        let e = parse(&entry("a/[", "")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `check` in known-failures.toml line 2, column 9: not a valid glob"),
            "{e}"
        );
        let e = parse("known-failure = 3\n").unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::WrongType { .. }), "{e}");
    }

    #[test]
    fn an_entry_without_a_pin_is_rejected_with_its_line_and_what_to_write() {
        let e = parse("# list\n\n[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("missing the deviation of the entry in known-failures.toml line 3, column 1; "),
            "{msg}"
        );
        assert!(
            msg.contains("add [known-failure.deviation] with `call = ") && msg.contains("`status = "),
            "{msg}"
        );
        // A pin that is there but malformed names its own line.
        let e = parse(
            "[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\n[known-failure.deviation]\ncall = \"VolumeLst\"\nstatus = 500\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid `call` in known-failures.toml line 5, column 8: no operation `VolumeLst` in the v1.41 reference; did you mean `VolumeList`?"
            ),
            "{e}"
        );
        let e = parse("[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\ndeviation = \"500\"\n").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "`deviation` in known-failures.toml line 4, column 13 must be a [known-failure.deviation] table"
            ),
            "{e}"
        );
    }

    #[test]
    fn an_entry_may_pin_several_deviations_each_excusing_only_itself() {
        let k = parse(
            "[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\n\
             [[known-failure.deviation]]\ncall = \"SecretCreate\"\nfield = \"/Id\"\nvalue = '\"(absent)\"'\n\
             [[known-failure.deviation]]\ncall = \"ConfigCreate\"\nfield = \"/Id\"\nvalue = '\"(absent)\"'\n",
        )
        .unwrap();
        let l = Listed::from(&k.entries()[0]);
        assert_eq!(l.deviations.len(), 2);
        let absent = |path: &str| Observed::field_value("POST", path, "/Id", serde_json::json!("(absent)"));
        assert!(l.excuses(&absent("/v1.41/secrets/create")));
        assert!(l.excuses(&absent("/v1.41/configs/create")));
        assert!(!l.excuses(&absent("/v1.41/networks/create")));
        assert_eq!(
            l.pinned(),
            "SecretCreate (POST /secrets/create) replying /Id = \"(absent)\" \
             and ConfigCreate (POST /configs/create) replying /Id = \"(absent)\""
        );
        let e = parse("[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\ndeviation = []\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `deviation` in known-failures.toml line 4, column 13: no deviation listed; add "),
            "{e}"
        );
    }

    #[test]
    fn intermittent_entries_state_their_rate() {
        let k = parse(&format!(
            "{}{}",
            entry("a", ""),
            entry(
                "b",
                "intermittent = true\nrate = \"1 in 6 runs beside network churn\"\n"
            )
        ))
        .unwrap();
        assert!(!k.entry_for("a", "e", "1").unwrap().intermittent);
        let b = k.entry_for("b", "e", "1").unwrap();
        assert_eq!(b.rate.as_deref(), Some("1 in 6 runs beside network churn"));
        let listed = Listed::from(b);
        assert!(listed.intermittent);
        assert_eq!(listed.deviations, b.deviations);
        let e = parse(&entry("a", "intermittent = \"yes\"\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`intermittent` in known-failures.toml line 4, column 16 must be true or false, not a string"
        );
        let e = parse(&entry("a", "intermittent = true\n")).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "missing `rate` of an intermittent entry in known-failures.toml line 1, column 1; add `rate = "
            ),
            "{e}"
        );
        let e = parse(&entry("a", "rate = \"1 in 2\"\n")).unwrap_err();
        assert!(
            e.to_string()
                .contains("only an intermittent entry has a rate; add `intermittent = true` or remove `rate`"),
            "{e}"
        );
    }

    #[test]
    fn an_empty_file_lists_nothing() {
        let k = parse("# nothing yet\n").unwrap();
        assert!(k.is_empty());
        assert_eq!(k.path(), Some(Path::new("known-failures.toml")));
        assert!(reason(&KnownFailures::default(), "a", "b", "c").is_none());
    }

    /// The one entry of a file listing case `a` with `extra` entry lines and the pin `pin`.
    fn listed(extra: &str, pin: &str) -> Listed {
        let k = parse(&format!(
            "[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\n{extra}[known-failure.deviation]\n{pin}"
        ))
        .unwrap();
        Listed::from(&k.entries()[0])
    }

    fn failed(message: &str, observed: Option<Observed>) -> Outcome {
        Outcome::Failed {
            message: message.into(),
            observed,
        }
    }

    fn answered(status: u16, message: &str) -> Option<Observed> {
        Some(Observed {
            method: "PUT".into(),
            path: "/v1.41/containers/abc/archive?path=%2Ftmp".into(),
            fact: Fact::Status {
                status,
                message: message.into(),
            },
        })
    }

    #[test]
    fn only_the_pinned_deviation_is_a_known_failure() {
        let l = listed(
            "",
            "call = \"PutContainerArchive\"\nstatus = 500\nmessage = \"rootfs is marked read-only\"\n",
        );
        let excused = "PutContainerArchive (PUT /containers/{id}/archive) answering 500 with a message matching /rootfs is marked read-only/";
        assert_eq!(
            l.judge(failed(
                "expected 403, got 500",
                answered(500, "container rootfs is marked read-only")
            )),
            Outcome::KnownFailure {
                message: "expected 403, got 500".into(),
                reason: "r".into(),
                deviation: excused.into(),
            }
        );
        // Another status, another message, a failure without facts (a leak, a
        // plain assertion): failures that say what was excused.
        for (message, observed) in [
            ("expected 403, got 200", answered(200, "")),
            ("expected 403, got 500", answered(500, "no space left on device")),
            ("left behind after cleanup (now removed): container dh-x", None),
        ] {
            assert_eq!(
                l.judge(failed(message, observed.clone())),
                Outcome::Failed {
                    message: format!("listed as known for {excused}, but failed with: {message}"),
                    observed,
                }
            );
        }
        assert_eq!(l.judge(Outcome::Passed), Outcome::Fixed { reason: "r".into() });
        let error = Outcome::Error {
            message: "the check panicked".into(),
        };
        assert_eq!(l.judge(error.clone()), error);
    }

    #[test]
    fn an_intermittent_entry_passes_as_a_pass_and_fails_only_as_pinned() {
        let l = listed(
            "intermittent = true\nrate = \"1 in 6\"\n",
            "call = \"ContainerWait\"\nfield = \"/StatusCode\"\nvalue = \"0\"\n",
        );
        assert_eq!(l.judge(Outcome::Passed), Outcome::Passed);
        let exited = |code: i64| {
            Some(Observed::field_value(
                "POST",
                "/v1.41/containers/c/wait",
                "/StatusCode",
                code.into(),
            ))
        };
        assert!(matches!(
            l.judge(failed("connected", exited(0))),
            Outcome::KnownFailure { .. }
        ));
        assert!(matches!(
            l.judge(failed("exit 1", exited(1))),
            Outcome::Failed { message, .. } if message.starts_with("listed as known for ContainerWait (POST /containers/{id}/wait) replying /StatusCode = 0, but failed with: exit 1")
        ));
        assert!(matches!(
            l.judge(failed("inspect", answered(500, ""))),
            Outcome::Failed { .. }
        ));
    }
}
