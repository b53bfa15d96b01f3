//! Step files end to end: the examples pass, each expectation kind fails
//! when the engine's (or the command's) answer differs, a malformed file is
//! a configuration error naming its position and nothing runs, `--cli`
//! picks the CLI, and the `cli/` checks skip without one.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::kit::serial;
use crate::kit::{assert_run_clean, dockhand, events, run_id, text};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/checks")
}

/// The check-finished events by case id.
fn outcomes(ev: &[Value]) -> Vec<(String, Value)> {
    ev.iter()
        .filter(|e| e["event"] == "check-finished")
        .map(|e| {
            (
                e["case"]["id"].as_str().unwrap_or_default().to_string(),
                e["outcome"].clone(),
            )
        })
        .collect()
}

#[test]
fn the_examples_pass_and_leave_nothing_behind() {
    let _engine = serial::shared(serial::ENGINE);
    let o = dockhand(["check", "--format", "json", "--checks-dir"])
        .args([examples()])
        .args(["site"])
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
    let done = outcomes(&ev);
    assert!(done.len() >= 6, "{}", text(&o));
    for (id, outcome) in &done {
        assert_eq!(outcome["kind"], "passed", "{id}: {outcome}");
    }
    assert_run_clean(&run_id(&ev));
}

/// One expectation kind: a step file template with `@V@` where the value
/// goes, the value that holds, the one that does not, and the expectation's
/// key as failures name it.
struct Kind {
    name: &'static str,
    template: &'static str,
    right: &'static str,
    wrong: &'static str,
    key: &'static str,
}

const CONTAINER: &str = r#"
[[step]]
run = ["date", "+%s"]
capture.since = "stdout"

[[step]]
call = "POST /containers/create"
body = { Image = "{probe}", Cmd = ["stdout=hi", "stderr=err", "exit=0"], Labels = "{labels}" }
expect.status = 201
capture.id = "/Id"
cleanup = "container {id}"

[[step]]
call = "POST /containers/{id}/start"
expect.status = 204

[[step]]
call = "POST /containers/{id}/wait"
expect.json = { "/StatusCode" = 0 }

[[step]]
run = ["sh", "-c", "echo $(( $(date +%s) + 1 ))"]
capture.until = "stdout"
"#;

const KINDS: &[Kind] = &[
    Kind {
        name: "status",
        template: "[[step]]\ncall = \"GET /containers/dh-no-such-container-x/json\"\nexpect.status = @V@\n",
        right: "404",
        wrong: "200",
        key: "expect.status",
    },
    Kind {
        name: "json-equals",
        template: "[[step]]\ncall = \"GET /version\"\nexpect.json = { \"/Os\" = @V@ }\n",
        right: "\"linux\"",
        wrong: "\"windows\"",
        key: "expect.json.\"/Os\"",
    },
    Kind {
        name: "json-matchers",
        template: "[[step]]\ncall = \"GET /info\"\nexpect.json = { \"/Containers\" = @V@ }\n",
        right: "{ type = \"integer\", matches = \"^[0-9]+$\" }",
        wrong: "{ type = \"string\" }",
        key: "expect.json.\"/Containers\"",
    },
    Kind {
        name: "header",
        template: "[[step]]\ncall = \"GET /_ping\"\nexpect.headers = { \"Api-Version\" = { matches = @V@ } }\n",
        right: "\"^1\\\\.\"",
        wrong: "\"^0\\\\.\"",
        key: "expect.headers.\"Api-Version\"",
    },
    Kind {
        name: "body",
        template: "[[step]]\ncall = \"GET /_ping\"\nexpect.body = @V@\n",
        right: "\"OK\"",
        wrong: "\"NO\"",
        key: "expect.body",
    },
    Kind {
        name: "frames",
        template: "@C@\n[[step]]\ncall = \"GET /containers/{id}/logs?stdout=1&stderr=1\"\nexpect.frames = { stdout = @V@, stderr = \"err\\n\" }\n",
        right: "\"hi\\n\"",
        wrong: "\"ho\\n\"",
        key: "expect.frames.stdout",
    },
    Kind {
        name: "events",
        template: "@C@\n[[step]]\ncall = \"GET /events\"\nquery = { since = \"{since}\", until = \"{until}\", filters = { container = [\"{id}\"] } }\nexpect.events = [{ \"/status\" = \"start\" }, { \"/status\" = @V@ }]\n",
        right: "\"die\"",
        wrong: "\"create\"",
        key: "expect.events",
    },
    Kind {
        name: "upgrade",
        template: "[[step]]\ncall = \"POST /containers/create\"\nbody = { Image = \"{probe}\", Cmd = [\"idle\"], Labels = \"{labels}\" }\ncapture.id = \"/Id\"\ncleanup = \"container {id}\"\n\n[[step]]\ncall = \"POST /containers/{id}/start\"\n\n[[step]]\ncall = \"POST /containers/{id}/exec\"\nbody = { Cmd = [\"/probe\", \"echo-stdin\"], AttachStdin = true, AttachStdout = true }\ncapture.exec = \"/Id\"\n\n[[step]]\ncall = \"POST /exec/{exec}/start\"\nbody = { Detach = false, Tty = false }\nupgrade = true\nstdin = \"ping\\n\"\nexpect.status = 101\nexpect.frames = { stdout = @V@ }\n",
        right: "\"ping\\n\"",
        wrong: "\"pong\\n\"",
        key: "expect.frames.stdout",
    },
    Kind {
        name: "exit",
        template: "[[step]]\nrun = [\"sh\", \"-c\", \"exit 3\"]\nexpect.exit = @V@\n",
        right: "3",
        wrong: "4",
        key: "expect.exit",
    },
    Kind {
        name: "stdout",
        template: "[[step]]\nrun = [\"docker\", \"inspect\", \"--format\", \"{{.Os}}\", \"{probe}\"]\nexpect.stdout = @V@\n",
        right: "\"linux\\n\"",
        wrong: "\"windows\\n\"",
        key: "expect.stdout",
    },
    Kind {
        name: "stderr",
        template: "[[step]]\nrun = [\"sh\", \"-c\", \"echo oops >&2\"]\nexpect.stderr = { lines = [@V@] }\n",
        right: "\"oops\"",
        wrong: "\"fine\"",
        key: "expect.stderr",
    },
    Kind {
        name: "until",
        template: "[[step]]\nrun = [@V@]\nuntil = \"400ms\"\nevery = \"100ms\"\n",
        right: "\"true\"",
        wrong: "\"false\"",
        key: "after polling for 400ms",
    },
];

