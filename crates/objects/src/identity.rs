//! [`EngineIdentity`]: what the engine under test is, read once per run.
//!
//! "Docker-compatible" engines differ in which endpoint families they serve
//! at all: Docker answers swarm calls with 503 until it is a swarm manager,
//! Podman answers `/services` and `/configs` with a plain-text 404 and
//! `/plugins` with a JSON 404, but serves `/secrets`. Anything that lists
//! objects of every kind (the sweeper, leak accounting, cleanup) asks the
//! [`Capabilities`] first instead of treating those replies as API errors.
//! The product and version come from `GET /version` ([`product_name`]), the
//! swarm role from `GET /info`, the families from one list call each.

use std::fmt;

use dockhand_engine::{product_name, ApiVersion, Engine, EngineError, Method, Request};
use serde_json::Value;

/// Whether the engine serves an endpoint family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Its list call succeeds.
    Present,
    /// Implemented, but not in this engine's current role: Docker's 503
    /// "this node is not a swarm manager".
    Inactive,
    /// Not implemented: 404 on the collection itself.
    Absent,
}

impl Family {
    /// What a list call's status says. A status other than success, 503 and
    /// 404 means the engine serves the path and failed otherwise: the family
    /// counts as present, so that the failure shows up where it is used
    /// rather than being skipped silently.
    pub fn from_status(status: u16) -> Family {
        match status {
            404 => Family::Absent,
            503 => Family::Inactive,
            _ => Family::Present,
        }
    }

    pub fn is_present(self) -> bool {
        self == Family::Present
    }
}

/// The endpoint families dockhand probes, each with the list call that tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Capabilities {
    /// Services, tasks, nodes (`GET /services`).
    pub swarm: Family,
    /// `GET /secrets`.
    pub secrets: Family,
    /// `GET /configs`.
    pub configs: Family,
    /// `GET /plugins`.
    pub plugins: Family,
}

impl Capabilities {
    /// The paths probed, in the order of the fields.
    pub const PROBES: [&'static str; 4] = ["/services", "/secrets", "/configs", "/plugins"];

    /// From the statuses of the [`PROBES`](Self::PROBES), in order.
    pub fn from_statuses(statuses: [u16; 4]) -> Capabilities {
        let [swarm, secrets, configs, plugins] = statuses.map(Family::from_status);
        Capabilities {
            swarm,
            secrets,
            configs,
            plugins,
        }
    }

    /// The swarm-scoped kinds that can be listed now, with their list paths:
    /// what the sweeper and leak accounting ask for.
    pub fn listable_swarm_kinds(&self) -> impl Iterator<Item = (crate::ObjectKind, &'static str)> {
        [
            (crate::ObjectKind::Service, "/services", self.swarm),
            (crate::ObjectKind::Secret, "/secrets", self.secrets),
            (crate::ObjectKind::Config, "/configs", self.configs),
        ]
        .into_iter()
        .filter(|(_, _, f)| f.is_present())
        .map(|(k, p, _)| (k, p))
    }
}

/// The engine a run talks to: product, version, API range and capabilities.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EngineIdentity {
    /// "Docker Engine - Community", "Docker Engine", "Podman Engine".
    pub product: String,
    /// The product's version, e.g. `4.3.1`, `20.10.24+dfsg1`.
    pub version: String,
    /// The newest API version the engine speaks (`ApiVersion`).
    pub api_version: ApiVersion,
    /// The oldest it accepts (`MinAPIVersion`), when it says.
    pub min_api_version: Option<ApiVersion>,
    pub os: String,
    pub arch: String,
    /// `Swarm.ControlAvailable` in `GET /info`.
    pub swarm_manager: bool,
    pub capabilities: Capabilities,
}

impl fmt::Display for EngineIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.product, self.version)
    }
}

fn bad_version(detail: String) -> EngineError {
    EngineError::Protocol {
        method: Method::GET,
        path: "/version".into(),
        detail,
    }
}

impl EngineIdentity {
    /// Reads the identity: `/version` (the reply `engine` negotiated with,
    /// when it did), `/info` and one list call per family.
    pub async fn probe(engine: &Engine) -> Result<EngineIdentity, EngineError> {
        let version = match engine.info() {
            Some(i) => i.raw.clone(),
            None => engine.version().await?,
        };
        let info = engine.system_info().await?;
        let mut statuses = [0u16; 4];
        for (s, path) in statuses.iter_mut().zip(Capabilities::PROBES) {
            // Only a list call tells a missing family from an empty one.
            *s = engine.send(Request::get(path)).await?.status.as_u16();
        }
        EngineIdentity::from_replies(&version, &info, Capabilities::from_statuses(statuses))
    }

