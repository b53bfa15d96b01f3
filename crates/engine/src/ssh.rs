//! What an `ssh://` endpoint is, apart from its connections
//! (`transport/ssh.rs`): its address ([`SshAddress`], parsed with the
//! docker CLI's rules, and the ssh arguments it makes) and what a failing
//! ssh said ([`SshFailure`], sorted by what the user must fix). A leaf
//! module: the endpoint, the errors and the transport all use it.

use std::fmt;

/// A parsed `ssh://` engine address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshAddress {
    /// The remote user (`-l`), when the address names one; else ssh's default.
    pub user: Option<String>,
    /// The host as written (a name, an IPv4 address, or an IPv6 one without brackets).
    pub host: String,
    /// The port (`-p`), when the address names one; else ssh's default (or its config's).
    pub port: Option<u16>,
    /// The engine's socket on the far side, when the address has a path.
    pub path: Option<String>,
}

impl SshAddress {
    /// Parses what follows `ssh://`, with the docker CLI's rules: no
    /// password, no query, no fragment, a host.
    pub fn parse(rest: &str) -> Result<SshAddress, &'static str> {
        if rest.contains('?') {
            return Err("query parameters are not allowed in an ssh:// address");
        }
        if rest.contains('#') {
            return Err("fragments are not allowed in an ssh:// address");
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let (user, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => {
                if u.contains(':') {
                    return Err("a password in the address is not supported: use a key (ssh-agent or ~/.ssh/config)");
                }
                if u.is_empty() {
                    return Err("the user before @ is empty");
                }
                (Some(u.to_string()), h)
            }
            None => (None, authority),
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("an IPv6 host lacks its closing ]")?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or("junk after the IPv6 host")?)),
            }
        } else {
            match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err("the host is empty");
        }
        let port = port
            .map(|p| p.parse::<u16>().map_err(|_| "the port is not a number"))
            .transpose()?;
        let path = path.filter(|p| !p.trim_matches('/').is_empty()).map(str::to_string);
        Ok(SshAddress {
            user: user.map(|u| u.to_string()),
            host: host.to_string(),
            port,
            path,
        })
    }

    /// The arguments of `ssh`, as the docker CLI passes them, plus
    /// `BatchMode`: dockhand opens connections in parallel and unattended,
    /// so ssh must fail with its reason rather than ask for a password or
    /// to accept a host key.
    pub fn ssh_args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-o", "ConnectTimeout=30", "-o", "BatchMode=yes", "-T"]
            .map(String::from)
            .to_vec();
        if let Some(user) = &self.user {
            args.extend(["-l".into(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".into(), port.to_string()]);
        }
        args.extend(["--".into(), self.host.clone(), "docker".into()]);
        if let Some(path) = &self.path {
            args.push(format!("--host=unix://{path}"));
        }
        args.extend(["system".into(), "dial-stdio".into()]);
        args
    }
}

impl fmt::Display for SshAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ssh://")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(p) = &self.path {
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// What ssh's failure was about, read from its words and exit status: each
/// needs a different fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshFailureKind {
    /// The `ssh` program could not be started.
    NoClient,
    /// The host's key is not in known_hosts, or differs from it.
    HostKey,
    /// The server refused every credential offered.
    AuthRefused,
    /// The host could not be reached: refused, no route, timed out, unknown name.
    Connect,
    /// Logged in, but `docker` is not installed (or not on the PATH) there.
    NoDockerThere,
    /// `docker system dial-stdio` ran, but could not reach the engine there.
    EngineThere,
    /// Anything else: ssh's words say it.
    Other,
}

/// ssh (or the command it ran) exited before the engine said anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshFailure {
    pub kind: SshFailureKind,
    /// The exit code; `None` when ssh did not start or died of a signal.
    pub status: Option<i32>,
    /// ssh's stderr, verbatim (trailing whitespace trimmed).
    pub stderr: String,
}

impl SshFailure {
    pub(crate) fn classify(status: Option<i32>, stderr: String) -> SshFailure {
        let has = |s: &str| stderr.contains(s);
        let kind = if has("Host key verification failed") || has("REMOTE HOST IDENTIFICATION HAS CHANGED") {
            SshFailureKind::HostKey
        } else if has("Permission denied (") || has("Too many authentication failures") {
            SshFailureKind::AuthRefused
        } else if has("Cannot connect to the Docker daemon")
            || has("failed to open the raw stream connection")
            || (has("docker") && (has(".sock") || has("daemon")) && status != Some(127))
        {
            SshFailureKind::EngineThere
        } else if status == Some(127) || has("command not found") {
            SshFailureKind::NoDockerThere
        } else if has("ssh: connect to host")
            || has("Could not resolve hostname")
            || has("Connection timed out")
            || has("Connection closed by")
            || has("kex_exchange_identification")
        {
            SshFailureKind::Connect
        } else {
            SshFailureKind::Other
        };
        SshFailure {
            kind,
            status,
            stderr: stderr.trim_end().to_string(),
        }
    }

