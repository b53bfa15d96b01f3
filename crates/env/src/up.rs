//! Bringing a project up: networks, volumes, images, containers, then each
//! service started as soon as its dependencies allow (independent branches
//! in parallel) and waited on until ready, all under one deadline.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use dockhand_engine::{Engine, EngineError, Request};
use dockhand_objects::{ProbeImage, ProbeState};
use serde_json::{json, Map, Value};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::compose::{
    Compose, Condition, ContainerOptions, Healthcheck, Ipam, Mount, PullPolicy, ReadyRule, Restart, Service,
    ServiceNetwork,
};
use crate::error::{EnvError, NotReady, Reason, ServiceFailure};
use crate::follow::{Followed, Followers};
use crate::labels::{self, LABEL_REPLICA, LABEL_SERVICE};
use crate::progress::{Progress, ProgressEvent, ServiceState};
use crate::ready::{self, Seen};

/// How often readiness is polled.
const POLL: Duration = Duration::from_millis(100);

/// Everything `up` needs besides the compose file.
pub(crate) struct Plan<'a> {
    pub compose: &'a Compose,
    pub project: &'a str,
    pub labels: Map<String, Value>,
    pub wait_timeout: Duration,
    pub log_lines: usize,
    /// Stream each started container's output as progress events while waiting.
    pub follow_logs: bool,
    pub progress: Arc<dyn Progress>,
    pub cancel: watch::Receiver<bool>,
}

/// One started container.
#[derive(Debug, Clone)]
pub(crate) struct Created {
    pub service: String,
    pub replica: u32,
    pub id: String,
    pub name: String,
}

impl Plan<'_> {
    fn cancelled(&self) -> bool {
        *self.cancel.borrow()
    }

    fn check_cancel(&self) -> Result<(), EnvError> {
        if self.cancelled() {
            Err(EnvError::Interrupted)
        } else {
            Ok(())
        }
    }

    fn step(&self, s: String) {
        self.progress.event(ProgressEvent::Step(s));
    }

    /// The engine-side name: `name:` when given (or the key, for an
    /// external network), else per run.
    pub fn network_name(&self, net: &str) -> String {
        match self.compose.networks.iter().find(|d| d.name == net) {
            Some(d) => d.engine_name(self.project),
            None => format!("{}_{net}", self.project),
        }
    }

    /// Like [`Plan::network_name`], for volumes.
    pub fn volume_name(&self, vol: &str) -> String {
        match self.compose.volumes.iter().find(|d| d.name == vol) {
            Some(d) => d.engine_name(self.project),
            None => format!("{}_{vol}", self.project),
        }
    }

    pub fn image_ref(&self, s: &Service) -> String {
        match (&s.image, &s.build) {
            (Some(i), _) => i.clone(),
            (None, _) => format!("{}-{}", self.project, s.name),
        }
    }

    fn service_labels(&self, s: &Service, replica: Option<u32>) -> Map<String, Value> {
        let mut m: Map<String, Value> = s.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        m.extend(self.labels.clone());
        m.insert(LABEL_SERVICE.into(), json!(s.name));
        if let Some(r) = replica {
            m.insert(LABEL_REPLICA.into(), json!(r.to_string()));
        }
        m
    }

    /// The project networks a service joins, first one at create time;
    /// none with `network_mode`.
    fn networks_of(&self, s: &Service) -> Vec<ServiceNetwork> {
        if s.opts.network_mode.is_some() {
            return Vec::new();
        }
        if s.networks.is_empty() {
            return vec![ServiceNetwork {
                name: "default".into(),
                aliases: Vec::new(),
                ipv4_address: None,
                ipv6_address: None,
            }];
        }
        s.networks.clone()
    }

    /// The `EndpointConfig` of a service on one network.
    fn endpoint(&self, s: &Service, n: &ServiceNetwork) -> Value {
        let mut aliases = vec![s.name.clone()];
        aliases.extend(n.aliases.iter().cloned());
        let mut e = json!({ "Aliases": aliases });
        if n.ipv4_address.is_some() || n.ipv6_address.is_some() {
            e["IPAMConfig"] = json!({ "IPv4Address": n.ipv4_address, "IPv6Address": n.ipv6_address });
        }
        e
    }
}

