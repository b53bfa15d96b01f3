//! Pulling missing images against a real registry on loopback (Debian's
//! `docker-registry`, the distribution registry, started here on
//! 127.0.0.1, which the engine treats as insecure): a pull with progress,
//! and each failure naming the image and why. Skipped with a message when
//! the registry is not installed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dockhand_env::Environment;
use dockhand_env::{Progress, ProgressEvent};

const PROBE: &str = "dockhand/probe:0.1.0";
const REGISTRY: &str = "/usr/bin/docker-registry";

/// The registry process, killed (by its id) on drop.
struct Registry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The tests set DOCKER_CONFIG: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A registry on loopback; with `htpasswd` (a `user:bcrypt` line), it asks
/// for those credentials.
fn start_registry(htpasswd: Option<&str>) -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let cfg = dir.path().join("config.yml");
    let auth = match htpasswd {
        Some(line) => {
            let p = dir.path().join("htpasswd");
            std::fs::write(&p, format!("{line}\n")).unwrap();
            format!("auth:\n  htpasswd:\n    realm: test\n    path: {}\n", p.display())
        }
        None => String::new(),
    };
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n{auth}",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = Command::new(REGISTRY)
        .arg("serve")
        .arg(&cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < until, "the registry did not listen on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Registry { child, addr, _dir: dir }
}

/// `curl` against the engine socket, with an `X-Registry-Auth` value; the
/// HTTP status.
fn engine(method: &str, path: &str, auth: Option<&str>) -> String {
    let mut c = Command::new("curl");
    c.args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--unix-socket",
        "/var/run/docker.sock",
    ]);
    if let Some(a) = auth {
        c.args(["-H", &format!("X-Registry-Auth: {a}")]);
    }
    let o = c
        .args(["-X", method])
        .arg(format!("http://engine{path}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).to_string()
}

struct Lines(Mutex<Vec<String>>);

impl Progress for Lines {
    fn event(&self, e: ProgressEvent) {
        if let ProgressEvent::Step(s) = e {
            self.0.lock().unwrap().push(s);
        }
    }
}

fn compose(dir: &Path, image: &str) -> std::path::PathBuf {
    let p = dir.join("compose.yaml");
    std::fs::write(
        &p,
        format!("services:\n  app:\n    image: {image}\n    command: [idle]\n"),
    )
    .unwrap();
    p
}

/// Pushes the probe as `repo:1` (then drops the local tag).
fn push(repo: &str, auth: &str) {
    let image = format!("{repo}:1");
    assert_eq!(
        engine("POST", &format!("/images/{PROBE}/tag?repo={repo}&tag=1"), None),
        "201"
    );
    let pushed = engine("POST", &format!("/images/{image}/push"), Some(auth));
    assert_eq!(engine("DELETE", &format!("/images/{image}"), None), "200");
    assert_eq!(pushed, "200");
}

/// Whether the registry binary is missing, saying so: the test is then skipped.
fn no_registry() -> bool {
    let missing = !Path::new(REGISTRY).is_file();
    if missing {
        eprintln!("skipped: {REGISTRY} is not installed (apt-get install docker-registry)");
    }
    missing
}

#[tokio::test]
async fn a_missing_image_is_pulled_with_progress_and_failures_say_why() {
    if no_registry() {
        return;
    }
    let _one = SERIAL.lock().await;
    let reg = start_registry(None);
    let repo = format!("{}/dockhand-pull-test-{}", reg.addr, std::process::id());
    let image = format!("{repo}:1");
    push(&repo, "e30=");

    let d = tempfile::tempdir().unwrap();
    let lines = Arc::new(Lines(Mutex::new(Vec::new())));
    let env = Environment::from_compose(compose(d.path(), &image))
        .unwrap()
        .progress(lines.clone())
        .up()
        .await;
    let env = env.unwrap();
    env.down().await.unwrap();
    // The pulled image is this test's: untag it.
    assert_eq!(engine("DELETE", &format!("/images/{image}"), None), "200");
    let seen = lines.0.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("pull {image}: ")) && l.contains("Pulling from")),
        "{seen:#?}"
    );
    assert!(seen.contains(&format!("image {image} pulled")), "{seen:#?}");

    for (missing, why) in [
        (format!("{repo}:nope"), "the registry has no such image or tag"),
        ("127.0.0.1:1/dockhand/none:1".to_string(), "the registry is unreachable"),
    ] {
        let r = Environment::from_compose(compose(d.path(), &missing))
            .unwrap()
            .up()
            .await;
        let Err(e) = r else {
            panic!("pulling {missing} must fail");
        };
        let e = e.to_string();
        assert!(
            e.starts_with(&format!("pulling image `{missing}` for service `app` failed: {why}: ")),
            "{e}"
        );
    }
}

#[tokio::test]
async fn credentials_come_from_the_docker_config() {
    if no_registry() {
        return;
    }
    let _one = SERIAL.lock().await;
    // bcrypt of "secret" (the registry's htpasswd accepts only bcrypt).
    let reg = start_registry(Some(
        "tester:$2b$12$RO6ktPYP3JJnzMd4PcH94OQdtlINxbQv5y6xmIiv8y7wZjpVvJmjK",
    ));
    let b64 = |s: &str, url: bool| {
        use base64::Engine as _;
        if url {
            base64::engine::general_purpose::URL_SAFE.encode(s)
        } else {
            base64::engine::general_purpose::STANDARD.encode(s)
        }
    };
    let push_auth = b64(
        &format!(
            r#"{{"username":"tester","password":"secret","serveraddress":"{}"}}"#,
            reg.addr
        ),
        true,
    );
    let repo = format!("{}/dockhand-auth-test-{}", reg.addr, std::process::id());
    let image = format!("{repo}:1");
    push(&repo, &push_auth);

    let conf = tempfile::tempdir().unwrap();
    std::env::set_var("DOCKER_CONFIG", conf.path());
    let d = tempfile::tempdir().unwrap();
    let up = |config: String| {
        std::fs::write(conf.path().join("config.json"), config).unwrap();
        Environment::from_compose(compose(d.path(), &image)).unwrap().up()
    };
    let without = up(r#"{"auths": {}}"#.into()).await;
    let with = up(format!(
        r#"{{"auths": {{"{}": {{"auth": "{}"}}}}}}"#,
        reg.addr,
        b64("tester:secret", false)
    ))
    .await;
    std::env::remove_var("DOCKER_CONFIG");
    let with = with.unwrap();
    with.down().await.unwrap();
    assert_eq!(engine("DELETE", &format!("/images/{image}"), None), "200");
    let Err(e) = without else {
        panic!("a pull without credentials must fail");
    };
    let e = e.to_string();
    assert!(
        e.starts_with(&format!(
            "pulling image `{image}` for service `app` failed: the registry refused access"
        )),
        "{e}"
    );
}
