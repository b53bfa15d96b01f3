//! `dockhand bench`: the arguments become [`BenchOptions`] and the engines
//! (each `--engine [LABEL=]URL` parsed as `--host` is, with its source "from
//! --engine"; none: the configured engine), validated before any engine is
//! touched; the run itself is `dockhand_bench::Bench`'s.

use dockhand_bench::{
    plot, Bench, BenchError, BenchEvent, BenchOptions, BenchReporter, Budget, Collect, JsonLines, Measure, Terminal,
    Workload,
};
use dockhand_engine::{ConnectOptions, Endpoint, EndpointSource, Engine};
use dockhand_harness::config::parse_duration;
use dockhand_harness::exit;

use crate::args::{BenchArgs, Format, GlobalArgs};
use crate::error::CliError;
use crate::settings::{connect, load_config, take_stop_signals};

/// The default `--iterations`.
const ITERATIONS: u32 = 50;

pub async fn run(g: &GlobalArgs, a: BenchArgs) -> Result<i32, CliError> {
    if a.list {
        for w in Workload::ALL {
            println!("{:<14} {}", w.name(), w.summary());
        }
        return Ok(exit::SUCCESS);
    }
    if let Some(file) = &a.from {
        return replay(file, &a);
    }
    if !a.engines.is_empty() && g.host.is_some() {
        return Err(CliError::Usage(
            "--host and --engine both name engines: give each engine as --engine URL".into(),
        ));
    }
    let workloads = if a.workloads.is_empty() {
        Workload::ALL.to_vec()
    } else {
        a.workloads
            .iter()
            .map(|w| Workload::parse(w))
            .collect::<Result<Vec<_>, _>>()?
    };
    let budget = match &a.duration {
        Some(d) => Budget::Duration(parse_duration(d).map_err(|e| CliError::Usage(format!("--duration: {e}")))?),
        None => Budget::Iterations(a.iterations.unwrap_or(ITERATIONS)),
    };
    let options = BenchOptions {
        measures: Measure::expand(&workloads, &a.concurrency),
        budget,
        warmup: a.warmup,
        rounds: a.rounds,
        overhead_calls: a.overhead_calls,
    };
    options.validate()?;
    let cfg = load_config(g, None)?;
    let mut engines = Vec::new();
    if a.engines.is_empty() {
        engines.push((None, connect(&cfg).await?));
    }
    for spec in &a.engines {
        let (label, url) = split_label(spec);
        let endpoint = Endpoint::parse(url, EndpointSource::EngineFlag).map_err(|e| CliError::Usage(e.to_string()))?;
        let engine = Engine::connect(ConnectOptions {
            endpoint,
            ..cfg.connect_options()
        })
        .await?;
        engines.push((label.map(str::to_string), engine));
    }
    let interrupts = take_stop_signals()?;
    let bench = Bench::prepare(engines, options).await?;
    let mut reporter = Collect {
        inner: reporter(a.format),
        results: Vec::new(),
    };
    let outcome = bench.run(&mut reporter, &interrupts).await;
    // Plots of what was measured, also when the bench was cut short.
    plots(&a, &reporter.results)?;
    Ok(outcome?.exit_code)
}

fn reporter(format: Format) -> Box<dyn BenchReporter> {
    match format {
        Format::Json => Box::new(JsonLines),
        Format::Human => Box::new(Terminal::new()),
    }
}

fn plots(a: &BenchArgs, results: &[dockhand_bench::ResultRow]) -> Result<(), CliError> {
    if let Some(dir) = &a.plots {
        let written = plot::write_cdfs(dir, results)?;
        if a.format == Format::Human {
            println!("Plots: {} SVG files in {}", written.len(), dir.display());
        }
    }
    Ok(())
}

/// `--from FILE`: an earlier bench's events, through the reporters again.
fn replay(file: &std::path::Path, a: &BenchArgs) -> Result<i32, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| CliError::Usage(format!("--from {}: {e}", file.display())))?;
    let mut reporter = Collect {
        inner: reporter(a.format),
        results: Vec::new(),
    };
    let mut code = exit::SUCCESS;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let event: BenchEvent = serde_json::from_str(line).map_err(|e| {
            CliError::Usage(format!(
                "--from {} line {}: not a bench event ({e}); give the output of `dockhand bench --format json`",
                file.display(),
                n + 1
            ))
        })?;
        if let BenchEvent::BenchFinished { exit_code, .. } = &event {
            code = *exit_code;
        }
        reporter.event(&event);
    }
    plots(a, &reporter.results)?;
    Ok(code)
}

/// `LABEL=URL` or `URL`: a label has no `/` or `:` (a URL has both).
fn split_label(spec: &str) -> (Option<&str>, &str) {
    match spec.split_once('=') {
        Some((label, url)) if !label.is_empty() && !label.contains(['/', ':']) => (Some(label), url),
        _ => (None, spec),
    }
}

impl From<BenchError> for CliError {
    fn from(e: BenchError) -> Self {
        match e {
            // The same message and exit code as any command's engine trouble.
            BenchError::Engine(e) => CliError::Engine(e),
            other => CliError::Bench(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_label;

    #[test]
    fn labels_are_split_off_urls() {
        assert_eq!(
            split_label("docker=unix:///var/run/docker.sock"),
            (Some("docker"), "unix:///var/run/docker.sock")
        );
        assert_eq!(split_label("unix:///run/a=b.sock"), (None, "unix:///run/a=b.sock"));
        assert_eq!(split_label("tcp://h:2375"), (None, "tcp://h:2375"));
    }
}