/// Creates everything and waits for readiness. On error the caller tears
/// the project down.
pub(crate) async fn up(engine: &Engine, plan: &Plan<'_>) -> Result<Vec<Created>, EnvError> {
    let c = plan.compose;
    let probe = ProbeImage::new();
    // Builds may start FROM the probe, so it is loaded for them too.
    let wants_probe = c
        .services
        .iter()
        .any(|s| s.build.is_some() || s.image.as_deref() == Some(probe.reference()));
    if wants_probe && probe.ensure(engine).await? == ProbeState::Loaded {
        plan.step(format!("loaded {}", probe.reference()));
    }
    for s in c.services.iter().filter(|s| s.build.is_none()) {
        let image = plan.image_ref(s);
        let resp = engine.image_inspect(&image).await?;
        if resp.status.as_u16() == 404 && s.opts.pull_policy == Some(PullPolicy::Never) {
            return Err(EnvError::ImageNeverPulled {
                service: s.name.clone(),
                image,
            });
        }
        let missing = resp.status.as_u16() == 404;
        if !missing {
            resp.ok()?;
        }
        if missing || s.opts.pull_policy == Some(PullPolicy::Always) {
            let progress = |line: String| plan.step(line);
            crate::image::pull(engine, &s.name, &image, &progress).await?;
            plan.step(format!("image {image} pulled"));
        }
    }
    plan.check_cancel()?;

    // Networks: the ones services use, `default` when a service names none.
    let mut nets: Vec<String> = Vec::new();
    for s in &c.services {
        for n in plan.networks_of(s) {
            if !nets.contains(&n.name) {
                nets.push(n.name);
            }
        }
    }
    for n in &nets {
        let def = c.networks.iter().find(|d| &d.name == n);
        if def.is_some_and(|d| d.external) {
            continue;
        }
        let mut labels: Map<String, Value> = def
            .map(|d| d.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
            .unwrap_or_default();
        labels.extend(plan.labels.clone());
        let name = plan.network_name(n);
        engine
            .send(Request::post("/networks/create").json(&json!({
                "Name": name,
                "CheckDuplicate": true,
                "Driver": def.and_then(|d| d.driver.clone()).unwrap_or_else(|| "bridge".into()),
                "Internal": def.is_some_and(|d| d.internal),
                "Attachable": def.is_some_and(|d| d.attachable),
                "EnableIPv6": def.is_some_and(|d| d.enable_ipv6),
                "Options": def.map(|d| d.driver_opts.clone()).unwrap_or_default(),
                "Labels": labels,
                "IPAM": def.and_then(|d| d.ipam.as_ref()).map(ipam_json),
            })))
            .await?
            .ok()?;
        plan.step(format!("network {name} created"));
    }
    for v in c.volumes.iter().filter(|v| !v.external) {
        let mut labels: Map<String, Value> = v.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        labels.extend(plan.labels.clone());
        let name = plan.volume_name(&v.name);
        engine
            .send(Request::post("/volumes/create").json(&json!({
                "Name": name,
                "Driver": v.driver.clone().unwrap_or_else(|| "local".into()),
                "DriverOpts": v.driver_opts,
                "Labels": labels,
            })))
            .await?
            .ok()?;
        plan.step(format!("volume {name} created"));
    }
    plan.check_cancel()?;

    // Images: the builds run side by side.
    let builds = c
        .services
        .iter()
        .filter_map(|s| s.build.as_ref().map(|b| (s, b)))
        .map(|(s, b)| {
            let tag = plan.image_ref(s);
            let labels = plan.service_labels(s, None);
            async move {
                plan.progress.event(ProgressEvent::Service {
                    service: s.name.clone(),
                    state: ServiceState::Building,
                });
                crate::image::build(engine, &s.name, b, &tag, &labels).await?;
                plan.step(format!("image {tag} built"));
                Ok::<_, EnvError>(())
            }
        });
    for r in futures_util::future::join_all(builds).await {
        r?;
    }
    plan.check_cancel()?;

    // Containers: all created up front, started in dependency order below.
    let creates = c
        .services
        .iter()
        .flat_map(|s| (1..=s.replicas).map(move |replica| (s, replica)))
        .map(|(s, replica)| async move {
            let name = s
                .opts
                .container_name
                .clone()
                .unwrap_or_else(|| format!("{}-{}-{replica}", plan.project, s.name));
            let config = container_config(plan, s, replica);
            let mut req = Request::post("/containers/create").query("name", &name).json(&config);
            if let Some(p) = &s.opts.platform {
                req = req.query("platform", p);
            }
            let resp = engine.send(req).await?;
            if resp.status.as_u16() == 409 && s.opts.container_name.is_some() {
                return Err(EnvError::NameConflict {
                    service: s.name.clone(),
                    name,
                });
            }
            let id = resp.ok()?.json::<Value>()?["Id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            for n in plan.networks_of(s).into_iter().skip(1) {
                engine
                    .send(
                        Request::post(format!("/networks/{}/connect", plan.network_name(&n.name))).json(&json!({
                            "Container": id,
                            "EndpointConfig": plan.endpoint(s, &n),
                        })),
                    )
                    .await?
                    .ok()?;
            }
            Ok::<_, EnvError>(Created {
                service: s.name.clone(),
                replica,
                id,
                name,
            })
        });
    let created: Vec<Created> = futures_util::future::join_all(creates)
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    plan.check_cancel()?;

    start_all(engine, plan, &created).await?;
    Ok(created)
}

fn nanos(d: Option<Duration>) -> Value {
    d.map_or(Value::Null, |d| json!(d.as_nanos() as u64))
}

fn healthcheck_json(h: &Healthcheck) -> Value {
    if h.disable {
        return json!({ "Test": ["NONE"] });
    }
    let mut m = Map::new();
    if let Some(t) = &h.test {
        m.insert("Test".into(), json!(t));
    }
    for (k, v) in [
        ("Interval", nanos(h.interval)),
        ("Timeout", nanos(h.timeout)),
        ("StartPeriod", nanos(h.start_period)),
    ] {
        if !v.is_null() {
            m.insert(k.into(), v);
        }
    }
    if let Some(r) = h.retries {
        m.insert("Retries".into(), json!(r));
    }
    Value::Object(m)
}

/// The `ContainerCreate` body of one replica.
fn container_config(plan: &Plan<'_>, s: &Service, replica: u32) -> Value {
    let mut exposed = Map::new();
    let mut bindings: Map<String, Value> = Map::new();
    for p in &s.ports {
        let key = format!("{}/{}", p.container, p.protocol.as_str());
        exposed.insert(key.clone(), json!({}));
        let entry = bindings.entry(key).or_insert_with(|| json!([]));
        if let Some(a) = entry.as_array_mut() {
            a.push(json!({
                "HostIp": p.host_ip,
                "HostPort": p.host_port.map(|h| h.to_string()).unwrap_or_default(),
            }));
        }
    }
    let mounts: Vec<Value> = s
        .volumes
        .iter()
        .map(|m| match m {
            Mount::Volume {
                source: Some(v),
                target,
                read_only,
            } => json!({ "Type": "volume", "Source": plan.volume_name(v), "Target": target, "ReadOnly": read_only }),
            Mount::Volume {
                source: None,
                target,
                read_only,
            } => json!({
                "Type": "volume", "Target": target, "ReadOnly": read_only,
                // Anonymous volumes carry the project's labels too.
                "VolumeOptions": { "Labels": plan.labels },
            }),
            Mount::Bind {
                source,
                target,
                read_only,
                selinux: None,
            } => json!({ "Type": "bind", "Source": source, "Target": target, "ReadOnly": read_only }),
            // Relabelled binds go to `Binds` below.
            Mount::Bind { selinux: Some(_), .. } => Value::Null,
            Mount::Tmpfs { target, size } => {
                let mut m = json!({ "Type": "tmpfs", "Target": target });
                if let Some(sz) = size {
                    m["TmpfsOptions"] = json!({ "SizeBytes": sz });
                }
                m
            }
        })
        .filter(|m| !m.is_null())
        .collect();
    // The Mounts API has no SELinux option; compose sends such binds in
    // the `Binds` form, `SRC:DST:ro,z`.
    let binds: Vec<String> = s
        .volumes
        .iter()
        .filter_map(|m| match m {
            Mount::Bind {
                source,
                target,
                read_only,
                selinux: Some(z),
            } => Some(format!(
                "{}:{target}:{},{z}",
                source.display(),
                if *read_only { "ro" } else { "rw" }
            )),
            _ => None,
        })
        .collect();
    let restart = match &s.restart {
        None | Some(Restart::No) => json!({ "Name": "no" }),
        Some(Restart::Always) => json!({ "Name": "always" }),
        Some(Restart::UnlessStopped) => json!({ "Name": "unless-stopped" }),
        Some(Restart::OnFailure(n)) => json!({ "Name": "on-failure", "MaximumRetryCount": n.unwrap_or(0) }),
    };
    let mut endpoints = Map::new();
    let network_mode = match (&s.opts.network_mode, plan.networks_of(s).first()) {
        (Some(mode), _) => mode.clone(),
        (None, Some(first)) => {
            let name = plan.network_name(&first.name);
            endpoints.insert(name.clone(), plan.endpoint(s, first));
            name
        }
        (None, None) => "none".into(),
    };
    for (p, proto) in &s.opts.expose {
        exposed.insert(format!("{p}/{}", proto.as_str()), json!({}));
    }
    let env: Vec<String> = s.environment.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut config = json!({
        "Image": plan.image_ref(s),
        "Env": env,
        "Labels": plan.service_labels(s, Some(replica)),
        "ExposedPorts": exposed,
        "Hostname": format!("{}-{replica}", s.name),
        "HostConfig": {
            "PortBindings": bindings,
            "Mounts": mounts,
            "RestartPolicy": restart,
            "NetworkMode": network_mode,
        },
        "NetworkingConfig": { "EndpointsConfig": endpoints },
    });
    apply_options(&mut config, &s.opts);
    if !binds.is_empty() {
        config["HostConfig"]["Binds"] = json!(binds);
    }
    if let Some(cmd) = &s.command {
        config["Cmd"] = json!(cmd);
    }
    if let Some(ep) = &s.entrypoint {
        config["Entrypoint"] = json!(ep);
    }
    if let Some(h) = &s.healthcheck {
        config["Healthcheck"] = healthcheck_json(h);
    }
    config
}

/// Sets the `ContainerCreate` fields of the one-to-one service keys, only
/// those given (so the engine's defaults stay otherwise).
fn apply_options(config: &mut Value, o: &ContainerOptions) {
    let mut top: Vec<(&str, Value)> = Vec::new();
    let mut host: Vec<(&str, Value)> = Vec::new();
    if let Some(u) = &o.user {
        top.push(("User", json!(u)));
    }
    if let Some(w) = &o.working_dir {
        top.push(("WorkingDir", json!(w)));
    }
    if let Some(h) = &o.hostname {
        top.push(("Hostname", json!(h)));
    }
    if let Some(sig) = &o.stop_signal {
        top.push(("StopSignal", json!(sig)));
    }
    if let Some(d) = o.stop_grace_period {
        top.push(("StopTimeout", json!(d.as_secs())));
    }
    if o.stdin_open {
        top.push(("OpenStdin", json!(true)));
        top.push(("AttachStdin", json!(true)));
    }
    if o.tty {
        top.push(("Tty", json!(true)));
    }
    if let Some(v) = o.shm_size {
        host.push(("ShmSize", json!(v)));
    }
    if !o.tmpfs.is_empty() {
        host.push(("Tmpfs", json!(o.tmpfs)));
    }
    if !o.sysctls.is_empty() {
        host.push(("Sysctls", json!(o.sysctls)));
    }
    if o.read_only {
        host.push(("ReadonlyRootfs", json!(true)));
    }
    if o.privileged {
        host.push(("Privileged", json!(true)));
    }
    for (k, list) in [
        ("SecurityOpt", &o.security_opt),
        ("CapAdd", &o.cap_add),
        ("CapDrop", &o.cap_drop),
        ("ExtraHosts", &o.extra_hosts),
    ] {
        if !list.is_empty() {
            host.push((k, json!(list)));
        }
    }
    if !o.ulimits.is_empty() {
        let u: Vec<Value> = o
            .ulimits
            .iter()
            .map(|u| json!({ "Name": u.name, "Soft": u.soft, "Hard": u.hard }))
            .collect();
        host.push(("Ulimits", json!(u)));
    }
    if let Some(i) = o.init {
        host.push(("Init", json!(i)));
    }
    if let Some(p) = o.pids_limit {
        host.push(("PidsLimit", json!(p)));
    }
    if let Some(r) = &o.runtime {
        host.push(("Runtime", json!(r)));
    }
    if let Some(m) = o.memory {
        host.push(("Memory", json!(m)));
    }
    if let Some(m) = o.memory_reservation {
        host.push(("MemoryReservation", json!(m)));
    }
    if let Some(c) = o.nano_cpus {
        host.push(("NanoCpus", json!(c)));
    }
    for f in &o.fields {
        if f.host {
            host.push((f.field, f.value.clone()));
        } else {
            top.push((f.field, f.value.clone()));
        }
    }
    for (k, v) in top {
        config[k] = v;
    }
    for (k, v) in host {
        config["HostConfig"][k] = v;
    }
}

/// The `IPAM` section of `POST /networks/create`.
fn ipam_json(i: &Ipam) -> Value {
    let pools: Vec<Value> = i
        .config
        .iter()
        .map(|p| {
            json!({
                "Subnet": p.subnet, "IPRange": p.ip_range, "Gateway": p.gateway,
                "AuxiliaryAddresses": p.aux_addresses,
            })
        })
        .collect();
    json!({ "Driver": i.driver.clone().unwrap_or_else(|| "default".into()), "Config": pools, "Options": i.options })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Pending,
    Started,
    Ready,
    Completed,
    Failed,
}

fn satisfies(s: St, c: Condition) -> bool {
    match c {
        Condition::Started => matches!(s, St::Started | St::Ready | St::Completed),
        Condition::Healthy => matches!(s, St::Ready | St::Completed),
        Condition::CompletedSuccessfully => s == St::Completed,
    }
}

fn condition_words(c: Condition) -> &'static str {
    match c {
        Condition::Started => "to start",
        Condition::Healthy => "to be ready",
        Condition::CompletedSuccessfully => "to complete successfully",
    }
}

