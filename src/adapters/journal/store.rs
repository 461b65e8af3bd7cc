//! The [`Store`] contract every journal backend meets, the [`Wake`]
//! signal subscribers receive, and the row helpers the backends share (the
//! choice between backends is `any_store`).

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::mpsc;

use super::event::{Actor, Event, NewEvent};

/// Where journal events live.
///
/// - `append` is durable when it returns (the transaction committed) and
///   idempotent: appending an event whose `key` is already stored in the room
///   returns the ORIGINAL stored event, and stores nothing.
/// - seqs are per room, start at 1 and have no gaps, even with concurrent
///   appenders.
/// - Presence is best effort and separate from events: a heartbeat is not an
///   event and leaves no trace in the room's history.
pub trait Store: Send + Sync {
    /// Stores `event` (or finds the earlier event with its key).
    fn append(&self, event: NewEvent) -> impl Future<Output = Result<Event>> + Send;

    /// Stores events of ONE room in one transaction, in order; each behaves
    /// as [`Store::append`] would (already-stored keys return the original).
    fn append_batch(&self, events: Vec<NewEvent>) -> impl Future<Output = Result<Vec<Event>>> + Send;

    /// Up to `limit` events of `room` with `seq > after_seq`, in seq order.
    fn since(&self, room: &str, after_seq: i64, limit: u32) -> impl Future<Output = Result<Vec<Event>>> + Send;

    /// The room's highest seq, 0 when it has no events.
    fn latest_seq(&self, room: &str) -> impl Future<Output = Result<i64>> + Send;

    /// Records that console `console_id`, used by `actor`, is looking at `room` now.
    fn heartbeat(&self, room: &str, console_id: &str, actor: &Actor) -> impl Future<Output = Result<()>> + Send;

    /// Actors with a heartbeat in `room` within the last `within`, each once
    /// with its latest heartbeat (unix ms), most recent first.
    fn present(&self, room: &str, within: Duration) -> impl Future<Output = Result<Vec<(Actor, i64)>>> + Send;
}

/// What a subscription sends. The contract is the same for both variants it
/// sends: **a wake means "read everything after your last seq"**
/// (`since(last_seen)`); notifications carry no events, may be coalesced
/// when the consumer is slow, and are lost while disconnected, which is why
/// every (re)connect sends [`Wake::Resync`]. The third, [`Wake::Samples`],
/// is what the listener hears when the room's samples were written; it goes
/// to the samples' readers, not to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Listening (again): anything may have happened meanwhile. Always the first wake.
    Resync,
    /// An event with this seq was committed.
    Appended { seq: i64 },
    /// Samples were written to the room's samples table (PostgreSQL, see
    /// `adapters::prober::room_samples`): no event to read. The listener
    /// passes it to `PgStore::samples_wake` and never sends it on a
    /// journal subscription, so an event subscriber does not see it; it is
    /// named here so that every notification has one meaning.
    Samples,
}

/// Every event of `room` after `after_seq`, read in pages of `page`.
pub async fn read_all<S: Store>(store: &S, room: &str, after_seq: i64, page: u32) -> Result<Vec<Event>> {
    let page = page.max(1);
    let mut out = Vec::new();
    let mut last = after_seq;
    loop {
        let batch = store.since(room, last, page).await?;
        let full = batch.len() == page as usize;
        if let Some(e) = batch.last() {
            last = e.seq;
        }
        out.extend(batch);
        if !full {
            return Ok(out);
        }
    }
}

/// Presence rows older than this (a day) are deleted by heartbeats.
pub(crate) const PRESENCE_KEEP_MS: i64 = 24 * 3600 * 1000;

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// A `Duration` as whole milliseconds, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A stored row as text columns: (seq, at_ms, actor, kind, version, payload, key).
pub(crate) type Row = (i64, i64, String, String, i32, String, String);

/// Decodes a stored row of `room`.
pub(crate) fn event_of(room: &str, row: Row) -> Result<Event> {
    Decoder::new(room).event(row)
}

