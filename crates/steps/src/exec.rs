//! [`run`]: a step file's steps against the engine, through the check's
//! [`Ctx`], so that a step-file check is recorded, cleaned up, accounted for
//! and reported exactly like a compiled one: API calls go through the
//! context's engine (the transcript and the shape validator see them),
//! statuses through `Ctx::expect_status`, objects through `Ctx::defer`.
//!
//! A failure names the file, the step and its line, the expectation and its
//! line, the request (or the command line) and what came back.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dockhand_engine::{Bytes, FrameDecoder, Request, Response, StreamKind, Upgrade};
use dockhand_harness::{CheckError, CheckResult, Cleanup, Ctx, Mismatch, Observed};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::expect::{show, Miss};
use crate::model::*;
use crate::vars::{as_text, Scope};

/// What every step file's run shares: the CLI under test.
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    /// `--cli PATH`, else `docker` on PATH; `None` when there is none (the
    /// checks that need one are skipped before they run).
    pub cli: Option<PathBuf>,
}

/// The deadline of a command without its own `timeout`.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// What a step's action brought back.
enum Reply {
    Api(Response),
    Command(Output),
}

struct Output {
    /// The command line as run, for messages.
    line: String,
    /// The command line with the program as the file names it (`docker`
    /// for the CLI under test), for the failure's facts that pins match.
    pin_line: String,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs a step file's steps as one case.
pub async fn run(file: Arc<StepFile>, rt: Arc<Runtime>, ctx: Ctx) -> CheckResult {
    let tmp = tempfile::Builder::new()
        .prefix("dockhand-step-")
        .tempdir()
        .map_err(|e| CheckError::Broken(format!("cannot make the case's directory under $TMPDIR: {e}")))?;
    let mut values = BTreeMap::new();
    values.insert("probe".to_string(), json!(ctx.probe().await?));
    let labels = ctx.labels();
    let pairs: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{}={}", json!(k), json!(as_text(v))))
        .collect();
    values.insert("label-pairs".into(), json!(pairs.join(" ")));
    values.insert("labels".into(), labels);
    values.insert("run".into(), json!(ctx.run_id()));
    values.insert("case".into(), json!(ctx.case_label()));
    values.insert("host".into(), json!(ctx.engine().endpoint().address.url()));
    values.insert("api".into(), json!(ctx.engine().api_version().to_string()));
    values.insert("tmp".into(), json!(tmp.path().display().to_string()));
    values.insert(
        "cli".into(),
        json!(rt
            .cli
            .as_ref()
            .map_or_else(|| "docker".to_string(), |p| p.display().to_string())),
    );
    for (k, default) in &file.knobs {
        values.insert(k.clone(), ctx.setting(k).cloned().unwrap_or_else(|| default.clone()));
    }
    if let Some(v) = ctx.variant() {
        if let Some((_, vals)) = file.variants.iter().find(|(n, _)| n == v) {
            values.extend(vals.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let name_ctx = ctx.clone();
    let name = move |suffix: &str| name_ctx.name(suffix);
    let mut scope = Scope { values, name: &name };
    let config = tmp.path().join(".docker");
    for step in &file.steps {
        let mut runner = StepRun {
            file: &file,
            step,
            ctx: &ctx,
            rt: &rt,
            docker_config: &config,
        };
        runner.run(&mut scope).await?;
    }
    drop(tmp);
    Ok(())
}

struct StepRun<'a> {
    file: &'a StepFile,
    step: &'a Step,
    ctx: &'a Ctx,
    rt: &'a Runtime,
    docker_config: &'a std::path::Path,
}

impl StepRun<'_> {
    /// `step 2 (POST /containers/{id}/start) at checks/x.toml line 14`.
    fn where_(&self) -> String {
        let what = match &self.step.action {
            Action::Api(a) => format!("{} {}", a.method, a.path),
            Action::Command(c) => c.argv.join(" "),
        };
        format!(
            "step {} (`{what}`) of {} line {}",
            self.step.index, self.file.path, self.step.line
        )
    }

    async fn run(&mut self, scope: &mut Scope<'_>) -> CheckResult {
        // Cleanups naming only what is known already are registered before
        // the step, so an object it makes is removed even if it fails midway.
        let mut pending: Vec<&CleanupSpec> = self.step.cleanup.iter().collect();
        self.defer_known(scope, &mut pending);
        let started = Instant::now();
        loop {
            let reply = self.act(scope).await?;
            let captured = self.capture(scope, &reply);
            self.defer_known(scope, &mut pending);
            let verdict = self.expectations(scope, &reply).and(captured);
            if let (Err(CheckError::Failed(_)), Reply::Command(_)) = (&verdict, &reply) {
                // A command fails alike whether the engine answered "no" or
                // is gone; the runner's watchdog acts on engine errors only,
                // so one ping tells which.
                if let Err(e) = self.ctx.engine().send(Request::get("/_ping").unversioned()).await {
                    if e.is_engine_down() {
                        return Err(CheckError::Engine(e));
                    }
                }
            }
            match (verdict, &self.step.until) {
                (Ok(()), _) => return Ok(()),
                (Err(CheckError::Failed(_)), Some(u)) if started.elapsed() + u.every < u.within => {
                    tokio::time::sleep(u.every).await;
                }
                (Err(CheckError::Failed(mut m)), Some(u)) => {
                    m.what = format!("{} (still, after polling for {:?})", m.what, u.within);
                    return Err(CheckError::Failed(m));
                }
                (Err(e), _) => return Err(e),
            }
        }
    }

    /// Registers the cleanups whose variables all have values by now, and
    /// keeps the others pending.
    fn defer_known(&self, scope: &Scope<'_>, pending: &mut Vec<&CleanupSpec>) {
        pending.retain(|c| {
            let known = crate::vars::refs(&c.target)
                .iter()
                .all(|r| r.name == "name" || scope.values.contains_key(r.name));
            if known {
                self.defer(scope, c);
            }
            !known
        });
    }

    fn defer(&self, scope: &Scope<'_>, c: &CleanupSpec) {
        let target = scope.text(&c.target);
        self.ctx.defer(match c.kind {
            CleanupKind::Container => Cleanup::Container(target),
            CleanupKind::Volume => Cleanup::Volume(target),
            CleanupKind::Network => Cleanup::Network(target),
            CleanupKind::Image => Cleanup::Image(target),
        });
    }

    async fn act(&self, scope: &Scope<'_>) -> Result<Reply, CheckError> {
        match &self.step.action {
            Action::Api(a) => self.call(scope, a).await.map(Reply::Api),
            Action::Command(c) => self.command(scope, c).await.map(Reply::Command),
        }
    }

    async fn call(&self, scope: &Scope<'_>, a: &ApiCall) -> Result<Response, CheckError> {
        let mut req = Request::new(a.method.clone(), scope.text(&a.path));
        for (k, v) in &a.query {
            req = req.query(k, as_text(&scope.value(v)));
        }
        for (k, v) in &a.headers {
            let name = http::HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| CheckError::Broken(format!("{}: header name {k:?}: {e}", self.where_())))?;
            let value = http::HeaderValue::from_str(&scope.text(v))
                .map_err(|e| CheckError::Broken(format!("{}: header {k}: {e}", self.where_())))?;
            req = req.header(name, value);
        }
        req = match &a.body {
            Body::None => req,
            Body::Json(v) => req.json(&scope.value(v)),
            Body::Tar(files) => req.body(tar(scope, files).map_err(CheckError::Broken)?, "application/x-tar"),
        };
        if let Some(t) = self.step.timeout {
            req = req.allowance(t);
        }
        if !a.upgrade {
            return Ok(self.ctx.engine().send(req).await?);
        }
        let method = req.method.clone();
        let limit = self.ctx.engine().deadlines().call + self.step.timeout.unwrap_or_default();
        let started = Instant::now();
        match self.ctx.engine().upgrade(req).await? {
            Upgrade::Refused(r) => Ok(r),
            Upgrade::Switched {
                status,
                headers,
                mut io,
            } => {
                if let Some(input) = &a.stdin {
                    io.write_all(scope.text(input).as_bytes())
                        .await
                        .map_err(|e| lost(&method, &a.path, e))?;
                }
                // Half-close: the container or exec sees the end of its input.
                io.shutdown().await.map_err(|e| lost(&method, &a.path, e))?;
                let mut body = Vec::new();
                match tokio::time::timeout(limit, io.read_to_end(&mut body)).await {
                    Ok(r) => {
                        r.map_err(|e| lost(&method, &a.path, e))?;
                    }
                    Err(_) => {
                        return Err(CheckError::failed(
                            self.where_(),
                            format!("the engine to close the hijacked stream within {limit:?}"),
                            format!("{} bytes and no end", body.len()),
                        ))
                    }
                }
                Ok(Response {
                    method,
                    path: scope.text(&a.path),
                    status,
                    headers,
                    body: Bytes::from(body),
                    elapsed: started.elapsed(),
                })
            }
        }
    }

    async fn command(&self, scope: &Scope<'_>, c: &Command) -> Result<Output, CheckError> {
        let mut argv = Vec::new();
        for (i, a) in c.argv.iter().enumerate() {
            if a == "{labels}" {
                for (k, v) in scope
                    .values
                    .get("labels")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    argv.push("--label".to_string());
                    argv.push(format!("{k}={}", as_text(v)));
                }
            } else if i == 0 && a == "docker" {
                match &self.rt.cli {
                    Some(p) => argv.push(p.display().to_string()),
                    None => {
                        return Err(CheckError::Skip(
                            "needs the docker CLI: put `docker` on PATH, or give another CLI with --cli PATH".into(),
                        ))
                    }
                }
            } else {
                argv.push(scope.text(a));
            }
        }
        let host = self.ctx.engine().endpoint().address.url();
        // An engine behind TLS: the docker CLI's global TLS flags (paths
        // only) go before its command; other programs are left alone.
        let tls = self.ctx.engine().endpoint().docker_cli_tls_args();
        if !tls.is_empty() && c.argv.first().is_some_and(|p| p == "docker") {
            argv.splice(1..1, tls);
        }
        let line = format!("DOCKER_HOST={host} {}", argv.join(" "));
        let program = std::path::Path::new(&c.argv[0])
            .file_name()
            .map_or_else(|| c.argv[0].clone(), |n| n.to_string_lossy().into_owned());
        let pin_line = std::iter::once(program)
            .chain(argv[1..].iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = tokio::process::Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .env("DOCKER_HOST", &host)
            .env("DOCKER_CONFIG", self.docker_config)
            .env("DOCKER_CLI_HINTS", "false")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CERT_PATH")
            .env_remove("DOCKER_API_VERSION")
            .stdin(if c.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in &c.env {
            cmd.env(k, scope.text(v));
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| CheckError::Broken(format!("{}: cannot run {}: {e}", self.where_(), argv[0])))?;
        if let (Some(input), Some(mut pipe)) = (&c.stdin, child.stdin.take()) {
            let bytes = scope.text(input).into_bytes();
            tokio::spawn(async move {
                let _ = pipe.write_all(&bytes).await;
            });
        }
        let limit = self.step.timeout.unwrap_or(COMMAND_TIMEOUT);
        let out = match tokio::time::timeout(limit, child.wait_with_output()).await {
            Ok(r) => r.map_err(|e| CheckError::Broken(format!("{}: {e}", self.where_())))?,
            Err(_) => {
                return Err(CheckError::Failed(Box::new(Mismatch {
                    what: self.where_(),
                    request: Some(line),
                    expected: format!("the command to end within {limit:?}"),
                    actual: "it was still running; killed".into(),
                    reference: None,
                    observed: None,
                })))
            }
        };
        use std::os::unix::process::ExitStatusExt;
        let code = out
            .status
            .code()
            .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
        Ok(Output {
            line,
            pin_line,
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Copies the captured values into the scope; an error names a capture
    /// that found nothing (reported after the expectations, which say more).
    fn capture(&self, scope: &mut Scope<'_>, reply: &Reply) -> CheckResult {
        let mut missing = None;
        for (name, from) in &self.step.capture {
            let v = match (from, reply) {
                (Capture::Pointer(p), Reply::Api(r)) => serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|b| b.pointer(p).cloned()),
                (Capture::Stdout, Reply::Command(o)) => Some(json!(o.stdout.trim())),
                (Capture::Stderr, Reply::Command(o)) => Some(json!(o.stderr.trim())),
                _ => None,
            };
            match v {
                Some(v) => {
                    scope.values.insert(name.clone(), v);
                }
                None if missing.is_none() => missing = Some((name, from)),
                None => {}
            }
        }
        match (missing, reply) {
            (None, _) => Ok(()),
            (Some((name, Capture::Pointer(p))), Reply::Api(r)) => Err(self.miss(
                reply,
                format!("capture.{name}"),
                Miss {
                    expected: format!("a value at {p} to capture"),
                    actual: show(&String::from_utf8_lossy(&r.body)),
                },
                Some(Observed::field_value(r.method.as_str(), &r.path, p, Value::Null)),
            )),
            (Some((name, _)), _) => Err(CheckError::Broken(format!(
                "{}: nothing to capture into {name}",
                self.where_()
            ))),
        }
    }

    fn expectations(&self, scope: &Scope<'_>, reply: &Reply) -> CheckResult {
        match reply {
            Reply::Api(r) => {
                if !self.step.expect.iter().any(|e| matches!(e.kind, ExpectKind::Status(_))) {
                    // No status given: any success.
                    if !r.status.is_success() && r.status.as_u16() != 101 {
                        return Err(self.miss(
                            reply,
                            "a successful status (the step gives no expect.status)".into(),
                            Miss {
                                expected: "a 2xx status".into(),
                                actual: format!("status {} {}", r.status.as_u16(), show(&r.message())),
                            },
                            Some(Observed::status(r)),
                        ));
                    }
                }
            }
            Reply::Command(o) => {
                if !self.step.expect.iter().any(|e| matches!(e.kind, ExpectKind::Exit(_))) && o.code != 0 {
                    return Err(self.miss(
                        reply,
                        "exit code 0 (the step gives no expect.exit)".into(),
                        Miss {
                            expected: "exit code 0".into(),
                            actual: format!("exit code {}", o.code),
                        },
                        None,
                    ));
                }
            }
        }
        for e in &self.step.expect {
            self.expectation(scope, reply, e)?;
        }
        Ok(())
    }

    fn expectation(&self, scope: &Scope<'_>, reply: &Reply, e: &Expectation) -> CheckResult {
        let what = format!("{} (line {})", e.kind.key(), e.line);
        let fail = |miss: Miss, observed: Option<Observed>| Err(self.miss(reply, what.clone(), miss, observed));
        match (&e.kind, reply) {
            (ExpectKind::Status(statuses), Reply::Api(r)) => {
                if let [only] = statuses.as_slice() {
                    return self.ctx.expect_status(r, *only, &what).map_err(|err| self.located(err));
                }
                if !statuses.contains(&r.status.as_u16()) {
                    return fail(
                        Miss {
                            expected: format!("status {statuses:?}"),
                            actual: format!("status {} {}", r.status.as_u16(), show(&r.message())),
                        },
                        Some(Observed::status(r)),
                    );
                }
                Ok(())
            }
            (ExpectKind::Header(name, m), Reply::Api(r)) => {
                let v = r
                    .headers
                    .get(name.as_str())
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                match &v {
                    Some(text) => m.check(scope, text),
                    None => Err(Miss {
                        expected: format!("a {name} header"),
                        actual: "none".into(),
                    }),
                }
                .or_else(|miss| {
                    fail(
                        miss,
                        Some(Observed::header(r.method.as_str(), &r.path, &r.headers, name)),
                    )
                })
            }
            (ExpectKind::Json(pointer, m), Reply::Api(r)) => {
                let body: Value = match serde_json::from_slice(&r.body) {
                    Ok(b) => b,
                    Err(err) => {
                        return fail(
                            Miss {
                                expected: "a JSON reply".into(),
                                actual: format!("{err}: {}", show(&String::from_utf8_lossy(&r.body))),
                            },
                            None,
                        )
                    }
                };
                let found = body.pointer(pointer);
                m.check(scope, found).or_else(|miss| {
                    fail(
                        miss,
                        Some(Observed::field_value(
                            r.method.as_str(),
                            &r.path,
                            pointer,
                            found.cloned().unwrap_or(Value::Null),
                        )),
                    )
                })
            }
            (ExpectKind::Body(m), Reply::Api(r)) => m
                .check(scope, &String::from_utf8_lossy(&r.body))
                .or_else(|miss| fail(miss, None)),
            (ExpectKind::Frames(stream, m), Reply::Api(r)) => {
                let text = match frames(&r.body, *stream) {
                    Ok(t) => t,
                    Err(err) => {
                        return fail(
                            Miss {
                                expected: "a multiplexed stream (8-byte frame headers)".into(),
                                actual: err,
                            },
                            None,
                        )
                    }
                };
                m.check(scope, &text).or_else(|miss| fail(miss, None))
            }
            (ExpectKind::Events(want), Reply::Api(r)) => {
                let lines: Vec<Value> = match r.json_lines() {
                    Ok(l) => l,
                    Err(err) => {
                        return fail(
                            Miss {
                                expected: "JSON lines".into(),
                                actual: err.to_string(),
                            },
                            None,
                        )
                    }
                };
                let mut at = 0;
                for (n, matchers) in want.iter().enumerate() {
                    let hit = lines[at..]
                        .iter()
                        .position(|l| matchers.iter().all(|(p, m)| m.check(scope, l.pointer(p)).is_ok()));
                    match hit {
                        Some(i) => at += i + 1,
                        None => {
                            let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                            return fail(
                                Miss {
                                    expected: format!(
                                        "event {} of {} ({}) after the ones before it",
                                        n + 1,
                                        want.len(),
                                        matchers.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>().join(", ")
                                    ),
                                    actual: show(&shown.join("\n")),
                                },
                                None,
                            );
                        }
                    }
                }
                Ok(())
            }
            (ExpectKind::Exit(code), Reply::Command(o)) => {
                if o.code == *code {
                    return Ok(());
                }
                fail(
                    Miss {
                        expected: format!("exit code {code}"),
                        actual: format!("exit code {}", o.code),
                    },
                    None,
                )
            }
            (ExpectKind::Stdout(m), Reply::Command(o)) => m.check(scope, &o.stdout).or_else(|miss| fail(miss, None)),
            (ExpectKind::Stderr(m), Reply::Command(o)) => m.check(scope, &o.stderr).or_else(|miss| fail(miss, None)),
            // The parser keeps API expectations on API steps and command ones on commands.
            _ => Ok(()),
        }
    }

    /// A failure of this step: where, the request or command line, and the reply.
    fn miss(&self, reply: &Reply, what: String, miss: Miss, observed: Option<Observed>) -> CheckError {
        let (request, actual, observed) = match reply {
            Reply::Api(r) => (format!("{} {}", r.method, r.path), miss.actual, observed),
            Reply::Command(o) => (
                o.line.clone(),
                format!(
                    "{} (exit code {}, stdout {}, stderr {})",
                    miss.actual,
                    o.code,
                    show(&o.stdout),
                    show(&o.stderr)
                ),
                observed.or_else(|| Some(Observed::command(&o.pin_line, o.code, &o.stdout, &o.stderr))),
            ),
        };
        CheckError::Failed(Box::new(Mismatch {
            what: format!("{}: {what}", self.where_()),
            request: Some(request),
            expected: miss.expected,
            actual,
            reference: None,
            observed,
        }))
    }

    /// A context assertion's failure, placed in the file.
    fn located(&self, err: CheckError) -> CheckError {
        match err {
            CheckError::Failed(mut m) => {
                m.what = format!("{}: {}", self.where_(), m.what);
                CheckError::Failed(m)
            }
            other => other,
        }
    }
}

fn lost(method: &dockhand_engine::Method, path: &str, e: std::io::Error) -> CheckError {
    CheckError::Broken(format!("the hijacked stream of {method} {path} failed: {e}"))
}

/// One stream's payload of a multiplexed body.
fn frames(body: &[u8], stream: StreamKind) -> Result<String, String> {
    let mut d = FrameDecoder::new();
    d.push(body);
    let mut text = Vec::new();
    while let Some(f) = d.next_frame().map_err(|e| e.to_string())? {
        if f.stream == stream {
            text.extend_from_slice(&f.payload);
        }
    }
    d.finish().map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// A tar archive of the files, their contents substituted.
fn tar(scope: &Scope<'_>, files: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let data = scope.text(content).into_bytes();
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, scope.text(name), data.as_slice())
            .map_err(|e| format!("cannot build the tar body: {e}"))?;
    }
    b.into_inner().map_err(|e| format!("cannot build the tar body: {e}"))
}
