//! `Recorder`: the console hands it every probe sample without waiting; a
//! background task writes them in batches (one transaction per flush
//! interval or full batch) and prunes rows older than the retention every
//! so many inserts. If the writer falls behind, samples are dropped and
//! counted rather than slowing the console. Reasons are written with this
//! process's secrets masked (see [`crate::secrets`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::db::SampleDb;
use crate::adapters::probe::schedule::{Sample, now_ms};
use opsdeck_core::config::Plan;
use opsdeck_core::recorded::{Outcome, RecordedSample};

/// Tuning of the writer.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// Samples older than this (behind the newest written) are pruned.
    pub retention_ms: i64,
    /// Prune after this many inserted samples.
    pub prune_every: u64,
    /// Longest a sample waits before its batch is written.
    pub flush_every: Duration,
    /// Most samples in one transaction.
    pub max_batch: usize,
    /// Samples queued before new ones are dropped.
    pub queue: usize,
}

impl Default for RecorderConfig {
    /// One hour kept, pruned every 2,000 samples, flushed every 5 s (on the
    /// process's wake grid, with the clock's tick: an idle console is woken
    /// for the writer's round trip a fifth as often) in batches of up to
    /// 1,000, 16,384 queued (over a minute at 200 checks/s). A crash loses
    /// at most the last 5 s of samples; the journal's events are not here.
    fn default() -> Self {
        RecorderConfig {
            retention_ms: super::RETENTION_MS,
            prune_every: 2_000,
            flush_every: Duration::from_secs(5),
            max_batch: 1_000,
            queue: 16_384,
        }
    }
}

/// The sending side: cheap to clone; the writer stops once every clone is dropped.
#[derive(Debug, Clone)]
pub struct Recorder {
    tx: mpsc::Sender<RecordedSample>,
    /// Check ids by plan position.
    checks: Arc<[String]>,
    dropped: Arc<AtomicU64>,
}

impl Recorder {
    /// Starts the writer on the file at `path` (opened in the background;
    /// a failure is logged and samples are then discarded). `checks` are
    /// the plan's check ids, by position. Needs a tokio runtime.
    pub fn spawn(path: PathBuf, checks: Vec<String>, config: RecorderConfig) -> (Recorder, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let handle = tokio::spawn(write_loop(path, rx, config));
        (Recorder { tx, checks: checks.into(), dropped: Arc::default() }, handle)
    }

    /// Hands over one sample; never waits.
    pub fn record(&self, sample: &Sample) {
        let Some(check) = self.checks.get(sample.check) else {
            return;
        };
        if self.tx.try_send(masked(check, sample)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Samples dropped because the writer was behind or gone.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// `sample` of check `check` as stored: its reason with this process's
/// secrets masked (see [`crate::secrets`]).
pub(crate) fn masked(check: &str, sample: &Sample) -> RecordedSample {
    let mut recorded = RecordedSample::of(check, sample);
    if let Outcome::Failed { reason, .. } = &mut recorded.outcome
        && let std::borrow::Cow::Owned(masked) = crate::secrets::installed().redact(reason)
    {
        *reason = masked;
    }
    recorded
}

/// Passes the probe samples on unchanged while recording each into the
/// room's samples file: the console's one-line hook
/// (`let mut samples = samples::record_through(samples, plan, room);`).
/// Without a state directory, samples pass through unrecorded.
pub fn record_through(mut samples: mpsc::Receiver<Sample>, plan: &Plan, room: &str) -> mpsc::Receiver<Sample> {
    let Some(path) = super::path_for(room) else {
        tracing::warn!("no state directory: samples are not recorded, so `opsdeck triggers --replay` will have nothing to show");
        return samples;
    };
    let checks = plan.checks.iter().map(|c| c.id.clone()).collect();
    let (recorder, _writer) = Recorder::spawn(path, checks, RecorderConfig::default());
    let (tx, rx) = mpsc::channel(samples.max_capacity());
    tokio::spawn(async move {
        while let Some(sample) = samples.recv().await {
            recorder.record(&sample);
            if tx.send(sample).await.is_err() {
                return;
            }
        }
    });
    rx
}

async fn write_loop(path: PathBuf, mut rx: mpsc::Receiver<RecordedSample>, config: RecorderConfig) {
    let db = match SampleDb::open(&path).await {
        Ok(db) => db,
        Err(e) => {
            tracing::warn!("samples are not recorded: {e:#}");
            while rx.recv().await.is_some() {}
            return;
        }
    };
    if let Err(e) = db.prune_before(now_ms().saturating_sub(config.retention_ms)).await {
        tracing::warn!("{e:#}");
    }
    let mut since_prune = 0u64;
    let mut open = true;
    while open {
        let Some(first) = rx.recv().await else {
            break;
        };
        let mut batch = vec![first];
        let deadline = crate::adapters::wake_grid::next(config.flush_every);
        while batch.len() < config.max_batch.max(1) {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(s)) => batch.push(s),
                Ok(None) => {
                    open = false;
                    break;
                }
                Err(_) => break,
            }
        }
        if let Err(e) = db.insert(&batch).await {
            tracing::warn!("{e:#}");
            continue;
        }
        since_prune += batch.len() as u64;
        if since_prune >= config.prune_every {
            since_prune = 0;
            let newest = batch.iter().map(|s| s.at_ms).max().unwrap_or_default();
            if let Err(e) = db.prune_before(newest.saturating_sub(config.retention_ms)).await {
                tracing::warn!("{e:#}");
            }
        }
    }
    db.close().await;
}
