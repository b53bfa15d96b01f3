//! Stream decoders: [`FrameDecoder`] for the multiplexed stdout/stderr stream,
//! and [`JsonLinesDecoder`] for the JSON message streams (events, build, load).
//!
//! Both are strict. The engine's framing is a contract: an unknown stream type,
//! non-zero padding, or a stream that ends inside a header or a payload is a
//! [`DecodeError`], never something to skip over. Whether a stream is framed at
//! all is the caller's decision, from the container's `Tty` setting.

use bytes::{Buf, Bytes, BytesMut};

/// Which stream a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Stdin,
    Stdout,
    Stderr,
}

impl StreamKind {
    /// The header's type byte.
    pub fn type_byte(self) -> u8 {
        match self {
            StreamKind::Stdin => 0,
            StreamKind::Stdout => 1,
            StreamKind::Stderr => 2,
        }
    }
}

/// One frame of a multiplexed stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub stream: StreamKind,
    pub payload: Bytes,
}

/// How a byte stream broke its framing. Offsets count from the stream's start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame header at byte {offset} has stream type {byte}, expected 0, 1 or 2")]
    BadStreamType { offset: u64, byte: u8 },
    #[error("frame header at byte {offset} has non-zero padding {padding:02x?}")]
    BadPadding { offset: u64, padding: [u8; 3] },
    #[error("stream ended inside a frame header at byte {offset}: {have} of 8 header bytes")]
    TruncatedHeader { offset: u64, have: usize },
    #[error("stream ended inside a frame at byte {offset}: {have} of {declared} payload bytes")]
    TruncatedPayload { offset: u64, declared: u32, have: usize },
    #[error("invalid JSON message at byte {offset}: {detail}: {snippet}")]
    BadJson {
        offset: u64,
        detail: String,
        snippet: String,
    },
    #[error("stream ended inside a JSON message at byte {offset}: {snippet}")]
    TruncatedJson { offset: u64, snippet: String },
}

/// Incremental decoder of the `[type, 0, 0, 0, size_be32]` framing.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
}

const HEADER: usize = 8;