/// Starts every service when its dependencies allow and waits until all are
/// ready (or completed), or the deadline passes.
async fn start_all(engine: &Engine, plan: &Plan<'_>, created: &[Created]) -> Result<(), EnvError> {
    let c = plan.compose;
    let started_at = Instant::now();
    let deadline = started_at + plan.wait_timeout;
    let followers = &Followers::new(plan.wait_timeout);
    let mut senders = BTreeMap::new();
    let mut receivers = BTreeMap::new();
    for s in &c.services {
        let (tx, rx) = watch::channel(St::Pending);
        senders.insert(s.name.clone(), tx);
        receivers.insert(s.name.clone(), rx);
    }
    // A service others wait on to complete is expected to exit 0.
    let completes = |name: &str| {
        c.services
            .iter()
            .flat_map(|s| &s.depends_on)
            .any(|d| d.service == name && d.condition == Condition::CompletedSuccessfully)
    };
    let tasks = c.services.iter().map(|s| {
        let tx = senders.remove(&s.name).expect("one sender per service");
        let deps: Vec<_> = s
            .depends_on
            .iter()
            .map(|d| (d.service.clone(), d.condition, receivers[&d.service].clone()))
            .collect();
        let mine: Vec<&Created> = created.iter().filter(|x| x.service == s.name).collect();
        let goal_completes = completes(&s.name);
        async move {
            let result = run_service(engine, plan, s, deps, &mine, goal_completes, deadline, &tx, followers).await;
            let _ = tx.send(if result.is_empty() {
                if goal_completes {
                    St::Completed
                } else {
                    St::Ready
                }
            } else {
                St::Failed
            });
            result
        }
    });
    let mut failures: Vec<ServiceFailure> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flatten()
        .collect();
    followers.stop().await;
    if failures.is_empty() {
        return Ok(());
    }
    if plan.cancelled() {
        return Err(EnvError::Interrupted);
    }
    // Put the causes first: dependants that were never started come last.
    failures.sort_by_key(|f| matches!(f.reason, Reason::DependencyFailed { .. }));
    Err(NotReady {
        project: plan.project.to_string(),
        waited: plan.wait_timeout,
        failures,
    }
    .into())
}

