//! Decoding how a service starts and when it counts as up: its build,
//! `depends_on` conditions, healthcheck, restart policy and `x-dockhand`
//! readiness rules.

use std::collections::BTreeMap;

use super::decode::{Decoder, R};
use super::model::{Build, Condition, Dependency, Healthcheck, LogStream, ReadyRule, Restart};
use crate::yaml::{Node, Value};

impl Decoder {
    pub(super) fn build(&self, n: &Node, what: &str) -> R<Build> {
        let mut b = Build {
            context: self.dir.clone(),
            dockerfile: "Dockerfile".into(),
            args: BTreeMap::new(),
            target: None,
        };
        if let Value::Scalar { .. } = n.value {
            b.context = self.host_path(&self.string(n, what)?);
        } else {
            for (key, _, v) in self.checked(
                n,
                what,
                &["args", "context", "dockerfile", "target"],
                &[
                    "additional_contexts",
                    "cache_from",
                    "cache_to",
                    "dockerfile_inline",
                    "extra_hosts",
                    "isolation",
                    "labels",
                    "network",
                    "no_cache",
                    "platforms",
                    "privileged",
                    "pull",
                    "secrets",
                    "shm_size",
                    "ssh",
                    "tags",
                    "ulimits",
                ],
            )? {
                match key {
                    "context" => b.context = self.host_path(&self.string(v, "`build.context`")?),
                    "dockerfile" => b.dockerfile = self.string(v, "`build.dockerfile`")?,
                    "target" => b.target = Some(self.string(v, "`build.target`")?),
                    "args" => b.args = self.key_values(v, "`build.args`", true)?.into_iter().collect(),
                    _ => {}
                }
            }
        }
        if !b.context.is_dir() {
            return self.err(
                n.pos,
                format!("{what}: the build context {} is not a directory", b.context.display()),
            );
        }
        if !b.context.join(&b.dockerfile).is_file() {
            return self.err(
                n.pos,
                format!(
                    "{what}: no Dockerfile at {} (the dockerfile is relative to the context)",
                    b.context.join(&b.dockerfile).display()
                ),
            );
        }
        Ok(b)
    }

