//! [`Labelled`]: dockhand's objects on an engine, found by a label filter, and
//! [`remove`], the one way to delete one. The runner's cleanup stack, its leak
//! accounting and the sweeper all go through here, so they agree on what
//! "removed" means: success, or 404 because it is already gone (for a
//! container whose removal another caller started: gone within 10 s).

use std::fmt;

use dockhand_engine::{Engine, EngineError, Request};

use crate::identity::Capabilities;
use serde_json::Value;

/// The kinds of objects dockhand creates and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Container,
    Network,
    Volume,
    Image,
    /// Swarm objects: only on a manager.
    Service,
    Secret,
    Config,
}

/// One labelled object.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub kind: ObjectKind,
    /// The id (containers, networks, images) or name (volumes) to remove it by.
    pub id: String,
    /// The name people know it by.
    pub name: String,
    pub labels: Value,
}

impl fmt::Display for Labelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |s: &str, n: usize| s[..s.len().min(n)].to_string();
        match self.kind {
            ObjectKind::Container => write!(f, "container {} ({})", self.name, short(&self.id, 12)),
            ObjectKind::Network => write!(f, "network {}", self.name),
            ObjectKind::Volume => write!(f, "volume {}", self.name),
            ObjectKind::Image => write!(f, "image {}", short(&self.id, 19)),
            ObjectKind::Service => write!(f, "service {}", self.name),
            ObjectKind::Secret => write!(f, "secret {}", self.name),
            ObjectKind::Config => write!(f, "config {}", self.name),
        }
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// Every object matching `filters` (the list endpoints' JSON filter), in the
/// order they can be removed: containers first, since they hold the rest.
pub async fn list(engine: &Engine, filters: &str) -> Result<Vec<Labelled>, EngineError> {
    let mut out = Vec::new();
    for c in engine.container_list(true, Some(filters)).await? {
        out.push(Labelled {
            kind: ObjectKind::Container,
            id: str_of(&c, "Id"),
            name: c["Names"][0]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_string(),
            labels: c["Labels"].clone(),
        });
    }
    let get = |path: &str| Request::get(path).query("filters", filters);
    let nets: Vec<Value> = engine.send(get("/networks")).await?.ok()?.json()?;
    out.extend(nets.iter().map(|n| Labelled {
        kind: ObjectKind::Network,
        id: str_of(n, "Id"),
        name: str_of(n, "Name"),
        labels: n["Labels"].clone(),
    }));
    let vols: Value = engine.send(get("/volumes")).await?.ok()?.json()?;
    out.extend(vols["Volumes"].as_array().into_iter().flatten().map(|v| Labelled {
        kind: ObjectKind::Volume,
        id: str_of(v, "Name"),
        name: str_of(v, "Name"),
        labels: v["Labels"].clone(),
    }));
    let images: Vec<Value> = engine
        .send(get("/images/json").query("all", true))
        .await?
        .ok()?
        .json()?;
    out.extend(images.iter().map(|i| Labelled {
        kind: ObjectKind::Image,
        id: str_of(i, "Id"),
        name: str_of(i, "Id"),
        labels: i["Labels"].clone(),
    }));
    // Podman 4.3 answers a volume list with several `label` filters with the
    // volumes matching any of them, where Docker requires all: a case's leak
    // accounting then saw (and tried to remove) another case's volume.
    let wanted = label_filters(filters);
    out.retain(|o| has_labels(&o.labels, &wanted));
    Ok(out)
}

/// The `label` entries of a filters document (`{"label": ["k=v", "k"]}`).
fn label_filters(filters: &str) -> Vec<String> {
    serde_json::from_str::<Value>(filters)
        .ok()
        .and_then(|f| f.get("label").cloned())
        .and_then(|l| serde_json::from_value(l).ok())
        .unwrap_or_default()
}

/// Whether `labels` has every `k=v` (that value) and `k` (any value) of `wanted`.
fn has_labels(labels: &Value, wanted: &[String]) -> bool {
    wanted.iter().all(|w| match w.split_once('=') {
        Some((k, v)) => labels.get(k).and_then(Value::as_str) == Some(v),
        None => labels.get(w.as_str()).is_some(),
    })
}

/// The swarm-scoped objects matching `filters`: services first (they hold
/// the rest), then secrets and configs, each only where `caps` says the
/// engine serves it now (Docker serves none of them until it is a swarm
/// manager; Podman serves secrets and no services or configs at all).
pub async fn list_swarm(engine: &Engine, caps: &Capabilities, filters: &str) -> Result<Vec<Labelled>, EngineError> {
    let mut out = Vec::new();
    for (kind, path) in caps.listable_swarm_kinds() {
        let items: Vec<Value> = engine
            .send(Request::get(path).query("filters", filters))
            .await?
            .ok()?
            .json()?;
        out.extend(items.iter().map(|o| Labelled {
            kind,
            id: str_of(o, "ID"),
            name: o["Spec"]["Name"].as_str().unwrap_or_default().to_string(),
            labels: o["Spec"]["Labels"].clone(),
        }));
    }
    Ok(out)
}

