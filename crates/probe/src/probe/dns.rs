//! Name resolution without the C library's resolver.
//!
//! The embedded probe is linked statically against glibc, whose
//! `getaddrinfo` cannot load NSS modules there, so names are resolved by
//! hand, the way a container expects: a literal IPv4 address is itself;
//! otherwise `/etc/hosts` is read; otherwise an `A` query goes over UDP to
//! the first IPv4 `nameserver` of `/etc/resolv.conf` (Docker's embedded DNS
//! server, 127.0.0.11, when there is none). `search` and `options` lines are
//! not used: names are queried as given.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Docker's embedded DNS server, used when resolv.conf names none.
const FALLBACK_NAMESERVER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 11);

/// How long one try waits for the answer.
const TRY_TIMEOUT: Duration = Duration::from_secs(2);

/// How many queries are sent before giving up.
const TRIES: u32 = 3;

const TYPE_A: u16 = 1;
const CLASS_IN: u16 = 1;

/// Why a name did not resolve.
#[derive(Debug)]
pub enum ResolveError {
    /// The name cannot be put in a query.
    InvalidName(&'static str),
    /// The server says the name does not exist.
    NotFound,
    /// The name exists but has no IPv4 address.
    NoAddress,
    /// The server answered with an error code.
    Server(u8),
    /// The answer could not be parsed.
    Malformed(&'static str),
    /// No answer within the tries.
    TimedOut(SocketAddr),
    /// A socket error.
    Io(io::Error),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::InvalidName(why) => write!(f, "invalid name: {why}"),
            ResolveError::NotFound => write!(f, "name not found (NXDOMAIN)"),
            ResolveError::NoAddress => write!(f, "no A record"),
            ResolveError::Server(rcode) => write!(f, "server error (rcode {rcode})"),
            ResolveError::Malformed(why) => write!(f, "malformed answer: {why}"),
            ResolveError::TimedOut(server) => {
                write!(f, "no answer from {server} after {TRIES} tries")
            }
            ResolveError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<io::Error> for ResolveError {
    fn from(e: io::Error) -> Self {
        ResolveError::Io(e)
    }
}

/// Resolves `name` to its IPv4 addresses (never empty on success).
pub fn resolve(name: &str) -> Result<Vec<Ipv4Addr>, ResolveError> {
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Ok(vec![ip]);
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let from_hosts = lookup_hosts(&hosts, name);
    if !from_hosts.is_empty() {
        return Ok(from_hosts);
    }
    let resolv_conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let server = nameserver(&resolv_conf).unwrap_or(FALLBACK_NAMESERVER);
    query(SocketAddr::from((server, 53)), name)
}

/// The IPv4 addresses `/etc/hosts` (given as text) lists for `name`.
fn lookup_hosts(hosts: &str, name: &str) -> Vec<Ipv4Addr> {
    let name = name.trim_end_matches('.');
    let mut found = Vec::new();
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let Some(Ok(ip)) = fields.next().map(str::parse::<Ipv4Addr>) else {
            continue;
        };
        if fields.any(|alias| alias.eq_ignore_ascii_case(name)) && !found.contains(&ip) {
            found.push(ip);
        }
    }
    found
}

/// The first IPv4 `nameserver` in resolv.conf (given as text).
fn nameserver(resolv_conf: &str) -> Option<Ipv4Addr> {
    resolv_conf.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        match (fields.next(), fields.next()) {
            (Some("nameserver"), Some(addr)) => addr.parse().ok(),
            _ => None,
        }
    })
}

/// Asks `server` for the `A` records of `name`.
pub fn query(server: SocketAddr, name: &str) -> Result<Vec<Ipv4Addr>, ResolveError> {
    let id = query_id();
    let packet = build_query(id, name)?;
    let socket = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)))?;
    socket.connect(server)?;
    let mut buf = [0u8; 4096];
    for _ in 0..TRIES {
        socket.send(&packet)?;
        let deadline = Instant::now() + TRY_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left))?;
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue
                }
                Err(e) => return Err(e.into()),
            };
            // Answers to other (earlier) queries are ignored.
            if let Some(answer) = parse_response(id, &buf[..n]) {
                return answer;
            }
        }
    }
    Err(ResolveError::TimedOut(server))
}

