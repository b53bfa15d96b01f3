//! [`TomlFile`]: a TOML document read from disk and parsed with the position of
//! every key and value, and [`FileError`], a problem in it that names the file,
//! the line and column, and what would be valid there. The configuration and
//! the known-failures file share it, so both reject the same mistakes the same
//! way.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::pattern::closest;

/// A TOML file's path and text.
#[derive(Debug, Clone)]
pub struct TomlFile {
    path: PathBuf,
    text: String,
}

/// A 1-based line and column (in characters) in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// What is wrong in a TOML file.
#[derive(Debug)]
pub enum FileErrorKind {
    /// The file could not be read.
    Read(io::Error),
    /// The text is not TOML.
    Syntax(String),
    /// A key the schema does not have.
    UnknownKey { key: String, valid: Vec<String> },
    /// A required key is absent from the table at the position.
    MissingKey { key: String },
    /// Something required is absent at the position: `what` names it, `hint`
    /// says what to write there.
    Missing { what: String, hint: String },
    /// The value has the wrong TOML type.
    WrongType {
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    /// The value has the right type but is not acceptable.
    BadValue { key: String, message: String },
    /// A `[checks."id"]` section names no registered check.
    UnknownCheck { id: String, suggestions: Vec<String> },
}

/// A problem in a TOML file, with where it is.
#[derive(Debug, thiserror::Error)]
pub struct FileError {
    pub path: PathBuf,
    /// Absent when the file could not be read at all.
    pub position: Option<Position>,
    pub kind: FileErrorKind,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let at = match self.position {
            Some(p) => format!("{path} line {}, column {}", p.line, p.column),
            None => path.to_string(),
        };
        match &self.kind {
            FileErrorKind::Read(e) => write!(f, "cannot read {path}: {e}; check that the file exists and is readable"),
            FileErrorKind::Syntax(m) => write!(f, "invalid TOML in {at}: {m}"),
            FileErrorKind::UnknownKey { key, valid } => {
                write!(f, "unknown key `{key}` in {at}; ")?;
                if let Some(near) = closest(key, valid.iter().map(String::as_str), 1).first() {
                    write!(f, "did you mean `{near}`? ")?;
                }
                write!(f, "valid keys: {}", valid.join(", "))
            }
            FileErrorKind::MissingKey { key } => write!(f, "missing key `{key}` in {at}; add `{key} = ...` there"),
            FileErrorKind::Missing { what, hint } => write!(f, "missing {what} in {at}; {hint}"),
            FileErrorKind::WrongType { key, expected, found } => {
                write!(f, "`{key}` in {at} must be {expected}, not {}", with_article(found))
            }
            FileErrorKind::BadValue { key, message } => write!(f, "invalid `{key}` in {at}: {message}"),
            FileErrorKind::UnknownCheck { id, suggestions } => {
                write!(f, "no check has the id `{id}` (section in {at}); ")?;
                if !suggestions.is_empty() {
                    let s: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
                    write!(f, "did you mean {}? ", s.join(" or "))?;
                }
                write!(f, "`dockhand list` shows every check id")
            }
        }
    }
}

