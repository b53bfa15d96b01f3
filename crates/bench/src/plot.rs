//! `--plots DIR`: one SVG per workload, the cumulative distribution of its
//! latencies with the engines overlaid (x: latency on a log scale, y: the
//! share of operations at or below it). Written with plotters' SVG backend,
//! which needs no system library. [`cdf_svg`] gives the same drawing as a
//! string ([`Svg`]), which `dockhand report` puts inline in its page.

use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use crate::error::BenchError;
use crate::events::ResultRow;
use crate::stats::fmt_us;

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
        let plot_error = |message: String| BenchError::Plot {
            path: path.clone(),
            message,
        };
        let svg = cdf_svg(w, &of).map_err(plot_error)?;
        std::fs::write(&path, svg.as_str()).map_err(|e| plot_error(e.to_string()))?;
        written.push(path);
    }
    Ok(written)
}

/// A plot as SVG markup, made only by [`cdf_svg`]: plotters' SVG backend
/// escapes every text and attribute it writes (`< > & " '`), and the labels
/// are rid of control characters first, so it can go inline in an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    /// The markup, starting `<svg`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The CDF of one workload's `rows` (engines overlaid), as SVG. Rows without
/// samples draw nothing; the error is plotters' message.
pub fn cdf_svg(workload: &str, rows: &[&ResultRow]) -> Result<Svg, String> {
    let mut out = String::new();
    cdf(&mut out, &printable(workload), rows)?;
    Ok(Svg(out))
}

/// Text for a label: control characters (not valid in SVG) as `?`.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn cdf(out: &mut String, workload: &str, rows: &[&ResultRow]) -> Result<(), String> {
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
    let (lo, hi) = (ms(lo.max(1.0)), ms(hi.max(1.0)));
    let root = SVGBackend::with_string(out, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    // A log scale when the samples span more than a decade and a bit (tails,
    // or two engines far apart); within that, a linear one from 0 reads
    // better and always has labels.
    if hi / lo >= 20.0 {
        draw(
            &root,
            (lo / 1.25..hi * 1.25).log_scale(),
            "latency (ms, log scale)",
            workload,
            rows,
        )
    } else {
        draw(&root, 0.0..hi * 1.05, "latency (ms)", workload, rows)
    }?;
    root.present().map_err(|e| e.to_string())
}

fn ms(us: f64) -> f64 {
    us / 1000.0
}

fn draw<X>(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    x: X,
    x_desc: &str,
    workload: &str,
    rows: &[&ResultRow],
) -> Result<(), String>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{workload}: latency CDF"), ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d(x, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(x_desc)
        .y_desc("share of operations at or below")
        .x_label_formatter(&|v| trim(*v))
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
            "{} (p50 {}, n={})",
            printable(&r.engine),
            fmt_us(r.summary.p50_us),
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
        .map_err(|e| e.to_string())
}

/// An axis label in ms without trailing zeros: `0.05`, `1.5`, `120`.
fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Summary;
    use std::time::Duration;

    fn row(workload: &str, engine: &str, us: &[u64]) -> ResultRow {
        let samples: Vec<Duration> = us.iter().map(|&u| Duration::from_micros(u)).collect();
        ResultRow {
            workload: workload.into(),
            engine: engine.into(),
            concurrency: 1,
            complete: true,
            summary: Summary::of(&samples, 0, samples.iter().sum()),
            samples_us: us.iter().map(|&u| u as f64).collect(),
            first_error: None,
        }
    }

    #[test]
    fn one_svg_per_workload_with_every_engine() {
        let dir = std::env::temp_dir().join(format!("dockhand-plot-test-{}", std::process::id()));
        let rows = [
            row("ping", "docker", &[50, 60, 70, 1500]),
            row("ping", "podman", &[400, 500, 800]),
            row("throughput/c4", "docker", &[3_400_000, 4_000_000, 5_800_000]),
            row("logs", "docker", &[]),
        ];
        let written = write_cdfs(&dir, &rows).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        // No samples, no plot.
        assert_eq!(names, ["ping.svg", "throughput-c4.svg"]);
        let ping = std::fs::read_to_string(dir.join("ping.svg")).unwrap();
        assert!(ping.starts_with("<svg"), "{ping}");
        assert!(ping.contains("docker (p50 60µs, n=4)") && ping.contains("podman (p50 500µs, n=3)"));
        assert!(ping.contains("log scale"), "a span over 20x is drawn on a log scale");
        let tp = std::fs::read_to_string(dir.join("throughput-c4.svg")).unwrap();
        assert!(
            tp.contains("latency (ms)<") || tp.contains("latency (ms)\n"),
            "linear within a decade"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn labels_are_escaped_in_the_svg() {
        let r = row("ping", "<script>alert('x')</script>\u{1b}[0m & co", &[50, 60]);
        let svg = cdf_svg("ping", &[&r]).unwrap();
        let s = svg.as_str();
        assert!(s.starts_with("<svg"), "{s}");
        assert!(!s.contains("<script") && !s.contains('\u{1b}'), "{s}");
        assert!(
            s.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;?[0m &amp; co"),
            "{s}"
        );
    }
}
