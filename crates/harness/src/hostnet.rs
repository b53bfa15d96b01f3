//! Where a port the engine publishes on its host can be reached from here.
//!
//! A port published on `127.0.0.1` is on the loopback of the engine's
//! network namespace. For the machine's own daemon that is this process's
//! loopback; for a private engine or a cluster node (a dockerd in its own
//! namespace on this machine) it is not, and a connection from here would be
//! refused although the engine did everything right. So the engine's process
//! is found through the socket's peer credentials (`SO_PEERCRED`), its
//! namespace compared with ours, and, when it differs, connections are opened
//! from a short-lived thread that has entered the engine's namespace (the
//! socket stays in the namespace it was created in).

use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use dockhand_engine::{Address, Endpoint};

/// How this process reaches the engine host's loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineHost {
    /// The engine runs in this process's network namespace.
    Same,
    /// The engine runs on this machine in another network namespace (the
    /// file is `/proc/<pid>/ns/net` of its process).
    Namespace(PathBuf),
    /// Unreachable from here, or cannot be told; the reason says which.
    Unknown(String),
}

impl EngineHost {
    /// Finds out where the engine at `endpoint` runs, by asking the kernel
    /// who listens on its unix socket.
    pub async fn locate(endpoint: &Endpoint) -> EngineHost {
        let path = match &endpoint.address {
            Address::Unix(p) => p.clone(),
            Address::Ssh(_) => {
                return EngineHost::Unknown(
                    "the engine is reached over ssh: its 127.0.0.1 is the far host's, not necessarily this one's"
                        .into(),
                )
            }
            _ => {
                return EngineHost::Unknown(
                    "the engine is reached over TCP: its 127.0.0.1 may not be this host's".into(),
                )
            }
        };
        let pid = match tokio::net::UnixStream::connect(&path).await.and_then(|s| s.peer_cred()) {
            Ok(cred) => cred.pid().unwrap_or(0),
            Err(e) => return EngineHost::Unknown(format!("cannot ask {} who listens: {e}", path.display())),
        };
        if pid <= 0 {
            return EngineHost::Unknown(
                "the engine's process is not visible from here (dockhand runs in another pid namespace, e.g. a container), so its loopback cannot be told from ours".into(),
            );
        }
        let theirs = PathBuf::from(format!("/proc/{pid}/ns/net"));
        match (std::fs::metadata("/proc/self/ns/net"), std::fs::metadata(&theirs)) {
            (Ok(a), Ok(b)) if a.dev() == b.dev() && a.ino() == b.ino() => EngineHost::Same,
            (Ok(_), Ok(_)) => EngineHost::Namespace(theirs),
            (_, Err(e)) | (Err(e), _) => EngineHost::Unknown(format!(
                "cannot compare the engine's network namespace ({}) with ours: {e}",
                theirs.display()
            )),
        }
    }

    /// Runs `f` on a thread in the engine host's network namespace (this
    /// thread for [`EngineHost::Same`]): sockets it creates live there.
    fn run_in<T: Send + 'static>(&self, f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
        match self {
            EngineHost::Same => f(),
            EngineHost::Unknown(why) => Err(io::Error::other(why.clone())),
            EngineHost::Namespace(ns) => {
                let ns = ns.clone();
                // A fresh thread, never a pooled one: setns changes the thread
                // for good, and it ends right after.
                std::thread::spawn(move || {
                    let file = std::fs::File::open(&ns)?;
                    use std::os::fd::AsRawFd;
                    // SAFETY: setns on a valid descriptor affects only this thread.
                    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                        let e = io::Error::last_os_error();
                        return Err(io::Error::new(
                            e.kind(),
                            format!("cannot enter the engine's network namespace {}: {e}", ns.display()),
                        ));
                    }
                    f()
                })
                .join()
                .map_err(|_| io::Error::other("the thread in the engine's network namespace panicked"))?
            }
        }
    }

    /// A TCP port on the engine host's 127.0.0.1 that is free right now.
    pub async fn free_port(&self) -> io::Result<u16> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            me.run_in(|| Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port()))
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Connects to `addr` as a process on the engine's host would.
    pub async fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<tokio::net::TcpStream> {
        let me = self.clone();
        let std = tokio::task::spawn_blocking(move || {
            me.run_in(move || std::net::TcpStream::connect_timeout(&addr, timeout))
        })
        .await
        .map_err(io::Error::other)??;
        std.set_nonblocking(true)?;
        tokio::net::TcpStream::from_std(std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(path: &std::path::Path) -> Endpoint {
        Endpoint::unix(path, dockhand_engine::EndpointSource::Flag)
    }

    #[tokio::test]
    async fn a_listener_in_this_process_is_in_our_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s.sock");
        let _l = tokio::net::UnixListener::bind(&sock).unwrap();
        assert_eq!(EngineHost::locate(&unix(&sock)).await, EngineHost::Same);
        // And Same connects here.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        EngineHost::Same.connect(addr, Duration::from_secs(2)).await.unwrap();
    }

    #[tokio::test]
    async fn tcp_and_missing_sockets_are_unknown_with_a_reason() {
        let tcp = Endpoint::parse("tcp://127.0.0.1:1", dockhand_engine::EndpointSource::Flag).unwrap();
        assert!(matches!(EngineHost::locate(&tcp).await, EngineHost::Unknown(r) if r.contains("TCP")));
        let missing = unix(std::path::Path::new("/nonexistent/dockhand.sock"));
        match EngineHost::locate(&missing).await {
            EngineHost::Unknown(r) => assert!(r.contains("/nonexistent/dockhand.sock"), "{r}"),
            other => panic!("{other:?}"),
        }
        let err = EngineHost::Unknown("why".into())
            .connect("127.0.0.1:1".parse().unwrap(), Duration::from_secs(1))
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "why");
    }
}
