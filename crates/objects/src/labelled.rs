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
    // The engine's filter is trusted only as far as it narrows: Podman 4.3's
    // volume list matches `label=key=value` on the key alone, and leak
    // accounting would then remove another case's volume.
    let wanted = label_conditions(filters);
    out.retain(|o| wanted.iter().all(|(k, v)| has_label(&o.labels, k, v.as_deref())));
    Ok(out)
}

/// The `label` conditions of a list filter (`{"label": ["k=v", "k"]}`), as
/// key and optional value.
fn label_conditions(filters: &str) -> Vec<(String, Option<String>)> {
    let v: Value = serde_json::from_str(filters).unwrap_or_default();
    let labels: Vec<&str> = match &v["label"] {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        // The older map form: {"label": {"k=v": true}}.
        Value::Object(m) => m.keys().map(String::as_str).collect(),
        _ => vec![],
    };
    labels
        .into_iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (l.to_string(), None),
        })
        .collect()
}

fn has_label(labels: &Value, key: &str, value: Option<&str>) -> bool {
    match (labels.get(key), value) {
        (Some(v), Some(want)) => v == want,
        (Some(_), None) => true,
        (None, _) => false,
    }
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

    #[test]
    fn a_label_filter_is_applied_again_to_what_the_engine_lists() {
        let c = label_conditions(r#"{"label":["dockhand.run=r1","dockhand.case=a/b#1","dockhand.owner"]}"#);
        assert_eq!(c.len(), 3);
        let labels = serde_json::json!({"dockhand.run": "r1", "dockhand.case": "a/b#1", "dockhand.owner": "h/1/2"});
        assert!(c.iter().all(|(k, v)| has_label(&labels, k, v.as_deref())));
        // Another case's volume, as Podman 4.3's volume list returns it for this filter.
        let other = serde_json::json!({"dockhand.run": "r1", "dockhand.case": "c/d#1", "dockhand.owner": "h/1/2"});
        assert!(!c.iter().all(|(k, v)| has_label(&other, k, v.as_deref())));
        assert!(!has_label(&Value::Null, "dockhand.run", None));
        assert_eq!(
            label_conditions(r#"{"label":{"a=b":true}}"#),
            [("a".into(), Some("b".into()))]
        );
    }
}
