//! What a mutant does to a reply: [`Mutation`], and the functions that carry
//! it out on bytes. Head mutations change the status, a header field or the
//! time the reply is sent; [`JsonOp`] changes one thing in a JSON document
//! (the whole body, or each line of a JSON-lines stream); [`FrameOp`] changes
//! the multiplexed frames of a log or attach stream.
//!
//! A stream mutator ([`StreamMutator`]) takes the body as it arrives and
//! gives back what to forward; whatever it cannot recognise (a TTY stream is
//! not framed, a line that is not JSON) it forwards unchanged. Every function
//! counts what it changed, so the runner can tell a mutant that never hit
//! from one the checks did not notice.

use std::time::Duration;

use serde_json::Value;

/// One change to the replies of the operations a mutant targets.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// Replace the status code (and reason phrase).
    Status(u16),
    /// Remove a header field.
    RemoveHeader(&'static str),
    /// Set a header field to a value (added when absent).
    SetHeader(&'static str, &'static str),
    /// Hold the reply's head back this long.
    Delay(Duration),
    /// Change the JSON document that is the whole body.
    Json(JsonOp),
    /// Change every line of a JSON-lines body (events, progress).
    Lines(JsonOp),
    /// Change the multiplexed frames of a body or of a hijacked stream.
    Frames(FrameOp),
}

impl Mutation {
    /// Whether the mutation needs the body (rather than only the head).
    pub fn touches_body(&self) -> bool {
        matches!(self, Mutation::Json(_) | Mutation::Lines(_) | Mutation::Frames(_))
    }
}

/// Which elements of a list to drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    First,
    Last,
    /// Every element whose JSON text contains this string.
    Containing(&'static str),
}

/// One change to a JSON document. Paths are `/`-separated keys from the
/// root (keys may hold dots, as label keys do); `*` stands for every element
/// of an array or every value of an object. The empty path is the root.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonOp {
    /// Remove the field at the path.
    Remove(&'static str),
    /// Rename the field at the path, keeping its value.
    Rename(&'static str, &'static str),
    /// Change the value's JSON type, keeping its content: a string becomes a
    /// one-element array, a number or bool a string, an object or array its
    /// JSON text.
    Retype(&'static str),
    /// Replace the value at the path (a field that is absent is not added).
    Set(&'static str, &'static str),
    /// Drop elements of the array at the path.
    Drop(&'static str, Pick),
}

impl JsonOp {
    /// Applies the change to `v`; returns how many places changed.
    pub fn apply(&self, v: &mut Value) -> usize {
        match self {
            JsonOp::Remove(path) => with_parents(v, path, &mut |parent, key| remove(parent, key).is_some()),
            JsonOp::Rename(path, to) => with_parents(v, path, &mut |parent, key| match parent {
                Value::Object(m) if !m.contains_key(*to) => match m.remove(key) {
                    Some(val) => {
                        m.insert((*to).to_string(), val);
                        true
                    }
                    None => false,
                },
                _ => false,
            }),
            JsonOp::Retype(path) => with_values(v, path, &mut |val| {
                *val = match std::mem::take(val) {
                    Value::String(s) => Value::Array(vec![Value::String(s)]),
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Null => Value::String("null".into()),
                    other => Value::String(other.to_string()),
                };
                true
            }),
            JsonOp::Set(path, to) => {
                let to: Value = serde_json::from_str(to).expect("a mutant's Set value is JSON");
                with_values(v, path, &mut |val| {
                    let changed = *val != to;
                    *val = to.clone();
                    changed
                })
            }
            JsonOp::Drop(path, pick) => with_values(v, path, &mut |val| {
                let Value::Array(items) = val else { return false };
                let before = items.len();
                match pick {
                    Pick::First if !items.is_empty() => {
                        items.remove(0);
                    }
                    Pick::Last => {
                        items.pop();
                    }
                    Pick::Containing(text) => items.retain(|i| !i.to_string().contains(text)),
                    Pick::First => {}
                }
                items.len() != before
            }),
        }
    }

    /// Applies the change to a JSON document's bytes; `None` when the bytes
    /// are not JSON or nothing changed. A trailing newline (dockerd ends its
    /// documents with one) is kept.
    pub fn apply_bytes(&self, body: &[u8]) -> Option<Vec<u8>> {
        let trimmed = body.trim_ascii_end();
        let mut v: Value = serde_json::from_slice(trimmed).ok()?;
        if self.apply(&mut v) == 0 {
            return None;
        }
        let mut out = serde_json::to_vec(&v).expect("a JSON value serialises");
        out.extend_from_slice(&body[trimmed.len()..]);
        Some(out)
    }
}

fn remove(parent: &mut Value, key: &str) -> Option<Value> {
    match parent {
        Value::Object(m) => m.remove(key),
        _ => None,
    }
}

/// Calls `f` with each value at `path`.
fn with_values(v: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value) -> bool) -> usize {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    walk(v, &segments, f)
}

fn walk(v: &mut Value, segments: &[&str], f: &mut dyn FnMut(&mut Value) -> bool) -> usize {
    let Some((first, rest)) = segments.split_first() else {
        return usize::from(f(v));
    };
    match (v, *first) {
        (Value::Array(items), "*") => items.iter_mut().map(|i| walk(i, rest, f)).sum(),
        (Value::Object(m), "*") => m.values_mut().map(|i| walk(i, rest, f)).sum(),
        (Value::Object(m), key) => m.get_mut(key).map_or(0, |i| walk(i, rest, f)),
        _ => 0,
    }
}

/// Calls `f` with each parent of the field at `path` and the field's key.
fn with_parents(v: &mut Value, path: &str, f: &mut dyn FnMut(&mut Value, &str) -> bool) -> usize {
    let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
    with_values(v, parent, &mut |p| f(p, key))
}

/// One change to a multiplexed stream (8-byte headers: stream type, three
/// zero bytes, the payload size big-endian).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameOp {
    /// Every stdout frame becomes stderr and every stderr frame stdout.
    SwapStreams,
    /// The frame at this index (from 0) is left out.
    Drop(usize),
    /// The frame at this index is sent twice.
    Duplicate(usize),
}

