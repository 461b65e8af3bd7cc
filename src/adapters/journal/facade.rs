//! [`Journal`]: the journal as the app uses it. One room, one actor, one
//! store; refuses appends on a read-only console; and, for the shared
//! (PostgreSQL) store, spools appends locally while the store is
//! unreachable and replays them, in order and exactly once, when it returns.
//!
//! Ordering: appends and flushes of one `Journal` are serialised. While
//! anything is spooled, new appends are spooled behind it, so the room
//! receives events in the order this console made them.
//!
//! Background work is the caller's choice: [`Journal::spawn_upkeep`]
//! starts a task that retries the flush every few seconds and sends a
//! presence heartbeat every [`HEARTBEAT_EVERY`]; it stops when the returned
//! [`Upkeep`] is dropped.
//!
//! [`Journal::health`] says, the moment an append or a flush finds out,
//! whether the store is reachable and how many events wait in the spool,
//! so the console's banner follows the store rather than a timer.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use color_eyre::eyre::{Report, Result, WrapErr, bail};
use tokio::sync::{Mutex, mpsc, watch};
use tokio::task::JoinHandle;

use super::any_store::AnyStore;
use super::error::{ReadOnly, Unreachable, is_unreachable};
use super::event::{Actor, Body, Event, NewEvent, fresh_key};
use super::room;
use super::spool::Spool;
use super::store::{self, Store, Wake};

/// How long one store operation may take before the store counts as
/// unreachable (the spool makes a late success harmless: same key).
pub const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// Page size for [`Journal::sync`]: a console's first sync reads the
/// room's whole history, and every page is a round trip (and, on
/// PostgreSQL, a turn on the one connection), so pages are large; one
/// still stays far inside a read's deadline (`postgres::OP_DEADLINE`).
pub const SYNC_PAGE: u32 = 5000;

/// How long [`Journal::sync`] may take before it gives up (a read on a
/// connection the network lost must not freeze the follower).
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest between two heartbeats of an upkeep task: a third of the
/// console's presence window (45 s), so a missed one or two does not make
/// a console look gone; on SQLite each is a synced write of the room.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

/// The store as this journal last found it: reachable or not, and how many
/// events wait in the spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    pub online: bool,
    pub queued: u64,
}

/// What became of an append.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// In the store, with its seq (or the earlier event with the same key).
    Stored(Box<Event>),
    /// The store is unreachable: kept in the local spool, to be stored by a
    /// later [`Journal::flush`]. Show it as pending, not done.
    Queued { key: String },
}

impl Appended {
    /// The stored event, if it was stored.
    pub fn event(&self) -> Option<&Event> {
        match self {
            Appended::Stored(e) => Some(e),
            Appended::Queued { .. } => None,
        }
    }

    pub fn is_queued(&self) -> bool {
        matches!(self, Appended::Queued { .. })
    }
}

/// The app's handle on a room's journal. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: AnyStore,
    room: String,
    actor: Actor,
    console_id: String,
    read_only: bool,
    spool: Option<Spool>,
    offline: AtomicBool,
    order: Mutex<()>,
    health: watch::Sender<Health>,
}

impl Journal {
    /// The journal for the app: the store named by `--store` (see
    /// [`AnyStore::open`]), and for PostgreSQL a spool at
    /// `<state>/spool/<room>.db` (not for read-only consoles, which never append).
    /// With PostgreSQL, a console whose database role may not append (an
    /// observer) is read-only whatever the command line says.
    pub async fn open(store: Option<&str>, room: &str, actor: Actor, read_only: bool) -> Result<Journal> {
        let store = AnyStore::open(store)?;
        let read_only = read_only || observer_role(&store).await;
        let spool = if store.is_shared() && !read_only { Some(Spool::open(Spool::default_path(room)?).await?) } else { None };
        Journal::new(store, room, actor, read_only, spool)
    }

    /// A journal from its parts (tests and benchmarks choose the files).
    /// `read_only` is taken as given (see [`Journal::open`] for the database's say).
    pub fn new(store: AnyStore, room: &str, actor: Actor, read_only: bool, spool: Option<Spool>) -> Result<Journal> {
        room::check(room)?;
        Ok(Journal {
            inner: Arc::new(Inner {
                store,
                room: room.to_string(),
                actor,
                console_id: fresh_key(),
                read_only,
                spool,
                offline: AtomicBool::new(false),
                order: Mutex::new(()),
                health: watch::Sender::new(Health { online: true, queued: 0 }),
            }),
        })
    }

    pub fn room(&self) -> &str {
        &self.inner.room
    }

    pub fn actor(&self) -> &Actor {
        &self.inner.actor
    }

    /// This console's id in presence rows (random per `Journal`).
    pub fn console_id(&self) -> &str {
        &self.inner.console_id
    }

    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    pub fn store(&self) -> &AnyStore {
        &self.inner.store
    }

    /// Whether the last attempt to reach the store failed (appends are
    /// being spooled). Cleared by a complete flush.
    pub fn is_offline(&self) -> bool {
        self.inner.offline.load(Ordering::SeqCst)
    }

