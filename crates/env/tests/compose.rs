//! The compose subset: every supported key decoded, and every bad input an
//! error that names the key and its line:column. No engine needed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use dockhand_env::compose::{Condition, LoadOptions, LogStream, Mount, Protocol, ReadyRule, Restart};
use dockhand_env::Compose;

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        Dir {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn load(text: &str, vars: &[(&str, &str)], profiles: &[&str]) -> (Dir, Result<Compose, String>) {
    let d = Dir::new();
    let p = d.file("compose.yaml", text);
    let r = Compose::load_with(
        &p,
        &LoadOptions {
            profiles: profiles.iter().map(|s| s.to_string()).collect(),
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            process_env: false,
        },
    )
    .map_err(|e| e.to_string());
    (d, r)
}

fn error(text: &str) -> String {
    match load(text, &[], &[]).1 {
        Ok(c) => panic!("expected an error, got {c:#?}"),
        Err(e) => e,
    }
}

#[test]
fn every_supported_key_is_decoded() {
    let d = Dir::new();
    d.file("app/Dockerfile.dev", "FROM scratch\n");
    d.file("common.env", "FROM_FILE=1\nOVERRIDDEN=file\n");
    d.file(".env", "TAG=from-dotenv\nPORT=9000\n");
    let p = d.file(
        "compose.yaml",
        r#"
version: "3.9"
name: My-Project
x-common: &common
  labels: {team: qa}
services:
  db:
    <<: *common
    image: dockhand/probe:0.1.0
    command: stdout='hello world' idle
    entrypoint: ["/probe"]
    environment:
      - A=1
      - FROM_PROCESS
      - OVERRIDDEN=env
    env_file: common.env
    ports:
      - "${PORT}"
      - "127.0.0.1:8080:80/udp"
      - target: 81
        published: 8081
        host_ip: 0.0.0.0
    volumes:
      - data:/data:ro
      - ./conf:/conf
      - /anon
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 64m}
    networks:
      back:
        aliases: [database]
    healthcheck:
      test: ["CMD", "/probe", "connect=127.0.0.1:80"]
      interval: 1m30s
      timeout: 500ms
      retries: 3
      start_period: 2s
    restart: on-failure:3
    x-dockhand:
      ready:
        tcp: 80
        http: {port: 80, path: /health, status: 204}
        log: {pattern: "ready ${TAG}", stream: stderr}
        exec: /probe connect=127.0.0.1:80
  app:
    build:
      context: app
      dockerfile: Dockerfile.dev
      args: {VERSION: "${TAG:-none}"}
    scale: 3
    environment: {B: "2", FROM_PROCESS: null, MISSING: null}
    depends_on:
      db: {condition: service_healthy}
      init: {condition: service_completed_successfully}
    networks: [back, default]
    labels: ["x=y"]
    profiles: [full]
  init:
    image: dockhand/probe:0.1.0
    deploy: {replicas: 1}
    depends_on: [db]
networks:
  back:
    driver: bridge
    labels: {k: v}
volumes:
  data:
"#,
    );
    let c = Compose::load_with(
        &p,
        &LoadOptions {
            profiles: vec!["full".into()],
            vars: [("FROM_PROCESS".to_string(), "p".to_string())].into(),
            process_env: false,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name.as_deref(), Some("My-Project"));
    assert_eq!(dockhand_env::default_project(&c).as_deref(), Some("my-project"));
    let names: Vec<&str> = c.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "app", "init"]);
    let db = &c.services[0];
    assert_eq!(db.labels, BTreeMap::from([("team".into(), "qa".into())]), "merge key");
    assert_eq!(db.command.as_deref().unwrap(), ["stdout=hello world", "idle"]);
    assert_eq!(db.entrypoint.as_deref().unwrap(), ["/probe"]);
    assert_eq!(db.environment["A"], "1");
    assert_eq!(db.environment["FROM_PROCESS"], "p");
    assert_eq!(db.environment["FROM_FILE"], "1");
    assert_eq!(db.environment["OVERRIDDEN"], "env", "environment wins over env_file");
    assert_eq!(db.ports.len(), 3);
    assert_eq!(
        (
            db.ports[0].container,
            db.ports[0].host_port,
            db.ports[0].host_ip.as_str()
        ),
        (9000, None, "127.0.0.1")
    );
    assert_eq!(
        (db.ports[1].container, db.ports[1].host_port, db.ports[1].protocol),
        (80, Some(8080), Protocol::Udp)
    );
    assert_eq!(
        (
            db.ports[2].container,
            db.ports[2].host_port,
            db.ports[2].host_ip.as_str()
        ),
        (81, Some(8081), "0.0.0.0")
    );
    assert_eq!(
        db.volumes[0],
        Mount::Volume {
            source: Some("data".into()),
            target: "/data".into(),
            read_only: true
        }
    );
    assert!(matches!(&db.volumes[1], Mount::Bind { source, .. } if source.ends_with("conf")));
    assert!(matches!(&db.volumes[2], Mount::Volume { source: None, .. }));
    assert_eq!(
        db.volumes[3],
        Mount::Tmpfs {
            target: "/tmp".into(),
            size: Some(64 << 20)
        }
    );
    assert_eq!(db.networks[0].aliases, ["database"]);
    let h = db.healthcheck.as_ref().unwrap();
    assert_eq!(h.interval, Some(Duration::from_secs(90)));
    assert_eq!(h.timeout, Some(Duration::from_millis(500)));
    assert_eq!(h.retries, Some(3));
    assert_eq!(h.start_period, Some(Duration::from_secs(2)));
    assert_eq!(db.restart, Some(Restart::OnFailure(Some(3))));
    assert_eq!(db.ready.len(), 4);
    assert!(matches!(db.ready[0], ReadyRule::Tcp { port: 80 }));
    assert!(matches!(&db.ready[1], ReadyRule::Http { port: 80, path, status: 204 } if path == "/health"));
    assert!(
        matches!(&db.ready[2], ReadyRule::Log { pattern, stream: LogStream::Stderr } if pattern.as_str() == "ready from-dotenv")
    );
    assert!(matches!(&db.ready[3], ReadyRule::Exec { command } if command.len() == 2));
    let app = &c.services[1];
    assert_eq!(app.replicas, 3);
    let b = app.build.as_ref().unwrap();
    assert!(b.context.ends_with("app"));
    assert_eq!(b.dockerfile, "Dockerfile.dev");
    assert_eq!(b.args["VERSION"], "from-dotenv");
    assert_eq!(app.environment.get("MISSING"), None, "unset variables are left out");
    assert_eq!(app.environment["FROM_PROCESS"], "p");
    assert_eq!(app.depends_on[0].condition, Condition::Healthy);
    assert_eq!(app.depends_on[1].condition, Condition::CompletedSuccessfully);
    assert_eq!(app.labels["x"], "y");
    assert_eq!(c.services[2].depends_on[0].condition, Condition::Started);
    assert_eq!(c.networks[0].labels["k"], "v");
    assert_eq!(c.volumes[0].name, "data");
    assert_eq!(
        dockhand_env::graph::order(&c).unwrap(),
        ["db", "init", "app"],
        "dependencies first"
    );
}

