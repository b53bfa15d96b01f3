//! [`EffectiveConfig`]: the configuration a run uses, every value with the
//! [`Source`] it came from, built once from four layers, each overriding the
//! one before:
//!
//! 1. built-in defaults;
//! 2. the configuration file: `--config PATH`, else `DOCKHAND_CONFIG`, else
//!    `dockhand.toml` in the working directory when there is one;
//! 3. `DOCKHAND_*` environment variables, one per top-level key
//!    (`stream-idle-timeout` is `DOCKHAND_STREAM_IDLE_TIMEOUT`);
//! 4. command-line flags ([`Overrides`], one per top-level key, `--KEY`).
//!
//! The engine address has more layers, the docker CLI's: `--context`
//! above all, `DOCKER_HOST` and `DOCKER_CONTEXT` between the `DOCKHAND_*`
//! variables and the file, and the docker configuration's current context
//! below the file (`endpoint.rs` has the whole order and the TLS settings).
//!
//! ```toml
//! host = "unix:///var/run/docker.sock"
//! api-version = "1.41"          # or "auto": negotiate
//! timeout = "30s"               # one engine call
//! stream-idle-timeout = "30s"   # silence on a stream
//! check-timeout = "120s"        # one check case, cleanup excluded
//! watchdog-timeout = "750ms"    # the ping that tells a slow check from a dead engine
//! jobs = 2
//! repeat = 1
//! probe-image = "dockhand/probe:0.1.0"
//! known-failures = "known-failures.toml"   # relative to this file
//! journal-dir = ".dockhand/journal"        # relative to this file
//! checks-dir = ["checks"]                  # step files; relative to this file
//!
//! [checks."containers/lifecycle/start-stop-logs"]
//! enabled = false
//! ```
//!
//! Unknown keys, wrong types and bad values are errors naming the file, line,
//! column and key (or the variable, or the flag): the configuration is
//! validated here, once, and the rest of dockhand reads typed values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use dockhand_engine::{Address, ConnectOptions, Deadlines, Endpoint, ResolveError, TlsFlags};
use serde_json::Value;
use toml::de::DeTable;

use crate::check::Check;
use crate::config::checks::{parse_checks, read_key, CheckSettings};
use crate::config::endpoint::{self, HostLayers};
use crate::config::source::{Setting, Source};
use crate::config::toml_file::{FileError, TomlFile};
use crate::config::value::{toml_string, ApiVersionChoice, SettingValue};

/// The configuration file looked for in the working directory.
pub const FILE_NAME: &str = "dockhand.toml";

/// The variable naming a configuration file, below `--config`.
pub const CONFIG_VAR: &str = "DOCKHAND_CONFIG";

/// The top-level keys, in the order `dockhand config show` prints them.
pub const KEYS: &[&str] = &[
    "host",
    "api-version",
    "timeout",
    "stream-idle-timeout",
    "check-timeout",
    "watchdog-timeout",
    "jobs",
    "repeat",
    "probe-image",
    "known-failures",
    "journal-dir",
    "checks-dir",
    "checks",
];

/// The environment variable of a top-level key: `DOCKHAND_STREAM_IDLE_TIMEOUT`.
pub fn env_var(key: &str) -> String {
    format!("DOCKHAND_{}", key.to_ascii_uppercase().replace('-', "_"))
}

