//! dockhand-env: app integration environments from compose files.
//!
//! [`Compose`] decodes the subset of the Compose Specification that
//! integration tests use, strictly (every unknown or unsupported key is an
//! error with its `line:column`). [`Environment`] brings it up through the
//! Engine API (no docker CLI, no docker-compose): networks, volumes, images
//! built with `ImageBuild`, containers started in dependency order, in
//! parallel where the graph allows, each waited on until ready (healthcheck,
//! or an `x-dockhand` rule: TCP, HTTP, log line, exec). [`Running`] gives
//! endpoints, exec and logs, and tears everything down when dropped.
//!
//! Every object carries `dockhand.env.*` labels ([`labels`]): the project,
//! an expiry, and for short-lived environments the owning process, so that
//! a later dockhand sweeps what a crash left.

pub mod auth;
pub mod compose;
mod env;
mod error;
mod follow;
mod image;
pub mod interp;
pub mod labels;
mod progress;
mod project;
pub mod ready;
mod up;
pub mod yaml;

pub use compose::graph;
pub use compose::{Compose, ComposeError, LoadOptions, ReadyRule, Service};
pub use env::{default_project, env_name, Environment, Replica, Running};
pub use error::{EnvError, NotReady, Reason, ServiceFailure};
pub use labels::Removed;
pub use progress::{Progress, ProgressEvent, ServiceState};
pub use project::{containers, project_logs, ContainerStatus};
pub use ready::ExecOutput;
