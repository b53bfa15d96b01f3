//! `logs/select/*`: which lines come back: `tail`, `since` and `until`.

use dockhand_harness::{ensure, CheckResult, Ctx};

use super::framing::split_timestamp;
use super::run_to_exit;
use crate::support::stream_lines;

const LOGS_200: &str = "ContainerLogs: 200 logs returned as a stream in response body";

pub(crate) async fn run_tail(ctx: Ctx) -> CheckResult {
    let steps = [
        "stdout=line 1",
        "stdout=line 2",
        "stdout=line 3",
        "stdout=line 4",
        "stdout=line 5",
    ];
    let id = run_to_exit(&ctx, &steps, false).await?;
    let (tail, want): (&str, &[&str]) = match ctx.variant() {
        Some("two") => ("2", &["line 4", "line 5"]),
        Some("zero") => ("0", &[]),
        _ => ("all", &["line 1", "line 2", "line 3", "line 4", "line 5"]),
    };
    let r = ctx
        .engine()
        .container_logs(&id, &[("stdout", "1"), ("stderr", "1"), ("tail", tail)])
        .await?;
    ctx.expect_status_ref(&r, 200, &format!("logs with tail={tail}"), LOGS_200)?;
    let lines = stream_lines(&r.frames()?);
    ensure!(
        lines.stdout == want && lines.stderr.is_empty(),
        format!("lines with tail={tail} (\"Only return this number of log lines from the end of the logs\")"),
        format!("stdout {want:?}, no stderr"),
        format!("stdout {:?}, stderr {:?}", lines.stdout, lines.stderr)
    );
    Ok(())
}

pub(crate) async fn run_since_until(ctx: Ctx) -> CheckResult {
    // More than a second apart, so that an integer second lies between them.
    let id = run_to_exit(&ctx, &["stdout=before", "sleep=1100", "stdout=after"], false).await?;
    let e = ctx.engine();
    let r = e
        .container_logs(&id, &[("stdout", "1"), ("timestamps", "1")])
        .await?
        .ok()?;
    let lines = stream_lines(&r.frames()?).stdout;
    let times: Vec<_> = lines.iter().filter_map(|l| split_timestamp(l).ok()).collect();
    ensure!(
        times.len() == 2 && times[0].1 == "before" && times[1].1 == "after",
        "the two timestamped lines",
        "\"<time> before\" and \"<time> after\"",
        format!("{lines:?}")
    );
    // The first whole second after "before": "before" is earlier, "after"
    // (at least 1.1 s later) is later.
    let cut = times[0].0.unix_timestamp() + 1;
    let cut_s = cut.to_string();
    for (query, want, doc) in [
        (
            vec![("since", cut_s.as_str())],
            vec!["after"],
            "since: \"Only return logs since this time, as a UNIX timestamp\"",
        ),
        (
            vec![("until", cut_s.as_str())],
            vec!["before"],
            "until: \"Only return logs before this time, as a UNIX timestamp\"",
        ),
        (
            vec![("since", cut_s.as_str()), ("until", cut_s.as_str())],
            vec![],
            "since and until together",
        ),
    ] {
        let mut q = vec![("stdout", "1"), ("stderr", "1")];
        q.extend(query.iter().copied());
        let r = e.container_logs(&id, &q).await?;
        ctx.expect_status_ref(&r, 200, &format!("logs with {query:?}"), LOGS_200)?;
        let got = stream_lines(&r.frames()?);
        ensure!(
            got.stdout == want && got.stderr.is_empty(),
            format!(
                "lines with {query:?}, the lines being at {} and {} [reference: ContainerLogs: {doc}]",
                times[0].0, times[1].0
            ),
            format!("stdout {want:?}"),
            format!("stdout {:?}, stderr {:?}", got.stdout, got.stderr)
        );
    }
    Ok(())
}
