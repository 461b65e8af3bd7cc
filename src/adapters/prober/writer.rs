//! `RoomWriter`: the room's prober hands it every sample without waiting;
//! a background task writes them to the room's samples table in batches
//! (one transaction per [`FLUSH_EVERY`] or [`MAX_BATCH`] samples) and
//! prunes what is older than [`ROOM_RETENTION_MS`] at start and every
//! [`PRUNE_EVERY`] samples. Reasons are written with this process's secrets
//! masked (see [`crate::secrets`]), as the samples file's `Recorder` does.
//!
//! Samples are not the journal: a batch the store refuses or cannot take
//! is dropped and counted, not spooled or retried (the next samples tell
//! the room the same story, and a prober that lost the store loses its
//! lease too). The failure is logged once per change of error, not once
//! per batch. If the writer falls behind, new samples are dropped and
//! counted rather than slowing the prober.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use color_eyre::eyre::Report;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::room_samples::{self, ROOM_RETENTION_MS};
use crate::adapters::journal::PgStore;
use crate::adapters::probe::schedule::{Sample, now_ms};
use crate::adapters::samples::recorder::masked;
use opsdeck_core::recorded::RecordedSample;

/// Longest a sample waits before its batch is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Most samples in one batch (one statement).
pub const MAX_BATCH: usize = 1_000;

/// Prune after this many written samples.
pub const PRUNE_EVERY: u64 = 2_000;

/// Samples queued before new ones are dropped (over a minute at 200 checks/s).
pub const QUEUE: usize = 16_384;

/// Longest one write or prune may take (a hung connection must not stop
/// the writer for good: the queue fills meanwhile, and then drops).
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// The sending side: cheap to clone; the writer stops (after writing what
/// is queued) once every clone is dropped.
#[derive(Debug, Clone)]
pub struct RoomWriter {
    tx: mpsc::Sender<RecordedSample>,
    /// Check ids by plan position.
    checks: Arc<[String]>,
    dropped: Arc<AtomicU64>,
}

impl RoomWriter {
    /// Starts the writer of console `console_id`'s samples to `room`.
    /// `checks` are the plan's check ids, by position. Needs a tokio runtime.
    pub fn spawn(pg: PgStore, room: String, console_id: String, checks: Vec<String>) -> (RoomWriter, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let handle = tokio::spawn(write_loop(pg, room, console_id, rx, dropped.clone()));
        (RoomWriter { tx, checks: checks.into(), dropped }, handle)
    }

    /// Hands over one sample; never waits. A sample of a check the plan
    /// does not have is ignored.
    pub fn record(&self, sample: &Sample) {
        let Some(check) = self.checks.get(sample.check) else {
            return;
        };
        if self.tx.try_send(masked(check, sample)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Samples dropped: the writer was behind or gone, or the store did not
    /// take their batch.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

async fn write_loop(pg: PgStore, room: String, console_id: String, mut rx: mpsc::Receiver<RecordedSample>, dropped: Arc<AtomicU64>) {
    let mut writes = Trouble::new("writing the room's samples");
    let mut prunes = Trouble::new("pruning the room's samples");
    prune(&pg, &room, now_ms().saturating_sub(ROOM_RETENTION_MS), &mut prunes).await;
    let mut since_prune = 0u64;
    let mut open = true;
    while open {
        let Some(first) = rx.recv().await else {
            break;
        };
        let mut batch = vec![first];
        let deadline = Instant::now() + FLUSH_EVERY;
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(s)) => batch.push(s),
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_) => break,
            }
        }
        match tokio::time::timeout(WRITE_TIMEOUT, room_samples::insert_batch(&pg, &room, &console_id, &batch)).await {
            Ok(Ok(_)) => writes.cleared(),
            Ok(Err(e)) => {
                dropped.fetch_add(batch.len() as u64, Ordering::Relaxed);
                writes.failed(&e, batch.len());
                continue;
            }
            Err(_) => {
                dropped.fetch_add(batch.len() as u64, Ordering::Relaxed);
                writes.failed(&Report::msg(format!("no answer within {WRITE_TIMEOUT:?}")), batch.len());
                continue;
            }
        }
        since_prune += batch.len() as u64;
        if since_prune >= PRUNE_EVERY {
            since_prune = 0;
            let newest = batch.iter().map(|s| s.at_ms).max().unwrap_or_default();
            prune(&pg, &room, newest.saturating_sub(ROOM_RETENTION_MS), &mut prunes).await;
        }
    }
}

async fn prune(pg: &PgStore, room: &str, before_ms: i64, trouble: &mut Trouble) {
    match tokio::time::timeout(WRITE_TIMEOUT, room_samples::prune(pg, room, before_ms)).await {
        Ok(Ok(n)) => {
            trouble.cleared();
            if n > 0 {
                tracing::debug!("room samples: pruned {n} older than the retention");
            }
        }
        Ok(Err(e)) => trouble.failed(&e, 0),
        Err(_) => trouble.failed(&Report::msg(format!("no answer within {WRITE_TIMEOUT:?}")), 0),
    }
}

/// Logs a failing operation once per change of its error (by root cause,
/// so the batch size in the message does not count as a change), and once
/// when it works again.
struct Trouble {
    what: &'static str,
    last: Option<String>,
}

impl Trouble {
    fn new(what: &'static str) -> Trouble {
        Trouble { what, last: None }
    }

    fn failed(&mut self, e: &Report, samples: usize) {
        let cause = e.root_cause().to_string();
        if self.last.as_deref() != Some(cause.as_str()) {
            let lost = if samples > 0 { format!(", {samples} samples dropped") } else { String::new() };
            tracing::warn!("{}: {e:#} (failed{lost}; not logged again until the error changes)", self.what);
            self.last = Some(cause);
        }
    }

    fn cleared(&mut self) {
        if self.last.take().is_some() {
            tracing::info!("{}: working again", self.what);
        }
    }
}