#[allow(clippy::too_many_arguments)]
async fn run_service(
    engine: &Engine,
    plan: &Plan<'_>,
    s: &Service,
    deps: Vec<(String, Condition, watch::Receiver<St>)>,
    replicas: &[&Created],
    completes: bool,
    deadline: Instant,
    tx: &watch::Sender<St>,
    followers: &Followers,
) -> Vec<ServiceFailure> {
    let fail = |waited_for: String, reason: Reason| ServiceFailure {
        service: s.name.clone(),
        replica: 0,
        waited_for,
        reason,
        last_seen: None,
        logs: Vec::new(),
    };
    let mut cancel = plan.cancel.clone();
    for (dep, cond, mut rx) in deps {
        let waited = format!("dependency `{dep}` {}", condition_words(cond));
        plan.progress.event(ProgressEvent::Service {
            service: s.name.clone(),
            state: ServiceState::Waiting(waited.clone()),
        });
        loop {
            let st = *rx.borrow_and_update();
            if satisfies(st, cond) {
                break;
            }
            if st == St::Failed || (cond == Condition::CompletedSuccessfully && st == St::Ready) {
                return vec![fail(waited, Reason::DependencyFailed { dependency: dep })];
            }
            tokio::select! {
                r = rx.changed() => if r.is_err() { return vec![fail(waited, Reason::DependencyFailed { dependency: dep })] },
                _ = tokio::time::sleep_until(deadline) => return vec![fail(waited, Reason::TimedOut)],
                Ok(_) = cancel.wait_for(|c| *c) => return vec![fail(waited, Reason::Interrupted)],
            }
        }
    }
    plan.progress.event(ProgressEvent::Service {
        service: s.name.clone(),
        state: ServiceState::Starting,
    });
    let starts = replicas.iter().map(|r| async move {
        match engine
            .container_start(&r.id)
            .await
            .and_then(|resp| resp.expect_status(&[204, 304]))
        {
            Ok(_) => None,
            Err(e) => Some(ServiceFailure {
                replica: r.replica,
                logs: ready::logs_tail(engine, &r.id, plan.log_lines).await,
                ..fail("the container to start".into(), Reason::Engine(e.to_string()))
            }),
        }
    });
    let failed: Vec<ServiceFailure> = futures_util::future::join_all(starts)
        .await
        .into_iter()
        .flatten()
        .collect();
    if !failed.is_empty() {
        return failed;
    }
    let _ = tx.send(St::Started);
    if plan.follow_logs {
        for r in replicas {
            let who = Followed {
                service: s.name.clone(),
                replica: r.replica,
                id: r.id.clone(),
                tty: s.opts.tty,
            };
            followers.follow(engine, &plan.progress, who);
        }
    }
    let waits = replicas
        .iter()
        .map(|r| wait_replica(engine, plan, s, r, completes, deadline));
    let failures: Vec<ServiceFailure> = futures_util::future::join_all(waits)
        .await
        .into_iter()
        .flatten()
        .collect();
    if failures.is_empty() {
        plan.progress.event(ProgressEvent::Service {
            service: s.name.clone(),
            state: if completes {
                ServiceState::Completed
            } else {
                ServiceState::Ready
            },
        });
    } else {
        plan.progress.event(ProgressEvent::Service {
            service: s.name.clone(),
            state: ServiceState::Failed,
        });
    }
    failures
}