/// The most rows a page's vector is sized for up front (a caller may ask
/// for a limit far above what the room holds).
pub(crate) const PAGE_RESERVE: u32 = 10_000;

/// How many distinct actors a [`Decoder`] remembers.
const ACTORS_KEPT: usize = 16;

/// Decodes the rows of one read of a room. A room's events come from a few
/// people, so each distinct actor's JSON is parsed once per read and the
/// rows that repeat it get a copy.
pub(crate) struct Decoder<'a> {
    room: &'a str,
    /// (stored text, actor), the most recently added last.
    actors: Vec<(String, Actor)>,
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(room: &'a str) -> Decoder<'a> {
        Decoder { room, actors: Vec::new() }
    }

    /// The event of `row`.
    pub(crate) fn event(&mut self, row: Row) -> Result<Event> {
        let (seq, at_ms, actor, kind, version, payload, key) = row;
        self.event_of(seq, at_ms, &actor, kind, version, &payload, key)
    }

    /// The event of a row's columns, the actor's and the payload's text
    /// borrowed from the row as the driver holds it (no copy of either).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn event_of(
        &mut self,
        seq: i64,
        at_ms: i64,
        actor: &str,
        kind: String,
        version: i32,
        payload: &str,
        key: String,
    ) -> Result<Event> {
        let room = self.room;
        let actor = self.actor(seq, actor)?;
        let version = u16::try_from(version).wrap_err_with(|| format!("event {seq} of room {room:?}: bad version {version}"))?;
        // A payload that is not even JSON is kept as a string: the event is
        // then unreadable (logged, shown on the timeline), never dropped, and
        // the events after it still reach the console.
        let payload = serde_json::from_str(payload).unwrap_or_else(|_| serde_json::Value::String(payload.to_string()));
        Ok(Event::decode(seq, room.to_string(), at_ms, actor, kind, version, payload, key))
    }

    fn actor(&mut self, seq: i64, text: &str) -> Result<Actor> {
        if let Some((_, actor)) = self.actors.iter().rev().find(|(t, _)| t == text) {
            return Ok(actor.clone());
        }
        let room = self.room;
        let actor: Actor = serde_json::from_str(text).wrap_err_with(|| format!("event {seq} of room {room:?}: bad actor {text:?}"))?;
        if self.actors.len() == ACTORS_KEPT {
            self.actors.remove(0);
        }
        self.actors.push((text.to_string(), actor.clone()));
        Ok(actor)
    }
}

/// The actor and payload of `event` as JSON text, for binding.
pub(crate) fn json_parts(event: &NewEvent) -> Result<(String, String)> {
    let actor = serde_json::to_string(&event.actor).wrap_err("encoding the actor")?;
    let payload = serde_json::to_string(&event.payload).wrap_err("encoding the payload")?;
    Ok((actor, payload))
}

/// Decodes presence rows (actor JSON, last seen ms).
pub(crate) fn presence_of(rows: Vec<(String, i64)>) -> Result<Vec<(Actor, i64)>> {
    rows.into_iter()
        .map(|(actor, seen)| {
            let actor: Actor = serde_json::from_str(&actor).wrap_err_with(|| format!("presence: bad actor {actor:?}"))?;
            Ok((actor, seen))
        })
        .collect()
}

/// Sends `wake` unless the consumer already has one pending. Returns false
/// when the receiver is gone.
pub(crate) fn signal(tx: &mpsc::Sender<Wake>, wake: Wake) -> bool {
    match tx.try_send(wake) {
        Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_that_is_not_json_is_an_unreadable_event_not_an_error() {
        let row: Row = (3, 1_000, r#"{"name":"bob","host":"h"}"#.into(), "incident.note".into(), 1, "{not json".into(), "k".into());
        let event = event_of("room", row).expect("read, not refused");
        assert_eq!(event.seq, 3);
        assert!(event.body().is_none());
        assert!(event.unreadable().is_some_and(|why| !why.is_empty()));
    }
}
