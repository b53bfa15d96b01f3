//! The validator on replies recorded from Docker 20.10
//! (`scripts/record-shape-fixtures`, listed with their Content-Type in
//! `fixtures/media.txt`). Each recorded reply gives exactly the findings
//! listed for it here: 20.10's known deviations from the v1.41 reference,
//! each with the reason it is the engine's and not the shapes'.

use dockhand_shapes::{Finding, FindingKind};

use crate::kit::{check, fixture, recorded, summary, V1_41};

fn findings_of(name: &str) -> Vec<Finding> {
    let (file, method, path, status, ct) = recorded("")
        .into_iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("{name} is not in media.txt"));
    check(V1_41, &method, &path, status, ct.as_deref(), &fixture(&file))
}

/// The findings each recorded 20.10 reply gives (all others give none),
/// sorted: engine deviations (they fail) and extras (they do not).
fn expected(name: &str) -> Vec<(String, FindingKind)> {
    use FindingKind::*;
    // Engine deviation: `ImageSummary.RepoDigests` is required and
    // `x-nullable: false`; 20.10 lists an image that has no digest (loaded
    // from an archive, never pulled or pushed) with `"RepoDigests": null`,
    // where its inspect says `[]` (image-inspect.json).
    let repo_digests_null = |at: &str| (format!("{at}/RepoDigests"), NullNotNullable);
    match name {
        "image-list.json" => vec![repo_digests_null("/0")],
        // Extra: `BuilderSize` is not in v1.41's SystemDataUsageResponse
        // (20.10 still sends the deprecated field).
        "system-df.json" => vec![("/BuilderSize".into(), Extra), repo_digests_null("/Images/0")],
        // Extra: the deprecated `status`, `id` and `from` that 20.10 still
        // sends beside `Action`, `Actor.ID` and `Actor.Attributes.image`, on
        // every line (a recurring finding is kept for its first line).
        "events.jsonl" => ["from", "id", "status"].map(|k| (format!("/0/{k}"), Extra)).into(),
        _ => vec![],
    }
}

#[test]
fn every_recorded_reply_gives_exactly_its_known_findings() {
    let mut report = Vec::new();
    for (file, ..) in recorded("") {
        let got = summary(&findings_of(&file));
        let mut want = expected(&file);
        want.sort_by(|a, b| a.0.cmp(&b.0));
        if got != want {
            report.push(format!("{file}:\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn every_fixture_is_recorded_in_media_txt() {
    let listed: Vec<String> = recorded("").into_iter().map(|r| r.0).collect();
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            continue; // another engine's recordings (podman-4.3/, podman.rs)
        }
        let name = e.file_name().into_string().unwrap();
        assert!(
            name == "media.txt" || listed.contains(&name),
            "{name} is not in media.txt"
        );
    }
    assert!(listed.len() >= 30);
}
