//! [`PrivateEngine`]: a throwaway dockerd with its own socket, data-root,
//! exec-root, pidfile, containerd and network namespace.
//!
//! ## How it runs
//! ```text
//! ip netns add dockhand-<name>; ip -n dockhand-<name> link set lo up
//! nsenter --net=/run/netns/dockhand-<name> -- containerd --config <dir>/containerd/config.toml
//! nsenter --net=/run/netns/dockhand-<name> -- dockerd --config-file <dir>/daemon.json
//!     --host unix://<dir>/docker.sock --data-root <dir>/data --exec-root <dir>/exec
//!     --pidfile <dir>/docker.pid --containerd <dir>/containerd/containerd.sock [extra args]
//! ```
//! - `--config-file` names an empty `{}` file: otherwise dockerd reads
//!   `/etc/docker/daemon.json`, and any `data-root`, `hosts` or `storage-driver`
//!   there either clashes with our flags (dockerd refuses to start) or leaks the
//!   system engine's settings into ours.
//! - The default bridge stays on, with iptables: `docker0` and the NAT rules live
//!   in the engine's own network namespace, so they collide with nothing, and
//!   network checks get a real bridge. The namespace has no uplink: containers
//!   reach each other and the engine's host side, not the internet.
//! - **containerd: our own, always.** Left to itself, dockerd uses the system
//!   containerd whenever `/run/containerd/containerd.sock` exists (docker-ce
//!   hosts) and only otherwise starts a managed one (Debian's docker.io). Sharing
//!   the system containerd would put our containers in its namespace `moby`, next
//!   to the system engine's, and its state and shims out of our reach; namespacing
//!   it (`--containerd-namespace`) would still leave a crashed run's containers in
//!   the system containerd for someone else to find. So the engine starts its own
//!   containerd with its own config (root, state and socket under `<dir>`, the CRI
//!   plugin off) and hands it to dockerd with `--containerd`: the same behaviour on
//!   every host, and everything it owns is under `<dir>`. It runs in the engine's
//!   network namespace too, so shims, and containers with `--network host`, land
//!   there rather than in the host's. Like a system containerd, it outlives a
//!   killed dockerd: containers keep running, and [`PrivateEngine::restart`]
//!   finds them again (with `--live-restore`) as a real host would.
//! - Both processes are spawned with `PR_SET_PDEATHSIG = SIGKILL`: if the test
//!   process dies without running destructors, the kernel kills them.
//!
//! ## Shims and containers
//! containerd shims are double-forked and outlive both daemons on purpose. A
//! graceful [`PrivateEngine::shutdown`] stops dockerd with SIGINT, and dockerd
//! stops every container (unless `--live-restore`), after which containerd
//! deletes the tasks and their shims exit. Whatever is still there afterwards,
//! and everything after a kill or a drop, is removed by force: container inits
//! (and with them their pid namespaces), then the shims that name our containerd
//! socket, then any process in our network namespace. See [`crate::cleanup`].

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use dockhand_engine::{Deadlines, Endpoint, EndpointSource, Engine, Request, MIN_API_VERSION};

use crate::cleanup;
use crate::error::DaemonError;
use crate::layout;
use crate::lock::EngineLock;
use crate::netns;
use crate::process::{self, describe_status, Proc};

/// How long a private dockerd gets to come up by default.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long [`PrivateEngine::restart`] and [`PrivateEngine::shutdown`] let dockerd
/// stop on its own: its default `--shutdown-timeout` (15 s) for containers, plus slack.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(20);

/// Lines of log an error quotes.
const LOG_TAIL_LINES: usize = 20;

/// Unix socket paths are limited to 107 bytes; containerd's ttrpc socket is the longest of ours.
const LONGEST_SOCKET_SUFFIX: &str = "/containerd/containerd.sock.ttrpc";
const MAX_SOCKET_PATH: usize = 107;

/// Podman 4.3 refuses a longer `--runroot` ("the specified runroot is longer than 50 characters").
const MAX_PODMAN_RUNROOT: usize = 50;

/// The base of state directories when none is given:
/// `$XDG_RUNTIME_DIR/dockhand/engines`, else `/tmp/dockhand/engines`.
pub fn default_base_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("dockhand").join("engines"),
        _ => PathBuf::from("/tmp/dockhand/engines"),
    }
}