    /// Changes of [`Health`], sent the moment an append is spooled (the
    /// store is unreachable, or something is already queued), a flush
    /// stores events, or a flush completes. Starts at online, 0 queued;
    /// call [`Journal::refresh_health`] for the spool left by an earlier run.
    pub fn health(&self) -> watch::Receiver<Health> {
        self.inner.health.subscribe()
    }

    /// Re-reads the spool's length and the offline flag into [`Journal::health`].
    pub async fn refresh_health(&self) {
        let now = *self.inner.health.borrow();
        let queued = self.queued().await.unwrap_or(now.queued);
        let next = Health { online: !self.is_offline(), queued };
        self.inner.health.send_if_modified(|h| {
            let changed = *h != next;
            *h = next;
            changed
        });
    }

    /// Every event waiting in the spool, oldest first (none without one).
    pub async fn spooled(&self) -> Result<Vec<NewEvent>> {
        match &self.inner.spool {
            Some(spool) => spool.all().await,
            None => Ok(Vec::new()),
        }
    }

    fn set_offline(&self, offline: bool) {
        self.inner.offline.store(offline, Ordering::SeqCst);
    }

    /// A new event of this room and actor, stamped now, with a fresh key.
    /// Keep it to retry: appending the same `NewEvent` twice stores it once.
    pub fn new_event(&self, body: &Body) -> NewEvent {
        NewEvent::new(&self.inner.room, &self.inner.actor, store::now_ms(), body)
    }

    /// `append(new_event(body))`.
    pub async fn record(&self, body: &Body) -> Result<Appended> {
        self.append(self.new_event(body)).await
    }

    /// Appends `event` (of this room). Refused with [`ReadOnly`] on a
    /// read-only console. With a spool, an unreachable store (or anything
    /// already waiting in the spool) makes it [`Appended::Queued`]; other
    /// store errors are returned. The payload's text is stored with this
    /// process's secrets masked (see [`crate::secrets`]).
    pub async fn append(&self, mut event: NewEvent) -> Result<Appended> {
        crate::secrets::installed().redact_json(&mut event.payload, super::event::IDENTITY_FIELDS);
        if self.inner.read_only {
            return Err(Report::new(ReadOnly));
        }
        if event.room != self.inner.room {
            bail!("event of room {:?} appended to the journal of room {:?}", event.room, self.inner.room);
        }
        let Some(spool) = &self.inner.spool else {
            return self.store_append(event).await.map(|e| Appended::Stored(Box::new(e)));
        };
        let _order = self.inner.order.lock().await;
        if !self.is_offline() && !spool.is_empty().await? {
            // Left over (e.g. from a previous run): replay it first. A failure
            // marks us offline and is reported by the spooling below.
            if let Err(err) = self.flush_locked(spool).await {
                tracing::debug!("journal flush before append: {err:#}");
            }
        }
        if self.is_offline() || !spool.is_empty().await? {
            return self.spool(spool, event).await;
        }
        match self.store_append(event.clone()).await {
            Ok(stored) => Ok(Appended::Stored(Box::new(stored))),
            Err(err) if is_unreachable(&err) => {
                tracing::warn!("journal store unreachable, spooling: {err:#}");
                self.set_offline(true);
                self.spool(spool, event).await
            }
            Err(err) => Err(err),
        }
    }

    async fn spool(&self, spool: &Spool, event: NewEvent) -> Result<Appended> {
        spool.push(&event).await?;
        self.refresh_health().await;
        Ok(Appended::Queued { key: event.key })
    }

    async fn store_append(&self, event: NewEvent) -> Result<Event> {
        match tokio::time::timeout(STORE_TIMEOUT, self.inner.store.append(event)).await {
            Ok(result) => result,
            Err(_) => Err(Report::new(Unreachable(format!("no answer within {STORE_TIMEOUT:?}")))),
        }
    }

    /// How many events wait in the spool (0 without one).
    pub async fn queued(&self) -> Result<u64> {
        match &self.inner.spool {
            Some(spool) => spool.len().await,
            None => Ok(0),
        }
    }

    /// Replays spooled events into the store, oldest first, removing each
    /// only after the store acknowledged it (so a crash mid-flush replays it
    /// again, and its key makes that harmless). Returns how many were
    /// stored; an error means some are still queued.
    pub async fn flush(&self) -> Result<usize> {
        let Some(spool) = &self.inner.spool else {
            return Ok(0);
        };
        let _order = self.inner.order.lock().await;
        self.flush_locked(spool).await
    }

    async fn flush_locked(&self, spool: &Spool) -> Result<usize> {
        let mut stored = 0;
        while let Some((id, event)) = spool.oldest().await? {
            if let Err(err) = self.store_append(event).await {
                if is_unreachable(&err) {
                    self.set_offline(true);
                }
                self.refresh_health().await;
                let left = spool.len().await.unwrap_or(0);
                return Err(err.wrap_err(format!("flushing the spool: {stored} stored, {left} still queued")));
            }
            spool.remove(id).await?;
            stored += 1;
            self.refresh_health().await;
        }
        self.set_offline(false);
        self.refresh_health().await;
        if stored > 0 {
            tracing::info!("journal: {stored} spooled events stored");
        }
        Ok(stored)
    }

