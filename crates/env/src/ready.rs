//! Readiness: [`observe`] looks at a container once and says whether it is
//! ready (its `x-dockhand` rules hold, or else its healthcheck is healthy,
//! or else it runs), gone, or not yet, with what it saw last. Also the
//! container calls the rules and the library share: [`exec`] and
//! [`logs_tail`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use dockhand_engine::{Engine, EngineError, FrameDecoder, Request, StreamKind, Upgrade};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::compose::{LogStream, ReadyRule};

/// What one look at a container found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    NotYet,
    Ready,
    Exited(i64),
    Unhealthy,
}

/// The output of a command run in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
}

/// What a replica waits for, in words, for progress and errors.
pub fn waited_for(rules: &[ReadyRule], has_health: bool, completes: bool) -> String {
    if completes {
        return "the container to exit 0 (a dependency under service_completed_successfully)".into();
    }
    if !rules.is_empty() {
        return rules.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(" and ");
    }
    if has_health {
        "the healthcheck to report healthy".into()
    } else {
        "the container to run".into()
    }
}

/// The container's first IPv4 address on its networks.
pub fn container_ip(inspect: &Value) -> Option<IpAddr> {
    inspect["NetworkSettings"]["Networks"]
        .as_object()?
        .values()
        .filter_map(|n| n["IPAddress"].as_str())
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
}

fn health_last(inspect: &Value) -> String {
    let h = &inspect["State"]["Health"];
    let status = h["Status"].as_str().unwrap_or("?");
    match h["Log"].as_array().and_then(|l| l.last()) {
        Some(last) => format!(
            "health {status}, last check exited {}: {}",
            last["ExitCode"],
            last["Output"].as_str().unwrap_or("").trim()
        ),
        None => format!("health {status}, no check has run yet"),
    }
}

/// Looks at the container once. `inspect` is its `GET /containers/{id}/json`.
pub async fn observe(engine: &Engine, id: &str, rules: &[ReadyRule], inspect: &Value) -> (Seen, Option<String>) {
    let state = &inspect["State"];
    match state["Status"].as_str() {
        Some("exited") | Some("dead") => return (Seen::Exited(state["ExitCode"].as_i64().unwrap_or(-1)), None),
        Some("running") => {}
        Some(other) => return (Seen::NotYet, Some(format!("container {other}"))),
        None => return (Seen::NotYet, Some("the engine reported no state".into())),
    }
    if !rules.is_empty() {
        let ip = container_ip(inspect);
        for r in rules {
            if let Err(why) = rule_holds(engine, id, r, ip).await {
                return (Seen::NotYet, Some(why));
            }
        }
        return (Seen::Ready, None);
    }
    if state["Health"].is_object() {
        return match state["Health"]["Status"].as_str() {
            Some("healthy") => (Seen::Ready, None),
            Some("unhealthy") => (Seen::Unhealthy, Some(health_last(inspect))),
            _ => (Seen::NotYet, Some(health_last(inspect))),
        };
    }
    (Seen::Ready, None)
}

/// Checks one rule; the error says what was seen instead.
async fn rule_holds(engine: &Engine, id: &str, rule: &ReadyRule, ip: Option<IpAddr>) -> Result<(), String> {
    // Rules on ports talk to the container's own address: a published port
    // on the host is answered by docker-proxy even before the service listens.
    let addr = |port: u16| {
        ip.map(|ip| SocketAddr::new(ip, port))
            .ok_or_else(|| "the container has no IP address on its networks".to_string())
    };
    match rule {
        ReadyRule::Tcp { port } => {
            let a = addr(*port)?;
            match tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(a)).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!("connect {a}: {e}")),
                Err(_) => Err(format!("connect {a}: no answer within 1s")),
            }
        }
        ReadyRule::Http { port, path, status } => {
            let a = addr(*port)?;
            match tokio::time::timeout(Duration::from_secs(2), http_status(a, path)).await {
                Ok(Ok(s)) if s == *status => Ok(()),
                Ok(Ok(s)) => Err(format!("GET http://{a}{path} answered {s}")),
                Ok(Err(e)) => Err(format!("GET http://{a}{path}: {e}")),
                Err(_) => Err(format!("GET http://{a}{path}: no answer within 2s")),
            }
        }
        ReadyRule::Log { pattern, stream } => {
            let lines = logs(engine, id, None, *stream).await.map_err(|e| e.to_string())?;
            if lines.iter().any(|l| pattern.is_match(l)) {
                Ok(())
            } else {
                Err(format!("no matching line among {} lines of output", lines.len()))
            }
        }
        ReadyRule::Exec { command } => {
            match tokio::time::timeout(Duration::from_secs(10), exec(engine, id, command)).await {
                Ok(Ok(o)) if o.exit_code == 0 => Ok(()),
                Ok(Ok(o)) => Err(format!(
                    "`{}` exited {}: {}",
                    command.join(" "),
                    o.exit_code,
                    format!("{}{}", o.stdout, o.stderr).trim()
                )),
                Ok(Err(e)) => Err(format!("`{}`: {e}", command.join(" "))),
                Err(_) => Err(format!("`{}` did not finish within 10s", command.join(" "))),
            }
        }
    }
}

