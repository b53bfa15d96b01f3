//! `networks/reach/*`: what containers can reach. Names and aliases through
//! the engine's embedded DNS, the wall around an internal network, and a
//! port published on the host's loopback.

use std::time::Duration;

use dockhand_harness::hostnet::EngineHost;
use dockhand_harness::{ensure, CheckError, CheckResult, Ctx, Observed};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

use super::{create_network, endpoint, Ipam};
use crate::support::{create_probe, probe_config, run_probe_to_exit, send, start_container, wait_for_logs};

const PORT: u16 = 8080;

/// Starts a probe serving TCP on [`PORT`] with `config`'s network settings
/// and waits until it listens; its id.
async fn server(ctx: &Ctx, config: Value) -> Result<String, CheckError> {
    let id = create_probe(ctx, "server", config).await?;
    start_container(ctx, &id).await?;
    let what = (
        "a line starting \"probe: listening tcp\" in the probe's logs within 10s",
        "the line",
    );
    wait_for_logs(ctx, &id, Duration::from_secs(10), what, |l| {
        l.stdout.iter().any(|s| s.starts_with("probe: listening tcp"))
    })
    .await?;
    Ok(id)
}

pub(crate) async fn run_dns(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let variant = ctx.variant().unwrap_or("name");
    let net = create_network(&ctx, "n", json!({}), Ipam::Subnet).await?;
    let alias = ctx.name("alias");
    // Created before the server, so that cleanup removes the server first.
    let second = if variant == "connect-alias" {
        Some(create_network(&ctx, "second", json!({}), Ipam::Subnet).await?)
    } else {
        None
    };
    let mut config = probe_config(&ctx, &image, &[&format!("serve-tcp={PORT}"), "idle"]);
    config["HostConfig"]["NetworkMode"] = json!(net.name);
    if variant == "alias" {
        config["NetworkingConfig"] = json!({ "EndpointsConfig": { net.name.clone(): { "Aliases": [alias] } } });
    }
    let sid = server(&ctx, config).await?;

    // The client's network: the server's, or a second one joined with an alias.
    let client_net = if let Some(second) = second {
        let r = send(
            &ctx,
            dockhand_engine::Request::post(format!("/networks/{}/connect", second.id))
                .json(&json!({ "Container": sid, "EndpointConfig": { "Aliases": [alias] } })),
        )
        .await?;
        ctx.expect_status_ref(
            &r,
            200,
            "connect of the server with an alias",
            "NetworkConnect: 200 No error",
        )?;
        second
    } else {
        net
    };
    let target = if variant == "name" { ctx.name("server") } else { alias };
    let ip = endpoint(&ctx, &sid, &client_net.name).await?["IPAddress"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let mut config = probe_config(
        &ctx,
        &image,
        &[&format!("resolve={target}"), &format!("connect={target}:{PORT}")],
    );
    config["HostConfig"]["NetworkMode"] = json!(client_net.name);
    let run = run_probe_to_exit(&ctx, "client", config).await?;
    let resolved = run
        .lines
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix(&format!("probe: resolved {target} ")))
        .map(|ips| ips.split(' ').map(str::to_string).collect::<Vec<_>>());
    ensure!(
        run.exit_code == 0 && resolved.as_ref().is_some_and(|ips| ips.contains(&ip)),
        format!(
            "{target} resolved by the embedded DNS from a container on {}",
            client_net.name
        ),
        format!("the server's address there, {ip}"),
        run.output()
    );
    let connected = format!("probe: connected {target}:{PORT}");
    ensure!(
        run.lines.stdout.contains(&connected),
        format!("a TCP connection to {target}:{PORT}"),
        connected.clone(),
        run.output()
    );
    Ok(())
}

