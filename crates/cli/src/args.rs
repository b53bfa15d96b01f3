//! The command line, phase one: raw flags as clap parses them, every
//! subcommand's included. `settings` turns them into a validated
//! `EffectiveConfig` (with the file and `DOCKHAND_*` layers) before anything
//! talks to an engine. This module imports no other of the binary's: each
//! command module reads its arguments from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dockhand_harness::{Filter, OutputFormat};

#[derive(Debug, Parser)]
#[command(
    name = "dockhand",
    version,
    about = "Black-box testing for Docker-compatible container engines",
    after_help = "Exit codes: 0 passed, 1 a check failed, 2 engine unreachable or not responding, 3 usage or configuration error, 4 no check matched, 130, 143, 129 interrupted by Ctrl-C (SIGINT), SIGTERM, SIGHUP."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Engine endpoint: unix:///path, tcp://host[:port] or ssh://[user@]host[:port][/path] (default: DOCKER_HOST, DOCKER_CONTEXT, the current context, then /var/run/docker.sock).
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

    // Step files (issue 19).
    /// A directory of step files (`*.toml`, read recursively) whose checks
    /// join the built-in ones (repeatable; after `checks-dir` in dockhand.toml).
    #[arg(long = "checks-dir", global = true, value_name = "DIR")]
    pub checks_dir: Vec<PathBuf>,
    /// The Docker-compatible CLI that command steps and the `cli/` checks run
    /// (default: `docker` on PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub cli: Option<PathBuf>,

    // Remote engines (issue 18): --context and the TLS flags.
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// How the docker CLI reaches a remote engine: a context, and TLS (flags
/// as the docker CLI spells them). Precedence: --context, --host,
/// DOCKER_HOST, DOCKER_CONTEXT, the configuration file's host, the docker
/// configuration's current context, the default socket.
#[derive(Debug, Clone, Args, Default)]
pub struct RemoteArgs {
    /// Docker context to use (`docker context ls`); overrides DOCKER_HOST, DOCKER_CONTEXT and the current context.
    #[arg(long, short = 'c', global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Use TLS (without verifying the engine's certificate unless --tlsverify); also DOCKER_TLS.
    #[arg(long, global = true)]
    pub tls: bool,
    /// Use TLS and verify the engine's certificate against the CA (implies --tls); also DOCKER_TLS_VERIFY.
    #[arg(long, global = true)]
    pub tlsverify: bool,
    /// CA certificate that signed the engine's (default: ca.pem in DOCKER_CERT_PATH, else ~/.docker).
    #[arg(long, global = true, value_name = "FILE")]
    pub tlscacert: Option<PathBuf>,
    /// Client certificate (default: cert.pem in DOCKER_CERT_PATH, else ~/.docker, when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub tlscert: Option<PathBuf>,
    /// Client certificate's private key (default: key.pem beside cert.pem, when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub tlskey: Option<PathBuf>,
}

impl RemoteArgs {
    /// The TLS flags as the configuration takes them.
    pub fn tls_flags(&self) -> dockhand_harness::config::TlsFlags {
        dockhand_harness::config::TlsFlags {
            tls: self.tls,
            tlsverify: self.tlsverify,
            tlscacert: self.tlscacert.clone(),
            tlscert: self.tlscert.clone(),
            tlskey: self.tlskey.clone(),
        }
    }
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
    /// Start, stop and list private engines: throwaway dockerd instances in
    /// their own network namespace and state directory.
    #[command(subcommand)]
    Engine(EngineCommand),
    /// App integration environments from compose files: up, run, down, ps, logs.
    #[command(subcommand)]
    Env(EnvCommand),
    /// Local swarm clusters of private engines: create, ls, env, rm.
    Cluster(ClusterArgs),
    /// Show which API operations the checks exercise, with totals.
    Coverage(CoverageArgs),
    /// Write a compatibility report (HTML page, Markdown summary) from the
    /// `--format json` events of one or more runs (checks, and benches).
    Report(ReportArgs),
    /// Time engine operations (latency percentiles, throughput), on one
    /// engine or several side by side.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    // Shapes coverage (issue 17): what a run's replies were validated against.
    /// Also count the (operation, status) response shapes a run validated,
    /// out of those the reference defines: from the latest run's journal,
    /// or the one given.
    #[arg(long, value_name = "JOURNAL", num_args = 0..=1)]
    pub journal: Option<Option<PathBuf>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

impl From<Format> for OutputFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Human => OutputFormat::Human,
            Format::Json => OutputFormat::Json,
        }
    }
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

