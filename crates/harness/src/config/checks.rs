//! [`CheckSettings`]: a `[checks."id"]` section of the configuration file.
//! `enabled`, `repeat` and `timeout` are dockhand's own; every other key is a
//! knob of the check, handed to it as JSON through `Ctx::setting`.
//!
//! ```toml
//! [checks."containers/lifecycle/start-stop-logs"]
//! enabled = false
//! repeat = 3
//! timeout = "60s"
//! lines = 1000        # a knob
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use toml::de::DeValue;
use toml::Spanned;

use crate::check::Check;
use crate::config::source::{Setting, Source};
use crate::config::toml_file::{FileError, FileErrorKind, TomlFile};
use crate::config::value::{Rejected, SettingValue};
use crate::pattern::closest;

/// The keys of a check section that dockhand itself reads.
pub const CHECK_KEYS: &[&str] = &["enabled", "repeat", "timeout"];

/// One check's section.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSettings {
    /// Where the section is.
    pub source: Source,
    /// `false` skips the check.
    pub enabled: Option<Setting<bool>>,
    /// Overrides the run's `repeat`.
    pub repeat: Option<Setting<u32>>,
    /// Overrides the run's `check-timeout`.
    pub timeout: Option<Setting<Duration>>,
    /// The check's knobs.
    pub knobs: BTreeMap<String, Setting<Value>>,
}

impl CheckSettings {
    /// The knobs as one JSON object, as the check's `Ctx` carries them.
    pub fn knobs_json(&self) -> Value {
        Value::Object(self.knobs.iter().map(|(k, s)| (k.clone(), s.value.clone())).collect())
    }
}

/// Reads one typed key of a section, if present.
pub(crate) fn read_key<T: SettingValue>(
    file: &TomlFile,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
) -> Result<Setting<T>, FileError> {
    let name = key.get_ref().as_ref();
    match T::from_toml(value.get_ref()) {
        Ok(v) => Ok(Setting::new(v, file_source(file, key.span().start))),
        Err(Rejected::Type) => Err(file.wrong_type(name, value, T::TOML_TYPE)),
        Err(Rejected::Value(m)) => Err(file.bad_value(name, value, m)),
    }
}

/// The source of a value whose key starts at `offset`.
pub(crate) fn file_source(file: &TomlFile, offset: usize) -> Source {
    Source::File {
        path: file.path().to_path_buf(),
        line: file.position(offset).line,
    }
}

/// Reads the `checks` table: one section per registered check id.
pub(crate) fn parse_checks(
    file: &TomlFile,
    checks: &Spanned<DeValue<'_>>,
    registered: &[Check],
) -> Result<BTreeMap<String, CheckSettings>, FileError> {
    let DeValue::Table(sections) = checks.get_ref() else {
        return Err(file.wrong_type("checks", checks, "a table of [checks.\"check-id\"] sections"));
    };
    let ids: Vec<&str> = registered.iter().map(|c| c.meta.id).collect();
    let mut out = BTreeMap::new();
    for (id, section) in sections.iter() {
        let id_str = id.get_ref().as_ref();
        if !ids.contains(&id_str) {
            return Err(file.error(
                id.span(),
                FileErrorKind::UnknownCheck {
                    id: id_str.to_string(),
                    suggestions: closest(id_str, ids.iter().copied(), 3),
                },
            ));
        }
        let DeValue::Table(table) = section.get_ref() else {
            return Err(file.wrong_type(id_str, section, "a table"));
        };
        let mut settings = CheckSettings {
            source: file_source(file, id.span().start),
            enabled: None,
            repeat: None,
            timeout: None,
            knobs: BTreeMap::new(),
        };
        for (key, value) in table.iter() {
            match key.get_ref().as_ref() {
                "enabled" => settings.enabled = Some(read_key(file, key, value)?),
                "repeat" => settings.repeat = Some(read_key(file, key, value)?),
                "timeout" => settings.timeout = Some(read_key(file, key, value)?),
                knob => {
                    let json = to_json(file, knob, value)?;
                    settings.knobs.insert(
                        knob.to_string(),
                        Setting::new(json, file_source(file, key.span().start)),
                    );
                }
            }
        }
        out.insert(id_str.to_string(), settings);
    }
    Ok(out)
}

/// A TOML value as JSON: datetimes become strings. `key` names the value
/// in the error for an integer beyond 64 bits or a float that is nan or
/// infinite.
pub fn to_json(file: &TomlFile, key: &str, value: &Spanned<DeValue<'_>>) -> Result<Value, FileError> {
    Ok(match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::from(n),
            Err(_) => return Err(file.bad_value(key, value, "the integer does not fit in 64 bits")),
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => return Err(file.bad_value(key, value, "the value cannot be nan or infinite")),
        },
        DeValue::Array(items) => Value::Array(items.iter().map(|v| to_json(file, key, v)).collect::<Result<_, _>>()?),
        DeValue::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| Ok((k.get_ref().to_string(), to_json(file, key, v)?)))
                .collect::<Result<_, FileError>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::registry;
    use serde_json::json;

    fn parse(text: &str) -> Result<BTreeMap<String, CheckSettings>, FileError> {
        let file = TomlFile::new("dockhand.toml", text);
        let root = file.parse()?;
        parse_checks(&file, root.get("checks").unwrap(), &registry())
    }

    #[test]
    fn sections_carry_settings_and_knobs_with_lines() {
        let text = r#"
[checks."containers/lifecycle/restart"]
enabled = false
repeat = 3
timeout = "60s"
lines = 1000
ratio = 0.5
when = 1979-05-27T07:32:00Z
modes = ["a", "b"]
nested = { deep = true }
"#;
        let checks = parse(text).unwrap();
        let s = &checks["containers/lifecycle/restart"];
        let at = |line| Source::File {
            path: "dockhand.toml".into(),
            line,
        };
        assert_eq!(s.source, at(2));
        assert_eq!(s.enabled, Some(Setting::new(false, at(3))));
        assert_eq!(s.repeat, Some(Setting::new(3, at(4))));
        assert_eq!(s.timeout, Some(Setting::new(Duration::from_secs(60), at(5))));
        assert_eq!(s.knobs["lines"].source, at(6));
        assert_eq!(
            s.knobs_json(),
            json!({
                "lines": 1000,
                "ratio": 0.5,
                "when": "1979-05-27T07:32:00Z",
                "modes": ["a", "b"],
                "nested": {"deep": true},
            })
        );
    }

    #[test]
    fn unknown_check_ids_suggest_the_closest() {
        let text = "[checks.\"containers/lifecycle/restrat\"]\nenabled = false\n";
        let e = parse(text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no check has the id `containers/lifecycle/restrat` (section in dockhand.toml line 1, column 9); \
             did you mean `containers/lifecycle/restart`? `dockhand list` shows every check id"
        );
    }

    #[test]
    fn wrong_types_name_the_key_and_position() {
        let e = parse("[checks.\"system/ping\"]\nrepeat = \"3\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`repeat` in dockhand.toml line 2, column 10 must be an integer, not a string"
        );
        let e = parse("[checks.\"system/ping\"]\ntimeout = \"soon\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid `timeout` in dockhand.toml line 2, column 11: expected a duration"),
            "{e}"
        );
        let e = parse("[checks]\n\"system/ping\" = 1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`system/ping` in dockhand.toml line 2, column 17 must be a table, not an integer"
        );
    }
}