/// A query id that differs between runs and processes.
fn query_id() -> u16 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (nanos ^ (nanos >> 16) ^ std::process::id()) as u16
}

/// The query packet: header with recursion desired, one `IN A` question.
fn build_query(id: u16, name: &str) -> Result<Vec<u8>, ResolveError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(ResolveError::InvalidName("empty"));
    }
    if name.len() > 253 {
        return Err(ResolveError::InvalidName("longer than 253 bytes"));
    }
    let mut packet = Vec::with_capacity(18 + name.len());
    packet.extend_from_slice(&id.to_be_bytes());
    packet.extend_from_slice(&[0x01, 0x00]); // flags: RD
    packet.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // 1 question
    for label in name.split('.') {
        if label.is_empty() {
            return Err(ResolveError::InvalidName("empty label"));
        }
        if label.len() > 63 {
            return Err(ResolveError::InvalidName("label longer than 63 bytes"));
        }
        packet.push(label.len() as u8);
        packet.extend_from_slice(label.as_bytes());
    }
    packet.push(0);
    packet.extend_from_slice(&TYPE_A.to_be_bytes());
    packet.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(packet)
}

/// Reads a response; `None` when it is not the answer to query `id`.
fn parse_response(id: u16, msg: &[u8]) -> Option<Result<Vec<Ipv4Addr>, ResolveError>> {
    if msg.len() < 12 || u16::from_be_bytes([msg[0], msg[1]]) != id || msg[2] & 0x80 == 0 {
        return None;
    }
    Some(parse_answers(msg))
}

fn parse_answers(msg: &[u8]) -> Result<Vec<Ipv4Addr>, ResolveError> {
    let rcode = msg[3] & 0x0f;
    match rcode {
        0 => {}
        3 => return Err(ResolveError::NotFound),
        other => return Err(ResolveError::Server(other)),
    }
    let qdcount = u16::from_be_bytes([msg[4], msg[5]]);
    let ancount = u16::from_be_bytes([msg[6], msg[7]]);
    let mut pos = 12;
    for _ in 0..qdcount {
        pos = skip_name(msg, pos)?;
        pos = pos
            .checked_add(4)
            .filter(|&p| p <= msg.len())
            .ok_or(ResolveError::Malformed("truncated question"))?;
    }
    let mut found = Vec::new();
    for _ in 0..ancount {
        pos = skip_name(msg, pos)?;
        let fixed = msg
            .get(pos..pos + 10)
            .ok_or(ResolveError::Malformed("truncated record"))?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let class = u16::from_be_bytes([fixed[2], fixed[3]]);
        let rdlength = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        pos += 10;
        let rdata = msg
            .get(pos..pos + rdlength)
            .ok_or(ResolveError::Malformed("truncated record data"))?;
        pos += rdlength;
        // CNAME records (and anything else) are skipped: the A records of
        // the chain's target follow them in the same answer.
        if rtype == TYPE_A && class == CLASS_IN {
            let octets: [u8; 4] = rdata
                .try_into()
                .map_err(|_| ResolveError::Malformed("A record not 4 bytes"))?;
            let ip = Ipv4Addr::from(octets);
            if !found.contains(&ip) {
                found.push(ip);
            }
        }
    }
    if found.is_empty() {
        return Err(ResolveError::NoAddress);
    }
    Ok(found)
}