/// `an integer`, `a string`.
fn with_article(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

impl TomlFile {
    /// A document from text already in memory; `path` names it in messages.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        TomlFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads a document from disk.
    pub fn read(path: &Path) -> Result<Self, FileError> {
        Self::read_in(Path::new(""), path)
    }

    /// Reads `path` relative to `dir`, naming it `path` in messages.
    pub fn read_in(dir: &Path, path: &Path) -> Result<Self, FileError> {
        match std::fs::read_to_string(dir.join(path)) {
            Ok(text) => Ok(TomlFile::new(path, text)),
            Err(e) => Err(FileError {
                path: path.to_path_buf(),
                position: None,
                kind: FileErrorKind::Read(e),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory relative paths in the file are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// Parses the document into its root table, keys and values spanned.
    pub fn parse(&self) -> Result<DeTable<'_>, FileError> {
        DeTable::parse(&self.text).map(Spanned::into_inner).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, FileErrorKind::Syntax(e.message().to_string()))
        })
    }

    /// The line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let before = &self.text[..offset.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// An error at the start of `span`.
    pub fn error(&self, span: Range<usize>, kind: FileErrorKind) -> FileError {
        FileError {
            path: self.path.clone(),
            position: Some(self.position(span.start)),
            kind,
        }
    }

    /// Rejects the first key (in file order) of `table` that is not in `valid`.
    pub fn check_keys(&self, table: &DeTable<'_>, valid: &[&str]) -> Result<(), FileError> {
        let mut keys: Vec<_> = table.keys().collect();
        keys.sort_by_key(|k| k.span().start);
        match keys.into_iter().find(|k| !valid.contains(&k.get_ref().as_ref())) {
            Some(k) => Err(self.error(
                k.span(),
                FileErrorKind::UnknownKey {
                    key: k.get_ref().to_string(),
                    valid: valid.iter().map(|s| s.to_string()).collect(),
                },
            )),
            None => Ok(()),
        }
    }

    /// An error for a value of the wrong type.
    pub fn wrong_type(&self, key: &str, value: &Spanned<DeValue<'_>>, expected: &'static str) -> FileError {
        self.error(
            value.span(),
            FileErrorKind::WrongType {
                key: key.to_string(),
                expected,
                found: value.get_ref().type_str(),
            },
        )
    }

    /// An error for a value of the right type that is not acceptable.
    pub fn bad_value(&self, key: &str, value: &Spanned<DeValue<'_>>, message: impl Into<String>) -> FileError {
        self.error(
            value.span(),
            FileErrorKind::BadValue {
                key: key.to_string(),
                message: message.into(),
            },
        )
    }

    /// The string at `key`, if present; any other type is an error.
    pub fn get_str<'t>(&self, table: &'t DeTable<'_>, key: &str) -> Result<Option<(&'t str, Range<usize>)>, FileError> {
        match table.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some((s.as_ref(), v.span()))),
                _ => Err(self.wrong_type(key, v, "a string")),
            },
        }
    }

    /// The boolean at `key`, if present; any other type is an error.
    pub fn get_bool(&self, table: &DeTable<'_>, key: &str) -> Result<Option<bool>, FileError> {
        match table.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => Ok(Some(*b)),
                _ => Err(self.wrong_type(key, v, "true or false")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let f = TomlFile::new("x.toml", "a = 1\nbé = \"c\"\n");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(6), Position { line: 2, column: 1 });
        // `=` after the two-character, three-byte key.
        assert_eq!(f.position(10), Position { line: 2, column: 4 });
    }

    #[test]
    fn syntax_errors_carry_the_position() {
        let f = TomlFile::new("x.toml", "a = 1\nb = \n");
        let e = f.parse().unwrap_err();
        assert_eq!(e.position, Some(Position { line: 2, column: 5 }));
        let msg = e.to_string();
        assert!(msg.starts_with("invalid TOML in x.toml line 2, column 5: "), "{msg}");
    }

    #[test]
    fn unknown_keys_are_reported_in_file_order_with_a_suggestion() {
        let f = TomlFile::new("x.toml", "zzz = 1\njbos = 2\n");
        let t = f.parse().unwrap();
        let e = f.check_keys(&t, &["jobs", "host"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown key `zzz` in x.toml line 1, column 1; valid keys: jobs, host"
        );
        let f = TomlFile::new("x.toml", "jobs = 1\njbos = 2\n");
        let t = f.parse().unwrap();
        let e = f.check_keys(&t, &["jobs", "host"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown key `jbos` in x.toml line 2, column 1; did you mean `jobs`? valid keys: jobs, host"
        );
    }

    #[test]
    fn missing_files_say_so() {
        let e = TomlFile::read(Path::new("/nonexistent/dockhand.toml")).unwrap_err();
        assert!(matches!(e.kind, FileErrorKind::Read(_)));
        assert!(
            e.to_string().starts_with("cannot read /nonexistent/dockhand.toml: "),
            "{e}"
        );
    }
}
