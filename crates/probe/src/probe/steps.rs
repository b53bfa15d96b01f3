//! The step language: parsing (strict, all steps before any runs) and
//! running.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

use super::serve::Protocol;
use super::signals::Signals;
use super::{dns, flood, say, serve, sys, warn, Flow};

/// Exit code for a command line that does not parse.
pub const EXIT_USAGE: i32 = 64;
/// Exit code for a step that failed on I/O (`write`, `cat`, `serve-*`, ...).
pub const EXIT_IO: i32 = 1;
/// Exit code for `resolve` failures.
pub const EXIT_RESOLVE: i32 = 2;
/// Exit code for `connect` failures.
pub const EXIT_CONNECT: i32 = 3;

/// How long `connect` waits for each address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// One parsed step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Stdout(String),
    Stderr(String),
    Sleep(Duration),
    Idle,
    Exit(i32),
    EchoStdin,
    Flood(u64),
    Write { path: String, content: String },
    Cat(String),
    Env,
    Whoami,
    Pwd,
    Hostname,
    Winsize,
    Resolve(String),
    Connect { host: String, port: u16 },
    Serve(Protocol, u16),
}

/// Why a command line did not parse; printed as `probe: <error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a step name (or not UTF-8).
    Unknown(String),
    /// A known step with a bad or missing argument.
    BadArgument { step: String, why: &'static str },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Unknown(step) => write!(f, "unknown step '{step}'"),
            ParseError::BadArgument { step, why } => write!(f, "bad step '{step}': {why}"),
        }
    }
}

/// Parses every step; with no steps at all the probe idles.
pub fn parse_all<I, S>(args: I) -> Result<Vec<Step>, ParseError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut steps = Vec::new();
    for arg in args {
        let arg = arg.as_ref();
        let Some(arg) = arg.to_str() else {
            let lossy = String::from_utf8_lossy(arg.as_bytes()).into_owned();
            return Err(ParseError::Unknown(lossy));
        };
        steps.push(parse(arg)?);
    }
    if steps.is_empty() {
        steps.push(Step::Idle);
    }
    Ok(steps)
}

/// Parses one step.
pub fn parse(arg: &str) -> Result<Step, ParseError> {
    let (name, value) = match arg.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (arg, None),
    };
    let bad = |why| ParseError::BadArgument {
        step: arg.to_string(),
        why,
    };
    let needs = |value: Option<&str>| value.map(str::to_string).ok_or_else(|| bad("needs =ARG"));
    let none = |step: Step| match value {
        None => Ok(step),
        Some(_) => Err(bad("takes no argument")),
    };
    match name {
        "stdout" => Ok(Step::Stdout(needs(value)?)),
        "stderr" => Ok(Step::Stderr(needs(value)?)),
        "sleep" => Ok(Step::Sleep(Duration::from_millis(
            number(&needs(value)?).ok_or_else(|| bad("MS must be a number of milliseconds"))?,
        ))),
        "idle" => none(Step::Idle),
        "exit" => Ok(Step::Exit(
            number::<u8>(&needs(value)?).ok_or_else(|| bad("CODE must be 0 to 255"))? as i32,
        )),
        "echo-stdin" => none(Step::EchoStdin),
        "flood" => Ok(Step::Flood(
            number(&needs(value)?).ok_or_else(|| bad("BYTES must be a number"))?,
        )),
        "write" => {
            let value = needs(value)?;
            let (path, content) = value
                .split_once(':')
                .filter(|(path, _)| !path.is_empty())
                .ok_or_else(|| bad("needs =PATH:CONTENT"))?;
            Ok(Step::Write {
                path: path.to_string(),
                content: content.to_string(),
            })
        }
        "cat" => Ok(Step::Cat(non_empty(needs(value)?).ok_or_else(|| bad("needs =PATH"))?)),
        "env" => none(Step::Env),
        "whoami" => none(Step::Whoami),
        "pwd" => none(Step::Pwd),
        "hostname" => none(Step::Hostname),
        "winsize" => none(Step::Winsize),
        "resolve" => Ok(Step::Resolve(
            non_empty(needs(value)?).ok_or_else(|| bad("needs =NAME"))?,
        )),
        "connect" => {
            let value = needs(value)?;
            let (host, port) = value
                .rsplit_once(':')
                .filter(|(host, _)| !host.is_empty())
                .ok_or_else(|| bad("needs =HOST:PORT"))?;
            let port = number(port).ok_or_else(|| bad("PORT must be 0 to 65535"))?;
            Ok(Step::Connect {
                host: host.to_string(),
                port,
            })
        }
        "serve-tcp" | "serve-http" => {
            let protocol = if name == "serve-tcp" {
                Protocol::Tcp
            } else {
                Protocol::Http
            };
            let port = number(&needs(value)?).ok_or_else(|| bad("PORT must be 0 to 65535"))?;
            Ok(Step::Serve(protocol, port))
        }
        _ => Err(ParseError::Unknown(arg.to_string())),
    }
}