/// Which engine a [`PrivateEngine`] runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// dockerd with a containerd of its own.
    #[default]
    Docker,
    /// `podman system service` (Podman's Docker-compatible API), see [`crate::podman`].
    Podman,
}

impl EngineKind {
    /// The service's program: what is killed, frozen and restarted.
    pub fn program(self) -> &'static str {
        match self {
            EngineKind::Docker => "dockerd",
            EngineKind::Podman => "podman",
        }
    }

    pub const ALL: [EngineKind; 2] = [EngineKind::Docker, EngineKind::Podman];

    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EngineKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EngineKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown engine kind '{s}': use docker or podman"))
    }
}

/// How to start a [`PrivateEngine`].
#[derive(Debug, Clone)]
pub struct PrivateEngineOptions {
    /// Which engine to run (dockerd unless set).
    pub kind: EngineKind,
    /// Names the state directory (`<base_dir>/<name>`) and the network namespace
    /// (`dockhand-<name>`). Letters, digits, `-`, `_`, `.`; at most 48 characters.
    pub name: String,
    /// The directory holding the engine's state directory; [`default_base_dir`] when `None`.
    pub base_dir: Option<PathBuf>,
    /// Appended to dockerd's command line, e.g. `--live-restore`; for Podman,
    /// global flags before `system service`, e.g. `--log-level=debug`.
    pub extra_args: Vec<String>,
    /// How long containerd and dockerd each get to become ready.
    pub start_timeout: Duration,
    /// Keep the state directory (logs, data-root) after the engine is torn down.
    pub keep_state: bool,
}

impl PrivateEngineOptions {
    pub fn new(name: impl Into<String>) -> Self {
        PrivateEngineOptions {
            kind: EngineKind::Docker,
            name: name.into(),
            base_dir: None,
            extra_args: Vec::new(),
            start_timeout: DEFAULT_START_TIMEOUT,
            keep_state: false,
        }
    }

    /// Runs `kind` instead of dockerd.
    pub fn kind(mut self, kind: EngineKind) -> Self {
        self.kind = kind;
        self
    }

    pub fn base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Adds one dockerd argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    pub fn keep_state(mut self, keep: bool) -> Self {
        self.keep_state = keep;
        self
    }
}

/// Checks a private engine name.
pub fn validate_name(name: &str) -> Result<(), DaemonError> {
    let bad = |reason: &str| {
        Err(DaemonError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() || name.len() > 48 {
        return bad("use 1 to 48 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return bad("use only letters, digits, '-', '_' and '.'");
    }
    if name.starts_with(['-', '.']) {
        return bad("start with a letter or digit");
    }
    Ok(())
}

/// Finds `program` in `PATH` (and the sbin directories, which a non-login root shell may lack).
pub(crate) fn find_program(program: &'static str, hint: &'static str) -> Result<PathBuf, DaemonError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from));
    for d in dirs {
        let p = d.join(program);
        if fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            return Ok(p);
        }
    }
    Err(DaemonError::NotInstalled { program, hint })
}

struct Programs {
    nsenter: PathBuf,
    /// dockerd or podman.
    service: PathBuf,
    /// Docker's only.
    containerd: Option<PathBuf>,
}

fn programs(kind: EngineKind) -> Result<Programs, DaemonError> {
    let nsenter = find_program("nsenter", "install util-linux")?;
    Ok(match kind {
        EngineKind::Docker => Programs {
            service: find_program("dockerd", "install docker.io (Debian, Ubuntu) or docker-ce")?,
            containerd: Some(find_program(
                "containerd",
                "install containerd (Debian, Ubuntu; docker.io pulls it in) or containerd.io",
            )?),
            nsenter,
        },
        EngineKind::Podman => Programs {
            service: find_program("podman", "install podman (Debian, Ubuntu: `apt-get install podman`)")?,
            containerd: None,
            nsenter,
        },
    })
}

/// A throwaway dockerd (or Podman service). Dropping it kills everything it
/// started and removes its network namespace and (unless kept) its state
/// directory; prefer [`PrivateEngine::shutdown`], which first lets the
/// engine stop its containers.
#[derive(Debug)]
pub struct PrivateEngine {
    kind: EngineKind,
    name: String,
    dir: PathBuf,
    lock: Option<EngineLock>,
    containerd: Option<Proc>,
    /// dockerd or `podman system service`.
    service: Option<Proc>,
    frozen: bool,
    extra_args: Vec<String>,
    start_timeout: Duration,
    keep_state: bool,
    last_exit: Option<ExitStatus>,
    ready_after: Duration,
    torn_down: bool,
}

