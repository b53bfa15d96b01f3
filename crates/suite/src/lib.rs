//! dockhand-suite: the bundled checks, one module per API area, each
//! registering its checks in one `checks()` function.
//!
//! [`all`] is the registry the CLI selects from.

pub mod containers;
pub mod support;

use dockhand_harness::Check;

/// Every bundled check, in area order.
pub fn all() -> Vec<Check> {
    let mut v = Vec::new();
    v.extend(containers::checks());
    v
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

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
}
