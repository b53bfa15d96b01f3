//! The command line, phase one: raw flags as clap parses them. `commands`
//! turns them into a validated `EffectiveConfig` (with the file and
//! `DOCKHAND_*` layers) before anything talks to an engine.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "dockhand",
    version,
    about = "Black-box testing for Docker-compatible container engines",
    after_help = "Exit codes: 0 passed, 1 a check failed, 2 engine unreachable or not responding, 3 usage or configuration error, 4 no check matched, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
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
    /// Configuration file (default: ./dockhand.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Local swarm clusters of private engines: create, ls, env, rm.
    Cluster(crate::cluster::ClusterArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args, Default)]
pub struct SelectArgs {
    /// Globs on check ids, e.g. 'containers/*'. All checks when none.
    pub filters: Vec<String>,
    /// Only checks with this tag (repeatable: any of them).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Leave out checks matching this glob (repeatable).
    #[arg(long)]
    pub skip: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Run checks in parallel (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<String>,
    /// Run each check N times.
    #[arg(long, value_name = "N")]
    pub repeat: Option<String>,
    /// Deadline of one check, cleanup excluded, e.g. 120s.
    #[arg(long, value_name = "DURATION")]
    pub check_timeout: Option<String>,
    /// Known-failures file (TOML).
    #[arg(long, value_name = "FILE")]
    pub known_failures: Option<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Finish an interrupted run: the latest journal, or the one given.
    #[arg(long, value_name = "JOURNAL", num_args = 0..=1)]
    pub resume: Option<Option<PathBuf>>,
    /// Run against a local cluster (`dockhand cluster create`): its first manager is the engine, and checks can drive every node.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Load the probe image into the engine (it is built from what dockhand carries).
    Build,
    /// Build an image holding a static dockhand binary (FROM scratch), to run checks from a container.
    #[command(name = "self")]
    SelfImage(crate::image_self::SelfArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Remove every dockhand object, also those of runs that may still be alive.
    #[arg(long)]
    pub all: bool,
}
