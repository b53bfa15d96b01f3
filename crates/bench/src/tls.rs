//! The per-call cost of TLS: `GET /_ping` round trips to one private dockerd
//! over its unix socket and over TLS on 127.0.0.1:2376 in its network
//! namespace (certificates from `dockhand_bench::pki`; dockerd `--tlsverify`, so
//! the client presents a certificate), through the same client, 1,000 each,
//! interleaved by rounds. The TLS handshake is paid once per connection (the
//! pool keeps it alive); a first call on a fresh connection is timed apart.
//!
//! The measuring thread enters the engine's namespace (`setns`), so its TCP
//! connections reach dockerd's loopback; the unix socket is a path and
//! works from any namespace.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use dockhand_bench::pki::Pki;
use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};
use dockhand_engine::{ConnectOptions, Deadlines, Endpoint, EndpointSource, Engine, TlsClient, TlsOptions};

use crate::median;

async fn connect(endpoint: Endpoint) -> anyhow::Result<Engine> {
    Ok(Engine::connect(ConnectOptions {
        endpoint,
        deadlines: Deadlines::default(),
        pinned_version: None,
    })
    .await?)
}

async fn pings(engine: &Engine, n: usize) -> anyhow::Result<Duration> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        engine.ping().await?.ok()?;
        v.push(t.elapsed());
    }
    Ok(median(v))
}

/// The rounds, on a thread inside the engine's namespace.
fn measure(netns: &str, socket: &Path, certs: &Path, n: usize, rounds: usize) -> anyhow::Result<()> {
    let ns = File::open(format!("/run/netns/{netns}")).with_context(|| format!("opening namespace {netns}"))?;
    // SAFETY: setns on a valid descriptor affects only this (fresh) thread.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        anyhow::bail!("setns into {netns}: {}", std::io::Error::last_os_error());
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let source = || EndpointSource::private_engine(netns);
        let unix = connect(Endpoint::unix(socket, source())).await?;
        let client = TlsClient::load(TlsOptions {
            verify: true,
            ca: Some(certs.join("ca.pem")),
            cert: Some(certs.join("client.pem")),
            key: Some(certs.join("client-key.pem")),
        })?;
        let tls_endpoint = Endpoint::parse_with_tls("tcp://127.0.0.1:2376", source(), Some(client))?;
        // The first call on a fresh connection: TCP connect and handshake.
        let mut fresh = Vec::new();
        for _ in 0..20 {
            let e = Engine::with_version(tls_endpoint.clone(), Deadlines::default(), unix.api_version());
            let t = Instant::now();
            e.ping().await?.ok()?;
            fresh.push(t.elapsed());
        }
        let tls = connect(tls_endpoint).await?;
        for e in [&unix, &tls] {
            pings(e, 100).await?;
        }
        let mut ratios = Vec::new();
        for r in 1..=rounds {
            let u = pings(&unix, n).await?;
            let t = pings(&tls, n).await?;
            let ratio = t.as_secs_f64() / u.as_secs_f64();
            ratios.push(ratio);
            println!(
                "tls ping round {r}/{rounds}: {n} round trips each, medians: unix socket {:.1} us, TLS {:.1} us; TLS/unix {ratio:.2}",
                u.as_secs_f64() * 1e6,
                t.as_secs_f64() * 1e6
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "tls: TLS/unix socket ping, median of {rounds} rounds {:.2} (rounds {:.2} to {:.2}); a fresh TLS connection's first ping (connect + handshake), median of 20: {:.1} ms",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            median(fresh).as_secs_f64() * 1e3
        );
        anyhow::Ok(())
    })
}

/// Starts a private dockerd serving TLS, measures, and removes it.
pub fn bench_tls(n: usize, rounds: usize) -> anyhow::Result<()> {
    let certs = std::env::temp_dir().join(format!("dockhand-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&certs)?;
    let pki = Pki::new(&certs)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut opts = PrivateEngineOptions::new(format!("bench-tls-{}", std::process::id()));
    for a in pki.dockerd_args("127.0.0.1:2376", "server") {
        opts = opts.arg(a);
    }
    let engine: PrivateEngine = rt.block_on(PrivateEngine::start(opts))?;
    let (netns, socket) = (engine.netns(), engine.socket_path());
    let certs_in = certs.clone();
    let res = std::thread::spawn(move || measure(&netns, &socket, &certs_in, n, rounds))
        .join()
        .map_err(|_| anyhow::anyhow!("the TLS measuring thread panicked"))
        .and_then(|r| r);
    rt.block_on(engine.shutdown())?;
    std::fs::remove_dir_all(&certs)?;
    res
}
