//! The `cli/` area: step files embedded in the binary, which drive the real
//! docker CLI (or `--cli PATH`) against the engine under test, as Docker
//! Autotest's `docker_cli` subtests did. Their sources are
//! `crates/steps/checks/cli/*.toml`.

use dockhand_harness::config::TomlFile;
use dockhand_harness::{Check, KnownFailures};

use crate::exec::Runtime;
use crate::parse::parse_embedded;

/// Where the `cli/` area's known failures are, as messages name them.
pub const CLI_KNOWN_FAILURES_PATH: &str = "crates/steps/known-failures.toml";

/// The `cli/` area's known failures (Podman's deviations the docker CLI
/// shows), applied with the suite's shipped list.
pub fn cli_known_failures() -> KnownFailures {
    let file = TomlFile::new(
        format!("{CLI_KNOWN_FAILURES_PATH} (shipped with dockhand)"),
        include_str!("../known-failures.toml"),
    );
    // Part of the build; a test parses it.
    KnownFailures::parse(&file).unwrap_or_default()
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$((concat!("cli/", $name, ".toml"), include_str!(concat!("../checks/cli/", $name, ".toml")))),*]
    };
}

/// (path under `crates/steps/checks/`, text) of every embedded step file.
pub const CLI_FILES: &[(&str, &str)] = embedded![
    "build",
    "commit",
    "cp",
    "events",
    "exec",
    "images",
    "import-export",
    "info",
    "inspect",
    "kill",
    "logs",
    "logs-since",
    "missing-container",
    "missing-image",
    "pause",
    "ps",
    "restart",
    "rm",
    "rmi",
    "run",
    "run-same-name",
    "run-volume",
    "save-load",
    "start-stop",
    "tag",
    "top",
    "usage",
    "version",
    "wait",
];

/// The checks of the `cli/` area. The files are part of the binary, so a
/// problem in one is a bug (a test parses them all).
pub fn cli_area(rt: &Runtime) -> Vec<Check> {
    let files = CLI_FILES
        .iter()
        .map(|(path, text)| {
            parse_embedded(&format!("<dockhand>/{path}"), text).unwrap_or_else(|e| panic!("embedded step file: {e}"))
        })
        .collect();
    crate::register::checks(files, rt)
}

#[cfg(test)]
mod tests {
    use dockhand_harness::CheckCase;

    #[test]
    fn the_cli_known_failures_parse_and_each_names_a_cli_case() {
        let file = super::TomlFile::new(super::CLI_KNOWN_FAILURES_PATH, include_str!("../known-failures.toml"));
        let known = super::KnownFailures::parse(&file).expect("the cli/ known failures parse");
        assert!(!known.is_empty());
        let cases = CheckCase::expand(&super::cli_area(&Default::default()));
        for e in known.entries() {
            assert!(
                cases.iter().any(|c| e.check.matches(c.check.meta.id, &c.id())),
                "entry at line {} matches no cli/ case",
                e.line
            );
        }
    }
}
