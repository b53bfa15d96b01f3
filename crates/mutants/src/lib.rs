//! dockhand-mutants: a mutation harness for dockhand's checks.
//!
//! A [`MutationProxy`] sits between dockhand and an engine and rewrites one
//! thing in the replies to one operation: a [`Mutant`] from the
//! [`catalogue`]. The runner ([`run`]) runs, for each mutant, the checks that
//! name its operations through the proxy and reports which cases caught it.
//! With no mutant the proxy forwards bytes untouched, which a baseline run
//! compares against a direct one.

pub mod catalogue;
pub mod http;
pub mod mutate;
pub mod proxy;
pub mod route;
pub mod run;

pub use catalogue::{Mutant, CATALOGUE, SHAPES};
pub use mutate::{FrameOp, JsonOp, Mutation, Pick};
pub use proxy::MutationProxy;
