//! A cluster's network: one namespace holding a Linux bridge (the "switch"),
//! one namespace per node joined to it by a veth pair, and one UTS namespace
//! per node for its host name.
//!
//! ```text
//! netns dhcluster-<name>           br0 ── vn1 ── vn2 ── vn3
//!                                         │      │      │   (veth pairs)
//! netns dhcluster-<name>.n1 ...         eth0   eth0   eth0   10.217.<k>.2, .3, .4 /24
//! ```
//!
//! Why the bridge is not in the host's namespace: on a Docker host,
//! `br_netfilter` is loaded and `net.bridge.bridge-nf-call-iptables=1`, so
//! frames bridged between the veths would traverse the host's iptables
//! `FORWARD` chain, whose policy Docker sets to `DROP`. Making swarm traffic
//! pass would mean editing the host's firewall. In its own namespace the
//! bridge meets an empty firewall, and deleting that one namespace removes
//! the bridge and every veth with it. The host's routes and addresses are
//! still consulted so that no cluster subnet shadows one of the host's.
//!
//! The nodes have no default route on purpose: with no way out, an image
//! pull (swarm tries one for every task) fails at once with "network is
//! unreachable" instead of waiting for a DNS timeout.

use std::path::Path;
use std::process::Command;

use super::error::ClusterError;
use crate::netns;

/// Every cluster namespace starts with this. Deliberately not `dockhand-`:
/// [`crate::sweep_stale`] treats those as private engines and removes them
/// when no process holds their lock, and cluster daemons outlive the process
/// that made them.
pub const CLUSTER_NETNS_PREFIX: &str = "dhcluster-";

/// The switch namespace of a cluster.
pub(crate) fn switch_netns(cluster: &str) -> String {
    format!("{CLUSTER_NETNS_PREFIX}{cluster}")
}

/// The namespace of a node. The `.` cannot occur in a cluster name, so no
/// node namespace of one cluster is another cluster's switch or node namespace.
pub(crate) fn node_netns(cluster: &str, node: &str) -> String {
    format!("{CLUSTER_NETNS_PREFIX}{cluster}.{node}")
}

/// The address of node number `i` (1-based) in subnet `k`: `.1` is left free.
pub(crate) fn node_address(k: u8, i: usize) -> String {
    format!("10.217.{k}.{}", i + 1)
}

fn run(program: &str, args: &[&str]) -> Result<(), ClusterError> {
    netns::run_quiet(program, args).map_err(|(command, detail)| ClusterError::Net { command, detail })
}

fn create_netns(name: &str) -> Result<(), ClusterError> {
    netns::create(name).map_err(|e| ClusterError::Net {
        command: format!("ip netns add {name}"),
        detail: e.to_string(),
    })
}

/// Creates the switch namespace with its bridge `br0`, up.
pub(crate) fn create_switch(ns: &str) -> Result<(), ClusterError> {
    create_netns(ns)?;
    run("ip", &["-n", ns, "link", "add", "br0", "type", "bridge"])?;
    run("ip", &["-n", ns, "link", "set", "br0", "up"])
}

/// Creates a node's namespace and plugs it into the switch as `eth0` with `address/24`.
pub(crate) fn create_node(switch: &str, ns: &str, port: &str, address: &str) -> Result<(), ClusterError> {
    create_netns(ns)?;
    run(
        "ip",
        &[
            "-n", switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns,
        ],
    )?;
    run("ip", &["-n", switch, "link", "set", port, "master", "br0", "up"])?;
    run(
        "ip",
        &["-n", ns, "addr", "add", &format!("{address}/24"), "dev", "eth0"],
    )?;
    run("ip", &["-n", ns, "link", "set", "eth0", "up"])
}

/// Deletes a namespace if it exists (its links go with it).
pub(crate) fn delete_netns(ns: &str) -> Result<(), ClusterError> {
    netns::delete(ns).map_err(|e| ClusterError::Net {
        command: format!("ip netns delete {ns}"),
        detail: e.to_string(),
    })
}

/// Creates a persistent UTS namespace bound to `file` with host name `hostname`.
pub(crate) fn create_uts(file: &Path, hostname: &str) -> Result<(), ClusterError> {
    std::fs::write(file, b"").map_err(|e| ClusterError::io(format!("cannot create {}", file.display()), e))?;
    run("unshare", &[&format!("--uts={}", file.display()), "hostname", hostname])
}

/// Whether `10.217.k.0/24` overlaps a route the host already has (`ip -4 route` lines).
pub(crate) fn host_uses_subnet(k: u8, host_routes: &str) -> bool {
    let ours = (u32::from_be_bytes([10, 217, k, 0]), 24u32);
    // `local 10.217.9.5 dev eth0 table local`: the prefix follows the route type, if any.
    let prefix = |l: &str| l.split_whitespace().take(2).find_map(parse_prefix);
    host_routes.lines().filter_map(prefix).any(|(net, len)| {
        let common = len.min(ours.1);
        let mask = if common == 0 { 0 } else { u32::MAX << (32 - common) };
        net & mask == ours.0 & mask
    })
}

/// `a.b.c.d/len` or `a.b.c.d` (a /32); `None` for anything else (`default`, `broadcast`, ...).
fn parse_prefix(s: &str) -> Option<(u32, u32)> {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, l.parse().ok()?),
        None => (s, 32),
    };
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    (len <= 32).then_some((u32::from(ip), len))
}

/// The host's IPv4 routes (every table), as `ip` prints them.
pub(crate) fn host_routes() -> String {
    Command::new("ip")
        .args(["-4", "route", "show", "table", "all"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses() {
        assert_eq!(switch_netns("c1"), "dhcluster-c1");
        assert_eq!(node_netns("c1", "n2"), "dhcluster-c1.n2");
        assert_eq!(node_address(7, 1), "10.217.7.2");
        assert!(!switch_netns("x").starts_with(crate::netns::NETNS_PREFIX));
    }

    #[test]
    fn host_subnets_are_avoided() {
        let routes = "default via 192.0.2.1 dev eth0\n10.217.3.0/24 dev br-x proto kernel\n172.17.0.0/16 dev docker0\n";
        assert!(host_uses_subnet(3, routes));
        assert!(!host_uses_subnet(4, routes));
        assert!(host_uses_subnet(9, "10.217.0.0/16 dev vpn0\n"));
        assert!(host_uses_subnet(9, "10.0.0.0/8 dev vpn0\n"));
        assert!(host_uses_subnet(9, "local 10.217.9.5 dev eth1 table local\n"));
        assert!(host_uses_subnet(9, "10.217.9.5 dev tun0\n"));
        assert!(!host_uses_subnet(9, "local 127.0.0.1 dev lo table local\n"));
    }
}
