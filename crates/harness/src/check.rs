//! The check model: [`Check`], declared with [`Check::new`] and builder
//! methods for what differs from the defaults, its [`CheckMeta`], and the
//! [`CheckCase`]s it expands into. What a check returns when it does not pass
//! ([`CheckError`]) is in [`failure`](crate::failure), below the context.
//!
//! A check is an async function of a [`Ctx`](crate::Ctx) with static metadata.
//! It may expand into named sub-checks (variants), each run and reported on its
//! own under the id `check-id:variant`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use dockhand_engine::{ApiVersion, MIN_API_VERSION};

use crate::context::Ctx;
use crate::failure::CheckResult;

/// What a check needs beyond a reachable engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// A throwaway private dockerd that the check may kill or freeze.
    PrivateEngine,
    /// An engine that is a swarm manager.
    Swarm,
    /// A local multi-node cluster.
    Cluster,
    /// The docker CLI on PATH.
    DockerCli,
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Need::PrivateEngine => "a private engine",
            Need::Swarm => "a swarm manager",
            Need::Cluster => "a cluster",
            Need::DockerCli => "the docker CLI",
        })
    }
}

/// The static description of a check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckMeta {
    /// Stable id, `area/group/name`.
    pub id: &'static str,
    /// One line, what the check asserts.
    pub summary: &'static str,
    /// The id's first segment.
    pub area: &'static str,
    pub tags: &'static [&'static str],
    /// The lowest API version the check applies to.
    pub min_api: ApiVersion,
    pub needs: &'static [Need],
    /// Where the API reference documents the behaviour, e.g. `ContainerStart`.
    pub reference: &'static [&'static str],
    /// The step file that declares the check; `None` for a check compiled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

/// The future a check returns.
pub type CheckFuture = Pin<Box<dyn Future<Output = CheckResult> + Send>>;

/// A check's body: a function of its context. Shared, so that a check
/// read from a step file carries its steps.
pub type CheckBody = Arc<dyn Fn(Ctx) -> CheckFuture + Send + Sync>;

/// A registered check.
///
/// Declared with [`Check::new`] and the builder methods for whatever differs
/// from the defaults (no tags, API 1.25, no needs, no variants, no reference):
///
/// ```ignore
/// Check::new("images/save/one", "save one image ...", |ctx| Box::pin(run_one(ctx)))
///     .tags(&["save", "load"])
///     .reference(&["ImageGet", "ImageLoad"])
/// ```
#[derive(Clone)]
pub struct Check {
    pub meta: CheckMeta,
    /// Named sub-checks; empty for a plain check.
    pub variants: &'static [&'static str],
    pub run: CheckBody,
}

impl Check {
    /// A check with its id (`area/group/name`; the area is its first
    /// segment), summary and body, and the defaults for everything else.
    pub fn new(id: &'static str, summary: &'static str, run: fn(Ctx) -> CheckFuture) -> Check {
        Check::with_body(id, summary, Arc::new(run))
    }

    /// [`Check::new`] with a body that carries data (a step file's steps).
    pub fn with_body(id: &'static str, summary: &'static str, run: CheckBody) -> Check {
        let area = match id.split_once('/') {
            Some((area, _)) => area,
            None => id,
        };
        Check {
            meta: CheckMeta {
                id,
                summary,
                area,
                tags: &[],
                min_api: MIN_API_VERSION,
                needs: &[],
                reference: &[],
                source: None,
            },
            variants: &[],
            run,
        }
    }

    /// The step file that declares the check.
    pub fn source(mut self, source: &'static str) -> Check {
        self.meta.source = Some(source);
        self
    }

