//! `dockhand-mutants` (run it with `scripts/mutants`): runs each mutant of the
//! catalogue against the checks that claim its operations, through the
//! mutation proxy, after a baseline that shows the proxy alone changes no
//! verdict; prints the kill matrix and the score.
//!
//! Exit codes: 0 every mutant killed, 1 a mutant survived, 2 the baseline
//! through the proxy differs from the direct run, 3 usage error.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use dockhand_mutants::catalogue::{self, Mutant, CATALOGUE, SHAPES};
use dockhand_mutants::run::{compare, run_checks, Listing, MutantResult, RunOutcome, Shapes};
use dockhand_mutants::MutationProxy;

#[derive(Parser)]
#[command(
    name = "dockhand-mutants",
    about = "Shows that dockhand's checks fail when the engine is wrong: runs mutants of the engine's replies against the checks that claim them"
)]
struct Args {
    /// List the catalogue and exit.
    #[arg(long)]
    list: bool,
    /// Run only this mutant (repeatable).
    #[arg(long = "mutant", value_name = "NAME")]
    mutants: Vec<String>,
    /// The dockhand binary.
    #[arg(long, default_value = "target/debug/dockhand")]
    dockhand: PathBuf,
    /// The engine's socket (default: the environment's engine, as the docker CLI without flags finds it: DOCKER_HOST, DOCKER_CONTEXT, the current context, else /var/run/docker.sock).
    #[arg(long)]
    engine: Option<PathBuf>,
    /// Cases dockhand runs at once.
    #[arg(long)]
    jobs: Option<usize>,
    /// Run with the response shapes on (baseline too): by default the
    /// shapes-on set, mutants of fields no hand-written assertion reads.
    #[arg(long)]
    shapes: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let set = if args.shapes { SHAPES } else { CATALOGUE };
    if args.list {
        for m in set {
            println!(
                "{:<40} {:<10} {:<38} {}",
                m.name,
                m.area,
                m.operations.join(","),
                m.description
            );
        }
        println!("{} mutants", set.len());
        return ExitCode::SUCCESS;
    }
    let selected: Vec<&'static Mutant> = if args.mutants.is_empty() {
        set.iter().collect()
    } else {
        let mut out = Vec::new();
        for name in &args.mutants {
            match catalogue::find(name) {
                Some(m) => out.push(m),
                None => {
                    let close = catalogue::close_names(name);
                    let hint = match close.as_slice() {
                        [] => ";".to_string(),
                        names => format!("; did you mean {}?", names.join(" or ")),
                    };
                    eprintln!("error: no mutant named {name}{hint} `scripts/mutants --list` lists them");
                    return ExitCode::from(3);
                }
            }
        }
        out
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(&args, &selected)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `--engine`, else the environment's engine (the one resolver: DOCKER_HOST,
/// DOCKER_CONTEXT, the current context, the default socket), which must be a
/// unix socket: the proxy sits in front of one.
fn engine_socket(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(p) = &args.engine {
        return Ok(p.clone());
    }
    let endpoint = dockhand_engine::Endpoint::from_environment()?;
    match endpoint.address {
        dockhand_engine::Address::Unix(p) => Ok(p),
        _ => anyhow::bail!(
            "the mutation proxy needs the engine's unix socket, and the environment names {endpoint}; give the socket with --engine PATH"
        ),
    }
}

async fn run(args: &Args, selected: &[&'static Mutant]) -> anyhow::Result<u8> {
    let engine = engine_socket(args)?;
    let direct_host = format!("unix://{}", engine.display());
    let listing = Listing::load(&args.dockhand).await?;
    let all: BTreeSet<String> = selected.iter().flat_map(|m| listing.claimants(m)).collect();
    let all: Vec<String> = all.into_iter().collect();
    let started = Instant::now();
    let shapes = if args.shapes { Shapes::On } else { Shapes::Off };

    println!(
        "baseline: {} cases, direct and through the proxy with no mutant",
        all.len()
    );
    let direct = run_checks(&args.dockhand, &direct_host, &all, args.jobs, shapes).await?;
    let baseline = {
        let proxy = MutationProxy::start(&engine, None).context("start the proxy")?;
        run_checks(&args.dockhand, &proxy.host(), &all, args.jobs, shapes).await?
    };
    let mut differences = compare(&direct, &baseline);
    if !differences.is_empty() {
        // A difference may be the flakiness of a case rather than the proxy:
        // run those cases once more both ways before calling it.
        let again: Vec<String> = differences.iter().map(|d| d.case.clone()).collect();
        println!("baseline: {} cases differ; running them again both ways", again.len());
        let direct2 = run_checks(&args.dockhand, &direct_host, &again, args.jobs, shapes).await?;
        let proxy = MutationProxy::start(&engine, None).context("start the proxy")?;
        let proxied2 = run_checks(&args.dockhand, &proxy.host(), &again, args.jobs, shapes).await?;
        differences = compare(&direct2, &proxied2);
    }
    if !differences.is_empty() {
        println!("baseline differs: the proxy alone changed these verdicts, so no mutant can be judged:");
        for d in &differences {
            let show = |v: &Option<dockhand_mutants::run::Verdict>| {
                v.as_ref()
                    .map(|v| format!("{} {}", v.kind, v.message.lines().next().unwrap_or("")))
                    .unwrap_or_else(|| "absent".into())
            };
            println!(
                "  {}: direct {}; through the proxy {}",
                d.case,
                show(&d.direct),
                show(&d.proxied)
            );
        }
        return Ok(2);
    }
    let passed = baseline.cases.values().filter(|v| v.kind == "passed").count();
    println!(
        "baseline: identical verdicts ({} cases, {passed} passed) in {:.0}s",
        baseline.cases.len(),
        started.elapsed().as_secs_f64()
    );

    let mut results = Vec::new();
    for (i, m) in selected.iter().enumerate() {
        let cases = listing.claimants(m);
        let t = Instant::now();
        let proxy = MutationProxy::start(&engine, Some((*m).clone())).context("start the proxy")?;
        let run = run_checks(&args.dockhand, &proxy.host(), &cases, args.jobs, shapes).await?;
        let r = MutantResult::judge(m, &only(&baseline, &cases), &run, proxy.applied());
        for e in proxy.errors() {
            eprintln!("  proxy: {e}");
        }
        println!(
            "[{}/{}] {:<40} {:<8} applied {:>4}, {} cases, {:.0}s{}",
            i + 1,
            selected.len(),
            m.name,
            if r.killed() { "killed" } else { "SURVIVED" },
            r.applied,
            r.cases,
            t.elapsed().as_secs_f64(),
            r.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        );
        results.push(r);
    }
    print_matrix(&results);
    println!("total time {:.0}s", started.elapsed().as_secs_f64());
    Ok(if results.iter().all(MutantResult::killed) { 0 } else { 1 })
}

/// The baseline's verdicts of `cases` only.
fn only(baseline: &RunOutcome, cases: &[String]) -> RunOutcome {
    RunOutcome {
        cases: baseline
            .cases
            .iter()
            .filter(|(c, _)| cases.contains(c))
            .map(|(c, v)| (c.clone(), v.clone()))
            .collect(),
        ..baseline.clone()
    }
}

fn print_matrix(results: &[MutantResult]) {
    println!();
    println!("| mutant | area | verdict | applied | killed by |");
    println!("|---|---|---|---|---|");
    for r in results {
        let verdict = match (r.killed(), r.by_named) {
            (true, true) => "killed",
            (true, false) => "killed (not by its named checks)",
            (false, _) if r.applied == 0 => "SURVIVED (never applied)",
            (false, _) => "SURVIVED",
        };
        let mut by: Vec<&str> = r.killed_by.iter().map(|(c, _)| c.as_str()).collect();
        let more = by.len().saturating_sub(4);
        by.truncate(4);
        let by = if more > 0 {
            format!("{} (+{more})", by.join(", "))
        } else {
            by.join(", ")
        };
        println!(
            "| {} | {} | {verdict} | {} | {by} |",
            r.mutant.name, r.mutant.area, r.applied
        );
    }
    let killed = results.iter().filter(|r| r.killed()).count();
    println!();
    println!(
        "score: {killed}/{} killed ({:.1}%)",
        results.len(),
        100.0 * killed as f64 / results.len().max(1) as f64
    );
    for r in results.iter().filter(|r| !r.killed()) {
        println!("survivor: {} ({})", r.mutant.name, r.mutant.description);
    }
    for r in results.iter().filter(|r| r.killed()) {
        for (case, message) in &r.killed_by {
            println!("kill: {} by {case}: {message}", r.mutant.name);
        }
    }
}