/// The most a frame header can make the decoder reserve ahead of the payload.
const MAX_RESERVE: usize = 1 << 20;

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes as they arrived from the wire.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Returns the next complete frame, `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        if self.buf.len() < HEADER {
            return Ok(None);
        }
        let h = &self.buf[..HEADER];
        let stream = match h[0] {
            0 => StreamKind::Stdin,
            1 => StreamKind::Stdout,
            2 => StreamKind::Stderr,
            byte => {
                return Err(DecodeError::BadStreamType {
                    offset: self.offset,
                    byte,
                })
            }
        };
        if h[1..4] != [0, 0, 0] {
            return Err(DecodeError::BadPadding {
                offset: self.offset,
                padding: [h[1], h[2], h[3]],
            });
        }
        let size = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
        if self.buf.len() < HEADER + size {
            // Grow with the bytes that arrive, not with what the header claims:
            // a garbage header may declare up to 4 GiB.
            self.buf.reserve((HEADER + size - self.buf.len()).min(MAX_RESERVE));
            return Ok(None);
        }
        self.buf.advance(HEADER);
        let payload = self.buf.split_to(size).freeze();
        self.offset += (HEADER + size) as u64;
        Ok(Some(Frame { stream, payload }))
    }

    /// Declares the end of the stream: anything left over is a truncation.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.buf.len() {
            0 => Ok(()),
            n if n < HEADER => Err(DecodeError::TruncatedHeader {
                offset: self.offset,
                have: n,
            }),
            n => Err(DecodeError::TruncatedPayload {
                offset: self.offset,
                declared: u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]),
                have: n - HEADER,
            }),
        }
    }

    /// Decodes a complete body at once.
    pub fn decode_all(body: &[u8]) -> Result<Vec<Frame>, DecodeError> {
        let mut d = FrameDecoder::new();
        d.push(body);
        let mut out = Vec::new();
        while let Some(f) = d.next_frame()? {
            out.push(f);
        }
        d.finish()?;
        Ok(out)
    }
}

/// Encodes one frame, for tests and for proxies that re-frame.
pub fn encode_frame(stream: StreamKind, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER + payload.len());
    v.push(stream.type_byte());
    v.extend_from_slice(&[0, 0, 0]);
    v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Incremental decoder of newline-delimited JSON messages.
#[derive(Debug, Default)]
pub struct JsonLinesDecoder {
    buf: BytesMut,
    offset: u64,
}

fn snippet(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned();
    if b.len() > 120 {
        format!("{s}...")
    } else {
        s
    }
}

impl JsonLinesDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// Returns the next complete message, skipping blank lines.
    pub fn next_message(&mut self) -> Result<Option<serde_json::Value>, DecodeError> {
        loop {
            let Some(nl) = self.buf.iter().position(|&b| b == b'\n') else {
                return Ok(None);
            };
            let line = self.buf.split_to(nl + 1);
            let start = self.offset;
            self.offset += line.len() as u64;
            let body = line[..nl].trim_ascii();
            if body.is_empty() {
                continue;
            }
            return serde_json::from_slice(body)
                .map(Some)
                .map_err(|e| DecodeError::BadJson {
                    offset: start,
                    detail: e.to_string(),
                    snippet: snippet(body),
                });
        }
    }

    /// Declares the end of the stream. A last message without its newline is
    /// accepted when it is complete JSON; a partial one is a truncation.
    pub fn finish(&mut self) -> Result<Option<serde_json::Value>, DecodeError> {
        let rest = self.buf.split();
        let body = rest.trim_ascii();
        if body.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|_| DecodeError::TruncatedJson {
                offset: self.offset,
                snippet: snippet(body),
            })
    }

    /// Decodes a complete body at once.
    pub fn decode_all(body: &[u8]) -> Result<Vec<serde_json::Value>, DecodeError> {
        let mut d = JsonLinesDecoder::new();
        d.push(body);
        let mut out = Vec::new();
        while let Some(m) = d.next_message()? {
            out.push(m);
        }
        out.extend(d.finish()?);
        Ok(out)
    }
}

/// An incremental decoder of a streamed body into messages, for
/// [`crate::Decoded`]: bytes in as they arrive, whole messages out, and a
/// verdict on what is left when the stream ends.
pub trait StreamDecoder {
    type Item;
    fn push_chunk(&mut self, chunk: &[u8]);
    fn next_item(&mut self) -> Result<Option<Self::Item>, DecodeError>;
    /// At the end of the stream: a last message, or the truncation error.
    fn end(&mut self) -> Result<Option<Self::Item>, DecodeError>;
}

impl StreamDecoder for FrameDecoder {
    type Item = Frame;
    fn push_chunk(&mut self, chunk: &[u8]) {
        self.push(chunk)
    }
    fn next_item(&mut self) -> Result<Option<Frame>, DecodeError> {
        self.next_frame()
    }
    fn end(&mut self) -> Result<Option<Frame>, DecodeError> {
        self.finish().map(|()| None)
    }
}

impl StreamDecoder for JsonLinesDecoder {
    type Item = serde_json::Value;
    fn push_chunk(&mut self, chunk: &[u8]) {
        self.push(chunk)
    }
    fn next_item(&mut self) -> Result<Option<serde_json::Value>, DecodeError> {
        self.next_message()
    }
    fn end(&mut self) -> Result<Option<serde_json::Value>, DecodeError> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_from_chunks(chunks: &[&[u8]]) -> Result<Vec<Frame>, DecodeError> {
        let mut d = FrameDecoder::new();
        let mut out = vec![];
        for c in chunks {
            d.push(c);
            while let Some(f) = d.next_frame()? {
                out.push(f);
            }
        }
        d.finish()?;
        Ok(out)
    }

    #[test]
    fn decodes_interleaved_streams_in_order() {
        let mut body = encode_frame(StreamKind::Stdout, b"one\n");
        body.extend(encode_frame(StreamKind::Stderr, b"two\n"));
        body.extend(encode_frame(StreamKind::Stdout, b"three\n"));
        let f = FrameDecoder::decode_all(&body).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!((f[0].stream, &f[0].payload[..]), (StreamKind::Stdout, &b"one\n"[..]));
        assert_eq!((f[1].stream, &f[1].payload[..]), (StreamKind::Stderr, &b"two\n"[..]));
        assert_eq!((f[2].stream, &f[2].payload[..]), (StreamKind::Stdout, &b"three\n"[..]));
    }

    #[test]
    fn frames_split_at_every_byte_boundary() {
        let mut body = encode_frame(StreamKind::Stdout, b"hello world");
        body.extend(encode_frame(StreamKind::Stderr, b"x"));
        for cut in 0..=body.len() {
            let (a, b) = body.split_at(cut);
            let f = frames_from_chunks(&[a, b]).unwrap();
            assert_eq!(f.len(), 2, "cut at {cut}");
            assert_eq!(&f[0].payload[..], b"hello world");
        }
        // One byte a read.
        let singles: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(frames_from_chunks(&singles).unwrap().len(), 2);
    }

    #[test]
    fn zero_length_frames_are_frames() {
        let mut body = encode_frame(StreamKind::Stdout, b"");
        body.extend(encode_frame(StreamKind::Stderr, b""));
        let f = FrameDecoder::decode_all(&body).unwrap();
        assert_eq!(f.len(), 2);
        assert!(f[0].payload.is_empty() && f[1].stream == StreamKind::Stderr);
    }

    #[test]
    fn one_mebibyte_frame_in_odd_chunks() {
        let payload: Vec<u8> = (0..1 << 20).map(|i| (i * 31 % 251) as u8).collect();
        let body = encode_frame(StreamKind::Stderr, &payload);
        let chunks: Vec<&[u8]> = body.chunks(65_521).collect();
        let f = frames_from_chunks(&chunks).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].payload.len(), 1 << 20);
        assert_eq!(&f[0].payload[..], &payload[..]);
    }

    #[test]
    fn truncated_header_is_an_error() {
        let body = encode_frame(StreamKind::Stdout, b"abc");
        let mut cut = body.clone();
        cut.extend_from_slice(&[1, 0, 0]);
        assert_eq!(
            FrameDecoder::decode_all(&cut).unwrap_err(),
            DecodeError::TruncatedHeader { offset: 11, have: 3 }
        );
    }

    #[test]
    fn truncated_payload_is_an_error() {
        let body = encode_frame(StreamKind::Stdout, b"abcdef");
        assert_eq!(
            FrameDecoder::decode_all(&body[..10]).unwrap_err(),
            DecodeError::TruncatedPayload {
                offset: 0,
                declared: 6,
                have: 2
            }
        );
    }

    #[test]
    fn unknown_stream_type_and_padding_are_errors() {
        let mut body = encode_frame(StreamKind::Stdout, b"a");
        body[0] = 3;
        assert!(matches!(
            FrameDecoder::decode_all(&body),
            Err(DecodeError::BadStreamType { byte: 3, .. })
        ));
        let mut body = encode_frame(StreamKind::Stdout, b"a");
        body[2] = 9;
        assert!(matches!(
            FrameDecoder::decode_all(&body),
            Err(DecodeError::BadPadding { .. })
        ));
        // Raw TTY text is not a frame stream: the decoder must say so, not guess.
        assert!(FrameDecoder::decode_all(b"hello from a tty\n").is_err());
    }

    #[test]
    fn json_lines_decode_across_chunks() {
        let mut d = JsonLinesDecoder::new();
        d.push(b"{\"a\":1}\r\n\n{\"b\"");
        assert_eq!(d.next_message().unwrap().unwrap()["a"], 1);
        assert!(d.next_message().unwrap().is_none());
        d.push(b":2}\n{\"c\":3}");
        assert_eq!(d.next_message().unwrap().unwrap()["b"], 2);
        assert!(d.next_message().unwrap().is_none());
        assert_eq!(d.finish().unwrap().unwrap()["c"], 3);
    }

    #[test]
    fn json_lines_reject_garbage_and_truncation() {
        assert!(matches!(
            JsonLinesDecoder::decode_all(b"{\"a\":1}\nnot json\n"),
            Err(DecodeError::BadJson { offset: 8, .. })
        ));
        assert!(matches!(
            JsonLinesDecoder::decode_all(b"{\"a\":1}\n{\"b\":"),
            Err(DecodeError::TruncatedJson { .. })
        ));
    }

    #[test]
    fn every_stream_type_above_2_is_an_error_at_its_offset() {
        let good = encode_frame(StreamKind::Stdout, b"ok");
        for byte in 3..=255u8 {
            let mut body = good.clone();
            let mut bad = encode_frame(StreamKind::Stderr, b"x");
            bad[0] = byte;
            body.extend(bad);
            assert_eq!(
                FrameDecoder::decode_all(&body).unwrap_err(),
                DecodeError::BadStreamType { offset: 10, byte },
                "type byte {byte}"
            );
        }
    }

    #[test]
    fn bad_padding_names_the_bytes_and_offset() {
        let mut body = encode_frame(StreamKind::Stdout, b"");
        let mut bad = encode_frame(StreamKind::Stdout, b"abc");
        bad[1..4].copy_from_slice(&[0, 0, 1]);
        body.extend(bad);
        assert_eq!(
            FrameDecoder::decode_all(&body).unwrap_err(),
            DecodeError::BadPadding {
                offset: 8,
                padding: [0, 0, 1]
            }
        );
    }

    #[test]
    fn truncated_header_after_frames_fed_one_byte_at_a_time() {
        let mut body = encode_frame(StreamKind::Stderr, b"hello");
        body.extend(&encode_frame(StreamKind::Stdout, b"world")[..7]);
        let singles: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(
            frames_from_chunks(&singles).unwrap_err(),
            DecodeError::TruncatedHeader { offset: 13, have: 7 }
        );
    }

    #[test]
    fn truncated_payload_at_eof_after_frames_in_chunks() {
        let mut body = encode_frame(StreamKind::Stdout, b"first");
        body.extend(&encode_frame(StreamKind::Stderr, b"second frame")[..8 + 4]);
        let chunks: Vec<&[u8]> = body.chunks(3).collect();
        assert_eq!(
            frames_from_chunks(&chunks).unwrap_err(),
            DecodeError::TruncatedPayload {
                offset: 13,
                declared: 12,
                have: 4
            }
        );
        // A header with no payload at all is truncated too, not an empty frame.
        let header_only = &encode_frame(StreamKind::Stdout, b"abc")[..8];
        assert!(matches!(
            FrameDecoder::decode_all(header_only),
            Err(DecodeError::TruncatedPayload {
                declared: 3,
                have: 0,
                ..
            })
        ));
    }

    /// There is no frame size limit in the reference (moby's stdcopy grows its
    /// buffer to any declared size), so the decoder has none either; but a
    /// garbage header must not make it allocate what it declares up front.
    #[test]
    fn a_header_declaring_4_gib_allocates_only_what_arrived() {
        let mut d = FrameDecoder::new();
        d.push(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        d.push(&[7u8; 100]);
        assert_eq!(d.next_frame().unwrap(), None);
        assert!(
            d.buf.capacity() <= MAX_RESERVE + 1024,
            "reserved {} bytes for a 4 GiB header",
            d.buf.capacity()
        );
        assert_eq!(
            d.finish().unwrap_err(),
            DecodeError::TruncatedPayload {
                offset: 0,
                declared: u32::MAX,
                have: 100
            }
        );
    }

    #[test]
    fn json_lines_errors_name_the_line_offset() {
        // Invalid UTF-8, a second value on the line, a bare word.
        for (body, offset) in [
            (&b"{\"a\":1}\n{\"b\":\"\xff\"}\n"[..], 8),
            (b"{\"a\":1} {\"b\":2}\n", 0),
            (b"\n\n{\"a\":1}\r\nnull\nnope\n", 16),
        ] {
            match JsonLinesDecoder::decode_all(body) {
                Err(DecodeError::BadJson { offset: o, .. }) => assert_eq!(o, offset, "{body:?}"),
                other => panic!("{body:?}: expected BadJson, got {other:?}"),
            }
        }
        // Blank lines and whitespace alone are no messages and no error.
        assert!(JsonLinesDecoder::decode_all(b"\n \r\n\t\n  ").unwrap().is_empty());
        // A truncated last message says where it began.
        assert_eq!(
            JsonLinesDecoder::decode_all(b"{\"a\":1}\n{\"status\":\"Load").unwrap_err(),
            DecodeError::TruncatedJson {
                offset: 8,
                snippet: "{\"status\":\"Load".into()
            }
        );
    }

    fn json_from_chunks(chunks: &[&[u8]]) -> Result<Vec<serde_json::Value>, DecodeError> {
        let mut d = JsonLinesDecoder::new();
        let mut out = vec![];
        for c in chunks {
            d.push(c);
            while let Some(m) = d.next_message()? {
                out.push(m);
            }
        }
        out.extend(d.finish()?);
        Ok(out)
    }

    /// Cuts `data` into pieces of the given sizes (cycling), the way reads may.
    fn chunked<'a>(data: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
        let mut out = vec![];
        let mut rest = data;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % sizes.len()].min(rest.len());
            let (a, b) = rest.split_at(n);
            out.push(a);
            rest = b;
            i += 1;
        }
        out
    }

    fn json_object() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[ -~\\n\\t\u{e9}\u{1f600}]{0,20}".prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        proptest::collection::btree_map("[a-zA-Z]{1,8}", value, 0..5)
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Fuzz-style: arbitrary bytes in arbitrary reads never panic, and the
        /// verdict does not depend on how the bytes were split. A success is
        /// lossless (re-encoding the frames gives the input back, so nothing
        /// was skipped); anything else is a DecodeError whose offset lies in
        /// the input.
        #[test]
        fn frame_decoder_arbitrary_bytes_any_chunking(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096),
            sizes in proptest::collection::vec(1usize..700, 1..16),
        ) {
            let whole = FrameDecoder::decode_all(&data);
            let split = frames_from_chunks(&chunked(&data, &sizes));
            proptest::prop_assert_eq!(&whole, &split);
            match whole {
                Ok(frames) => {
                    let again: Vec<u8> = frames.iter().flat_map(|f| encode_frame(f.stream, &f.payload)).collect();
                    proptest::prop_assert_eq!(again, data);
                }
                Err(e) => {
                    let offset = match e {
                        DecodeError::BadStreamType { offset, .. }
                        | DecodeError::BadPadding { offset, .. }
                        | DecodeError::TruncatedHeader { offset, .. }
                        | DecodeError::TruncatedPayload { offset, .. } => offset,
                        other => return Err(proptest::test_runner::TestCaseError::fail(format!("a JSON error from the frame decoder: {other}"))),
                    };
                    proptest::prop_assert!(offset < data.len() as u64);
                }
            }
        }

        /// Valid frames with one corrupted header byte: the error is at that
        /// frame's offset, however the stream was split.
        #[test]
        fn a_corrupted_header_is_found_at_its_offset(
            payloads in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..200), 1..12),
            which in 0usize..12,
            bad in 3u8..=255,
            sizes in proptest::collection::vec(1usize..300, 1..8),
        ) {
            let which = which % payloads.len();
            let mut body = vec![];
            let mut offset = 0;
            for (i, p) in payloads.iter().enumerate() {
                let mut f = encode_frame(StreamKind::Stdout, p);
                if i == which {
                    offset = body.len() as u64;
                    f[0] = bad;
                }
                body.extend(f);
            }
            proptest::prop_assert_eq!(
                frames_from_chunks(&chunked(&body, &sizes)),
                Err(DecodeError::BadStreamType { offset, byte: bad })
            );
        }

        /// Fuzz-style for JSON lines: arbitrary bytes in arbitrary reads never
        /// panic, and split or whole give the same verdict.
        #[test]
        fn json_decoder_arbitrary_bytes_any_chunking(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
            sizes in proptest::collection::vec(1usize..300, 1..16),
        ) {
            let whole = JsonLinesDecoder::decode_all(&data);
            let split = json_from_chunks(&chunked(&data, &sizes));
            proptest::prop_assert_eq!(whole, split);
        }

        /// Mostly-valid JSON lines with one byte flipped: never a panic, and
        /// either an error or messages that are valid JSON (a flip inside a
        /// string can stay valid).
        #[test]
        fn json_lines_with_a_flipped_byte(
            msgs in proptest::collection::vec(json_object(), 1..6),
            at in proptest::num::usize::ANY,
            byte in proptest::num::u8::ANY,
            sizes in proptest::collection::vec(1usize..64, 1..8),
        ) {
            let mut body: Vec<u8> = msgs.iter().flat_map(|m| format!("{m}\n").into_bytes()).collect();
            let at = at % body.len();
            body[at] = byte;
            let whole = JsonLinesDecoder::decode_all(&body);
            proptest::prop_assert_eq!(&whole, &json_from_chunks(&chunked(&body, &sizes)));
        }

        /// Valid messages, with CRLF or LF and blank lines, survive any
        /// chunking; cutting the last one short is a truncation, never a
        /// silent success.
        #[test]
        fn json_lines_round_trip_and_truncation(
            msgs in proptest::collection::vec(json_object(), 1..8),
            crlf in proptest::bool::ANY,
            sizes in proptest::collection::vec(1usize..64, 1..8),
            cut in 1usize..1000,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let body: Vec<u8> = msgs.iter().flat_map(|m| format!("{m}{eol}{eol}").into_bytes()).collect();
            proptest::prop_assert_eq!(&json_from_chunks(&chunked(&body, &sizes)).unwrap(), &msgs);
            let last = msgs.last().unwrap().to_string();
            let keep = body.len() - 2 * eol.len() - (cut % last.len()).max(1);
            let r = json_from_chunks(&chunked(&body[..keep], &sizes));
            proptest::prop_assert!(matches!(r, Err(DecodeError::TruncatedJson { .. })), "{:?}", r);
        }

        #[test]
        fn frame_decoder_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096), split in 0usize..4096) {
            let split = split.min(data.len());
            let _ = frames_from_chunks(&[&data[..split], &data[split..]]);
        }

        #[test]
        fn frame_round_trip(payloads in proptest::collection::vec((0u8..3, proptest::collection::vec(proptest::num::u8::ANY, 0..300)), 0..20), chunk in 1usize..64) {
            let kinds = [StreamKind::Stdin, StreamKind::Stdout, StreamKind::Stderr];
            let mut body = vec![];
            for (k, p) in &payloads { body.extend(encode_frame(kinds[*k as usize], p)); }
            let chunks: Vec<&[u8]> = body.chunks(chunk).collect();
            let frames = frames_from_chunks(&chunks).unwrap();
            proptest::prop_assert_eq!(frames.len(), payloads.len());
            for (f, (k, p)) in frames.iter().zip(&payloads) {
                proptest::prop_assert_eq!(f.stream, kinds[*k as usize]);
                proptest::prop_assert_eq!(&f.payload[..], &p[..]);
            }
            // Any strict prefix that cuts a frame is an error, never a silent success.
            if !body.is_empty() {
                let cut = body.len() - 1;
                proptest::prop_assert!(FrameDecoder::decode_all(&body[..cut]).is_err());
            }
        }

        #[test]
        fn json_decoder_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = JsonLinesDecoder::decode_all(&data);
        }
    }
}
