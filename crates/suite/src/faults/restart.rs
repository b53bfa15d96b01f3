//! `faults/restart/*`: what a daemon restart does to containers.
//!
//! `faults/restart/policy` is the matrix live-restore on/off × dockerd killed
//! (SIGKILL) or stopped (SIGINT) × restart policy `no`/`always`/`unless-stopped`,
//! one case per cell. The three policies of one daemon setting share one
//! scenario: a private engine runs three containers side by side (as a real
//! host would), the daemon goes down and comes back, and each case asserts its
//! own container. Whichever of the three cases comes first runs the scenario;
//! the others read what it observed. The variants are declared policy-major, so
//! that two jobs run two scenarios at once.
//!
//! What the documentation and moby's daemon (v20.10) say:
//! - live restore on: containers keep running while the daemon is down and the
//!   new daemon adopts them (same process, same `StartedAt`);
//! - live restore off: a stopping daemon stops its containers; a new daemon
//!   stops those it finds still running (after a kill) and starts those whose
//!   policy says so: `always`, and `unless-stopped` (a daemon shutdown is not a
//!   manual stop); `no` stays stopped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use dockhand_harness::{ensure, CheckError, CheckResult, Ctx, Mismatch};
use serde_json::{json, Value};

use super::private::{log_text, FaultEngine};

const POLICIES: [&str; 3] = ["no", "always", "unless-stopped"];

/// How long the new daemon gets to bring each container where it belongs.
const SETTLE: Duration = Duration::from_secs(5);
/// How long the containers' states must stay unchanged for the scenario to
/// end before SETTLE, when some are not where they belong (15 times the restart
/// manager's first back-off of 100 ms).
const QUIET: Duration = Duration::from_millis(1500);

const REF_LIVE: &str = "docs.docker.com/engine/daemon/live-restore: \"By default, when the Docker daemon terminates, it shuts down running containers. You can configure the daemon so that containers remain running if the daemon becomes unavailable\"; moby v20.10 daemon/daemon.go restore(): a container containerd reports alive is shut down only `if !daemon.configStore.LiveRestoreEnabled`";
const REF_POLICY: &str = "docs.docker.com/engine/containers/start-containers-automatically: no \"Don't automatically restart the container\", always \"Always restart the container if it stops ... restarted when Docker daemon restarts\", unless-stopped \"Similar to always, except that when the container is stopped (manually or otherwise), it isn't restarted even after Docker daemon restarts\"; moby v20.10 daemon/daemon.go restore() starts a container `if daemon.configStore.AutoRestart && c.ShouldRestart()`, and restartmanager.ShouldRestart restarts unless-stopped `&& !hasBeenManuallyStopped` (a daemon shutdown does not set it)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Down {
    Killed,
    Stopped,
}

/// A variant name, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    live: bool,
    down: Down,
    policy: &'static str,
}

fn parse_cell(v: &str) -> Option<Cell> {
    let rest = v.strip_prefix("live-restore-")?;
    let (live, rest) = match rest.split_once('-')? {
        ("on", r) => (true, r),
        ("off", r) => (false, r),
        _ => return None,
    };
    let (down, policy) = match rest.split_once('-')? {
        ("killed", p) => (Down::Killed, p),
        ("stopped", p) => (Down::Stopped, p),
        _ => return None,
    };
    let policy = POLICIES.iter().find(|p| **p == policy)?;
    Some(Cell { live, down, policy })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The same process, never stopped.
    KeptRunning,
    /// Started again by the new daemon.
    Restarted,
    /// Not running.
    Stopped,
}

fn expected(c: Cell) -> Expect {
    if c.live {
        Expect::KeptRunning
    } else if c.policy == "no" {
        Expect::Stopped
    } else {
        Expect::Restarted
    }
}

/// The parts of `State` the matrix is about.
#[derive(Debug, Clone, PartialEq)]
struct State {
    running: bool,
    pid: i64,
    started_at: String,
    status: String,
    exit_code: i64,
}

impl State {
    fn of(inspect: &Value) -> State {
        let s = &inspect["State"];
        State {
            running: s["Running"] == true,
            pid: s["Pid"].as_i64().unwrap_or(-1),
            started_at: s["StartedAt"].as_str().unwrap_or_default().to_string(),
            status: s["Status"].as_str().unwrap_or_default().to_string(),
            exit_code: s["ExitCode"].as_i64().unwrap_or(-1),
        }
    }

    fn matches(&self, before: &State, e: Expect) -> bool {
        match e {
            Expect::KeptRunning => self.running && self.pid == before.pid && self.started_at == before.started_at,
            Expect::Restarted => self.running && self.started_at != before.started_at,
            Expect::Stopped => !self.running,
        }
    }