/// How long removing a service waits for its tasks to be gone.
const SERVICE_TASKS_GONE: std::time::Duration = std::time::Duration::from_secs(30);

/// Removes a service, then waits (up to 30 s) until the manager lists no
/// task of it: until then, its networks, secrets and configs are in use.
/// (All tasks are listed: a `service` filter naming a removed service is a
/// 404 on Docker, which resolves the filter's names first.)
async fn remove_service(engine: &Engine, id: &str) -> Result<(), EngineError> {
    let resp = engine.send(Request::delete(format!("/services/{id}"))).await?;
    if resp.status.as_u16() == 404 {
        return Ok(());
    }
    resp.ok()?;
    let until = std::time::Instant::now() + SERVICE_TASKS_GONE;
    loop {
        let tasks: Vec<Value> = engine.send(Request::get("/tasks")).await?.ok()?.json()?;
        if !tasks.iter().any(|t| t["ServiceID"] == id) || std::time::Instant::now() >= until {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// How long removing a network waits for it to vanish from the engine's list.
const NETWORK_GONE: std::time::Duration = std::time::Duration::from_secs(10);

/// After a swarm-scoped network is removed, a manager keeps listing its local
/// copy for a moment (and answers a DELETE of it with 500 "not found"); wait
/// until inspect says 404, so leak accounting does not trip over it.
async fn wait_network_gone(engine: &Engine, id: &str) -> Result<(), EngineError> {
    let until = std::time::Instant::now() + NETWORK_GONE;
    loop {
        let r = engine.send(Request::get(format!("/networks/{id}"))).await?;
        if r.status.as_u16() == 404 || std::time::Instant::now() >= until {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Removes an object, forcefully (a container with its anonymous volumes).
/// Already gone is fine: a check may have removed it itself.
pub async fn remove(engine: &Engine, kind: ObjectKind, id: &str) -> Result<(), EngineError> {
    let resp = match kind {
        ObjectKind::Container => engine.container_remove(id, true, true).await?,
        ObjectKind::Network => {
            let r = engine.send(Request::delete(format!("/networks/{id}"))).await?;
            if r.status.is_success() {
                wait_network_gone(engine, id).await?;
            }
            r
        }
        ObjectKind::Volume => {
            engine
                .send(Request::delete(format!("/volumes/{id}")).query("force", true))
                .await?
        }
        ObjectKind::Image => engine.image_remove(id, true).await?,
        ObjectKind::Service => return remove_service(engine, id).await,
        ObjectKind::Secret => engine.send(Request::delete(format!("/secrets/{id}"))).await?,
        ObjectKind::Config => engine.send(Request::delete(format!("/configs/{id}"))).await?,
    };
    if resp.status.is_success() || resp.status.as_u16() == 404 {
        Ok(())
    } else if kind == ObjectKind::Container
        && resp.status.as_u16() == 409
        && resp.message().contains("already in progress")
    {
        // Another remover (a concurrent sweep, the check itself) got there
        // first: done once the engine says 404.
        wait_container_gone(engine, id, resp).await
    } else {
        Err(resp.api_error())
    }
}

/// How long a container whose removal another caller started may take to go.
const CONTAINER_GONE: std::time::Duration = std::time::Duration::from_secs(10);

/// Waits for a container that another caller is removing (Docker answers the
/// second DELETE with 409 "removal of container … is already in progress")
/// to be gone; if it is still there after [`CONTAINER_GONE`], the 409 stands.
async fn wait_container_gone(
    engine: &Engine,
    id: &str,
    conflict: dockhand_engine::Response,
) -> Result<(), EngineError> {
    let until = std::time::Instant::now() + CONTAINER_GONE;
    loop {
        let r = engine.send(Request::get(format!("/containers/{id}/json"))).await?;
        if r.status.as_u16() == 404 {
            return Ok(());
        }
        if std::time::Instant::now() >= until {
            return Err(conflict.api_error());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_label_filter_must_hold_whatever_the_engine_let_through() {
        let wanted = label_filters(r#"{"label":["dockhand.run=r1","dockhand.case=a#1","dockhand.owner"]}"#);
        assert_eq!(wanted.len(), 3);
        let own = json!({"dockhand.run": "r1", "dockhand.case": "a#1", "dockhand.owner": "h/1"});
        let other_case = json!({"dockhand.run": "r1", "dockhand.case": "b#1", "dockhand.owner": "h/1"});
        assert!(has_labels(&own, &wanted));
        assert!(!has_labels(&other_case, &wanted));
        assert!(!has_labels(&Value::Null, &wanted));
        assert!(has_labels(&Value::Null, &label_filters(r#"{"dangling":["true"]}"#)));
    }
}
