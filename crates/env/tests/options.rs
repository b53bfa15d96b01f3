//! The service keys that map onto `ContainerCreate` one to one, checked
//! against this machine's engine: what the container was created with is
//! read back with `docker inspect`'s API through curl (not the code under
//! test), and the fixed names (`container_name`, network `name`,
//! `external`) behave as documented.

use std::path::{Path, PathBuf};
use std::process::Command;

use dockhand_env::{EnvError, Environment};
use serde_json::Value;

const PROBE: &str = "dockhand/probe:0.1.0";

fn compose(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("compose.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// A compose file with one service `app`, an idle probe, its other keys
/// (indented as a service's) in `service`, and top-level sections after it.
fn idle_app(dir: &Path, service: &str, rest: &str) -> PathBuf {
    compose(
        dir,
        &format!("services:\n  app:\n    image: {PROBE}\n    command: [idle]\n{service}{rest}"),
    )
}

/// `curl` against the engine socket; the JSON answer.
fn engine(method: &str, path: &str, body: Option<&str>) -> Value {
    let mut c = Command::new("curl");
    c.args(["-sS", "--unix-socket", "/var/run/docker.sock", "-X", method]);
    if let Some(b) = body {
        c.args(["-H", "Content-Type: application/json", "-d", b]);
    }
    let o = c.arg(format!("http://engine{path}")).output().expect("curl");
    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
}

/// The engine's inspect of a service's first replica.
fn inspect_first(env: &dockhand_env::Running, service: &str) -> Value {
    engine(
        "GET",
        &format!("/containers/{}/json", env.replicas(service).unwrap()[0].id),
        None,
    )
}

/// Whether the engine answers `path` with a message containing `needle`
/// (its "not found" wording).
fn gone(path: &str, needle: &str) -> bool {
    engine("GET", path, None)["message"]
        .as_str()
        .is_some_and(|m| m.contains(needle))
}

/// A temporary build context holding `dockerfile` as its Dockerfile.
fn build_dir(dockerfile: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    d
}

#[tokio::test]
async fn container_options_reach_the_engine() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("data")).unwrap();
    std::fs::write(d.path().join("pw.txt"), "s3cret").unwrap();
    let f = idle_app(
        d.path(),
        r#"    expose: ["7000", "7001-7002/udp"]
    user: "1000:1000"
    working_dir: /tmp
    shm_size: 128m
    stdin_open: true
    tty: true
    read_only: true
    tmpfs: ["/run:size=1m"]
    security_opt: ["no-new-privileges:true"]
    ulimits:
      nproc: 512
      nofile: {soft: 1024, hard: 2048}
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    init: true
    pids_limit: 100
    platform: linux/amd64
    extra_hosts: ["db.local:10.0.0.5"]
    labels: [flag, "k=v"]
    volumes: ["./data:/data:ro,z"]
    deploy:
      mode: replicated
      resources:
        limits: {memory: 64m, cpus: "0.5"}
        reservations: {memory: 32m}
    sysctls:
      net.ipv4.ip_unprivileged_port_start: "0"
    secrets: [pw]
"#,
        "secrets:\n  pw: {file: ./pw.txt}\n",
    );
    let env = Environment::from_compose(&f).unwrap();
    let warnings = env.compose().warnings.clone();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("compose.yaml:26:7: service `app`: `deploy`.mode only applies to a swarm"),
        "{warnings:?}"
    );
    let env = env.up().await.unwrap();
    let id = env.replicas("app").unwrap()[0].id.clone();
    let c = engine("GET", &format!("/containers/{id}/json"), None);
    let (cfg, host) = (&c["Config"], &c["HostConfig"]);
    let exposed: Vec<&String> = cfg["ExposedPorts"].as_object().unwrap().keys().collect();
    assert_eq!(exposed, ["7000/tcp", "7001/udp", "7002/udp"]);
    assert_eq!(cfg["User"], "1000:1000");
    assert_eq!(cfg["WorkingDir"], "/tmp");
    assert_eq!(cfg["Tty"], true);
    assert_eq!(cfg["OpenStdin"], true);
    assert_eq!(cfg["Labels"]["flag"], "");
    assert_eq!(cfg["Labels"]["k"], "v");
    assert_eq!(host["ShmSize"], 128 << 20);
    assert_eq!(host["ReadonlyRootfs"], true);
    assert_eq!(host["Tmpfs"]["/run"], "size=1m");
    assert_eq!(host["SecurityOpt"][0], "no-new-privileges:true");
    let ulimits = host["Ulimits"].to_string();
    assert!(
        ulimits.contains(r#"{"Hard":512,"Name":"nproc","Soft":512}"#),
        "{ulimits}"
    );
    assert!(
        ulimits.contains(r#"{"Hard":2048,"Name":"nofile","Soft":1024}"#),
        "{ulimits}"
    );
    assert_eq!(host["CapAdd"][0], "NET_ADMIN");
    assert_eq!(host["CapDrop"][0], "MKNOD");
    assert_eq!(host["Init"], true);
    assert_eq!(host["PidsLimit"], 100);
    assert_eq!(host["ExtraHosts"][0], "db.local:10.0.0.5");
    assert_eq!(host["Memory"], 64 << 20);
    assert_eq!(host["MemoryReservation"], 32 << 20);
    assert_eq!(host["NanoCpus"], 500_000_000u64);
    let bind = format!("{}:/data:ro,z", d.path().join("data").display());
    assert_eq!(host["Binds"][0], bind.as_str());
    assert_eq!(c["Mounts"][0]["RW"], false);
    assert_eq!(host["Sysctls"]["net.ipv4.ip_unprivileged_port_start"], "0");
    // The secret: its file bound read-only at /run/secrets/<name>.
    let secret = c["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Destination"] == "/run/secrets/pw")
        .unwrap_or_else(|| panic!("no secret mount in {}", c["Mounts"]));
    assert_eq!(secret["Source"], d.path().join("pw.txt").to_str().unwrap());
    assert_eq!((&secret["Type"], &secret["RW"]), (&"bind".into(), &false.into()));
    env.down().await.unwrap();
}

