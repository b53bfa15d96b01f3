//! [`KnownFailures`]: the known-failures file, which lists cases an engine is
//! known to fail, with the reason. The runner turns a listed case's failure
//! into a known failure and its pass into "fixed".
//!
//! ```toml
//! [[known-failure]]
//! check = "images/search/*"          # glob on case ids, as on the command line
//! engine = "Docker Engine*"          # glob on the engine's name (default: any)
//! version = "20.10.*"                # glob on the engine's version (default: any)
//! reason = "moby/moby#NNN: search ignores the limit"   # required
//! intermittent = true                # fails only now and then (default: false)
//! ```
//!
//! A listed case that passes is "fixed" (its entry can go), unless the entry
//! is `intermittent`: then a pass is an ordinary pass, and a failure is still
//! a known failure.
//!
//! The file is parsed strictly: an unknown key, a missing or empty `reason`,
//! or a bad glob is an error naming the file and line.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use toml::de::{DeTable, DeValue};

use crate::config::{FileError, FileErrorKind, TomlFile};
use crate::select::IdPattern;

/// The keys of one entry.
const ENTRY_KEYS: &[&str] = &["check", "engine", "version", "reason", "intermittent"];

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

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry that covers the case on this engine.
    pub fn entry_for(&self, case_id: &str, engine_name: &str, engine_version: &str) -> Option<&KnownFailure> {
        self.entries
            .iter()
            .find(|e| e.covers(case_id, engine_name, engine_version))
    }
}

/// What a planned case carries of the entry that lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub reason: String,
    pub intermittent: bool,
}

impl From<&KnownFailure> for Listed {
    fn from(e: &KnownFailure) -> Self {
        Listed {
            reason: e.reason.clone(),
            intermittent: e.intermittent,
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
    Ok(KnownFailure {
        check: IdPattern::new(check).map_err(|e| bad_glob("check", check_span, e))?,
        engine: engine_glob("engine")?,
        version: engine_glob("version")?,
        reason: reason.to_string(),
        intermittent: file.get_bool(table, "intermittent")?.unwrap_or(false),
        line: file.position(at).line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<KnownFailures, FileError> {
        KnownFailures::parse(&TomlFile::new("known-failures.toml", text))
    }

    /// The reason of the entry that covers the case, if any.
    fn reason<'k>(k: &'k KnownFailures, case_id: &str, engine: &str, version: &str) -> Option<&'k str> {
        k.entry_for(case_id, engine, version).map(|e| e.reason.as_str())
    }

    const FILE: &str = r#"# Engines we know about.
[[known-failure]]
check = "images/search/*"
engine = "Docker Engine*"
version = "20.10.*"
reason = "search ignores the limit"

[[known-failure]]
check = "containers/create/options:tty"
reason = "tty framing"
"#;

    #[test]
    fn reasons_match_on_case_engine_and_version() {
        let k = parse(FILE).unwrap();
        assert_eq!(k.entries().len(), 2);
        assert_eq!(k.entries()[0].line, 2);
        assert_eq!(k.entries()[1].line, 8);
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
    }

    #[test]
    fn a_check_id_covers_its_variants() {
        let k = parse("[[known-failure]]\ncheck = \"containers/create/options\"\nreason = \"r\"\n").unwrap();
        assert_eq!(reason(&k, "containers/create/options:tty", "e", "1"), Some("r"));
        assert_eq!(reason(&k, "containers/create/options:no-tty", "e", "1"), Some("r"));
    }

    #[test]
    fn missing_or_empty_reasons_are_rejected_with_the_line() {
        let e = parse("\n[[known-failure]]\ncheck = \"a/*\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing key `reason` in known-failures.toml line 2, column 1; add `reason = ...` there"
        );
        let e = parse("[[known-failure]]\ncheck = \"a/*\"\nreason = \"  \"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `reason` in known-failures.toml line 3, column 10: the reason is empty"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_wrong_types_and_bad_globs_are_rejected() {
        let e = parse("[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\nversions = \"1.*\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown key `versions` in known-failures.toml line 4, column 1; did you mean `version`? \
             valid keys: check, engine, version, reason, intermittent"
        );
        let e = parse("[[known-failures]]\ncheck = \"a\"\n").unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::UnknownKey { .. }), "{e}");
        let e = parse("[[known-failure]]\ncheck = 1\nreason = \"r\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`check` in known-failures.toml line 2, column 9 must be a string, not an integer"
        );
        let e = parse("[[known-failure]]\ncheck = \"a/[\"\nreason = \"r\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `check` in known-failures.toml line 2, column 9: not a valid glob"),
            "{e}"
        );
        let e = parse("known-failure = 3\n").unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::WrongType { .. }), "{e}");
    }

    #[test]
    fn intermittent_is_a_boolean_and_false_by_default() {
        let k = parse(
            "[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\n\
             [[known-failure]]\ncheck = \"b\"\nreason = \"flaky\"\nintermittent = true\n",
        )
        .unwrap();
        assert!(!k.entry_for("a", "e", "1").unwrap().intermittent);
        let b = Listed::from(k.entry_for("b", "e", "1").unwrap());
        assert_eq!(
            b,
            Listed {
                reason: "flaky".into(),
                intermittent: true
            }
        );
        let e = parse("[[known-failure]]\ncheck = \"a\"\nreason = \"r\"\nintermittent = \"yes\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`intermittent` in known-failures.toml line 4, column 16 must be true or false, not a string"
        );
    }

    #[test]
    fn an_empty_file_lists_nothing() {
        let k = parse("# nothing yet\n").unwrap();
        assert!(k.is_empty());
        assert_eq!(k.path(), Some(Path::new("known-failures.toml")));
        assert!(reason(&KnownFailures::default(), "a", "b", "c").is_none());
    }
}
