//! A waker relay for connections the caller drives itself.
//!
//! hyper wakes its own connection while it is being polled: a response body
//! that is read signals "want more" to the connection's waker, a request
//! handed to an idle connection wakes its queue, a reply delivered wakes the
//! caller's reply future. When the caller drives the connection inline (see
//! `transport::drive`), all those wakers are the caller's task: each such
//! wake-up made tokio poll the task once more after it returned `Pending`,
//! with an extra non-blocking `epoll_wait` first, on every call and on every
//! chunk of a stream.
//!
//! A [`Relay`] is the waker a connection and the futures fed by it are polled
//! with. Outside a [`Relay::poll`] window it passes a wake-up straight to the
//! task that polled last. Inside the window it only records it, and the
//! window polls again before it returns: the wake-up is acted on at once,
//! without a round through the scheduler. No wake-up is lost: one that comes
//! from another thread as the window closes either is seen by the window or
//! is passed on. Only [`Relay::quiet`] drops wake-ups, for work that the
//! caller follows with a poll of its own.

use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// Outside a window: wake-ups go to the target.
const IDLE: u8 = 0;
/// Inside a window, not woken yet.
const POLLING: u8 = 1;
/// Inside a window, woken: poll again before returning.
const WOKEN: u8 = 2;

/// How many times a window polls again for wake-ups raised inside it before
/// it hands one to the task (so that a connection that keeps waking itself
/// cannot starve the task's other work).
const ROUNDS: usize = 16;

#[derive(Default)]
struct State {
    phase: AtomicU8,
    /// The waker of the task that polled last.
    target: Mutex<Option<Waker>>,
}

impl Wake for State {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Inside a window: record it (already WOKEN: nothing to add). A
        // window that opens after this saw IDLE polls after the wake-up
        // anyway; the task is woken all the same, harmlessly.
        if let Err(IDLE) = self.phase.compare_exchange(POLLING, WOKEN, SeqCst, SeqCst) {
            let target = self.target.lock().unwrap_or_else(|p| p.into_inner()).clone();
            if let Some(w) = target {
                w.wake();
            }
        }
    }
}

/// See the module documentation.
pub(crate) struct Relay {
    state: Arc<State>,
    waker: Waker,
}

impl Default for Relay {
    fn default() -> Self {
        let state = Arc::new(State::default());
        Relay {
            waker: Waker::from(state.clone()),
            state,
        }
    }
}

impl Relay {
    /// Runs `f` with the relay's waker until it is ready, or until it is
    /// pending and nothing woke the relay meanwhile. Wake-ups that arrive
    /// after this returns go to `cx`'s task.
    pub(crate) fn poll<T>(&self, cx: &mut Context<'_>, mut f: impl FnMut(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
        {
            let mut target = self.state.target.lock().unwrap_or_else(|p| p.into_inner());
            if !target.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *target = Some(cx.waker().clone());
            }
        }
        let mut inner = Context::from_waker(&self.waker);
        for _ in 0..ROUNDS {
            self.state.phase.store(POLLING, SeqCst);
            let out = f(&mut inner);
            let phase = self.state.phase.swap(IDLE, SeqCst);
            if out.is_ready() {
                return out;
            }
            if phase != WOKEN {
                return Poll::Pending;
            }
        }
        // Still waking itself: let the scheduler decide when to come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Runs `f`, dropping the wake-ups it raises: for work whose wake-ups
    /// the caller acts on at once anyway (a request handed to an idle
    /// connection that the caller polls next).
    pub(crate) fn quiet<R>(&self, f: impl FnOnce() -> R) -> R {
        self.state.phase.store(POLLING, SeqCst);
        let out = f();
        self.state.phase.store(IDLE, SeqCst);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the wake-ups that reach the task.
    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn task() -> (Arc<Count>, Waker) {
        let c = Arc::new(Count::default());
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn a_wake_inside_the_window_polls_again_instead_of_waking_the_task() {
        let relay = Relay::default();
        let (count, waker) = task();
        let mut cx = Context::from_waker(&waker);
        let mut polls = 0;
        let out = relay.poll(&mut cx, |inner| {
            polls += 1;
            if polls == 1 {
                // What hyper does: the body read wakes the connection.
                inner.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(polls)
            }
        });
        assert_eq!(out, Poll::Ready(2));
        assert_eq!(
            count.0.load(SeqCst),
            0,
            "the task was woken for a wake-up the window handled"
        );
    }

    #[test]
    fn a_wake_after_the_window_reaches_the_task_that_polled_last() {
        let relay = Relay::default();
        let (first, w1) = task();
        let (second, w2) = task();
        let mut stored = None;
        let out: Poll<()> = relay.poll(&mut Context::from_waker(&w1), |inner| {
            stored = Some(inner.waker().clone());
            Poll::Pending
        });
        assert!(out.is_pending());
        let _: Poll<()> = relay.poll(&mut Context::from_waker(&w2), |_| Poll::Pending);
        // The registered waker (an I/O readiness, say) fires later.
        stored.expect("registered").wake();
        assert_eq!(first.0.load(SeqCst), 0);
        assert_eq!(second.0.load(SeqCst), 1);
    }

    #[test]
    fn quiet_work_wakes_nobody_and_later_wakes_still_arrive() {
        let relay = Relay::default();
        let (count, waker) = task();
        let mut stored = None;
        let _: Poll<()> = relay.poll(&mut Context::from_waker(&waker), |inner| {
            stored = Some(inner.waker().clone());
            Poll::Pending
        });
        let w = stored.expect("registered");
        relay.quiet(|| w.wake_by_ref());
        assert_eq!(count.0.load(SeqCst), 0);
        w.wake_by_ref();
        assert_eq!(count.0.load(SeqCst), 1);
    }

    #[test]
    fn a_connection_that_keeps_waking_itself_yields_to_the_task() {
        let relay = Relay::default();
        let (count, waker) = task();
        let mut polls = 0;
        let out: Poll<()> = relay.poll(&mut Context::from_waker(&waker), |inner| {
            polls += 1;
            inner.waker().wake_by_ref();
            Poll::Pending
        });
        assert!(out.is_pending());
        assert_eq!(polls, ROUNDS);
        assert_eq!(count.0.load(SeqCst), 1);
    }

    #[test]
    fn wakes_from_another_thread_are_never_lost() {
        // Each round: a thread wakes the relay's waker once while the window
        // polls (and may be closing). The wake must be seen by the window
        // (another poll) or reach the task; never neither.
        let relay = Relay::default();
        for _ in 0..2000 {
            let (count, waker) = task();
            let mut inner_waker = None;
            let _: Poll<()> = relay.poll(&mut Context::from_waker(&waker), |inner| {
                inner_waker = Some(inner.waker().clone());
                Poll::Pending
            });
            let w = inner_waker.take().expect("registered");
            let go = Arc::new(std::sync::Barrier::new(2));
            let g = go.clone();
            let t = std::thread::spawn(move || {
                g.wait();
                w.wake();
            });
            go.wait();
            let mut polls = 0;
            let _: Poll<()> = relay.poll(&mut Context::from_waker(&waker), |_| {
                polls += 1;
                std::hint::spin_loop();
                Poll::Pending
            });
            t.join().expect("waker thread");
            let seen_by_window = polls > 1;
            let reached_task = count.0.load(SeqCst) > 0;
            assert!(seen_by_window || reached_task, "a wake-up was lost");
        }
    }
}