#[tokio::test]
async fn network_mode_and_fixed_ip_on_a_named_ipam_network() {
    // A subnet outside the engine's default address pools (172.17-31.0.0/16,
    // 192.168.0.0/16), which it hands to the networks other tests create
    // meanwhile (172.29.117.0/24 once met a 172.29.0.0/16 network: 403
    // "Pool overlaps"), and outside the suite's 10.213.0.0/16.
    let d = tempfile::tempdir().unwrap();
    let net = format!("dockhand-test-ipam-{}", std::process::id());
    let f = compose(
        d.path(),
        &format!(
            r#"services:
  solo:
    image: {PROBE}
    command: [idle]
    network_mode: none
  fixed:
    image: {PROBE}
    command: [idle]
    networks:
      back: {{ipv4_address: 10.212.117.10}}
networks:
  back:
    name: {net}
    ipam:
      config: [{{subnet: 10.212.117.0/24}}]
"#
        ),
    );
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let solo = inspect_first(&env, "solo");
    assert_eq!(solo["HostConfig"]["NetworkMode"], "none");
    let fixed = inspect_first(&env, "fixed");
    assert_eq!(fixed["NetworkSettings"]["Networks"][&net]["IPAddress"], "10.212.117.10");
    let n = engine("GET", &format!("/networks/{net}"), None);
    assert_eq!(n["IPAM"]["Config"][0]["Subnet"], "10.212.117.0/24");
    env.down().await.unwrap();
    // The fixed-name network is the project's: labelled, so removed with it.
    assert!(gone(&format!("/networks/{net}"), "not found"));
}