#[test]
fn each_expectation_kind_fails_when_the_answer_differs() {
    let _engine = serial::shared(serial::ENGINE);
    let dir = tempfile::tempdir().unwrap();
    for k in KINDS {
        for (which, value) in [("right", k.right), ("wrong", k.wrong)] {
            let body = k.template.replace("@C@", CONTAINER).replace("@V@", value);
            let file = format!(
                "id = \"t/{which}/{}\"\nsummary = \"{which} {}\"\n{body}",
                k.name, k.name
            );
            std::fs::create_dir_all(dir.path().join(which)).unwrap();
            std::fs::write(dir.path().join(which).join(format!("{}.toml", k.name)), file).unwrap();
        }
    }
    let o = dockhand([
        "check",
        "--format",
        "json",
        "--no-known-failures",
        "-j",
        "2",
        "--checks-dir",
    ])
    .args([dir.path()])
    .args(["t"])
    .output();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let ev = events(&o);
    let done = outcomes(&ev);
    for k in KINDS {
        let right = done.iter().find(|(id, _)| *id == format!("t/right/{}", k.name));
        let wrong = done.iter().find(|(id, _)| *id == format!("t/wrong/{}", k.name));
        let (Some((_, right)), Some((_, wrong))) = (right, wrong) else {
            panic!("{}: both cases ran: {}", k.name, text(&o))
        };
        assert_eq!(right["kind"], "passed", "{}: {right}", k.name);
        assert_eq!(wrong["kind"], "failed", "{}: {wrong}", k.name);
        let message = wrong["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(&format!("wrong/{}.toml line ", k.name)) && message.contains(k.key),
            "{}: the failure names the file, the step's line and {}: {message}",
            k.name,
            k.key
        );
    }
    assert_run_clean(&run_id(&ev));
}

