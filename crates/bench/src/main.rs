//! `dockhand-bench`: the client's overhead against a raw socket.
//!
//! 1. Ping: the median round trip of `GET /_ping` through the client, and
//!    through a hand-written keep-alive HTTP/1.1 exchange on a blocking and on
//!    a tokio unix socket (the baselines), 1,000 each after a warm-up, in 5
//!    rounds (`DOCKHAND_BENCH_PING_ROUNDS`); the ratio's median over rounds.
//! 2. Logs: a probe container writes 256 MiB to stdout; the whole framed
//!    `GET /containers/{id}/logs` reply is read raw from the socket (baseline)
//!    and through the client's strict frame decoder, alternating, in 3
//!    rounds (`DOCKHAND_BENCH_LOG_ROUNDS`). Rates in MiB/s; the ratio of the
//!    best rates, and the median of each round's ratio (dockerd's own rate
//!    drifts between reads, and a round pairs two reads close in time).
//!
//! 3. TLS (`tls.rs`): pings to one private dockerd over its unix socket and
//!    over TLS, side by side, in 5 rounds (`DOCKHAND_BENCH_TLS_ROUNDS`, 0
//!    leaves it out; it needs root and dockerd).
//!
//! `DOCKHAND_BENCH_ONLY=tls` runs the TLS part alone.
//! Run with `scripts/bench` (release build). Figures only: goals are checked
//! by a reader, never asserted.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dockhand_engine::{Address, ConnectOptions, Deadlines, Endpoint, Engine, Request};
use dockhand_harness::ProbeImage;

mod tls;

fn socket_path(e: &Engine) -> anyhow::Result<std::path::PathBuf> {
    match &e.endpoint().address {
        Address::Unix(p) => Ok(p.clone()),
        _ => bail!("the benchmark's raw baseline needs a unix socket endpoint"),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Reads one HTTP/1.1 response with Content-Length from a keep-alive stream.
fn raw_ping(r: &mut BufReader<UnixStream>) -> anyhow::Result<()> {
    r.get_mut().write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")?;
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line)?;
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(())
}

/// The same exchange as [`raw_ping`] on a tokio socket: the baseline for the
/// client's own overhead, with the async runtime's cost on both sides.
async fn raw_ping_async(s: &mut tokio::io::BufReader<tokio::net::UnixStream>) -> anyhow::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    s.get_mut()
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        .await?;
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        s.read_line(&mut line).await?;
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse()?;
        }
    }
    let mut body = vec![0; len];
    s.read_exact(&mut body).await?;
    Ok(())
}

/// Medians of one round of `n` interleaved round trips: raw blocking, raw
/// tokio, client.
async fn ping_round(
    engine: &Engine,
    raw: &mut BufReader<UnixStream>,
    raw_async: &mut tokio::io::BufReader<tokio::net::UnixStream>,
    n: usize,
) -> anyhow::Result<(Duration, Duration, Duration)> {
    let mut base = Vec::with_capacity(n);
    let mut base_async = Vec::with_capacity(n);
    let mut client = Vec::with_capacity(n);
    // Interleave so drift in the engine's load hits all three alike, and
    // rotate which goes first, so that none always follows the same one.
    for i in 0..n {
        for turn in 0..3 {
            let t = Instant::now();
            match (i + turn) % 3 {
                0 => {
                    raw_ping(raw)?;
                    base.push(t.elapsed());
                }
                1 => {
                    raw_ping_async(raw_async).await?;
                    base_async.push(t.elapsed());
                }
                _ => {
                    engine.ping().await?.ok()?;
                    client.push(t.elapsed());
                }
            }
        }
    }
    Ok((median(base), median(base_async), median(client)))
}

/// What the ping rounds measured: the client/raw tokio ratio's median and
/// range over the rounds, and the median of what the client added per call.
struct PingFigures {
    median: f64,
    low: f64,
    high: f64,
    added_us: f64,
}