/// The host port the engine bound for [`PORT`], from container inspect.
async fn host_port(ctx: &Ctx, id: &str) -> Result<(Value, u16), CheckError> {
    let r = ctx.engine().container_inspect(id).await?;
    ctx.expect_status_ref(&r, 200, "inspect of the server", "ContainerInspect: 200 no error")?;
    let v: Value = r.json()?;
    let bindings = v["NetworkSettings"]["Ports"][format!("{PORT}/tcp")].clone();
    let port = bindings[0]["HostPort"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Ok((v, port))
}

pub(crate) async fn run_internal(ctx: Ctx) -> CheckResult {
    let image = ctx.probe().await?;
    let internal = ctx.variant() == Some("internal");
    let server_net = create_network(&ctx, "server", json!({}), Ipam::Subnet).await?;
    let client_net = create_network(&ctx, "client", json!({ "Internal": internal }), Ipam::Subnet).await?;
    let gateway = client_net.gateway.clone().unwrap_or_default();

    // The server lives on its own network and publishes its port on the
    // client network's gateway, the host's address on that bridge.
    let mut config = probe_config(&ctx, &image, &[&format!("serve-tcp={PORT}"), "idle"]);
    config["ExposedPorts"] = json!({ format!("{PORT}/tcp"): {} });
    config["HostConfig"]["NetworkMode"] = json!(server_net.name);
    config["HostConfig"]["PortBindings"] = json!({ format!("{PORT}/tcp"): [{ "HostIp": gateway, "HostPort": "0" }] });
    let sid = server(&ctx, config).await?;
    let (_, port) = host_port(&ctx, &sid).await?;
    ensure!(
        port != 0,
        "the host port published for the server",
        "a port number",
        "none"
    );

    let target = format!("{gateway}:{port}");
    let mut config = probe_config(&ctx, &image, &[&format!("connect={target}")]);
    config["HostConfig"]["NetworkMode"] = json!(client_net.name);
    let run = run_probe_to_exit(&ctx, "client", config).await?;
    if internal {
        let refused = run.exit_code == 3
            && run
                .lines
                .stderr
                .iter()
                .any(|l| l.starts_with(&format!("probe: connect {target} failed")));
        if !refused {
            // The fact a known failure pins: the client's exit code, as the
            // wait for it reported (0: connected; 3: refused).
            return Err(CheckError::failed(
                format!("a connection from a container on the internal network {} to {target}, a port published on its gateway (NetworkCreate, Internal: \"Restrict external access to the network\")", client_net.name),
                "no way out: the probe's connect fails (exit 3)",
                run.output(),
            )
            .with_observed(Observed::field_value(
                "POST",
                &format!("/containers/{}/wait", run.id),
                "/StatusCode",
                run.exit_code.into(),
            )));
        }
    } else {
        ensure!(
            run.exit_code == 0 && run.lines.stdout.contains(&format!("probe: connected {target}")),
            format!("a connection from a container on the plain bridge network {} to {target}, a port published on its gateway", client_net.name),
            "connected (exit 0)",
            run.output()
        );
    }
    Ok(())
}

pub(crate) async fn run_published(ctx: Ctx) -> CheckResult {
    // The engine's 127.0.0.1 is ours only when it shares our network
    // namespace; a private engine's or a cluster node's is reached from
    // inside theirs.
    let host = EngineHost::locate(ctx.engine().endpoint()).await;
    let fixed = ctx.variant() == Some("fixed");
    // Finding a free port needs the engine's host network; the inspect and
    // list assertions of port-zero do not, and run whatever the endpoint.
    if let (true, EngineHost::Unknown(why)) = (fixed, &host) {
        return Err(CheckError::Skip(format!(
            "{why}; a fixed host port needs a port free on the engine's host"
        )));
    }
    let image = ctx.probe().await?;
    let asked = if fixed {
        // A port free right now; the engine binds it a moment later.
        host.free_port()
            .await
            .map_err(|e| CheckError::Broken(format!("cannot find a free port on the engine's 127.0.0.1: {e}")))?
    } else {
        0
    };
    let mut config = probe_config(&ctx, &image, &[&format!("serve-tcp={PORT}"), "idle"]);
    config["ExposedPorts"] = json!({ format!("{PORT}/tcp"): {} });
    config["HostConfig"]["PortBindings"] =
        json!({ format!("{PORT}/tcp"): [{ "HostIp": "127.0.0.1", "HostPort": asked.to_string() }] });
    let sid = server(&ctx, config).await?;

    let (v, port) = host_port(&ctx, &sid).await?;
    let bindings = &v["NetworkSettings"]["Ports"][format!("{PORT}/tcp")];
    ensure!(
        bindings[0]["HostIp"] == "127.0.0.1" && port != 0 && (!fixed || port == asked),
        format!("NetworkSettings.Ports[\"{PORT}/tcp\"] of the server"),
        if fixed {
            format!("[{{HostIp 127.0.0.1, HostPort {asked}}}]")
        } else {
            "[{HostIp 127.0.0.1, HostPort <a port the engine chose>}]".to_string()
        },
        bindings.to_string()
    );

    let list = ctx
        .engine()
        .container_list(false, Some(&json!({ "id": [sid] }).to_string()))
        .await?;
    let ports = &list.first().cloned().unwrap_or(Value::Null)["Ports"];
    let listed = ports.as_array().is_some_and(|a| {
        a.iter().any(|p| {
            p["IP"] == "127.0.0.1" && p["PrivatePort"] == PORT && p["PublicPort"] == port && p["Type"] == "tcp"
        })
    });
    ensure!(
        listed,
        "GET /containers/json: the server's Ports",
        format!("{{IP 127.0.0.1, PrivatePort {PORT}, PublicPort {port}, Type tcp}}"),
        ports.to_string()
    );

    // Only the connection needs to reach the engine's 127.0.0.1.
    if let EngineHost::Unknown(why) = &host {
        return Err(CheckError::Skip(format!(
            "the inspect and list assertions held; the connection to the published port was not tried: {why}"
        )));
    }
    let hostname = v["Config"]["Hostname"].as_str().unwrap_or_default().to_string();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let read = async {
        let mut s = host.connect(addr, Duration::from_secs(5)).await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    let got = tokio::time::timeout(Duration::from_secs(5), read).await;
    let want = format!("probe {hostname}\n");
    let got = match got {
        Ok(Ok(b)) => String::from_utf8_lossy(&b).into_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "no reply within 5 s".to_string(),
    };
    ensure!(
        got == want,
        format!("what the host reads from 127.0.0.1:{port}"),
        format!("{want:?}"),
        format!("{got:?}")
    );
    Ok(())
}
