//! dockhand-suite: the bundled checks, one module per API area, each
//! registering its checks in one `checks()` function.
//!
//! [`all`] is the registry the CLI selects from.

pub mod archive;
pub mod attach;
pub mod containers;
pub mod exec;
pub mod faults;
pub mod images;
pub mod logs;
pub mod networks;
pub mod support;
pub mod swarm;
pub mod system;
pub mod volumes;

use dockhand_harness::config::TomlFile;
use dockhand_harness::known::KnownFailures;
use dockhand_harness::Check;

/// Where the shipped known-failures list lives in dockhand's source tree.
pub const SHIPPED_KNOWN_FAILURES_PATH: &str = "crates/suite/known-failures.toml";

/// The engines' confirmed deviations from the API reference that the bundled
/// checks find, each citing the reference: applied by `dockhand check` unless
/// the user gives a file of their own or `--no-known-failures`.
pub fn shipped_known_failures() -> KnownFailures {
    let file = TomlFile::new(
        format!("{SHIPPED_KNOWN_FAILURES_PATH} (shipped with dockhand)"),
        include_str!("../known-failures.toml"),
    );
    // The file is part of the build and a unit test parses it.
    KnownFailures::parse(&file).unwrap_or_default()
}

/// Every bundled check, in area order.
pub fn all() -> Vec<Check> {
    let mut v = Vec::new();
    v.extend(system::checks());
    v.extend(containers::checks());
    v.extend(logs::checks());
    v.extend(exec::checks());
    v.extend(attach::checks());
    v.extend(archive::checks());
    v.extend(images::checks());
    v.extend(volumes::checks());
    v.extend(networks::checks());
    v.extend(faults::checks());
    v.extend(swarm::checks());
    v
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use dockhand_harness::CheckCase;

    #[test]
    fn shipped_known_failures_parse_and_each_names_a_bundled_case() {
        let file = super::TomlFile::new(
            super::SHIPPED_KNOWN_FAILURES_PATH,
            include_str!("../known-failures.toml"),
        );
        let known = super::KnownFailures::parse(&file).expect("the shipped known-failures file parses");
        assert!(!known.is_empty());
        let cases = CheckCase::expand(&super::all());
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
                id.starts_with(&format!("{}/", c.meta.area)),
                "{id} is not under its area"
            );
            assert!(
                id.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "/-".contains(ch)),
                "{id} has characters outside [a-z0-9/-]"
            );
            assert!(!c.meta.summary.is_empty(), "{id} has no summary");
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