/// Sends `GET path` over HTTP/1.0 and returns the status code.
async fn http_status(a: SocketAddr, path: &str) -> std::io::Result<u16> {
    let mut s = tokio::net::TcpStream::connect(a).await?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {a}\r\nConnection: close\r\n\r\n").as_bytes())
        .await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    while !buf.contains(&b'\n') {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    let line = line.lines().next().unwrap_or("");
    line.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .filter(|_| line.starts_with("HTTP/"))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not an HTTP status line: {line:?}"),
            )
        })
}

/// A container's output lines (all, or the last `tail`), from a container
/// created without a TTY (so the stream is framed).
pub async fn logs(
    engine: &Engine,
    id: &str,
    tail: Option<usize>,
    stream: LogStream,
) -> Result<Vec<String>, EngineError> {
    let tail = tail.map(|n| n.to_string()).unwrap_or_else(|| "all".into());
    let (out, err) = match stream {
        LogStream::Both => ("1", "1"),
        LogStream::Stdout => ("1", "0"),
        LogStream::Stderr => ("0", "1"),
    };
    let resp = engine
        .container_logs(id, &[("stdout", out), ("stderr", err), ("tail", &tail)])
        .await?
        .ok()?;
    let mut lines = Vec::new();
    let mut partial: [String; 2] = Default::default();
    for f in resp.frames()? {
        let slot = usize::from(f.stream == StreamKind::Stderr);
        partial[slot].push_str(&String::from_utf8_lossy(&f.payload));
        while let Some(i) = partial[slot].find('\n') {
            let line: String = partial[slot].drain(..=i).collect();
            lines.push(line.trim_end_matches(['\n', '\r']).to_string());
        }
    }
    lines.extend(partial.into_iter().filter(|p| !p.is_empty()));
    Ok(lines)
}

/// The last `n` lines of a container's stdout and stderr.
pub async fn logs_tail(engine: &Engine, id: &str, n: usize) -> Vec<String> {
    match logs(engine, id, Some(n), LogStream::Both).await {
        Ok(l) => l,
        Err(e) => vec![format!("(the logs could not be read: {e})")],
    }
}

/// Runs a command in a running container and collects its output and exit
/// code (`ContainerExec`, `ExecStart` hijacked, `ExecInspect`).
pub async fn exec(engine: &Engine, id: &str, cmd: &[String]) -> Result<ExecOutput, EngineError> {
    let created: Value = engine
        .send(Request::post(format!("/containers/{id}/exec")).json(&json!({
            "AttachStdout": true, "AttachStderr": true, "Tty": false, "Cmd": cmd,
        })))
        .await?
        .ok()?
        .json()?;
    let exec_id = created["Id"].as_str().unwrap_or_default().to_string();
    let start = Request::post(format!("/exec/{exec_id}/start")).json(&json!({ "Detach": false, "Tty": false }));
    let mut raw = Vec::new();
    match engine.upgrade(start).await? {
        Upgrade::Switched { mut io, .. } => {
            io.read_to_end(&mut raw)
                .await
                .map_err(|e| EngineError::ConnectionLost {
                    endpoint: engine.endpoint().clone(),
                    method: dockhand_engine::Method::POST,
                    path: format!("/exec/{exec_id}/start"),
                    detail: e.to_string(),
                })?;
        }
        Upgrade::Refused(resp) => return Err(resp.api_error()),
    }
    let mut d = FrameDecoder::new();
    d.push(&raw);
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let proto = |e: dockhand_engine::DecodeError| EngineError::Protocol {
        method: dockhand_engine::Method::POST,
        path: format!("/exec/{exec_id}/start"),
        detail: e.to_string(),
    };
    while let Some(f) = d.next_frame().map_err(proto)? {
        match f.stream {
            StreamKind::Stderr => stderr.extend_from_slice(&f.payload),
            _ => stdout.extend_from_slice(&f.payload),
        }
    }
    d.finish().map_err(proto)?;
    // The stream ends when the process does; the exit code follows shortly.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let info: Value = engine
            .send(Request::get(format!("/exec/{exec_id}/json")))
            .await?
            .ok()?
            .json()?;
        if info["Running"] == false {
            if let Some(code) = info["ExitCode"].as_i64() {
                return Ok(ExecOutput {
                    exit_code: code,
                    stdout: String::from_utf8_lossy(&stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&stderr).into_owned(),
                });
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(EngineError::Protocol {
                method: dockhand_engine::Method::GET,
                path: format!("/exec/{exec_id}/json"),
                detail: format!("the exec's output ended but it still reports Running or no ExitCode 5s later: {info}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
