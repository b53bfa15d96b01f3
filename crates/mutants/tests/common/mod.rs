//! What the mutation tests share: the engine they mutate and the dockhand
//! binary they run.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The machine engine's socket: `DOCKER_HOST` when it is a unix address,
/// else the default socket.
pub fn engine() -> PathBuf {
    match std::env::var("DOCKER_HOST") {
        Ok(h) if h.starts_with("unix://") => PathBuf::from(&h["unix://".len()..]),
        _ => PathBuf::from("/var/run/docker.sock"),
    }
}

/// The dockhand binary, built once for the whole test process (by cargo,
/// into this test's own target directory and profile), or `DOCKHAND_BIN`.
pub fn dockhand() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(bin) = std::env::var("DOCKHAND_BIN") {
            return PathBuf::from(bin);
        }
        // target/<profile>/deps/<test>-<hash> -> target/<profile>
        let exe = std::env::current_exe().expect("the test's own path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
        let target_dir = profile_dir.parent().expect("target/");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let mut cmd = std::process::Command::new(cargo);
        cmd.args(["build", "-q", "-p", "dockhand", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(target_dir);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build -p dockhand");
        assert!(status.success(), "cargo build -p dockhand failed");
        profile_dir.join("dockhand")
    })
}