impl PrivateEngine {
    /// Creates the network namespace, starts containerd and dockerd in it, and
    /// waits until `GET /_ping` answers 200 on the private socket.
    ///
    /// Leftovers of an earlier engine of the same name whose process died are
    /// removed first. On failure, everything started so far is torn down.
    pub async fn start(opts: PrivateEngineOptions) -> Result<PrivateEngine, DaemonError> {
        validate_name(&opts.name)?;
        // SAFETY: plain syscall.
        if unsafe { libc::geteuid() } != 0 {
            return Err(DaemonError::NotRoot);
        }
        let progs = programs(opts.kind)?;
        find_program("ip", "install iproute2")?;
        let dir = opts.base_dir.clone().unwrap_or_else(default_base_dir).join(&opts.name);
        if !dir.is_absolute() {
            return Err(DaemonError::InvalidName {
                name: opts.name,
                reason: format!("the state directory {} must be absolute", dir.display()),
            });
        }
        let longest = dir.as_os_str().len() + LONGEST_SOCKET_SUFFIX.len();
        if longest > MAX_SOCKET_PATH {
            return Err(DaemonError::InvalidName {
                name: opts.name,
                reason: format!(
                    "socket paths under {} would be {longest} bytes, over the limit of {MAX_SOCKET_PATH}: use a shorter name or base directory",
                    dir.display()
                ),
            });
        }

        // Podman refuses a runroot longer than 50 bytes.
        let runroot = dir.join("run");
        if opts.kind == EngineKind::Podman && runroot.as_os_str().len() > MAX_PODMAN_RUNROOT {
            return Err(DaemonError::InvalidName {
                name: opts.name,
                reason: format!(
                    "podman's runroot {} would be over its limit of {MAX_PODMAN_RUNROOT} bytes: use a shorter name or base directory",
                    runroot.display()
                ),
            });
        }
        if dir.exists() && !cleanup::is_engine_dir(&dir) {
            return Err(DaemonError::InvalidName {
                name: opts.name,
                reason: format!(
                    "{} exists and is not a dockhand engine directory (it has no {}): pick another name or base directory",
                    dir.display(),
                    cleanup::MARKER
                ),
            });
        }
        let mut lock = EngineLock::try_acquire(&opts.name)?.ok_or_else(|| DaemonError::NameInUse {
            name: opts.name.clone(),
            lock: crate::lock::lock_path(&opts.name),
        })?;
        // We hold the name's lock, so whatever is left under it belongs to a dead run.
        let recorded = lock.recorded_dir();
        for stale in recorded.iter().chain(Some(&dir)) {
            if stale.exists() || netns::exists(&netns::netns_name(&opts.name)) {
                tracing::info!(name = %opts.name, dir = %stale.display(), "removing leftovers of a dead private engine");
                let problems = cleanup::teardown(&opts.name, Some(stale), false);
                if !problems.is_empty() {
                    return Err(DaemonError::Cleanup {
                        name: opts.name,
                        leftovers: problems.join(", "),
                    });
                }
            }
        }
        lock.record_dir(&dir)?;

        // From here on, Drop cleans up whatever fails.
        let mut engine = PrivateEngine {
            kind: opts.kind,
            name: opts.name,
            dir,
            lock: Some(lock),
            containerd: None,
            service: None,
            frozen: false,
            extra_args: opts.extra_args,
            start_timeout: opts.start_timeout,
            keep_state: opts.keep_state,
            last_exit: None,
            ready_after: Duration::ZERO,
            torn_down: false,
        };
        engine.prepare_dir()?;
        netns::create(&engine.netns())?;
        if let Some(containerd) = &progs.containerd {
            engine.start_containerd(&progs.nsenter, containerd).await?;
        }
        engine.start_service(&progs).await?;
        Ok(engine)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which engine this is.
    pub fn kind(&self) -> EngineKind {
        self.kind
    }

    /// The state directory: `<base_dir>/<name>`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The network namespace's name, `dockhand-<name>`.
    pub fn netns(&self) -> String {
        netns::netns_name(&self.name)
    }

    /// `<dir>/docker.sock`, or `<dir>/podman.sock` for Podman.
    pub fn socket_path(&self) -> PathBuf {
        match self.kind {
            EngineKind::Docker => self.dir.join("docker.sock"),
            EngineKind::Podman => crate::podman::socket(&self.dir),
        }
    }

    /// The engine's socket as an [`Endpoint`], named as this private engine.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::unix(self.socket_path(), EndpointSource::private_engine(&self.name))
    }