#[tokio::test]
async fn external_objects_are_used_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let name = format!("dockhand-test-ext-{}", std::process::id());
    engine("POST", "/networks/create", Some(&format!(r#"{{"Name":"{name}"}}"#)));
    engine("POST", "/volumes/create", Some(&format!(r#"{{"Name":"{name}"}}"#)));
    let f = idle_app(
        d.path(),
        "    networks: [outside]\n    volumes: [\"shared:/shared\"]\n",
        &format!(
            "networks:\n  outside: {{external: true, name: {name}}}\nvolumes:\n  shared: {{external: true, name: {name}}}\n"
        ),
    );
    let result = async {
        let env = Environment::from_compose(&f)?.up().await?;
        let c = engine("GET", &format!("/containers/{}/json", env.replicas("app")?[0].id), None);
        env.down().await?;
        Ok::<_, EnvError>(c)
    }
    .await;
    let still_net = engine("GET", &format!("/networks/{name}"), None);
    let still_vol = engine("GET", &format!("/volumes/{name}"), None);
    engine("DELETE", &format!("/networks/{name}"), None);
    engine("DELETE", &format!("/volumes/{name}"), None);
    let c = result.unwrap();
    assert!(c["NetworkSettings"]["Networks"][&name].is_object(), "{c}");
    assert_eq!(c["Mounts"][0]["Name"], name.as_str());
    assert_eq!(still_net["Name"], name.as_str());
    assert_eq!(still_vol["Name"], name.as_str());
}

#[tokio::test]
async fn a_fixed_container_name_conflicts_across_runs_with_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let name = format!("dockhand-test-fixed-{}", std::process::id());
    let f = idle_app(d.path(), &format!("    container_name: {name}\n"), "");
    let first = Environment::from_compose(&f).unwrap().up().await.unwrap();
    assert_eq!(first.replicas("app").unwrap()[0].name, name);
    let second = Environment::from_compose(&f).unwrap().up().await;
    let Err(err) = second else {
        panic!("the second run must conflict");
    };
    let err = err.to_string();
    assert!(
        err.contains(&format!("a container named `{name}` already exists")) && err.contains("container_name"),
        "{err}"
    );
    first.down().await.unwrap();
    assert!(gone(&format!("/containers/{name}/json"), "No such container"));
}

#[tokio::test]
async fn pull_policy_never_with_a_missing_image_says_so() {
    let d = tempfile::tempdir().unwrap();
    let f = compose(
        d.path(),
        "services:\n  app:\n    image: dockhand/absent:never\n    pull_policy: never\n",
    );
    let err = Environment::from_compose(&f)
        .unwrap()
        .up()
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`pull_policy: never`") && err.contains("dockhand/absent:never"),
        "{err}"
    );
}

#[tokio::test]
async fn build_target_builds_that_stage() {
    // A label of this test run's own marks every image its stages make.
    let run = format!("dockhand.test.stages={}", std::process::id());
    let d = build_dir(&format!(
        "FROM {PROBE} AS wanted\nLABEL {run}\nLABEL stage=wanted\nFROM {PROBE} AS last\nLABEL stage=last\n"
    ));
    let f = compose(
        d.path(),
        "services:\n  app:\n    build: {context: ., target: wanted}\n    command: [idle]\n    depends_on:\n      side: {condition: service_started, restart: true}\n  side:\n    build: .\n    command: [idle]\n",
    );
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let app = inspect_first(&env, "app");
    let side = inspect_first(&env, "side");
    env.down().await.unwrap();
    // The classic builder keeps the image of every stage before the last,
    // untagged and without the build's labels; the build removes them, so
    // after `down` no image of the stages is left (intermediate ones too).
    let filter = format!(r#"{{"label":["{run}"]}}"#);
    let left = Command::new("curl")
        .args(["-sS", "-G", "--unix-socket", "/var/run/docker.sock"])
        .args(["--data-urlencode", "all=1", "--data-urlencode"])
        .arg(format!("filters={filter}"))
        .arg("http://engine/images/json")
        .output()
        .unwrap();
    let left: Value = serde_json::from_slice(&left.stdout).unwrap();
    assert_eq!(left, serde_json::json!([]), "images of the build's stages left");
    assert_eq!(app["Config"]["Labels"]["stage"], "wanted");
    assert_eq!(side["Config"]["Labels"]["stage"], "last");
}

#[tokio::test]
async fn a_dockerignore_listing_the_dockerfile_still_builds_and_exceptions_are_sent() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), format!("FROM {PROBE}\nCOPY . /ctx/\n")).unwrap();
    std::fs::write(d.path().join("app.txt"), "hello\n").unwrap();
    std::fs::write(d.path().join("other.txt"), "x\n").unwrap();
    std::fs::write(d.path().join(".dockerignore"), "*\n!app.txt\n").unwrap();
    let f = compose(d.path(), "services:\n  app:\n    build: .\n    command: [idle]\n");
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let app = env.exec("app", &["/probe", "cat=/ctx/app.txt"]).await;
    let other = env.exec("app", &["/probe", "cat=/ctx/other.txt"]).await;
    let dockerfile = env.exec("app", &["/probe", "cat=/ctx/Dockerfile"]).await;
    env.down().await.unwrap();
    let (app, other, dockerfile) = (app.unwrap(), other.unwrap(), dockerfile.unwrap());
    assert_eq!((app.exit_code, app.stdout.as_str()), (0, "hello\n"), "{app:?}");
    assert_ne!(other.exit_code, 0, "other.txt is ignored: {other:?}");
    // The Dockerfile was sent (the build ran), and the engine drops it from
    // what COPY sees since `.dockerignore` lists it, as with `docker build`.
    assert_ne!(dockerfile.exit_code, 0, "{dockerfile:?}");
}

#[tokio::test]
async fn a_buildkit_only_dockerfile_is_refused_naming_its_line() {
    let d = build_dir(&format!(
        "# syntax=docker/dockerfile:1\nFROM {PROBE}\nCOPY <<EOF /greeting\nhello\nEOF\n"
    ));
    let f = compose(d.path(), "services:\n  app:\n    build: .\n    command: [idle]\n");
    let Err(e) = Environment::from_compose(&f).unwrap().up().await else {
        panic!("a heredoc Dockerfile must be refused");
    };
    let e = e.to_string();
    assert!(
        e.contains("service `app` failed: Dockerfile:3: `COPY <<EOF /greeting` needs BuildKit")
            && e.contains("docker build -t NAME")
            && e.contains("`image: NAME`"),
        "{e}"
    );
}

/// Every port form binds as docs/compose.md says: without a host IP on
/// 127.0.0.1 (short forms with and without a host port, an empty host IP,
/// the long form), with one as given; read back from the engine.
#[tokio::test]
async fn every_port_form_binds_as_documented() {
    let d = tempfile::tempdir().unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (a, b) = (free(), free());
    let f = idle_app(
        d.path(),
        &format!(
            "    ports:\n      - \"7000\"\n      - \"{a}:7001\"\n      - \":{b}:7002\"\n      - \"::7003\"\n      - \"0.0.0.0::7004\"\n      - \"[::1]::7005\"\n      - {{target: 7006}}\n      - {{target: 7007, host_ip: 0.0.0.0}}\n"
        ),
        "",
    );
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let c = inspect_first(&env, "app");
    env.down().await.unwrap();
    let bound = |port: u16| {
        let b = &c["NetworkSettings"]["Ports"][format!("{port}/tcp")][0];
        (
            b["HostIp"].as_str().unwrap_or("?").to_string(),
            b["HostPort"].as_str().unwrap_or("?").to_string(),
        )
    };
    for (port, ip) in [
        (7000, "127.0.0.1"),
        (7001, "127.0.0.1"),
        (7002, "127.0.0.1"),
        (7003, "127.0.0.1"),
        (7004, "0.0.0.0"),
        (7005, "::1"),
        (7006, "127.0.0.1"),
        (7007, "0.0.0.0"),
    ] {
        assert_eq!(bound(port).0, ip, "port {port}: {}", c["NetworkSettings"]["Ports"]);
    }
    assert_eq!(bound(7001).1, a.to_string());
    assert_eq!(bound(7002).1, b.to_string());
}

/// The keys that set one create field each reach the engine as written.
#[tokio::test]
async fn pass_through_keys_reach_the_engine() {
    let d = tempfile::tempdir().unwrap();
    let f = idle_app(
        d.path(),
        r#"    dns: 10.0.0.53
    dns_search: [example.test]
    dns_opt: ["ndots:2"]
    domainname: example.test
    group_add: ["1234"]
    cpu_shares: 512
    oom_score_adj: 100
    ipc: private
    memswap_limit: -1
    devices: ["/dev/null:/dev/other-null:rw"]
    logging:
      driver: json-file
      options: {max-size: 1m, max-file: "2"}
    volumes: ["scratch:/scratch"]
"#,
        r#"networks:
  default:
    driver_opts: {com.docker.network.driver.mtu: "1400"}
    attachable: true
volumes:
  scratch:
    driver_opts: {type: tmpfs, device: tmpfs, o: size=1m}
"#,
    );
    let env = Environment::from_compose(&f).unwrap().up().await.unwrap();
    let c = inspect_first(&env, "app");
    let net_name = c["NetworkSettings"]["Networks"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let net = engine("GET", &format!("/networks/{net_name}"), None);
    let vol = engine(
        "GET",
        &format!("/volumes/{}", c["Mounts"][0]["Name"].as_str().unwrap()),
        None,
    );
    env.down().await.unwrap();
    assert_eq!(net["Options"]["com.docker.network.driver.mtu"], "1400", "{net}");
    assert_eq!(net["Attachable"], true, "{net}");
    assert_eq!(
        vol["Options"],
        serde_json::json!({"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}),
        "{vol}"
    );
    let host = &c["HostConfig"];
    assert_eq!(host["Dns"], serde_json::json!(["10.0.0.53"]));
    assert_eq!(host["DnsSearch"], serde_json::json!(["example.test"]));
    assert_eq!(host["DnsOptions"], serde_json::json!(["ndots:2"]));
    assert_eq!(c["Config"]["Domainname"], "example.test");
    assert_eq!(host["GroupAdd"], serde_json::json!(["1234"]));
    assert_eq!(host["CpuShares"], 512);
    assert_eq!(host["OomScoreAdj"], 100);
    assert_eq!(host["IpcMode"], "private");
    assert_eq!(host["MemorySwap"], -1);
    assert_eq!(
        host["Devices"],
        serde_json::json!([{"PathOnHost": "/dev/null", "PathInContainer": "/dev/other-null", "CgroupPermissions": "rw"}])
    );
    assert_eq!(
        host["LogConfig"],
        serde_json::json!({"Type": "json-file", "Config": {"max-size": "1m", "max-file": "2"}})
    );
}
