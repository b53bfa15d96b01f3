//! Text shared by the reporters: a case's name ([`case_name`]), one API call
//! ([`call_line`]), a known failure's excuse ([`known_failure`]), and a run's
//! counts ([`counts_line`]), so that the terminal and the JUnit file say the
//! same thing the same way.

use dockhand_engine::CallRecord;

use crate::events::{CaseKey, Counts};

/// `id`, or `id#N` for iterations after the first.
pub fn case_name(key: &CaseKey) -> String {
    if key.iteration > 1 {
        format!("{}#{}", key.id, key.iteration)
    } else {
        key.id.clone()
    }
}

/// `POST /v1.41/containers/create -> 201 (3.2 ms)`, or the error below HTTP.
pub fn call_line(c: &CallRecord) -> String {
    let result = match (c.status, &c.error) {
        (Some(s), _) => s.to_string(),
        (None, Some(e)) => e.clone(),
        (None, None) => "no reply".into(),
    };
    format!("{} {} -> {result} ({:.1} ms)", c.method, c.path, c.elapsed_ms)
}

/// `known failure for <deviation>: <reason>` (just `known failure: <reason>`
/// for an outcome read from a journal written before entries were pinned).
pub fn known_failure(deviation: &str, reason: &str) -> String {
    if deviation.is_empty() {
        format!("known failure: {reason}")
    } else {
        format!("known failure for {deviation}: {reason}")
    }
}

/// `unsupported: PluginList answered 404 "Path /plugins is not supported"
/// (<reason>)`: an unsupported outcome with its evidence, on one line.
pub fn unsupported(operation: &str, status: u16, message: &str, reason: &str) -> String {
    let said = if message.is_empty() {
        String::new()
    } else {
        format!(" {message:?}")
    };
    format!("unsupported: {operation} answered {status}{said} ({reason})")
}

/// `7 cases: 4 passed, 1 failed, 1 error, 1 skipped`: the non-zero counts.
pub fn counts_line(c: &Counts) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let parts: Vec<String> = [
        (c.passed, "passed", "passed"),
        (c.failed, "failed", "failed"),
        (c.error, "error", "errors"),
        (c.skipped, "skipped", "skipped"),
        (c.known_failure, "known failure", "known failures"),
        (c.fixed, "fixed", "fixed"),
        (c.not_run, "not run", "not run"),
        (c.unsupported, "unsupported", "unsupported"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| plural(n, one, many))
    .collect();
    let total = plural(c.total(), "case", "cases");
    if parts.is_empty() {
        total
    } else {
        format!("{total}: {}", parts.join(", "))
    }
}

/// Milliseconds as seconds with three decimals: `1.204s`.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{call, key};

    #[test]
    fn names_calls_and_counts() {
        assert_eq!(case_name(&key("a/b:v", 1)), "a/b:v");
        assert_eq!(case_name(&key("a/b:v", 3)), "a/b:v#3");
        assert_eq!(
            call_line(&call("POST", "/v1.41/containers/create", Some(201), 3.2)),
            "POST /v1.41/containers/create -> 201 (3.2 ms)"
        );
        let mut down = call("GET", "/_ping", None, 5000.0);
        down.error = Some("not responding".into());
        assert_eq!(call_line(&down), "GET /_ping -> not responding (5000.0 ms)");
        let c = Counts {
            passed: 4,
            failed: 1,
            error: 2,
            known_failure: 1,
            unsupported: 2,
            ..Counts::default()
        };
        assert_eq!(
            counts_line(&c),
            "10 cases: 4 passed, 1 failed, 2 errors, 1 known failure, 2 unsupported"
        );
        assert_eq!(
            unsupported("PluginList", 404, "Path /plugins is not supported", "r"),
            "unsupported: PluginList answered 404 \"Path /plugins is not supported\" (r)"
        );
        assert_eq!(unsupported("X", 501, "", "r"), "unsupported: X answered 501 (r)");
        assert_eq!(counts_line(&Counts::default()), "0 cases");
        assert_eq!(seconds(1204), "1.204s");
        assert_eq!(seconds(12), "0.012s");
    }
}
