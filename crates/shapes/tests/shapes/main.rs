//! The shapes crate's tests, one binary: the tables against the harness's
//! operation list ([`tables`]), the version deltas ([`deltas`]), the validator
//! on replies recorded from Docker 20.10 ([`recorded`]) and Podman 4.3.1
//! ([`podman`]), and on hand-made violations of them ([`violations`]).

mod deltas;
mod kit;
mod podman;
mod recorded;
mod tables;
mod violations;
