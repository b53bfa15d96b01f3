//! [`StepFile`]: a check read from a step file, as the parser validated it.
//! Strings still hold their `{variables}`; the executor substitutes them
//! when the step runs.

use std::collections::BTreeMap;
use std::time::Duration;

use dockhand_engine::{ApiVersion, Method};
use dockhand_harness::Need;
use serde_json::Value;

use crate::expect::{TextMatch, ValueMatch};

/// A check declared in a step file.
#[derive(Debug, Clone)]
pub struct StepFile {
    /// The file as messages name it (`checks/site/exit.toml`, or
    /// `<dockhand>/cli/run.toml` for a file embedded in the binary).
    pub path: String,
    pub id: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub min_api: Option<ApiVersion>,
    pub needs: Vec<Need>,
    /// Operation ids of the API reference the check exercises.
    pub reference: Vec<String>,
    /// Knobs with their defaults; `[checks."id"]` in dockhand.toml overrides them.
    pub knobs: BTreeMap<String, Value>,
    /// Variant name and its values, in file order.
    pub variants: Vec<(String, BTreeMap<String, Value>)>,
    pub steps: Vec<Step>,
    /// Whether a step uses `{tmp}`: the case then gets a directory.
    pub uses_tmp: bool,
}

/// One `[[step]]`.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based, in file order.
    pub index: usize,
    /// The line of its `[[step]]` header.
    pub line: usize,
    pub action: Action,
    pub expect: Vec<Expectation>,
    /// Variable name and where its value comes from.
    pub capture: Vec<(String, Capture)>,
    /// `cleanup = "container {id}"`: what to remove after the check.
    pub cleanup: Vec<CleanupSpec>,
    /// `until = "10s"`: repeat the step until its expectations hold.
    pub until: Option<Until>,
    /// The deadline of a command (`run`), or extra time for a call that
    /// waits on purpose (`call`).
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Until {
    pub within: Duration,
    pub every: Duration,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    Api(ApiCall),
    Command(Command),
}

#[derive(Debug, Clone)]
pub struct ApiCall {
    pub method: Method,
    /// The unversioned path, with variables.
    pub path: String,
    pub query: Vec<(String, Value)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Hijack the connection (attach, exec start): write `stdin`, then read
    /// until the engine closes.
    pub upgrade: bool,
    pub stdin: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Value),
    /// A tar archive of (file name, content), e.g. a build context.
    Tar(Vec<(String, String)>),
}

/// A program: `docker` as its first word is the CLI under test.
#[derive(Debug, Clone)]
pub struct Command {
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub env: Vec<(String, String)>,
}

/// One expectation, with the line it is written on.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub line: usize,
    pub kind: ExpectKind,
}

#[derive(Debug, Clone)]
pub enum ExpectKind {
    /// Any of these statuses.
    Status(Vec<u16>),
    Header(String, TextMatch),
    /// The reply's JSON at a pointer.
    Json(String, ValueMatch),
    /// The raw body as text (a TTY stream, a plain-text reply).
    Body(TextMatch),
    /// The multiplexed stream's payload of one stream (stdout or stderr).
    Frames(dockhand_engine::StreamKind, TextMatch),
    /// JSON lines: each entry must match a line, in this order.
    Events(Vec<Vec<(String, ValueMatch)>>),
    Exit(i32),
    Stdout(TextMatch),
    Stderr(TextMatch),
}

impl ExpectKind {
    /// How the file spells it, for messages.
    pub fn key(&self) -> String {
        match self {
            ExpectKind::Status(_) => "expect.status".into(),
            ExpectKind::Header(h, _) => format!("expect.headers.{h:?}"),
            ExpectKind::Json(p, _) => format!("expect.json.{p:?}"),
            ExpectKind::Body(_) => "expect.body".into(),
            ExpectKind::Frames(s, _) => format!("expect.frames.{}", stream_name(*s)),
            ExpectKind::Events(_) => "expect.events".into(),
            ExpectKind::Exit(_) => "expect.exit".into(),
            ExpectKind::Stdout(_) => "expect.stdout".into(),
            ExpectKind::Stderr(_) => "expect.stderr".into(),
        }
    }
}

pub fn stream_name(s: dockhand_engine::StreamKind) -> &'static str {
    match s {
        dockhand_engine::StreamKind::Stdin => "stdin",
        dockhand_engine::StreamKind::Stdout => "stdout",
        dockhand_engine::StreamKind::Stderr => "stderr",
    }
}

/// Where a captured value comes from.
#[derive(Debug, Clone)]
pub enum Capture {
    /// A JSON pointer into the reply.
    Pointer(String),
    /// A command's output, trimmed.
    Stdout,
    Stderr,
}

/// `KIND NAME`: an object to remove after the check.
#[derive(Debug, Clone)]
pub struct CleanupSpec {
    pub kind: CleanupKind,
    /// With variables.
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupKind {
    Container,
    Volume,
    Network,
    Image,
}

pub const CLEANUP_KINDS: &[&str] = &["container", "volume", "network", "image"];
