//! Helpers shared by checks: creating probe containers, and reading a
//! multiplexed log body into per-stream lines.

use dockhand_engine::{Frame, StreamKind};
use dockhand_harness::{CheckError, Cleanup, Ctx};
use serde_json::{json, Value};

/// Lines of each stream, in order, from decoded frames. A line split across
/// frames is joined; a frame may carry several lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct StreamLines {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
    /// Frames that claimed to be stdin: the engine must never send them.
    pub stdin_frames: usize,
}

pub fn stream_lines(frames: &[Frame]) -> StreamLines {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut stdin_frames = 0;
    for f in frames {
        match f.stream {
            StreamKind::Stdout => out.extend_from_slice(&f.payload),
            StreamKind::Stderr => err.extend_from_slice(&f.payload),
            StreamKind::Stdin => stdin_frames += 1,
        }
    }
    let lines = |b: Vec<u8>| -> Vec<String> {
        String::from_utf8_lossy(&b)
            .split_terminator('\n')
            .map(str::to_string)
            .collect()
    };
    StreamLines {
        stdout: lines(out),
        stderr: lines(err),
        stdin_frames,
    }
}

/// The create body for a probe container running `steps`, labelled for the check.
pub fn probe_config(ctx: &Ctx, image: &str, steps: &[&str]) -> Value {
    json!({
        "Image": image,
        "Cmd": steps,
        "Labels": ctx.labels(),
        "HostConfig": {},
    })
}

/// Creates a probe container (expecting 201), registers its removal, returns its id.
pub async fn create_probe(ctx: &Ctx, suffix: &str, config: Value) -> Result<String, CheckError> {
    let resp = ctx.engine().container_create(Some(&ctx.name(suffix)), &config).await?;
    ctx.expect_status(&resp, 201, "create a probe container")?;
    let v: Value = resp.json()?;
    let id = v["Id"].as_str().unwrap_or_default().to_string();
    if id.is_empty() {
        return Err(CheckError::failed(
            "create reply",
            "an Id",
            String::from_utf8_lossy(&resp.body),
        ));
    }
    ctx.defer(Cleanup::Container(id.clone()));
    Ok(id)
}

/// Whether `s` is 64 lowercase hex characters, as container and image ids are.
pub fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockhand_engine::{encode_frame, FrameDecoder};

    #[test]
    fn joins_lines_across_frames_per_stream() {
        let mut body = encode_frame(StreamKind::Stdout, b"a\nb");
        body.extend(encode_frame(StreamKind::Stderr, b"x\n"));
        body.extend(encode_frame(StreamKind::Stdout, b"c\n"));
        let l = stream_lines(&FrameDecoder::decode_all(&body).unwrap());
        assert_eq!(l.stdout, ["a", "bc"]);
        assert_eq!(l.stderr, ["x"]);
    }

    #[test]
    fn full_ids() {
        assert!(is_full_id(&"a".repeat(64)));
        assert!(!is_full_id(&"A".repeat(64)));
        assert!(!is_full_id(&"a".repeat(63)));
    }
}
