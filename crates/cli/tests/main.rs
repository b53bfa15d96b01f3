//! The dockhand binary end to end, one test binary with a module per area,
//! all on one kit (`kit`). Tests that must not overlap take a file lock of
//! their group (`kit::serial`), which holds whether they share this process
//! (`cargo test`) or each run in a process of their own (nextest).
//!
//! Most tests need this machine's engine at /var/run/docker.sock; those that
//! start private engines or clusters need root and dockerd. They fail, they
//! do not skip, without them.

mod kit;

mod bench;
mod cli;
mod cluster;
mod coverage;
mod engine;
mod env;
mod env_config;
mod frozen;
mod image_self;
mod midrun;
mod report;
mod ssh;
mod steps;
mod tls;
