//! The labels an environment's objects carry, project names, and
//! [`sweep_abandoned`], which removes environments whose owner crashed or
//! whose expiry passed.
//!
//! Environments use their own `dockhand.env.*` labels, not the check runner's
//! `dockhand.run`: an environment brought up with `dockhand env up` outlives
//! the process that made it on purpose, and must not be swept by the next
//! `dockhand check` as the leftover of a dead run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dockhand_engine::{label_filter, Engine, EngineError};
use dockhand_objects::{self as objects, expired, hostname, unix_now, Labelled};
use serde_json::{Map, Value};

/// The project an object belongs to.
pub const LABEL_PROJECT: &str = "dockhand.env.project";
/// The service a container (or built image) belongs to.
pub const LABEL_SERVICE: &str = "dockhand.env.service";
/// The replica number of a container, from 1.
pub const LABEL_REPLICA: &str = "dockhand.env.replica";
/// The compose file the project came from.
pub const LABEL_FILE: &str = "dockhand.env.file";
/// Unix time after which any dockhand may remove the project.
pub const LABEL_EXPIRES: &str = "dockhand.env.expires";
/// `<host>/<pid>/<start time>` of the process that owns a short-lived
/// environment (`env run`, the library): when it is gone, the project is
/// swept. Environments from `env up` have no owner; only the expiry counts.
pub const LABEL_OWNER: &str = "dockhand.env.owner";

/// The default lifetime of an environment from `env up`.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// `<host>/<pid>/<start time in clock ticks>` of this process: the start
/// time tells a live owner from a later process that reuses its pid.
pub fn owner() -> String {
    format!(
        "{}/{}/{}",
        hostname(),
        std::process::id(),
        start_time(std::process::id()).unwrap_or(0)
    )
}

fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name in parentheses may hold spaces: fields count after it.
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(19)?.parse().ok()
}

fn owner_alive(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, '/');
    let (Some(start), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if host != hostname() {
        return true; // another host: only the expiry can tell
    }
    match pid.parse::<u32>() {
        Ok(pid) => start_time(pid).is_some_and(|t| t.to_string() == start),
        Err(_) => false,
    }
}

/// The labels of every object of a project.
pub fn project_labels(project: &str, file: &str, ttl: Duration, owned: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(LABEL_PROJECT.into(), project.into());
    m.insert(LABEL_FILE.into(), file.into());
    m.insert(LABEL_EXPIRES.into(), (unix_now() + ttl.as_secs()).to_string().into());
    if owned {
        m.insert(LABEL_OWNER.into(), owner().into());
    }
    m
}

/// The label filter selecting a project's objects.
pub fn project_filter(project: &str) -> String {
    label_filter(&[&format!("{LABEL_PROJECT}={project}")])
}

/// A project name as compose makes one from a directory: lowercase letters,
/// digits, `-` and `_`, starting with a letter or digit. `None` when nothing
/// usable is left.
pub fn normalize_project(raw: &str) -> Option<String> {
    let s: String = raw
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let s = s.trim_start_matches(['-', '_']).to_string();
    (!s.is_empty()).then_some(s)
}

fn abandoned(labels: &Value) -> bool {
    let dead_owner = labels[LABEL_OWNER].as_str().is_some_and(|o| !owner_alive(o));
    expired(labels, LABEL_EXPIRES) || dead_owner
}

/// Projects whose objects are expired or whose owner is gone.
pub async fn abandoned_projects(engine: &Engine) -> Result<BTreeSet<String>, EngineError> {
    let all = objects::list(engine, &label_filter(&[LABEL_PROJECT])).await?;
    Ok(all
        .iter()
        .filter(|o| abandoned(&o.labels))
        .filter_map(|o| o.labels[LABEL_PROJECT].as_str().map(str::to_string))
        .collect())
}

/// What [`remove_project`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    pub containers: usize,
    pub networks: usize,
    pub volumes: usize,
    pub images: usize,
}

impl Removed {
    pub fn total(&self) -> usize {
        self.containers + self.networks + self.volumes + self.images
    }
}

/// Removes every object of a project: containers first (in parallel), then
/// networks, volumes and, unless `keep_images`, the images built for it.
pub async fn remove_project(engine: &Engine, project: &str, keep_images: bool) -> Result<Removed, EngineError> {
    let all = objects::list(engine, &project_filter(project)).await?;
    let mut removed = Removed::default();
    let (containers, rest): (Vec<Labelled>, Vec<Labelled>) =
        all.into_iter().partition(|o| o.kind == objects::ObjectKind::Container);
    let mut set = tokio::task::JoinSet::new();
    for c in containers {
        let e = engine.clone();
        set.spawn(async move { objects::remove(&e, c.kind, &c.id).await });
    }
    let mut first_err = None;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(())) => removed.containers += 1,
            Ok(Err(e)) => first_err = first_err.or(Some(e)),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    for o in rest {
        match o.kind {
            objects::ObjectKind::Image if keep_images => continue,
            objects::ObjectKind::Image => removed.images += 1,
            objects::ObjectKind::Network => removed.networks += 1,
            objects::ObjectKind::Volume => removed.volumes += 1,
            // Environments make no swarm objects; one labelled as theirs goes too.
            objects::ObjectKind::Container
            | objects::ObjectKind::Service
            | objects::ObjectKind::Secret
            | objects::ObjectKind::Config => {}
        }
        objects::remove(engine, o.kind, &o.id).await?;
    }
    Ok(removed)
}

/// Removes abandoned environments (expired, or owned by a process that is
/// gone). Returns the projects removed and what they held.
pub async fn sweep_abandoned(engine: &Engine) -> Result<BTreeMap<String, Removed>, EngineError> {
    let mut out = BTreeMap::new();
    for p in abandoned_projects(engine).await? {
        let r = remove_project(engine, &p, false).await?;
        out.insert(p, r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_follow_compose() {
        assert_eq!(normalize_project("My App.v2").as_deref(), Some("myappv2"));
        assert_eq!(normalize_project("_x-Y").as_deref(), Some("x-y"));
        assert_eq!(normalize_project("..."), None);
    }

    #[test]
    fn this_process_is_a_live_owner_and_a_made_up_one_is_not() {
        assert!(owner_alive(&owner()));
        let me = owner();
        let (rest, _) = me.rsplit_once('/').unwrap();
        assert!(
            !owner_alive(&format!("{rest}/1")),
            "a different start time is another process"
        );
        assert!(!owner_alive(&format!("{}/4194999/1", hostname())));
        assert!(owner_alive("elsewhere/1/1"));
    }

    #[test]
    fn expiry_and_owner_decide() {
        let live = serde_json::json!({ LABEL_EXPIRES: (unix_now() + 60).to_string(), LABEL_OWNER: owner() });
        assert!(!abandoned(&live));
        let expired = serde_json::json!({ LABEL_EXPIRES: (unix_now() - 1).to_string() });
        assert!(abandoned(&expired));
        let unowned = serde_json::json!({ LABEL_EXPIRES: (unix_now() + 60).to_string() });
        assert!(!abandoned(&unowned));
    }
}
