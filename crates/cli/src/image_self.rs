//! `dockhand image self`: an image holding a static dockhand binary, `FROM
//! scratch`, built through the engine's `POST /build` (nothing is pulled).
//!
//! The binary carries the probe image's archive, so `dockhand check` inside a
//! container of it (with the engine's socket mounted) loads the probe through
//! the API like anywhere else. A dynamically linked binary cannot run in an
//! empty image. So when this dockhand is one (a plain `cargo build
//! --release`), `image self` builds a static one itself from the checkout it
//! was built from ([`build_static`]: the same sources, glibc's `+crt-static`
//! and an explicit target, into `target/static`); without that checkout, or
//! for a dynamic `--binary`, it is refused with the command that builds one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dockhand_engine::Request;
use dockhand_harness::exit;
use serde_json::Value;

use crate::args::{GlobalArgs, SelfArgs};
use crate::error::CliError;

/// How to get a static binary, for the error message.
const STATIC_BUILD: &str =
    "RUSTFLAGS='-C target-feature=+crt-static' cargo build --release -p dockhand --target x86_64-unknown-linux-gnu";

/// What an ELF file says about how it is linked.
#[derive(Debug, PartialEq, Eq)]
pub enum Linkage {
    Static,
    /// It names a program interpreter (the dynamic loader).
    Dynamic,
    NotElf64,
}

/// Reads the program headers of a 64-bit little-endian ELF file: static means no `PT_INTERP`.
pub fn linkage(bytes: &[u8]) -> Linkage {
    const PT_INTERP: u32 = 3;
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return Linkage::NotElf64;
    }
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        let Some(h) = bytes.get(at..at + 4) else {
            return Linkage::NotElf64;
        };
        if u32::from_le_bytes(h.try_into().expect("4 bytes")) == PT_INTERP {
            return Linkage::Dynamic;
        }
    }
    Linkage::Static
}

/// The build context: a Dockerfile and the binary.
fn context(binary: &[u8]) -> Result<Vec<u8>, std::io::Error> {
    let dockerfile = format!(
        "FROM scratch\nCOPY dockhand /dockhand\nLABEL org.opencontainers.image.title=dockhand org.opencontainers.image.version={}\nENTRYPOINT [\"/dockhand\"]\nCMD [\"check\"]\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data, mode) in [
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("dockhand", binary, 0o755),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(mode);
        h.set_mtime(0);
        h.set_cksum();
        tar.append_data(&mut h, name, data)?;
    }
    tar.into_inner()
}

/// The checkout this dockhand was built from, while it is still there.
fn checkout() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    (root.join("Cargo.toml").is_file() && root.join("crates/cli/src/image_self.rs").is_file()).then_some(root)
}

/// Builds a static dockhand from `root` with the same profile as this one,
/// cargo's progress on stderr, and returns its path.
fn build_static(root: &Path) -> Result<PathBuf, CliError> {
    let target = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let target_dir = root.join("target").join("static");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(&cargo);
    cmd.current_dir(root)
        .args(["build", "-p", "dockhand", "--target", &target, "--target-dir"])
        .arg(&target_dir)
        // The highest-precedence way to give rustc flags: a RUSTFLAGS or
        // CARGO_BUILD_RUSTFLAGS of the caller's would be ignored anyway.
        .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+crt-static")
        .stdout(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit());
    if profile == "release" {
        cmd.arg("--release");
    }
    eprintln!(
        "this dockhand is dynamically linked; building a static one from {} (glibc's +crt-static, target {target}, into {}):",
        root.display(),
        target_dir.display()
    );
    let status = cmd.status().map_err(|e| {
        CliError::Usage(format!(
            "this dockhand is dynamically linked and cannot run {} to build a static one ({e}): build it with `{STATIC_BUILD}` and pass it with --binary",
            Path::new(&cargo).display()
        ))
    })?;
    if !status.success() {
        return Err(CliError::Usage(format!(
            "the static build failed ({status}; cargo's output is above): glibc's static libraries come with libc6-dev; or build it with `{STATIC_BUILD}` and pass it with --binary"
        )));
    }
    Ok(target_dir.join(target).join(profile).join("dockhand"))
}

