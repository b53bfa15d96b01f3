//! `ssh://` endpoints end to end: Debian's OpenSSH server, started by each
//! test on a loopback port with host and user keys it generates and its own
//! `sshd_config` (the machine's sshd, if any, is not touched), the system
//! `ssh` client that dockhand runs, and the docker CLI's `dial-stdio` on the
//! far side, which is this machine, talking to a private engine.
//!
//! dockhand runs `ssh` from PATH, as the docker CLI does, and ssh reads its
//! options from ~/.ssh/config; the tests put a wrapper named `ssh` first on
//! dockhand's PATH that adds `-F <their config>` (the key, known_hosts), so
//! nothing in the user's ~/.ssh is read or written.
//!
//! Every sshd is killed by its guard, with the session processes it forked.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dockhand_daemon::PrivateEngine;
use serde_json::Value;

use crate::kit::{dockhand, host, labelled, runtime, start_private, text, Dockhand, WAIT};

const SSHD: &str = "/usr/sbin/sshd";

/// An sshd on 127.0.0.1 with its keys, config and client configs in a
/// temporary directory.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    /// Extra lines of its `sshd_config`.
    extra: String,
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen (openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Sshd {
    /// Starts an sshd that lets root in with the generated user key; `extra`
    /// lines go at the end of its config.
    fn start(extra: &str) -> Sshd {
        assert!(
            Path::new(SSHD).is_file(),
            "{SSHD} is missing: apt-get install openssh-server"
        );
        // sshd's privilege separation directory, which the package's service
        // would create (empty, root's).
        std::fs::create_dir_all("/run/sshd").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        keygen(&d.join("host_key"));
        keygen(&d.join("user_key"));
        keygen(&d.join("stranger_key"));
        std::fs::copy(d.join("user_key.pub"), d.join("authorized_keys")).unwrap();
        let mut sshd = Sshd {
            dir,
            port: 0,
            child: None,
            extra: extra.to_string(),
        };
        sshd.listen();
        sshd
    }

    /// Starts the daemon on a free port (a new one if another process took
    /// the one found), and waits until it accepts connections.
    fn listen(&mut self) {
        for _ in 0..5 {
            let port = if self.port != 0 {
                self.port
            } else {
                TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
            };
            let d = self.dir.path();
            let config = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n\
                 PidFile {d}/sshd.pid\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n{}\n",
                self.extra,
                d = d.display()
            );
            std::fs::write(d.join("sshd_config"), config).unwrap();
            let log = std::fs::File::create(d.join("sshd.log")).unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(d.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("start sshd");
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    self.port = port;
                    self.child = Some(child);
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("sshd on port {port} did not start: {}", self.log());
        }
        panic!("sshd did not start: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Kills the daemon and every session it forked: each open ssh
    /// connection drops, and new ones are refused.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let mut pids = descendants(child.id());
            pids.push(child.id());
            for pid in pids {
                // SAFETY: kill(2) on processes of sshd's tree, found just now.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
            let _ = child.wait();
        }
    }

    /// The `ssh://` address of `socket` (a path on the far side).
    fn url(&self, user: &str, socket: &Path) -> String {
        format!("ssh://{user}@127.0.0.1:{}{}", self.port, socket.display())
    }

    /// A client config: the key it offers, and the known_hosts it trusts
    /// (`known`: this sshd's host key, or an empty file).
    fn client(&self, name: &str, key: &str, known: bool) -> Client {
        let d = self.dir.path();
        let known_hosts = d.join(format!("{name}.known_hosts"));
        let host_key = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
        let entry = if known {
            format!("[127.0.0.1]:{} {host_key}", self.port)
        } else {
            String::new()
        };
        std::fs::write(&known_hosts, entry).unwrap();
        let config = d.join(format!("{name}.ssh_config"));
        std::fs::write(
            &config,
            format!(
                "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
                d.join(key).display(),
                known_hosts.display()
            ),
        )
        .unwrap();
        let bin = d.join(format!("{name}.bin"));
        std::fs::create_dir_all(&bin).unwrap();
        let wrapper = bin.join("ssh");
        std::fs::write(
            &wrapper,
            format!("#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n", config.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Client { bin }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A directory holding the `ssh` wrapper of one client config.
struct Client {
    bin: PathBuf,
}

impl Client {
    /// dockhand with this client first on its PATH.
    fn dockhand(&self, args: &[&str]) -> Dockhand {
        let path = std::env::var("PATH").unwrap_or_default();
        dockhand(args).env("PATH", format!("{}:{path}", self.bin.display()))
    }
}

/// Every process below `pid`, read from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let after = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
            parents.push((p, ppid));
        }
    }
    let mut found = vec![];
    let mut todo = vec![pid];
    while let Some(q) = todo.pop() {
        for &(p, pp) in &parents {
            if pp == q && !found.contains(&p) {
                found.push(p);
                todo.push(p);
            }
        }
    }
    found
}

fn private(test: &str) -> (tokio::runtime::Runtime, PrivateEngine) {
    let rt = runtime();
    let pe = start_private(&rt, "ssh", test);
    (rt, pe)
}

/// `dockhand version` over `url` with a 5 s call deadline (a login over
/// ssh takes a second or more on a busy machine): its output, and how long
/// it took.
fn version(client: &Client, url: &str) -> (std::process::Output, Duration) {
    let t = Instant::now();
    let out = client.dockhand(&["--timeout", "5s", "--host", url, "version"]).output();
    (out, t.elapsed())
}

#[test]
fn attach_exec_and_logs_checks_pass_over_ssh() {
    let (_rt, pe) = private("checks");
    let sshd = Sshd::start("");
    let client = sshd.client("good", "user_key", true);
    let url = sshd.url("root", &pe.socket_path());
    let out = client
        // logs/flood/64mib takes 100 s on this busy 2-core machine, over a
        // unix socket as over ssh, and its read alone can outlast the
        // default call deadline plus its allowance (30 s + 100 s).
        .dockhand(&[
            "--host",
            &url,
            "--timeout",
            "90s",
            "check",
            "--format",
            "json",
            "--check-timeout",
            "5m",
            "attach/*",
            "exec/*",
            "logs/*",
        ])
        .output();
    let events = crate::kit::events(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let finished: Vec<&Value> = events.iter().filter(|e| e["event"] == "check-finished").collect();
    let passed = finished.iter().filter(|e| e["outcome"]["kind"] == "passed").count();
    // Every attach and exec check upgrades its connection; most need a
    // stream: too few passing would mean they skipped rather than ran.
    assert!(passed >= 25, "{passed} passed:\n{}", text(&out));
    let started = events.iter().find(|e| e["event"] == "run-started").unwrap();
    assert!(
        started.to_string().contains(&url),
        "the run names the ssh endpoint: {started}"
    );
    let run_id = started["run_id"].as_str().unwrap();
    let left = labelled(&pe.socket_path(), &format!("dockhand.run={run_id}"));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn version_over_ssh_names_the_endpoint_and_its_engine() {
    let (_rt, pe) = private("version");
    let sshd = Sshd::start("");
    let client = sshd.client("good", "user_key", true);
    let url = sshd.url("root", &pe.socket_path());
    let (out, _) = version(&client, &url);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("endpoint {url} (from --host)")), "{stdout}");
    assert!(stdout.contains("negotiated"), "{stdout}");
}

/// Each failure of ssh is a diagnosis of its own, with ssh's words verbatim
/// and the fix, within the call deadline (5 s) plus 1 s, exit 2.
fn assert_diagnosis(out: &std::process::Output, took: Duration, said: &str, fix: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(out));
    assert!(stderr.contains("engine unreachable at ssh://"), "{stderr}");
    assert!(stderr.contains(said), "ssh's own words {said:?} missing: {stderr}");
    assert!(stderr.contains(fix), "the fix {fix:?} missing: {stderr}");
    assert!(!stderr.contains("dockerd is installed here"), "{stderr}");
    assert!(took < Duration::from_secs(6), "took {took:?}: {stderr}");
    eprintln!("diagnosed in {took:?}: {stderr}");
}

#[test]
fn an_unknown_host_key_is_its_own_diagnosis() {
    let sshd = Sshd::start("");
    let client = sshd.client("stranger-host", "user_key", false);
    let (out, took) = version(&client, &sshd.url("root", Path::new("/var/run/docker.sock")));
    assert_diagnosis(&out, took, "Host key verification failed.", "known_hosts");
}

#[test]
fn a_changed_host_key_is_its_own_diagnosis() {
    let sshd = Sshd::start("");
    let client = sshd.client("changed-host", "user_key", true);
    // known_hosts holds another key for this host and port.
    let other = std::fs::read_to_string(sshd.dir.path().join("stranger_key.pub")).unwrap();
    std::fs::write(
        sshd.dir.path().join("changed-host.known_hosts"),
        format!("[127.0.0.1]:{} {other}", sshd.port),
    )
    .unwrap();
    let (out, took) = version(&client, &sshd.url("root", Path::new("/var/run/docker.sock")));
    assert_diagnosis(
        &out,
        took,
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "fix the entry that differs",
    );
}

#[test]
fn an_ssh_port_nobody_listens_on_is_its_own_diagnosis() {
    let sshd = Sshd::start("");
    let client = sshd.client("good", "user_key", true);
    let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("ssh://root@127.0.0.1:{free}/var/run/docker.sock");
    let (out, took) = version(&client, &url);
    assert_diagnosis(
        &out,
        took,
        &format!("port {free}: Connection refused"),
        "sshd listens on that port",
    );
}

/// TLS spoken to a port that speaks another protocol (sshd's banner): its
/// own diagnosis, showing what the port sent, within the deadline plus 1 s.
#[test]
fn tls_against_an_ssh_port_says_the_port_does_not_speak_tls() {
    let sshd = Sshd::start("");
    let t = Instant::now();
    let out = dockhand([
        "--timeout",
        "3s",
        "--host",
        &format!("tcp://127.0.0.1:{}", sshd.port),
        "--tls",
        "version",
    ])
    .output();
    let took = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr.contains("does not speak TLS (its first bytes: \"SSH-2\")"),
        "{stderr}"
    );
    assert!(stderr.contains("neither TLS nor HTTP"), "{stderr}");
    assert!(took < Duration::from_secs(4), "took {took:?}: {stderr}");
}

#[test]
fn refused_authentication_is_its_own_diagnosis() {
    let sshd = Sshd::start("");
    let client = sshd.client("stranger-key", "stranger_key", true);
    let (out, took) = version(&client, &sshd.url("root", Path::new("/var/run/docker.sock")));
    assert_diagnosis(&out, took, "Permission denied (publickey)", "a key the host accepts");
}

#[test]
fn no_docker_on_the_far_side_is_its_own_diagnosis() {
    // Sessions get a PATH without the docker CLI, as on a host that lacks it.
    let sshd = Sshd::start("SetEnv PATH=/nonexistent");
    let client = sshd.client("good", "user_key", true);
    let (out, took) = version(&client, &sshd.url("root", Path::new("/var/run/docker.sock")));
    assert_diagnosis(&out, took, "docker: command not found", "install the docker CLI");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ssh exited with status 127"), "{stderr}");
}

#[test]
fn no_engine_on_the_far_side_is_its_own_diagnosis() {
    let sshd = Sshd::start("");
    let client = sshd.client("good", "user_key", true);
    let (out, took) = version(&client, &sshd.url("root", Path::new("/nonexistent/docker.sock")));
    assert_diagnosis(
        &out,
        took,
        "/nonexistent/docker.sock",
        "start the engine on the remote host",
    );
}

#[test]
fn a_connection_lost_mid_run_exits_2_and_the_run_resumes() {
    let (_rt, pe) = private("midrun");
    let mut sshd = Sshd::start("");
    let client = sshd.client("good", "user_key", true);
    let url = sshd.url("root", &pe.socket_path());
    let dir = tempfile::tempdir().unwrap();
    let mut run = client
        .dockhand(&["--host", &url, "--timeout", "5s"])
        .args(crate::kit::lifecycle_run("json", 2, 12))
        .dir(dir.path())
        .spawn();
    run.wait_for_event("check-finished");
    let cut = Instant::now();
    sshd.kill();
    let first = run.finish(WAIT);
    let took = cut.elapsed();
    assert_eq!(first.code(), Some(2), "{}", first.text());
    assert!(took < Duration::from_secs(6), "exit 2 took {took:?} after the cut");
    assert!(
        first.stdout.contains("\"event\":\"engine-down\""),
        "no engine-down: {}",
        first.text()
    );
    let down = first
        .events()
        .into_iter()
        .find(|e| e["event"] == "engine-down")
        .unwrap();
    let why = down.to_string();
    assert!(
        why.contains("connection lost") || why.contains("ssh exited"),
        "the diagnosis names the lost connection or ssh's failure: {why}"
    );
    let run_id = first.events()[0]["run_id"].as_str().unwrap().to_string();

    sshd.listen();
    let second = client
        .dockhand(&["--host", &url, "check", "--format", "json", "--resume"])
        .dir(dir.path())
        .output();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let events = crate::kit::events(&second);
    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "check-finished" && e["outcome"]["kind"] != "not-run")
        .collect();
    let mut keys: Vec<String> = finished
        .iter()
        .map(|e| format!("{}#{}", e["case"]["id"], e["case"]["iteration"]))
        .collect();
    let total = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total, "a case reported twice");
    let left = labelled(&pe.socket_path(), &format!("dockhand.run={run_id}"));
    assert!(left.is_empty(), "left behind: {left:?}");
    drop(sshd);
    let sessions = host::processes_mentioning(&pe.socket_path().display().to_string());
    let dial: Vec<&String> = sessions.iter().filter(|p| p.contains("dial-stdio")).collect();
    assert!(dial.is_empty(), "dial-stdio sessions left: {dial:?}");
}
