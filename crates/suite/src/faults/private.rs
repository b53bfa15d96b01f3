//! What every fault check shares: [`FaultEngine`], a throwaway private engine
//! of the check's own (so it can be killed, frozen and restarted without
//! touching the run's engine), with a client on short deadlines; and the
//! timing and diagnosis assertions.

use std::time::{Duration, Instant};

use dockhand_daemon::{EngineKind, PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, Engine, EngineError, Response};
use dockhand_harness::{CheckError, Ctx, Mismatch, ProbeImage};
use serde_json::{json, Value};

/// The deadline of one call to a fault engine.
pub(crate) const CALL: Duration = Duration::from_secs(2);
/// The longest silence a stream from a fault engine may keep.
pub(crate) const IDLE: Duration = Duration::from_secs(2);
/// What the issue allows beyond a deadline for a diagnosis to arrive.
pub(crate) const SLACK: Duration = Duration::from_secs(1);

pub(crate) fn deadlines() -> Deadlines {
    Deadlines {
        call: CALL,
        stream_idle: IDLE,
    }
}

/// A private engine for one check case, and clients of it.
pub(crate) struct FaultEngine {
    pub(crate) pe: PrivateEngine,
    /// On the short fault deadlines: for the calls whose diagnosis is checked.
    pub(crate) engine: Engine,
    /// On the default deadlines (30 s): for setup, which a loaded machine may slow.
    pub(crate) setup: Engine,
}

impl FaultEngine {
    /// Starts a private engine named after the run, the case and `tag`, with
    /// `args` for dockerd, and connects to it (observed in the check's transcript).
    /// The engine is of the run's own kind ([`fault_kind`]).
    pub(crate) async fn start(ctx: &Ctx, tag: &str, args: &[&str]) -> Result<FaultEngine, CheckError> {
        let name = engine_name(ctx, tag);
        let kind = fault_kind(ctx);
        if kind == EngineKind::Podman && !args.is_empty() {
            return Err(CheckError::Broken(format!(
                "dockerd arguments {args:?} for a Podman engine: the check should have called require_dockerd"
            )));
        }
        let mut opts = PrivateEngineOptions::new(&name).kind(kind);
        opts.extra_args = args.iter().map(|a| a.to_string()).collect();
        let pe = PrivateEngine::start(opts)
            .await
            .map_err(|e| CheckError::Broken(format!("cannot start private engine '{name}': {e}")))?;
        // Negotiated on the default deadlines: the fault deadlines are for
        // the calls under test, and Podman's `/version` alone may take longer.
        let setup = connect(ctx, &pe, Deadlines::default()).await?;
        let engine = setup.with_deadlines(deadlines());
        Ok(FaultEngine { pe, engine, setup })
    }

    /// Loads the probe image into the private engine; returns its reference.
    pub(crate) async fn probe(&self) -> Result<String, CheckError> {
        let probe = ProbeImage::new();
        probe
            .ensure(&self.setup)
            .await
            .map_err(|e| self.broken("load the probe image", e))?;
        Ok(probe.reference().to_string())
    }

