//! `logs/framing/*`: the multiplexed stream (types 1 and 2, exact payloads),
//! the raw stream of a TTY container, and `timestamps=1`.

use dockhand_engine::{Response, StreamKind};
use dockhand_harness::{ensure, ensure_seen, CheckError, CheckResult, Ctx, Observed};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::run_to_exit;
use crate::support::{frames_preview, preview_bytes, stream_bytes};

const LOGS_200: &str = "ContainerLogs: 200 logs returned as a stream in response body";
const NO_CONTENT_TYPE: &str = "ContainerLogs: 200: \"unlike the attach endpoint, the logs endpoint does not upgrade the connection and does not set Content-Type\"";

/// The logs reply carries no Content-Type (unlike attach's).
fn ensure_no_content_type(r: &Response) -> CheckResult {
    ensure_seen!(
        r.headers.get("content-type").is_none(),
        Observed::header(r.method.as_str(), &r.path, &r.headers, "Content-Type"),
        format!("Content-Type of {} {}", r.method, r.path),
        format!("no Content-Type [reference: {NO_CONTENT_TYPE}]"),
        format!("{:?}", r.headers.get("content-type"))
    );
    Ok(())
}

pub(crate) async fn run_streams(ctx: Ctx) -> CheckResult {
    let steps = ["stdout=out one", "stderr=err one", "stdout=out two", "stderr=err two"];
    let id = run_to_exit(&ctx, &steps, false).await?;
    let (out, err) = match ctx.variant() {
        Some("stdout") => (true, false),
        Some("stderr") => (false, true),
        _ => (true, true),
    };
    let q = [
        ("stdout", if out { "1" } else { "0" }),
        ("stderr", if err { "1" } else { "0" }),
    ];
    let r = ctx.engine().container_logs(&id, &q).await?;
    ctx.expect_status_ref(&r, 200, "logs of the exited probe", LOGS_200)?;
    ensure_no_content_type(&r)?;
    // The decoder is strict: a size that does not match the payload shifts
    // the next header and fails on its type or padding bytes.
    let frames = r.frames()?;
    let want_out: &[u8] = if out { b"out one\nout two\n" } else { b"" };
    let want_err: &[u8] = if err { b"err one\nerr two\n" } else { b"" };
    let got_out = stream_bytes(&frames, StreamKind::Stdout);
    let got_err = stream_bytes(&frames, StreamKind::Stderr);
    ensure!(
        frames.iter().all(|f| f.stream != StreamKind::Stdin),
        "stream types in the logs",
        "1 (stdout) and 2 (stderr) only",
        frames_preview(&frames)
    );
    ensure!(
        got_out == want_out,
        "the payload of the type 1 (stdout) frames",
        preview_bytes(want_out, 100),
        format!("{} in frames {}", preview_bytes(&got_out, 100), frames_preview(&frames))
    );
    ensure!(
        got_err == want_err,
        "the payload of the type 2 (stderr) frames",
        preview_bytes(want_err, 100),
        format!("{} in frames {}", preview_bytes(&got_err, 100), frames_preview(&frames))
    );
    ensure!(
        frames.iter().all(|f| !f.payload.is_empty()),
        "frame sizes",
        "no empty frame",
        frames_preview(&frames)
    );
    Ok(())
}

pub(crate) async fn run_tty_raw(ctx: Ctx) -> CheckResult {
    let id = run_to_exit(&ctx, &["stdout=out one", "stderr=err one"], true).await?;
    let r = ctx
        .engine()
        .container_logs(&id, &[("stdout", "1"), ("stderr", "1")])
        .await?;
    ctx.expect_status_ref(&r, 200, "logs of the exited TTY probe", LOGS_200)?;
    ensure_no_content_type(&r)?;
    // Both streams share the terminal, whose line discipline turns "\n" into
    // "\r\n"; a frame header would add bytes 0x01/0x02 0 0 0 and a size.
    let text = String::from_utf8_lossy(&r.body).replace("\r\n", "\n");
    ensure!(
        text == "out one\nerr one\n",
        "the logs of a TTY container (ContainerAttach: \"Stream format when using a TTY\": the stream is not multiplexed)",
        "the raw bytes \"out one\\r\\nerr one\\r\\n\"",
        preview_bytes(&r.body, 200)
    );
    Ok(())
}