async fn bench_ping(engine: &Engine, n: usize, rounds: usize) -> anyhow::Result<PingFigures> {
    let path = socket_path(engine)?;
    let mut raw = BufReader::new(UnixStream::connect(&path)?);
    let mut raw_async = tokio::io::BufReader::new(tokio::net::UnixStream::connect(&path).await?);
    for _ in 0..100 {
        raw_ping(&mut raw)?;
        raw_ping_async(&mut raw_async).await?;
        engine.ping().await?;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mut ratios = Vec::with_capacity(rounds);
    let mut added = Vec::with_capacity(rounds);
    for r in 1..=rounds {
        let (b, ba, c) = ping_round(engine, &mut raw, &mut raw_async, n).await?;
        let ratio = c.as_secs_f64() / ba.as_secs_f64();
        ratios.push(ratio);
        added.push(us(c) - us(ba));
        println!(
            "ping round {r}/{rounds}: {n} round trips each, medians: raw blocking socket {:.1} us, raw tokio socket {:.1} us, client {:.1} us; client/raw tokio {ratio:.2}, client/raw blocking {:.2}",
            us(b),
            us(ba),
            us(c),
            c.as_secs_f64() / b.as_secs_f64()
        );
    }
    ratios.sort_by(f64::total_cmp);
    added.sort_by(f64::total_cmp);
    let f = PingFigures {
        median: ratios[ratios.len() / 2],
        low: ratios[0],
        high: ratios[ratios.len() - 1],
        added_us: added[added.len() / 2],
    };
    println!(
        "ping: client/raw tokio socket, median of {rounds} rounds {:.2} (goal <= 1.10; rounds {:.2} to {:.2})",
        f.median, f.low, f.high
    );
    Ok(f)
}

/// Reads a whole HTTP response raw: headers, then the body to EOF (the
/// request asks the engine to close the connection).
fn raw_read_all(path: &std::path::Path, target: &str) -> anyhow::Result<usize> {
    let mut s = UnixStream::connect(path)?;
    write!(s, "GET {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

/// The log decode's client/raw ratios: best rates, and the rounds' median.
struct LogFigures {
    best: f64,
    median: f64,
}

async fn bench_logs(engine: &Engine, mib: usize, rounds: usize) -> anyhow::Result<Option<LogFigures>> {
    let probe = ProbeImage::new();
    probe.ensure(engine).await?;
    // Full dockhand labels (owner, expiry): a concurrent run's sweep must see
    // the container as owned by a live process, and a crashed bench's as not.
    let labels = dockhand_harness::context::object_labels("bench", "bench/logs", "bench/logs#1");
    let cfg = serde_json::json!({
        "Image": probe.reference(),
        "Cmd": [format!("flood={}", mib << 20)],
        "Labels": labels,
        // Engines often rotate logs (this machine's: json-file, 10m x 3); the
        // benchmark needs the whole stream kept.
        "HostConfig": {"LogConfig": {"Type": "json-file", "Config": {"max-size": "4g", "max-file": "1"}}},
    });
    let r = engine.container_create(None, &cfg).await?.ok()?;
    let id = r.json::<serde_json::Value>()?["Id"]
        .as_str()
        .context("no Id")?
        .to_string();
    let result = async {
        engine.container_start(&id).await?.ok()?;
        engine.container_wait(&id, None, Duration::from_secs(600)).await?.ok()?;
        let target = format!("/v{}/containers/{id}/logs?stdout=1", engine.api_version());
        let path = socket_path(engine)?;
        // For profiling one side alone (`perf stat`): raw or client.
        let only = std::env::var("DOCKHAND_BENCH_LOGS_ONLY").ok();
        let (raw_side, client_side) = match only.as_deref() {
            None => (true, true),
            Some("raw") => (true, false),
            Some("client") => (false, true),
            Some(other) => bail!("DOCKHAND_BENCH_LOGS_ONLY={other}: expected raw or client"),
        };
        if only.is_none() {
            // Warm the engine's page cache for the log file once.
            raw_read_all(&path, &target)?;
        }
        let mut raw_rates = vec![];
        let mut dec_rates = vec![];
        for _ in 0..rounds {
            if raw_side {
                let t = Instant::now();
                let n = raw_read_all(&path, &target)?;
                raw_rates.push(n as f64 / t.elapsed().as_secs_f64() / (1 << 20) as f64);
            }
            if !client_side {
                continue;
            }
            let t = Instant::now();
            let resp = engine
                .stream(Request::get(format!("/containers/{id}/logs")).query("stdout", 1))
                .await?;
            if resp.status != 200 {
                let status = resp.status;
                let body = resp.collect().await?;
                bail!("logs returned {status}: {}", body.message());
            }
            let mut frames = resp.frames();
            let mut payload = 0usize;
            while let Some(f) = frames.next().await? {
                payload += f.payload.len();
            }
            if payload != mib << 20 {
                bail!("decoded {payload} payload bytes, the probe wrote {}", mib << 20);
            }
            dec_rates.push(payload as f64 / t.elapsed().as_secs_f64() / (1 << 20) as f64);
        }
        let best = |v: &[f64]| v.iter().cloned().fold(0.0, f64::max);
        println!(
            "logs: {mib} MiB framed, {rounds} rounds; raw socket read {}; client decode {}",
            rates(&raw_rates),
            rates(&dec_rates)
        );
        if raw_side && client_side {
            let mut ratios: Vec<f64> = dec_rates.iter().zip(&raw_rates).map(|(d, r)| d / r).collect();
            ratios.sort_by(f64::total_cmp);
            let f = LogFigures {
                best: best(&dec_rates) / best(&raw_rates),
                median: ratios[ratios.len() / 2],
            };
            println!(
                "logs: client/raw: best rates {:.2}, median of the rounds' ratios {:.2} (rounds {:.2} to {:.2}; goal >= 0.80)",
                f.best,
                f.median,
                ratios[0],
                ratios[ratios.len() - 1]
            );
            return Ok(Some(f));
        }
        Ok::<_, anyhow::Error>(None)
    }
    .await;
    engine.container_remove(&id, true, true).await?;
    result
}

/// A positive count from the environment, or `default` when unset.
fn env_count(name: &str, default: usize) -> anyhow::Result<usize> {
    env_number(name, default, 1)
}

/// A whole number of at least `min` from the environment, or `default` when unset.
fn env_number(name: &str, default: usize, min: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= min => Ok(n),
            _ => bail!("{name}={v:?}: expected a whole number of at least {min} (default {default})"),
        },
    }
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg gives them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Rates as `a, b, c MiB/s`.
fn rates(v: &[f64]) -> String {
    let list: Vec<String> = v.iter().map(|r| format!("{r:.1}")).collect();
    format!("{} MiB/s", list.join(", "))
}

fn main() -> anyhow::Result<()> {
    // 0 leaves the TLS part out.
    let tls_rounds = env_number("DOCKHAND_BENCH_TLS_ROUNDS", 5, 0)?;
    if std::env::var("DOCKHAND_BENCH_ONLY").as_deref() == Ok("tls") {
        return tls::bench_tls(1000, tls_rounds.max(1));
    }
    let load_before = load_average();
    println!(
        "load average at the start: {load_before} on {} CPUs (figures taken under load are noisy: rerun on a quiet machine)",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let figures = rt.block_on(async {
        let endpoint = Endpoint::from_environment()?;
        let engine = Engine::connect(ConnectOptions {
            endpoint,
            deadlines: Deadlines::default(),
            pinned_version: None,
        })
        .await?;
        // For profiling one side alone (e.g. under strace -c or perf).
        if let Ok(side) = std::env::var("DOCKHAND_BENCH_PING_ONLY") {
            let path = socket_path(&engine)?;
            let mut raw = tokio::io::BufReader::new(tokio::net::UnixStream::connect(&path).await?);
            for _ in 0..env_count("DOCKHAND_BENCH_PING_CALLS", 2000)? {
                match side.as_str() {
                    "client" => drop(engine.ping().await?.ok()?),
                    _ => raw_ping_async(&mut raw).await?,
                }
            }
            return Ok(None);
        }
        let mib = env_count("DOCKHAND_BENCH_LOG_MIB", 256)?;
        let ping_rounds = env_count("DOCKHAND_BENCH_PING_ROUNDS", 5)?;
        let log_rounds = env_count("DOCKHAND_BENCH_LOG_ROUNDS", 3)?;
        let ping = bench_ping(&engine, 1000, ping_rounds).await?;
        let logs = bench_logs(&engine, mib, log_rounds).await?;
        anyhow::Ok(Some((ping, logs)))
    })?;
    // One side alone (for a profiler): nothing else.
    let Some((ping, logs)) = figures else { return Ok(()) };
    if tls_rounds > 0 {
        tls::bench_tls(1000, tls_rounds)?;
    }
    println!();
    println!(
        "summary (load average {load_before} at the start, {} at the end):",
        load_average()
    );
    println!(
        "  ping: client / raw tokio socket {:.2} (median of the rounds; rounds {:.2} to {:.2}); the client adds {:.1} us a call; goal <= 1.10",
        ping.median, ping.low, ping.high, ping.added_us
    );
    if let Some(l) = logs {
        println!(
            "  logs: client / raw socket read {:.2} (median of the rounds' ratios; best rates {:.2}); goal >= 0.80",
            l.median, l.best
        );
    }
    Ok(())
}