    /// What the user should do about it.
    pub fn hint(&self) -> &'static str {
        match self.kind {
            SshFailureKind::NoClient => "install the OpenSSH client (`apt-get install openssh-client`)",
            SshFailureKind::HostKey => {
                "add the host's key to known_hosts (e.g. `ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts`, after checking it), or fix the entry that differs"
            }
            SshFailureKind::AuthRefused => {
                "give ssh a key the host accepts (ssh-agent, or IdentityFile in ~/.ssh/config): dockhand runs ssh in batch mode, without password prompts"
            }
            SshFailureKind::Connect => "check that the host is up and sshd listens on that port",
            SshFailureKind::NoDockerThere => {
                "install the docker CLI (18.09 or later) on the remote host, on the PATH of non-interactive ssh sessions"
            }
            SshFailureKind::EngineThere => {
                "start the engine on the remote host, or name its socket in the address (ssh://user@host/path/to/docker.sock)"
            }
            SshFailureKind::Other => "run the same ssh command by hand to see what it needs",
        }
    }
}

impl fmt::Display for SshFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.status) {
            (SshFailureKind::NoClient, _) => write!(f, "cannot run ssh: {}", self.stderr),
            (_, Some(code)) => write!(f, "ssh exited with status {code}, saying: {}", self.said()),
            (_, None) => write!(f, "ssh was killed by a signal, saying: {}", self.said()),
        }
    }
}

impl SshFailure {
    fn said(&self) -> &str {
        if self.stderr.is_empty() {
            "nothing"
        } else {
            &self.stderr
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_the_docker_cli_reads_them() {
        let a = SshAddress::parse("me@host.example:2222/run/docker.sock").unwrap();
        assert_eq!(a.user.as_deref(), Some("me"));
        assert_eq!(a.host, "host.example");
        assert_eq!(a.port, Some(2222));
        assert_eq!(a.path.as_deref(), Some("/run/docker.sock"));
        assert_eq!(a.to_string(), "ssh://me@host.example:2222/run/docker.sock");
        assert_eq!(
            a.ssh_args().join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -l me -p 2222 -- host.example docker --host=unix:///run/docker.sock system dial-stdio"
        );
        let b = SshAddress::parse("host").unwrap();
        assert_eq!((&b.user, b.port, &b.path), (&None, None, &None));
        assert_eq!(b.to_string(), "ssh://host");
        assert!(b.ssh_args().ends_with(&[
            "--".into(),
            "host".into(),
            "docker".into(),
            "system".into(),
            "dial-stdio".into()
        ]));
        let c = SshAddress::parse("root@[::1]:22/").unwrap();
        assert_eq!((c.host.as_str(), c.port, &c.path), ("::1", Some(22), &None));
        assert_eq!(c.to_string(), "ssh://root@[::1]:22");
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (rest, why) in [
            ("me:secret@h", "password"),
            ("h?x=1", "query"),
            ("h#f", "fragment"),
            ("me@", "host is empty"),
            ("h:abc", "port"),
            ("@h", "user"),
        ] {
            let e = SshAddress::parse(rest).unwrap_err();
            assert!(e.contains(why), "{rest}: {e}");
        }
    }

    #[test]
    fn failures_are_told_apart_by_what_ssh_said() {
        let kind = |status, s: &str| SshFailure::classify(status, s.into()).kind;
        assert_eq!(
            kind(Some(255), "Host key verification failed.\r\n"),
            SshFailureKind::HostKey
        );
        assert_eq!(
            kind(Some(255), "root@127.0.0.1: Permission denied (publickey)."),
            SshFailureKind::AuthRefused
        );
        assert_eq!(
            kind(Some(127), "bash: line 1: docker: command not found"),
            SshFailureKind::NoDockerThere
        );
        assert_eq!(
            kind(
                Some(1),
                "Cannot connect to the Docker daemon at unix:///nope.sock. Is the docker daemon running?"
            ),
            SshFailureKind::EngineThere
        );
        assert_eq!(
            kind(Some(255), "ssh: connect to host 127.0.0.1 port 1: Connection refused"),
            SshFailureKind::Connect
        );
        assert_eq!(kind(Some(3), "what?"), SshFailureKind::Other);
        let f = SshFailure::classify(Some(255), "Host key verification failed.\n".into());
        assert_eq!(
            f.to_string(),
            "ssh exited with status 255, saying: Host key verification failed."
        );
    }
}
