//! A process that starts a private engine and dies without cleaning up
//! (`abort`), for the sweep test in `tests/lifecycle.rs`: what a crashed test
//! or dockhand run leaves behind. Usage: `dockhand-daemon-crash-helper NAME
//! BASE_DIR`; it prints `READY <engine dir>` once the engine answers.
//!
//! A binary target of its own, not a test that does nothing unless an
//! environment variable is set: cargo builds it for the integration tests and
//! hands them its path as `CARGO_BIN_EXE_dockhand-daemon-crash-helper`.

use std::io::Write;

use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(base)) = (args.next(), args.next()) else {
        eprintln!("usage: dockhand-daemon-crash-helper NAME BASE_DIR");
        std::process::exit(3);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let engine = match rt.block_on(PrivateEngine::start(PrivateEngineOptions::new(&name).base_dir(base))) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start private engine {name}: {e}");
            std::process::exit(1);
        }
    };
    println!("READY {}", engine.dir().display());
    let _ = std::io::stdout().flush();
    // Dies as a crash does: no destructor, no cleanup.
    std::process::abort();
}
