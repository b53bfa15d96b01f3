//! The dockhand probe, ready to ship into a Docker-compatible engine.
//!
//! The probe is a small program (this crate's `dockhand-probe` binary; its
//! step language is described in `src/main.rs`) that runs as PID 1 in test
//! containers and does what its arguments say: print, sleep, report signals,
//! resolve names, connect, serve, exit with a code. `build.rs` compiles it a
//! second time as a static, reproducible executable; this library embeds
//! that executable ([`PROBE_BINARY`]) and wraps it in a one-layer image
//! archive ([`probe_image_archive`]) that `POST /images/load` accepts, so
//! that tests need no registry and no base image.
//!
//! The archive is deterministic: the same sources, toolchain and crate
//! version give the same bytes, and so the same image id, wherever and
//! whenever they are built.

mod image;

#[cfg(test)]
mod compile;

pub use image::{probe_image_archive, ImageArchive};

/// The static probe executable (x86-64 Linux ELF on the usual target, no
/// interpreter, no debug info, symbols stripped).
pub const PROBE_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/dockhand-probe"));

/// The probe's version: this crate's version, which is also the image tag.
pub const PROBE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The repository part of the probe image's name.
pub const PROBE_REPOSITORY: &str = "dockhand/probe";

/// The probe image's full tag, `dockhand/probe:<version>`.
pub fn probe_image_tag() -> String {
    format!("{PROBE_REPOSITORY}:{PROBE_VERSION}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn tag_is_repository_and_version() {
        assert_eq!(probe_image_tag(), format!("dockhand/probe:{PROBE_VERSION}"));
        assert!(!PROBE_VERSION.is_empty());
    }

    /// Copies the probe's sources to `crate_dir`, compiles them with the
    /// same command line as `build.rs`, and returns the executable's bytes.
    fn compile_copy(crate_dir: &Path) -> Vec<u8> {
        let source_root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for source in compile::probe_sources(source_root).unwrap() {
            let to = crate_dir.join(&source);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(source_root.join(&source), &to).unwrap();
        }
        let out_dir = crate_dir.join("out");
        std::fs::create_dir_all(&out_dir).unwrap();
        let out_file = out_dir.join("dockhand-probe");
        let rustc = env!("DOCKHAND_PROBE_RUSTC");
        let target = Some(env!("DOCKHAND_PROBE_CROSS_TARGET")).filter(|t| !t.is_empty());
        let output = compile::rustc_command(rustc.as_ref(), crate_dir, &out_file, target)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "rustc failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(out_file).unwrap()
    }

    /// The probe binary does not depend on where the checkout lives: two
    /// copies of the sources at different paths (of different lengths)
    /// compile to the same bytes as the embedded binary. Takes a few seconds.
    #[test]
    fn probe_binary_is_reproducible_from_other_directories() {
        let temp = tempfile::tempdir().unwrap();
        let a = temp.path().join("a");
        let b = temp.path().join("somewhere").join("much").join("deeper-checkout");
        let (bytes_a, bytes_b) = std::thread::scope(|s| {
            let a = s.spawn(|| compile_copy(&a));
            let b = s.spawn(|| compile_copy(&b));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(bytes_a == bytes_b, "the two copies compiled differently");
        assert!(
            bytes_a == PROBE_BINARY,
            "a copy compiled differently from the embedded binary"
        );
    }
}
