//! dockhand-suite: the bundled checks, one module per API area, each
//! registering its checks in one `checks()` function.
//!
//! The crate's whole API is [`all`], the registry the CLI selects from, and
//! [`shipped_known_failures`]; the areas and their helpers are private.

mod archive;
mod attach;
mod catalogue;
mod containers;
mod exec;
mod faults;
mod images;
mod logs;
mod networks;
mod support;
mod swarm;
mod system;
mod volumes;

use dockhand_harness::config::TomlFile;
use dockhand_harness::known::KnownFailures;
use dockhand_harness::Check;

/// Where the shipped known-failures list lives in dockhand's source tree.
const SHIPPED_KNOWN_FAILURES_PATH: &str = "crates/suite/known-failures.toml";

/// The engines' confirmed deviations from the API reference that the bundled
/// checks find, each citing the reference: applied by `dockhand check` unless
/// the user gives a file of their own or `--no-known-failures`.
pub fn shipped_known_failures() -> KnownFailures {
    // The files are part of the build and a unit test parses them.
    let [docker, podman] = SHIPPED.map(|(path, text)| {
        KnownFailures::parse(&TomlFile::new(format!("{path} (shipped with dockhand)"), text)).unwrap_or_default()
    });
    docker.chain(podman)
}

/// The shipped lists, one per engine (each entry names its engine and
/// version): Docker 20.10's, then Podman 4.3's.
const SHIPPED: [(&str, &str); 2] = [
    (SHIPPED_KNOWN_FAILURES_PATH, include_str!("../known-failures.toml")),
    (
        "crates/suite/known-failures-podman.toml",
        include_str!("../known-failures-podman.toml"),
    ),
];

/// An area's registry: its checks, in run order.
type Registry = fn() -> Vec<Check>;

/// The areas, in run order, each with its registry. A check's id starts with
/// its area's name (a suite test holds it).
const AREAS: &[(&str, Registry)] = &[
    ("system", catalogue::system::checks),
    ("containers", catalogue::containers::checks),
    ("logs", catalogue::logs::checks),
    ("exec", catalogue::exec::checks),
    ("attach", catalogue::attach::checks),
    ("archive", catalogue::archive::checks),
    ("images", catalogue::images::checks),
    ("volumes", catalogue::volumes::checks),
    ("networks", catalogue::networks::checks),
    ("faults", catalogue::faults::checks),
    ("swarm", catalogue::swarm::checks),
];

/// Every bundled check, in area order.
pub fn all() -> Vec<Check> {
    AREAS.iter().flat_map(|(_, checks)| checks()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use dockhand_harness::CheckCase;

    #[test]
    fn shipped_known_failures_parse_and_each_names_a_bundled_case() {
        for (path, text) in super::SHIPPED {
            let known = super::KnownFailures::parse(&super::TomlFile::new(path, text))
                .unwrap_or_else(|e| panic!("the shipped known-failures file {path} does not parse: {e}"));
            assert!(!known.is_empty());
            entries_name_bundled_cases(&known);
        }
        assert_eq!(
            super::shipped_known_failures().entries().len(),
            super::SHIPPED
                .iter()
                .map(|&(p, t)| super::KnownFailures::parse(&super::TomlFile::new(p, t))
                    .unwrap()
                    .entries()
                    .len())
                .sum::<usize>()
        );
    }

    /// Every entry names a bundled case: of the suite, or of the `cli/`
    /// area's embedded step files (the Podman list pins both).
    fn entries_name_bundled_cases(known: &super::KnownFailures) {
        let mut checks = super::all();
        checks.extend(dockhand_steps::cli_area(&Default::default()));
        let cases = CheckCase::expand(&checks);
        for e in known.entries() {
            assert!(
                cases.iter().any(|c| e.check.matches(c.check.meta.id, &c.id())),
                "known-failures entry at line {} matches no bundled case: remove or fix it",
                e.line
            );
            assert!(
                e.reason.len() > 40,
                "entry at line {} needs a reason citing the reference",
                e.line
            );
        }
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in super::all() {
            let id = c.meta.id;
            assert!(seen.insert(id), "duplicate check id {id}");
            assert!(
                id.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "/-".contains(ch)),
                "{id} has characters outside [a-z0-9/-]"
            );
            assert!(!c.meta.summary.is_empty(), "{id} has no summary");
        }
    }

    /// A check's area is its id's first segment, and that is the area module
    /// that registers it.
    #[test]
    fn every_check_is_registered_by_the_area_its_id_names() {
        for (area, checks) in super::AREAS {
            for c in checks() {
                let first = c.meta.id.split('/').next();
                assert_eq!(first, Some(*area), "{} is registered by the area {area}", c.meta.id);
                assert_eq!(c.meta.area, *area, "{} has the area {}", c.meta.id, c.meta.area);
            }
        }
    }

    /// A check's `reference` must name operations by their exact id in the
    /// reference, or `dockhand coverage` cannot count them.
    #[test]
    fn references_name_known_operations() {
        let mut unknown = Vec::new();
        for c in super::all() {
            for r in c.meta.reference {
                if dockhand_harness::operations::find(r).is_none() {
                    unknown.push(format!("{} names {r:?}", c.meta.id));
                }
            }
        }
        assert!(
            unknown.is_empty(),
            "not operation ids of the v1.41 reference (see crates/harness/src/operations.rs): {unknown:?}"
        );
    }
}