/// Returns the offset just past the (possibly compressed) name at `pos`.
/// A compression pointer ends the name where it stands, so it need not be
/// followed to skip it.
fn skip_name(msg: &[u8], mut pos: usize) -> Result<usize, ResolveError> {
    loop {
        let len = *msg.get(pos).ok_or(ResolveError::Malformed("truncated name"))?;
        match len & 0xc0 {
            0x00 if len == 0 => return Ok(pos + 1),
            0x00 => pos += 1 + usize::from(len),
            0xc0 if pos + 1 < msg.len() => return Ok(pos + 2),
            0xc0 => return Err(ResolveError::Malformed("truncated name pointer")),
            _ => return Err(ResolveError::Malformed("unknown label type")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn hosts_file_lookup() {
        let hosts = "# comment\n127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n\
                     172.17.0.2 web Web.local # trailing\n172.17.0.3 web\n10.0.0.1 web\n";
        assert_eq!(lookup_hosts(hosts, "localhost"), vec![Ipv4Addr::new(127, 0, 0, 1)]);
        assert_eq!(
            lookup_hosts(hosts, "WEB."),
            vec![
                Ipv4Addr::new(172, 17, 0, 2),
                Ipv4Addr::new(172, 17, 0, 3),
                Ipv4Addr::new(10, 0, 0, 1)
            ]
        );
        assert!(lookup_hosts(hosts, "trailing").is_empty());
        assert!(lookup_hosts(hosts, "ip6-localhost").is_empty());
    }

    #[test]
    fn resolv_conf_first_ipv4_nameserver() {
        let conf = "search example\nnameserver fd00::1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n";
        assert_eq!(nameserver(conf), Some(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(nameserver("options ndots:0\n"), None);
    }

    #[test]
    fn query_encoding() {
        let packet = build_query(0x1234, "ab.c.").unwrap();
        assert_eq!(
            packet,
            [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, b'a', b'b', 1, b'c', 0, 0, 1, 0, 1]
        );
        assert!(build_query(1, "").is_err());
        assert!(build_query(1, "a..b").is_err());
        assert!(build_query(1, &"x".repeat(64)).is_err());
    }

    /// A response to `query` with a CNAME (name compressed to the question)
    /// then two A records whose owner is compressed to the CNAME's target.
    fn response(query: &[u8], rcode: u8) -> Vec<u8> {
        let mut msg = query.to_vec();
        msg[2] = 0x81; // QR, RD
        msg[3] = 0x80 | rcode; // RA
        msg[7] = 3; // ANCOUNT
        let target_at = msg.len() + 12;
        // CNAME: owner -> pointer to the question name at 12.
        msg.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
        msg.extend_from_slice(&[4, b'r', b'e', b'a', b'l', 0]);
        for last in [7u8, 8] {
            msg.extend_from_slice(&[0xc0, target_at as u8, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            msg.extend_from_slice(&[10, 0, 0, last]);
        }
        msg
    }

    #[test]
    fn answer_parsing() {
        let query = build_query(7, "svc").unwrap();
        let ok = response(&query, 0);
        let ips = parse_response(7, &ok).unwrap().unwrap();
        assert_eq!(ips, vec![Ipv4Addr::new(10, 0, 0, 7), Ipv4Addr::new(10, 0, 0, 8)]);
        assert!(parse_response(8, &ok).is_none(), "other id");
        assert!(parse_response(7, &query).is_none(), "not a response");
        assert!(matches!(
            parse_response(7, &response(&query, 3)),
            Some(Err(ResolveError::NotFound))
        ));
        assert!(matches!(
            parse_response(7, &response(&query, 2)),
            Some(Err(ResolveError::Server(2)))
        ));
        for cut in 12..ok.len() {
            assert!(matches!(parse_response(7, &ok[..cut]), Some(Err(_))), "cut at {cut}");
        }
        let mut no_answers = ok[..query.len()].to_vec();
        no_answers[7] = 0; // ANCOUNT
        assert!(matches!(
            parse_response(7, &no_answers),
            Some(Err(ResolveError::NoAddress))
        ));
    }

    #[test]
    fn query_against_a_local_server() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let handle = thread::spawn(move || {
            let mut buf = [0u8; 512];
            // Drop the first query so that the client has to retry, then
            // answer the second one after a reply to some other id.
            let _ = server.recv_from(&mut buf).unwrap();
            let (n, from) = server.recv_from(&mut buf).unwrap();
            let mut stray = response(&buf[..n], 0);
            stray[0] ^= 0xff;
            server.send_to(&stray, from).unwrap();
            server.send_to(&response(&buf[..n], 0), from).unwrap();
        });
        let started = Instant::now();
        let ips = query(addr, "svc").unwrap();
        assert_eq!(ips, vec![Ipv4Addr::new(10, 0, 0, 7), Ipv4Addr::new(10, 0, 0, 8)]);
        assert!(started.elapsed() >= TRY_TIMEOUT, "answered before the retry");
        handle.join().unwrap();
    }

    #[test]
    fn literal_addresses_resolve_to_themselves() {
        assert_eq!(resolve("10.1.2.3").unwrap(), vec![Ipv4Addr::new(10, 1, 2, 3)]);
    }
}