    /// The identity from a `/version` and an `/info` reply and the probed
    /// capabilities: the pure part of [`probe`](Self::probe).
    pub fn from_replies(version: &Value, info: &Value, capabilities: Capabilities) -> Result<Self, EngineError> {
        let api = |key: &str| -> Result<Option<ApiVersion>, EngineError> {
            match version[key].as_str() {
                None => Ok(None),
                Some(s) => s
                    .parse()
                    .map(Some)
                    .map_err(|e| bad_version(format!("{key} {s:?}: {e}"))),
            }
        };
        let api_version = api("ApiVersion")?.ok_or_else(|| bad_version("the reply has no ApiVersion".into()))?;
        let text = |key: &str| version[key].as_str().unwrap_or_default().to_string();
        Ok(EngineIdentity {
            product: product_name(version),
            version: text("Version"),
            api_version,
            min_api_version: api("MinAPIVersion")?,
            os: text("Os"),
            arch: text("Arch"),
            swarm_manager: info["Swarm"]["ControlAvailable"] == true,
            capabilities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectKind;

    /// Podman 4.3.1 from Debian 12, `GET /version` (abridged Details).
    const PODMAN_VERSION: &str = r#"{"Platform":{"Name":"linux/amd64/debian-12"},"Components":[{"Name":"Podman Engine","Version":"4.3.1","Details":{"APIVersion":"4.3.1","MinAPIVersion":"4.0.0","Os":"linux"}},{"Name":"Conmon","Version":"conmon version 2.1.6, commit: unknown","Details":{"Package":"conmon_2.1.6+ds1-1_amd64"}}],"Version":"4.3.1","ApiVersion":"1.41","MinAPIVersion":"1.24","GitCommit":"","GoVersion":"go1.19.8","Os":"linux","Arch":"amd64","KernelVersion":"6.18.44"}"#;
    /// Debian's docker.io 20.10: an empty platform name.
    const DEBIAN_DOCKER_VERSION: &str = r#"{"Platform":{"Name":""},"Components":[{"Name":"Engine","Version":"20.10.24+dfsg1","Details":{"ApiVersion":"1.41","MinAPIVersion":"1.12"}},{"Name":"containerd","Version":"1.6.20~ds1","Details":{"GitCommit":"1.6.20~ds1-1+deb12u3"}}],"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64"}"#;
    /// docker-ce 29.1: the product in the platform, a minimum API above 1.41.
    const DOCKER_CE_VERSION: &str = r#"{"Platform":{"Name":"Docker Engine - Community"},"Components":[{"Name":"Engine","Version":"29.1.2","Details":{"ApiVersion":"1.52","MinAPIVersion":"1.44"}}],"Version":"29.1.2","ApiVersion":"1.52","MinAPIVersion":"1.44","Os":"linux","Arch":"amd64"}"#;

    fn parse(version: &str, info: Value, caps: Capabilities) -> EngineIdentity {
        EngineIdentity::from_replies(&serde_json::from_str(version).unwrap(), &info, caps).unwrap()
    }

    #[test]
    fn podman_names_itself_and_lacks_swarm_configs_and_plugins() {
        // The statuses Podman 4.3.1 gives /services, /secrets, /configs, /plugins.
        let caps = Capabilities::from_statuses([404, 200, 404, 404]);
        let info = serde_json::json!({"Swarm": {"LocalNodeState": "inactive", "ControlAvailable": false}});
        let id = parse(PODMAN_VERSION, info, caps);
        assert_eq!(id.product, "Podman Engine");
        assert_eq!(id.to_string(), "Podman Engine 4.3.1");
        assert_eq!(id.api_version, ApiVersion::new(1, 41));
        assert_eq!(id.min_api_version, Some(ApiVersion::new(1, 24)));
        assert!(!id.swarm_manager);
        assert_eq!(caps.swarm, Family::Absent);
        assert_eq!(caps.secrets, Family::Present);
        assert_eq!(caps.plugins, Family::Absent);
        let kinds: Vec<_> = caps.listable_swarm_kinds().collect();
        assert_eq!(kinds, vec![(ObjectKind::Secret, "/secrets")]);
    }

    #[test]
    fn docker_is_named_by_its_platform_or_plainly() {
        let caps = Capabilities::from_statuses([503, 503, 503, 200]);
        let id = parse(DEBIAN_DOCKER_VERSION, serde_json::json!({}), caps);
        assert_eq!(id.to_string(), "Docker Engine 20.10.24+dfsg1");
        assert_eq!(id.min_api_version, Some(ApiVersion::new(1, 12)));
        assert_eq!(caps.swarm, Family::Inactive);
        assert_eq!(caps.plugins, Family::Present);
        assert_eq!(
            caps.listable_swarm_kinds().count(),
            0,
            "a non-manager lists no swarm kind"
        );

        let manager = serde_json::json!({"Swarm": {"ControlAvailable": true}});
        let id = parse(DOCKER_CE_VERSION, manager, Capabilities::from_statuses([200; 4]));
        assert_eq!(id.product, "Docker Engine - Community");
        assert_eq!(id.min_api_version, Some(ApiVersion::new(1, 44)));
        assert!(id.swarm_manager);
    }

    #[test]
    fn other_failures_keep_a_family_present() {
        assert_eq!(Family::from_status(500), Family::Present);
        assert_eq!(Family::from_status(200), Family::Present);
    }

    #[test]
    fn a_reply_without_a_valid_api_version_is_a_protocol_error() {
        let caps = Capabilities::from_statuses([200; 4]);
        for bad in [r#"{"Version":"1"}"#, r#"{"ApiVersion":"one"}"#] {
            let e = EngineIdentity::from_replies(&serde_json::from_str(bad).unwrap(), &Value::Null, caps).unwrap_err();
            assert_eq!(e.kind(), "protocol", "{bad}: {e}");
        }
    }
}