impl SelectArgs {
    /// The harness's filter of these arguments.
    pub fn filter(&self) -> Filter {
        Filter {
            patterns: self.filters.clone(),
            tags: self.tag.clone(),
            skip: self.skip.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Run checks in parallel (default: twice the cores, at most 16, or the cores if more).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<String>,
    /// Run each check N times.
    #[arg(long, value_name = "N")]
    pub repeat: Option<String>,
    /// Deadline of one check, cleanup excluded, e.g. 120s.
    #[arg(long, value_name = "DURATION")]
    pub check_timeout: Option<String>,
    /// Known-failures file (TOML), instead of the list shipped with dockhand.
    #[arg(long, value_name = "FILE")]
    pub known_failures: Option<String>,
    /// Apply no known-failures list: every deviation fails the run.
    #[arg(long, conflicts_with = "known_failures")]
    pub no_known_failures: bool,
    /// Do not validate replies against the API reference's shapes (schema
    /// findings); for measuring what validation costs.
    #[arg(long)]
    pub no_shapes: bool,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Finish an interrupted run: the latest journal, or the one given.
    #[arg(long, value_name = "JOURNAL", num_args = 0..=1)]
    pub resume: Option<Option<PathBuf>>,
    /// Run on a throwaway private engine (a dockerd of its own, removed after
    /// the run), which also enables the checks that need one (`faults/*`).
    /// Needs root and dockerd; `--private-engine=podman` runs a Podman
    /// service instead (needs podman), and the fault checks break Podman.
    #[arg(
        long,
        conflicts_with = "resume",
        value_enum,
        value_name = "KIND",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "docker"
    )]
    pub private_engine: Option<EngineKindArg>,
    /// Run against a local cluster (`dockhand cluster create`): its first manager is the engine, and checks can drive every node.
    #[arg(long, value_name = "NAME", conflicts_with = "private_engine")]
    pub cluster: Option<String>,

    // -- unsupported operations (issue 16.2) --
    /// Fail the run (exit 1) when the engine answers a case's operation as not
    /// implemented (outcome `unsupported`), as for a failure.
    #[arg(long)]
    pub strict: bool,

    // --- existing clusters (issue 18) ---
    /// Run against the cluster a TOML file describes (nodes with endpoints,
    /// roles, and optional stop/kill/start commands): its first node is the
    /// engine. See `dockhand cluster ls --file`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["private_engine", "cluster"])]
    pub cluster_file: Option<PathBuf>,
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
    SelfImage(SelfArgs),
}

#[derive(Debug, Args)]
pub struct SelfArgs {
    /// The dockhand binary to put in the image (default: this one). It must be statically linked.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// The image's tag.
    #[arg(long, value_name = "REF", default_value = concat!("dockhand/dockhand:", env!("CARGO_PKG_VERSION")))]
    pub tag: String,
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

#[derive(Debug, Subcommand)]
pub enum EngineCommand {
    /// Start a private engine that keeps running after dockhand exits.
    Start(EngineStartArgs),
    /// Stop a private engine and remove its network namespace and state
    /// directory (also the leftovers of one whose process died).
    Stop(EngineNameArg),
    /// List private engines started with `dockhand engine start`.
    Ls,
    /// Print the end of a private engine's dockerd log.
    Logs(EngineLogsArgs),
    /// Runs and owns a private engine until SIGTERM (what `engine start` spawns).
    #[command(hide = true)]
    Serve(EngineStartArgs),
}

#[derive(Debug, Args, Clone)]
pub struct EngineStartArgs {
    /// The engine's name: letters, digits, '-', '_', '.'.
    pub name: String,
    /// One more dockerd argument (repeatable), e.g. --arg=--debug.
    #[arg(long = "arg", value_name = "DOCKERD_ARG", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Start dockerd with --live-restore: containers keep running while it is down.
    #[arg(long)]
    pub live_restore: bool,
    /// Which engine: dockerd, or `podman system service` (its --arg values
    /// are podman's global flags).
    #[arg(long, value_enum, default_value_t = EngineKindArg::Docker)]
    pub kind: EngineKindArg,
}

/// The kinds of private engine (`dockhand_daemon::EngineKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineKindArg {
    Docker,
    Podman,
}

