//! The library API as a Rust test uses it, against this machine's engine:
//! `Environment::from_compose(path)?.up().await?`, endpoints, exec, logs,
//! and teardown on drop, also when the test panics.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use dockhand_env::{EnvError, Environment, Reason};
use serde_json::Value;

const PROBE: &str = "dockhand/probe:0.1.0";

fn compose(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("compose.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Objects labelled with the project, via curl (not the code under test).
fn leftovers(project: &str) -> Vec<String> {
    let filter = serde_json::json!({ "label": [format!("dockhand.env.project={project}")] }).to_string();
    let mut out = Vec::new();
    for path in ["/containers/json", "/networks", "/volumes", "/images/json"] {
        let o = Command::new("curl")
            .args(["-sS", "--unix-socket", "/var/run/docker.sock", "-G"])
            .arg(format!("http://engine{path}"))
            .args(["--data-urlencode", "all=1", "--data-urlencode"])
            .arg(format!("filters={filter}"))
            .output()
            .expect("curl");
        let v: Value = serde_json::from_slice(&o.stdout).expect("engine JSON");
        let items = if path == "/volumes" { v["Volumes"].clone() } else { v };
        out.extend(items.as_array().into_iter().flatten().map(|i| format!("{path}: {i}")));
    }
    out
}

fn web_stack(dir: &Path) -> PathBuf {
    compose(
        dir,
        &format!(
            r#"services:
  web:
    image: {PROBE}
    command: ["stdout=hello from web", "serve-http=8080", "idle"]
    ports: ["8080"]
    deploy: {{replicas: 2}}
    x-dockhand:
      ready:
        http: {{port: 8080, path: /}}
        log: {{pattern: "listening http", stream: stdout}}
  cache:
    image: {PROBE}
    command: ["serve-tcp=6379", "idle"]
    ports: ["6379"]
    x-dockhand:
      ready:
        exec: [/probe, "connect=127.0.0.1:6379"]
"#
        ),
    )
}

#[tokio::test]
async fn up_gives_endpoints_exec_and_logs_and_drop_tears_down() {
    let d = tempfile::tempdir().unwrap();
    let f = web_stack(d.path());
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let project = env.project().to_string();
    assert!(!leftovers(&project).is_empty());

    let eps = env.endpoints("web", 8080).unwrap();
    assert_eq!(eps.len(), 2);
    assert_eq!(env.endpoint("web", 8080).unwrap(), eps[0]);
    for (i, ep) in eps.iter().enumerate() {
        assert!(ep.ip().is_loopback(), "{ep}");
        let mut s = std::net::TcpStream::connect(ep).unwrap();
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
        assert!(body.ends_with(&format!("probe web-{}\n", i + 1)), "{body}");
    }
    let vars = env.env_vars();
    assert_eq!(vars["DOCKHAND_WEB_8080"], eps[0].to_string());
    assert_eq!(vars["DOCKHAND_WEB_8080_2"], eps[1].to_string());
    assert_eq!(vars["DOCKHAND_WEB_REPLICAS"], "2");
    assert_eq!(
        vars["DOCKHAND_CACHE_6379"],
        env.endpoint("cache", 6379).unwrap().to_string()
    );
    assert_eq!(vars["DOCKHAND_PROJECT"], project);

    let out = env
        .exec("cache", &["/probe", "stdout=hi", "stderr=there", "exit=3"])
        .await
        .unwrap();
    assert_eq!(
        (out.exit_code, out.stdout.as_str(), out.stderr.as_str()),
        (3, "hi\n", "there\n")
    );

    let logs = env.logs("web").await.unwrap();
    assert!(logs.contains(&"1 | hello from web".to_string()), "{logs:?}");
    assert!(
        logs.contains(&"2 | probe: listening http 0.0.0.0:8080".to_string()),
        "{logs:?}"
    );

    assert!(matches!(
        env.endpoint("web", 9999),
        Err(EnvError::UnknownPort { port: 9999, .. })
    ));
    assert!(matches!(
        env.exec("nope", &["x"]).await,
        Err(EnvError::UnknownService { .. })
    ));

    drop(env);
    assert_eq!(leftovers(&project), Vec::<String>::new());
}

#[test]
fn a_panicking_test_still_tears_down() {
    let d = tempfile::tempdir().unwrap();
    let f = web_stack(d.path());
    let project = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let p2 = project.clone();
    let t = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
            *p2.lock().unwrap() = env.project().to_string();
            panic!("the test failed while the environment was up");
        })
    });
    assert!(t.join().is_err(), "the thread panicked");
    let project = project.lock().unwrap().clone();
    assert!(!project.is_empty());
    assert_eq!(leftovers(&project), Vec::<String>::new());
}

#[tokio::test]
async fn the_same_file_twice_gives_two_projects() {
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        &format!("services:\n  a:\n    image: {PROBE}\n    command: [idle]\n"),
    );
    let (x, y) = tokio::join!(
        Environment::from_compose(&f).unwrap().up(),
        Environment::from_compose(&f).unwrap().up()
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_ne!(x.project(), y.project());
    let (px, py) = (x.project().to_string(), y.project().to_string());
    let removed = x.down().await.unwrap();
    assert_eq!((removed.containers, removed.networks), (1, 1));
    assert!(leftovers(&px).is_empty());
    assert!(!leftovers(&py).is_empty(), "the other project is untouched");
    drop(y);
    assert!(leftovers(&py).is_empty());
}

#[tokio::test]
async fn not_ready_says_what_was_awaited_and_what_was_seen() {
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        &format!(
            "services:\n  svc:\n    image: {PROBE}\n    command: [\"stderr=no listener here\", idle]\n    x-dockhand:\n      ready:\n        exec: [/probe, \"connect=127.0.0.1:1\"]\n"
        ),
    );
    let env = Environment::from_compose(&f)
        .unwrap()
        .wait_timeout(Duration::from_secs(2));
    let project = env.project_name().to_string();
    let err = env.up().await.unwrap_err();
    let EnvError::NotReady(nr) = &err else {
        panic!("expected NotReady, got {err}");
    };
    assert_eq!(nr.failures.len(), 1, "{err}");
    let f = &nr.failures[0];
    assert_eq!((f.service.as_str(), f.replica), ("svc", 1));
    assert!(matches!(f.reason, Reason::TimedOut));
    assert_eq!(f.waited_for, "`/probe connect=127.0.0.1:1` to exit 0 in the container");
    let seen = f.last_seen.as_deref().unwrap_or_default();
    assert!(
        seen.starts_with("`/probe connect=127.0.0.1:1` exited 3: probe: connect 127.0.0.1:1 failed"),
        "{seen}"
    );
    assert_eq!(f.logs, ["no listener here"]);
    assert!(leftovers(&project).is_empty(), "up tore down after failing");
}
