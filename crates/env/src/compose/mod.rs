//! [`Compose`]: the subset of the Compose Specification that integration
//! tests use, decoded strictly from a positioned YAML tree. A key that is
//! unknown, or known to compose but not supported here, is an error naming
//! the key and its `line:column`; nothing is silently ignored (except `x-*`
//! extension keys, which the specification reserves for tools, and the
//! obsolete top-level `version`).
//!
//! `model` is the decoded data; `decode` reads the file and the top level;
//! `service`, `wiring`, `startup`, `options`, `fields` (keys that set one
//! create field each) and `files` (secrets and configs) a service's keys;
//! `validate` checks what spans services (with `graph`, the dependency
//! order); `scalar` holds compose's duration, size, name and command-word
//! syntaxes.

mod decode;
mod fields;
mod files;
pub mod graph;
mod model;
mod options;
mod render;
mod scalar;
mod service;
mod startup;
mod validate;
mod wiring;

pub use model::{
    Build, Compose, ComposeError, Condition, ContainerOptions, Dependency, EngineField, Healthcheck, Ipam, IpamPool,
    LoadOptions, LogStream, Mount, NetworkDef, Port, Protocol, PullPolicy, ReadyRule, Restart, Service, ServiceNetwork,
    Ulimit, VolumeDef,
};
pub use scalar::{parse_duration, parse_size, shell_words, valid_name};
