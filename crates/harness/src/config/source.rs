//! [`Setting`]: a configuration value together with its [`Source`], the layer
//! it came from, so that `dockhand config show` can say why a value is what it
//! is.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built in; with why this default, when it is not a constant.
    Default(Option<&'static str>),
    /// A configuration file, at this line.
    File { path: PathBuf, line: usize },
    /// An environment variable, by name.
    Env(String),
    /// A command-line flag, as spelt (`--jobs`).
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default(None) => f.write_str("default"),
            Source::Default(Some(why)) => write!(f, "default ({why})"),
            Source::File { path, line } => write!(f, "{} line {line}", path.display()),
            Source::Env(var) => f.write_str(var),
            Source::Flag(flag) => f.write_str(flag),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    pub fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }

    /// A built-in value.
    pub fn default(value: T, why: Option<&'static str>) -> Self {
        Setting::new(value, Source::Default(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_as_comments() {
        assert_eq!(Source::Default(None).to_string(), "default");
        assert_eq!(
            Source::Default(Some("number of cores")).to_string(),
            "default (number of cores)"
        );
        let file = Source::File {
            path: "conf/dockhand.toml".into(),
            line: 3,
        };
        assert_eq!(file.to_string(), "conf/dockhand.toml line 3");
        assert_eq!(Source::Env("DOCKHAND_TIMEOUT".into()).to_string(), "DOCKHAND_TIMEOUT");
        assert_eq!(Source::Flag("--jobs".into()).to_string(), "--jobs");
    }
}