pub async fn run(g: &GlobalArgs, a: SelfArgs) -> Result<i32, CliError> {
    let mut path = match &a.binary {
        Some(p) => p.clone(),
        None => PathBuf::from("/proc/self/exe"),
    };
    let shown = |p: &Path| match &a.binary {
        Some(_) => p.display().to_string(),
        None => std::env::current_exe()
            .map(|e| e.display().to_string())
            .unwrap_or_else(|_| "this dockhand".into()),
    };
    let read = |path: &Path| {
        std::fs::read(path)
            .map_err(|e| CliError::Usage(format!("cannot read the dockhand binary {}: {e}", shown(path))))
    };
    let mut bytes = read(&path)?;
    if a.binary.is_none() && linkage(&bytes) == Linkage::Dynamic {
        if let Some(root) = checkout() {
            path = build_static(&root)?;
            bytes = read(&path)?;
        }
    }
    match linkage(&bytes) {
        Linkage::Static => {}
        Linkage::Dynamic => {
            return Err(CliError::Usage(format!(
                "the dockhand binary {} is dynamically linked, so it cannot run in an image FROM scratch: build a static one with `{STATIC_BUILD}` and pass it with --binary target/x86_64-unknown-linux-gnu/release/dockhand",
                shown(&path)
            )))
        }
        Linkage::NotElf64 => {
            return Err(CliError::Usage(format!(
                "{} is not a 64-bit little-endian ELF executable: pass a dockhand binary built for Linux with --binary",
                shown(&path)
            )))
        }
    }
    let engine = crate::settings::connect_global(g).await?;
    let ctx = context(&bytes).map_err(|e| CliError::Other(anyhow::anyhow!("cannot write the build context: {e}")))?;
    let r = engine
        .send(
            Request::post("/build")
                .query("t", &a.tag)
                .query("rm", true)
                .query("forcerm", true)
                .allowance(Duration::from_secs(120))
                .body(ctx, "application/x-tar"),
        )
        .await?;
    if !r.status.is_success() {
        return Err(CliError::Other(anyhow::anyhow!(
            "POST /build answered status {}: {}; the engine could not build the image",
            r.status.as_u16(),
            r.message()
        )));
    }
    for line in r.json_lines()? {
        if let Some(err) = line.get("error").and_then(Value::as_str) {
            return Err(CliError::Other(anyhow::anyhow!(
                "the engine's build failed: {}",
                err.trim()
            )));
        }
    }
    let v: Value = engine
        .send(Request::get(format!("/images/{}/json", a.tag)))
        .await?
        .ok()?
        .json()?;
    println!(
        "{} {} ({:.1} MB, FROM scratch: /dockhand)",
        a.tag,
        v["Id"].as_str().unwrap_or("?"),
        v["Size"].as_f64().unwrap_or(0.0) / 1e6
    );
    println!(
        "run it: docker run --rm -v /var/run/docker.sock:/var/run/docker.sock {} check",
        a.tag
    );
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_elf_and_its_linkage_is_read() {
        let me = std::fs::read("/proc/self/exe").unwrap();
        // A test binary of a normal build is dynamically linked; a crt-static one is not.
        let l = linkage(&me);
        assert!(matches!(l, Linkage::Static | Linkage::Dynamic), "{l:?}");
        let dynamic = std::fs::read_to_string("/proc/self/maps")
            .unwrap()
            .contains("/ld-linux");
        assert_eq!(l == Linkage::Dynamic, dynamic);
        assert_eq!(linkage(b"#!/bin/sh\n"), Linkage::NotElf64);
        let mut truncated = me[..64].to_vec();
        truncated[0x38] = 9; // nine program headers that are not there
        assert_eq!(linkage(&truncated), Linkage::NotElf64);
    }

    #[test]
    fn the_context_has_a_dockerfile_and_an_executable_binary() {
        let tar_bytes = context(b"\x7fELF...").unwrap();
        let mut a = tar::Archive::new(&tar_bytes[..]);
        let entries: Vec<(String, u32)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().display().to_string(), e.header().mode().unwrap())
            })
            .collect();
        assert_eq!(
            entries,
            [("Dockerfile".to_string(), 0o644), ("dockhand".to_string(), 0o755)]
        );
    }
}
