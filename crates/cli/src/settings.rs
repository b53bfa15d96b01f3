//! The command line, phase two: validated settings built once from the raw
//! flags. Everything after this reads settings, never raw strings.

use std::time::Duration;

use dockhand_engine::{ApiVersion, ConnectOptions, Deadlines, Endpoint};

use crate::args::GlobalArgs;
use crate::error::CliError;

/// Parses `30s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(what: &str, s: &str) -> Result<Duration, CliError> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = num.parse().map_err(|_| {
        CliError::Usage(format!(
            "invalid {what} '{s}': expected a duration such as 30s, 500ms or 2m"
        ))
    })?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(CliError::Usage(format!(
                "invalid {what} '{s}': unknown unit '{unit}'; use ms, s, m or h"
            )))
        }
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(CliError::Usage(format!(
            "invalid {what} '{s}': it must be greater than zero"
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// How to reach the engine, validated.
pub fn connect_options(g: &GlobalArgs) -> Result<ConnectOptions, CliError> {
    let endpoint = Endpoint::resolve(g.host.as_deref())?;
    let call = match &g.timeout {
        Some(t) => parse_duration("--timeout", t)?,
        None => Deadlines::default().call,
    };
    let pinned_version = g
        .api_version
        .as_deref()
        .map(|v| v.parse::<ApiVersion>().map_err(|e| CliError::Usage(e.to_string())))
        .transpose()?;
    Ok(ConnectOptions {
        endpoint,
        deadlines: Deadlines {
            call,
            stream_idle: call,
        },
        pinned_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("t", "30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("t", "250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("t", "2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("t", "5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("t", "0s").is_err());
        assert!(parse_duration("t", "5 parsecs")
            .unwrap_err()
            .to_string()
            .contains("unknown unit"));
        assert!(parse_duration("t", "fast").is_err());
    }
}
