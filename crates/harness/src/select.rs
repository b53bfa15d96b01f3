//! Selection and planning: which check cases a run has, and how each is run.
//!
//! [`select`] turns the registered checks and a [`Filter`] (id globs, tags,
//! skip globs) into the ordered [`CheckCase`]s; when nothing matches, its
//! [`SelectError::NoMatch`] suggests the closest ids. [`applicability`] says
//! why a check does not apply to an engine's [`EngineCaps`], and [`Planner`]
//! turns cases into the runner's [`PlannedCase`]s with their iterations, knobs,
//! deadlines, skip reasons and known-failure reasons.
//!
//! The patterns themselves ([`IdPattern`]) and the did-you-mean
//! ([`closest`]) are in [`pattern`](crate::pattern); the planned case in
//! [`plan`](crate::plan).

use std::collections::HashSet;

use dockhand_engine::ApiVersion;

use crate::check::{Check, CheckCase, CheckMeta, Need};
use crate::config::EffectiveConfig;
use crate::events::{CaseKey, EngineSummary};
use crate::known::{KnownFailures, Listed};
use crate::pattern::{closest, IdPattern};
use crate::plan::PlannedCase;

/// What the user asked to run.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Id globs; empty selects every check.
    pub patterns: Vec<String>,
    /// A case is selected when its check has any of these tags (all when empty).
    pub tags: Vec<String>,
    /// Id globs of cases to leave out.
    pub skip: Vec<String>,
}

/// Why a selection could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SelectError {
    /// A pattern is not a valid glob.
    #[error("invalid pattern `{pattern}`: {message}; use `*` and `?` as wildcards, e.g. `containers/*`")]
    BadGlob { pattern: String, message: String },
    /// The filters left no case.
    #[error("{}", no_match_message(.filters, .suggestions))]
    NoMatch {
        /// The filters as the user gave them (`--tag` and `--skip` spelled out).
        filters: Vec<String>,
        /// The closest ids (or tags) to what was asked for, best first.
        suggestions: Vec<String>,
    },
    /// A case named by a journal is not registered (any more).
    #[error(
        "no check case has the id `{id}`; the journal was written by another version of dockhand: start a fresh run"
    )]
    UnknownCase { id: String },
}

fn no_match_message(filters: &[String], suggestions: &[String]) -> String {
    let mut msg = if filters.is_empty() {
        "no check is registered".to_string()
    } else {
        format!("no check matches {}", filters.join(" "))
    };
    if !suggestions.is_empty() {
        let s: Vec<String> = suggestions.iter().map(|s| format!("`{s}`")).collect();
        msg.push_str(&format!("; did you mean {}? ", s.join(", ")));
    } else {
        msg.push_str("; ");
    }
    msg.push_str("`dockhand list` shows every check id and tag");
    msg
}

fn compile(globs: &[String]) -> Result<Vec<IdPattern>, SelectError> {
    globs
        .iter()
        .map(|g| {
            IdPattern::new(g).map_err(|e| SelectError::BadGlob {
                pattern: g.clone(),
                message: e.kind().to_string(),
            })
        })
        .collect()
}

/// The cases of `checks` that `filter` selects, in registration order
/// (variants in declaration order).
pub fn select(checks: &[Check], filter: &Filter) -> Result<Vec<CheckCase>, SelectError> {
    let include = compile(&filter.patterns)?;
    let skip = compile(&filter.skip)?;
    let selected: Vec<CheckCase> = CheckCase::expand(checks)
        .into_iter()
        .filter(|c| include.is_empty() || include.iter().any(|p| p.matches_case(c)))
        .filter(|c| filter.tags.is_empty() || filter.tags.iter().any(|t| c.check.meta.tags.contains(&t.as_str())))
        .filter(|c| !skip.iter().any(|p| p.matches_case(c)))
        .collect();
    if !selected.is_empty() {
        return Ok(selected);
    }
    let mut filters = filter.patterns.clone();
    filters.extend(filter.tags.iter().map(|t| format!("--tag {t}")));
    filters.extend(filter.skip.iter().map(|s| format!("--skip {s}")));
    Err(SelectError::NoMatch {
        filters,
        suggestions: suggestions(checks, filter),
    })
}

