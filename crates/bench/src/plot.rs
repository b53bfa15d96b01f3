//! `--plots DIR`: one SVG per workload, the cumulative distribution of its
//! latencies with the engines overlaid (x: latency on a log scale, y: the
//! share of operations at or below it). Written with plotters' SVG backend,
//! which needs no system library.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::BenchError;
use crate::events::ResultRow;

const COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// The file a workload's plot goes to: `throughput/c4` -> `throughput-c4.svg`.
pub fn file_name(workload: &str) -> String {
    format!("{}.svg", workload.replace('/', "-"))
}

/// Writes one CDF per workload of `rows` into `dir` (created when missing);
/// returns the files written.
pub fn write_cdfs(dir: &Path, rows: &[ResultRow]) -> Result<Vec<PathBuf>, BenchError> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::Plot {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut workloads: Vec<&str> = Vec::new();
    for r in rows {
        if !workloads.contains(&r.workload.as_str()) {
            workloads.push(&r.workload);
        }
    }
    let mut written = Vec::new();
    for w in workloads {
        let of: Vec<&ResultRow> = rows
            .iter()
            .filter(|r| r.workload == w && !r.samples_us.is_empty())
            .collect();
        if of.is_empty() {
            continue;
        }
        let path = dir.join(file_name(w));
        cdf(&path, w, &of).map_err(|message| BenchError::Plot {
            path: path.clone(),
            message,
        })?;
        written.push(path);
    }
    Ok(written)
}

fn cdf(path: &Path, workload: &str, rows: &[&ResultRow]) -> Result<(), String> {
    let ms = |us: f64| us / 1000.0;
    let lo = rows
        .iter()
        .filter_map(|r| r.samples_us.first())
        .cloned()
        .fold(f64::MAX, f64::min);
    let hi = rows
        .iter()
        .filter_map(|r| r.samples_us.last())
        .cloned()
        .fold(0.0, f64::max);
    // A decade's margin is too much; a fifth either side, and never a zero
    // on the log axis.
    let (lo, hi) = (ms(lo.max(1.0)) / 1.25, ms(hi.max(1.0)) * 1.25);
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{workload}: latency CDF"), ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("share of operations at or below")
        .x_label_formatter(&|v| format!("{v:.3}"))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, r) in rows.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let n = r.samples_us.len() as f64;
        // A step function: each sample raises the share by 1/n.
        let mut points = Vec::with_capacity(r.samples_us.len() * 2);
        for (k, &us) in r.samples_us.iter().enumerate() {
            points.push((ms(us.max(1.0)), k as f64 / n));
            points.push((ms(us.max(1.0)), (k + 1) as f64 / n));
        }
        let label = format!(
            "{} (p50 {:.3} ms, n={})",
            r.engine,
            ms(r.summary.p50_us),
            r.samples_us.len()
        );
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
