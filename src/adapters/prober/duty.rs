//! The duty loop: a task that asks for the room's prober lease every
//! [`RENEW_EVERY`] (a little less, by a random tenth) and publishes what
//! this console should do as a [`Duty`] on a `watch` channel, sent only
//! when it changes.
//!
//! - The lease is ours: [`Duty::Probing`].
//! - Another console holds it: [`Duty::Following`] that console.
//! - The role may not take the lease (an observer, refused by the server):
//!   [`Duty::Following`] the prober if there is one, else [`Duty::Offline`]
//!   ([`OBSERVER`]): with nobody probing, an observer probes for itself
//!   rather than show nothing, and writes nothing to the room (it could
//!   not). The refusal is remembered: from then on the loop only reads who
//!   holds the lease, instead of being refused every round (a role granted
//!   more later takes part from its console's next start).
//! - The store fails or does not answer within [`ATTEMPT_TIMEOUT`]: a
//!   follower goes [`Duty::Offline`] at once (nobody may be probing for it
//!   now, so it probes for itself); the prober stays [`Duty::Probing`] until
//!   its lease ends by its own monotonic clock — [`LEASE_TTL`] after the
//!   last successful renewal was *sent*, never later than the server lets
//!   the lease go — and then goes [`Duty::Offline`] that very moment, even
//!   while an attempt is still waiting for an answer. So two consoles never
//!   both believe they probe for the room, and one that lost the store
//!   probes for itself.
//!
//! Until the first answer the duty is [`Duty::Offline`] ([`ASKING`]): a
//! console that cannot reach the room's store at start-up probes for itself,
//! and the first answer (or failure) replaces it within [`ATTEMPT_TIMEOUT`].
//! Releasing ([`DutyHandle::release`], a graceful quit) lets the next console
//! take over at its next attempt; dropping the handle stops the loop
//! without releasing, as a crash would.

use std::time::Duration;

use color_eyre::eyre::{Report, Result};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::lease::{self, Holder, LEASE_TTL, RENEW_EVERY};
use crate::adapters::journal::{Actor, PgStore, Unreachable, is_denied, is_unreachable};

/// How long one attempt (take or renew, or read the holder) may take: less
/// than [`RENEW_EVERY`], so a hung connection cannot freeze the loop.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);

/// The reason of the first [`Duty::Offline`], before the room has answered.
pub const ASKING: &str = "asking the room who probes";

/// The reason of [`Duty::Offline`] for a role that may not probe for the
/// room while nobody does.
pub const OBSERVER: &str = "this role cannot probe for the room (observer)";

/// The reason of [`Duty::Offline`] once the lease was released.
pub const RELEASED: &str = "released the room's prober lease";

/// The reason of [`Duty::Offline`] for a read-only console when nobody probes for the room.
pub const READ_ONLY: &str = "a read-only console does not probe for the room, and nobody does";

/// The reason of [`Duty::Offline`] when the room's store cannot be reached.
pub const UNREACHABLE: &str = "the room's store is unreachable";

/// What this console should do about the room's probing.
#[derive(Debug, Clone, PartialEq)]
pub enum Duty {
    /// This console holds the room's lease: run every check and write each
    /// sample to the room (`RoomWriter`). `since_ms`: when it took the lease
    /// (server clock), constant while it holds it.
    Probing { since_ms: i64 },
    /// `prober`'s console holds the lease: probe nothing and show the room's
    /// samples (`follow`). `since_ms`: when that console took the lease
    /// (server clock), constant while it holds it.
    Following { prober: Actor, since_ms: i64 },
    /// Not part of the room's probing (see the module doc for when): probe
    /// for this console alone, and write nothing to the room. `reason` says
    /// why, for the console to show.
    Offline { reason: String },
}