#[test]
fn profiles_select_services() {
    let text = "services:\n  a:\n    image: x\n  b:\n    image: x\n    profiles: [debug]\n";
    let (_d, c) = load(text, &[], &[]);
    assert_eq!(c.unwrap().services.len(), 1);
    let (_d, c) = load(text, &[], &["debug"]);
    assert_eq!(c.unwrap().services.len(), 2);
    let e = load(
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    profiles: [debug]\n",
        &[],
        &[],
    )
    .1
    .unwrap_err();
    assert!(
        e.ends_with("compose.yaml:4:18: service `a` depends on `b`, which is not enabled; add --profile debug"),
        "{e}"
    );
}

#[test]
fn interpolation_uses_the_environment_over_dotenv_and_defaults() {
    let d = Dir::new();
    d.file(".env", "IMG=from-dotenv\nCMD=from-dotenv\n");
    let p = d.file(
        "compose.yaml",
        "services:\n  a:\n    image: ${IMG}\n    command: ${CMD}\n    environment: [\"X=${UNSET:-dflt}\", \"Y=$$HOME\"]\n",
    );
    let c = Compose::load_with(
        &p,
        &LoadOptions {
            vars: [("CMD".to_string(), "from-env".to_string())].into(),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let a = &c.services[0];
    assert_eq!(a.image.as_deref(), Some("from-dotenv"));
    assert_eq!(a.command.as_deref().unwrap(), ["from-env"]);
    assert_eq!(a.environment["X"], "dflt");
    assert_eq!(a.environment["Y"], "$HOME");
}

/// Each bad file, and the exact position and words of its error.
#[test]
fn bad_files_name_the_key_and_its_position() {
    let cases: &[(&str, &str)] = &[
        (
            "services:\n  web:\n    image: x\n    imagee: y\n",
            "compose.yaml:4:5: service `web`: unknown key `imagee` (did you mean `image`?)",
        ),
        (
            "services:\n  web:\n    image: x\n    frobnicate: 1\n",
            "compose.yaml:4:5: service `web`: unknown key `frobnicate`; docs/compose.md lists the supported keys",
        ),
        (
            "services:\n  web:\n    image: x\n    links: [db]\n",
            "compose.yaml:4:5: service `web`: key `links` is not supported by dockhand env yet (docs/compose.md lists why)",
        ),
        (
            "services:\n  web:\n    image: x\n    secrets: [pw]\nsecrets:\n  pw: {external: true}\n",
            "compose.yaml:6:8: secret `pw`: external secrets exist only in a swarm; give the value in a file with `file:`",
        ),
        (
            "services:\n  web:\n    image: x\n    secrets: [pw]\nsecrets:\n  pw: {environment: PW}\n",
            "compose.yaml:6:8: secret `pw`: `environment` sources are not supported yet (the value needs a file to mount); write it to a file and use `file:`",
        ),
        (
            "services:\n  web:\n    image: x\n    configs: [{source: app, target: /etc/app.conf}]\n",
            "compose.yaml:4:15: service `web`: `configs`: config `app` is not defined; add it under the top-level `configs`",
        ),
        (
            "servics:\n  web:\n    image: x\n",
            "compose.yaml:1:1: the top level: unknown key `servics` (did you mean `services`?)",
        ),
        (
            "services:\n  web:\n    image: x\n    deploy:\n      resources: {limits: {memory: lots}}\n",
            "compose.yaml:5:36: service `web`: `deploy`.resources.limits: `lots` is not a size like 64m, 1.5g or 1024",
        ),
        (
            "services:\n  web:\n    image: x\n    deploy:\n      resourcs: {}\n",
            "compose.yaml:5:7: service `web`: `deploy`: unknown key `resourcs` (did you mean `resources`?)",
        ),
        (
            "services:\n  web:\n    image: x\n    container_name: fixed\n    scale: 2\n",
            "compose.yaml:2:3: service `web` has 2 replicas but a fixed `container_name`",
        ),
        (
            "services:\n  web:\n    image: x\n    network_mode: service:db\n",
            "compose.yaml:4:19: service `web`: `network_mode`: `service:db` is not supported",
        ),
        (
            "services:\n  web:\n    image: x\n    volumes: [\"./a:/a:q\"]\n",
            "compose.yaml:4:15: service `web`: `volumes`: mode `q` in `./a:/a:q`: use ro, rw, z or Z",
        ),
        (
            "services:\n  web:\n    image: x\n    expose: [\"80-70\"]\n",
            "compose.yaml:4:14: service `web`: `expose`: `80-70` is not a port or a range",
        ),
        (
            "services:\n  web:\n    image: x\n    pull_policy: sometimes\n",
            "compose.yaml:4:18: service `web`: `pull_policy`: unknown policy `sometimes`",
        ),
        (
            "services:\n  web:\n    image: x\n    ulimits:\n      nofile: {soft: 1}\n",
            "compose.yaml:5:15: service `web`: `ulimits`.nofile: give both `soft` and `hard`",
        ),
        (
            "services:\n  web:\n    image: x\n    healthcheck:\n      test: [CMD, x]\n      intervl: 1s\n",
            "compose.yaml:6:7: service `web`: `healthcheck`: unknown key `intervl` (did you mean `interval`?)",
        ),
        (
            "services:\n  web:\n    image: x\n    healthcheck:\n      interval: 10\n",
            "compose.yaml:5:17: `interval`: `10` is not a duration like 10s, 1m30s or 500ms",
        ),
        (
            "services:\n  web:\n    image: x\n    ports: [\"80-81:80-81\"]\n",
            "compose.yaml:4:13: service `web`: `ports`: port ranges (`80-81:80-81`) are not supported",
        ),
        (
            "services:\n  web:\n    image: x\n    depends_on: [db]\n",
            "compose.yaml:4:18: service `web` depends on `db`, which is not a service in this file",
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
            "compose.yaml:2:3: the services depend on each other in a cycle: a -> b -> a",
        ),
        (
            "services:\n  web:\n    image: ${TAG\n",
            "compose.yaml:3:12: service `web`: `image`: `${` without a closing `}`",
        ),
        (
            "services:\n  web:\n    image: ${TAG:?set TAG to the image tag}\n",
            "compose.yaml:3:12: service `web`: `image`: required variable TAG is not set: set TAG to the image tag",
        ),
        (
            "services:\n  web:\n    command: x\n",
            "compose.yaml:2:3: service `web` has neither `image` nor `build`; give one",
        ),
        (
            "services:\n  web:\n    image: x\n    scale: 2\n    ports: [\"8080:80\"]\n",
            "compose.yaml:2:3: service `web` has 2 replicas but publishes the fixed host port 8080",
        ),
        (
            "services:\n  web:\n    image: x\n    volumes: [\"data:/data\"]\n",
            "compose.yaml:2:3: service `web` mounts volume `data`, which the top-level `volumes` does not define",
        ),
        (
            "services:\n  web:\n    image: x\n    networks: [back]\n",
            "compose.yaml:2:3: service `web` uses network `back`, which the top-level `networks` does not define",
        ),
        (
            "services:\n  web:\n    image: x\n    x-dockhand:\n      ready:\n        log: \"([\"\n",
            "compose.yaml:6:14: service `web`: `x-dockhand`.ready.log: invalid regular expression",
        ),
        (
            "services:\n  web:\n    image: x\n    x-dockhand:\n      ready:\n        grpc: 50051\n",
            "compose.yaml:6:9: service `web`: `x-dockhand`.ready: unknown key `grpc`; supported: exec, http, log, tcp",
        ),
        (
            "services:\n  web:\n    image: x\n    depends_on:\n      db2: {condition: service_ready}\n  db2:\n    image: x\n",
            "compose.yaml:5:24: service `web`: `depends_on`.db2: unknown condition `service_ready`",
        ),
        (
            "services:\n  web:\n    image: [x\n",
            "compose.yaml:4:1: invalid YAML:",
        ),
        (
            "services:\n  web:\n    image: x\n    image: y\n",
            "compose.yaml:4:5: service `web`: duplicate key `image`",
        ),
        ("", "compose.yaml:1:1: the file is empty"),
        (
            "services:\n  Web:\n    image: x\n",
            "compose.yaml:2:3: service name `Web` must be lowercase",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, want) in cases {
        let got = error(text);
        let (_, rest) = got.split_once("compose.yaml").unwrap_or(("", &got));
        let got_rel = format!("compose.yaml{rest}");
        if !got_rel.starts_with(want) {
            wrong.push(format!("file:\n{text}\nwant: {want}...\ngot:  {got_rel}\n"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_missing_file_says_what_to_do() {
    let e = Compose::load(std::path::Path::new("/nonexistent/compose.yaml"), &[]).unwrap_err();
    assert!(e.to_string().contains("pass an existing file with -f"), "{e}");
}

#[test]
fn every_short_port_form_binds_loopback() {
    let (_d, c) = load(
        "services:\n  web:\n    image: x\n    ports: [\"8080:80\", \":8081:81\", \"82\", \"0.0.0.0:8083:83\", \"[::1]:8084:84\"]\n",
        &[],
        &[],
    );
    let ips: Vec<String> = c.unwrap().services[0].ports.iter().map(|p| p.host_ip.clone()).collect();
    assert_eq!(ips, ["127.0.0.1", "127.0.0.1", "127.0.0.1", "0.0.0.0", "::1"]);
}

#[test]
fn a_flow_list_closing_at_its_keys_indentation_is_read() {
    let (_d, c) = load(
        "services:\n  a:\n    image: x\n    command: [\n      \"sh\", \"-c\", \"x\"\n    ]\n    labels: [\n      a=1,\n    ]\n",
        &[],
        &[],
    );
    let c = c.unwrap();
    assert_eq!(c.services[0].command.as_deref().unwrap(), ["sh", "-c", "x"]);
    assert_eq!(c.services[0].labels["a"], "1");
}

#[test]
fn each_unset_variable_is_warned_about_once_with_its_file() {
    let (_d, c) = load(
        "services:\n  a:\n    image: ${IMG}:$TAG\n    command: [\"${IMG}\", \"${OPT-none}\", \"${DEF:-x}\", \"$$LIT\"]\n    environment: [\"SET=${SET}\"]\n",
        &[("SET", "1")],
        &[],
    );
    let c = c.unwrap();
    assert_eq!(c.services[0].image.as_deref(), Some(":"));
    assert_eq!(c.services[0].command.as_deref().unwrap(), ["", "none", "x", "$LIT"]);
    let w: Vec<String> = c
        .warnings
        .iter()
        .map(|w| w.split_once("compose.yaml").map_or(w.clone(), |(_, r)| r.to_string()))
        .collect();
    assert_eq!(
        w,
        [
            ":3:12: variable `IMG` is not set; it is read as an empty string (set it, or write ${IMG:-default})",
            ":3:12: variable `TAG` is not set; it is read as an empty string (set it, or write ${TAG:-default})",
        ]
    );
}

#[test]
fn every_reading_error_is_reported_in_file_order() {
    let d = Dir::new();
    let p = d.file(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    imagee: y\n    links: [db]\n    ports: [\"x:80\"]\n  B:\n    image: x\n  c:\n    image: x\n    user: [1]\n    deploy: {replicas: many}\ninclude: []\n",
    );
    let errs = Compose::load_all(
        &p,
        &LoadOptions {
            process_env: false,
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    let lines: Vec<String> = errs
        .iter()
        .map(|e| e.to_string().split_once("compose.yaml:").unwrap().1.to_string())
        .collect();
    let want = [
        "4:5: service `a`: unknown key `imagee` (did you mean `image`?)",
        "5:5: service `a`: key `links` is not supported by dockhand env yet (docs/compose.md lists why)",
        "6:13: service `a`: `ports`: host port `x` in `x:80` is not a port number",
        "7:3: service name `B` must be lowercase letters, digits, `-` and `_`, starting with a letter or digit",
        "11:11: service `c`: `user` must be a string, found a list",
        "12:24: `deploy.replicas` must be a non-negative integer in range, found `many`",
        "13:1: the top level: key `include` is not supported by dockhand env yet (docs/compose.md lists why)",
    ];
    assert_eq!(lines, want);
    // The one-error API gives the first of them.
    let first = Compose::load_with(&p, &LoadOptions::default()).unwrap_err();
    assert_eq!(first, errs[0]);
}

#[test]
fn an_optional_dependency_that_is_not_enabled_is_dropped_with_a_warning() {
    let (_d, c) = load(
        "services:\n  a:\n    image: x\n    depends_on:\n      b: {condition: service_started, required: false}\n  b:\n    image: x\n    profiles: [extra]\n",
        &[],
        &[],
    );
    let c = c.unwrap();
    assert!(c.services[0].depends_on.is_empty());
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0]
        .ends_with("compose.yaml:5:7: service `a`: optional dependency `b` is not enabled; not waited for"));
}

#[test]
fn secrets_and_configs_are_read_only_binds_of_their_files() {
    let (d, c) = load(
        "services:\n  db:\n    image: x\n    secrets: [pw, {source: pw, target: other, uid: \"999\"}]\n    configs: [app, {source: app, target: /etc/app.conf}]\nsecrets:\n  pw: {file: ./db/password.txt, name: ignored}\nconfigs:\n  app:\n    file: app.conf\n",
        &[],
        &[],
    );
    let c = c.unwrap();
    let root = d.dir.path();
    let bind = |f: &str, t: &str| Mount::Bind {
        source: root.join(f),
        target: t.into(),
        read_only: true,
        selinux: None,
    };
    assert_eq!(
        c.services[0].volumes,
        [
            bind("db/password.txt", "/run/secrets/pw"),
            bind("db/password.txt", "/run/secrets/other"),
            bind("app.conf", "/app"),
            bind("app.conf", "/etc/app.conf"),
        ]
    );
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].ends_with("compose.yaml:4:47: service `db`: `secrets`: `uid` is not applied: the file is bind-mounted with its own owner and mode, as docker compose does on one engine"),
        "{:?}",
        c.warnings
    );
}

#[test]
fn bind_paths_are_resolved_and_targets_cleaned_as_compose_does() {
    let (d, c) = load(
        "services:\n  web:\n    image: x\n    volumes:\n      - ../shared/./conf:/etc/conf/\n      - type: bind\n        source: ./a/../b\n        target: /b/\n      - data:/data/\nvolumes:\n  data:\n",
        &[],
        &[],
    );
    let c = c.unwrap();
    let root = d.dir.path();
    assert_eq!(
        c.services[0].volumes,
        [
            Mount::Bind {
                source: root.parent().unwrap().join("shared/conf"),
                target: "/etc/conf".into(),
                read_only: false,
                selinux: None,
            },
            Mount::Bind {
                source: root.join("b"),
                target: "/b".into(),
                read_only: false,
                selinux: None,
            },
            Mount::Volume {
                source: Some("data".into()),
                target: "/data".into(),
                read_only: false,
            },
        ]
    );
}
