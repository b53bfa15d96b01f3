//! [`SettingValue`]: how each type of setting is read from a TOML value or
//! from the text of a variable or flag, and written back as TOML. One parser
//! per type, so a value means the same in every layer and is rejected with the
//! same words.

use std::path::PathBuf;
use std::time::Duration;

use dockhand_engine::{ApiVersion, Endpoint, EndpointSource, MIN_API_VERSION};
use toml::de::DeValue;

/// Why a TOML value was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// The TOML type is wrong; the setting wants [`SettingValue::TOML_TYPE`].
    Type,
    /// The type is right, the value is not: what is expected.
    Value(String),
}

/// A type a setting can have.
pub trait SettingValue: Sized {
    /// The TOML type it is written as, with its article: `a string`.
    const TOML_TYPE: &'static str;
    /// Parses the text of an environment variable or a flag.
    fn parse_text(text: &str) -> Result<Self, String>;
    /// Reads a TOML value.
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected>;
    /// The value as a TOML literal, for `dockhand config show`.
    fn to_toml(&self) -> String;
}

/// The TOML literal of a string.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Reads a string-typed TOML value through `parse_text`.
fn from_toml_string<T: SettingValue>(value: &DeValue<'_>) -> Result<T, Rejected> {
    match value {
        DeValue::String(s) => T::parse_text(s).map_err(Rejected::Value),
        _ => Err(Rejected::Type),
    }
}

const DURATION_EXPECTED: &str = "expected a duration such as 30s, 500ms, 2m or 1m30s";

/// Parses `30s`, `500ms`, `2m`, `1h`, `1.5s`, `1m30s`; zero is rejected (every
/// duration here is a deadline).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(DURATION_EXPECTED.to_string());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().map_err(|_| DURATION_EXPECTED.to_string())?;
        rest = &rest[num_len..];
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit_nanos = match &rest[..unit_len] {
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(DURATION_EXPECTED.to_string()),
        };
        rest = &rest[unit_len..];
        // In whole nanoseconds, so that `1.5s` and `1500ms` are the same duration.
        let nanos = (number * unit_nanos).round();
        total = (nanos < u64::MAX as f64)
            .then(|| total.checked_add(Duration::from_nanos(nanos as u64)))
            .flatten()
            .ok_or_else(|| DURATION_EXPECTED.to_string())?;
    }
    if total.is_zero() {
        return Err("a deadline must be longer than zero".into());
    }
    Ok(total)
}

/// The shortest exact form [`parse_duration`] reads back: `2m`, `30s`, `1500ms`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms == 0 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

impl SettingValue for Duration {
    const TOML_TYPE: &'static str = "a string such as \"30s\"";
    fn parse_text(text: &str) -> Result<Self, String> {
        parse_duration(text)
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        from_toml_string(value)
    }
    fn to_toml(&self) -> String {
        toml_string(&format_duration(*self))
    }
}

/// Counts (jobs, repetitions) are at least 1.
impl SettingValue for u32 {
    const TOML_TYPE: &'static str = "an integer";
    fn parse_text(text: &str) -> Result<Self, String> {
        match text.trim().parse::<u32>() {
            Ok(0) | Err(_) => Err("expected a whole number of at least 1".into()),
            Ok(n) => Ok(n),
        }
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        match value {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| Rejected::Value("expected a whole number of at least 1".into())),
            _ => Err(Rejected::Type),
        }
    }
    fn to_toml(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for bool {
    const TOML_TYPE: &'static str = "a boolean (true or false)";
    fn parse_text(text: &str) -> Result<Self, String> {
        match text.trim() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err("expected true or false".into()),
        }
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        value.as_bool().ok_or(Rejected::Type)
    }
    fn to_toml(&self) -> String {
        self.to_string()
    }
}

/// Names (of images) are non-empty.
impl SettingValue for String {
    const TOML_TYPE: &'static str = "a string";
    fn parse_text(text: &str) -> Result<Self, String> {
        if text.trim().is_empty() {
            Err("expected a non-empty string".into())
        } else {
            Ok(text.to_string())
        }
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        from_toml_string(value)
    }
    fn to_toml(&self) -> String {
        toml_string(self)
    }
}

impl SettingValue for PathBuf {
    const TOML_TYPE: &'static str = "a string (a path)";
    fn parse_text(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            Err("expected a path".into())
        } else {
            Ok(PathBuf::from(text))
        }
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        from_toml_string(value)
    }
    fn to_toml(&self) -> String {
        toml_string(&self.to_string_lossy())
    }
}