/// Ids (and groups) close to the patterns that matched nothing, then tags
/// close to the tags that matched nothing.
fn suggestions(checks: &[Check], filter: &Filter) -> Vec<String> {
    let ids: Vec<&str> = checks.iter().map(|c| c.meta.id).collect();
    let mut candidates: Vec<&str> = ids
        .iter()
        .flat_map(|id| id.match_indices('/').map(|(i, _)| &id[..i]).chain([*id]))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut out = Vec::new();
    for p in &filter.patterns {
        let matches_alone = IdPattern::new(p).is_ok_and(|p| ids.iter().any(|id| p.matches(id, id)));
        if !matches_alone {
            let bare: String = p.chars().filter(|c| !"*?[]{}".contains(*c)).collect();
            out.extend(closest(&bare, candidates.iter().copied(), 3));
        }
    }
    let mut tags: Vec<&str> = checks.iter().flat_map(|c| c.meta.tags.iter().copied()).collect();
    tags.sort_unstable();
    tags.dedup();
    for t in &filter.tags {
        if !tags.contains(&t.as_str()) {
            out.extend(
                closest(t, tags.iter().copied(), 3)
                    .into_iter()
                    .map(|s| format!("--tag {s}")),
            );
        }
    }
    let mut seen = HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out.truncate(3);
    out
}

/// What the engine and the run offer, against which a check's needs are met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineCaps {
    /// The API version the run speaks (negotiated or pinned).
    pub api_version: ApiVersion,
    /// The run has a throwaway private engine (`--private-engine`).
    pub private_engine: bool,
    /// The engine is a swarm manager.
    pub swarm: bool,
    /// The run has a local multi-node cluster.
    pub cluster: bool,
    /// The docker CLI is on PATH.
    pub docker_cli: bool,
}

/// Why the check cannot run against this engine, or `None` when it can.
pub fn applicability(meta: &CheckMeta, caps: &EngineCaps) -> Option<String> {
    if meta.min_api > caps.api_version {
        return Some(format!(
            "needs API {}, the engine negotiated {}",
            meta.min_api, caps.api_version
        ));
    }
    let missing = meta.needs.iter().find(|n| match n {
        Need::PrivateEngine => !caps.private_engine,
        Need::Swarm => !caps.swarm,
        Need::Cluster => !caps.cluster,
        Need::DockerCli => !caps.docker_cli,
    })?;
    let how = match missing {
        Need::PrivateEngine => "run with --private-engine",
        Need::Swarm => "the engine is not one; run against an engine in swarm mode",
        Need::Cluster => "this run has none; run with `--cluster NAME` (`dockhand cluster create NAME` makes one)",
        Need::DockerCli => "put `docker` on PATH, or give another CLI with --cli PATH",
    };
    Some(format!("needs {missing}: {how}"))
}

/// Turns selected cases into the runner's plan.
#[derive(Debug, Clone, Copy)]
pub struct Planner<'a> {
    pub config: &'a EffectiveConfig,
    pub known: &'a KnownFailures,
    pub caps: &'a EngineCaps,
    /// Known failures are matched on its name and version.
    pub engine: &'a EngineSummary,
}