    fn describe(&self) -> String {
        if self.running {
            format!("running as pid {} since {}", self.pid, self.started_at)
        } else {
            format!(
                "{} (exit code {}), last started {}",
                self.status, self.exit_code, self.started_at
            )
        }
    }
}

/// What one scenario saw of each policy's container.
#[derive(Debug, Clone)]
struct Observed {
    /// Per policy: the state before the daemon went down, and after it came back.
    states: HashMap<&'static str, (State, State)>,
    /// How long the new daemon took to settle them.
    settled_after: Duration,
}

type Key = (String, u32, bool, Down);
type Slot = Arc<tokio::sync::OnceCell<Result<Observed, CheckError>>>;

fn slot(key: Key) -> Slot {
    static SCENARIOS: OnceLock<Mutex<HashMap<Key, Slot>>> = OnceLock::new();
    SCENARIOS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default()
        .clone()
}

pub(crate) async fn run_policy(ctx: Ctx) -> CheckResult {
    let variant = ctx.variant().unwrap_or_default();
    let cell = parse_cell(variant).ok_or_else(|| CheckError::Broken(format!("unknown variant {variant:?}")))?;
    let key = (ctx.run_id().to_string(), ctx.iteration(), cell.live, cell.down);
    let observed = slot(key)
        .get_or_init(|| scenario(ctx.clone(), cell.live, cell.down))
        .await
        .clone()?;
    let (before, after) = observed
        .states
        .get(cell.policy)
        .ok_or_else(|| CheckError::Broken(format!("the scenario did not observe policy {}", cell.policy)))?;
    let want = expected(cell);
    let how = match cell.down {
        Down::Killed => "SIGKILLed",
        Down::Stopped => "stopped (SIGINT)",
    };
    let expected_text = match want {
        Expect::KeptRunning => format!(
            "still running as the same process (pid {}, started {})",
            before.pid, before.started_at
        ),
        Expect::Restarted => format!("running again, started after {}", before.started_at),
        Expect::Stopped => "stopped, and not started again".to_string(),
    };
    if !after.matches(before, want) {
        return Err(CheckError::Failed(Box::new(Mismatch {
            what: format!(
                "a running container with restart policy {:?} after dockerd {} --live-restore was {how} and started again (watched for {:?})",
                cell.policy,
                if cell.live { "with" } else { "without" },
                observed.settled_after,
            ),
            request: Some("GET /containers/{id}/json".into()),
            expected: expected_text,
            actual: after.describe(),
            reference: Some(if cell.live { REF_LIVE } else { REF_POLICY }.to_string()),
            // Whether it runs is the fact a known failure is pinned to.
            observed: Some(dockhand_harness::Observed::field_value(
                "GET",
                "/containers/{id}/json",
                "/State/Running",
                after.running.into(),
            )),
        })));
    }
    if want == Expect::Stopped {
        // The daemon stopped it with its stop signal, which the probe handles: exit 0.
        ensure!(
            after.status == "exited" && after.exit_code == 0,
            format!("State of the {:?} container that the daemon stopped", cell.policy),
            "Status \"exited\", ExitCode 0 (the probe exits 0 on SIGTERM)",
            format!("Status {:?}, ExitCode {}", after.status, after.exit_code)
        );
    }
    Ok(())
}