impl From<EngineKindArg> for dockhand_daemon::EngineKind {
    fn from(k: EngineKindArg) -> Self {
        match k {
            EngineKindArg::Docker => dockhand_daemon::EngineKind::Docker,
            EngineKindArg::Podman => dockhand_daemon::EngineKind::Podman,
        }
    }
}

#[derive(Debug, Args)]
pub struct EngineNameArg {
    pub name: String,
}

#[derive(Debug, Args)]
pub struct EngineLogsArgs {
    pub name: String,
    /// Only the last N lines (default: the whole log).
    #[arg(short = 'n', long = "lines", value_name = "N")]
    pub lines: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Create the networks, volumes and images, start the services in dependency order and wait until all are ready.
    Up(EnvUpArgs),
    /// Bring the environment up, run CMD on the host with the services' endpoints in its environment, bring it down.
    #[command(
        after_help = "CMD gets DOCKHAND_PROJECT, DOCKHAND_<SERVICE>_REPLICAS, and for each published port \
DOCKHAND_<SERVICE>_<PORT>=127.0.0.1:<host port> (replica 1) and DOCKHAND_<SERVICE>_<PORT>_<N> (replica N, from 1); \
UDP ports have _UDP after the port. <SERVICE> is the service name in uppercase with other characters as _.\n\
The exit code is CMD's (128+N when a signal N ended it), 128+N when dockhand itself was interrupted by signal N (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), 1 when the environment did not get ready."
    )]
    Run(EnvRunArgs),
    /// Remove the project's containers, networks, volumes and built images.
    Down(EnvDownArgs),
    /// List the project's containers with their state and ports.
    Ps(EnvFileArgs),
    /// Print the logs of the project's services (or one service).
    Logs(EnvLogsArgs),
    /// Print the compose file as dockhand reads it (resolved, long forms), like `docker compose config`; exits 3 listing every problem of the file.
    Config(EnvFileArgs),
}

#[derive(Debug, Args, Clone)]
pub struct EnvFileArgs {
    /// Compose file (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml here).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Project name (default: the file's `name`, else its directory's name).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project: Option<String>,
    /// Enable services of this profile (repeatable).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EnvUpArgs {
    #[command(flatten)]
    pub file: EnvFileArgs,
    /// How long to wait for every service to be ready.
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub wait_timeout: String,
    /// After this long any dockhand may sweep the environment.
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub ttl: String,
    /// Log lines to print of a service that did not get ready.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub logs: usize,
    // --- compose helper (issue 21): logs while waiting ---
    /// Do not stream the services' output while waiting for them (shown by default: prefixed lines, or a live line on a terminal).
    #[arg(long)]
    pub no_wait_logs: bool,
}

#[derive(Debug, Args)]
pub struct EnvRunArgs {
    #[command(flatten)]
    pub file: EnvFileArgs,
    /// How long to wait for every service to be ready.
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub wait_timeout: String,
    /// Log lines to print per service when CMD fails or a service does not get ready.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub logs: usize,
    /// Keep the images built for the services.
    #[arg(long)]
    pub keep_images: bool,
    // --- compose helper (issue 21): logs while waiting ---
    /// Do not stream the services' output while waiting for them (shown by default: prefixed lines, or a live line on a terminal).
    #[arg(long)]
    pub no_wait_logs: bool,
    /// The command to run on the host, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub cmd: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EnvDownArgs {
    #[command(flatten)]
    pub file: EnvFileArgs,
    /// Keep the images built for the services.
    #[arg(long)]
    pub keep_images: bool,
}

