//! Sweeping: removing objects that dockhand runs left behind.
//!
//! An object is fair game when its run is not alive: its owner label names
//! this host and a pid that is no longer a dockhand process, or its expiry has
//! passed (the owner may be on another host). Objects of live runs beside us
//! are never touched.

use dockhand_engine::{label_filter, Engine, EngineError};
use serde_json::Value;

use crate::identity::Capabilities;
use crate::labelled::{self, ObjectKind};
use crate::labels::{expired, hostname, LABEL_EXPIRES, LABEL_OWNER, LABEL_RUN};

/// What a sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    pub containers: usize,
    pub volumes: usize,
    pub networks: usize,
    pub images: usize,
    /// Services, secrets and configs (on a swarm manager).
    pub swarm_objects: usize,
}

impl SweepReport {
    pub fn total(&self) -> usize {
        self.containers + self.volumes + self.networks + self.images + self.swarm_objects
    }
}

/// Which objects to sweep.
#[derive(Debug, Clone)]
pub enum SweepScope<'a> {
    /// Objects whose owning process is gone or whose expiry passed.
    Abandoned,
    /// Every object of this run id (used by `--resume` and at the end of a run).
    Run(&'a str),
    /// Every dockhand object, whoever owns it (`dockhand clean --all`).
    All,
}

fn owner_alive(owner: &str) -> bool {
    let Some((h, pid)) = owner.rsplit_once('/') else {
        return false;
    };
    if h != hostname() {
        // Another host: only the expiry can tell.
        return true;
    }
    if pid == std::process::id().to_string() {
        return true;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => String::from_utf8_lossy(&cmd).contains("dockhand"),
        Err(_) => false,
    }
}

fn abandoned(labels: &Value) -> bool {
    let dead = labels[LABEL_OWNER].as_str().is_none_or(|o| !owner_alive(o));
    expired(labels, LABEL_EXPIRES) || dead
}

fn in_scope(scope: &SweepScope<'_>, labels: &Value) -> bool {
    // The label filter should have left only dockhand's objects; an engine
    // that ignores a filter must not make us remove others' objects.
    if labels[LABEL_RUN].as_str().is_none() {
        return false;
    }
    match scope {
        SweepScope::Abandoned => abandoned(labels),
        SweepScope::Run(r) => labels[LABEL_RUN].as_str() == Some(r),
        SweepScope::All => true,
    }
}

/// Removes dockhand objects in scope: containers first (they hold the rest).
/// Swarm-scoped kinds are listed only where `caps` says the engine serves them.
pub async fn sweep(engine: &Engine, caps: &Capabilities, scope: SweepScope<'_>) -> Result<SweepReport, EngineError> {
    let filter = match scope {
        SweepScope::Run(r) => label_filter(&[&format!("{LABEL_RUN}={r}")]),
        _ => label_filter(&[LABEL_RUN]),
    };
    let mut report = SweepReport::default();
    let mut found = labelled::list_swarm(engine, caps, &filter).await?;
    found.extend(labelled::list(engine, &filter).await?);
    for o in found {
        if !in_scope(&scope, &o.labels) {
            continue;
        }
        labelled::remove(engine, o.kind, &o.id).await?;
        *match o.kind {
            ObjectKind::Container => &mut report.containers,
            ObjectKind::Network => &mut report.networks,
            ObjectKind::Volume => &mut report.volumes,
            ObjectKind::Image => &mut report.images,
            ObjectKind::Service | ObjectKind::Secret | ObjectKind::Config => &mut report.swarm_objects,
        } += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{owner, unix_now};

    #[test]
    fn an_object_is_abandoned_when_its_owner_is_gone_or_its_expiry_passed() {
        let later = (unix_now() + 60).to_string();
        let live = serde_json::json!({ LABEL_OWNER: owner(), LABEL_EXPIRES: later });
        assert!(!abandoned(&live), "this process owns it");
        let elsewhere = serde_json::json!({ LABEL_OWNER: "another-host/1", LABEL_EXPIRES: later });
        assert!(!abandoned(&elsewhere), "another host's owner: only the expiry can tell");
        let dead = serde_json::json!({ LABEL_OWNER: format!("{}/4194999", hostname()), LABEL_EXPIRES: later });
        assert!(abandoned(&dead), "no such pid on this host");
        let expired = serde_json::json!({ LABEL_OWNER: owner(), LABEL_EXPIRES: (unix_now() - 1).to_string() });
        assert!(abandoned(&expired));
        assert!(abandoned(&serde_json::json!({})), "no owner at all");
    }

    #[test]
    fn a_run_scope_takes_only_that_run() {
        let mine = serde_json::json!({ LABEL_RUN: "r1" });
        assert!(in_scope(&SweepScope::Run("r1"), &mine));
        assert!(!in_scope(&SweepScope::Run("r2"), &mine));
        assert!(in_scope(&SweepScope::All, &mine));
        let foreign = serde_json::json!({ "app": "theirs" });
        assert!(
            !in_scope(&SweepScope::All, &foreign),
            "not dockhand's, whatever the engine's filter let through"
        );
        assert!(!in_scope(&SweepScope::Abandoned, &foreign));
    }
}
