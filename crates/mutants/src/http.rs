//! The few pieces of HTTP/1.1 the mutation proxy needs: [`Head`] (a request
//! or status line and its header fields, parsed from raw bytes and written
//! back), each message's body [`Framing`], and [`Dechunker`], an incremental
//! decoder of chunked transfer coding that also says where the body ends.
//!
//! The proxy forwards every byte it does not mutate as it came, so these
//! types are for finding message boundaries and for writing the one message
//! a mutant changes; they never normalise traffic that passes through.

use std::fmt;

/// A message head: the start line and the header fields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The request line (`GET /_ping HTTP/1.1`) or status line (`HTTP/1.1 200 OK`).
    pub start: String,
    /// Field names as sent (case kept) with their raw values.
    pub fields: Vec<(String, Vec<u8>)>,
}

/// A head that is not HTTP/1.1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed HTTP head: {0}")]
pub struct HeadError(pub String);

impl Head {
    /// Parses a whole head, `CRLF CRLF` included.
    pub fn parse(raw: &[u8]) -> Result<Head, HeadError> {
        let text = raw
            .strip_suffix(b"\r\n\r\n")
            .ok_or_else(|| HeadError("no blank line at its end".into()))?;
        let mut lines = text.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let start = lines.next().unwrap_or_default();
        let start = std::str::from_utf8(start)
            .map_err(|_| HeadError("start line is not UTF-8".into()))?
            .to_string();
        let mut fields = Vec::new();
        for line in lines {
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| HeadError(format!("field without a colon: {}", String::from_utf8_lossy(line))))?;
            let name = std::str::from_utf8(&line[..colon])
                .map_err(|_| HeadError("field name is not UTF-8".into()))?
                .trim()
                .to_string();
            fields.push((name, line[colon + 1..].trim_ascii().to_vec()));
        }
        Ok(Head { start, fields })
    }

    /// The head as bytes, blank line included.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.start.clone().into_bytes();
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.fields {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The first value of the field `name` (case-insensitive), as text.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Removes every field `name`; returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.fields.len()
    }

    /// Sets the field `name` to `value`, in place of the first one (keeping
    /// its position and spelling) or at the end.
    pub fn set(&mut self, name: &str, value: &[u8]) {
        match self.fields.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some(i) => {
                self.fields[i].1 = value.to_vec();
                let spelled = self.fields[i].0.clone();
                let mut seen = false;
                self.fields.retain(|(n, _)| {
                    let dup = n.eq_ignore_ascii_case(&spelled) && seen;
                    seen |= n.eq_ignore_ascii_case(&spelled);
                    !dup
                });
            }
            None => self.fields.push((name.to_string(), value.to_vec())),
        }
    }

    /// A request line's method and target.
    pub fn request_line(&self) -> Result<(&str, &str), HeadError> {
        let mut parts = self.start.split(' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(m), Some(t), Some(v)) if v.starts_with("HTTP/") => Ok((m, t)),
            _ => Err(HeadError(format!("not a request line: {}", self.start))),
        }
    }

    /// A status line's code.
    pub fn status(&self) -> Result<u16, HeadError> {
        self.start
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .filter(|_| self.start.starts_with("HTTP/"))
            .ok_or_else(|| HeadError(format!("not a status line: {}", self.start)))
    }

    /// Replaces a status line's code, and its reason with the code's own.
    pub fn set_status(&mut self, code: u16) {
        let version = self.start.split(' ').next().unwrap_or("HTTP/1.1").to_string();
        self.start = format!("{version} {code} {}", reason(code));
    }

    fn is_chunked(&self) -> bool {
        self.fields.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding")
                && String::from_utf8_lossy(v).to_ascii_lowercase().contains("chunked")
        })
    }

    fn content_length(&self) -> Option<u64> {
        self.field("content-length").and_then(|v| v.trim().parse().ok())
    }

    /// Whether the message asks to switch protocols (`Upgrade` in `Connection`).
    pub fn wants_upgrade(&self) -> bool {
        self.field("connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("upgrade"))
    }
}

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body (a request without one, a reply to HEAD, 1xx, 204, 304).
    Empty,
    Length(u64),
    Chunked,
    /// Until the connection closes; for a reply of dockerd, also the sign of
    /// a hijacked connection (attach without `Upgrade`), raw both ways.
    UntilClose,
}

impl Framing {
    /// A request's body framing.
    pub fn of_request(head: &Head) -> Framing {
        if head.is_chunked() {
            Framing::Chunked
        } else {
            match head.content_length() {
                Some(0) | None => Framing::Empty,
                Some(n) => Framing::Length(n),
            }
        }
    }

    /// A reply's body framing, given the request's method and the status.
    pub fn of_response(method: &str, status: u16, head: &Head) -> Framing {
        if method.eq_ignore_ascii_case("HEAD") || (100..200).contains(&status) || status == 204 || status == 304 {
            Framing::Empty
        } else if head.is_chunked() {
            Framing::Chunked
        } else {
            match head.content_length() {
                Some(0) => Framing::Empty,
                Some(n) => Framing::Length(n),
                None => Framing::UntilClose,
            }
        }
    }
}

/// A broken chunked body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed chunked body: {0}")]
pub struct ChunkError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(usize),
    DataEnd,
    Trailer,
    Done,
}

