//! What no single key shows: every dependency exists and is enabled (with
//! the profiles on), networks and volumes a service uses are defined,
//! replicas do not share a fixed host port, and the dependencies have no
//! cycle (`graph`).

use std::collections::{BTreeMap, BTreeSet};

use super::decode::{suggest, Decoder, R};
use super::graph;
use super::model::{Compose, Mount, Service};

impl Decoder {
    pub(super) fn validate(&self, c: &Compose, all: &BTreeMap<String, Service>) -> R<()> {
        let nets: BTreeSet<&str> = c.networks.iter().map(|n| n.name.as_str()).collect();
        let vols: BTreeSet<&str> = c.volumes.iter().map(|n| n.name.as_str()).collect();
        for s in &c.services {
            for d in &s.depends_on {
                match all.get(&d.service) {
                    None => {
                        return self.err(
                            d.pos,
                            format!(
                                "service `{}` depends on `{}`, which is not a service in this file{}",
                                s.name,
                                d.service,
                                suggest(&d.service, &all.keys().map(String::as_str).collect::<Vec<_>>())
                            ),
                        )
                    }
                    Some(dep) if !c.services.iter().any(|e| e.name == d.service) => {
                        return self.err(
                            d.pos,
                            format!(
                                "service `{}` depends on `{}`, which is not enabled; add --profile {}",
                                s.name,
                                d.service,
                                dep.profiles.join(" or --profile ")
                            ),
                        )
                    }
                    Some(_) => {}
                }
                if d.service == s.name {
                    return self.err(d.pos, format!("service `{}` depends on itself", s.name));
                }
            }
            for n in &s.networks {
                if n.name != "default" && !nets.contains(n.name.as_str()) {
                    return self.err(
                        s.pos,
                        format!(
                            "service `{}` uses network `{}`, which the top-level `networks` does not define; add it there",
                            s.name, n.name
                        ),
                    );
                }
            }
            for m in &s.volumes {
                if let Mount::Volume { source: Some(v), .. } = m {
                    if !vols.contains(v.as_str()) {
                        return self.err(
                            s.pos,
                            format!(
                                "service `{}` mounts volume `{v}`, which the top-level `volumes` does not define; add it there (or write a path starting with ./ or / for a bind mount)",
                                s.name
                            ),
                        );
                    }
                }
            }
            if s.replicas > 1 && s.opts.container_name.is_some() {
                return self.err(
                    s.pos,
                    format!(
                        "service `{}` has {} replicas but a fixed `container_name`; names are unique on an engine: drop one of them",
                        s.name, s.replicas
                    ),
                );
            }
            if s.replicas > 1 {
                if let Some(p) = s.ports.iter().find(|p| p.host_port.is_some()) {
                    return self.err(
                        s.pos,
                        format!(
                            "service `{}` has {} replicas but publishes the fixed host port {}; they cannot all bind it: publish only the container port (`\"{}\"`)",
                            s.name,
                            s.replicas,
                            p.host_port.unwrap_or_default(),
                            p.container
                        ),
                    );
                }
            }
        }
        graph::order(c).map(|_| ()).or_else(|cycle| {
            let s = c
                .services
                .iter()
                .find(|s| s.name == cycle[0])
                .map(|s| s.pos)
                .unwrap_or_default();
            self.err(
                s,
                format!("the services depend on each other in a cycle: {}", cycle.join(" -> ")),
            )
        })
    }
}