    pub(super) fn depends_on(&self, n: &Node, what: &str) -> R<Vec<Dependency>> {
        match &n.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| {
                    Ok(Dependency {
                        service: self.string(i, what)?,
                        condition: Condition::Started,
                        pos: i.pos,
                        required: true,
                    })
                })
                .collect(),
            Value::Map(_) => {
                let mut out = Vec::new();
                for (name, k, v) in self.entries(n, what)? {
                    let mut d = Dependency {
                        service: name.to_string(),
                        condition: Condition::Started,
                        pos: k.pos,
                        required: true,
                    };
                    if !v.is_null() {
                        for (key, _, cv) in
                            self.checked(v, &format!("{what}.{name}"), &["condition", "required", "restart"], &[])?
                        {
                            // `restart`: restart this service when the dependency is
                            // updated by a compose operation; dockhand never updates
                            // a running project, so there is nothing to do.
                            if key == "restart" {
                                self.boolean(cv, "`restart`")?;
                            }
                            if key == "required" {
                                d.required = self.boolean(cv, "`required`")?;
                            }
                            if key == "condition" {
                                d.condition = match self.string(cv, "`condition`")?.as_str() {
                                    "service_started" => Condition::Started,
                                    "service_healthy" => Condition::Healthy,
                                    "service_completed_successfully" => Condition::CompletedSuccessfully,
                                    other => {
                                        return self.err(
                                            cv.pos,
                                            format!("{what}.{name}: unknown condition `{other}`; use service_started, service_healthy or service_completed_successfully"),
                                        )
                                    }
                                };
                            }
                        }
                    }
                    out.push(d);
                }
                Ok(out)
            }
            _ => self.err(n.pos, format!("{what} must be a list or a mapping, found {}", n.kind())),
        }
    }

    pub(super) fn healthcheck(&self, n: &Node, what: &str) -> R<Healthcheck> {
        let mut h = Healthcheck::default();
        for (key, _, v) in self.checked(
            n,
            what,
            &["disable", "interval", "retries", "start_period", "test", "timeout"],
            &["start_interval"],
        )? {
            match key {
                "disable" => h.disable = self.boolean(v, "`disable`")?,
                "test" => {
                    h.test = Some(match &v.value {
                        Value::Seq(_) => {
                            let t = self.strings(v, "`test`")?;
                            match t.first().map(String::as_str) {
                                Some("CMD") | Some("CMD-SHELL") | Some("NONE") => t,
                                _ => {
                                    return self.err(
                                        v.pos,
                                        format!("{what}: `test` as a list starts with CMD, CMD-SHELL or NONE"),
                                    )
                                }
                            }
                        }
                        _ => vec!["CMD-SHELL".into(), self.string(v, "`test`")?],
                    })
                }
                "interval" => h.interval = Some(self.duration(v, "`interval`")?),
                "timeout" => h.timeout = Some(self.duration(v, "`timeout`")?),
                "start_period" => h.start_period = Some(self.duration(v, "`start_period`")?),
                "retries" => h.retries = Some(self.number(v, "`retries`")?),
                _ => {}
            }
        }
        Ok(h)
    }

    pub(super) fn restart(&self, n: &Node, what: &str) -> R<Restart> {
        let s = self.string(n, what)?;
        Ok(match s.as_str() {
            "no" => Restart::No,
            "always" => Restart::Always,
            "unless-stopped" => Restart::UnlessStopped,
            "on-failure" => Restart::OnFailure(None),
            other => match other.strip_prefix("on-failure:").map(str::parse::<u64>) {
                Some(Ok(n)) => Restart::OnFailure(Some(n)),
                _ => {
                    return self.err(
                        n.pos,
                        format!("{what}: `{other}`; use no, always, unless-stopped, on-failure or on-failure:N"),
                    )
                }
            },
        })
    }

    pub(super) fn x_dockhand(&self, n: &Node, what: &str) -> R<Vec<ReadyRule>> {
        let mut rules = Vec::new();
        for (key, _, v) in self.checked(n, what, &["ready"], &[])? {
            if key != "ready" {
                continue;
            }
            let ready_what = format!("{what}.ready");
            for (rk, _, rv) in self.checked(v, &ready_what, &["exec", "http", "log", "tcp"], &[])? {
                let field = format!("{ready_what}.{rk}");
                rules.push(match rk {
                    "tcp" => ReadyRule::Tcp {
                        port: self.number(rv, &field)?,
                    },
                    "http" => {
                        let mut port = None;
                        let mut path = "/".to_string();
                        let mut status = 200;
                        for (hk, _, hv) in self.checked(rv, &field, &["path", "port", "status"], &[])? {
                            match hk {
                                "port" => port = Some(self.number(hv, "`port`")?),
                                "path" => path = self.string(hv, "`path`")?,
                                "status" => status = self.number(hv, "`status`")?,
                                _ => {}
                            }
                        }
                        let Some(port) = port else {
                            return self.err(rv.pos, format!("{field}: `port` is required"));
                        };
                        if !path.starts_with('/') {
                            return self.err(rv.pos, format!("{field}: `path` must start with /"));
                        }
                        ReadyRule::Http { port, path, status }
                    }
                    "log" => {
                        let (pattern, stream, pos) = match &rv.value {
                            Value::Map(_) => {
                                let mut pattern = None;
                                let mut stream = LogStream::Both;
                                for (lk, _, lv) in self.checked(rv, &field, &["pattern", "stream"], &[])? {
                                    match lk {
                                        "pattern" => pattern = Some((self.string(lv, "`pattern`")?, lv.pos)),
                                        "stream" => {
                                            stream = match self.string(lv, "`stream`")?.as_str() {
                                                "stdout" => LogStream::Stdout,
                                                "stderr" => LogStream::Stderr,
                                                "both" => LogStream::Both,
                                                other => {
                                                    return self.err(
                                                        lv.pos,
                                                        format!(
                                                            "{field}: stream `{other}`; use stdout, stderr or both"
                                                        ),
                                                    )
                                                }
                                            }
                                        }
                                        _ => {}
                                    }
                                }
                                let Some((p, pos)) = pattern else {
                                    return self.err(rv.pos, format!("{field}: `pattern` is required"));
                                };
                                (p, stream, pos)
                            }
                            _ => (self.string(rv, &field)?, LogStream::Both, rv.pos),
                        };
                        let pattern = regex::Regex::new(&pattern)
                            .or_else(|e| self.err(pos, format!("{field}: invalid regular expression: {e}")))?;
                        ReadyRule::Log { pattern, stream }
                    }
                    "exec" => {
                        let command = self.command(rv, &field)?;
                        if command.is_empty() {
                            return self.err(rv.pos, format!("{field}: the command is empty"));
                        }
                        ReadyRule::Exec { command }
                    }
                    _ => continue,
                });
            }
        }
        Ok(rules)
    }
}
