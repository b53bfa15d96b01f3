//! What the integration tests of dockhand-daemon, dockhand-harness and the
//! dockhand binary share: a file lock that serialises tests across processes
//! (`serial`), looking at the host from outside (`host`: processes, mounts,
//! network namespaces, read from /proc and /run), and engines to test against
//! (`engines`: the machine's, private ones).
//!
//! It lives with the lowest of those crates and the others include it with
//! `#[path = "../../daemon/tests/common/mod.rs"] mod common;`: a crate of its
//! own would be a published dependency for a few test helpers. Nothing here
//! calls the code under test to judge it: leftovers are read from the
//! kernel's own files, so a count never leans on what it checks.

// Each test binary uses a part of this module.
#![allow(dead_code)]

pub mod engines;
pub mod host;
pub mod serial;
