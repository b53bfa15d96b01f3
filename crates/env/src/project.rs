//! What is on the engine for a project, found by its labels alone (no
//! compose file needed): [`containers`] for `env ps`, [`project_logs`] for
//! `env logs`.

use dockhand_engine::{Engine, EngineError};

use crate::compose::LogStream;
use crate::labels::{project_filter, LABEL_REPLICA, LABEL_SERVICE};
use crate::ready;

/// One container of a project.
#[derive(Debug, Clone)]
pub struct ContainerStatus {
    pub service: String,
    pub replica: u32,
    pub name: String,
    pub id: String,
    /// `running`, `exited`, ...
    pub state: String,
    /// The engine's status text, e.g. `Up 3 seconds (healthy)`.
    pub status: String,
    /// `127.0.0.1:49153->7000/tcp`, ...
    pub ports: Vec<String>,
}

/// The project's containers, by service and replica.
pub async fn containers(engine: &Engine, project: &str) -> Result<Vec<ContainerStatus>, EngineError> {
    let list = engine.container_list(true, Some(&project_filter(project))).await?;
    let mut out: Vec<ContainerStatus> = list
        .iter()
        .map(|c| {
            let label = |k: &str| c["Labels"][k].as_str().unwrap_or_default().to_string();
            let mut ports: Vec<String> = c["Ports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["PublicPort"].is_u64())
                .map(|p| {
                    format!(
                        "{}:{}->{}/{}",
                        p["IP"].as_str().unwrap_or(""),
                        p["PublicPort"],
                        p["PrivatePort"],
                        p["Type"].as_str().unwrap_or("tcp")
                    )
                })
                .collect();
            ports.sort();
            ports.dedup();
            ContainerStatus {
                service: label(LABEL_SERVICE),
                replica: label(LABEL_REPLICA).parse().unwrap_or(0),
                name: c["Names"][0]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches('/')
                    .to_string(),
                id: c["Id"].as_str().unwrap_or_default().to_string(),
                state: c["State"].as_str().unwrap_or_default().to_string(),
                status: c["Status"].as_str().unwrap_or_default().to_string(),
                ports,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.service, a.replica).cmp(&(&b.service, b.replica)));
    Ok(out)
}

/// The log lines of a project's containers (of one service, when given),
/// each prefixed with `<service>-<replica> | `; `tail` limits each container.
pub async fn project_logs(
    engine: &Engine,
    project: &str,
    service: Option<&str>,
    tail: Option<usize>,
) -> Result<Vec<String>, EngineError> {
    let mut out = Vec::new();
    for c in containers(engine, project).await? {
        if service.is_some_and(|s| s != c.service) {
            continue;
        }
        for l in ready::logs(engine, &c.id, tail, LogStream::Both).await? {
            out.push(format!("{}-{} | {l}", c.service, c.replica));
        }
    }
    Ok(out)
}
