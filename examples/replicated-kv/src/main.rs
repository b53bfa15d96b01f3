//! replicated-kv: a tiny key-value store whose instances copy every write to
//! each other. It is the service of dockhand's `examples/replicated-kv`
//! environment, and also its test client.
//!
//! std only, so that it builds as a static executable with a bare `rustc`
//! (see `build.sh`) and runs in an image with nothing else in it.
//!
//! Usage:
//!   kv serve                   listen on $KV_PORT (7000); replicate writes to
//!                              every address $KV_PEERS (`name:port`) resolves to
//!   kv set ADDR KEY VALUE      write through the instance at ADDR
//!   kv get ADDR KEY            print the value, or exit 1 when missing
//!
//! Protocol, one line each way over TCP:
//!   SET key value  -> OK replicated=<n>    (n: peers that took the copy)
//!   GET key        -> VALUE value | MISSING
//!   REPL key value -> OK                   (a copy from a peer: stored, not passed on)
//!   PING           -> PONG

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Store = Arc<Mutex<HashMap<String, String>>>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["serve"] | [] => serve(),
        ["set", addr, key, value] => client(addr, &format!("SET {key} {value}")),
        ["get", addr, key] => client(addr, &format!("GET {key}")),
        _ => {
            eprintln!("usage: kv serve | kv set ADDR KEY VALUE | kv get ADDR KEY");
            2
        }
    };
    std::process::exit(code);
}

fn client(addr: &str, line: &str) -> i32 {
    match request(addr, line) {
        Ok(reply) if reply == "MISSING" => {
            eprintln!("kv: {addr}: missing");
            1
        }
        Ok(reply) => {
            println!("{}", reply.strip_prefix("VALUE ").unwrap_or(&reply));
            0
        }
        Err(e) => {
            eprintln!("kv: {addr}: {e}");
            2
        }
    }
}

fn request(addr: &str, line: &str) -> std::io::Result<String> {
    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{addr}: {e}")))?;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    writeln!(s, "{line}")?;
    let mut reply = String::new();
    BufReader::new(s).read_line(&mut reply)?;
    Ok(reply.trim_end().to_string())
}

fn serve() -> i32 {
    let port: u16 = std::env::var("KV_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(7000);
    let peers = std::env::var("KV_PEERS").unwrap_or_default();
    let listener = match TcpListener::bind(("0.0.0.0", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("kv: cannot listen on port {port}: {e}");
            return 1;
        }
    };
    println!("kv: listening on 0.0.0.0:{port}, peers {peers:?}");
    let store: Store = Arc::default();
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let store = store.clone();
        let peers = peers.clone();
        std::thread::spawn(move || {
            if let Err(e) = handle(conn, &store, &peers) {
                eprintln!("kv: connection: {e}");
            }
        });
    }
    0
}

fn handle(conn: TcpStream, store: &Store, peers: &str) -> std::io::Result<()> {
    let mut out = conn.try_clone()?;
    for line in BufReader::new(conn).lines() {
        let line = line?;
        let mut parts = line.splitn(3, ' ');
        let reply = match (parts.next(), parts.next(), parts.next()) {
            (Some("PING"), None, None) => "PONG".to_string(),
            (Some("GET"), Some(k), None) => match store.lock().unwrap().get(k) {
                Some(v) => format!("VALUE {v}"),
                None => "MISSING".to_string(),
            },
            (Some("SET"), Some(k), Some(v)) => {
                store.lock().unwrap().insert(k.to_string(), v.to_string());
                let n = replicate(peers, k, v);
                println!("kv: set {k}, replicated to {n} peers");
                format!("OK replicated={n}")
            }
            (Some("REPL"), Some(k), Some(v)) => {
                store.lock().unwrap().insert(k.to_string(), v.to_string());
                println!("kv: copy of {k} from a peer");
                "OK".to_string()
            }
            _ => format!("ERROR bad request {line:?}"),
        };
        writeln!(out, "{reply}")?;
    }
    Ok(())
}

/// Sends the write to every peer address except this instance; returns how
/// many took it.
fn replicate(peers: &str, key: &str, value: &str) -> usize {
    let mut n = 0;
    for peer in peers.split(',').filter(|p| !p.is_empty()) {
        let Some((host, port)) = peer.rsplit_once(':') else { continue };
        let Ok(port) = port.parse::<u16>() else { continue };
        let ips = match resolve(host) {
            Ok(ips) => ips,
            Err(e) => {
                eprintln!("kv: resolve {host}: {e}");
                continue;
            }
        };
        for ip in ips {
            let addr = SocketAddr::new(IpAddr::V4(ip), port);
            let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
                eprintln!("kv: peer {addr} unreachable");
                continue;
            };
            // Our own address answers too: skip ourselves.
            if s.local_addr().map(|a| a.ip()).ok() == Some(addr.ip()) {
                continue;
            }
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let ok = writeln!(s, "REPL {key} {value}").is_ok() && {
                let mut reply = String::new();
                BufReader::new(&s).read_line(&mut reply).is_ok() && reply.trim_end() == "OK"
            };
            if ok {
                n += 1;
            } else {
                eprintln!("kv: peer {addr} did not take {key}");
            }
        }
    }
    n
}

/// IPv4 addresses of a name: a literal, else an `A` query to the first
/// nameserver in /etc/resolv.conf (a static binary cannot use the C
/// library's resolver modules).
fn resolve(host: &str) -> std::io::Result<Vec<Ipv4Addr>> {
    if let Ok(ip) = host.parse() {
        return Ok(vec![ip]);
    }
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let ns: Ipv4Addr = conf
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver"))
        .find_map(|s| s.trim().parse().ok())
        .unwrap_or(Ipv4Addr::new(127, 0, 0, 11));
    let mut q = vec![0x4b, 0x56, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in host.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let sock = UdpSocket::bind("0.0.0.0:0")?;
    sock.set_read_timeout(Some(Duration::from_secs(2)))?;
    sock.send_to(&q, (ns, 53))?;
    let mut buf = [0u8; 1500];
    let n = sock.recv(&mut buf)?;
    let r = &buf[..n];
    let bad = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    if n < 12 || r[0..2] != q[0..2] {
        return Err(bad("bad DNS reply"));
    }
    if r[3] & 0x0f != 0 {
        return Err(bad(&format!("DNS error code {}", r[3] & 0x0f)));
    }
    let answers = u16::from_be_bytes([r[6], r[7]]);
    // Skip the question: our own bytes after the header.
    let mut i = q.len();
    let mut out = Vec::new();
    for _ in 0..answers {
        // A name: labels, or a 2-byte pointer.
        while i < n {
            let l = r[i] as usize;
            if l == 0 {
                i += 1;
                break;
            }
            if l & 0xc0 == 0xc0 {
                i += 2;
                break;
            }
            i += 1 + l;
        }
        if i + 10 > n {
            return Err(bad("truncated DNS answer"));
        }
        let kind = u16::from_be_bytes([r[i], r[i + 1]]);
        let len = u16::from_be_bytes([r[i + 8], r[i + 9]]) as usize;
        i += 10;
        if kind == 1 && len == 4 && i + 4 <= n {
            out.push(Ipv4Addr::new(r[i], r[i + 1], r[i + 2], r[i + 3]));
        }
        i += len;
    }
    if out.is_empty() {
        return Err(bad("no A record"));
    }
    Ok(out)
}