/// The engine's address as given in configuration, which stands in for `--host`.
impl SettingValue for Endpoint {
    const TOML_TYPE: &'static str = "a string such as \"unix:///var/run/docker.sock\"";
    fn parse_text(text: &str) -> Result<Self, String> {
        Endpoint::parse(text, EndpointSource::Flag).map_err(|e| {
            format!(
                "{}; use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host",
                e.reason
            )
        })
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        from_toml_string(value)
    }
    fn to_toml(&self) -> String {
        match &self.address {
            // The TLS settings are not part of `host`: the address alone.
            dockhand_engine::Address::Tls(t) => toml_string(&format!("tcp://{}", t.hostport)),
            a => toml_string(&a.to_string()),
        }
    }
}

/// Which API version a run speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersionChoice {
    /// The lower of the engine's newest and dockhand's newest (`"auto"`).
    Negotiate,
    /// This version, whatever the engine says.
    Pin(ApiVersion),
}

impl ApiVersionChoice {
    /// The version to pin, if any (`ConnectOptions::pinned_version`).
    pub fn pinned(&self) -> Option<ApiVersion> {
        match self {
            ApiVersionChoice::Negotiate => None,
            ApiVersionChoice::Pin(v) => Some(*v),
        }
    }
}

impl SettingValue for ApiVersionChoice {
    const TOML_TYPE: &'static str = "a string such as \"1.41\" or \"auto\"";
    fn parse_text(text: &str) -> Result<Self, String> {
        if text.trim() == "auto" {
            return Ok(ApiVersionChoice::Negotiate);
        }
        let v: ApiVersion = text
            .parse()
            .map_err(|_| "expected MAJOR.MINOR such as 1.41, or auto to negotiate".to_string())?;
        if v < MIN_API_VERSION {
            return Err(format!("dockhand speaks API {MIN_API_VERSION} and newer"));
        }
        Ok(ApiVersionChoice::Pin(v))
    }
    fn from_toml(value: &DeValue<'_>) -> Result<Self, Rejected> {
        from_toml_string(value)
    }
    fn to_toml(&self) -> String {
        match self {
            ApiVersionChoice::Negotiate => toml_string("auto"),
            ApiVersionChoice::Pin(v) => toml_string(&v.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_units_and_sums() {
        let cases = [
            ("30s", 30_000),
            ("500ms", 500),
            ("2m", 120_000),
            ("1h", 3_600_000),
            ("1.5s", 1_500),
            ("1m30s", 90_000),
        ];
        for (text, ms) in cases {
            assert_eq!(parse_duration(text), Ok(Duration::from_millis(ms)), "{text}");
        }
        for bad in ["", "30", "s", "3x", "1.2.3s", "-1s", "30 s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("0s").unwrap_err(), "a deadline must be longer than zero");
    }

    #[test]
    fn durations_format_back_to_what_parses() {
        for (ms, text) in [
            (500, "500ms"),
            (1500, "1500ms"),
            (30_000, "30s"),
            (120_000, "2m"),
            (7_200_000, "2h"),
        ] {
            let d = Duration::from_millis(ms);
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d));
        }
    }

    fn toml_value(text: &str) -> DeValue<'_> {
        DeValue::parse(text).unwrap().into_inner()
    }

    #[test]
    fn counts_are_positive_integers() {
        assert_eq!(u32::from_toml(&toml_value("3")), Ok(3));
        assert_eq!(u32::from_toml(&toml_value("0x10")), Ok(16));
        assert_eq!(u32::from_toml(&toml_value("\"3\"")), Err(Rejected::Type));
        assert!(matches!(u32::from_toml(&toml_value("0")), Err(Rejected::Value(_))));
        assert!(matches!(u32::from_toml(&toml_value("-2")), Err(Rejected::Value(_))));
        assert_eq!(u32::parse_text("4"), Ok(4));
        assert!(u32::parse_text("four").is_err());
    }

    #[test]
    fn endpoints_and_api_versions() {
        let e = Endpoint::from_toml(&toml_value("\"tcp://h:1\"")).unwrap();
        assert_eq!(e.to_toml(), "\"tcp://h:1\"");
        let Err(Rejected::Value(m)) = Endpoint::from_toml(&toml_value("\"http://h\"")) else {
            panic!()
        };
        assert!(m.contains("scheme"), "{m}");
        assert_eq!(ApiVersionChoice::parse_text("auto"), Ok(ApiVersionChoice::Negotiate));
        assert_eq!(
            ApiVersionChoice::parse_text("1.41").map(|c| c.pinned()),
            Ok(Some(ApiVersion::new(1, 41)))
        );
        assert!(ApiVersionChoice::parse_text("1.12").unwrap_err().contains("1.25"));
        assert!(ApiVersionChoice::parse_text("latest").is_err());
    }
}