    pub fn data_root(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn exec_root(&self) -> PathBuf {
        self.dir.join("exec")
    }

    /// The service's stdout and stderr (`dockerd.log`, `podman.log`),
    /// appended across restarts.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.kind.program()))
    }

    pub fn containerd_log_path(&self) -> PathBuf {
        self.dir.join("containerd.log")
    }

    /// The last `n` lines of the service's log.
    pub fn log_tail(&self, n: usize) -> String {
        tail_lines(&self.log_path(), n)
    }

    /// The pid of dockerd (or the Podman service) while it runs (also while frozen).
    pub fn pid(&self) -> Option<u32> {
        self.service.as_ref().filter(|_| self.is_running()).map(Proc::pid)
    }

    /// The pid of the engine's containerd while it runs.
    pub fn containerd_pid(&self) -> Option<u32> {
        self.containerd
            .as_ref()
            .map(Proc::pid)
            .filter(|p| process::pid_alive(*p))
    }

    /// True while dockerd exists and has not exited (a frozen dockerd is running).
    pub fn is_running(&self) -> bool {
        self.service.as_ref().is_some_and(|p| process::pid_alive(p.pid()))
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen && self.is_running()
    }

    /// The extra dockerd arguments of the current (or last) dockerd.
    pub fn extra_args(&self) -> &[String] {
        &self.extra_args
    }

    /// How long the last start or restart took, from spawning dockerd to the first 200 to `/_ping`.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// How dockerd last exited, after [`stop`](Self::stop) or [`kill`](Self::kill).
    pub fn last_exit(&self) -> Option<ExitStatus> {
        self.last_exit
    }

    /// Stops dockerd: SIGINT, up to `grace` for it to exit (it stops its
    /// containers first unless `--live-restore`), then SIGKILL. Reaps it.
    /// containerd keeps running, as a system containerd would.
    pub async fn stop(&mut self, grace: Duration) -> Result<ExitStatus, DaemonError> {
        let r = self.stop_inner(grace).await;
        r.map_err(|e| self.with_log(e))
    }

    async fn stop_inner(&mut self, grace: Duration) -> Result<ExitStatus, DaemonError> {
        let Some(mut p) = self.service.take() else {
            return self.last_exit.ok_or_else(|| self.not_running());
        };
        if self.frozen {
            let _ = p.signal(libc::SIGCONT);
            self.frozen = false;
        }
        let _ = p.signal(libc::SIGINT);
        let status = match p.wait_for(grace).await {
            Some(s) => Some(s),
            None => {
                tracing::warn!(name = %self.name, ?grace, program = self.kind.program(), "the engine did not stop within its grace period; killing it");
                p.kill_and_reap().await
            }
        };
        self.finish_exit(p.pid(), status)
    }

    /// SIGKILLs dockerd and reaps it. Its socket file stays behind, as after a
    /// real crash; containers and containerd keep running.
    pub async fn kill(&mut self) -> Result<ExitStatus, DaemonError> {
        let r = self.kill_inner().await;
        r.map_err(|e| self.with_log(e))
    }

    async fn kill_inner(&mut self) -> Result<ExitStatus, DaemonError> {
        let Some(mut p) = self.service.take() else {
            return Err(self.not_running());
        };
        self.frozen = false;
        let status = p.kill_and_reap().await;
        self.finish_exit(p.pid(), status)
    }

    fn finish_exit(&mut self, pid: u32, status: Option<ExitStatus>) -> Result<ExitStatus, DaemonError> {
        match status {
            Some(s) => {
                self.last_exit = Some(s);
                Ok(s)
            }
            None => Err(DaemonError::Cleanup {
                name: self.name.clone(),
                leftovers: format!(
                    "{} pid {pid}, which did not die within 10s of SIGKILL",
                    self.kind.program()
                ),
            }),
        }
    }

