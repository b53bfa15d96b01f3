//! `dockhand-ssh-bench`: what an `ssh://` endpoint costs per call, beside
//! the same engine's unix socket. `scripts/bench-ssh` starts the sshd and
//! runs it.
//!
//! Prints, for `DOCKHAND_BENCH_SSH_ROUNDS` rounds (default 5) of 1,000
//! interleaved `GET /_ping` round trips on each endpoint (each on a kept-alive
//! connection, as a run's calls mostly are), the two medians and their
//! ratio; then the median time of a call on a new connection over ssh (a new
//! ssh process, key exchange, login, `docker system dial-stdio`) against a
//! new unix connection, over 10 calls each. Figures for a reader; it asserts
//! nothing.
//!
//! The unix endpoint is the environment's (`DOCKER_HOST`, a context, else the
//! default socket: `Endpoint::from_environment`); the ssh one is
//! `DOCKHAND_BENCH_SSH` (an `ssh://` address whose far side is the same
//! engine).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dockhand_engine::{Deadlines, Endpoint, EndpointSource, Engine, MAX_API_VERSION};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

async fn ping(e: &Engine) -> anyhow::Result<()> {
    e.ping().await?.ok()?;
    Ok(())
}

fn engine(endpoint: Endpoint) -> Engine {
    Engine::with_version(endpoint, Deadlines::default(), MAX_API_VERSION)
}

fn main() -> anyhow::Result<()> {
    let rounds = match std::env::var("DOCKHAND_BENCH_SSH_ROUNDS") {
        Ok(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("DOCKHAND_BENCH_SSH_ROUNDS={v:?}: expected a whole number of at least 1"))?,
        Err(_) => 5,
    };
    let Ok(url) = std::env::var("DOCKHAND_BENCH_SSH") else {
        bail!("set DOCKHAND_BENCH_SSH to an ssh:// address of the engine at DOCKER_HOST (scripts/bench-ssh does)");
    };
    let unix = Endpoint::from_environment()?;
    let ssh = Endpoint::parse(&url, EndpointSource::Flag)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let (u, s) = (engine(unix.clone()), engine(ssh.clone()));
        for _ in 0..100 {
            ping(&u).await?;
            ping(&s).await?;
        }
        let n = 1000;
        let mut ratios = Vec::with_capacity(rounds);
        for r in 1..=rounds {
            let (mut tu, mut ts) = (Vec::with_capacity(n), Vec::with_capacity(n));
            for i in 0..n {
                for turn in 0..2 {
                    let t = Instant::now();
                    if (i + turn) % 2 == 0 {
                        ping(&u).await?;
                        tu.push(t.elapsed());
                    } else {
                        ping(&s).await?;
                        ts.push(t.elapsed());
                    }
                }
            }
            let (mu, ms) = (median(tu), median(ts));
            let ratio = ms.as_secs_f64() / mu.as_secs_f64();
            ratios.push(ratio);
            println!(
                "ping round {r}/{rounds}: {n} round trips each on a kept-alive connection, medians: unix {:.1} us, ssh {:.1} us; ssh/unix {ratio:.2}",
                us(mu),
                us(ms)
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "ping ssh/unix ratio over {rounds} rounds: median {:.2} (min {:.2}, max {:.2}) against {ssh}",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
        // A call on a new connection: a fresh client each time, so nothing is pooled.
        let (mut fu, mut fs) = (Vec::new(), Vec::new());
        for _ in 0..10 {
            let t = Instant::now();
            ping(&engine(unix.clone())).await?;
            fu.push(t.elapsed());
            let t = Instant::now();
            ping(&engine(ssh.clone())).await?;
            fs.push(t.elapsed());
        }
        let (mu, ms) = (median(fu), median(fs));
        println!(
            "ping on a new connection, median of 10: unix {:.1} us, ssh {:.1} ms (a new ssh process, login, dial-stdio); ssh/unix {:.0}",
            us(mu),
            ms.as_secs_f64() * 1e3,
            ms.as_secs_f64() / mu.as_secs_f64()
        );
        Ok(())
    })
}