    /// Tags `--tag` selects by.
    pub fn tags(mut self, tags: &'static [&'static str]) -> Check {
        self.meta.tags = tags;
        self
    }

    /// The lowest API version the check applies to ([`MIN_API_VERSION`],
    /// 1.25, unless given).
    pub fn min_api(mut self, version: ApiVersion) -> Check {
        self.meta.min_api = version;
        self
    }

    /// What the check needs beyond a reachable engine.
    pub fn needs(mut self, needs: &'static [Need]) -> Check {
        self.meta.needs = needs;
        self
    }

    /// Named sub-checks, each run and reported as `id:variant`.
    pub fn variants(mut self, variants: &'static [&'static str]) -> Check {
        self.variants = variants;
        self
    }

    /// The operation ids of the API reference the check exercises, e.g.
    /// `ContainerStart` (`dockhand coverage` counts them).
    pub fn reference(mut self, reference: &'static [&'static str]) -> Check {
        self.meta.reference = reference;
        self
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check").field("id", &self.meta.id).finish()
    }
}

/// One schedulable unit: a check, or one variant of it.
#[derive(Debug, Clone)]
pub struct CheckCase {
    pub check: Check,
    pub variant: Option<&'static str>,
}

impl CheckCase {
    /// `id` or `id:variant`.
    pub fn id(&self) -> String {
        match self.variant {
            Some(v) => format!("{}:{v}", self.check.meta.id),
            None => self.check.meta.id.to_string(),
        }
    }

    /// Expands checks into cases, variants in declaration order.
    pub fn expand(checks: &[Check]) -> Vec<CheckCase> {
        let mut out = Vec::new();
        for c in checks {
            if c.variants.is_empty() {
                out.push(CheckCase {
                    check: c.clone(),
                    variant: None,
                });
            } else {
                out.extend(c.variants.iter().map(|v| CheckCase {
                    check: c.clone(),
                    variant: Some(v),
                }));
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn noop(_: Ctx) -> CheckFuture {
        Box::pin(async { Ok(()) })
    }

    /// A check with the given id, tags and variants, for tests.
    pub(crate) fn check(id: &'static str, tags: &'static [&'static str], variants: &'static [&'static str]) -> Check {
        Check::new(id, "test check", noop).tags(tags).variants(variants)
    }

    /// A small registry for the tests of selection and configuration.
    pub(crate) fn registry() -> Vec<Check> {
        vec![
            check("system/ping", &["smoke"], &[]),
            check("containers/lifecycle/start-stop-logs", &["smoke", "lifecycle"], &[]),
            check("containers/lifecycle/restart", &["lifecycle"], &[]),
            check("containers/create/options", &[], &["tty", "no-tty"]),
            check("images/search/basic", &["network"], &[]),
        ]
    }

    #[test]
    fn a_new_check_has_the_defaults_and_its_area_from_the_id() {
        let c = Check::new("containers/lifecycle/start", "starts", noop);
        assert_eq!(c.meta.area, "containers");
        assert!(c.meta.tags.is_empty() && c.meta.needs.is_empty() && c.meta.reference.is_empty());
        assert_eq!(c.meta.min_api, ApiVersion::new(1, 25));
        assert!(c.variants.is_empty());
        assert_eq!(Check::new("lonely", "no group", noop).meta.area, "lonely");
    }

    #[test]
    fn the_builder_sets_only_what_it_is_given() {
        let c = Check::new("swarm/nodes/list", "lists", noop)
            .tags(&["swarm"])
            .min_api(ApiVersion::new(1, 30))
            .needs(&[Need::Swarm])
            .variants(&["a", "b"])
            .reference(&["NodeList"]);
        assert_eq!(c.meta.tags, ["swarm"]);
        assert_eq!(c.meta.min_api, ApiVersion::new(1, 30));
        assert_eq!(c.meta.needs, [Need::Swarm]);
        assert_eq!(c.variants, ["a", "b"]);
        assert_eq!(c.meta.reference, ["NodeList"]);
        let ids: Vec<String> = CheckCase::expand(&[c]).iter().map(CheckCase::id).collect();
        assert_eq!(ids, ["swarm/nodes/list:a", "swarm/nodes/list:b"]);
    }
}
