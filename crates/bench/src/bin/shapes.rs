//! `dockhand-shapes-bench`: what validating one reply costs. Each reply
//! recorded from Docker 20.10 under `crates/shapes/tests/fixtures/` that has a
//! JSON body is validated `DOCKHAND_BENCH_SHAPES_ROUNDS` times (default
//! 2,000) after a warm-up; the mean time per validation is printed per
//! fixture, with its size. Multiplied by the replies a run validates, it
//! bounds validation's share of the suite's time (docs/shapes.md); the side by
//! side suite runs (`scripts/shapes-cost`) are the end-to-end figure. Figures
//! only: nothing is asserted.

use std::time::Instant;

use anyhow::Context;
use dockhand_engine::{ApiVersion, HeaderMap};
use dockhand_shapes::{Catalog, Reply};

fn main() -> anyhow::Result<()> {
    let rounds: u32 = match std::env::var("DOCKHAND_BENCH_SHAPES_ROUNDS") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("DOCKHAND_BENCH_SHAPES_ROUNDS={v}: give a positive count"))?,
        Err(_) => 2000,
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shapes/tests/fixtures");
    let media = std::fs::read_to_string(format!("{dir}/media.txt")).context("read media.txt")?;
    let catalog = Catalog::new(ApiVersion::new(1, 41));
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse()?);
    let (mut total, mut count) = (0f64, 0u32);
    for line in media.lines() {
        let f: Vec<&str> = line.splitn(5, ' ').collect();
        if f[4] != "application/json" {
            continue;
        }
        let body = std::fs::read(format!("{dir}/{}", f[0]))?;
        let reply = Reply {
            method: f[1],
            status: f[3].parse()?,
            headers: &headers,
            body: Some(&body),
        };
        for _ in 0..rounds / 10 {
            catalog.check(f[2], &reply);
        }
        let started = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(catalog.check(f[2], &reply));
        }
        let us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        println!("{:<32} {:>6} bytes {:>8.1} us", f[0], body.len(), us);
        total += us;
        count += 1;
    }
    println!(
        "mean over {count} replies: {:.1} us per validation",
        total / f64::from(count)
    );
    Ok(())
}
