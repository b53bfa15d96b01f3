//! The command line, phase one: raw flags as clap parses them. `main` turns
//! them into validated settings before anything talks to an engine.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dockhand",
    version,
    about = "Black-box testing for Docker-compatible container engines",
    after_help = "Exit codes: 0 passed, 1 a check failed, 2 engine unreachable or not responding, 3 usage or configuration error, 4 no check matched."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Engine endpoint: unix:///path or tcp://host:port (default: DOCKER_HOST, then /var/run/docker.sock).
    #[arg(long, short = 'H', global = true, value_name = "URL")]
    pub host: Option<String>,
    /// Use this API version instead of negotiating one (e.g. 1.40).
    #[arg(long, global = true, value_name = "MAJOR.MINOR")]
    pub api_version: Option<String>,
    /// Deadline of one engine call, e.g. 30s, 500ms.
    #[arg(long, global = true, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Print every API call with its status and latency.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run conformance checks against the engine.
    Check(CheckArgs),
    /// List the bundled checks.
    List(ListArgs),
    /// Manage dockhand's images.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Print dockhand's and the engine's versions.
    Version,
    /// Remove objects that crashed dockhand runs left on the engine.
    Clean(CleanArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Globs on check ids, e.g. 'containers/*'. All checks when none.
    pub filters: Vec<String>,
    /// Run checks in parallel (default: the number of cores).
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Deadline of one check, cleanup excluded, e.g. 120s.
    #[arg(long, value_name = "DURATION")]
    pub check_timeout: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Globs on check ids.
    pub filters: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Load the probe image into the engine (it is built from what dockhand carries).
    Build,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Remove every dockhand object, also those of runs that may still be alive.
    #[arg(long)]
    pub all: bool,
}
