//! The `dockhand` binary: parses arguments, maps expected errors to exit
//! codes, and hands each subcommand to its module. Kept thin on purpose.
//!
//! The modules form one direction, without circles: `args` (clap's types)
//! and `error` at the bottom; `settings` (configuration and the configured
//! engine) on them; the command modules (`bench`, `check`, `engines`,
//! `env`, `cluster`, `image_self`, `report`) on those; `commands` (dispatch) on top.

mod args;
mod bench;
mod check;
mod cluster;
mod cluster_file;
mod commands;
mod engines;
mod env;
mod error;
mod image_self;
mod report;
mod settings;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap exits 2 on usage errors; dockhand's 2 means "engine down".
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                dockhand_harness::exit::USAGE as u8
            } else {
                0
            });
        }
    };
    let filter = if cli.global.verbose { "dockhand=debug" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("DOCKHAND_LOG").unwrap_or_else(|_| filter.into()))
        .with_writer(std::io::stderr)
        .without_time()
        .init();

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(commands::dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error::render(&e));
            e.exit_code()
        }
    };
    // Do not wait for stray tasks (e.g. a stream to a frozen engine) at exit.
    runtime.shutdown_background();
    ExitCode::from(code as u8)
}
