//! Compiles the probe program (`src/main.rs`) a second time, as a static,
//! reproducible executable in `$OUT_DIR/dockhand-probe`, for the library to
//! embed with `include_bytes!`.
//!
//! It runs `$RUSTC` directly rather than cargo so that the flags (static C
//! runtime, no debug info, stripped, remapped paths, one codegen unit) are
//! fixed here and not inherited from whatever profile builds the library.

use std::env;
use std::path::PathBuf;

#[path = "src/compile.rs"]
mod compile;

fn main() {
    let crate_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let rustc = env::var_os("RUSTC").expect("RUSTC");
    let target = env::var("TARGET").expect("TARGET");
    let host = env::var("HOST").expect("HOST");

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/compile.rs");
    // The directory too, so that an added module triggers a rebuild.
    println!("cargo:rerun-if-changed=src/probe");
    let sources = compile::probe_sources(&crate_dir).unwrap_or_else(|e| panic!("cannot list the probe's sources: {e}"));
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
    }

    let out_file = out_dir.join("dockhand-probe");
    let cross = (target != host).then_some(target.as_str());
    let mut cmd = compile::rustc_command(&rustc, &crate_dir, &out_file, cross);
    let output = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    if !output.status.success() {
        panic!(
            "building the static probe binary failed ({status}).\n\
             command: {cmd:?}\n\
             rustc said:\n{stderr}\n\
             The probe is linked statically against the C library: install its static \
             libraries (glibc: the Debian/Ubuntu package libc6-dev, Fedora: glibc-static) \
             and a C linker (cc), and for a cross build the Rust standard library for \
             {target} (rustup target add {target}).",
            status = output.status,
            stderr = String::from_utf8_lossy(&output.stderr),
        );
    }

    // For the reproducibility test, which rebuilds the probe the same way.
    println!("cargo:rustc-env=DOCKHAND_PROBE_RUSTC={}", rustc.to_string_lossy());
    println!("cargo:rustc-env=DOCKHAND_PROBE_CROSS_TARGET={}", cross.unwrap_or(""));
}
