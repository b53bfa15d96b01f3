//! Matchers: [`TextMatch`] for output and headers (equal, a regex searched,
//! contains, the exact lines) and [`ValueMatch`] for a JSON value (equal,
//! a regex, a type, contains, a length, absent). A plain value in the file
//! means "equal"; a table names the matchers, and every one must hold.
//! Expected strings may hold variables; a regex gets their values escaped.

use serde_json::Value;

use crate::vars::{as_text, Scope};

/// The keys of a text matcher table.
pub const TEXT_KEYS: &[&str] = &["equals", "matches", "contains", "lines"];
/// The keys of a JSON value matcher table.
pub const VALUE_KEYS: &[&str] = &["equals", "matches", "type", "contains", "length", "absent"];
/// The JSON types `type` names.
pub const TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object", "null"];

#[derive(Debug, Clone)]
pub enum TextCheck {
    Equals(String),
    /// A regex (searched), with variables.
    Matches(String),
    Contains(String),
    /// The text's lines (without their newlines), exactly.
    Lines(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct TextMatch(pub Vec<TextCheck>);

#[derive(Debug, Clone)]
pub enum ValueCheck {
    Equals(Value),
    Matches(String),
    Type(String),
    /// An array holding an equal element, or a string holding the text.
    Contains(Value),
    /// Of an array, string or object.
    Length(usize),
    /// `absent = true`: no value at the pointer (`false`: there is one).
    Absent(bool),
}

#[derive(Debug, Clone)]
pub struct ValueMatch(pub Vec<ValueCheck>);

/// What was expected and what came, when a matcher does not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub expected: String,
    pub actual: String,
}

/// At most this many characters of an actual value in a message.
const SHOW: usize = 400;

pub fn show(text: &str) -> String {
    let mut s: String = text.chars().take(SHOW).collect();
    if s.len() < text.len() {
        s.push_str(&format!("... ({} bytes)", text.len()));
    }
    format!("{s:?}")
}

fn regex(scope: &Scope<'_>, re: &str) -> Result<regex::Regex, Miss> {
    let text = scope.text_with(re, &|v| regex::escape(&v));
    regex::Regex::new(&text).map_err(|e| Miss {
        expected: format!("a valid regex after substitution: {text:?}"),
        actual: e.to_string(),
    })
}

impl TextMatch {
    pub fn check(&self, scope: &Scope<'_>, actual: &str) -> Result<(), Miss> {
        for c in &self.0 {
            let ok = match c {
                TextCheck::Equals(e) => {
                    let e = scope.text(e);
                    (actual == e).then_some(()).ok_or_else(|| format!("{e:?}"))
                }
                TextCheck::Matches(re) => {
                    let r = regex(scope, re)?;
                    r.is_match(actual)
                        .then_some(())
                        .ok_or_else(|| format!("text matching /{}/", r.as_str()))
                }
                TextCheck::Contains(e) => {
                    let e = scope.text(e);
                    actual
                        .contains(&e)
                        .then_some(())
                        .ok_or_else(|| format!("text containing {e:?}"))
                }
                TextCheck::Lines(lines) => {
                    let want: Vec<String> = lines.iter().map(|l| scope.text(l)).collect();
                    let got: Vec<&str> = actual.lines().collect();
                    (got == want).then_some(()).ok_or_else(|| format!("the lines {want:?}"))
                }
            };
            if let Err(expected) = ok {
                return Err(Miss {
                    expected,
                    actual: show(actual),
                });
            }
        }
        Ok(())
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl ValueMatch {
    /// Checks the value found (`None`: nothing at the pointer).
    pub fn check(&self, scope: &Scope<'_>, actual: Option<&Value>) -> Result<(), Miss> {
        let shown = || actual.map_or_else(|| "no value".to_string(), show_json);
        for c in &self.0 {
            let expected = match (c, actual) {
                (ValueCheck::Absent(want_absent), _) => {
                    if *want_absent == actual.is_none() {
                        continue;
                    }
                    if *want_absent {
                        "no value".to_string()
                    } else {
                        "a value".to_string()
                    }
                }
                (ValueCheck::Equals(e), a) => {
                    let e = scope.value(e);
                    if a == Some(&e) {
                        continue;
                    }
                    show_json(&e)
                }
                (ValueCheck::Matches(re), Some(a)) => {
                    let r = regex(scope, re)?;
                    if r.is_match(&as_text(a)) {
                        continue;
                    }
                    format!("a value matching /{}/", r.as_str())
                }
                (ValueCheck::Type(t), Some(a)) => {
                    let got = type_of(a);
                    if got == t || (t == "number" && got == "integer") {
                        continue;
                    }
                    format!("a {t}")
                }
                (ValueCheck::Contains(e), Some(a)) => {
                    let e = scope.value(e);
                    let holds = match (a, &e) {
                        (Value::Array(items), _) => items.contains(&e),
                        (Value::String(s), Value::String(sub)) => s.contains(sub.as_str()),
                        (Value::Object(m), Value::String(k)) => m.contains_key(k),
                        _ => false,
                    };
                    if holds {
                        continue;
                    }
                    format!("a value containing {}", show_json(&e))
                }
                (ValueCheck::Length(n), Some(a)) => {
                    let len = match a {
                        Value::Array(v) => Some(v.len()),
                        Value::String(s) => Some(s.chars().count()),
                        Value::Object(m) => Some(m.len()),
                        _ => None,
                    };
                    if len == Some(*n) {
                        continue;
                    }
                    format!("length {n}")
                }
                (ValueCheck::Matches(re), None) => format!("a value matching /{re}/"),
                (ValueCheck::Type(t), None) => format!("a {t}"),
                (ValueCheck::Contains(e), None) => format!("a value containing {}", show_json(e)),
                (ValueCheck::Length(n), None) => format!("length {n}"),
            };
            return Err(Miss {
                expected,
                actual: shown(),
            });
        }
        Ok(())
    }
}

fn show_json(v: &Value) -> String {
    let t = v.to_string();
    if t.len() > SHOW {
        let cut: String = t.chars().take(SHOW).collect();
        format!("{cut}... ({} bytes)", t.len())
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope<'static> {
        Scope {
            values: [("id".to_string(), json!("a.b"))].into(),
            name: &|s| s.to_string(),
        }
    }

    #[test]
    fn text_matchers_hold_and_miss() {
        let s = scope();
        let m = TextMatch(vec![TextCheck::Matches("^x {id}$".into())]);
        assert!(m.check(&s, "x a.b").is_ok());
        // The variable's value is escaped: `.` is no wildcard.
        assert!(m.check(&s, "x aXb").is_err());
        let m = TextMatch(vec![TextCheck::Lines(vec!["a".into(), "b".into()])]);
        assert!(m.check(&s, "a\nb\n").is_ok());
        assert_eq!(
            m.check(&s, "a\n").unwrap_err(),
            Miss {
                expected: "the lines [\"a\", \"b\"]".into(),
                actual: "\"a\\n\"".into()
            }
        );
    }

    #[test]
    fn value_matchers_hold_and_miss() {
        let s = scope();
        let v = json!([1, 2]);
        assert!(ValueMatch(vec![ValueCheck::Length(2), ValueCheck::Contains(json!(2))])
            .check(&s, Some(&v))
            .is_ok());
        assert!(ValueMatch(vec![ValueCheck::Type("object".into())])
            .check(&s, Some(&v))
            .is_err());
        assert!(ValueMatch(vec![ValueCheck::Absent(true)]).check(&s, None).is_ok());
        assert!(ValueMatch(vec![ValueCheck::Equals(json!("{id}"))])
            .check(&s, Some(&json!("a.b")))
            .is_ok());
        assert_eq!(
            ValueMatch(vec![ValueCheck::Equals(json!(3))])
                .check(&s, None)
                .unwrap_err()
                .actual,
            "no value"
        );
    }
}
