//! Variables in step files: `{name}` in any string is replaced by the
//! variable's value when the step runs. A string that is exactly one
//! `{name}` becomes the value itself (an object, a number), any other the
//! value as text. Only `{identifier}` and `{identifier:argument}` are
//! variables; every other brace is literal, so Go templates
//! (`{{.State.Running}}`) and regex counts (`[0-9a-f]{64}`) pass unchanged.

use std::collections::BTreeMap;

use serde_json::Value;

/// The variables every step file has, beside its knobs, its variants' keys
/// and its captures.
pub const BUILTINS: &[(&str, &str)] = &[
    ("probe", "the probe image's reference"),
    (
        "labels",
        "the labels every object must carry: a JSON object, or `--label K=V` arguments as a whole argv element",
    ),
    (
        "label-pairs",
        "the labels as `\"K\"=\"V\" ...`, for a Dockerfile's or `--change`'s LABEL",
    ),
    ("name", "`{name:SUFFIX}`: a name unique to the run, the case and SUFFIX"),
    ("run", "the run id"),
    ("case", "the case's label value (`id:variant#iteration`)"),
    ("host", "the engine's address, as DOCKER_HOST has it"),
    ("api", "the negotiated API version, e.g. 1.41"),
    ("tmp", "a directory of the case's own, removed after it"),
    ("cli", "the docker CLI under test"),
];

/// One `{name}` or `{name:arg}` found in a string: its byte range, name and argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef<'a> {
    pub start: usize,
    pub end: usize,
    pub name: &'a str,
    pub arg: Option<&'a str>,
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The variable references in `s`, in order.
pub fn refs(s: &str) -> Vec<VarRef<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'{' || i + 1 >= b.len() || !ident_start(b[i + 1]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && ident_char(b[j]) {
            j += 1;
        }
        let name = &s[i + 1..j];
        if j < b.len() && b[j] == b'}' {
            out.push(VarRef {
                start: i,
                end: j + 1,
                name,
                arg: None,
            });
            i = j + 1;
        } else if j < b.len() && b[j] == b':' {
            match s[j + 1..].find(['}', '{']) {
                Some(k) if b[j + 1 + k] == b'}' && k > 0 => {
                    out.push(VarRef {
                        start: i,
                        end: j + 2 + k,
                        name,
                        arg: Some(&s[j + 1..j + 1 + k]),
                    });
                    i = j + 2 + k;
                }
                _ => i = j,
            }
        } else {
            i = j;
        }
    }
    out
}

/// What the variables hold while a case runs. `name` and `labels` are
/// computed from the case, so they are functions here rather than values.
pub struct Scope<'a> {
    pub values: BTreeMap<String, Value>,
    /// `{name:SUFFIX}`.
    pub name: &'a (dyn Fn(&str) -> String + Sync),
}

impl Scope<'_> {
    /// A variable's value; `None` when it is undefined (the parser rejects
    /// files that could get here).
    pub fn get(&self, r: &VarRef<'_>) -> Option<Value> {
        if r.name == "name" {
            return Some(Value::String((self.name)(r.arg.unwrap_or("x"))));
        }
        self.values.get(r.name).cloned()
    }

    /// `s` with its variables replaced by their text.
    pub fn text(&self, s: &str) -> String {
        self.text_with(s, &|v| v)
    }

    /// [`Scope::text`], each value's text passed through `escape` (a regex
    /// escapes what it inserts).
    pub fn text_with(&self, s: &str, escape: &dyn Fn(String) -> String) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for r in refs(s) {
            out.push_str(&s[last..r.start]);
            match self.get(&r) {
                Some(v) => out.push_str(&escape(as_text(&v))),
                None => out.push_str(&s[r.start..r.end]),
            }
            last = r.end;
        }
        out.push_str(&s[last..]);
        out
    }

    /// A JSON value with every string substituted: a string that is exactly
    /// one variable becomes its value.
    pub fn value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => {
                let rs = refs(s);
                if let [only] = rs.as_slice() {
                    if only.start == 0 && only.end == s.len() {
                        if let Some(val) = self.get(only) {
                            return val;
                        }
                    }
                }
                Value::String(self.text(s))
            }
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (self.text(k), self.value(v))).collect()),
            other => other.clone(),
        }
    }
}

/// A value as text: a string as itself, anything else as JSON.
pub fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_identifiers_in_braces_are_variables() {
        let names: Vec<_> = refs("{a} {{.State.Running}} [0-9a-f]{64} {name:c1} {json .X} {b-c}")
            .into_iter()
            .map(|r| (r.name, r.arg))
            .collect();
        assert_eq!(names, [("a", None), ("name", Some("c1")), ("b-c", None)]);
    }

    #[test]
    fn a_whole_variable_keeps_its_type_and_parts_become_text() {
        let name = |s: &str| format!("dh-{s}");
        let scope = Scope {
            values: [("labels".to_string(), json!({"k": "v"})), ("n".to_string(), json!(3))].into(),
            name: &name,
        };
        assert_eq!(scope.value(&json!("{labels}")), json!({"k": "v"}));
        assert_eq!(
            scope.value(&json!({"a": ["{n}", "x{n}", "{name:c}"]})),
            json!({"a": [3, "x3", "dh-c"]})
        );
        assert_eq!(scope.text("{{.Id}} {undefined}"), "{{.Id}} {undefined}");
    }
}
