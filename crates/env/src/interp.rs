//! Variables: `.env` files ([`parse_env_file`]) and the interpolation of
//! `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
//! `${VAR?message}`, `$VAR` and `$$` in compose values ([`interpolate`]).

use std::cell::RefCell;
use std::collections::BTreeMap;

/// Where variables come from: the process environment wins over `.env`.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub env: BTreeMap<String, String>,
    pub dotenv: BTreeMap<String, String>,
    /// Variables referenced without a default while unset, in the order
    /// first seen (each once), for compose's "not set" warning.
    pub unset: RefCell<Vec<String>>,
}

impl Vars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.env.get(name).or_else(|| self.dotenv.get(name)).map(String::as_str)
    }

    /// The value a bare `$VAR` / `${VAR}` takes: empty when unset, noted.
    fn get_or_note(&self, name: &str) -> &str {
        let v = self.get(name);
        if v.is_none() {
            let mut unset = self.unset.borrow_mut();
            if !unset.iter().any(|u| u == name) {
                unset.push(name.to_string());
            }
        }
        v.unwrap_or("")
    }
}

/// Why a value could not be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// `${` without its `}`.
    Unclosed,
    /// `${}` or a name with characters a variable cannot have.
    BadName(String),
    /// `${VAR:?message}` with VAR unset (or empty).
    Required { name: String, message: String },
}

impl std::fmt::Display for InterpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InterpError::Unclosed => f.write_str("`${` without a closing `}`; write `$$` for a literal `$`"),
            InterpError::BadName(n) => write!(
                f,
                "invalid variable reference `${{{n}}}`: names are letters, digits and `_`, optionally followed by :-, -, :? or ?"
            ),
            InterpError::Required { name, message } => {
                write!(f, "required variable {name} is not set: {message}")
            }
        }
    }
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Replaces variable references in `s`.
pub fn interpolate(s: &str, vars: &Vars) -> Result<String, InterpError> {
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('$') => {
                out.push('$');
                i += 2;
            }
            Some('{') => {
                // Find the matching brace; defaults may nest references.
                let mut depth = 1;
                let mut j = i + 2;
                while j < chars.len() {
                    match chars[j] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(InterpError::Unclosed);
                }
                let inner: String = chars[i + 2..j].iter().collect();
                out.push_str(&expand(&inner, vars)?);
                i = j + 1;
            }
            Some(&n) if is_name_start(n) => {
                let mut j = i + 1;
                while j < chars.len() && is_name(chars[j]) {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out.push_str(vars.get_or_note(&name));
                i = j;
            }
            // A lone `$` (at the end, or before a character that cannot
            // start a name) stays as it is, as compose does.
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    Ok(out)
}

fn expand(inner: &str, vars: &Vars) -> Result<String, InterpError> {
    let end = inner.find(|c: char| !is_name(c)).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(end);
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(InterpError::BadName(inner.to_string()));
    }
    let value = vars.get(name);
    let set_nonempty = value.is_some_and(|v| !v.is_empty());
    if rest.is_empty() {
        return Ok(vars.get_or_note(name).to_string());
    }
    if let Some(default) = rest.strip_prefix(":-") {
        return if set_nonempty {
            Ok(value.unwrap_or("").to_string())
        } else {
            interpolate(default, vars)
        };
    }
    if let Some(default) = rest.strip_prefix('-') {
        return match value {
            Some(v) => Ok(v.to_string()),
            None => interpolate(default, vars),
        };
    }
    if let Some(message) = rest.strip_prefix(":?") {
        return if set_nonempty {
            Ok(value.unwrap_or("").to_string())
        } else {
            Err(InterpError::Required {
                name: name.to_string(),
                message: message.to_string(),
            })
        };
    }
    if let Some(message) = rest.strip_prefix('?') {
        return match value {
            Some(v) => Ok(v.to_string()),
            None => Err(InterpError::Required {
                name: name.to_string(),
                message: message.to_string(),
            }),
        };
    }
    Err(InterpError::BadName(inner.to_string()))
}

/// A line of an env file that is not `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct EnvFileError {
    pub line: usize,
    pub message: String,
}

/// Parses the `.env` / `env_file` format: `KEY=VALUE` lines, `#` comments,
/// blank lines, an optional `export ` prefix, values in single quotes
/// (literal) or double quotes (with `\n`, `\"`, `\\` escapes), and unquoted
/// values with a trailing ` # comment` removed.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, EnvFileError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let err = |message: String| EnvFileError { line: n + 1, message };
        let Some((key, value)) = line.split_once('=') else {
            return Err(err(format!("expected KEY=VALUE, found `{line}`")));
        };
        let key = key.trim();
        if key.is_empty() || !key.starts_with(is_name_start) || !key.chars().all(is_name) {
            return Err(err(format!(
                "invalid variable name `{key}`: use letters, digits and `_`"
            )));
        }
        let value = value.trim_start();
        let value = if let Some(rest) = value.strip_prefix('\'') {
            match rest.find('\'') {
                Some(end) => rest[..end].to_string(),
                None => return Err(err("unterminated single quote".into())),
            }
        } else if let Some(rest) = value.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = rest.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        Some(o) => v.push(o),
                        None => {}
                    },
                    o => v.push(o),
                }
            }
            if !closed {
                return Err(err("unterminated double quote".into()));
            }
            v
        } else {
            let v = match value.find(" #") {
                Some(i) => &value[..i],
                None => value,
            };
            v.trim_end().to_string()
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> Vars {
        Vars {
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            dotenv: dotenv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            unset: Default::default(),
        }
    }

    #[test]
    fn references_and_defaults() {
        let v = vars(&[("A", "1"), ("EMPTY", "")], &[("A", "dotenv"), ("B", "2")]);
        assert_eq!(interpolate("x${A}y", &v).unwrap(), "x1y");
        assert_eq!(interpolate("$A-$B", &v).unwrap(), "1-2");
        assert_eq!(interpolate("${B}", &v).unwrap(), "2");
        assert_eq!(interpolate("${C:-def}", &v).unwrap(), "def");
        assert_eq!(interpolate("${EMPTY:-def}", &v).unwrap(), "def");
        assert_eq!(interpolate("${EMPTY-def}", &v).unwrap(), "");
        assert_eq!(interpolate("${C-x${A}}", &v).unwrap(), "x1");
        assert_eq!(interpolate("${C}", &v).unwrap(), "");
        assert_eq!(interpolate("$$A $", &v).unwrap(), "$A $");
    }

    #[test]
    fn errors() {
        let v = Vars::default();
        assert_eq!(interpolate("${A", &v), Err(InterpError::Unclosed));
        assert!(matches!(interpolate("${}", &v), Err(InterpError::BadName(_))));
        assert!(matches!(interpolate("${A+x}", &v), Err(InterpError::BadName(_))));
        assert_eq!(
            interpolate("${A:?set A}", &v),
            Err(InterpError::Required {
                name: "A".into(),
                message: "set A".into()
            })
        );
    }

    #[test]
    fn env_file_format() {
        let text = "# c\n\nexport A=1\nB = two words # note\nC='lit $x # y'\nD=\"a\\nb\"\nE=\n";
        let parsed = parse_env_file(text).unwrap();
        assert_eq!(
            parsed,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "lit $x # y".into()),
                ("D".into(), "a\nb".into()),
                ("E".into(), "".into()),
            ]
        );
        assert_eq!(parse_env_file("A=1\nnope\n").unwrap_err().line, 2);
        assert_eq!(parse_env_file("1A=1\n").unwrap_err().line, 1);
    }
}
