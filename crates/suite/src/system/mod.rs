//! Area `system`: ping, version, info, events and data usage.

pub(crate) mod df;
pub(crate) mod events;
pub(crate) mod info;
pub(crate) mod ping;
pub(crate) mod version;
