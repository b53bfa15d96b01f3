//! [`Labelled`]: dockhand's objects on an engine, found by a label filter, and
//! [`remove`], the one way to delete one. The runner's cleanup stack, its leak
//! accounting and the sweeper all go through here, so they agree on what
//! "removed" means: success, or 404 because it is already gone.

use std::fmt;

use dockhand_engine::{Engine, EngineError, Request};
use serde_json::Value;

/// The kinds of objects dockhand creates and labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Container,
    Network,
    Volume,
    Image,
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
    Ok(out)
}

/// Removes an object, forcefully (a container with its anonymous volumes).
/// Already gone is fine: a check may have removed it itself.
pub async fn remove(engine: &Engine, kind: ObjectKind, id: &str) -> Result<(), EngineError> {
    let resp = match kind {
        ObjectKind::Container => engine.container_remove(id, true, true).await?,
        ObjectKind::Network => engine.send(Request::delete(format!("/networks/{id}"))).await?,
        ObjectKind::Volume => {
            engine
                .send(Request::delete(format!("/volumes/{id}")).query("force", true))
                .await?
        }
        ObjectKind::Image => engine.image_remove(id, true).await?,
    };
    if resp.status.is_success() || resp.status.as_u16() == 404 {
        Ok(())
    } else {
        Err(resp.api_error())
    }
}
