//! A follower's reader of the room's samples: first the room's history
//! since a moment (so charts and evaluators start with what the room saw),
//! then every sample written after, read when the room's samples
//! notification wakes it (`PgStore::samples_wake`) and at least every
//! [`POLL_EVERY`] besides (for the time the listener is reconnecting, or
//! when no subscription runs). A store error is logged at debug and the
//! read retried at the next wake or poll; the reader never gives up and
//! never spins. Ids are the cursor: nothing is sent twice or skipped.

use std::time::Duration;

use color_eyre::eyre::{Report, Result};
use tokio::sync::{mpsc, watch};

use super::room_samples::{self, read_window};
use crate::adapters::journal::PgStore;
use opsdeck_core::recorded::RecordedSample;

/// Most samples read (and sent) at once.
pub const PAGE: u32 = 5_000;

/// How often the room is read without a wake.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// Longest one read may take (a hung connection must not freeze the reader).
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts reading `room`'s samples: sends those taken at or after
/// `warm_since_ms` (in time order), then those written later (in the order
/// they were written), each read as non-empty pages of at most [`PAGE`].
/// `wake` is the room's samples wake (`PgStore::samples_wake` or
/// `Journal::samples_wake`). The task ends when the receiver is dropped.
/// Needs a tokio runtime.
pub fn spawn(pg: PgStore, room: String, warm_since_ms: i64, wake: watch::Receiver<()>) -> mpsc::Receiver<Vec<RecordedSample>> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(run(pg, room, warm_since_ms, wake, tx));
    rx
}

async fn run(pg: PgStore, room: String, warm_since_ms: i64, wake: watch::Receiver<()>, tx: mpsc::Sender<Vec<RecordedSample>>) {
    let mut wake = Some(wake);
    // The history: everything up to the room's last id when we start, from
    // `warm_since_ms` on, in time order.
    let mut through = None;
    let mut cursor = (warm_since_ms, 0);
    loop {
        seen(&mut wake);
        let warm = async {
            let last = match through {
                Some(last) => last,
                None => room_samples::last_id(&pg, &room).await?,
            };
            through = Some(last);
            read_window(&pg, &room, last, cursor, PAGE).await
        };
        if let Some(page) = bounded(warm, &room).await {
            let full = page.len() == PAGE as usize;
            if let Some((id, last)) = page.last() {
                cursor = (last.at_ms, *id);
            }
            if !send(&tx, page).await {
                return;
            }
            if !full {
                break;
            }
            continue;
        }
        if !pause(&mut wake, &tx).await {
            return;
        }
    }
    // Then everything written after, in id order.
    let mut last = through.unwrap_or_default();
    loop {
        seen(&mut wake);
        if let Some(page) = bounded(room_samples::read_after(&pg, &room, last, PAGE), &room).await {
            let full = page.len() == PAGE as usize;
            if let Some((id, _)) = page.last() {
                last = *id;
            }
            if !send(&tx, page).await {
                return;
            }
            if full {
                continue;
            }
        }
        if !pause(&mut wake, &tx).await {
            return;
        }
    }
}

/// Marks the wake seen before a read, so one arriving during it brings
/// another read.
fn seen(wake: &mut Option<watch::Receiver<()>>) {
    if let Some(w) = wake.as_mut() {
        w.borrow_and_update();
    }
}

/// The read's page, or `None` (logged) when it failed or took too long.
async fn bounded(read: impl Future<Output = Result<Vec<(i64, RecordedSample)>>>, room: &str) -> Option<Vec<(i64, RecordedSample)>> {
    let result = match tokio::time::timeout(READ_TIMEOUT, read).await {
        Ok(result) => result,
        Err(_) => Err(Report::msg(format!("no answer within {READ_TIMEOUT:?}"))),
    };
    match result {
        Ok(page) => Some(page),
        Err(e) => {
            tracing::debug!("following the samples of room {room:?}: {e:#}");
            None
        }
    }
}

/// Sends a non-empty page; false when the receiver is gone.
async fn send(tx: &mpsc::Sender<Vec<RecordedSample>>, page: Vec<(i64, RecordedSample)>) -> bool {
    if page.is_empty() {
        return !tx.is_closed();
    }
    tx.send(page.into_iter().map(|(_, s)| s).collect()).await.is_ok()
}

/// Waits for a wake or [`POLL_EVERY`]; false when the receiver is gone. A
/// wake whose sender is gone is forgotten (polling goes on).
async fn pause(wake: &mut Option<watch::Receiver<()>>, tx: &mpsc::Sender<Vec<RecordedSample>>) -> bool {
    let woken = async {
        match wake.as_mut() {
            Some(w) => w.changed().await.is_ok(),
            None => std::future::pending().await,
        }
    };
    let alive = tokio::select! {
        () = tx.closed() => return false,
        alive = woken => alive,
        () = tokio::time::sleep(POLL_EVERY) => true,
    };
    if !alive {
        *wake = None;
    }
    true
}