/// The running duty loop. Dropping it stops the loop without releasing the
/// lease (as a crash would: another console takes over after [`LEASE_TTL`]).
#[derive(Debug)]
pub struct DutyHandle {
    duty: watch::Receiver<Duty>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl DutyHandle {
    /// The duty and its changes (each receiver sees every change it has not
    /// yet seen, coalesced to the latest).
    pub fn duty(&self) -> watch::Receiver<Duty> {
        self.duty.clone()
    }

    /// The duty now.
    pub fn current(&self) -> Duty {
        self.duty.borrow().clone()
    }

    /// Stops the loop after its attempt in flight, releases the lease if this
    /// console holds it (a graceful quit: the next console to ask takes it),
    /// and ends with [`Duty::Offline`] ([`RELEASED`]). Bounded: a store that
    /// does not answer leaves the lease to expire.
    pub async fn release(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(ATTEMPT_TIMEOUT * 3, &mut self.task).await.is_err() {
            tracing::debug!("room prober: the duty loop did not stop in time; the lease is left to expire");
        }
    }
}

impl Drop for DutyHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the duty loop of console `console_id` (used by `actor`) in
/// `room`; the first attempt is made at once. Needs a tokio runtime.
pub fn spawn(pg: PgStore, room: String, console_id: String, actor: Actor) -> DutyHandle {
    let (tx, duty) = watch::channel(Duty::Offline { reason: ASKING.into() });
    let (stop, stopped) = oneshot::channel();
    let duty_loop = DutyLoop { pg, room, console_id, actor, tx, lease_end: None, denied: false, watching_why: OBSERVER };
    DutyHandle { duty, stop: Some(stop), task: tokio::spawn(duty_loop.run(stopped)) }
}

/// The duty loop of a read-only console: it never asks for the lease (it
/// could not record the room's judgments), only who holds it; with nobody
/// holding it, it probes for itself ([`READ_ONLY`]).
pub fn spawn_watching(pg: PgStore, room: String, console_id: String, actor: Actor) -> DutyHandle {
    let (tx, duty) = watch::channel(Duty::Offline { reason: ASKING.into() });
    let (stop, stopped) = oneshot::channel();
    let duty_loop = DutyLoop { pg, room, console_id, actor, tx, lease_end: None, denied: true, watching_why: READ_ONLY };
    DutyHandle { duty, stop: Some(stop), task: tokio::spawn(duty_loop.run(stopped)) }
}

/// What one attempt found.
enum Seen {
    /// The lease's holder, after this console asked for the lease.
    Holder(Holder),
    /// The lease's holder, if any, as seen by a role that may not take it.
    Watching(Option<Holder>),
}

struct DutyLoop {
    pg: PgStore,
    room: String,
    console_id: String,
    actor: Actor,
    tx: watch::Sender<Duty>,
    /// While this console holds the lease: when it ends by this console's
    /// clock (the last successful renewal's sending + TTL).
    lease_end: Option<Instant>,
    /// The server refused this role the lease (or the console is
    /// read-only): only read the holder.
    denied: bool,
    /// Why this console probes for itself when it only watches and nobody
    /// holds the lease.
    watching_why: &'static str,
}

impl DutyLoop {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        loop {
            let sent = Instant::now();
            let seen = lapsing(ask(&self.pg, &self.room, &self.console_id, &self.actor, self.denied), self.lease_end, &self.tx).await;
            self.settle(seen, sent);
            let next = sent + RENEW_EVERY.mul_f64(1.0 - fastrand::f64() / 10.0);
            tokio::select! {
                _ = &mut stop => break,
                () = self.wait_until(next) => {}
            }
        }
        if !self.denied {
            match tokio::time::timeout(ATTEMPT_TIMEOUT, lease::release(&self.pg, &self.room, &self.console_id)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!("room prober: releasing the lease: {e:#}"),
                Err(_) => tracing::debug!("room prober: releasing the lease: no answer within {ATTEMPT_TIMEOUT:?}"),
            }
        }
        self.lease_end = None;
        publish(&self.tx, Duty::Offline { reason: RELEASED.into() });
    }

    /// Sleeps until `next`, going offline on the way if the lease ends first.
    async fn wait_until(&mut self, next: Instant) {
        let (_, lapsed) = lapsing(tokio::time::sleep_until(next), self.lease_end, &self.tx).await;
        if lapsed {
            self.lease_end = None;
        }
    }