/// Splits `<RFC 3339 time> <text>`. ContainerLogs' `timestamps` says only
/// "add timestamps to every log line": Docker writes RFC 3339 with
/// nanoseconds, Podman 4.3 whole seconds; both are RFC 3339, which is what
/// the check holds an engine to (a fraction, when there is one, has 1 to 9
/// digits, as RFC 3339 parsing requires).
pub(crate) fn split_timestamp(line: &str) -> Result<(OffsetDateTime, &str), String> {
    let (ts, text) = line.split_once(' ').ok_or("no space after a timestamp")?;
    let t = OffsetDateTime::parse(ts, &Rfc3339).map_err(|e| format!("{ts:?} is not RFC 3339: {e}"))?;
    Ok((t, text))
}

pub(crate) async fn run_timestamps(ctx: Ctx) -> CheckResult {
    let steps = [
        "stdout=a1",
        "stdout=a2",
        "stderr=b1",
        "sleep=20",
        "stdout=a3",
        "stderr=b2",
        "stdout=a4",
        "stderr=b3",
    ];
    let id = run_to_exit(&ctx, &steps, false).await?;
    let v: Value = ctx.engine().container_inspect(&id).await?.ok()?.json()?;
    let at = |key: &str| {
        v[key]
            .as_str()
            .or_else(|| v["State"][key].as_str())
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
            .ok_or_else(|| CheckError::failed(format!("inspect's {key}"), "an RFC 3339 time", v[key].to_string()))
    };
    let (created, finished) = (at("Created")?, at("FinishedAt")?);
    let r = ctx
        .engine()
        .container_logs(&id, &[("stdout", "1"), ("stderr", "1"), ("timestamps", "1")])
        .await?;
    ctx.expect_status_ref(&r, 200, "logs with timestamps=1", LOGS_200)?;
    let lines = crate::support::stream_lines(&r.frames()?);
    let slack = time::Duration::seconds(5);
    for (name, got, want) in [
        ("stdout", &lines.stdout, &["a1", "a2", "a3", "a4"][..]),
        ("stderr", &lines.stderr, &["b1", "b2", "b3"][..]),
    ] {
        let mut texts = Vec::new();
        let mut last: Option<OffsetDateTime> = None;
        for line in got {
            let (t, text) = split_timestamp(line).map_err(|e| {
                CheckError::failed(
                    format!("a {name} line with timestamps=1"),
                    "\"<RFC 3339 time> <text>\"",
                    format!("{line:?}: {e}"),
                )
            })?;
            ensure!(
                last.is_none_or(|l| t >= l),
                format!("timestamps of successive {name} lines"),
                "never going back",
                format!("{line:?} after {last:?}")
            );
            ensure!(
                t >= created - slack && t <= finished + slack,
                format!("the timestamp of {line:?}"),
                format!("between the container's Created {created} and FinishedAt {finished} (5 s slack)"),
                t.to_string()
            );
            last = Some(t);
            texts.push(text.to_string());
        }
        ensure!(
            texts == want,
            format!("the {name} lines after their timestamps"),
            format!("{want:?}"),
            format!("{texts:?}")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_timestamp;

    #[test]
    fn timestamps_need_rfc3339() {
        let (t, text) = split_timestamp("2026-11-22T02:51:37.123456789Z a line").unwrap();
        assert_eq!(
            (t.unix_timestamp(), t.nanosecond(), text),
            (1_795_315_897, 123_456_789, "a line")
        );
        assert!(split_timestamp("2026-11-22T02:51:37.5+01:00 x").is_ok());
        assert!(split_timestamp("2026-11-22T02:51:37Z no fraction").is_ok());
        assert!(split_timestamp("2026-11-22 02:51:37Z not rfc3339").is_err());
        assert!(split_timestamp("yesterday text").is_err());
        assert!(split_timestamp("2026-11-22T02:51:37.123456789Z").is_err());
    }
}
