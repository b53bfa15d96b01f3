//! `dockhand env config` through the binary: the resolved file on stdout
//! (re-read by dockhand itself to show it is a compose file it accepts),
//! warnings on stderr, and exit 3 with every problem of a bad file, one
//! `file:line:col` line each. Needs no engine.

use std::path::Path;

use crate::kit::{run, text};

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn config_prints_the_resolved_file_and_it_reads_back() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("data")).unwrap();
    let f = write(
        d.path(),
        "compose.yaml",
        r#"services:
  web:
    image: nginx:${TAG-1.25}
    command: [
      "nginx", "-g", "daemon off;"
    ]
    ports: ["8080:80"]
    expose: ["9000"]
    volumes: ["./data:/data:z", "cache:/cache"]
    user: "101"
    depends_on:
      db: {condition: service_healthy, restart: true}
    deploy:
      placement: {constraints: ["node.role==manager"]}
      resources: {limits: {memory: 64m}}
  db:
    image: postgres:16
    environment: {PGPASS: "$${LITERAL}", UNSET: "${NOPE}"}
    healthcheck: {test: [CMD, pg_isready], interval: 2s}
volumes:
  cache:
"#,
    );
    let o = run(&["env", "config", "-f", &f, "-p", "demo"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    for want in [
        "name: demo\n",
        "image: \"nginx:1.25\"",
        "- nginx\n      - \"-g\"\n      - daemon off;",
        "host_ip: 127.0.0.1",
        "published: \"8080\"",
        "selinux: z",
        "user: \"101\"",
        "mem_limit: \"67108864\"",
        "condition: service_healthy",
        "PGPASS: \"$${LITERAL}\"",
        "name: demo_cache",
        "name: demo_default",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        err.contains("compose.yaml:14:7: service `web`: `deploy`.placement only applies to a swarm"),
        "{err}"
    );
    assert!(err.contains("variable `NOPE` is not set"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // What it prints is a compose file dockhand reads to the same output.
    let again = write(d.path(), "again.yaml", &out);
    let o2 = run(&["env", "config", "-f", &again, "-p", "demo"]);
    assert_eq!(o2.status.code(), Some(0), "{}", text(&o2));
    assert_eq!(String::from_utf8_lossy(&o2.stdout), out);
}

#[test]
fn config_lists_every_problem_and_exits_3() {
    let d = tempfile::tempdir().unwrap();
    let f = write(
        d.path(),
        "compose.yaml",
        "services:\n  a:\n    image: x\n    volumes_from: [b]\n    restart: sometimes\n  b:\n    imag: x\n",
    );
    let o = run(&["env", "config", "-f", &f]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(o.stdout.is_empty(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let lines: Vec<&str> = err.lines().collect();
    // `b`'s missing image is not reported: its bad key may be the image.
    assert_eq!(lines.len(), 3, "{err}");
    for (line, want) in lines.iter().zip([
        "compose.yaml:4:5: service `a`: key `volumes_from` is not supported",
        "compose.yaml:5:14: service `a`: `restart`",
        "compose.yaml:7:5: service `b`: unknown key `imag` (did you mean `image`?)",
    ]) {
        assert!(
            line.starts_with("error: ") && line.contains(want),
            "{line:?} lacks {want:?}\n{err}"
        );
    }
}
