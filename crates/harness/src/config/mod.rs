//! Configuration: [`EffectiveConfig`], built from defaults, a TOML file,
//! `DOCKHAND_*` variables and flags, every value with its [`Source`].
//!
//! One file per concern: `effective` layers and renders, `endpoint` resolves the engine (contexts, TLS), `checks` reads the
//! per-check sections, `value` parses each type of value, `source` says where a
//! value came from, and `toml_file` reads TOML with positions for messages.

mod checks;
mod effective;
mod endpoint;
mod source;
mod toml_file;
mod value;

pub use checks::{to_json, CheckSettings, CHECK_KEYS};
pub use dockhand_engine::TlsFlags;
pub use effective::{env_var, ConfigError, EffectiveConfig, Overrides, CONFIG_VAR, FILE_NAME, KEYS};
pub use source::{Setting, Source};
pub use toml_file::{FileError, FileErrorKind, Position, TomlFile};
pub use value::{format_duration, parse_duration, toml_string, ApiVersionChoice};
