//! The `serve-tcp=PORT` and `serve-http=PORT` steps: tiny servers running
//! in background threads that tell a client which container answered.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// How long a connection may take to send its request, and how long the
/// server lingers reading what the client still sends after the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
const LINGER: Duration = Duration::from_secs(1);

/// The most of an HTTP request head that is read before answering anyway.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// Which protocol a server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Writes `probe <hostname>\n` and closes.
    Tcp,
    /// Answers any request with `200 OK` and the body `probe <hostname>\n`.
    Http,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Http => "http",
        }
    }
}

/// Binds `0.0.0.0:port` now (so that errors are reported by the step and the
/// port accepts connections as soon as the step returns), then serves in a
/// background thread. Returns the bound address (useful with port 0).
pub fn start(protocol: Protocol, port: u16, hostname: String) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))?;
    let addr = listener.local_addr()?;
    let body: Arc<str> = format!("probe {hostname}\n").into();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let body = Arc::clone(&body);
            thread::spawn(move || {
                // A client that goes away early is no concern of the probe.
                let _ = answer(protocol, conn, &body);
            });
        }
    });
    Ok(addr)
}

fn answer(protocol: Protocol, mut conn: TcpStream, body: &str) -> io::Result<()> {
    conn.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    conn.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    match protocol {
        Protocol::Tcp => conn.write_all(body.as_bytes())?,
        Protocol::Http => {
            let head = read_request_head(&mut conn)?;
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            conn.write_all(response.as_bytes())?;
            if !head.starts_with(b"HEAD ") {
                conn.write_all(body.as_bytes())?;
            }
        }
    }
    conn.flush()?;
    // Close our side, then drain briefly so that unread client bytes do not
    // turn the close into a reset that could discard the answer.
    conn.shutdown(Shutdown::Write)?;
    conn.set_read_timeout(Some(LINGER))?;
    let mut sink = [0u8; 4096];
    while conn.read(&mut sink)? > 0 {}
    Ok(())
}

/// Reads until the blank line ending an HTTP request head (or EOF, or the
/// size limit); the request itself does not matter.
fn read_request_head(conn: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while head.len() < MAX_REQUEST_HEAD {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            break;
        }
    }
    Ok(head)
}