    /// Creates and starts a probe container running `steps`, with extra
    /// `Config` fields and `HostConfig`; returns its id.
    pub(crate) async fn start_probe(
        &self,
        ctx: &Ctx,
        image: &str,
        steps: &[&str],
        extra: Value,
        host_config: Value,
    ) -> Result<String, CheckError> {
        let mut config = json!({
            "Image": image,
            "Cmd": steps,
            "Labels": ctx.labels(),
            "HostConfig": host_config,
        });
        if let (Some(c), Some(x)) = (config.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                c.insert(k.clone(), v.clone());
            }
        }
        let r = self
            .setup
            .container_create(None, &config)
            .await
            .map_err(|e| self.broken("create a probe container", e))?;
        ctx.expect_status(&r, 201, "create a probe container on the private engine")?;
        let id = r.json::<Value>()?["Id"].as_str().unwrap_or_default().to_string();
        let r = self
            .setup
            .container_start(&id)
            .await
            .map_err(|e| self.broken("start the probe container", e))?;
        ctx.expect_status(&r, 204, "start a probe container on the private engine")?;
        Ok(id)
    }

    /// Inspects a container, expecting 200.
    pub(crate) async fn inspect(&self, id: &str) -> Result<Value, CheckError> {
        let r = self
            .setup
            .container_inspect(id)
            .await
            .map_err(|e| self.broken("inspect a container", e))?;
        if r.status != 200 {
            return Err(CheckError::failed(
                format!("inspect of container {id} on the private engine"),
                "status 200",
                format!("status {}: {}", r.status.as_u16(), r.message()),
            ));
        }
        Ok(r.json()?)
    }

    /// Polls the container's logs (stdout and stderr, not following) until
    /// they contain `needle`, for at most `limit`.
    pub(crate) async fn wait_for_log(&self, id: &str, needle: &str, limit: Duration) -> Result<(), CheckError> {
        let until = Instant::now() + limit;
        loop {
            let r = self
                .setup
                .container_logs(id, &[("stdout", "1"), ("stderr", "1")])
                .await
                .map_err(|e| self.broken("read a container's logs", e))?;
            let text = log_text(&r)?;
            if text.contains(needle) {
                return Ok(());
            }
            if Instant::now() >= until {
                return Err(CheckError::failed(
                    format!("the logs of container {id} within {limit:?}"),
                    format!("a line containing {needle:?}"),
                    format!("{text:?}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A setup call to the private engine failed: the check could not do what
    /// it set out to, and the daemon's log says why.
    pub(crate) fn broken(&self, what: &str, e: EngineError) -> CheckError {
        CheckError::Broken(format!(
            "{what} on private engine '{}': {e}\n{}'s log ends with:\n{}",
            self.pe.name(),
            self.pe.kind().program(),
            self.pe.log_tail(15)
        ))
    }

    /// Kills everything at once and removes the engine (containers need no grace here).
    pub(crate) async fn finish(self) -> Result<(), CheckError> {
        let pe = self.pe;
        match tokio::task::spawn_blocking(move || pe.destroy()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(CheckError::Broken(e.to_string())),
            Err(e) => Err(CheckError::Broken(format!("removing a private engine failed: {e}"))),
        }
    }
}

/// Which engine the fault checks break: the kind of the run's own engine, as
/// its identity names it (a run on `check --private-engine=podman` breaks
/// Podman services), else dockerd.
pub(crate) fn fault_kind(ctx: &Ctx) -> EngineKind {
    let podman = ctx.engine().info().is_some_and(|i| i.name.starts_with("Podman"));
    if podman {
        EngineKind::Podman
    } else {
        EngineKind::Docker
    }
}

/// Skips a check on Podman whose subject is dockerd's own behaviour across
/// its restarts (live restore, stopping containers on shutdown, restart
/// policies applied by the daemon): Podman's service supervises no
/// container (conmon does), so there is nothing of the kind to assert.
pub(crate) fn require_dockerd(ctx: &Ctx, what: &str) -> Result<(), CheckError> {
    if fault_kind(ctx) == EngineKind::Podman {
        return Err(CheckError::Skip(format!(
            "{what} is dockerd's behaviour: Podman's service supervises no container (conmon does, whatever happens to the service)"
        )));
    }
    Ok(())
}

/// `f<run>-<tag>-<iteration>`: unique among runs and iterations, short enough
/// for the socket path limit.
pub(crate) fn engine_name(ctx: &Ctx, tag: &str) -> String {
    format!("f{}-{tag}-{}", ctx.run_id(), ctx.iteration())
}

/// A negotiated client of `pe`.
pub(crate) async fn connect(ctx: &Ctx, pe: &PrivateEngine, deadlines: Deadlines) -> Result<Engine, CheckError> {
    Engine::connect(ConnectOptions {
        endpoint: pe.endpoint(),
        deadlines,
        pinned_version: None,
    })
    .await
    .map(|e| e.with_observer(ctx.observer()))
    .map_err(|e| {
        CheckError::Broken(format!(
            "cannot connect to private engine '{}': {e}\n{}'s log ends with:\n{}",
            pe.name(),
            pe.kind().program(),
            pe.log_tail(15)
        ))
    })
}

pub(crate) async fn connect_to(endpoint: Endpoint) -> Result<Engine, EngineError> {
    Engine::connect(ConnectOptions {
        endpoint,
        deadlines: deadlines(),
        pinned_version: None,
    })
    .await
}

/// The text of a multiplexed (non-TTY) log body, both streams in order.
pub(crate) fn log_text(r: &Response) -> Result<String, CheckError> {
    let frames = r.frames()?;
    Ok(frames
        .iter()
        .map(|f| String::from_utf8_lossy(&f.payload).into_owned())
        .collect())
}

/// Runs `fut` and measures it.
pub(crate) async fn timed<T>(fut: impl std::future::Future<Output = T>) -> (T, Duration) {
    let t = Instant::now();
    let out = fut.await;
    (out, t.elapsed())
}

/// Fails unless `lo <= took <= hi`: the issue bounds every diagnosis by its
/// deadline plus [`SLACK`].
pub(crate) fn within(what: &str, took: Duration, lo: Duration, hi: Duration) -> Result<(), CheckError> {
    if took < lo || took > hi {
        return Err(CheckError::Failed(Box::new(Mismatch {
            what: format!("time until {what}"),
            request: None,
            expected: format!("between {lo:?} and {hi:?}"),
            actual: format!("{took:?}"),
            reference: Some(
                "dockhand's contract: every call has a deadline, and a missing, frozen or dead engine is diagnosed within it plus 1 s"
                    .into(),
            ),
            observed: None,
        })));
    }
    Ok(())
}

/// The error kind a call should have ended with, checked with the call it names.
pub(crate) fn expect_kind<T: std::fmt::Debug>(
    what: &str,
    result: &Result<T, EngineError>,
    kinds: &[&str],
    path_part: &str,
) -> Result<(), CheckError> {
    let reference = Some(
        "dockhand's error taxonomy (docs/ARCHITECTURE.md): unreachable = nothing listens, not-responding = no reply within the call deadline, stream-idle = a stream silent past its idle deadline, connection-lost = the connection broke mid-reply".to_string(),
    );
    let fail = |actual: String| {
        Err(CheckError::Failed(Box::new(Mismatch {
            what: what.to_string(),
            request: None,
            expected: format!("an error of kind {}", kinds.join(" or ")),
            actual,
            reference: reference.clone(),
            observed: None,
        })))
    };
    match result {
        Ok(v) => fail(format!("success: {v:?}")),
        Err(e) if !kinds.contains(&e.kind()) => fail(format!("{}: {e}", e.kind())),
        Err(e) => {
            let named = match e {
                EngineError::NotResponding { path, .. }
                | EngineError::StreamIdle { path, .. }
                | EngineError::ConnectionLost { path, .. } => path.contains(path_part),
                _ => true,
            };
            if named {
                Ok(())
            } else {
                fail(format!("{}: {e} (it does not name the call {path_part})", e.kind()))
            }
        }
    }
}