/// A plain decimal number (no sign, no spaces), in range for `T`.
fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Runs the steps in order; returns the exit code. Signals that arrived
/// during a step that does not wait are reported when it ends.
pub fn run(steps: &[Step], signals: &Signals) -> i32 {
    for step in steps {
        if let Flow::Exit(code) = run_step(step, signals) {
            return code;
        }
        if let Flow::Exit(code) = signals.report() {
            return code;
        }
    }
    0
}

fn run_step(step: &Step, signals: &Signals) -> Flow {
    match step {
        Step::Stdout(text) => say(text),
        Step::Stderr(text) => warn(text),
        Step::Sleep(duration) => return signals.wait(Some(Instant::now() + *duration)),
        Step::Idle => return signals.wait(None),
        Step::Exit(code) => return Flow::Exit(*code),
        Step::EchoStdin => {
            if let Err(e) = echo_stdin() {
                return fail(EXIT_IO, &format!("echo-stdin failed: {e}"));
            }
        }
        Step::Flood(bytes) => {
            let hash = flood::flood(*bytes, &mut io::stdout().lock());
            match hash {
                Ok(hash) => warn(&format!("probe: flood bytes={bytes} fnv1a64={hash:016x}")),
                Err(e) => return fail(EXIT_IO, &format!("flood failed: {e}")),
            }
        }
        Step::Write { path, content } => {
            if let Err(e) = std::fs::write(path, content) {
                return fail(EXIT_IO, &format!("write {path} failed: {e}"));
            }
        }
        Step::Cat(path) => match std::fs::read(path) {
            Ok(bytes) => emit(&bytes),
            Err(e) => return fail(EXIT_IO, &format!("cat {path} failed: {e}")),
        },
        Step::Env => {
            let mut vars: Vec<Vec<u8>> = std::env::vars_os()
                .map(|(k, v)| [k.as_bytes(), b"=", v.as_bytes(), b"\n"].concat())
                .collect();
            vars.sort();
            emit(&vars.concat());
        }
        Step::Whoami => say(&format!("uid={} gid={}", sys::uid(), sys::gid())),
        Step::Pwd => match std::env::current_dir() {
            Ok(dir) => emit(&[dir.as_os_str().as_bytes(), b"\n"].concat()),
            Err(e) => return fail(EXIT_IO, &format!("pwd failed: {e}")),
        },
        Step::Hostname => match sys::hostname() {
            Ok(name) => say(&name),
            Err(e) => return fail(EXIT_IO, &format!("hostname failed: {e}")),
        },
        Step::Winsize => match winsize() {
            Ok(line) => say(&line),
            Err(e) => return fail(EXIT_IO, &format!("winsize failed: {e}")),
        },
        Step::Resolve(name) => match dns::resolve(name) {
            Ok(ips) => {
                let ips: Vec<String> = ips.iter().map(ToString::to_string).collect();
                say(&format!("probe: resolved {name} {}", ips.join(" ")));
            }
            Err(e) => return fail(EXIT_RESOLVE, &format!("resolve {name} failed: {e}")),
        },
        Step::Connect { host, port } => {
            if let Err(e) = connect(host, *port) {
                return fail(EXIT_CONNECT, &format!("connect {host}:{port} failed: {e}"));
            }
            say(&format!("probe: connected {host}:{port}"));
        }
        Step::Serve(protocol, port) => {
            let started = sys::hostname().and_then(|name| serve::start(*protocol, *port, name));
            match started {
                Ok(addr) => say(&format!("probe: listening {} {addr}", protocol.name())),
                Err(e) => {
                    let what = protocol.name();
                    return fail(EXIT_IO, &format!("serve-{what} {port} failed: {e}"));
                }
            }
        }
    }
    Flow::Continue
}