/// Decodes chunked transfer coding as bytes arrive.
#[derive(Debug, Clone)]
pub struct Dechunker {
    state: ChunkState,
}

impl Default for Dechunker {
    fn default() -> Self {
        Dechunker {
            state: ChunkState::Size,
        }
    }
}

impl Dechunker {
    /// Consumes what it can of `raw`, appending decoded data to `out`;
    /// returns how many bytes of `raw` it consumed. A size or trailer line cut
    /// short is left unconsumed until more bytes come.
    pub fn feed(&mut self, raw: &[u8], out: &mut Vec<u8>) -> Result<usize, ChunkError> {
        let mut i = 0;
        loop {
            match self.state {
                ChunkState::Done => return Ok(i),
                ChunkState::Size | ChunkState::Trailer => {
                    let Some(nl) = find(&raw[i..], b"\r\n") else {
                        return Ok(i);
                    };
                    let line = &raw[i..i + nl];
                    i += nl + 2;
                    if self.state == ChunkState::Trailer {
                        if line.is_empty() {
                            self.state = ChunkState::Done;
                        }
                        continue;
                    }
                    let text = String::from_utf8_lossy(line);
                    let size = usize::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| ChunkError(format!("chunk size line {text:?}")))?;
                    self.state = if size == 0 {
                        ChunkState::Trailer
                    } else {
                        ChunkState::Data(size)
                    };
                }
                ChunkState::Data(left) => {
                    let take = left.min(raw.len() - i);
                    if take == 0 {
                        return Ok(i);
                    }
                    out.extend_from_slice(&raw[i..i + take]);
                    i += take;
                    self.state = if take == left {
                        ChunkState::DataEnd
                    } else {
                        ChunkState::Data(left - take)
                    };
                }
                ChunkState::DataEnd => {
                    if raw.len() - i < 2 {
                        return Ok(i);
                    }
                    if &raw[i..i + 2] != b"\r\n" {
                        return Err(ChunkError("chunk data not followed by CRLF".into()));
                    }
                    i += 2;
                    self.state = ChunkState::Size;
                }
            }
        }
    }

    /// Whether the last chunk and the trailer have been read.
    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }
}

/// One chunk of chunked transfer coding (nothing for empty data, which
/// would read as the last chunk).
pub fn chunk(data: &[u8]) -> Vec<u8> {
    if data.is_empty() {
        return Vec::new();
    }
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// The last chunk, with an empty trailer.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// Where `needle` first occurs in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The standard reason phrase of the codes mutants use.
fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &[u8] = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nContent-Length: 2\r\n\r\n";

    #[test]
    fn a_head_parses_and_writes_back_byte_for_byte() {
        let h = Head::parse(REPLY).unwrap();
        assert_eq!(h.status().unwrap(), 200);
        assert_eq!(h.field("api-version").as_deref(), Some("1.41"));
        assert_eq!(h.to_bytes(), REPLY);
        assert_eq!(Framing::of_response("GET", 200, &h), Framing::Length(2));
        assert_eq!(Framing::of_response("HEAD", 200, &h), Framing::Empty);
    }

    #[test]
    fn set_remove_and_status_change_one_thing() {
        let mut h = Head::parse(REPLY).unwrap();
        assert_eq!(h.remove("docker-experimental"), 1);
        h.set("CONTENT-TYPE", b"text/plain");
        h.set_status(500);
        let text = String::from_utf8(h.to_bytes()).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 500 Internal Server Error\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n"
        );
        h.set("X-New", b"1");
        assert_eq!(h.fields.last().unwrap().0, "X-New");
    }

    #[test]
    fn request_framing_and_upgrade() {
        let h = Head::parse(
            b"POST /v1.41/containers/x/attach?stream=1 HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            h.request_line().unwrap(),
            ("POST", "/v1.41/containers/x/attach?stream=1")
        );
        assert!(h.wants_upgrade());
        assert_eq!(Framing::of_request(&h), Framing::Empty);
        let h = Head::parse(b"PUT /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n").unwrap();
        assert_eq!(Framing::of_request(&h), Framing::Chunked);
        let h = Head::parse(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n").unwrap();
        assert_eq!(Framing::of_response("POST", 200, &h), Framing::UntilClose);
        assert!(Head::parse(b"HTTP/1.1 200 OK\r\nbroken\r\n\r\n").is_err());
    }

    #[test]
    fn the_dechunker_takes_bytes_in_any_split_and_stops_at_the_end() {
        let raw = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for split in 0..raw.len() {
            let mut d = Dechunker::default();
            let mut out = Vec::new();
            let mut buf = raw[..split].to_vec();
            let used = d.feed(&buf, &mut out).unwrap();
            buf.drain(..used);
            buf.extend_from_slice(&raw[split..]);
            let used2 = d.feed(&buf, &mut out).unwrap();
            assert!(d.is_done(), "split at {split}");
            assert_eq!(out, b"hello world");
            assert_eq!(&buf[used2..], b"NEXT", "split at {split}");
        }
        let mut d = Dechunker::default();
        assert!(d.feed(b"zz\r\n", &mut Vec::new()).is_err());
        assert_eq!(chunk(b"abc"), b"3\r\nabc\r\n");
        assert!(chunk(b"").is_empty());
    }
}
