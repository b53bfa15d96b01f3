//! The validator on replies recorded from Podman 4.3.1's Docker-compatible
//! service (`SOCK=<a private Podman engine's socket>
//! OUT=crates/shapes/tests/fixtures/podman-4.3 scripts/record-shape-fixtures`,
//! on `dockhand engine start NAME --kind podman` with the probe image loaded by
//! `dockhand image build`). The same calls as the Docker 20.10 fixtures; each
//! recorded reply gives exactly the findings listed for it here, the failing
//! ones the deviations a Podman run of the suite meets (docs/shapes.md,
//! "Findings on Podman 4.3").

use dockhand_shapes::{Finding, FindingKind};

use crate::kit::{check, fixture, recorded, summary, V1_41};

const DIR: &str = "podman-4.3";

fn findings(file: &str, method: &str, path: &str, status: u16, ct: Option<&str>) -> Vec<Finding> {
    check(V1_41, method, path, status, ct, &fixture(&format!("{DIR}/{file}")))
}

/// The findings each recorded Podman 4.3.1 reply gives (all others give
/// none), sorted.
fn expected(name: &str) -> Vec<(String, FindingKind)> {
    use FindingKind::*;
    let extras = |at: &str, names: &[&str]| -> Vec<(String, FindingKind)> {
        names.iter().map(|n| (format!("{at}/{n}"), Extra)).collect()
    };
    match name {
        // Podman's own fields beside v1.41's SystemInfo.
        "info.json" => extras(
            "",
            &[
                "BuildahVersion",
                "CPURealtimePeriod",
                "CPURealtimeRuntime",
                "Rootless",
                "SwapFree",
                "SwapTotal",
                "Uptime",
            ],
        ),
        // Podman's error body: `cause` and `response` beside `message`.
        "error-404.json" => extras("", &["cause", "response"]),
        // Engine deviations (the `any-case` entries of known-failures-podman.toml):
        // `State.Health.Status` is the enum none, starting, healthy, unhealthy
        // and `HostConfig.CgroupnsMode` the enum private, host; Podman sends
        // `""` for both (a container whose healthcheck is NONE, and the
        // default cgroup namespace mode).
        "container-inspect.json" | "container-inspect-exited.json" => vec![
            ("/HostConfig/CgroupnsMode".into(), BadEnum),
            ("/State/Health/Status".into(), BadEnum),
        ],
        "container-list.json" => extras(
            "/0",
            &["AdjustCPUShares", "Config", "Name", "NetworkingConfig", "Platform"],
        ),
        // Engine deviation: ContainerTop's 200 is a ContainerTopResponse;
        // Podman 4.3 answers an empty body (and no Content-Type).
        "container-top.json" => vec![("".into(), InvalidJson)],
        // Engine deviation: the one-shot stats reply has no Content-Type.
        "container-stats.json" => vec![("".into(), MediaType)],
        "image-list.json" => extras("/0", &["Digest", "History", "Names"]),
        // Engine deviation, as Docker 20.10's: an image without digests
        // listed with `"RepoDigests": null`. Extra: the deprecated BuilderSize.
        "system-df.json" => vec![
            ("/BuilderSize".into(), Extra),
            ("/Images/0/RepoDigests".into(), NullNotNullable),
        ],
        _ => vec![],
    }
}

#[test]
fn every_recorded_podman_reply_gives_exactly_its_known_findings() {
    let all = recorded(DIR);
    assert!(all.len() >= 30, "{} recorded replies", all.len());
    let mut report = Vec::new();
    for (file, method, path, status, ct) in all {
        let got = summary(&findings(&file, &method, &path, status, ct.as_deref()));
        let mut want = expected(&file);
        want.sort_by(|a, b| a.0.cmp(&b.0));
        if got != want {
            report.push(format!("{file}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

/// The two `any-case` deviations, named exactly as the pins of
/// known-failures-podman.toml name them (call, field, value).
#[test]
fn podman_s_inspect_deviations_are_the_pinned_ones() {
    let f = findings(
        "container-inspect.json",
        "GET",
        "/v1.41/containers/c/json",
        200,
        Some("application/json"),
    );
    let got: Vec<(&str, &str, &str)> = f
        .iter()
        .map(|f| (f.operation.as_str(), f.pointer.as_str(), f.actual.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("ContainerInspect", "/State/Health/Status", r#""""#),
            ("ContainerInspect", "/HostConfig/CgroupnsMode", r#""""#),
        ]
    );
}

#[test]
fn every_podman_fixture_is_recorded_in_its_media_txt() {
    let listed: Vec<String> = recorded(DIR).into_iter().map(|r| r.0).collect();
    let dir = format!("{}/tests/fixtures/{DIR}", env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "media.txt" || listed.contains(&name),
            "{name} is not in {DIR}/media.txt"
        );
    }
}