    /// SIGSTOPs dockerd, and returns once the kernel reports it stopped. Its
    /// socket still accepts connections (the kernel queues them) but nothing answers.
    pub fn freeze(&mut self) -> Result<(), DaemonError> {
        self.freeze_inner().map_err(|e| self.with_log(e))
    }

    fn freeze_inner(&mut self) -> Result<(), DaemonError> {
        let pid = self.pid().ok_or_else(|| self.not_running())?;
        process::signal(pid, libc::SIGSTOP)
            .map_err(|e| DaemonError::io(format!("cannot SIGSTOP {} {pid}", self.kind.program()), e))?;
        self.frozen = true;
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if process::stat(pid).is_some_and(|s| s.state == 'T') {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    /// SIGCONTs a frozen dockerd.
    pub fn thaw(&mut self) -> Result<(), DaemonError> {
        self.thaw_inner().map_err(|e| self.with_log(e))
    }

    fn thaw_inner(&mut self) -> Result<(), DaemonError> {
        let pid = self.pid().ok_or_else(|| self.not_running())?;
        process::signal(pid, libc::SIGCONT)
            .map_err(|e| DaemonError::io(format!("cannot SIGCONT {} {pid}", self.kind.program()), e))?;
        self.frozen = false;
        Ok(())
    }

    /// Stops dockerd (if it runs) and starts it again on the same data-root,
    /// socket and network namespace, with `extra_args` replacing the earlier
    /// extra arguments (`--live-restore`, `--shutdown-timeout=2`, ...; pass
    /// [`extra_args`](Self::extra_args) to keep them). Containers fare as on a
    /// real host, because it is the same dockerd code doing it:
    /// - with `--live-restore` in the *old* dockerd, a stop leaves them running;
    ///   without it, dockerd stops them on its way out. A kill leaves them
    ///   running either way (containerd and the shims live on).
    /// - the *new* dockerd, with `--live-restore`, adopts the ones still running;
    ///   without it, it stops them; then it starts those whose restart policy
    ///   says so (`always`, and `unless-stopped` unless stopped by hand).
    ///
    /// containerd is started again only if it died. The suite's
    /// `faults/restart/*` checks assert this matrix against the documentation.
    pub async fn restart<I, S>(&mut self, extra_args: I) -> Result<(), DaemonError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = extra_args.into_iter().map(Into::into).collect();
        let r = self.restart_inner(args).await;
        r.map_err(|e| self.with_log(e))
    }

    async fn restart_inner(&mut self, extra_args: Vec<String>) -> Result<(), DaemonError> {
        if self.torn_down {
            return Err(self.not_running());
        }
        if self.service.is_some() {
            self.stop(DEFAULT_STOP_GRACE).await?;
        }
        self.extra_args = extra_args;
        let progs = programs(self.kind)?;
        if let Some(containerd) = &progs.containerd {
            if self.containerd_pid().is_none() {
                if let Some(mut old) = self.containerd.take() {
                    old.kill_and_reap().await;
                }
                self.start_containerd(&progs.nsenter, containerd).await?;
            }
        }
        self.start_service(&progs).await
    }

    /// Stops the engine gracefully and removes everything it left: dockerd gets
    /// SIGINT and [`DEFAULT_STOP_GRACE`] to stop its containers, containerd
    /// SIGTERM and 10 s; then leftover shims and container processes are
    /// killed, mounts undone, and the namespace and state directory removed.
    ///
    /// Graceful means as slow as the containers: one that ignores SIGTERM holds
    /// dockerd for its stop timeout (10 s by default). A test that does not care
    /// how its containers end can simply drop the engine, which kills at once.
    ///
    /// A Podman service does not stop its containers when it exits (conmon
    /// watches them), so they are removed through its API first: Podman then
    /// stops them and frees their mounts and network namespaces itself.
    pub async fn shutdown(mut self) -> Result<(), DaemonError> {
        if self.kind == EngineKind::Podman && self.is_running() && !self.frozen {
            self.remove_containers().await;
        }
        if self.service.is_some() {
            let _ = self.stop(DEFAULT_STOP_GRACE).await;
        }
        if let Some(mut c) = self.containerd.take() {
            let _ = c.signal(libc::SIGTERM);
            if c.wait_for(Duration::from_secs(10)).await.is_none() {
                c.kill_and_reap().await;
            }
        }
        self.teardown()
    }

    /// Removes every container through the API, each with its stop grace;
    /// best effort (the teardown kills what is left).
    async fn remove_containers(&self) {
        let deadlines = Deadlines {
            call: DEFAULT_STOP_GRACE,
            stream_idle: DEFAULT_STOP_GRACE,
        };
        let engine = Engine::with_version(self.endpoint(), deadlines, MIN_API_VERSION);
        let Ok(list) = engine.container_list(true, None).await else {
            return;
        };
        for c in list {
            let id = c["Id"].as_str().unwrap_or_default();
            if let Err(e) = engine.container_remove(id, true, true).await {
                tracing::warn!(name = %self.name, %id, "cannot remove a container before shutdown: {e}");
            }
        }
    }

    /// Kills everything at once (no grace for containers) and removes the
    /// engine's traces, returning what could not be removed. What `Drop`
    /// does, for callers that want the error rather than a line on stderr.
    pub fn destroy(mut self) -> Result<(), DaemonError> {
        self.teardown()
    }

    /// Kills what still runs and removes the engine's traces. Runs once.
    fn teardown(&mut self) -> Result<(), DaemonError> {
        if self.torn_down {
            return Ok(());
        }
        self.torn_down = true;
        // Dropping a Proc thaws, SIGKILLs and reaps it.
        drop(self.service.take());
        drop(self.containerd.take());
        let problems = cleanup::teardown(&self.name, Some(&self.dir), self.keep_state);
        if let Some(lock) = self.lock.take() {
            lock.release();
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DaemonError::Cleanup {
                name: self.name.clone(),
                leftovers: problems.join(", "),
            })
        }
    }