/// A mutator of a body or a hijacked stream, fed as bytes arrive.
pub trait StreamMutator: Send {
    /// Takes the next bytes; returns what to forward now.
    fn push(&mut self, data: &[u8]) -> Vec<u8>;
    /// The stream ended; returns what is left to forward.
    fn finish(&mut self) -> Vec<u8>;
    /// How many frames or lines were changed so far.
    fn changed(&self) -> usize;
}

/// Applies a [`FrameOp`] to a multiplexed stream. At the first header that
/// is not a frame header (a TTY stream), it forwards the rest unchanged.
pub struct FrameMutator {
    op: FrameOp,
    pending: Vec<u8>,
    index: usize,
    raw: bool,
    changed: usize,
}

impl FrameMutator {
    pub fn new(op: FrameOp) -> FrameMutator {
        FrameMutator {
            op,
            pending: Vec::new(),
            index: 0,
            raw: false,
            changed: 0,
        }
    }
}

impl StreamMutator for FrameMutator {
    fn push(&mut self, data: &[u8]) -> Vec<u8> {
        if self.raw {
            return data.to_vec();
        }
        self.pending.extend_from_slice(data);
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            // Decide on the bytes there are: a TTY's "ready\r\n" is shorter
            // than a header and must not wait for more.
            let h = &self.pending[at..self.pending.len().min(at + 8)];
            let not_a_header = h.first().is_some_and(|&t| t > 2) || h.iter().skip(1).take(3).any(|&b| b != 0);
            if not_a_header {
                self.raw = true;
                out.extend_from_slice(&self.pending[at..]);
                self.pending.clear();
                return out;
            }
            if h.len() < 8 {
                break;
            }
            let size = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
            if self.pending.len() - at < 8 + size {
                break;
            }
            let frame = &self.pending[at..at + 8 + size];
            match self.op {
                FrameOp::SwapStreams if frame[0] == 1 || frame[0] == 2 => {
                    out.push(3 - frame[0]);
                    out.extend_from_slice(&frame[1..]);
                    self.changed += 1;
                }
                FrameOp::Drop(i) if i == self.index => self.changed += 1,
                FrameOp::Duplicate(i) if i == self.index => {
                    out.extend_from_slice(frame);
                    out.extend_from_slice(frame);
                    self.changed += 1;
                }
                _ => out.extend_from_slice(frame),
            }
            self.index += 1;
            at += 8 + size;
        }
        self.pending.drain(..at);
        out
    }

    fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    fn changed(&self) -> usize {
        self.changed
    }
}