    /// Every event after `after_seq`, in order (read in pages). The app's
    /// loop: `subscribe()`, and on every wake `sync(last_seen)`.
    pub async fn sync(&self, after_seq: i64) -> Result<Vec<Event>> {
        let read = store::read_all(&self.inner.store, &self.inner.room, after_seq, SYNC_PAGE);
        let events = match tokio::time::timeout(SYNC_TIMEOUT, read).await {
            Ok(result) => result,
            Err(_) => Err(Report::new(Unreachable(format!("no answer within {SYNC_TIMEOUT:?}")))),
        };
        events.wrap_err_with(|| format!("syncing room {:?}", self.inner.room))
    }

    pub async fn latest_seq(&self) -> Result<i64> {
        self.inner.store.latest_seq(&self.inner.room).await
    }

    /// Wakes for this room; see [`Wake`]: each one means "call
    /// `sync(last_seen)`". The first is always [`Wake::Resync`].
    pub fn subscribe(&self) -> mpsc::Receiver<Wake> {
        self.inner.store.subscribe(&self.inner.room)
    }

    /// Changes whenever the room's samples table was written (PostgreSQL
    /// only: `None` for SQLite, which has no room samples), heard on the
    /// `LISTEN` connection of [`Journal::subscribe`], so it fires while a
    /// subscription runs; see [`PgStore::samples_wake`](super::PgStore::samples_wake).
    pub fn samples_wake(&self) -> Option<watch::Receiver<()>> {
        match &self.inner.store {
            AnyStore::Postgres(pg) => Some(pg.samples_wake(&self.inner.room)),
            AnyStore::Sqlite(_) => None,
        }
    }

    /// Records this console as present (allowed on read-only consoles:
    /// presence is not an event).
    pub async fn heartbeat(&self) -> Result<()> {
        let i = &self.inner;
        i.store.heartbeat(&i.room, &i.console_id, &i.actor).await
    }

    /// Who had a heartbeat within `within`, most recent first.
    pub async fn present(&self, within: Duration) -> Result<Vec<(Actor, i64)>> {
        self.inner.store.present(&self.inner.room, within).await
    }

    /// One round of upkeep: if anything is spooled and the store answers,
    /// flush; then, if `heartbeat`, a heartbeat. Errors are logged, not
    /// returned.
    pub async fn upkeep(&self, heartbeat: bool) {
        let waiting = self.queued().await.unwrap_or(0) > 0;
        if waiting || self.is_offline() {
            let probe = tokio::time::timeout(STORE_TIMEOUT, self.latest_seq()).await;
            match probe {
                Ok(Ok(_)) => {
                    if let Err(err) = self.flush().await {
                        tracing::debug!("journal upkeep: {err:#}");
                    }
                }
                Ok(Err(err)) => tracing::debug!("journal upkeep: store still unreachable: {err:#}"),
                Err(_) => tracing::debug!("journal upkeep: store still not answering"),
            }
        }
        if heartbeat && let Ok(Err(err)) = tokio::time::timeout(STORE_TIMEOUT, self.heartbeat()).await {
            tracing::debug!("journal heartbeat: {err:#}");
        }
    }

    /// Runs [`Journal::upkeep`] now and every `every` (a few seconds, on
    /// the process's wake grid: see [`crate::adapters::wake_grid`]), with a
    /// heartbeat in the first round and then every [`HEARTBEAT_EVERY`] at
    /// most, in a task that stops when the returned handle is dropped.
    pub fn spawn_upkeep(&self, every: Duration) -> Upkeep {
        let journal = self.clone();
        Upkeep(tokio::spawn(async move {
            let mut last_heartbeat: Option<tokio::time::Instant> = None;
            loop {
                let beat = last_heartbeat.is_none_or(|at| at.elapsed() + every / 2 >= HEARTBEAT_EVERY);
                if beat {
                    last_heartbeat = Some(tokio::time::Instant::now());
                }
                journal.upkeep(beat).await;
                crate::adapters::wake_grid::sleep_to_next(every).await;
            }
        }))
    }
}

/// The running upkeep task; dropping it stops the task.
#[derive(Debug)]
pub struct Upkeep(JoinHandle<()>);

impl Drop for Upkeep {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether the shared store says this console's role may not append. A
/// store that cannot be asked within a second (down, slow) leaves the
/// decision to the server's refusal of each append: start-up never waits
/// longer for it.
async fn observer_role(store: &AnyStore) -> bool {
    let AnyStore::Postgres(pg) = store else { return false };
    match tokio::time::timeout(Duration::from_secs(1), pg.may_append()).await {
        Ok(Ok((false, role))) => {
            tracing::info!("database role {role} may read this room but not append to it: read-only");
            true
        }
        Ok(Ok((true, _))) => false,
        Ok(Err(e)) => {
            tracing::warn!("cannot tell whether this role may append: {e:#}");
            false
        }
        Err(_) => false,
    }
}
