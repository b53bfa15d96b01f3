//! `dockhand-probe`: the program that runs as PID 1 in dockhand's test
//! containers.
//!
//! It is std-only (the few C functions it needs are declared by hand), so
//! that `build.rs` can compile this very file with a bare `rustc` call into
//! a static binary and embed it in the `dockhand_probe` library.
//!
//! # Step language
//!
//! Every argument after the program name is one step; the steps run in
//! order. A step is a name, or a name, `=` and an argument (everything after
//! the first `=`, which may itself contain `=`). All steps are parsed before
//! any runs: an unknown step prints `probe: unknown step '<x>'` on stderr
//! and exits 64, a known one with a bad argument prints
//! `probe: bad step '<x>': <why>` and exits 64 too. With no steps at all the
//! probe behaves as `idle`. After the last step it exits 0.
//!
//! | step | effect |
//! | --- | --- |
//! | `stdout=TEXT` | prints TEXT and a newline on stdout |
//! | `stderr=TEXT` | prints TEXT and a newline on stderr |
//! | `sleep=MS` | waits MS milliseconds, reporting signals |
//! | `idle` | waits forever, reporting signals |
//! | `exit=CODE` | exits at once with CODE (0 to 255) |
//! | `echo-stdin` | copies stdin to stdout until EOF |
//! | `flood=BYTES` | writes BYTES bytes of deterministic printable lines (at most 80 bytes each, newline included) on stdout, then `probe: flood bytes=<n> fnv1a64=<16 hex>` on stderr, the FNV-1a 64 hash of exactly those bytes |
//! | `write=PATH:CONTENT` | creates or truncates PATH with CONTENT (split at the first `:`, no newline added) |
//! | `cat=PATH` | prints the file's bytes on stdout |
//! | `env` | prints every environment variable as `K=V`, one a line, sorted |
//! | `whoami` | prints `uid=<n> gid=<n>` |
//! | `pwd` | prints the working directory |
//! | `hostname` | prints the host name |
//! | `winsize` | prints `probe: winsize=ROWSxCOLS`, the size of the terminal on stdin (else stdout) read with `ioctl(TIOCGWINSZ)`; with no terminal, `probe: winsize failed: <err>` on stderr and exit 1 |
//! | `resolve=NAME` | prints `probe: resolved NAME <ip> <ip>...` (IPv4), or `probe: resolve NAME failed: <err>` on stderr and exits 2 |
//! | `connect=HOST:PORT` | resolves HOST, opens a TCP connection (3 s timeout per address) and prints `probe: connected HOST:PORT`, or `probe: connect HOST:PORT failed: <err>` on stderr and exits 3 |
//! | `serve-tcp=PORT` | listens on `0.0.0.0:PORT`, prints `probe: listening tcp 0.0.0.0:<port>` and goes on to the next step; each connection receives `probe <hostname>\n` and is closed |
//! | `serve-http=PORT` | the same (`probe: listening http ...`), answering any HTTP request with `200 OK`, `Content-Type: text/plain`, `Connection: close` and the body `probe <hostname>\n` |
//!
//! Other failures (`write`, `cat`, `echo-stdin`, `serve-*` binding, ...)
//! print `probe: <step> failed: <err>` on stderr and exit 1. Everything the
//! probe prints is flushed at once, so that logs show it in order.
//!
//! Names are resolved without the C library (see `probe/dns.rs`): a literal
//! IPv4 address, then `/etc/hosts`, then an `A` query to the first
//! `nameserver` of `/etc/resolv.conf` (127.0.0.11 when there is none),
//! 2 s per try, 3 tries.
//!
//! # Signals
//!
//! SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM,
//! SIGCONT, SIGURG and SIGWINCH are caught (which matters for PID 1, to which
//! the kernel delivers only the signals it has handlers for). Each arrival
//! prints `probe: received SIG<NAME>` on stdout: at once during `sleep` and
//! `idle`, otherwise when the running step ends (`echo-stdin` and `flood`
//! are not interrupted). After reporting SIGTERM or SIGINT the probe exits
//! 0; other signals are only reported. After `probe: received SIGWINCH` a
//! probe with a terminal also prints `probe: winsize=ROWSxCOLS`, the size
//! the kernel set before it sent the signal.

use std::ffi::OsString;
use std::io::Write;

mod probe {
    use std::io::Write;

    pub mod dns;
    pub mod flood;
    pub mod serve;
    pub mod signals;
    pub mod steps;
    pub mod sys;

    /// Whether the probe goes on or exits with a code.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Flow {
        Continue,
        Exit(i32),
    }

    /// Prints a line on stdout and flushes it (errors are ignored: there is
    /// nowhere to report them).
    pub fn say(line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }

    /// Prints a line on stderr (unbuffered).
    pub fn warn(line: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let steps = match probe::steps::parse_all(&args) {
        Ok(steps) => steps,
        Err(e) => {
            probe::warn(&format!("probe: {e}"));
            std::process::exit(probe::steps::EXIT_USAGE);
        }
    };
    let signals = match probe::signals::Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            probe::warn(&format!("probe: cannot install signal handlers: {e}"));
            std::process::exit(probe::steps::EXIT_IO);
        }
    };
    let code = probe::steps::run(&steps, &signals);
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