impl Planner<'_> {
    /// Every iteration of every case, case after case.
    pub fn plan(&self, cases: &[CheckCase]) -> Vec<PlannedCase> {
        cases
            .iter()
            .flat_map(|c| (1..=self.config.repeat_for(c.check.meta.id)).map(move |i| self.plan_case(c, i)))
            .collect()
    }

    /// The given iterations of registered cases, in the given order: what
    /// `--resume` runs.
    pub fn plan_keys(&self, checks: &[Check], keys: &[CaseKey]) -> Result<Vec<PlannedCase>, SelectError> {
        let cases = CheckCase::expand(checks);
        keys.iter()
            .map(|k| match cases.iter().find(|c| c.id() == k.id) {
                Some(c) => Ok(self.plan_case(c, k.iteration)),
                None => Err(SelectError::UnknownCase { id: k.id.clone() }),
            })
            .collect()
    }

    /// One iteration of one case.
    pub fn plan_case(&self, case: &CheckCase, iteration: u32) -> PlannedCase {
        let meta = &case.check.meta;
        let id = case.id();
        PlannedCase {
            case: case.clone(),
            iteration,
            settings: self.config.knobs_for(meta.id),
            timeout: self.config.check_timeout_for(meta.id),
            skip: self
                .config
                .disabled_reason(meta.id)
                .or_else(|| applicability(meta, self.caps)),
            known_failure: self
                .known
                .entry_for(&id, &self.engine.name, &self.engine.version)
                .map(Listed::from),
            excused: self.known.excuses_for(&id, &self.engine.name, &self.engine.version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{check, registry};

    fn ids(f: Filter) -> Vec<String> {
        select(&registry(), &f).unwrap().iter().map(CheckCase::id).collect()
    }

    fn pats(p: &[&str]) -> Filter {
        Filter {
            patterns: p.iter().map(|s| s.to_string()).collect(),
            ..Filter::default()
        }
    }

    #[test]
    fn no_filter_selects_every_case_in_order() {
        assert_eq!(
            ids(Filter::default()),
            [
                "system/ping",
                "containers/lifecycle/start-stop-logs",
                "containers/lifecycle/restart",
                "containers/create/options:tty",
                "containers/create/options:no-tty",
                "images/search/basic",
            ]
        );
    }

    #[test]
    fn globs_match_case_ids_check_ids_and_groups() {
        assert_eq!(
            ids(pats(&["containers/*"])),
            [
                "containers/lifecycle/start-stop-logs",
                "containers/lifecycle/restart",
                "containers/create/options:tty",
                "containers/create/options:no-tty",
            ]
        );
        assert_eq!(
            ids(pats(&["*/start-stop-logs"])),
            ["containers/lifecycle/start-stop-logs"]
        );
        // A check id selects all its variants; a case id only that one.
        assert_eq!(
            ids(pats(&["containers/create/options"])),
            ["containers/create/options:tty", "containers/create/options:no-tty"]
        );
        assert_eq!(ids(pats(&["*:no-tty"])), ["containers/create/options:no-tty"]);
        // Groups select what is under them, on segment boundaries only.
        assert_eq!(
            ids(pats(&["containers/lifecycle"])),
            ["containers/lifecycle/start-stop-logs", "containers/lifecycle/restart"]
        );
        assert!(select(&registry(), &pats(&["contain"])).is_err());
        // Several patterns: a union, still in registration order, no duplicates.
        assert_eq!(
            ids(pats(&["images/*", "system/ping", "system/*"])),
            ["system/ping", "images/search/basic"]
        );
    }

    #[test]
    fn tags_and_skips_narrow_the_selection() {
        let f = Filter {
            tags: vec!["lifecycle".into(), "network".into()],
            ..Filter::default()
        };
        assert_eq!(
            ids(f),
            [
                "containers/lifecycle/start-stop-logs",
                "containers/lifecycle/restart",
                "images/search/basic",
            ]
        );
        let f = Filter {
            patterns: vec!["containers".into()],
            tags: vec!["smoke".into()],
            skip: vec![],
        };
        assert_eq!(ids(f), ["containers/lifecycle/start-stop-logs"]);
        let f = Filter {
            skip: vec!["containers/*".into(), "*:tty".into(), "images".into()],
            ..Filter::default()
        };
        assert_eq!(ids(f), ["system/ping"]);
    }

    #[test]
    fn no_match_suggests_the_closest_ids() {
        let err = select(&registry(), &pats(&["containers/lifecycle/start-stop-log"])).unwrap_err();
        let SelectError::NoMatch { filters, suggestions } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(filters, &["containers/lifecycle/start-stop-log"]);
        assert_eq!(suggestions[0], "containers/lifecycle/start-stop-logs");
        assert!(suggestions.len() <= 3);
        assert!(err.to_string().starts_with(
            "no check matches containers/lifecycle/start-stop-log; did you mean `containers/lifecycle/start-stop-logs`"
        ));

        // The last segment alone finds the check in another group.
        let err = select(&registry(), &pats(&["*/restrat"])).unwrap_err();
        let SelectError::NoMatch { suggestions, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(suggestions[0], "containers/lifecycle/restart");
        assert_eq!(
            err.to_string(),
            "no check matches */restrat; did you mean `containers/lifecycle/restart`? \
             `dockhand list` shows every check id and tag"
        );

        // A misspelt group is suggested as a group.
        let err = select(&registry(), &pats(&["containres"])).unwrap_err();
        let SelectError::NoMatch { suggestions, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(suggestions[0], "containers");

        // Unknown tags suggest tags; nothing close suggests nothing.
        let f = Filter {
            tags: vec!["smok".into()],
            ..Filter::default()
        };
        let err = select(&registry(), &f).unwrap_err();
        let SelectError::NoMatch { suggestions, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(suggestions, &["--tag smoke"]);
        let err = select(&registry(), &pats(&["qqqqqq"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no check matches qqqqqq; `dockhand list` shows every check id and tag"
        );
    }

    #[test]
    fn skipping_everything_is_no_match_without_suggestions() {
        let f = Filter {
            patterns: vec!["system/ping".into()],
            skip: vec!["system/*".into()],
            ..Filter::default()
        };
        let err = select(&registry(), &f).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no check matches system/ping --skip system/*; `dockhand list` shows every check id and tag"
        );
    }

    #[test]
    fn bad_globs_are_rejected() {
        let err = select(&registry(), &pats(&["containers/[a"])).unwrap_err();
        assert!(matches!(err, SelectError::BadGlob { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("invalid pattern `containers/[a`: "),
            "{err}"
        );
    }

    fn caps() -> EngineCaps {
        EngineCaps {
            api_version: ApiVersion::new(1, 41),
            private_engine: false,
            swarm: false,
            cluster: false,
            docker_cli: true,
        }
    }

    #[test]
    fn applicability_names_the_missing_need() {
        let mut c = check("swarm/services/create", &[], &[]);
        assert_eq!(applicability(&c.meta, &caps()), None);
        c.meta.min_api = ApiVersion::new(1, 42);
        assert_eq!(
            applicability(&c.meta, &caps()).as_deref(),
            Some("needs API 1.42, the engine negotiated 1.41")
        );
        c.meta.min_api = ApiVersion::new(1, 41);
        c.meta.needs = &[Need::DockerCli, Need::PrivateEngine];
        assert_eq!(
            applicability(&c.meta, &caps()).as_deref(),
            Some("needs a private engine: run with --private-engine")
        );
        c.meta.needs = &[Need::Swarm];
        let reason = applicability(&c.meta, &caps()).unwrap();
        assert!(reason.starts_with("needs a swarm manager: "), "{reason}");
        let swarm = EngineCaps { swarm: true, ..caps() };
        assert_eq!(applicability(&c.meta, &swarm), None);
    }

    pub(crate) fn engine() -> EngineSummary {
        EngineSummary {
            endpoint: "unix:///var/run/docker.sock".into(),
            endpoint_source: "the default".into(),
            name: "Docker Engine - Community".into(),
            version: "20.10.24".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            arch: "amd64".into(),
        }
    }

    #[test]
    fn the_planner_applies_configuration_known_failures_and_needs() {
        let dir = tempfile::tempdir().unwrap();
        let conf = r#"repeat = 2
[checks."containers/lifecycle/restart"]
enabled = false
[checks."containers/create/options"]
repeat = 1
timeout = "7s"
mode = "strict"
"#;
        std::fs::write(dir.path().join("dockhand.toml"), conf).unwrap();
        let mut checks = registry();
        checks[0].meta.needs = &[Need::Swarm];
        let config = EffectiveConfig::load_with(dir.path(), &Default::default(), &|_| None, &checks).unwrap();
        let known = KnownFailures::parse(&crate::config::TomlFile::new(
            "kf.toml",
            "[[known-failure]]\ncheck = \"*:tty\"\nversion = \"20.10.*\"\nreason = \"framing\"\n\
             [known-failure.deviation]\ncall = \"ContainerAttach\"\nstatus = 500\n",
        ))
        .unwrap();
        let engine = engine();
        let planner = Planner {
            config: &config,
            known: &known,
            caps: &caps(),
            engine: &engine,
        };
        let cases = select(&checks, &Filter::default()).unwrap();
        let plan = planner.plan(&cases[..4]);
        let keys: Vec<String> = plan
            .iter()
            .map(|p| format!("{}#{}", p.case.id(), p.iteration))
            .collect();
        assert_eq!(
            keys,
            [
                "system/ping#1",
                "system/ping#2",
                "containers/lifecycle/start-stop-logs#1",
                "containers/lifecycle/start-stop-logs#2",
                "containers/lifecycle/restart#1",
                "containers/lifecycle/restart#2",
                "containers/create/options:tty#1",
            ]
        );
        assert_eq!(
            plan[0].skip.as_deref(),
            Some("needs a swarm manager: the engine is not one; run against an engine in swarm mode")
        );
        assert_eq!(plan[2].skip, None);
        assert_eq!(plan[2].timeout, None);
        assert_eq!(plan[4].skip.as_deref(), Some("disabled in dockhand.toml line 3"));
        assert_eq!(
            plan[6].known_failure.as_ref().map(|k| k.reason.as_str()),
            Some("framing")
        );
        assert_eq!(plan[6].timeout, Some(std::time::Duration::from_secs(7)));
        assert_eq!(plan[6].settings, serde_json::json!({"mode": "strict"}));
        assert_eq!(plan[2].settings, serde_json::json!({}));

        // Resuming plans exactly the given keys, and rejects unknown ones.
        let keys = [
            CaseKey {
                id: "containers/create/options:no-tty".into(),
                iteration: 1,
            },
            CaseKey {
                id: "system/ping".into(),
                iteration: 2,
            },
        ];
        let plan = planner.plan_keys(&checks, &keys).unwrap();
        assert_eq!(plan.iter().map(PlannedCase::key).collect::<Vec<_>>(), keys);
        assert_eq!(plan[0].known_failure, None);
        let err = planner
            .plan_keys(
                &checks,
                &[CaseKey {
                    id: "gone/check".into(),
                    iteration: 1,
                }],
            )
            .unwrap_err();
        assert!(matches!(err, SelectError::UnknownCase { .. }), "{err:?}");
    }
}
