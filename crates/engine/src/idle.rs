//! [`IdleWatch`]: a stream's idle deadline, one timer for the whole
//! stream rather than one per chunk.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// A stream's idle deadline, without a timer per chunk.
///
/// dockerd sends a chunk per log line or event, and a timeout per chunk
/// (read the clock, register a timer, remove it) was a tenth of the client's
/// CPU on a log stream. Instead one timer fires every eighth of the deadline;
/// a chunk, or a reader starting to wait, only sets a flag. A check that finds
/// the flag set starts the silence again from its own time, which is never
/// earlier than the last chunk or the start of the wait: so a stream is
/// declared idle only after at least `idle` of silence while someone waited,
/// and at most an eighth of `idle` later. A reader that comes back after a
/// while (an events reader that made a container meanwhile, or one that
/// was told the stream went idle) gets a whole deadline again.
pub(crate) struct IdleWatch {
    pub(crate) idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
    /// A chunk came since the last check.
    pub(crate) heard: bool,
    /// The latest instant the silence may have started.
    quiet_since: tokio::time::Instant,
}

impl IdleWatch {
    pub(crate) fn new(idle: Duration) -> Self {
        let now = tokio::time::Instant::now();
        IdleWatch {
            idle,
            timer: Box::pin(tokio::time::sleep_until(now + Self::period(idle))),
            heard: false,
            quiet_since: now,
        }
    }

    fn period(idle: Duration) -> Duration {
        (idle / 8).max(Duration::from_millis(1))
    }

    pub(crate) fn set(&mut self, idle: Duration) {
        *self = IdleWatch::new(idle);
    }

    /// A reader starts waiting: the silence counts from now at the earliest.
    pub(crate) fn wait_begins(&mut self) {
        self.heard = true;
    }

    /// `Ready` once the stream has been silent for the whole deadline.
    pub(crate) fn poll_silent(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let now = tokio::time::Instant::now();
            if std::mem::take(&mut self.heard) {
                self.quiet_since = now;
            }
            let silent_until = self.quiet_since + self.idle;
            if now >= silent_until {
                return Poll::Ready(());
            }
            let next = (now + Self::period(self.idle)).min(silent_until);
            self.timer.as_mut().reset(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls the watch once, as a pending stream read does.
    fn silent(w: &mut IdleWatch) -> bool {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        w.poll_silent(&mut cx).is_ready()
    }

    /// Lets paused time run to `at`, polling the watch whenever its timer
    /// fires, as the task would be woken to; returns when it first reports
    /// silence, if it does by then.
    async fn run_until(w: &mut IdleWatch, at: tokio::time::Instant) -> Option<tokio::time::Instant> {
        while tokio::time::Instant::now() < at {
            if silent(w) {
                return Some(tokio::time::Instant::now());
            }
            let next = w.timer.deadline().min(at);
            tokio::time::sleep_until(next).await;
        }
        silent(w).then(tokio::time::Instant::now)
    }

    /// Idle no earlier than `idle` after `from`, and at most an eighth later.
    fn assert_idle_in_bounds(at: tokio::time::Instant, from: tokio::time::Instant, idle: Duration, from_what: &str) {
        let silence = at - from;
        assert!(
            silence >= idle && silence <= idle + idle / 8,
            "declared idle {silence:?} after {from_what}; deadline {idle:?}, allowed up to an eighth more"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_stream_is_idle_after_the_deadline_and_within_an_eighth_of_it() {
        let idle = Duration::from_secs(8);
        let start = tokio::time::Instant::now();
        let mut w = IdleWatch::new(idle);
        let at = run_until(&mut w, start + idle * 2).await.expect("never declared idle");
        assert_idle_in_bounds(at, start, idle, "the stream opened");
    }

    #[tokio::test(start_paused = true)]
    async fn chunks_keep_a_stream_alive_and_the_silence_counts_from_the_last() {
        let idle = Duration::from_secs(8);
        let mut w = IdleWatch::new(idle);
        let start = tokio::time::Instant::now();
        // A chunk every 7 s (under the deadline) for 70 s: never idle.
        for i in 1..=10 {
            assert_eq!(run_until(&mut w, start + Duration::from_secs(7 * i)).await, None);
            w.heard = true;
        }
        let last = tokio::time::Instant::now();
        let at = run_until(&mut w, last + idle * 2).await.expect("never declared idle");
        assert_idle_in_bounds(at, last, idle, "the last chunk");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reader_that_comes_back_later_gets_a_whole_deadline() {
        // Declared idle; the reader goes away for a long time (the timer
        // elapses unpolled), then waits again: not idle at once.
        let idle = Duration::from_secs(8);
        let mut w = IdleWatch::new(idle);
        let start = tokio::time::Instant::now();
        assert!(run_until(&mut w, start + idle * 2).await.is_some());
        tokio::time::sleep(Duration::from_secs(60)).await;
        w.wait_begins();
        let from = tokio::time::Instant::now();
        assert!(!silent(&mut w), "idle at once for a reader that just began to wait");
        let at = run_until(&mut w, from + idle * 2).await.expect("never idle");
        assert_idle_in_bounds(at, from, idle, "the wait began");
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_deadline_starts_from_now() {
        let mut w = IdleWatch::new(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(900)).await;
        w.set(Duration::from_secs(10));
        let from = tokio::time::Instant::now();
        let at = run_until(&mut w, from + Duration::from_secs(20))
            .await
            .expect("never idle");
        assert!(at - from >= Duration::from_secs(10), "{:?}", at - from);
    }
}