/// The command-line layer: each field is the raw text of the flag `--KEY`,
/// parsed here like the variable and the file value, so that a bad value is
/// rejected with the same words wherever it came from.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config`: the configuration file to read instead of `dockhand.toml`.
    pub config: Option<PathBuf>,
    pub host: Option<String>,
    /// `--context`: a Docker context, above `--host` and every other layer.
    pub context: Option<String>,
    /// `--tls`, `--tlsverify`, `--tlscacert`, `--tlscert`, `--tlskey`.
    pub tls: TlsFlags,
    pub api_version: Option<String>,
    pub timeout: Option<String>,
    pub stream_idle_timeout: Option<String>,
    pub check_timeout: Option<String>,
    pub watchdog_timeout: Option<String>,
    pub jobs: Option<String>,
    pub repeat: Option<String>,
    pub probe_image: Option<String>,
    pub known_failures: Option<String>,
    pub journal_dir: Option<String>,
    /// `--checks-dir` (repeatable): more directories of step files, after
    /// the file's `checks-dir` and `DOCKHAND_CHECKS_DIR`.
    pub checks_dir: Vec<PathBuf>,
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file is unreadable or wrong.
    #[error(transparent)]
    File(#[from] FileError),
    /// An environment variable has a bad value.
    #[error("invalid {var}={value:?}: {message}; fix or unset {var}")]
    Env {
        var: String,
        value: String,
        message: String,
    },
    /// The engine's endpoint (context, TLS material) cannot be used.
    #[error(transparent)]
    Endpoint(#[from] ResolveError),
    /// A flag has a bad value.
    #[error("invalid value {value:?} for {flag}: {message}")]
    Flag {
        flag: String,
        value: String,
        message: String,
    },
}

/// The configuration of a run, each value with its source.
#[derive(Debug, Clone)]
pub struct EffectiveConfig {
    /// The configuration file read, and what chose it.
    pub file: Option<Setting<PathBuf>>,
    /// The engine's address.
    pub host: Setting<Endpoint>,
    pub api_version: Setting<ApiVersionChoice>,
    /// The deadline of one engine call.
    pub timeout: Setting<Duration>,
    /// The longest silence a streaming call tolerates.
    pub stream_idle_timeout: Setting<Duration>,
    /// The deadline of one check case, cleanup excluded.
    pub check_timeout: Setting<Duration>,
    /// The deadline of the ping that decides whether the engine is down.
    pub watchdog_timeout: Setting<Duration>,
    /// Cases run at once (at least 1).
    pub jobs: Setting<u32>,
    /// Iterations of every case (at least 1).
    pub repeat: Setting<u32>,
    pub probe_image: Setting<String>,
    /// The known-failures file, if any.
    pub known_failures: Option<Setting<PathBuf>>,
    /// Where run journals are written.
    pub journal_dir: Setting<PathBuf>,
    /// Directories of step files: the file's `checks-dir`, then
    /// `DOCKHAND_CHECKS_DIR`, then each `--checks-dir`.
    pub checks_dirs: Vec<Setting<PathBuf>>,
    /// `[checks."id"]` sections, by check id.
    pub checks: BTreeMap<String, CheckSettings>,
}

/// What [`EffectiveConfig::load_discovering`] asks for every check: it is
/// given the directories of step files.
pub type Discover<'a> = dyn Fn(&[Setting<PathBuf>]) -> Result<Vec<Check>, ConfigError> + 'a;

/// The layers above the defaults.
struct Layers<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: Option<(&'a TomlFile, &'a DeTable<'a>)>,
}

impl Layers<'_> {
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    /// The flag's value, else the variable's.
    fn flag_or_env<T: SettingValue>(
        &self,
        key: &str,
        flag: Option<&String>,
    ) -> Result<Option<Setting<T>>, ConfigError> {
        if let Some(text) = flag {
            let flag = format!("--{key}");
            return match T::parse_text(text) {
                Ok(v) => Ok(Some(Setting::new(v, Source::Flag(flag)))),
                Err(message) => Err(ConfigError::Flag {
                    flag,
                    value: text.clone(),
                    message,
                }),
            };
        }
        let var = env_var(key);
        match self.var(&var) {
            None => Ok(None),
            Some(text) => match T::parse_text(&text) {
                Ok(v) => Ok(Some(Setting::new(v, Source::Env(var)))),
                Err(message) => Err(ConfigError::Env {
                    var,
                    value: text,
                    message,
                }),
            },
        }
    }

    /// The file's value.
    fn file_value<T: SettingValue>(&self, key: &str) -> Result<Option<Setting<T>>, FileError> {
        let Some((file, table)) = self.file else {
            return Ok(None);
        };
        table.get_key_value(key).map(|(k, v)| read_key(file, k, v)).transpose()
    }

    /// The value of the highest layer that sets it.
    fn get<T: SettingValue>(&self, key: &str, flag: Option<&String>) -> Result<Option<Setting<T>>, ConfigError> {
        match self.flag_or_env(key, flag)? {
            Some(s) => Ok(Some(s)),
            None => Ok(self.file_value(key)?),
        }
    }

    /// [`Layers::get`], else the default.
    fn get_or<T: SettingValue>(
        &self,
        key: &str,
        flag: Option<&String>,
        default: T,
        why: Option<&'static str>,
    ) -> Result<Setting<T>, ConfigError> {
        Ok(self.get(key, flag)?.unwrap_or_else(|| Setting::default(default, why)))
    }

    /// The engine: `--context`, then flag, `DOCKHAND_HOST`, `DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, file, current context, default socket
    /// (`endpoint::resolve`).
    fn host(&self, o: &Overrides) -> Result<Setting<Endpoint>, ConfigError> {
        let explicit = self.flag_or_env::<Endpoint>("host", o.host.as_ref())?;
        let explicit_text = o.host.clone().or_else(|| self.var(&env_var("host")));
        let file = self.file_value::<Endpoint>("host")?;
        let file_text = match file {
            Some(_) => self.file_value::<String>("host")?.map(|s| s.value),
            None => None,
        };
        let hosts = HostLayers {
            explicit: explicit.zip(explicit_text),
            file: file.zip(file_text),
        };
        let context = o.context.as_deref().filter(|c| !c.is_empty());
        Ok(endpoint::resolve(context, hosts, &o.tls, self.env)?)
    }
}