/// `probe: winsize=ROWSxCOLS`, the size of the terminal on stdin, else on
/// stdout; an error when neither is a terminal.
pub fn winsize() -> io::Result<String> {
    let (rows, cols) = sys::terminal_size(0).or_else(|_| sys::terminal_size(1))?;
    Ok(format!("probe: winsize={rows}x{cols}"))
}

/// Prints `probe: <what>` on stderr and stops with `code`.
fn fail(code: i32, what: &str) -> Flow {
    warn(&format!("probe: {what}"));
    Flow::Exit(code)
}

/// Writes raw bytes to stdout and flushes; output errors are ignored (there
/// is nowhere to report them).
fn emit(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

fn echo_stdin() -> io::Result<()> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        output.write_all(&buf[..n])?;
        output.flush()?;
    }
}

/// Resolves `host` and connects to the first address that accepts.
fn connect(host: &str, port: u16) -> Result<(), String> {
    let ips = dns::resolve(host).map_err(|e| format!("resolve: {e}"))?;
    let mut last = String::new();
    for ip in ips {
        match TcpStream::connect_timeout(&SocketAddr::from((ip, port)), CONNECT_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("{ip}: {e}"),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_step() {
        let cases = [
            ("stdout=a=b c", Step::Stdout("a=b c".into())),
            ("stdout=", Step::Stdout(String::new())),
            ("stderr=x", Step::Stderr("x".into())),
            ("sleep=250", Step::Sleep(Duration::from_millis(250))),
            ("idle", Step::Idle),
            ("exit=255", Step::Exit(255)),
            ("echo-stdin", Step::EchoStdin),
            ("flood=1048576", Step::Flood(1_048_576)),
            (
                "write=/tmp/f:a:b",
                Step::Write {
                    path: "/tmp/f".into(),
                    content: "a:b".into(),
                },
            ),
            ("cat=/etc/passwd", Step::Cat("/etc/passwd".into())),
            ("env", Step::Env),
            ("whoami", Step::Whoami),
            ("pwd", Step::Pwd),
            ("hostname", Step::Hostname),
            ("winsize", Step::Winsize),
            ("resolve=web", Step::Resolve("web".into())),
            (
                "connect=web:8080",
                Step::Connect {
                    host: "web".into(),
                    port: 8080,
                },
            ),
            ("serve-tcp=7", Step::Serve(Protocol::Tcp, 7)),
            ("serve-http=80", Step::Serve(Protocol::Http, 80)),
        ];
        for (arg, step) in cases {
            assert_eq!(parse(arg), Ok(step), "{arg}");
        }
    }

    #[test]
    fn rejects_bad_steps() {
        assert_eq!(parse("bogus"), Err(ParseError::Unknown("bogus".into())));
        assert_eq!(parse("Idle"), Err(ParseError::Unknown("Idle".into())));
        assert_eq!(parse("bogus").unwrap_err().to_string(), "unknown step 'bogus'");
        for bad in [
            "stdout",
            "sleep=",
            "sleep=-1",
            "sleep=1s",
            "idle=1",
            "exit=256",
            "exit=+1",
            "flood=1e6",
            "write=nocolon",
            "write=:x",
            "cat=",
            "env=1",
            "winsize=1",
            "resolve=",
            "connect=web",
            "connect=:80",
            "connect=web:65536",
            "serve-tcp=x",
            "serve-http",
        ] {
            assert!(matches!(parse(bad), Err(ParseError::BadArgument { .. })), "{bad}");
        }
    }

    #[test]
    fn no_steps_means_idle() {
        let none: [&str; 0] = [];
        assert_eq!(parse_all(none), Ok(vec![Step::Idle]));
        assert_eq!(
            parse_all(["stdout=a", "nope", "exit=1"]),
            Err(ParseError::Unknown("nope".into()))
        );
    }
}
