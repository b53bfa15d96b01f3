//! Behaviour of the embedded probe binary, run as a local process.
//!
//! Every test writes [`PROBE_BINARY`] to a temporary file, runs it and
//! checks what it prints, how it exits and how it answers signals and
//! connections. Nothing here can hang: every wait has a deadline, after
//! which the probe is killed and the test fails.

use std::ffi::c_int;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use dockhand_probe::PROBE_BINARY;

/// The longest any single wait in these tests may take.
const DEADLINE: Duration = Duration::from_secs(10);

const SIGHUP: c_int = 1;
const SIGINT: c_int = 2;
const SIGUSR1: c_int = 10;
const SIGTERM: c_int = 15;
const SIGWINCH: c_int = 28;

extern "C" {
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn getuid() -> u32;
    fn getgid() -> u32;
    fn posix_openpt(flags: c_int) -> c_int;
    fn grantpt(fd: c_int) -> c_int;
    fn unlockpt(fd: c_int) -> c_int;
    fn ptsname_r(fd: c_int, buf: *mut u8, len: usize) -> c_int;
    fn ioctl(fd: c_int, request: std::ffi::c_ulong, ...) -> c_int;
}

/// The probe binary written to a fresh temporary directory.
struct Probe {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Probe {
    fn new() -> Probe {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe");
        {
            let mut file = File::create(&path).unwrap();
            file.write_all(PROBE_BINARY).unwrap();
            file.sync_all().unwrap();
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Probe { dir, path }
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.args(args).current_dir(self.dir());
        cmd
    }
}

/// Spawns, retrying while another test's freshly written executable is
/// still open for writing in a forked child ("text file busy").
fn spawn(cmd: &mut Command) -> Child {
    let started = Instant::now();
    loop {
        match cmd.spawn() {
            Ok(child) => return child,
            Err(e) if e.raw_os_error() == Some(26) && started.elapsed() < DEADLINE => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot start the probe: {e}"),
        }
    }
}

/// Waits for `child` to exit within [`DEADLINE`], killing it otherwise.
fn wait_with_deadline(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the probe did not exit within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(5));
    }
}

fn collect(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        from.read_to_end(&mut bytes).unwrap();
        bytes
    })
}

