//! [`Summary`]: what one workload measured on one engine (count, nearest-rank
//! percentiles, max, mean, ops/s, errors), and [`percentile`], the arithmetic.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The `p`-th percentile (0 < p <= 100) of `sorted` by the nearest-rank
/// method: the smallest sample with at least `p`% of the samples at or below
/// it, i.e. the sample of rank `ceil(p/100 * n)`. It is always one of the
/// samples, never an interpolation. `None` for no samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// One row of the results: a workload on one engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Measured operations (warm-up excluded, errors excluded).
    pub count: usize,
    /// Operations that failed (not counted in the latencies).
    pub errors: usize,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
    pub mean_us: f64,
    /// Operations per second: `count` over the time spent measuring them
    /// (for a sequential workload the sum of the latencies; for a throughput
    /// workload the wall time of its rounds, with several in flight).
    pub ops_per_s: f64,
}

impl Summary {
    /// The figures of `samples` (any order), `errors` failures, and `busy`,
    /// the time the operations took (see [`Summary::ops_per_s`]).
    pub fn of(samples: &[Duration], errors: usize, busy: Duration) -> Summary {
        let mut sorted = samples.to_vec();
        sorted.sort();
        let us = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e6);
        let total: Duration = sorted.iter().sum();
        let count = sorted.len();
        Summary {
            count,
            errors,
            p50_us: us(percentile(&sorted, 50.0)),
            p90_us: us(percentile(&sorted, 90.0)),
            p99_us: us(percentile(&sorted, 99.0)),
            max_us: us(sorted.last().copied()),
            mean_us: if count == 0 {
                0.0
            } else {
                total.as_secs_f64() * 1e6 / count as f64
            },
            ops_per_s: if busy.is_zero() {
                0.0
            } else {
                count as f64 / busy.as_secs_f64()
            },
        }
    }
}

/// Second engine's figure over the first's, when the first is not zero.
pub fn ratio(first: f64, second: f64) -> Option<f64> {
    (first > 0.0).then(|| second / first)
}

/// A latency for people: `81µs`, `1.23ms`, `2.10s`.
pub fn fmt_us(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.2}ms", us / 1000.0)
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn nearest_rank_percentiles_of_one_to_hundred() {
        let s = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&s, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&s, 90.0), Some(Duration::from_millis(90)));
        assert_eq!(percentile(&s, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&s, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&s, 0.5), Some(Duration::from_millis(1)));
    }

    #[test]
    fn percentiles_of_few_samples_are_samples() {
        // Ranks: p50 of 5 is ceil(2.5) = 3rd; p90 ceil(4.5) = 5th; p99 the 5th.
        let s = ms(&[10, 20, 30, 40, 1000]);
        assert_eq!(percentile(&s, 50.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&s, 90.0), Some(Duration::from_millis(1000)));
        assert_eq!(percentile(&s, 99.0), Some(Duration::from_millis(1000)));
        assert_eq!(percentile(&ms(&[7]), 50.0), Some(Duration::from_millis(7)));
        assert_eq!(percentile(&[], 50.0), None);
        // Even count: p50 of 4 is the 2nd, not the mean of 2nd and 3rd.
        assert_eq!(percentile(&ms(&[1, 2, 3, 4]), 50.0), Some(Duration::from_millis(2)));
    }

    #[test]
    fn summary_of_unsorted_samples() {
        let s = ms(&[40, 10, 30, 20, 100, 60, 50, 90, 70, 80]);
        let sum = Summary::of(&s, 2, Duration::from_millis(550));
        assert_eq!(sum.count, 10);
        assert_eq!(sum.errors, 2);
        assert_eq!(sum.p50_us, 50_000.0);
        assert_eq!(sum.p90_us, 90_000.0);
        assert_eq!(sum.p99_us, 100_000.0);
        assert_eq!(sum.max_us, 100_000.0);
        assert_eq!(sum.mean_us, 55_000.0);
        assert!((sum.ops_per_s - 10.0 / 0.55).abs() < 1e-9, "{}", sum.ops_per_s);
    }

    #[test]
    fn summary_of_nothing_is_zeros() {
        let sum = Summary::of(&[], 3, Duration::ZERO);
        assert_eq!(
            (sum.count, sum.errors, sum.p50_us, sum.mean_us, sum.ops_per_s),
            (0, 3, 0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn ratios_and_units() {
        assert_eq!(ratio(2.0, 3.0), Some(1.5));
        assert_eq!(ratio(0.0, 3.0), None);
        assert_eq!(fmt_us(81.4), "81µs");
        assert_eq!(fmt_us(1234.0), "1.23ms");
        assert_eq!(fmt_us(2_100_000.0), "2.10s");
    }
}