async fn wait_replica(
    engine: &Engine,
    plan: &Plan<'_>,
    s: &Service,
    r: &Created,
    completes: bool,
    deadline: Instant,
) -> Option<ServiceFailure> {
    let rules: &[ReadyRule] = &s.ready;
    let mut cancel = plan.cancel.clone();
    let mut announced = false;
    let mut last_seen: Option<String> = None;
    let mut waited_for = ready::waited_for(rules, false, completes);
    let failure = |waited_for: String, reason: Reason, last_seen: Option<String>| async move {
        Some(ServiceFailure {
            service: s.name.clone(),
            replica: r.replica,
            waited_for,
            reason,
            last_seen,
            logs: ready::logs_tail(engine, &r.id, plan.log_lines).await,
        })
    };
    loop {
        let inspect = match engine
            .container_inspect(&r.id)
            .await
            .and_then(|x| x.ok())
            .and_then(|x| x.json::<Value>())
        {
            Ok(v) => v,
            Err(e) if e.is_engine_down() => return failure(waited_for, Reason::Engine(e.to_string()), last_seen).await,
            Err(e) => {
                last_seen = Some(e.to_string());
                Value::Null
            }
        };
        if !inspect.is_null() {
            waited_for = ready::waited_for(rules, inspect["State"]["Health"].is_object(), completes);
            if !announced {
                announced = true;
                if r.replica == 1 {
                    plan.progress.event(ProgressEvent::Service {
                        service: s.name.clone(),
                        state: ServiceState::Waiting(waited_for.clone()),
                    });
                }
            }
            let (seen, last) = ready::observe(engine, &r.id, if completes { &[] } else { rules }, &inspect).await;
            last_seen = last.or(last_seen);
            match seen {
                Seen::Ready if !completes => return None,
                Seen::Exited(0) if completes => return None,
                Seen::Exited(code) => return failure(waited_for, Reason::Exited { code }, last_seen).await,
                Seen::Unhealthy => return failure(waited_for, Reason::Unhealthy, last_seen).await,
                Seen::Ready | Seen::NotYet => {}
            }
        }
        if Instant::now() >= deadline {
            return failure(waited_for, Reason::TimedOut, last_seen).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            Ok(_) = cancel.wait_for(|c| *c) => return failure(waited_for, Reason::Interrupted, last_seen).await,
        }
    }
}

/// Whether a project already has containers on the engine.
pub(crate) async fn existing_containers(engine: &Engine, project: &str) -> Result<usize, EngineError> {
    Ok(engine
        .container_list(true, Some(&labels::project_filter(project)))
        .await?
        .len())
}
