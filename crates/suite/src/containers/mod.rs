//! Area `containers`: the container endpoints, from create to prune.

pub(crate) mod common;
pub(crate) mod create;
pub(crate) mod inspect;
pub(crate) mod lifecycle;
pub(crate) mod observe;
pub(crate) mod remove;
pub(crate) mod restart;
pub(crate) mod signals;
pub(crate) mod wait;
