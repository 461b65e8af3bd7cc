//! One frame in flight per session: the desk hands a frame to the slot
//! only when the session's writer has sent the previous one, so a slow
//! client holds at most one frame here (and SSH's window in the channel);
//! whatever changes meanwhile is drawn once, as the newest frame, when the
//! writer is free. Each session has its own slot and writer task, so a
//! client that reads slowly delays nobody else.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct FrameSlot {
    frame: Mutex<Option<Vec<u8>>>,
    busy: AtomicBool,
    ready: Notify,
    idle: Notify,
    closed: AtomicBool,
    /// Bytes written to the client so far.
    sent: AtomicU64,
    frames: AtomicU64,
}

impl FrameSlot {
    /// Whether the writer is free for the next frame.
    pub fn is_idle(&self) -> bool {
        !self.busy.load(Ordering::Acquire)
    }

    /// Hands a frame to the writer (call only when idle).
    pub fn put(&self, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        if let Ok(mut f) = self.frame.lock() {
            match f.as_mut() {
                Some(pending) => pending.extend_from_slice(&bytes),
                None => *f = Some(bytes),
            }
        }
        self.busy.store(true, Ordering::Release);
        self.ready.notify_one();
    }

    /// Waits until the writer is free (cancel safe; may wake spuriously).
    pub async fn wait_idle(&self) {
        if self.is_idle() {
            return;
        }
        self.idle.notified().await;
    }

    /// The writer's side: the next frame to send; `None` once closed.
    pub async fn next(&self) -> Option<Vec<u8>> {
        loop {
            if let Some(frame) = self.frame.lock().ok().and_then(|mut f| f.take()) {
                return Some(frame);
            }
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            self.ready.notified().await;
        }
    }

    /// The writer sent a frame of `len` bytes.
    pub fn sent(&self, len: usize) {
        self.sent.fetch_add(len as u64, Ordering::Relaxed);
        self.frames.fetch_add(1, Ordering::Relaxed);
        let more = self.frame.lock().map(|f| f.is_some()).unwrap_or(false);
        if !more {
            self.busy.store(false, Ordering::Release);
            self.idle.notify_one();
        }
    }

    /// No more frames: the writer ends once it has sent what it holds.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.ready.notify_one();
    }

    /// (bytes, frames) sent so far.
    pub fn totals(&self) -> (u64, u64) {
        (self.sent.load(Ordering::Relaxed), self.frames.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_frame_at_a_time() {
        let slot = FrameSlot::default();
        assert!(slot.is_idle());
        slot.put(b"one".to_vec());
        assert!(!slot.is_idle());
        assert_eq!(slot.next().await.as_deref(), Some(&b"one"[..]));
        slot.sent(3);
        assert!(slot.is_idle());
        slot.close();
        assert_eq!(slot.next().await, None);
        assert_eq!(slot.totals(), (3, 1));
    }
}