#[test]
fn a_malformed_file_is_a_configuration_error_naming_its_position() {
    let cases: &[(&str, &str, &str)] = &[
        ("not-toml", "id = \"t/a\"\nsummary = \n", "invalid TOML in DIR/not-toml.toml line 2, column 11"),
        (
            "unknown-key",
            "id = \"t/a\"\nsummary = \"s\"\n[[step]]\ncall = \"GET /info\"\nexpect.stauts = 200\n",
            "unknown key `stauts` in DIR/unknown-key.toml line 5, column 8; did you mean `status`?",
        ),
        (
            "wrong-type",
            "id = \"t/a\"\nsummary = \"s\"\n[[step]]\nrun = [\"true\"]\nexpect.exit = \"0\"\n",
            "`exit` in DIR/wrong-type.toml line 5, column 15 must be an integer, not a string",
        ),
        (
            "undefined-variable",
            "id = \"t/a\"\nsummary = \"s\"\n[[step]]\nrun = [\"echo\", \"{prboe}\"]\n",
            "invalid `run` in DIR/undefined-variable.toml line 4, column 16: undefined variable `{prboe}`; did you mean `{probe}`?",
        ),
        (
            "duplicate-id",
            "id = \"cli/version/api\"\nsummary = \"s\"\n[[step]]\nrun = [\"true\"]\n",
            "invalid `id` in DIR/duplicate-id.toml line 1, column 6: `cli/version/api` is already the id of <dockhand>/cli/version.toml",
        ),
    ];
    for (name, body, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("{name}.toml")), body).unwrap();
        let want = want.replace("DIR", &dir.path().display().to_string());
        // `--checks-dir`, and `checks-dir` in dockhand.toml (relative to it).
        let by_flag = dockhand(["check", "--format", "json", "--checks-dir"])
            .args([dir.path()])
            .output();
        std::fs::write(dir.path().join("dockhand.toml"), "checks-dir = \".\"\n").unwrap();
        std::fs::rename(
            dir.path().join(format!("{name}.toml")),
            dir.path().join(format!("{name}.toml.x")),
        )
        .unwrap();
        let sub = dir.path().join("steps");
        std::fs::create_dir(&sub).unwrap();
        std::fs::rename(
            dir.path().join(format!("{name}.toml.x")),
            sub.join(format!("{name}.toml")),
        )
        .unwrap();
        std::fs::write(dir.path().join("dockhand.toml"), "checks-dir = \"steps\"\n").unwrap();
        let by_file = dockhand(["list"]).dir(dir.path()).output();
        for (how, o, want) in [
            ("--checks-dir", &by_flag, want.clone()),
            (
                "checks-dir",
                &by_file,
                want.replace(&dir.path().display().to_string(), &sub.display().to_string()),
            ),
        ] {
            assert_eq!(o.status.code(), Some(3), "{name} by {how}: {}", text(o));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(&want), "{name} by {how}: expected {want:?} in: {err}");
            assert!(o.stdout.is_empty(), "{name} by {how}: nothing runs: {}", text(o));
        }
    }
    // Two files with one id: the later one is named, at its id.
    let dir = tempfile::tempdir().unwrap();
    for f in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("{f}.toml")),
            "\nid = \"t/same\"\nsummary = \"s\"\n[[step]]\nrun = [\"true\"]\n",
        )
        .unwrap();
    }
    let o = dockhand(["list", "--checks-dir"]).args([dir.path()]).output();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    let d = dir.path().display();
    assert!(
        err.contains(&format!(
            "{d}/b.toml line 2, column 6: `t/same` is already the id of {d}/a.toml"
        )),
        "{err}"
    );
}

#[test]
fn list_shows_step_files_with_their_source() {
    let o = dockhand(["list", "--checks-dir"])
        .args([examples()])
        .args(["site/lifecycle"])
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("site/lifecycle/exit-code") && out.contains("examples/checks/exit-code.toml)"),
        "{out}"
    );
    let o = dockhand(["list", "--format", "json", "cli/version"]).output();
    let j: Value = serde_json::from_slice(&o.stdout).expect("one JSON line");
    assert_eq!(j["source"], "<dockhand>/cli/version.toml");
    assert_eq!(j["needs"], serde_json::json!(["docker-cli"]));
}

#[test]
fn cli_picks_the_cli_and_without_one_the_cli_checks_skip() {
    let _engine = serial::shared(serial::ENGINE);
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let wrapper = dir.path().join("my-docker");
    let docker = dockhand_harness::session::on_path("docker").expect("docker on PATH for this test");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}\nexec {} \"$@\"\n",
            marker.display(),
            docker.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = dockhand(["check", "--format", "json", "--cli"])
        .args([&wrapper])
        .args(["cli/version/api"])
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ran = std::fs::read_to_string(&marker).expect("the wrapper ran");
    assert!(ran.starts_with("version --format"), "{ran}");

    let o = dockhand(["check", "--cli", "/nonexistent/docker", "cli/version/api"]).output();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--cli /nonexistent/docker: no such file"));

    // No docker on PATH: skipped, with the reason.
    let o = dockhand(["check", "--format", "json", "cli/version/api"])
        .env("PATH", dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let done = outcomes(&events(&o));
    assert_eq!(done[0].1["kind"], "skipped", "{done:?}");
    assert!(
        done[0].1["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("needs the docker CLI"),
        "{done:?}"
    );
}

#[test]
fn dockhand_toml_sets_a_step_files_knobs_and_repeat() {
    let _engine = serial::shared(serial::ENGINE);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dockhand.toml"),
        format!(
            "checks-dir = \"{}\"\n[checks.\"site/lifecycle/exit-code\"]\ncode = 5\nrepeat = 2\n",
            examples().display()
        ),
    )
    .unwrap();
    let o = dockhand(["check", "--format", "json", "site/lifecycle/exit-code"])
        .dir(dir.path())
        .output();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ev = events(&o);
    let finished: Vec<&Value> = ev.iter().filter(|e| e["event"] == "check-finished").collect();
    assert_eq!(finished.len(), 2, "repeat = 2: {}", text(&o));
    for f in finished {
        assert_eq!(f["outcome"]["kind"], "passed", "{f}");
        let create: Value = serde_json::from_str(f["transcript"][0]["request_body"].as_str().unwrap()).unwrap();
        assert_eq!(
            create["Cmd"],
            serde_json::json!(["stdout=hi", "exit=5"]),
            "the knob reached the body"
        );
    }
    assert_run_clean(&run_id(&ev));
}
