//! The one `rustc` command line that turns `src/main.rs` into the static
//! probe binary.
//!
//! Shared (by `#[path]`) between `build.rs`, which builds the binary that the
//! library embeds, and the library's reproducibility test, which builds it
//! again from copies of the sources in other directories and compares bytes.
//! It is not part of the library's public API.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the crate directory is called inside the binary, wherever the
/// checkout lives (so that panic messages, for instance, do not depend on
/// it).
pub const REMAPPED_CRATE_DIR: &str = "/dockhand-probe";

/// The probe program's source files: `src/main.rs` and every `.rs` file
/// under `src/probe/`, sorted, relative to the crate directory.
pub fn probe_sources(crate_dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut sources = vec![PathBuf::from("src/main.rs")];
    let mut pending = vec![PathBuf::from("src/probe")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(crate_dir.join(&dir))? {
            let entry = entry?;
            let relative = dir.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(relative);
            } else if relative.extension() == Some(OsStr::new("rs")) {
                sources.push(relative);
            }
        }
    }
    sources.sort();
    Ok(sources)
}

/// The command that compiles the probe in `crate_dir` into `out_file`, a
/// statically linked, stripped executable whose bytes depend only on the
/// sources and the toolchain. `target` is passed on only when given (when
/// cross-compiling).
pub fn rustc_command(rustc: &OsStr, crate_dir: &Path, out_file: &Path, target: Option<&str>) -> Command {
    let mut remap = std::ffi::OsString::from("--remap-path-prefix=");
    remap.push(crate_dir.as_os_str());
    remap.push("=");
    remap.push(REMAPPED_CRATE_DIR);

    let mut cmd = Command::new(rustc);
    cmd.current_dir(crate_dir)
        .args(["--edition", "2021"])
        .args(["--crate-type", "bin", "--crate-name", "dockhand_probe"])
        .args(["-C", "opt-level=2"])
        .args(["-C", "panic=abort"])
        .args(["-C", "codegen-units=1"])
        .args(["-C", "debuginfo=0"])
        .args(["-C", "strip=symbols"])
        .args(["-C", "target-feature=+crt-static"])
        .args(["-C", "metadata=dockhand-probe"])
        // The cargo-built copy of the program is linted; this one needs
        // no second round of warnings nobody would see.
        .args(["--cap-lints", "allow"])
        .arg(remap);
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    cmd.arg("-o").arg(out_file).arg(crate_dir.join("src").join("main.rs"));
    cmd
}