impl Layers<'_> {
    /// `checks-dir` of the file (a path or a list of paths, relative to the
    /// file), `DOCKHAND_CHECKS_DIR`, then every `--checks-dir`: all of them.
    fn checks_dirs(&self, cwd: &Path, o: &Overrides) -> Result<Vec<Setting<PathBuf>>, ConfigError> {
        let mut dirs = Vec::new();
        if let Some((file, table)) = self.file {
            if let Some((k, v)) = table.get_key_value("checks-dir") {
                let items: Vec<&toml::Spanned<toml::de::DeValue<'_>>> = match v.get_ref() {
                    toml::de::DeValue::Array(a) => a.iter().collect(),
                    _ => vec![v],
                };
                for item in items {
                    if !matches!(item.get_ref(), toml::de::DeValue::String(_)) {
                        return Err(file.wrong_type("checks-dir", item, "a path or a list of paths").into());
                    }
                    let s: Setting<PathBuf> = read_key(file, k, item)?;
                    let s = anchored(s);
                    dirs.push(Setting::new(cwd.join(s.value), s.source));
                }
            }
        }
        let var = env_var("checks-dir");
        if let Some(text) = self.var(&var) {
            dirs.push(Setting::new(cwd.join(text), Source::Env(var)));
        }
        for d in &o.checks_dir {
            dirs.push(Setting::new(cwd.join(d), Source::Flag("--checks-dir".into())));
        }
        Ok(dirs)
    }
}

/// A path from the file is relative to the file's directory; any other, to
/// the working directory.
fn anchored(mut s: Setting<PathBuf>) -> Setting<PathBuf> {
    if let Source::File { path, .. } = &s.source {
        if let Some(dir) = path.parent() {
            s.value = dir.join(&s.value);
        }
    }
    s
}

/// The watchdog's default deadline for the engine at `endpoint`: 750 ms,
/// or 10 s over ssh, where the ping may need a new connection, and so a new
/// ssh process, key exchange, login and `docker system dial-stdio`: 3.6 s
/// (median) on a busy 2-core machine (`scripts/bench-ssh`). A dead engine
/// or host is told at once anyway: ssh or dial-stdio exits, saying why.
fn watchdog_default(endpoint: &Endpoint) -> (Duration, Option<&'static str>) {
    match endpoint.address {
        Address::Ssh(_) => (
            Duration::from_secs(10),
            Some("over ssh: a new connection logs in first"),
        ),
        _ => (Duration::from_millis(750), None),
    }
}

/// Why the default jobs are what they are, shown by `dockhand config show`.
const JOBS_DEFAULT_WHY: &str = "twice the cores, at most 16 (or the cores, if more)";

/// Twice the cores (at most 16, or the cores when there are more): a case
/// spends its time waiting on the engine (dockhand itself used 3 to 12% of
/// one core over the default suite), and with the jobs at the cores the
/// engine sat partly idle: on 2 cores the default suite took a median of
/// 47.5 s with 2 jobs and 32.7 s with 4, run by turns (docs/benchmarks.md,
/// the suite's time).
fn default_jobs() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX));
    jobs_for_cores(cores)
}

fn jobs_for_cores(cores: u32) -> u32 {
    cores.saturating_mul(2).min(cores.max(16))
}

impl EffectiveConfig {
    /// Builds the configuration from the process's working directory and environment.
    pub fn load(overrides: &Overrides, checks: &[Check]) -> Result<Self, ConfigError> {
        let cwd = std::env::current_dir().unwrap_or_default();
        Self::load_with(&cwd, overrides, &|name| std::env::var(name).ok(), checks)
    }

    /// [`EffectiveConfig::load`] with the working directory and environment
    /// passed in. `checks` are the registered checks, against which the ids of
    /// `[checks."id"]` sections are validated.
    pub fn load_with(
        cwd: &Path,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        checks: &[Check],
    ) -> Result<Self, ConfigError> {
        Self::load_discovering(cwd, overrides, env, &|_| Ok(checks.to_vec())).map(|(cfg, _)| cfg)
    }

