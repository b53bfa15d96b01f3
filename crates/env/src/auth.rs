//! Registry credentials for pulls, as the docker CLI finds them: the docker
//! config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), its
//! `credHelpers` for the registry, else its `credsStore`, else its `auths`
//! entry. [`registry_auth`] gives the `X-Registry-Auth` header value.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde_json::{json, Value};

/// The registry host of an image reference, as the docker config keys it.
pub fn registry_host(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first.to_string(),
        _ => "https://index.docker.io/v1/".to_string(),
    }
}

fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => Some(PathBuf::from(d).join("config.json")),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json")),
    }
}

/// Asks `docker-credential-<helper>` for the host's credentials.
fn from_helper(helper: &str, host: &str) -> Option<(String, String)> {
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(host.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((v["Username"].as_str()?.to_string(), v["Secret"].as_str()?.to_string()))
}

/// The `X-Registry-Auth` value for pulling `image`, when the docker config
/// has credentials for its registry.
pub fn registry_auth(image: &str) -> Option<String> {
    let config: Value = serde_json::from_slice(&std::fs::read(config_path()?).ok()?).ok()?;
    let host = registry_host(image);
    let helper = config["credHelpers"][&host]
        .as_str()
        .or_else(|| config["credsStore"].as_str());
    let creds = helper.and_then(|h| from_helper(h, &host)).or_else(|| {
        let entry = [host.clone(), format!("https://{host}"), format!("http://{host}")]
            .iter()
            .find_map(|k| config["auths"].get(k).cloned())?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(entry["auth"].as_str()?)
            .ok()?;
        let (user, pass) = String::from_utf8(raw)
            .ok()?
            .split_once(':')
            .map(|(u, p)| (u.to_string(), p.to_string()))?;
        Some((user, pass))
    })?;
    let body = json!({ "username": creds.0, "password": creds.1, "serveraddress": host });
    Some(base64::engine::general_purpose::URL_SAFE.encode(body.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_as_the_docker_config_keys_them() {
        assert_eq!(registry_host("postgres:16"), "https://index.docker.io/v1/");
        assert_eq!(registry_host("library/postgres"), "https://index.docker.io/v1/");
        assert_eq!(registry_host("127.0.0.1:5000/a:1"), "127.0.0.1:5000");
        assert_eq!(registry_host("ghcr.io/o/a"), "ghcr.io");
        assert_eq!(registry_host("localhost/a"), "localhost");
    }
}
