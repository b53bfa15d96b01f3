//! [`Workload`]: what `dockhand bench` can measure, by name, and
//! [`Measure`], one row of results: a workload, at a concurrency for the
//! throughput workload.

use std::fmt;

use crate::error::BenchError;

/// One kind of operation the bench times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// `GET /_ping`.
    Ping,
    /// `GET /version`.
    Version,
    /// `POST /containers/create` of a probe container.
    Create,
    /// `POST /containers/{id}/start` of a created probe container.
    Start,
    /// `POST /containers/{id}/stop?t=0` of a running probe container.
    Stop,
    /// `DELETE /containers/{id}` of a created probe container.
    Remove,
    /// Create, start, wait for exit, remove: a probe that exits at once.
    Lifecycle,
    /// `POST /containers/{id}/exec` plus an attached `POST /exec/{id}/start`,
    /// its output read to the end.
    Exec,
    /// `GET /containers/{id}/logs` of 1 MiB of framed output, decoded.
    Logs,
    /// `GET /images/json`.
    ImageList,
    /// `GET /images/{name}/json` of the probe image.
    ImageInspect,
    /// From a container start's reply to its `start` event on an open events stream.
    EventLatency,
    /// Life-cycles with several in flight, reported as throughput.
    Throughput,
}

impl Workload {
    /// Every workload, in the order a full bench runs them.
    pub const ALL: [Workload; 13] = [
        Workload::Ping,
        Workload::Version,
        Workload::ImageList,
        Workload::ImageInspect,
        Workload::Create,
        Workload::Start,
        Workload::Stop,
        Workload::Remove,
        Workload::Lifecycle,
        Workload::Exec,
        Workload::Logs,
        Workload::EventLatency,
        Workload::Throughput,
    ];

    /// Its name on the command line and in results.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Ping => "ping",
            Workload::Version => "version",
            Workload::Create => "create",
            Workload::Start => "start",
            Workload::Stop => "stop",
            Workload::Remove => "remove",
            Workload::Lifecycle => "lifecycle",
            Workload::Exec => "exec",
            Workload::Logs => "logs",
            Workload::ImageList => "image-list",
            Workload::ImageInspect => "image-inspect",
            Workload::EventLatency => "event-latency",
            Workload::Throughput => "throughput",
        }
    }

    /// What one operation is, for `--help` and the docs.
    pub fn summary(self) -> &'static str {
        match self {
            Workload::Ping => "GET /_ping",
            Workload::Version => "GET /version",
            Workload::Create => "create a probe container",
            Workload::Start => "start a created probe container",
            Workload::Stop => "stop a running probe container (t=0)",
            Workload::Remove => "remove a created probe container",
            Workload::Lifecycle => "create, start, wait for exit, remove a probe that exits at once",
            Workload::Exec => "exec create + attached start, output read to the end",
            Workload::Logs => "read and decode 1 MiB of framed logs",
            Workload::ImageList => "GET /images/json",
            Workload::ImageInspect => "inspect the probe image",
            Workload::EventLatency => "a container start's reply to its start event",
            Workload::Throughput => "life-cycles at each --concurrency, as throughput",
        }
    }

    /// The workload called `name`, or an error naming the closest ones.
    pub fn parse(name: &str) -> Result<Workload, BenchError> {
        Workload::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| BenchError::UnknownWorkload {
                name: name.to_string(),
                suggestions: dockhand_harness::pattern::closest(name, Workload::ALL.map(Workload::name), 2),
                workloads: Workload::ALL.map(Workload::name).to_vec(),
            })
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of results: a workload, with its concurrency for `throughput`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Measure {
    pub workload: Workload,
    /// Operations in flight at once (1 for every workload but `throughput`).
    pub concurrency: u32,
}

impl Measure {
    /// The measures of `workloads`, `throughput` once per concurrency level.
    pub fn expand(workloads: &[Workload], concurrency: &[u32]) -> Vec<Measure> {
        let mut out = Vec::new();
        for &w in workloads {
            if w == Workload::Throughput {
                out.extend(concurrency.iter().map(|&c| Measure {
                    workload: w,
                    concurrency: c,
                }));
            } else {
                out.push(Measure {
                    workload: w,
                    concurrency: 1,
                });
            }
        }
        out
    }

    /// `ping`, `throughput/c4`.
    pub fn name(&self) -> String {
        match self.workload {
            Workload::Throughput => format!("throughput/c{}", self.concurrency),
            w => w.name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for w in Workload::ALL {
            assert_eq!(Workload::parse(w.name()).unwrap(), w);
        }
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let e = Workload::parse("lifecyle").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown workload `lifecyle`; did you mean `lifecycle`? `dockhand bench --list` shows every workload"
        );
        let e = Workload::parse("zzz").unwrap_err();
        assert!(e.to_string().starts_with("unknown workload `zzz`; workloads:"), "{e}");
    }

    #[test]
    fn throughput_expands_per_concurrency() {
        let m = Measure::expand(&[Workload::Ping, Workload::Throughput], &[1, 4, 16]);
        let names: Vec<String> = m.iter().map(Measure::name).collect();
        assert_eq!(names, ["ping", "throughput/c1", "throughput/c4", "throughput/c16"]);
    }
}
