//! The labels every object a check creates carries, and the facts they are
//! made of: this host's name, the owning process, the expiry. The runner
//! writes them, leak accounting and the sweeper read them; environments
//! (`dockhand-env`) use their own `dockhand.env.*` names but the same host
//! name and expiry rule.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// The label every object dockhand creates carries: the run id.
pub const LABEL_RUN: &str = "dockhand.run";
/// The id of the check that created the object.
pub const LABEL_CHECK: &str = "dockhand.check";
/// `<case id>#<iteration>`: what leak accounting looks for after cleanup.
pub const LABEL_CASE: &str = "dockhand.case";
/// `<hostname>/<pid>` of the dockhand process that created it.
pub const LABEL_OWNER: &str = "dockhand.owner";
/// Unix time after which any dockhand may sweep the object.
pub const LABEL_EXPIRES: &str = "dockhand.expires";

/// How long a run's objects are protected from other runs' sweeps when their
/// owner cannot be checked (another host).
pub const OBJECT_LIFETIME: Duration = Duration::from_secs(6 * 3600);

/// This host's name, read once.
pub fn hostname() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap_or_default()
            .trim()
            .to_string()
    })
}

/// `<hostname>/<pid>` of this process.
pub fn owner() -> String {
    format!("{}/{}", hostname(), std::process::id())
}

/// Seconds since the Unix epoch, the unit of every expiry label.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Whether the expiry label `key` of `labels` names a time that has passed.
/// An object without one (or with one that is not a number) never expires.
pub fn expired(labels: &Value, key: &str) -> bool {
    labels[key]
        .as_str()
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|t| t < unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_past_expiry_has_expired() {
        let past = serde_json::json!({ LABEL_EXPIRES: (unix_now() - 1).to_string() });
        let future = serde_json::json!({ LABEL_EXPIRES: (unix_now() + 60).to_string() });
        assert!(expired(&past, LABEL_EXPIRES));
        assert!(!expired(&future, LABEL_EXPIRES));
        assert!(!expired(&serde_json::json!({}), LABEL_EXPIRES));
        assert!(!expired(&serde_json::json!({ LABEL_EXPIRES: "soon" }), LABEL_EXPIRES));
    }

    #[test]
    fn the_owner_is_this_host_and_process() {
        assert_eq!(owner(), format!("{}/{}", hostname(), std::process::id()));
        assert!(!hostname().is_empty());
    }
}