    /// Adds dockerd's log tail to an error that does not quote a log yet.
    fn with_log(&self, e: DaemonError) -> DaemonError {
        if e.has_log_tail() || !self.log_path().exists() {
            return e;
        }
        DaemonError::WithLog {
            source: Box::new(e),
            log: self.log_path(),
            tail: self.log_tail(LOG_TAIL_LINES),
        }
    }

    fn not_running(&self) -> DaemonError {
        DaemonError::NotRunning {
            name: self.name.clone(),
        }
    }

    fn prepare_dir(&self) -> Result<(), DaemonError> {
        let owner = format!("dockhand private engine '{}'", self.name);
        layout::prepare_state_dir(&self.dir, &owner)?;
        if self.kind == EngineKind::Podman {
            crate::podman::write_config(&self.dir, &owner)?;
        }
        Ok(())
    }

    fn in_netns(&self, nsenter: &Path, program: &Path, args: &[String], log: &Path) -> Result<Command, DaemonError> {
        let net = format!("--net={}", netns::netns_path(&self.netns()).display());
        Ok(layout::nsenter_command(nsenter, &[net], program, args, log, &self.dir)?)
    }

    async fn start_containerd(&mut self, nsenter: &Path, containerd: &Path) -> Result<(), DaemonError> {
        let args = layout::containerd_args(&self.dir);
        let cmd = self.in_netns(nsenter, containerd, &args, &self.containerd_log_path())?;
        let child = process::spawn_tied(cmd).map_err(|e| DaemonError::io("cannot start containerd", e))?;
        self.containerd = Some(Proc::new(child, "containerd"));
        let socket = cleanup::containerd_socket(&self.dir);
        let started = Instant::now();
        loop {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                tracing::debug!(name = %self.name, elapsed = ?started.elapsed(), "containerd is ready");
                return Ok(());
            }
            let p = self.containerd.as_mut().expect("containerd was just set");
            if let Some(status) = p.try_status() {
                return Err(DaemonError::ExitedEarly {
                    program: "containerd",
                    status: describe_status(status),
                    log: self.containerd_log_path(),
                    tail: tail_lines(&self.containerd_log_path(), LOG_TAIL_LINES),
                });
            }
            if started.elapsed() >= self.start_timeout {
                return Err(DaemonError::StartTimeout {
                    program: "containerd",
                    what: format!("its socket {} accepted no connection", socket.display()),
                    waited: self.start_timeout,
                    log: self.containerd_log_path(),
                    tail: tail_lines(&self.containerd_log_path(), LOG_TAIL_LINES),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn service_args(&self) -> Vec<String> {
        match self.kind {
            EngineKind::Docker => {
                let mut a = layout::dockerd_args(&self.dir);
                a.extend(self.extra_args.iter().cloned());
                a
            }
            EngineKind::Podman => crate::podman::service_args(&self.dir, &self.extra_args),
        }
    }

    async fn start_service(&mut self, progs: &Programs) -> Result<(), DaemonError> {
        let _ = fs::remove_file(self.dir.join("docker.pid"));
        // A killed service leaves its socket file; Podman would not bind over it.
        if self.kind == EngineKind::Podman {
            let _ = fs::remove_file(self.socket_path());
        }
        let program = self.kind.program();
        let args = self.service_args();
        let mut cmd = self.in_netns(&progs.nsenter, &progs.service, &args, &self.log_path())?;
        if self.kind == EngineKind::Podman {
            cmd.envs(crate::podman::env(&self.dir));
            crate::podman::isolate(&mut cmd, &self.dir)?;
        }
        let started = Instant::now();
        let child = process::spawn_tied(cmd).map_err(|e| DaemonError::io(format!("cannot start {program}"), e))?;
        self.service = Some(Proc::new(child, program));
        self.frozen = false;
        // Podman's `/version` runs `conmon --version` and the runtime's: on a
        // busy host that alone can take seconds.
        let wait = match self.kind {
            EngineKind::Docker => Duration::from_secs(2),
            EngineKind::Podman => Duration::from_secs(10),
        };
        let probe = Engine::with_version(
            self.endpoint(),
            Deadlines {
                call: wait,
                stream_idle: wait,
            },
            MIN_API_VERSION,
        );
        // Podman answers `/_ping` before its runtime is set up; the first
        // call that needs it (`/version` does) takes seconds more. Ready means
        // that call answers, so that a client on short deadlines can connect.
        let ready = match self.kind {
            EngineKind::Docker => "/_ping",
            EngineKind::Podman => "/version",
        };
        loop {
            if let Ok(r) = probe.send(Request::get(ready).unversioned()).await {
                if r.status.as_u16() == 200 {
                    self.ready_after = started.elapsed();
                    tracing::info!(name = %self.name, pid = self.pid(), ready_after = ?self.ready_after, "private engine is ready");
                    return Ok(());
                }
            }
            let p = self.service.as_mut().expect("the service was just set");
            if let Some(status) = p.try_status() {
                self.service = None;
                self.last_exit = Some(status);
                return Err(DaemonError::ExitedEarly {
                    program,
                    status: describe_status(status),
                    log: self.log_path(),
                    tail: self.log_tail(LOG_TAIL_LINES),
                });
            }
            if started.elapsed() >= self.start_timeout {
                return Err(DaemonError::StartTimeout {
                    program,
                    what: format!("GET {ready} on {} never answered 200", self.socket_path().display()),
                    waited: self.start_timeout,
                    log: self.log_path(),
                    tail: self.log_tail(LOG_TAIL_LINES),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for PrivateEngine {
    fn drop(&mut self) {
        if let Err(e) = self.teardown() {
            // Drop cannot return it, and a test that panicked will not read it otherwise.
            eprintln!("dockhand-daemon: {e}");
        }
    }
}

/// The last `n` lines of a file (reading at most its last 256 KiB).
pub(crate) fn tail_lines(path: &Path, n: usize) -> String {
    const WINDOW: u64 = 256 * 1024;
    let Ok(mut f) = fs::File::open(path) else {
        return format!("(no log at {})", path.display());
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(WINDOW)));
    let mut buf = Vec::new();
    let _ = f.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(validate_name("faults-1.a_b").is_ok());
        for bad in ["", "-x", ".x", "a/b", "a b", &"x".repeat(49)] {
            let e = validate_name(bad).unwrap_err().to_string();
            assert!(e.contains("invalid private engine name"), "{e}");
        }
    }

    #[test]
    fn tails_keep_the_last_lines() {
        let dir = std::env::temp_dir().join(format!("dockhand-daemon-tail-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("log");
        fs::write(&p, "a\nb\nc\nd\n").unwrap();
        assert_eq!(tail_lines(&p, 2), "c\nd");
        assert_eq!(tail_lines(&p, 10), "a\nb\nc\nd");
        assert!(tail_lines(&dir.join("missing"), 3).contains("no log"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