    /// [`EffectiveConfig::load_with`] for a run whose checks depend on the
    /// configuration: `discover` gets the directories of step files
    /// ([`EffectiveConfig::checks_dirs`]) and returns every check, built-in
    /// and read, against which the `[checks."id"]` sections are validated.
    /// Returns the configuration and those checks.
    pub fn load_discovering(
        cwd: &Path,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
        discover: &Discover<'_>,
    ) -> Result<(Self, Vec<Check>), ConfigError> {
        let chosen = if let Some(p) = &overrides.config {
            Some(Setting::new(p.clone(), Source::Flag("--config".into())))
        } else if let Some(p) = env(CONFIG_VAR).filter(|p| !p.is_empty()) {
            Some(Setting::new(PathBuf::from(p), Source::Env(CONFIG_VAR.into())))
        } else if cwd.join(FILE_NAME).is_file() {
            Some(Setting::default(
                PathBuf::from(FILE_NAME),
                Some("found in the working directory"),
            ))
        } else {
            None
        };
        // Named as given, so that messages show what the user wrote.
        let file = chosen.as_ref().map(|s| TomlFile::read_in(cwd, &s.value)).transpose()?;
        let table = file.as_ref().map(TomlFile::parse).transpose()?;
        let layers = Layers {
            env,
            file: file.as_ref().zip(table.as_ref()),
        };
        if let Some((file, table)) = layers.file {
            file.check_keys(table, KEYS)?;
        }
        let o = overrides;
        let secs = Duration::from_secs;
        let checks_dirs = layers.checks_dirs(cwd, o)?;
        let checks = discover(&checks_dirs)?;
        let host = layers.host(o)?;
        let (watchdog_default, watchdog_why) = watchdog_default(&host.value);
        let cfg = EffectiveConfig {
            host,
            api_version: layers.get_or(
                "api-version",
                o.api_version.as_ref(),
                ApiVersionChoice::Negotiate,
                Some("negotiated with the engine"),
            )?,
            timeout: layers.get_or("timeout", o.timeout.as_ref(), secs(30), None)?,
            stream_idle_timeout: layers.get_or(
                "stream-idle-timeout",
                o.stream_idle_timeout.as_ref(),
                secs(30),
                None,
            )?,
            check_timeout: layers.get_or("check-timeout", o.check_timeout.as_ref(), secs(120), None)?,
            watchdog_timeout: layers.get_or(
                "watchdog-timeout",
                o.watchdog_timeout.as_ref(),
                watchdog_default,
                watchdog_why,
            )?,
            jobs: layers.get_or("jobs", o.jobs.as_ref(), default_jobs(), Some(JOBS_DEFAULT_WHY))?,
            repeat: layers.get_or("repeat", o.repeat.as_ref(), 1, None)?,
            probe_image: layers.get_or(
                "probe-image",
                o.probe_image.as_ref(),
                dockhand_probe::probe_image_tag(),
                Some("the image dockhand carries"),
            )?,
            known_failures: layers.get("known-failures", o.known_failures.as_ref())?.map(anchored),
            journal_dir: anchored(layers.get_or(
                "journal-dir",
                o.journal_dir.as_ref(),
                PathBuf::from(crate::journal::DEFAULT_DIR),
                None,
            )?),
            checks_dirs,
            checks: match layers.file {
                Some((file, table)) => match table.get("checks") {
                    Some(v) => parse_checks(file, v, &checks)?,
                    None => BTreeMap::new(),
                },
                None => BTreeMap::new(),
            },
            file: chosen,
        };
        Ok((cfg, checks))
    }

    /// The deadlines of engine calls.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            call: self.timeout.value,
            stream_idle: self.stream_idle_timeout.value,
        }
    }

    /// How to connect to the engine.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            endpoint: self.host.value.clone(),
            deadlines: self.deadlines(),
            pinned_version: self.api_version.value.pinned(),
        }
    }

    /// The iterations of a check: its section's `repeat`, else the run's.
    pub fn repeat_for(&self, check_id: &str) -> u32 {
        self.checks
            .get(check_id)
            .and_then(|c| c.repeat.as_ref())
            .map_or(self.repeat.value, |r| r.value)
    }

    /// The check's own deadline, when its section sets one.
    pub fn check_timeout_for(&self, check_id: &str) -> Option<Duration> {
        self.checks.get(check_id)?.timeout.as_ref().map(|t| t.value)
    }

    /// The check's knobs as a JSON object (`{}` when it has none).
    pub fn knobs_for(&self, check_id: &str) -> Value {
        self.checks
            .get(check_id)
            .map_or_else(|| Value::Object(Default::default()), CheckSettings::knobs_json)
    }

    /// Why the check is skipped, when its section disables it.
    pub fn disabled_reason(&self, check_id: &str) -> Option<String> {
        match self.checks.get(check_id)?.enabled.as_ref()? {
            Setting { value: false, source } => Some(format!("disabled in {source}")),
            _ => None,
        }
    }

    /// The configuration as TOML, each value commented with where it came
    /// from: what `dockhand config show` prints. It reads back as a
    /// configuration file with the same values.
    pub fn render(&self) -> String {
        let mut out =
            String::from("# dockhand configuration: flags > DOCKHAND_* variables > configuration file > defaults\n");
        match &self.file {
            Some(Setting {
                value,
                source: Source::Default(Some(why)),
            }) => out.push_str(&format!("# configuration file: {} ({why})\n", value.display())),
            Some(f) => out.push_str(&format!(
                "# configuration file: {} (from {})\n",
                f.value.display(),
                f.source
            )),
            None => out.push_str(&format!("# configuration file: none ({FILE_NAME} not found)\n")),
        }
        out.push('\n');
        let mut top = vec![
            entry("host", &self.host),
            entry("api-version", &self.api_version),
            entry("timeout", &self.timeout),
            entry("stream-idle-timeout", &self.stream_idle_timeout),
            entry("check-timeout", &self.check_timeout),
            entry("watchdog-timeout", &self.watchdog_timeout),
            entry("jobs", &self.jobs),
            entry("repeat", &self.repeat),
            entry("probe-image", &self.probe_image),
        ];
        top.push(match &self.known_failures {
            Some(k) => entry("known-failures", k),
            None => ("# known-failures = \"known-failures.toml\"".into(), "not set".into()),
        });
        top.push(entry("journal-dir", &self.journal_dir));
        if !self.checks_dirs.is_empty() {
            let dirs: Vec<String> = self
                .checks_dirs
                .iter()
                .map(|d| toml_string(&d.value.display().to_string()))
                .collect();
            let sources: Vec<String> = self.checks_dirs.iter().map(|d| d.source.to_string()).collect();
            top.push((format!("checks-dir = [{}]", dirs.join(", ")), sources.join("; ")));
        }
        push_aligned(&mut out, &top);

        for (id, c) in &self.checks {
            out.push_str(&format!("\n[checks.{}]    # {}\n", toml_string(id), c.source));
            let mut lines = Vec::new();
            lines.extend(c.enabled.as_ref().map(|e| entry("enabled", e)));
            lines.extend(c.repeat.as_ref().map(|r| entry("repeat", r)));
            lines.extend(c.timeout.as_ref().map(|t| entry("timeout", t)));
            for (k, knob) in &c.knobs {
                let value =
                    toml::Value::try_from(&knob.value).map_or_else(|_| knob.value.to_string(), |v| v.to_string());
                lines.push((format!("{} = {value}", toml_key(k)), knob.source.to_string()));
            }
            push_aligned(&mut out, &lines);
        }
        out
    }
}