/// Applies a [`JsonOp`] to each line of a JSON-lines stream, keeping each
/// line's ending (`\n` or `\r\n`). A line that is not JSON passes unchanged.
pub struct LineMutator {
    op: JsonOp,
    pending: Vec<u8>,
    changed: usize,
}

impl LineMutator {
    pub fn new(op: JsonOp) -> LineMutator {
        LineMutator {
            op,
            pending: Vec::new(),
            changed: 0,
        }
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        match self.op.apply_bytes(line) {
            Some(changed) => {
                self.changed += 1;
                out.extend_from_slice(&changed);
            }
            None => out.extend_from_slice(line),
        }
    }
}

impl StreamMutator for LineMutator {
    fn push(&mut self, data: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(data);
        let mut out = Vec::new();
        while let Some(nl) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=nl).collect();
            self.line(&line, &mut out);
        }
        out
    }

    fn finish(&mut self) -> Vec<u8> {
        let rest = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        if !rest.is_empty() {
            self.line(&rest, &mut out);
        }
        out
    }

    fn changed(&self) -> usize {
        self.changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![kind, 0, 0, 0];
        f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn stream() -> Vec<u8> {
        [frame(1, b"out\n"), frame(2, b"err\n"), frame(1, b"")].concat()
    }

    /// Feeds `bytes` split at every offset and checks the output is the same.
    fn through(op: FrameOp, bytes: &[u8]) -> (Vec<u8>, usize) {
        let mut whole = FrameMutator::new(op);
        let mut expect = whole.push(bytes);
        expect.extend(whole.finish());
        for split in 0..bytes.len() {
            let mut m = FrameMutator::new(op);
            let mut out = m.push(&bytes[..split]);
            out.extend(m.push(&bytes[split..]));
            out.extend(m.finish());
            assert_eq!(out, expect, "split at {split}");
        }
        (expect, whole.changed())
    }

    #[test]
    fn frames_swap_drop_and_duplicate() {
        let (out, n) = through(FrameOp::SwapStreams, &stream());
        assert_eq!(out, [frame(2, b"out\n"), frame(1, b"err\n"), frame(2, b"")].concat());
        assert_eq!(n, 3);
        let (out, n) = through(FrameOp::Drop(0), &stream());
        assert_eq!(out, [frame(2, b"err\n"), frame(1, b"")].concat());
        assert_eq!(n, 1);
        let (out, n) = through(FrameOp::Duplicate(1), &stream());
        assert_eq!(
            out,
            [
                frame(1, b"out\n"),
                frame(2, b"err\n"),
                frame(2, b"err\n"),
                frame(1, b"")
            ]
            .concat()
        );
        assert_eq!(n, 1);
        let (out, n) = through(FrameOp::Drop(7), &stream());
        assert_eq!((out, n), (stream(), 0));
    }

    #[test]
    fn a_stream_that_is_not_framed_passes_unchanged() {
        let tty = b"hello from a tty\r\nmore\r\n";
        assert_eq!(through(FrameOp::SwapStreams, tty), (tty.to_vec(), 0));
        // A frame, then garbage: the frame is mutated, the rest forwarded.
        let mut mixed = frame(1, b"x");
        mixed.extend_from_slice(b"not a frame header");
        let (out, _) = through(FrameOp::SwapStreams, &mixed);
        assert_eq!(&out[..9], &frame(2, b"x")[..]);
        assert_eq!(&out[9..], b"not a frame header");
        // A truncated frame at the end is forwarded as it is.
        let cut = &stream()[..14];
        assert_eq!(through(FrameOp::Drop(5), cut).0, cut);
        // Fewer bytes than a header that cannot start one go out at once.
        let mut m = FrameMutator::new(FrameOp::SwapStreams);
        assert_eq!(m.push(b"ready\r\n"), b"ready\r\n");
        let mut m = FrameMutator::new(FrameOp::SwapStreams);
        assert_eq!(m.push(&[1, 0, 0]), b"", "a header's first bytes wait for the rest");
        assert_eq!(m.push(&[0, 0, 0, 0, 1, b'x']), [2, 0, 0, 0, 0, 0, 0, 1, b'x']);
    }

    #[test]
    fn json_ops_change_one_thing() {
        let doc = || json!({"Id": "abc", "State": {"Running": true, "ExitCode": 0}, "Names": ["/a", "/dh-b"], "Labels": {"dockhand.run": "x"}});
        let mut v = doc();
        assert_eq!(JsonOp::Remove("State/Running").apply(&mut v), 1);
        assert_eq!(v["State"], json!({"ExitCode": 0}));
        let mut v = doc();
        assert_eq!(JsonOp::Rename("Id", "ID").apply(&mut v), 1);
        assert_eq!((v.get("Id"), &v["ID"]), (None, &json!("abc")));
        let mut v = doc();
        assert_eq!(JsonOp::Retype("State/ExitCode").apply(&mut v), 1);
        assert_eq!(v["State"]["ExitCode"], json!("0"));
        assert_eq!(JsonOp::Retype("Id").apply(&mut v), 1);
        assert_eq!(v["Id"], json!(["abc"]));
        let mut v = doc();
        assert_eq!(JsonOp::Set("State/ExitCode", "7").apply(&mut v), 1);
        assert_eq!(JsonOp::Set("Nope", "7").apply(&mut v), 0, "absent fields are not added");
        assert_eq!(JsonOp::Remove("Labels/dockhand.run").apply(&mut v), 1);
        let mut v = doc();
        assert_eq!(JsonOp::Drop("Names", Pick::Containing("dh-")).apply(&mut v), 1);
        assert_eq!(v["Names"], json!(["/a"]));
        assert_eq!(JsonOp::Drop("Names", Pick::Last).apply(&mut v), 1);
        assert_eq!(JsonOp::Drop("Names", Pick::First).apply(&mut v), 0);
        let mut list = json!([{"Id": "1"}, {"Id": "2"}]);
        assert_eq!(JsonOp::Remove("*/Id").apply(&mut list), 2);
        assert_eq!(JsonOp::Remove("Missing").apply(&mut doc()), 0);
    }

    #[test]
    fn json_bytes_keep_the_trailing_newline_and_refuse_non_json() {
        let out = JsonOp::Remove("a").apply_bytes(b"{\"a\":1,\"b\":2}\n").unwrap();
        assert_eq!(out, b"{\"b\":2}\n");
        assert_eq!(JsonOp::Remove("a").apply_bytes(b"not json"), None);
        assert_eq!(JsonOp::Remove("z").apply_bytes(b"{\"a\":1}"), None);
    }

    #[test]
    fn lines_are_mutated_one_by_one_whatever_the_split() {
        let body =
            b"{\"Type\":\"container\",\"Action\":\"start\"}\n{\"Type\":\"volume\"}\r\nplain text\n{\"Action\":\"x\"}";
        let want = b"{\"Type\":\"container\"}\n{\"Type\":\"volume\"}\r\nplain text\n{}".to_vec();
        for split in 0..body.len() {
            let mut m = LineMutator::new(JsonOp::Remove("Action"));
            let mut out = m.push(&body[..split]);
            out.extend(m.push(&body[split..]));
            out.extend(m.finish());
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want),
                "split at {split}"
            );
            assert_eq!(m.changed(), 2);
        }
    }
}
