//! Engines behind TLS, and Docker contexts: a private dockerd listening with
//! `--tlsverify` on 127.0.0.1:2376 inside its own network namespace, with
//! certificates made by `dockhand_bench::pki`, and dockhand run inside that namespace
//! (`nsenter --net`). A good client certificate runs attach, exec and logs
//! checks over TLS; each way TLS can fail (unknown CA, name mismatch,
//! expired, no client certificate, a refused one, plain HTTP against TLS and
//! TLS against plain HTTP) exits 2 within the call deadline plus 1 s naming
//! its cause, and a missing certificate file exits 3 naming the file. The
//! contexts are written by the docker CLI itself (`docker context create`),
//! so the layout read is the CLI's; a cluster file names a node by one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dockhand_bench::pki::{self, Leaf};
use dockhand_daemon::{PrivateEngine, PrivateEngineOptions};

use crate::kit::{dockhand_in_netns, engines, runtime, text};

const DEADLINE: Duration = Duration::from_secs(3);
const TLS_PORT: &str = "127.0.0.1:2376";

/// Certificates in a temporary directory (`dockhand_bench::pki`): the CA of
/// `ca.pem` and another, an engine certificate for 127.0.0.1 (and an expired
/// one), client certificates from each CA.
struct Pki {
    _dir: tempfile::TempDir,
    pki: pki::Pki,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let pki = pki::Pki::new(dir.path()).unwrap();
        let other = pki::Pki::ca("some other CA").unwrap();
        pki.write("other-ca.pem", &other.pem()).unwrap();
        pki.leaf("expired-server", pki.issuer(), Leaf::Server, true).unwrap();
        pki.leaf("stranger", &other, Leaf::Client, false).unwrap();
        Pki { _dir: dir, pki }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.pki.path(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// dockerd's arguments to serve TLS with `server` on 127.0.0.1:2376.
    fn dockerd_args(&self, server: &str) -> Vec<String> {
        self.pki.dockerd_args(TLS_PORT, server)
    }

    /// dockhand's flags for a good client certificate.
    fn client_flags(&self) -> Vec<String> {
        vec![
            "--tlsverify".into(),
            "--tlscacert".into(),
            self.arg("ca.pem"),
            "--tlscert".into(),
            self.arg("client.pem"),
            "--tlskey".into(),
            self.arg("client-key.pem"),
        ]
    }
}

fn start(rt: &tokio::runtime::Runtime, test: &str, args: Vec<String>) -> PrivateEngine {
    let mut opts = PrivateEngineOptions::new(engines::unique_name("t", test));
    for a in args {
        opts = opts.arg(a);
    }
    rt.block_on(engines::start_private(opts))
}

/// Runs `dockhand --timeout 3s ARGS` in the engine's namespace, with
/// `DOCKER_CONFIG` and `DOCKER_CERT_PATH` at `home` (so neither the
/// machine's docker configuration nor its certificates are read).
fn run_in(pe: &PrivateEngine, home: &Path, args: &[String], env: &[(&str, &str)]) -> (Output, Duration) {
    run_with_timeout(pe, home, "3s", args, env)
}

/// [`run_in`] with another call deadline.
fn run_with_timeout(
    pe: &PrivateEngine,
    home: &Path,
    timeout: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> (Output, Duration) {
    let mut c = dockhand_in_netns(&pe.netns(), ["--timeout", timeout])
        .args(args)
        .dir(home)
        .env("DOCKER_CONFIG", home.join("docker-config"))
        .env("DOCKER_CERT_PATH", home.join("no-certs"));
    for (k, v) in env {
        c = c.env(k, v);
    }
    let t = Instant::now();
    let o = c.output();
    (o, t.elapsed())
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Asserts exit 2 within the deadline plus 1 s, with `words` in stderr.
fn assert_diagnosis(case: &str, (o, took): (Output, Duration), words: &[&str]) {
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{case}: {all}");
    assert!(took < DEADLINE + Duration::from_secs(1), "{case}: took {took:?}");
    for w in words {
        assert!(all.contains(w), "{case}: no {w:?} in {all}");
    }
    assert!(!all.contains("PRIVATE KEY"), "{case}: key material printed: {all}");
}

#[test]
fn tls_engine_serves_the_suite_and_each_handshake_failure_names_its_cause() {
    let rt = runtime();
    let pki = Pki::new();
    let home = tempfile::tempdir().unwrap();
    let mut pe = start(&rt, "tls", pki.dockerd_args("server"));
    let host = strings(&["--host", &format!("tcp://{TLS_PORT}")]);
    let good = [host.clone(), pki.client_flags()].concat();

    // The endpoint and why it was chosen.
    let (o, _) = run_in(&pe, home.path(), &[good.clone(), strings(&["version"])].concat(), &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("endpoint tcp://127.0.0.1:2376 with TLS (from --host)"),
        "{out}"
    );

    // Checks that hijack the connection (attach, exec) and stream (logs)
    // over TLS (not the 64 MiB flood: a throughput test, slow on a busy host).
    let (o, _) = run_with_timeout(
        &pe,
        home.path(),
        "30s",
        &[
            good.clone(),
            strings(&[
                "check",
                "--junit",
                "junit.xml",
                "attach/*",
                "exec/*",
                "logs/*",
                "--skip",
                "logs/flood/*",
            ]),
        ]
        .concat(),
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("with TLS (from --host)"),
        "the banner names the endpoint: {out}"
    );
    let junit = std::fs::read_to_string(home.path().join("junit.xml")).unwrap();
    let key = std::fs::read_to_string(pki.path("client-key.pem")).unwrap();
    let body = key.lines().nth(1).unwrap();
    assert!(!out.contains(body) && !junit.contains(body), "the client key leaked");

    // The same from the variables, with the files in DOCKER_CERT_PATH.
    let certs = home.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    for (from, to) in [
        ("ca.pem", "ca.pem"),
        ("client.pem", "cert.pem"),
        ("client-key.pem", "key.pem"),
    ] {
        std::fs::copy(pki.path(from), certs.join(to)).unwrap();
    }
    let (o, _) = run_in(
        &pe,
        home.path(),
        &strings(&["version"]),
        &[
            ("DOCKER_HOST", "tcp://127.0.0.1"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", certs.to_str().unwrap()),
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "the default TLS port is 2376: {out}");
    assert!(
        out.contains("tcp://127.0.0.1:2376 with TLS (from DOCKER_HOST)"),
        "{out}"
    );

    // Each failure, by cause.
    let swap = |flag: &str, value: String| -> Vec<String> {
        let mut v = good.clone();
        let i = v.iter().position(|a| a == flag).unwrap();
        v[i + 1] = value;
        v
    };
    let version = strings(&["version"]);
    assert_diagnosis(
        "wrong CA",
        run_in(
            &pe,
            home.path(),
            &[swap("--tlscacert", pki.arg("other-ca.pem")), version.clone()].concat(),
            &[],
        ),
        &["unknown CA", "--tlscacert"],
    );
    assert_diagnosis(
        "name mismatch",
        run_in(
            &pe,
            home.path(),
            &[swap("--host", "tcp://localhost:2376".into()), version.clone()].concat(),
            &[],
        ),
        &["not valid for the name localhost"],
    );
    let no_client_cert = [
        host.clone(),
        strings(&["--tlsverify", "--tlscacert", &pki.arg("ca.pem"), "version"]),
    ]
    .concat();
    assert_diagnosis(
        "no client certificate",
        run_in(&pe, home.path(), &no_client_cert, &[]),
        &["requires a client certificate", "--tlscert"],
    );
    let stranger = [
        host.clone(),
        strings(&["--tlsverify", "--tlscacert", &pki.arg("ca.pem")]),
        strings(&[
            "--tlscert",
            &pki.arg("stranger.pem"),
            "--tlskey",
            &pki.arg("stranger-key.pem"),
        ]),
        version.clone(),
    ]
    .concat();
    assert_diagnosis(
        "client certificate from another CA",
        run_in(&pe, home.path(), &stranger, &[]),
        &["refused dockhand's client certificate"],
    );
    assert_diagnosis(
        "plain HTTP against TLS",
        run_in(&pe, home.path(), &[host.clone(), version.clone()].concat(), &[]),
        &["expects TLS", "--tlsverify"],
    );

    // A missing certificate file is a configuration error naming it.
    let missing = home.path().join("nowhere/ca.pem");
    let (o, _) = run_in(
        &pe,
        home.path(),
        &[swap("--tlscacert", missing.display().to_string()), version.clone()].concat(),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains(&missing.display().to_string()), "{}", text(&o));

    // An expired engine certificate.
    rt.block_on(pe.restart(pki.dockerd_args("expired-server"))).unwrap();
    assert_diagnosis(
        "expired engine certificate",
        run_in(&pe, home.path(), &[good.clone(), version.clone()].concat(), &[]),
        &["has expired"],
    );

    // TLS against a plain-HTTP port.
    rt.block_on(pe.restart([format!("--host=tcp://{TLS_PORT}")])).unwrap();
    assert_diagnosis(
        "TLS against plain HTTP",
        run_in(&pe, home.path(), &[good, version].concat(), &[]),
        &["answered in plain HTTP", "drop --tls"],
    );
    rt.block_on(pe.shutdown()).unwrap();
}

/// `docker context ...` with the configuration directory `config`.
fn docker_cli(config: &Path, args: &[&str]) {
    let o = Command::new("docker")
        .args(args)
        .env("DOCKER_CONFIG", config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .output()
        .expect("these tests need the docker CLI");
    assert!(o.status.success(), "docker {args:?}: {}", text(&o));
}

#[test]
fn contexts_written_by_the_docker_cli_choose_the_engine_in_its_order() {
    let rt = runtime();
    let pki = Pki::new();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("docker-config");
    let pe = start(&rt, "ctx", pki.dockerd_args("server"));
    let docker = format!(
        "host=tcp://{TLS_PORT},ca={},cert={},key={}",
        pki.arg("ca.pem"),
        pki.arg("client.pem"),
        pki.arg("client-key.pem")
    );
    docker_cli(&config, &["context", "create", "tlsctx", "--docker", &docker]);
    let socket = format!("host=unix://{}", pe.socket_path().display());
    docker_cli(&config, &["context", "create", "plain", "--docker", &socket]);
    let version = strings(&["version"]);
    let endpoint_of = |o: &Output| {
        let out = text(o);
        assert_eq!(o.status.code(), Some(0), "{out}");
        out.lines()
            .find_map(|l| l.strip_prefix("endpoint "))
            .unwrap_or_else(|| panic!("no endpoint line: {out}"))
            .to_string()
    };

    let (o, _) = run_in(
        &pe,
        home.path(),
        &[strings(&["--context", "tlsctx"]), version.clone()].concat(),
        &[],
    );
    assert_eq!(
        endpoint_of(&o),
        "tcp://127.0.0.1:2376 with TLS (from context tlsctx, chosen by --context)"
    );
    let (o, _) = run_in(&pe, home.path(), &version, &[("DOCKER_CONTEXT", "tlsctx")]);
    assert_eq!(
        endpoint_of(&o),
        "tcp://127.0.0.1:2376 with TLS (from context tlsctx, chosen by DOCKER_CONTEXT)"
    );
    // --context beats DOCKER_HOST, which beats DOCKER_CONTEXT.
    let plain = format!("unix://{}", pe.socket_path().display());
    let (o, _) = run_in(
        &pe,
        home.path(),
        &[strings(&["--context", "tlsctx"]), version.clone()].concat(),
        &[("DOCKER_HOST", &plain)],
    );
    assert!(endpoint_of(&o).contains("chosen by --context"));
    let (o, _) = run_in(
        &pe,
        home.path(),
        &version,
        &[("DOCKER_HOST", &plain), ("DOCKER_CONTEXT", "tlsctx")],
    );
    assert_eq!(endpoint_of(&o), format!("{plain} (from DOCKER_HOST)"));

    // The current context, as `docker context use` sets it.
    docker_cli(&config, &["context", "use", "plain"]);
    let (o, _) = run_in(&pe, home.path(), &version, &[]);
    let chosen = endpoint_of(&o);
    assert!(
        chosen.starts_with(&format!("{plain} (from context plain, chosen by currentContext in ")),
        "{chosen}"
    );
    let (o, _) = run_in(&pe, home.path(), &version, &[("DOCKER_CONTEXT", "tlsctx")]);
    assert!(endpoint_of(&o).contains("chosen by DOCKER_CONTEXT"));

    // A cluster file's node named by its context: reached with the
    // context's TLS material (the engine answers /info over TLS).
    let file = home.path().join("lab.toml");
    std::fs::write(
        &file,
        "[[node]]\nname = \"m1\"\ncontext = \"tlsctx\"\nrole = \"manager\"\n",
    )
    .unwrap();
    let (o, _) = run_in(
        &pe,
        home.path(),
        &strings(&["cluster", "ls", "--file", file.to_str().unwrap()]),
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("m1 "))
        .unwrap_or_else(|| panic!("no line for m1: {out}"));
    assert!(
        line.contains("tcp://127.0.0.1:2376 with TLS (context tlsctx)") && line.contains(", swarm inactive, "),
        "{line}"
    );
    std::fs::write(
        &file,
        "[[node]]\nname = \"m1\"\ncontext = \"nope\"\nrole = \"manager\"\n",
    )
    .unwrap();
    let (o, _) = run_in(
        &pe,
        home.path(),
        &strings(&["cluster", "ls", "--file", file.to_str().unwrap()]),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("docker context 'nope' does not exist") && text(&o).contains("lab.toml"),
        "{}",
        text(&o)
    );

    // Usage errors: both --context and --host; a context that does not exist.
    let (o, _) = run_in(
        &pe,
        home.path(),
        &[strings(&["--context", "tlsctx", "--host", &plain]), version.clone()].concat(),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("conflicting options"), "{}", text(&o));
    let (o, _) = run_in(
        &pe,
        home.path(),
        &[strings(&["--context", "nope"]), version].concat(),
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("docker context 'nope' does not exist") && text(&o).contains("docker context ls"),
        "{}",
        text(&o)
    );
    rt.block_on(pe.shutdown()).unwrap();
}
