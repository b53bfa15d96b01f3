//! The handful of C library functions the probe needs, declared by hand so
//! that the program stays std-only.
//!
//! Everything here is a thin, safe wrapper; the `unsafe` is confined to this
//! file and to the signal handler in `signals.rs`.

use std::ffi::{c_int, c_void};

/// A signal handler. (`signal` takes and returns `sighandler_t`, a function
/// pointer that may also hold the sentinels `SIG_DFL` = 0, `SIG_IGN` = 1 and
/// `SIG_ERR` = -1, so it is declared below with `usize`.)
pub type SigHandler = extern "C" fn(c_int);

/// `SIG_ERR`, returned by `signal` on failure.
const SIG_ERR: usize = usize::MAX;

/// `SIG_SETMASK` for `sigprocmask` (the same on every Linux architecture).
const SIG_SETMASK: c_int = 2;

/// Large enough for the C library's `sigset_t` (glibc: 128 bytes, musl: 128
/// bytes), all zeroes: the empty set.
#[repr(C)]
struct SigSet([u64; 16]);

extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
    fn sigprocmask(how: c_int, set: *const SigSet, oldset: *mut SigSet) -> c_int;
    fn getuid() -> u32;
    fn getgid() -> u32;
    fn gethostname(name: *mut u8, len: usize) -> c_int;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    fn ioctl(fd: c_int, request: std::ffi::c_ulong, ...) -> c_int;
    fn __errno_location() -> *mut c_int;
}

/// Installs `handler` for `signum` with BSD semantics (the handler stays
/// installed and interrupted system calls are restarted: glibc's `signal`).
pub fn install_handler(signum: c_int, handler: SigHandler) -> std::io::Result<()> {
    // SAFETY: `handler` is a valid `extern "C" fn(c_int)` that lives for the
    // whole program; `signal` only stores it.
    let previous = unsafe { signal(signum, handler as usize) };
    if previous == SIG_ERR {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Unblocks every signal for the calling thread (and so for the threads it
/// starts later), in case the probe was started with some of them blocked.
pub fn unblock_all_signals() -> std::io::Result<()> {
    let empty = SigSet([0; 16]);
    // SAFETY: `empty` is a valid, fully initialised signal set at least as
    // large as the C library's `sigset_t`; the old set is not requested.
    let rc = unsafe { sigprocmask(SIG_SETMASK, &empty, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The real user id of the process.
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { getuid() }
}

/// The real group id of the process.
pub fn gid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { getgid() }
}

/// The host name (the container's, inside a container).
pub fn hostname() -> std::io::Result<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the pointer and length describe `buf`, which outlives the call.
    let rc = unsafe { gethostname(buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..len]).into_owned())
}

/// Writes one byte to `fd`, ignoring the outcome, preserving `errno`.
///
/// Async-signal-safe: meant for the signal handler's wake-up byte.
pub fn write_byte_preserving_errno(fd: c_int, byte: u8) {
    // SAFETY: `__errno_location` returns the calling thread's errno slot,
    // valid for the thread's lifetime; `write` reads one byte from a live
    // local. Both are async-signal-safe.
    unsafe {
        let errno = __errno_location();
        let saved = *errno;
        let _ = write(fd, (&byte as *const u8).cast(), 1);
        *errno = saved;
    }
}

/// `TIOCGWINSZ` (the generic Linux number, as for the signals in
/// `signals.rs`; MIPS, SPARC, PowerPC and Alpha differ).
const TIOCGWINSZ: std::ffi::c_ulong = 0x5413;

/// The kernel's `struct winsize`.
#[repr(C)]
#[derive(Default)]
struct WinSize {
    rows: u16,
    cols: u16,
    x_pixels: u16,
    y_pixels: u16,
}

/// The size (rows, columns) of the terminal on `fd`; an error when `fd` is
/// not a terminal.
pub fn terminal_size(fd: c_int) -> std::io::Result<(u16, u16)> {
    let mut ws = WinSize::default();
    // SAFETY: TIOCGWINSZ writes one `struct winsize` through the pointer,
    // which points to a live, properly aligned `WinSize` of that layout.
    let rc = unsafe { ioctl(fd, TIOCGWINSZ, &mut ws as *mut WinSize) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((ws.rows, ws.cols))
}
