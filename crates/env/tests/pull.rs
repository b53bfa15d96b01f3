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

fn start_registry() -> Registry {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let cfg = dir.path().join("config.yml");
    std::fs::write(
        &cfg,
        format!(
            "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
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

/// `curl` against the engine socket; the HTTP status.
fn engine(method: &str, path: &str, auth: bool) -> String {
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
    if auth {
        c.args(["-H", "X-Registry-Auth: e30="]);
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

#[tokio::test]
async fn a_missing_image_is_pulled_with_progress_and_failures_say_why() {
    if !Path::new(REGISTRY).is_file() {
        eprintln!("skipped: {REGISTRY} is not installed (apt-get install docker-registry)");
        return;
    }
    let reg = start_registry();
    let repo = format!("{}/dockhand-pull-test-{}", reg.addr, std::process::id());
    let image = format!("{repo}:1");
    // Push the probe under the registry's name, then drop the local tag.
    assert_eq!(
        engine("POST", &format!("/images/{PROBE}/tag?repo={repo}&tag=1"), false),
        "201"
    );
    let pushed = engine("POST", &format!("/images/{image}/push"), true);
    assert_eq!(engine("DELETE", &format!("/images/{image}"), false), "200");
    assert_eq!(pushed, "200");

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
    assert_eq!(engine("DELETE", &format!("/images/{image}"), false), "200");
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
