//! Batching across requests: callers record their own command buffers in parallel and hand them
//! here; the first to arrive leads, waiting at most [`MAX_WAIT`] while other callers that are
//! inside GPU work are still recording, then submits everything gathered in one
//! `queue.submit`. A lone caller never waits.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::Gpu;

/// The longest a leader waits for other callers' work.
pub const MAX_WAIT: Duration = Duration::from_millis(2);

type Reply = Sender<Result<wgpu::SubmissionIndex, String>>;

#[derive(Default)]
struct State {
    pending: Vec<(wgpu::CommandBuffer, Reply)>,
    leading: bool,
}

/// Counters since the device was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchStats {
    /// `queue.submit` calls.
    pub submissions: u64,
    /// Command buffers submitted (one per job chunk).
    pub command_buffers: u64,
    /// The most command buffers one submission carried.
    pub largest: u64,
}

#[derive(Default)]
pub(crate) struct Batcher {
    state: Mutex<State>,
    arrived: Condvar,
    /// Callers inside GPU work (recording, waiting or reading back).
    busy: AtomicUsize,
    submissions: AtomicU64,
    command_buffers: AtomicU64,
    largest: AtomicU64,
}

/// Marks a caller as inside GPU work while it lives.
pub(crate) struct Busy<'a>(&'a Batcher);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
        self.0.arrived.notify_all();
    }
}

impl Batcher {
    pub fn enter(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self)
    }

    pub fn stats(&self) -> BatchStats {
        BatchStats {
            submissions: self.submissions.load(Ordering::Relaxed),
            command_buffers: self.command_buffers.load(Ordering::Relaxed),
            largest: self.largest.load(Ordering::Relaxed),
        }
    }

    /// Submits `cb`, possibly with other callers' work; returns the submission to wait on.
    pub fn submit(
        &self,
        gpu: &Gpu,
        cb: wgpu::CommandBuffer,
    ) -> Result<wgpu::SubmissionIndex, String> {
        let (tx, rx) = channel();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.pending.push((cb, tx));
        if st.leading {
            self.arrived.notify_all();
            drop(st);
            return rx
                .recv()
                .unwrap_or_else(|_| Err("GPU submission abandoned".into()));
        }
        st.leading = true;
        let deadline = Instant::now() + MAX_WAIT;
        // Others inside GPU work that have not handed in a command buffer yet are probably
        // recording one: wait for them, up to the deadline.
        while st.pending.len() < self.busy.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            st = self
                .arrived
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let batch = std::mem::take(&mut st.pending);
        st.leading = false;
        drop(st);
        let n = batch.len() as u64;
        let (cbs, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
        let index =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gpu.queue.submit(cbs)))
                .map_err(|_| "GPU submission failed".to_string());
        self.submissions.fetch_add(1, Ordering::Relaxed);
        self.command_buffers.fetch_add(n, Ordering::Relaxed);
        self.largest.fetch_max(n, Ordering::Relaxed);
        for r in replies {
            let _ = r.send(index.clone());
        }
        rx.recv()
            .unwrap_or_else(|_| Err("GPU submission abandoned".into()))
    }
}
