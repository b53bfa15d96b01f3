//! Service logs while `up` waits: [`Followers`] follows each started
//! container's output (`GET /containers/{id}/logs?follow=1`) and sends every
//! line as a [`ProgressEvent::Log`], until `up` stops them once every
//! service is ready (or one failed). A container created with a TTY sends
//! its output raw; any other framed, as the engine's logs endpoint does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dockhand_engine::{Engine, FrameDecoder, Request, StreamKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::progress::{Progress, ProgressEvent};

/// Who a followed container is, for its log lines.
pub(crate) struct Followed {
    pub service: String,
    pub replica: u32,
    pub id: String,
    /// Created with a TTY: its output is not framed.
    pub tty: bool,
}

/// The log followers of one `up`; [`Followers::stop`] ends them all.
pub(crate) struct Followers {
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// How long a quiet container's stream may stay silent: the whole wait.
    idle: Duration,
}

impl Followers {
    pub fn new(idle: Duration) -> Followers {
        Followers {
            stop: watch::channel(false).0,
            tasks: Mutex::new(Vec::new()),
            idle,
        }
    }

    /// Starts following one container's output.
    pub fn follow(&self, engine: &Engine, progress: &Arc<dyn Progress>, who: Followed) {
        let task = tokio::spawn(follow(
            engine.clone(),
            progress.clone(),
            who,
            self.stop.subscribe(),
            self.idle,
        ));
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).push(task);
    }

    /// Stops every follower and waits for them, so that no line comes after
    /// `up` returned.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }
}

async fn follow(
    engine: Engine,
    progress: Arc<dyn Progress>,
    who: Followed,
    mut stop: watch::Receiver<bool>,
    idle: Duration,
) {
    let req = Request::get(format!("/containers/{}/logs", who.id))
        .query("follow", "1")
        .query("stdout", "1")
        .query("stderr", "1");
    let mut resp = tokio::select! {
        r = engine.stream(req) => match r {
            Ok(r) if r.status.is_success() => r,
            // The wait reports what matters about the container; a log
            // stream that cannot be had only costs the live view.
            _ => return,
        },
        _ = stop.wait_for(|s| *s) => return,
    };
    resp.set_idle_deadline(idle);
    let mut lines = Lines::new(who.tty);
    let emit = |stderr: bool, line: String| {
        progress.event(ProgressEvent::Log {
            service: who.service.clone(),
            replica: who.replica,
            stderr,
            line,
        })
    };
    let stopped = loop {
        tokio::select! {
            c = resp.chunk() => match c {
                Ok(Some(bytes)) => lines.push(&bytes, &emit),
                _ => break false,
            },
            _ = stop.wait_for(|s| *s) => break true,
        }
    };
    if stopped {
        // What the container wrote before the wait ended may still be on its
        // way: take it while it keeps coming, briefly.
        let until = tokio::time::Instant::now() + DRAIN_MAX;
        while let Ok(Ok(Some(bytes))) =
            tokio::time::timeout_at(until.min(tokio::time::Instant::now() + DRAIN_QUIET), resp.chunk()).await
        {
            lines.push(&bytes, &emit);
        }
    }
    lines.finish(&emit);
}

/// After the wait ended, a follower reads on until its stream has been
/// quiet this long...
const DRAIN_QUIET: Duration = Duration::from_millis(150);
/// ...or this long has passed (a container that never stops writing).
const DRAIN_MAX: Duration = Duration::from_secs(1);

/// Splits a log stream into lines, per output.
struct Lines {
    frames: Option<FrameDecoder>,
    partial: [String; 2],
}

impl Lines {
    fn new(tty: bool) -> Lines {
        Lines {
            frames: (!tty).then(FrameDecoder::new),
            partial: Default::default(),
        }
    }

    fn push(&mut self, bytes: &[u8], emit: &impl Fn(bool, String)) {
        match &mut self.frames {
            None => self.text(false, bytes, emit),
            Some(d) => {
                d.push(bytes);
                let mut got = Vec::new();
                while let Ok(Some(f)) = d.next_frame() {
                    got.push(f);
                }
                for f in got {
                    self.text(f.stream == StreamKind::Stderr, &f.payload, emit);
                }
            }
        }
    }

    fn text(&mut self, stderr: bool, bytes: &[u8], emit: &impl Fn(bool, String)) {
        let slot = &mut self.partial[usize::from(stderr)];
        slot.push_str(&String::from_utf8_lossy(bytes));
        while let Some(i) = slot.find('\n') {
            let line: String = slot.drain(..=i).collect();
            emit(stderr, line.trim_end_matches(['\n', '\r']).to_string());
        }
    }

    fn finish(&mut self, emit: &impl Fn(bool, String)) {
        for (i, p) in self.partial.iter_mut().enumerate() {
            if !p.is_empty() {
                emit(i == 1, std::mem::take(p));
            }
        }
    }
}