struct Finished {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Finished {
    fn stdout(&self) -> String {
        String::from_utf8(self.stdout.clone()).unwrap()
    }
}

/// Runs the probe to completion with `stdin` as its input.
fn run_with(mut cmd: Command, stdin: &[u8]) -> Finished {
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn(&mut cmd);
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = thread::spawn(move || {
        // The probe may exit without reading: ignore a broken pipe.
        let _ = input.write_all(&stdin);
    });
    let stdout = collect(child.stdout.take().unwrap());
    let stderr = collect(child.stderr.take().unwrap());
    let status = wait_with_deadline(&mut child);
    writer.join().unwrap();
    Finished {
        status,
        stdout: stdout.join().unwrap(),
        stderr: String::from_utf8(stderr.join().unwrap()).unwrap(),
    }
}

fn run(probe: &Probe, args: &[&str]) -> Finished {
    run_with(probe.command(args), b"")
}

/// A probe that keeps running: its stdout arrives line by line.
struct Running {
    child: Child,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Running {
    fn start(probe: &Probe, args: &[&str]) -> Running {
        Running::start_with(probe, args, Stdio::null())
    }

    /// Like [`Running::start`], with `stdin` as the probe's standard input.
    fn start_with(probe: &Probe, args: &[&str], stdin: Stdio) -> Running {
        let mut cmd = probe.command(args);
        cmd.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = spawn(&mut cmd);
        let (tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        thread::spawn(move || {
            for line in stdout.lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let stderr = Some(collect(child.stderr.take().unwrap()));
        Running { child, lines, stderr }
    }

    /// The next stdout line, which must come within [`DEADLINE`].
    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(DEADLINE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no output within {DEADLINE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("stdout closed"),
        }
    }

    fn expect_line(&mut self, expected: &str) {
        assert_eq!(self.next_line(), expected);
    }

    /// Waits until the probe has installed its SIGTERM handler, as
    /// `/proc/<pid>/status` shows.
    fn wait_for_handlers(&self) {
        let status_path = format!("/proc/{}/status", self.child.id());
        let started = Instant::now();
        loop {
            let status = std::fs::read_to_string(&status_path).unwrap();
            let caught = status
                .lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))
                .map(|mask| u64::from_str_radix(mask.trim(), 16).unwrap())
                .unwrap();
            if caught & (1 << (SIGTERM - 1)) != 0 {
                return;
            }
            assert!(started.elapsed() < DEADLINE, "no signal handlers");
            thread::sleep(Duration::from_millis(5));
        }
    }

    fn signal(&self, signal: c_int) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our
        // own child's, which has not been waited for yet.
        let rc = unsafe { kill(self.child.id() as c_int, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the exit; returns the status and the whole of stderr.
    fn wait(&mut self) -> (ExitStatus, String) {
        let status = wait_with_deadline(&mut self.child);
        let stderr = self.stderr.take().unwrap().join().unwrap();
        (status, String::from_utf8(stderr).unwrap())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A pseudo-terminal: the master end, on which the test sets the size, and
/// the path of the other end, which the probe gets as its stdin.
struct Pty {
    master: File,
    slave: PathBuf,
}

impl Pty {
    fn open() -> Pty {
        use std::os::fd::FromRawFd;
        const O_RDWR: c_int = 2;
        const O_NOCTTY: c_int = 0o400;
        // SAFETY: plain calls on a descriptor this function owns; the name
        // buffer outlives `ptsname_r`, which writes at most its length.
        unsafe {
            let fd = posix_openpt(O_RDWR | O_NOCTTY);
            assert!(fd >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
            let master = File::from_raw_fd(fd);
            assert_eq!(grantpt(fd), 0, "grantpt");
            assert_eq!(unlockpt(fd), 0, "unlockpt");
            let mut name = [0u8; 128];
            assert_eq!(ptsname_r(fd, name.as_mut_ptr(), name.len()), 0, "ptsname_r");
            let len = name.iter().position(|&b| b == 0).unwrap();
            let slave = PathBuf::from(std::str::from_utf8(&name[..len]).unwrap());
            Pty { master, slave }
        }
    }

    /// Sets the terminal's size, as a resize through the engine does.
    fn set_size(&self, rows: u16, cols: u16) {
        use std::os::fd::AsRawFd;
        const TIOCSWINSZ: std::ffi::c_ulong = 0x5414;
        let ws: [u16; 4] = [rows, cols, 0, 0];
        // SAFETY: TIOCSWINSZ reads one `struct winsize` (four u16) from the
        // pointer, which points to a live array of that layout.
        let rc = unsafe { ioctl(self.master.as_raw_fd(), TIOCSWINSZ, ws.as_ptr()) };
        assert_eq!(rc, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
    }

    /// The other end, opened anew, for the probe's stdin.
    fn stdin(&self) -> Stdio {
        use std::os::unix::fs::OpenOptionsExt;
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(0o400) // O_NOCTTY: the test's own terminal stays its own
            .open(&self.slave)
            .unwrap();
        Stdio::from(slave)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim_end()
        .to_string()
}

/// A localhost port nobody listens on (right now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn stdout_and_stderr_steps_go_to_their_streams_in_order() {
    let probe = Probe::new();
    let finished = run(&probe, &["stdout=one", "stderr=two", "stdout=a=b c"]);
    assert!(finished.status.success());
    assert_eq!(finished.stdout(), "one\na=b c\n");
    assert_eq!(finished.stderr, "two\n");

    // Both streams into one file: the interleaving is the step order.
    let log = probe.dir().join("log");
    let file = File::create(&log).unwrap();
    let mut cmd = probe.command(&["stdout=1", "stderr=2", "stdout=3", "stderr=4"]);
    cmd.stdout(file.try_clone().unwrap()).stderr(file);
    let status = wait_with_deadline(&mut spawn(&mut cmd));
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(log).unwrap(), "1\n2\n3\n4\n");
}

#[test]
fn exit_step_exits_with_its_code() {
    let probe = Probe::new();
    let finished = run(&probe, &["stdout=before", "exit=7", "stdout=after"]);
    assert_eq!(finished.status.code(), Some(7));
    assert_eq!(finished.stdout(), "before\n");
    assert_eq!(run(&probe, &["exit=0"]).status.code(), Some(0));
    assert_eq!(run(&probe, &["exit=255"]).status.code(), Some(255));
}

#[test]
fn unknown_step_exits_64_before_running_anything() {
    let probe = Probe::new();
    let finished = run(&probe, &["stdout=first", "bogus"]);
    assert_eq!(finished.status.code(), Some(64));
    assert_eq!(finished.stdout(), "");
    assert_eq!(finished.stderr, "probe: unknown step 'bogus'\n");

    let finished = run(&probe, &["exit=300"]);
    assert_eq!(finished.status.code(), Some(64));
    assert!(finished.stderr.starts_with("probe: bad step 'exit=300': "));
}

#[test]
fn idle_then_sigterm_reports_and_exits_0_quickly() {
    let probe = Probe::new();
    let mut running = Running::start(&probe, &["stdout=ready", "idle", "stdout=never"]);
    running.expect_line("ready");
    running.wait_for_handlers();
    let sent = Instant::now();
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    let (status, stderr) = running.wait();
    assert!(status.success(), "{status:?}");
    assert!(sent.elapsed() < Duration::from_secs(2), "{:?}", sent.elapsed());
    assert_eq!(stderr, "");
    assert!(running.lines.recv().is_err(), "printed after SIGTERM");
}

#[test]
fn no_steps_means_idle() {
    let probe = Probe::new();
    let mut running = Running::start(&probe, &[]);
    running.wait_for_handlers();
    thread::sleep(Duration::from_millis(100));
    assert!(running.is_running());
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());
}

#[test]
fn other_signals_are_reported_and_the_probe_keeps_running() {
    let probe = Probe::new();
    let mut running = Running::start(&probe, &["idle"]);
    running.wait_for_handlers();
    running.signal(SIGUSR1);
    running.expect_line("probe: received SIGUSR1");
    running.signal(SIGHUP);
    running.expect_line("probe: received SIGHUP");
    thread::sleep(Duration::from_millis(200));
    assert!(running.is_running(), "the probe exited after SIGUSR1/SIGHUP");
    running.signal(SIGUSR1);
    running.expect_line("probe: received SIGUSR1");
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());
}

#[test]
fn sigint_during_sleep_exits_0() {
    let probe = Probe::new();
    let mut running = Running::start(&probe, &["stdout=ready", "sleep=60000", "stdout=never"]);
    running.expect_line("ready");
    running.wait_for_handlers();
    running.signal(SIGINT);
    running.expect_line("probe: received SIGINT");
    assert!(running.wait().0.success());
}

#[test]
fn sleep_waits_then_goes_on() {
    let probe = Probe::new();
    let started = Instant::now();
    let finished = run(&probe, &["sleep=300", "stdout=after"]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(finished.status.success());
    assert_eq!(finished.stdout(), "after\n");
}

#[test]
fn flood_writes_exactly_the_bytes_it_hashes() {
    let probe = Probe::new();
    let finished = run(&probe, &["flood=1048576"]);
    assert!(finished.status.success());
    assert_eq!(finished.stdout.len(), 1_048_576);
    let hash = format!("{:016x}", fnv1a64(&finished.stdout));
    assert_eq!(finished.stderr, format!("probe: flood bytes=1048576 fnv1a64={hash}\n"));
    assert_eq!(finished.stdout.last(), Some(&b'\n'));
    for line in finished.stdout.split_inclusive(|&b| b == b'\n') {
        assert!(line.len() <= 80);
        assert!(line[..line.len() - 1].iter().all(u8::is_ascii_graphic));
    }
    // Deterministic: a second flood is the same bytes.
    let again = run(&probe, &["flood=1048576"]);
    assert!(again.stdout == finished.stdout);
}

#[test]
fn echo_stdin_copies_until_eof() {
    let probe = Probe::new();
    let input: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let finished = run_with(probe.command(&["echo-stdin", "stdout=done"]), &input);
    assert!(finished.status.success());
    let mut expected = input.clone();
    expected.extend_from_slice(b"done\n");
    assert!(finished.stdout == expected, "echo differs");
}

#[test]
fn write_then_cat_round_trips() {
    let probe = Probe::new();
    let file = probe.dir().join("note");
    let path = file.to_str().unwrap();
    let finished = run(&probe, &[&format!("write={path}:hello:world"), &format!("cat={path}")]);
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_eq!(finished.stdout(), "hello:world");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "hello:world");

    let missing = probe.dir().join("missing");
    let finished = run(&probe, &[&format!("cat={}", missing.display())]);
    assert_eq!(finished.status.code(), Some(1));
    assert!(finished.stderr.starts_with("probe: cat "), "{}", finished.stderr);
}

#[test]
fn env_whoami_pwd_hostname() {
    let probe = Probe::new();
    let mut cmd = probe.command(&["env"]);
    cmd.env_clear().env("ZED", "last").env("ALPHA", "a=1");
    let finished = run_with(cmd, b"");
    assert_eq!(finished.stdout(), "ALPHA=a=1\nZED=last\n");

    let finished = run(&probe, &["whoami", "pwd", "hostname"]);
    assert!(finished.status.success());
    // SAFETY: getuid and getgid have no preconditions.
    let (uid, gid) = unsafe { (getuid(), getgid()) };
    let cwd = probe.dir().canonicalize().unwrap();
    assert_eq!(
        finished.stdout(),
        format!("uid={uid} gid={gid}\n{}\n{}\n", cwd.display(), hostname())
    );
}

#[test]
fn resolve_literal_and_hosts_file_names() {
    let probe = Probe::new();
    let finished = run(&probe, &["resolve=127.0.0.1", "resolve=localhost"]);
    assert!(finished.status.success(), "{}", finished.stderr);
    let lines: Vec<String> = finished.stdout().lines().map(String::from).collect();
    assert_eq!(lines[0], "probe: resolved 127.0.0.1 127.0.0.1");
    // /etc/hosts may list more than one IPv4 address for localhost.
    let localhost: Vec<&str> = lines[1]
        .strip_prefix("probe: resolved localhost ")
        .unwrap()
        .split(' ')
        .collect();
    assert!(localhost.contains(&"127.0.0.1"), "{lines:?}");
}

#[test]
fn resolve_failure_exits_2() {
    let probe = Probe::new();
    let finished = run(&probe, &["resolve=bad..name", "stdout=never"]);
    assert_eq!(finished.status.code(), Some(2));
    assert_eq!(finished.stdout(), "");
    assert_eq!(
        finished.stderr,
        "probe: resolve bad..name failed: invalid name: empty label\n"
    );
}

#[test]
fn connect_succeeds_or_exits_3() {
    let probe = Probe::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let finished = run(
        &probe,
        &[
            &format!("connect=127.0.0.1:{port}"),
            &format!("connect=localhost:{port}"),
        ],
    );
    assert!(finished.status.success(), "{}", finished.stderr);
    assert_eq!(
        finished.stdout(),
        format!("probe: connected 127.0.0.1:{port}\nprobe: connected localhost:{port}\n")
    );
    drop(listener);

    let port = free_port();
    let finished = run(&probe, &[&format!("connect=127.0.0.1:{port}")]);
    assert_eq!(finished.status.code(), Some(3));
    assert!(
        finished
            .stderr
            .starts_with(&format!("probe: connect 127.0.0.1:{port} failed: ")),
        "{}",
        finished.stderr
    );
}

/// Reads the `probe: listening <proto> 0.0.0.0:<port>` line, returns the
/// localhost address to connect to.
fn listening(running: &mut Running, protocol: &str) -> SocketAddr {
    let line = running.next_line();
    let addr = line
        .strip_prefix(&format!("probe: listening {protocol} "))
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let addr: SocketAddr = addr.parse().unwrap();
    assert_eq!(addr.ip(), Ipv4Addr::UNSPECIFIED);
    SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
}

fn read_all(conn: &mut TcpStream) -> String {
    conn.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn serve_tcp_answers_with_the_hostname() {
    let probe = Probe::new();
    let port = free_port();
    let mut running = Running::start(&probe, &[&format!("serve-tcp={port}"), "idle"]);
    let addr = listening(&mut running, "tcp");
    assert_eq!(addr.port(), port);
    for _ in 0..3 {
        let mut conn = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
        assert_eq!(read_all(&mut conn), format!("probe {}\n", hostname()));
    }
    // A client that talks first still gets the whole answer.
    let mut conn = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
    conn.write_all(b"hello\n").unwrap();
    assert_eq!(read_all(&mut conn), format!("probe {}\n", hostname()));
    assert!(running.is_running());
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());
}

#[test]
fn serve_http_answers_any_request() {
    let probe = Probe::new();
    let mut running = Running::start(&probe, &["serve-http=0", "idle"]);
    let addr = listening(&mut running, "http");
    let body = format!("probe {}\n", hostname());
    for path in ["/", "/anything?x=1"] {
        let mut conn = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
        write!(conn, "GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n").unwrap();
        let answer = read_all(&mut conn);
        let (head, got_body) = answer.split_once("\r\n\r\n").unwrap();
        let mut head = head.lines();
        assert_eq!(head.next(), Some("HTTP/1.1 200 OK"));
        let headers: Vec<&str> = head.collect();
        assert!(headers.contains(&"Content-Type: text/plain"), "{headers:?}");
        assert!(headers.contains(&"Connection: close"), "{headers:?}");
        assert!(
            headers.contains(&format!("Content-Length: {}", body.len()).as_str()),
            "{headers:?}"
        );
        assert_eq!(got_body, body);
    }
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());
}

#[test]
fn serve_on_a_busy_port_fails_with_1() {
    let probe = Probe::new();
    let taken = TcpListener::bind("0.0.0.0:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let finished = run(&probe, &[&format!("serve-tcp={port}"), "idle"]);
    assert_eq!(finished.status.code(), Some(1));
    assert!(
        finished
            .stderr
            .starts_with(&format!("probe: serve-tcp {port} failed: ")),
        "{}",
        finished.stderr
    );
}

#[test]
fn winsize_prints_the_size_of_the_terminal_on_stdin() {
    let probe = Probe::new();
    let pty = Pty::open();
    pty.set_size(24, 80);
    let mut running = Running::start_with(&probe, &["winsize", "stdout=done"], pty.stdin());
    running.expect_line("probe: winsize=24x80");
    running.expect_line("done");
    let (status, stderr) = running.wait();
    assert!(status.success(), "{status:?} {stderr}");
}

#[test]
fn winsize_without_a_terminal_fails_with_1() {
    let probe = Probe::new();
    let finished = run(&probe, &["winsize", "stdout=never"]);
    assert_eq!(finished.status.code(), Some(1));
    assert!(
        finished.stderr.starts_with("probe: winsize failed: "),
        "{}",
        finished.stderr
    );
    assert_eq!(finished.stdout(), "");
}

#[test]
fn sigwinch_reports_the_new_terminal_size() {
    let probe = Probe::new();
    let pty = Pty::open();
    pty.set_size(24, 80);
    let mut running = Running::start_with(&probe, &["idle"], pty.stdin());
    running.wait_for_handlers();
    // The order a resize has: the kernel sets the size, then signals.
    pty.set_size(41, 101);
    running.signal(SIGWINCH);
    running.expect_line("probe: received SIGWINCH");
    running.expect_line("probe: winsize=41x101");
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());

    // Without a terminal there is no size to tell: the next line is the
    // SIGTERM's.
    let mut running = Running::start(&probe, &["idle"]);
    running.wait_for_handlers();
    running.signal(SIGWINCH);
    running.expect_line("probe: received SIGWINCH");
    running.signal(SIGTERM);
    running.expect_line("probe: received SIGTERM");
    assert!(running.wait().0.success());
}