/// A `key = value` line and its comment, the value's source.
fn entry<T: SettingValue>(key: &str, s: &Setting<T>) -> (String, String) {
    (format!("{key} = {}", s.value.to_toml()), s.source.to_string())
}

/// A key as TOML: bare when it can be, quoted otherwise.
fn toml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        k.to_string()
    } else {
        toml_string(k)
    }
}

/// Lines of `key = value` with their comments aligned in one column.
fn push_aligned(out: &mut String, lines: &[(String, String)]) {
    let width = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    for (l, comment) in lines {
        out.push_str(&format!("{l:<width$}    # {comment}\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::registry;
    use crate::config::toml_file::{FileErrorKind, Position};
    use dockhand_engine::EndpointSource;
    use std::collections::HashMap;

    fn load(
        files: &[(&str, &str)],
        env: &[(&str, &str)],
        o: &Overrides,
    ) -> (tempfile::TempDir, Result<EffectiveConfig, ConfigError>) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let cfg = EffectiveConfig::load_with(dir.path(), o, &|k| env.get(k).cloned(), &registry());
        (dir, cfg)
    }

    fn file_at(path: &str, line: usize) -> Source {
        Source::File {
            path: path.into(),
            line,
        }
    }

    #[test]
    fn checks_dirs_come_from_the_file_the_variable_and_every_flag_in_that_order() {
        let o = Overrides {
            checks_dir: vec![PathBuf::from("f1"), PathBuf::from("f2")],
            ..Overrides::default()
        };
        let (d, cfg) = load(
            &[("dockhand.toml", "checks-dir = [\"a\", \"b\"]\n")],
            &[("DOCKHAND_CHECKS_DIR", "e")],
            &o,
        );
        let cfg = cfg.unwrap();
        let dirs: Vec<PathBuf> = cfg.checks_dirs.iter().map(|s| s.value.clone()).collect();
        let p = |n: &str| d.path().join(n);
        assert_eq!(dirs, [p("a"), p("b"), p("e"), p("f1"), p("f2")]);
        assert_eq!(cfg.checks_dirs[0].source, file_at("dockhand.toml", 1));
        assert!(cfg.render().contains("checks-dir = ["), "{}", cfg.render());
        let (_d, cfg) = load(
            &[("dockhand.toml", "checks-dir = \"one\"\n")],
            &[],
            &Overrides::default(),
        );
        assert_eq!(cfg.unwrap().checks_dirs.len(), 1);
        let (_d, cfg) = load(&[("dockhand.toml", "checks-dir = [1]\n")], &[], &Overrides::default());
        assert_eq!(
            cfg.unwrap_err().to_string(),
            "`checks-dir` in dockhand.toml line 1, column 15 must be a path or a list of paths, not an integer"
        );
    }

    #[test]
    fn defaults_without_file_env_or_flags() {
        let (_d, cfg) = load(&[], &[], &Overrides::default());
        let cfg = cfg.unwrap();
        assert!(cfg.file.is_none());
        assert_eq!(cfg.host.value.address.to_string(), "unix:///var/run/docker.sock");
        assert_eq!(cfg.host.value.source, EndpointSource::Default);
        assert_eq!(cfg.timeout, Setting::default(Duration::from_secs(30), None));
        assert_eq!(cfg.check_timeout.value, Duration::from_secs(120));
        assert_eq!(cfg.jobs.source, Source::Default(Some(JOBS_DEFAULT_WHY)));
        assert!(cfg.jobs.value >= 2);
        assert_eq!(cfg.repeat.value, 1);
        assert_eq!(cfg.api_version.value, ApiVersionChoice::Negotiate);
        assert!(cfg.known_failures.is_none());
        assert_eq!(cfg.journal_dir.value, PathBuf::from(".dockhand/journal"));
        assert!(cfg.checks.is_empty());
    }

    const FULL: &str = r#"host = "tcp://engine:2375"
api-version = "1.40"
timeout = "10s"
stream-idle-timeout = "45s"
check-timeout = "2m"
watchdog-timeout = "3s"
jobs = 4
repeat = 2
probe-image = "mirror/probe:1"
known-failures = "known.toml"
journal-dir = "journals"

[checks."containers/lifecycle/restart"]
enabled = false
lines = 10
"#;

    #[test]
    fn every_key_is_read_from_the_file_with_its_line() {
        let (_d, cfg) = load(&[("dockhand.toml", FULL)], &[], &Overrides::default());
        let cfg = cfg.unwrap();
        let f = |line| file_at("dockhand.toml", line);
        assert_eq!(
            cfg.file,
            Some(Setting::default(
                PathBuf::from("dockhand.toml"),
                Some("found in the working directory")
            ))
        );
        assert_eq!(cfg.host.value.address.to_string(), "tcp://engine:2375");
        assert_eq!(cfg.host.source, f(1));
        assert_eq!(
            cfg.api_version.value.pinned().map(|v| v.to_string()),
            Some("1.40".into())
        );
        assert_eq!(cfg.timeout, Setting::new(Duration::from_secs(10), f(3)));
        assert_eq!(cfg.stream_idle_timeout, Setting::new(Duration::from_secs(45), f(4)));
        assert_eq!(cfg.check_timeout, Setting::new(Duration::from_secs(120), f(5)));
        assert_eq!(cfg.watchdog_timeout, Setting::new(Duration::from_secs(3), f(6)));
        assert_eq!(cfg.jobs, Setting::new(4, f(7)));
        assert_eq!(cfg.repeat, Setting::new(2, f(8)));
        assert_eq!(cfg.probe_image, Setting::new("mirror/probe:1".to_string(), f(9)));
        assert_eq!(
            cfg.known_failures,
            Some(Setting::new(PathBuf::from("known.toml"), f(10)))
        );
        assert_eq!(cfg.journal_dir, Setting::new(PathBuf::from("journals"), f(11)));
        assert_eq!(
            cfg.disabled_reason("containers/lifecycle/restart").as_deref(),
            Some("disabled in dockhand.toml line 14")
        );
        assert_eq!(
            cfg.knobs_for("containers/lifecycle/restart"),
            serde_json::json!({"lines": 10})
        );
        assert_eq!(cfg.knobs_for("system/ping"), serde_json::json!({}));
        assert_eq!(cfg.repeat_for("system/ping"), 2);
    }

    #[test]
    fn env_beats_file_and_flags_beat_env() {
        let env = [
            ("DOCKHAND_TIMEOUT", "10s"),
            ("DOCKHAND_JOBS", "3"),
            ("DOCKHAND_STREAM_IDLE_TIMEOUT", "1m"),
        ];
        let o = Overrides {
            jobs: Some("5".into()),
            ..Overrides::default()
        };
        let (_d, cfg) = load(&[("dockhand.toml", "timeout = \"20s\"\njobs = 2\n")], &env, &o);
        let cfg = cfg.unwrap();
        assert_eq!(
            cfg.timeout,
            Setting::new(Duration::from_secs(10), Source::Env("DOCKHAND_TIMEOUT".into()))
        );
        assert_eq!(
            cfg.stream_idle_timeout,
            Setting::new(
                Duration::from_secs(60),
                Source::Env("DOCKHAND_STREAM_IDLE_TIMEOUT".into())
            )
        );
        assert_eq!(cfg.jobs, Setting::new(5, Source::Flag("--jobs".into())));
    }

    #[test]
    fn the_watchdog_waits_longer_over_ssh_unless_told() {
        let (_d, cfg) = load(&[], &[("DOCKER_HOST", "ssh://me@far")], &Overrides::default());
        let w = cfg.unwrap().watchdog_timeout;
        assert_eq!(w.value, Duration::from_secs(10));
        assert_eq!(
            w.source,
            Source::Default(Some("over ssh: a new connection logs in first"))
        );
        let env = [("DOCKER_HOST", "ssh://me@far"), ("DOCKHAND_WATCHDOG_TIMEOUT", "2s")];
        let (_d, cfg) = load(&[], &env, &Overrides::default());
        assert_eq!(cfg.unwrap().watchdog_timeout.value, Duration::from_secs(2));
        let (_d, cfg) = load(&[], &[], &Overrides::default());
        assert_eq!(cfg.unwrap().watchdog_timeout.value, Duration::from_millis(750));
    }

    #[test]
    fn docker_host_sits_between_dockhand_host_and_the_file() {
        let file = [("dockhand.toml", "host = \"unix:///from/file.sock\"\n")];
        let (_d, cfg) = load(&file, &[("DOCKER_HOST", "tcp://docker:1")], &Overrides::default());
        let host = cfg.unwrap().host;
        assert_eq!(host.source, Source::Env("DOCKER_HOST".into()));
        assert_eq!(host.value.source, EndpointSource::DockerHost);
        let env = [("DOCKER_HOST", "tcp://docker:1"), ("DOCKHAND_HOST", "tcp://dockhand:2")];
        let (_d, cfg) = load(&file, &env, &Overrides::default());
        let host = cfg.unwrap().host;
        assert_eq!(host.value.address.to_string(), "tcp://dockhand:2");
        assert_eq!(host.value.source, EndpointSource::Flag);
        let (_d, cfg) = load(&file, &[], &Overrides::default());
        assert_eq!(cfg.unwrap().host.source, file_at("dockhand.toml", 1));
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let (_d, cfg) = load(
            &[("dockhand.toml", "# settings\ntimeout = \"5s\"\njbos = 2\n")],
            &[],
            &Overrides::default(),
        );
        let err = cfg.unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown key `jbos` in dockhand.toml line 3, column 1; did you mean `jobs`? valid keys: host, \
             api-version, timeout, stream-idle-timeout, check-timeout, watchdog-timeout, jobs, repeat, probe-image, \
             known-failures, journal-dir, checks-dir, checks"
        );
    }

    #[test]
    fn wrong_types_and_values_name_the_position() {
        let (_d, cfg) = load(&[("dockhand.toml", "jobs = \"two\"\n")], &[], &Overrides::default());
        let ConfigError::File(e) = cfg.unwrap_err() else {
            panic!()
        };
        assert_eq!(e.position, Some(Position { line: 1, column: 8 }));
        assert!(matches!(e.kind, FileErrorKind::WrongType { .. }));
        assert_eq!(
            e.to_string(),
            "`jobs` in dockhand.toml line 1, column 8 must be an integer, not a string"
        );
        let (_d, cfg) = load(
            &[("dockhand.toml", "\n\ntimeout = \"forever\"\n")],
            &[],
            &Overrides::default(),
        );
        assert_eq!(
            cfg.unwrap_err().to_string(),
            "invalid `timeout` in dockhand.toml line 3, column 11: expected a duration such as 30s, 500ms, 2m or 1m30s"
        );
        let (_d, cfg) = load(
            &[("dockhand.toml", "host = \"http://x\"\n")],
            &[],
            &Overrides::default(),
        );
        let msg = cfg.unwrap_err().to_string();
        assert!(
            msg.starts_with("invalid `host` in dockhand.toml line 1, column 8: the scheme"),
            "{msg}"
        );
    }

    #[test]
    fn bad_variables_and_flags_are_named() {
        let (_d, cfg) = load(&[], &[("DOCKHAND_JOBS", "many")], &Overrides::default());
        assert_eq!(
            cfg.unwrap_err().to_string(),
            "invalid DOCKHAND_JOBS=\"many\": expected a whole number of at least 1; fix or unset DOCKHAND_JOBS"
        );
        let o = Overrides {
            timeout: Some("0s".into()),
            ..Overrides::default()
        };
        let (_d, cfg) = load(&[], &[], &o);
        assert_eq!(
            cfg.unwrap_err().to_string(),
            "invalid value \"0s\" for --timeout: a deadline must be longer than zero"
        );
        let (_d, cfg) = load(
            &[],
            &[("DOCKER_HOST", "npipe:////./pipe/docker")],
            &Overrides::default(),
        );
        let msg = cfg.unwrap_err().to_string();
        assert!(
            msg.starts_with("invalid DOCKER_HOST=\"npipe:////./pipe/docker\": this scheme is not supported yet"),
            "{msg}"
        );
        // Empty variables count as unset.
        let (_d, cfg) = load(&[], &[("DOCKHAND_JOBS", "")], &Overrides::default());
        assert_eq!(cfg.unwrap().jobs.source, Source::Default(Some(JOBS_DEFAULT_WHY)));
    }

    #[test]
    fn default_jobs_are_twice_the_cores_up_to_16_or_the_cores() {
        let pairs: Vec<(u32, u32)> = [1, 2, 4, 8, 9, 16, 32, 64]
            .iter()
            .map(|&c| (c, jobs_for_cores(c)))
            .collect();
        assert_eq!(
            pairs,
            [(1, 2), (2, 4), (4, 8), (8, 16), (9, 16), (16, 16), (32, 32), (64, 64)]
        );
        assert_eq!(jobs_for_cores(u32::MAX), u32::MAX);
    }

    #[test]
    fn config_file_choice_and_relative_paths() {
        let files = [
            ("dockhand.toml", "jobs = 1\n"),
            ("other.toml", "jobs = 7\nknown-failures = \"kf.toml\"\n"),
        ];
        let o = Overrides {
            config: Some("other.toml".into()),
            ..Overrides::default()
        };
        let (_d, cfg) = load(&files, &[], &o);
        let cfg = cfg.unwrap();
        assert_eq!(cfg.jobs, Setting::new(7, file_at("other.toml", 1)));
        assert_eq!(cfg.file.unwrap().source, Source::Flag("--config".into()));
        let (_d, cfg) = load(&files, &[("DOCKHAND_CONFIG", "other.toml")], &Overrides::default());
        assert_eq!(cfg.unwrap().file.unwrap().source, Source::Env("DOCKHAND_CONFIG".into()));
        let o = Overrides {
            config: Some("missing.toml".into()),
            ..Overrides::default()
        };
        let (_d, cfg) = load(&files, &[], &o);
        let msg = cfg.unwrap_err().to_string();
        assert!(msg.starts_with("cannot read missing.toml: "), "{msg}");

        // A path in a file in another directory is relative to that file.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("conf")).unwrap();
        std::fs::write(dir.path().join("conf/d.toml"), "known-failures = \"kf.toml\"\n").unwrap();
        let o = Overrides {
            config: Some("conf/d.toml".into()),
            known_failures: None,
            ..Overrides::default()
        };
        let cfg = EffectiveConfig::load_with(dir.path(), &o, &|_| None, &registry()).unwrap();
        assert_eq!(cfg.known_failures.unwrap().value, PathBuf::from("conf/kf.toml"));
    }

    #[test]
    fn render_shows_every_value_and_its_source_and_reads_back() {
        let o = Overrides {
            repeat: Some("3".into()),
            ..Overrides::default()
        };
        let env = [("DOCKHAND_TIMEOUT", "10s"), ("DOCKHAND_JOBS", "2")];
        let file = "check-timeout = \"90s\"\n[checks.\"containers/lifecycle/restart\"]\nenabled = false\n\"odd key\" = [1, 2]\n";
        let (_d, cfg) = load(&[("dockhand.toml", file)], &env, &o);
        let cfg = cfg.unwrap();
        let probe = format!("probe-image = {}", toml_string(&dockhand_probe::probe_image_tag()));
        let top = [
            ("host = \"unix:///var/run/docker.sock\"", "default"),
            ("api-version = \"auto\"", "default (negotiated with the engine)"),
            ("timeout = \"10s\"", "DOCKHAND_TIMEOUT"),
            ("stream-idle-timeout = \"30s\"", "default"),
            ("check-timeout = \"90s\"", "dockhand.toml line 1"),
            ("watchdog-timeout = \"750ms\"", "default"),
            ("jobs = 2", "DOCKHAND_JOBS"),
            ("repeat = 3", "--repeat"),
            (&probe, "default (the image dockhand carries)"),
            ("# known-failures = \"known-failures.toml\"", "not set"),
            ("journal-dir = \".dockhand/journal\"", "default"),
        ];
        let w = top.iter().map(|(l, _)| l.len()).max().unwrap();
        let mut expected = "# dockhand configuration: flags > DOCKHAND_* variables > configuration file > defaults\n\
             # configuration file: dockhand.toml (found in the working directory)\n\n"
            .to_string();
        for (l, c) in top {
            expected.push_str(&format!("{l:<w$}    # {c}\n"));
        }
        expected.push_str(
            "\n[checks.\"containers/lifecycle/restart\"]    # dockhand.toml line 2\n\
             enabled = false       # dockhand.toml line 3\n\
             \"odd key\" = [1, 2]    # dockhand.toml line 4\n",
        );
        assert_eq!(cfg.render(), expected);

        // The rendered text is itself a valid configuration with the same values.
        let (_d, again) = load(&[("dockhand.toml", &cfg.render())], &[], &Overrides::default());
        let again = again.unwrap();
        assert_eq!(again.timeout.value, cfg.timeout.value);
        assert_eq!(again.check_timeout.value, Duration::from_secs(90));
        assert_eq!(again.repeat.value, 3);
        assert_eq!(
            again.knobs_for("containers/lifecycle/restart"),
            serde_json::json!({"odd key": [1, 2]})
        );
    }
}