    /// The duty after an attempt sent at `sent`; `lapsed` when this
    /// console's lease ended while it waited for the answer.
    fn settle(&mut self, (seen, lapsed): (Result<Seen>, bool), sent: Instant) {
        if lapsed {
            self.lease_end = None;
        }
        let next = match seen {
            Ok(Seen::Holder(holder)) if holder.ours => {
                self.lease_end = Some(sent + LEASE_TTL);
                Duty::Probing { since_ms: holder.since_ms }
            }
            Ok(Seen::Holder(holder)) => {
                self.lease_end = None;
                Duty::Following { prober: holder.actor, since_ms: holder.since_ms }
            }
            Ok(Seen::Watching(holder)) => {
                if !self.denied {
                    tracing::info!("room prober: the database refuses this role the room's prober lease (an observer)");
                }
                self.denied = true;
                self.lease_end = None;
                // A lease still in this console's name (its role lost the
                // right to probe while it held it) ends unrenewed: nobody probes.
                match holder.filter(|h| h.console_id != self.console_id) {
                    Some(h) => Duty::Following { prober: h.actor, since_ms: h.since_ms },
                    None => Duty::Offline { reason: self.watching_why.into() },
                }
            }
            Err(e) => {
                tracing::debug!("room prober: asking for the lease: {e:#}");
                if self.lease_end.is_some_and(|end| Instant::now() < end) {
                    // Still ours by this console's clock: keep probing.
                    return;
                }
                self.lease_end = None;
                Duty::Offline { reason: reason_of(&e) }
            }
        };
        publish(&self.tx, next);
    }
}

/// Sends `next` unless it is the duty already.
fn publish(tx: &watch::Sender<Duty>, next: Duty) {
    tx.send_if_modified(|duty| {
        if *duty == next {
            return false;
        }
        tracing::info!("room prober: {next:?}");
        *duty = next;
        true
    });
}

/// One attempt, bounded by [`ATTEMPT_TIMEOUT`]: take or renew the lease
/// (or, for a role refused it, read who holds it).
async fn ask(pg: &PgStore, room: &str, console_id: &str, actor: &Actor, denied: bool) -> Result<Seen> {
    let attempt = async {
        if !denied {
            match lease::take_or_renew(pg, room, console_id, actor, LEASE_TTL).await {
                Ok(holder) => return Ok(Seen::Holder(holder)),
                Err(e) if is_denied(&e) => {}
                Err(e) => return Err(e),
            }
        }
        lease::holder(pg, room).await.map(Seen::Watching)
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, attempt).await {
        Ok(seen) => seen,
        Err(_) => Err(Report::new(Unreachable(format!("no answer within {ATTEMPT_TIMEOUT:?}")))),
    }
}

/// Awaits `fut`; if this console's lease (ending at `lease_end`) ends
/// first, publishes [`Duty::Offline`] at that moment and goes on awaiting.
/// Returns the output and whether the lease ended meanwhile.
async fn lapsing<T>(fut: impl Future<Output = T>, lease_end: Option<Instant>, tx: &watch::Sender<Duty>) -> (T, bool) {
    let Some(end) = lease_end else {
        return (fut.await, false);
    };
    tokio::pin!(fut);
    tokio::select! {
        out = &mut fut => return (out, false),
        () = tokio::time::sleep_until(end) => {}
    }
    // Renewals failed for a whole TTL: most likely, the store is gone.
    tracing::warn!("room prober: this console's lease ended without a renewal: probing for this console alone");
    publish(tx, Duty::Offline { reason: UNREACHABLE.into() });
    (fut.await, true)
}

/// What the console shows for a failed attempt: short and stable, so that
/// the duty changes with the kind of trouble, not with each error's text.
fn reason_of(e: &Report) -> String {
    if is_unreachable(e) { UNREACHABLE.to_string() } else { format!("the room's store failed: {}", e.root_cause()) }
}
