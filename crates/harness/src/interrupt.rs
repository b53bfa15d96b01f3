//! [`Interrupts`]: the one handler of the signals that ask dockhand to stop,
//! shared by every command that creates something it must remove again
//! (`check`, `engine start|serve`, `env up|run`, `cluster create`).
//!
//! SIGINT (Ctrl-C), SIGTERM (what `timeout`, `docker stop` and a CI job's
//! cancellation send) and SIGHUP (a closed terminal or ssh session) all mean
//! the same: stop starting new work, undo what was made, say so, and exit
//! 128 + the signal's number (130, 143, 129). Each command decides what
//! "stop" is by awaiting [`Interrupts::first`]. A later signal is the user
//! insisting: by default it aborts at once ([`Interrupts::on_repeat`] lets a
//! command add its last words, or keep going, as `env` does while it tears
//! down).
//!
//! Once installed, the three signals no longer kill the process for the rest
//! of its life: install only in commands that act on them.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use crate::exit;

/// A signal that asks dockhand to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C.
    Interrupt,
    /// SIGTERM: `kill`, `timeout`, `docker stop`, a CI job's cancellation.
    Terminate,
    /// SIGHUP: the terminal or ssh session went away.
    HangUp,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Interrupt, Signal::Terminate, Signal::HangUp];

    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::HangUp => libc::SIGHUP,
        }
    }

    /// The signal with this number, if it is one of the three.
    pub fn from_number(n: i32) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.number() == n)
    }

    /// What dockhand exits with after it: 128 + its number, as a shell
    /// reports a process the signal ended.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => exit::INTERRUPTED,
            Signal::Terminate => exit::TERMINATED,
            Signal::HangUp => exit::HUNG_UP,
        }
    }

    fn kind(self) -> SignalKind {
        match self {
            Signal::Interrupt => SignalKind::interrupt(),
            Signal::Terminate => SignalKind::terminate(),
            Signal::HangUp => SignalKind::hangup(),
        }
    }
}

/// `Ctrl-C` for SIGINT (what a person presses), else the signal's name.
impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "Ctrl-C",
            Signal::Terminate => "SIGTERM",
            Signal::HangUp => "SIGHUP",
        })
    }
}

/// What a signal after the first does.
type Repeat = Box<dyn Fn(Signal) + Send + Sync>;

/// The process's stop signals, once installed: the first is kept for
/// whoever awaits it, each later one runs the repeat action.
#[derive(Clone)]
pub struct Interrupts {
    first: watch::Receiver<Option<Signal>>,
    repeat: Arc<Mutex<Repeat>>,
}

impl Interrupts {
    /// Takes over SIGINT, SIGTERM and SIGHUP for the rest of the process's
    /// life. Needs a tokio runtime (the listener is a task).
    pub fn install() -> std::io::Result<Interrupts> {
        let mut int = signal(Signal::Interrupt.kind())?;
        let mut term = signal(Signal::Terminate.kind())?;
        let mut hup = signal(Signal::HangUp.kind())?;
        let (tx, first) = watch::channel(None);
        let repeat: Arc<Mutex<Repeat>> = Arc::new(Mutex::new(Box::new(abort)));
        let on_repeat = repeat.clone();
        tokio::spawn(async move {
            loop {
                // `recv` is cancel-safe: a signal is never lost to the select.
                let s = tokio::select! {
                    Some(()) = int.recv() => Signal::Interrupt,
                    Some(()) = term.recv() => Signal::Terminate,
                    Some(()) = hup.recv() => Signal::HangUp,
                    else => return,
                };
                if tx.borrow().is_none() {
                    tx.send_replace(Some(s));
                } else {
                    (on_repeat.lock().unwrap_or_else(|p| p.into_inner()))(s);
                }
            }
        });
        Ok(Interrupts { first, repeat })
    }

    /// The first signal, once it came.
    pub fn received(&self) -> Option<Signal> {
        *self.first.borrow()
    }

    /// Resolves with the first signal: at once if it already came.
    pub async fn first(&self) -> Signal {
        let mut rx = self.first.clone();
        let received = rx.wait_for(Option::is_some).await.map(|s| *s);
        match received {
            Ok(Some(s)) => s,
            // The listener is gone (the runtime is shutting down): no signal
            // will come any more.
            _ => std::future::pending().await,
        }
    }

    /// Replaces what a signal after the first does (by default: [`abort`]).
    pub fn on_repeat(&self, f: impl Fn(Signal) + Send + Sync + 'static) {
        *self.repeat.lock().unwrap_or_else(|p| p.into_inner()) = Box::new(f);
    }
}

/// The default repeat action: say so and exit with the signal's code at once.
pub fn abort(s: Signal) {
    say(&format!("\naborted by {s}"));
    std::process::exit(s.exit_code());
}

/// A line on stderr that may fail: after SIGHUP the terminal may be gone,
/// and `eprintln!` panics when it cannot write.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_number() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::HangUp.exit_code(), 129);
        for s in Signal::ALL {
            assert_eq!(s.exit_code(), 128 + s.number(), "{s}");
            assert_eq!(Signal::from_number(s.number()), Some(s));
        }
        assert_eq!(Signal::from_number(0), None);
    }

    #[tokio::test]
    async fn the_first_signal_is_kept_and_later_ones_run_the_repeat_action() {
        let interrupts = Interrupts::install().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        interrupts.on_repeat(move |s| {
            let _ = tx.send(s);
        });
        assert_eq!(interrupts.received(), None);
        // SAFETY: signals to this test process, whose handlers are installed above.
        unsafe { libc::kill(libc::getpid(), libc::SIGHUP) };
        let first = tokio::time::timeout(std::time::Duration::from_secs(5), interrupts.first())
            .await
            .unwrap();
        assert_eq!(first, Signal::HangUp);
        unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
        let later = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .unwrap();
        assert_eq!(later, Some(Signal::Terminate));
        assert_eq!(interrupts.received(), Some(Signal::HangUp), "the first stays the first");
    }
}
