//! The `cli/` area: step files embedded in the binary, which drive the real
//! docker CLI (or `--cli PATH`) against the engine under test, as Docker
//! Autotest's `docker_cli` subtests did. Their sources are
//! `crates/steps/checks/cli/*.toml`.

use dockhand_harness::Check;

use crate::exec::Runtime;
use crate::parse::parse_embedded;

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
