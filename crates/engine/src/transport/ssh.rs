//! `ssh://[user@]host[:port][/path]`: the engine on another machine, reached
//! as the docker CLI reaches it ([`SshAddress`]). Each connection is a fresh
//! system `ssh` process running `docker system dial-stdio` on the far side
//! (with `--host=unix://<path>` when the address has a path); its stdin and
//! stdout are the connection ([`SshStream`]). dockhand's keep-alive pool
//! keeps such connections open, so a run starts few ssh processes.
//!
//! ssh says what went wrong on its stderr (an unknown host key, refused
//! authentication, no `docker` on the far side) and exits. A connection whose
//! output ends before any byte came back is therefore a failure to connect,
//! [`SshFailure`], with ssh's own words kept verbatim; one that ends later,
//! with ssh failing, is a lost connection that names them.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

use crate::ssh::{SshAddress, SshFailure, SshFailureKind};

/// The program run for each connection, found on `PATH` as the docker CLI finds it.
const SSH_PROGRAM: &str = "ssh";

/// The most of ssh's stderr that is kept: its complaints are a line or two.
const STDERR_LIMIT: u64 = 8 * 1024;

/// The io error a connection's read or write returns when ssh failed: the
/// transport finds it in hyper's error and turns it into a diagnosis.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{failure}")]
pub(crate) struct SshEnded {
    pub failure: SshFailure,
    /// No byte had come back on this connection yet: it never connected.
    pub before_reply: bool,
}

/// How the ssh process ended, as its reaper saw it.
struct Exit {
    status: Option<i32>,
    stderr: String,
}

/// One connection: an `ssh … docker system dial-stdio` process's stdout
/// (read) and stdin (write). Dropping it kills the process.
pub(crate) struct SshStream {
    stdout: ChildStdout,
    /// `None` once shut down: closing the pipe is how the far side sees our end.
    stdin: Option<ChildStdin>,
    got_bytes: bool,
    /// Resolves once ssh exited and its stderr is read.
    exit: Option<oneshot::Receiver<Exit>>,
    /// What the ended process left: `Some` once known.
    ended: Option<Option<SshEnded>>,
    /// Dropped with the stream: tells the reaper to kill ssh.
    _kill: oneshot::Sender<()>,
}

/// Starts `ssh` for one connection to `addr`.
pub(crate) fn connect(addr: &SshAddress) -> Result<SshStream, SshFailure> {
    let mut cmd = Command::new(SSH_PROGRAM);
    cmd.args(addr.ssh_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group, as the docker CLI starts it in a session of
        // its own: Ctrl-C at the terminal is dockhand's to handle (finish the
        // running checks and clean up over these very connections), not a
        // signal that cuts them.
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| SshFailure {
        kind: SshFailureKind::NoClient,
        status: None,
        stderr: e.to_string(),
    })?;
    let (Some(stdin), Some(stdout), Some(mut stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        unreachable!("all three pipes were asked for");
    };
    let (exit_tx, exit_rx) = oneshot::channel();
    let (kill_tx, mut kill_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let ended = async {
            let mut buf = Vec::new();
            let _ = (&mut stderr).take(STDERR_LIMIT).read_to_end(&mut buf).await;
            let status = child.wait().await.ok().and_then(|s| s.code());
            (status, String::from_utf8_lossy(&buf).into_owned())
        };
        tokio::select! {
            (status, stderr) = ended => {
                let _ = exit_tx.send(Exit { status, stderr });
            }
            _ = &mut kill_rx => {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    });
    Ok(SshStream {
        stdout,
        stdin: Some(stdin),
        got_bytes: false,
        exit: Some(exit_rx),
        ended: None,
        _kill: kill_tx,
    })
}

impl SshStream {
    /// Waits for the process to have exited and says how, once the pipe ended.
    fn poll_ended(&mut self, cx: &mut Context<'_>) -> Poll<Option<SshEnded>> {
        if let Some(ended) = &self.ended {
            return Poll::Ready(ended.clone());
        }
        let exit = match self.exit.as_mut() {
            Some(rx) => ready!(Pin::new(rx).poll(cx)).ok(),
            None => None,
        };
        self.exit = None;
        let ended = exit.and_then(|Exit { status, stderr }| {
            (status != Some(0)).then(|| SshEnded {
                failure: SshFailure::classify(status, stderr),
                before_reply: !self.got_bytes,
            })
        });
        self.ended = Some(ended.clone());
        Poll::Ready(ended)
    }
}

impl AsyncRead for SshStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.stdout).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.got_bytes = true;
            return Poll::Ready(Ok(()));
        }
        // The end of ssh's output: it is exiting; its status and stderr say
        // whether that is the engine closing the connection or ssh failing.
        match ready!(this.poll_ended(cx)) {
            Some(ended) => Poll::Ready(Err(io::Error::other(ended))),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let Some(stdin) = this.stdin.as_mut() else {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        };
        match ready!(Pin::new(stdin).poll_write(cx, data)) {
            // ssh exited before taking the request: its reason beats "broken pipe".
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => match ready!(this.poll_ended(cx)) {
                Some(ended) => Poll::Ready(Err(io::Error::other(ended))),
                None => Poll::Ready(Err(e)),
            },
            other => Poll::Ready(other),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.stdin.as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Closes ssh's stdin: dial-stdio half-closes the engine's socket, so an
    /// attached container or an exec sees the end of its input while its
    /// output keeps coming.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(stdin) = self.stdin.as_mut() {
            ready!(Pin::new(stdin).poll_flush(cx))?;
        }
        self.stdin = None;
        Poll::Ready(Ok(()))
    }
}