/// Runs one container per policy on a private engine, takes the daemon down
/// as `down` says, starts it again, and records what became of each.
async fn scenario(ctx: Ctx, live: bool, down: Down) -> Result<Observed, CheckError> {
    super::private::require_dockerd(&ctx, "which containers run after a daemon restart")?;
    let tag = format!(
        "m{}{}",
        if live { "on" } else { "off" },
        match down {
            Down::Killed => "k",
            Down::Stopped => "s",
        }
    );
    let args: &[&str] = if live { &["--live-restore"] } else { &[] };
    let mut fe = FaultEngine::start(&ctx, &tag, args).await?;
    let image = fe.probe().await?;
    let mut ids = Vec::new();
    for p in POLICIES {
        let host = json!({ "RestartPolicy": { "Name": p } });
        let id = fe
            .start_probe(&ctx, &image, &["stdout=up", "idle"], json!({}), host)
            .await?;
        ids.push((p, id));
    }
    let mut before = HashMap::new();
    for (p, id) in &ids {
        fe.wait_for_log(id, "up", Duration::from_secs(5)).await?;
        before.insert(*p, State::of(&fe.inspect(id).await?));
    }
    match down {
        Down::Killed => fe.pe.kill().await.map(|_| ()),
        Down::Stopped => fe.pe.stop(Duration::from_secs(20)).await.map(|_| ()),
    }
    .map_err(|e| CheckError::Broken(format!("cannot take the private dockerd down: {e}")))?;
    let args = fe.pe.extra_args().to_vec();
    fe.pe
        .restart(args)
        .await
        .map_err(|e| CheckError::Broken(format!("cannot start the private dockerd again: {e}")))?;
    let back = Instant::now();
    // Restarts by policy may come after the API answers (a container the new
    // daemon stopped is restarted by its monitor, after a 100 ms back-off):
    // poll until each container is where it should be, or nothing has changed
    // for QUIET, or SETTLE has passed; the cases judge what was seen.
    let until = back + SETTLE;
    let mut states: HashMap<&'static str, (State, State)> = HashMap::new();
    let mut changed = back;
    loop {
        let mut all = true;
        for (p, id) in &ids {
            let now = State::of(&fe.inspect(id).await?);
            let cell = Cell { live, down, policy: p };
            all &= now.matches(&before[p], expected(cell));
            if states.get(p).is_none_or(|(_, last)| *last != now) {
                changed = Instant::now();
            }
            states.insert(*p, (before[p].clone(), now));
        }
        if all || changed.elapsed() >= QUIET || Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let settled_after = back.elapsed();
    fe.finish().await?;
    Ok(Observed { states, settled_after })
}

pub(crate) async fn run_logs_survive(ctx: Ctx) -> CheckResult {
    super::private::require_dockerd(&ctx, "what a daemon stop or kill does to a container's logs")?;
    let killed = ctx.variant() == Some("killed");
    let mut fe = FaultEngine::start(&ctx, if killed { "logk" } else { "logs" }, &[]).await?;
    let image = fe.probe().await?;
    let id = fe
        .start_probe(
            &ctx,
            &image,
            &["stdout=before 1", "stderr=before 2", "stdout=before 3", "idle"],
            json!({}),
            json!({}),
        )
        .await?;
    fe.wait_for_log(&id, "before 3", Duration::from_secs(5)).await?;
    let read = |fe: &FaultEngine| {
        let e = fe.setup.clone();
        let id = id.clone();
        async move { e.container_logs(&id, &[("stdout", "1"), ("stderr", "1")]).await }
    };
    let r = read(&fe).await.map_err(|e| fe.broken("read the logs", e))?;
    let first = log_text(&r)?;
    if killed {
        fe.pe.kill().await.map(|_| ())
    } else {
        fe.pe.stop(Duration::from_secs(20)).await.map(|_| ())
    }
    .map_err(|e| CheckError::Broken(format!("cannot take the private dockerd down: {e}")))?;
    fe.pe
        .restart(Vec::<String>::new())
        .await
        .map_err(|e| CheckError::Broken(format!("cannot start the private dockerd again: {e}")))?;
    let r = read(&fe)
        .await
        .map_err(|e| fe.broken("read the logs after the restart", e))?;
    ctx.expect_status_ref(
        &r,
        200,
        "logs of a container after dockerd restarted",
        "ContainerLogs: 200 logs returned as a stream",
    )?;
    let after = log_text(&r)?;
    ensure!(
        after.starts_with(&first),
        "the logs after dockerd was restarted begin with what was logged before",
        format!("{first:?} first"),
        format!("{after:?}")
    );
    if !killed {
        // The stopping daemon stopped the container with SIGTERM, which the probe reports.
        ensure!(
            after[first.len()..].contains("probe: received SIGTERM"),
            "what the logs gained across a graceful dockerd stop",
            "the probe's report of the SIGTERM the stopping daemon sent",
            format!("{:?}", &after[first.len()..])
        );
    }
    fe.finish().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_parses_and_the_matrix_is_complete() {
        let policy = crate::all()
            .into_iter()
            .find(|c| c.meta.id == "faults/restart/policy")
            .expect("faults/restart/policy is registered");
        let cells: Vec<Cell> = policy.variants.iter().map(|v| parse_cell(v).unwrap()).collect();
        assert_eq!(cells.len(), 12);
        for live in [true, false] {
            for down in [Down::Killed, Down::Stopped] {
                for policy in POLICIES {
                    assert!(cells.contains(&Cell { live, down, policy }), "{live} {down:?} {policy}");
                }
            }
        }
        assert!(parse_cell("live-restore-maybe-killed-no").is_none());
        assert_eq!(
            expected(parse_cell("live-restore-off-stopped-no").unwrap()),
            Expect::Stopped
        );
        assert_eq!(
            expected(parse_cell("live-restore-off-killed-always").unwrap()),
            Expect::Restarted
        );
        assert_eq!(
            expected(parse_cell("live-restore-on-killed-no").unwrap()),
            Expect::KeptRunning
        );
    }
}