#[derive(Debug, Args)]
pub struct EnvLogsArgs {
    #[command(flatten)]
    pub file: EnvFileArgs,
    /// Only this service.
    pub service: Option<String>,
    /// Only the last N lines of each container.
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// Where clusters keep their state (default: /run/dockhand/clusters).
    #[arg(long, global = true, value_name = "DIR", env = "DOCKHAND_CLUSTER_DIR")]
    pub state_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ClusterCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Create a local swarm: N private engines, each in its own namespaces, on one bridge.
    Create(ClusterCreateArgs),
    /// List the clusters, their nodes, roles, status and sockets.
    Ls(ClusterLsArgs),
    /// Print `export DOCKER_HOST=...` for a node (the first manager by default).
    Env(ClusterEnvArgs),
    /// Stop a cluster's daemons and remove its namespaces, bridge and directories.
    Rm(ClusterRmArgs),
    /// Stop a node's engine gracefully (its containers keep running under containerd).
    Stop(ClusterNodeArgs),
    /// Kill a node's engine (SIGKILL), as a crash would.
    Kill(ClusterNodeArgs),
    /// Start a node's engine again and wait until it answers.
    Start(ClusterNodeArgs),
}

#[derive(Debug, Args)]
pub struct ClusterLsArgs {
    /// Show the cluster a cluster file describes (as `check --cluster-file`
    /// reads it) instead of the local clusters.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClusterNodeArgs {
    pub name: String,
    /// The node: n1, n2, ... or its host name.
    pub node: String,
}

#[derive(Debug, Args)]
pub struct ClusterCreateArgs {
    /// Cluster name: lowercase letters, digits and '-'.
    pub name: String,
    /// Number of nodes, managers included.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub nodes: usize,
    /// Number of managers (the first nodes); the rest are workers.
    #[arg(long, default_value_t = 1, value_name = "M")]
    pub managers: usize,
}

#[derive(Debug, Args)]
pub struct ClusterEnvArgs {
    pub name: String,
    /// The node: n1, n2, ... or its host name.
    #[arg(long, value_name = "NODE")]
    pub node: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["names", "all"])))]
pub struct ClusterRmArgs {
    /// Clusters to remove.
    pub names: Vec<String>,
    /// Remove every cluster.
    #[arg(long)]
    pub all: bool,
}

// --- dockhand report ---------------------------------------------------------

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Event files, each the output of `dockhand check --format json` (one
    /// column per run, in this order) or of `dockhand bench --format json`
    /// (its tables and latency plots in a Bench section).
    #[arg(required = true, value_name = "RUN.jsonl")]
    pub files: Vec<PathBuf>,
    /// Write the self-contained HTML page here.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the Markdown summary here (on stdout when neither --html nor --markdown is given).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

// ---- `dockhand bench` (issue 20) -------------------------------------------

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 measured, 1 some operations failed (see ERRORS), 2 an engine unreachable at the start, or not responding mid-bench, 3 bad input, 130, 143, 129 interrupted (what was measured is printed, what the bench made is removed)."
)]
pub struct BenchArgs {
    /// Workloads to run, in this order (default: all); `--list` shows them.
    pub workloads: Vec<String>,
    /// An engine to bench, `URL` or `LABEL=URL` (repeatable: the engines run side by side, interleaved). Default: --host, DOCKER_HOST, the configuration, the default socket.
    #[arg(long = "engine", value_name = "[LABEL=]URL")]
    pub engines: Vec<String>,
    /// Measured operations per workload and engine [default: 50].
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    pub iterations: Option<u32>,
    /// Measure each workload on each engine for about this long instead, e.g. 10s.
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Operations per workload and engine discarded before measuring.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub warmup: u32,
    /// Rounds per workload; the engines take turns within each.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub rounds: u32,
    /// Life-cycles in flight for the `throughput` workload (comma-separated or repeated).
    #[arg(long, value_name = "N", value_delimiter = ',', default_values_t = [1, 4, 16])]
    pub concurrency: Vec<u32>,
    /// Pings each way (client, raw socket) for the instrument's own overhead; 0 skips it.
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub overhead_calls: usize,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write one SVG per workload into DIR: the latency CDF, engines overlaid.
    #[arg(long, value_name = "DIR")]
    pub plots: Option<PathBuf>,
    /// List the workloads and exit.
    #[arg(long)]
    pub list: bool,
    /// Measure nothing: print (and plot) the results of an earlier `--format json` bench from FILE.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["engines", "workloads", "iterations", "duration"])]
    pub from: Option<PathBuf>,
}
