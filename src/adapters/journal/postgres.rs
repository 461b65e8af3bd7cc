//! The shared store: PostgreSQL through sqlx, tables created by
//! `migrations/postgres` (tracked in `_opsdeck_journal_migrations`, so the
//! journal's migrations never collide with another tool's on the same
//! database). An append is one transaction: lock the room's counter row,
//! insert, advance the counter, `pg_notify` the new seq, commit. The
//! notification is sent only if the transaction commits.
//!
//! Telling "down" fast: sqlx retries a refused connect until the acquire
//! timeout (it takes refusal for a server starting up), so every operation
//! that is still waiting after a moment checks whether the server refuses
//! connections and, if so, fails as [`Unreachable`] at once. And a pooled
//! connection must answer its ping before use within [`PING_TIMEOUT`]: one
//! the network lost without a word (a partition, a failover) is dropped
//! instead of holding the first operation after recovery.
//!
//! Two connections per console: the `LISTEN` one and one pooled connection
//! that operations take turns on (see [`POOL_SIZE`] for how a stuck one is
//! replaced rather than waited for).
//!
//! The room's probing (`adapters::prober`) shares this store: its pool,
//! [`PgStore::guarded`] and the one `LISTEN` connection per subscription,
//! whose sample notifications reach [`PgStore::samples_wake`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use color_eyre::eyre::{Report, Result, WrapErr, eyre};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{PgConnection, Postgres, Transaction};
use tokio::sync::{OnceCell, Semaphore, mpsc, watch};

use super::error::{Denied, Unreachable};
use super::event::{Actor, Event, NewEvent};
use super::pg_connection::{Link, drop_if_dead, one_connection, refusal};
pub use super::pg_connection::{PING_TIMEOUT, POOL_SIZE, redact};
use super::store::{self, Store, Wake};
use super::{listen, room};

/// The table that records which journal migrations ran.
pub const MIGRATIONS_TABLE: &str = "_opsdeck_journal_migrations";

/// Longest an operation other than an append (reads, presence, the
/// prober's lease and samples) may take once it has its turn on the
/// connection; then it fails as [`Unreachable`]. Appends are bounded by the
/// journal (`facade::STORE_TIMEOUT`); whole-history reads for the command
/// line by [`LONG_DEADLINE`].
pub const OP_DEADLINE: Duration = Duration::from_secs(2);

/// Longest an operation waits for its turn on the connection.
const TURN_PATIENCE: Duration = Duration::from_secs(5);

/// How long a connection may take to come back to the pool after an
/// operation (a bounded ping on the way, see `after_release`) before the
/// pool is given up for a fresh one.
const RELEASE_PATIENCE: Duration = Duration::from_millis(800);

/// Longest a read of a whole retention window (`triggers --replay`,
/// `status --store`) may take.
pub const LONG_DEADLINE: Duration = Duration::from_secs(60);

/// Longest the first use may take to run the migrations.
const MIGRATE_DEADLINE: Duration = Duration::from_secs(30);

/// How long an operation waits for a connection before the store counts as
/// unreachable (and the journal spools).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A PostgreSQL journal. Cheap to clone (one pool).
#[derive(Debug, Clone)]
pub struct PgStore {
    /// The one pooled connection's pool; replaced when its connection is
    /// stuck on its way back (see [`PgStore::settled`]).
    pool: Arc<RwLock<PgPool>>,
    acquire_timeout: Duration,
    /// How it connects, for the LISTEN connections of subscribers too.
    link: Arc<Link>,
    migrated: Arc<OnceCell<()>>,
    /// One operation at a time (see [`POOL_SIZE`]).
    turn: Arc<Semaphore>,
    /// Per room, poked by the listener when samples were written (see
    /// [`PgStore::samples_wake`]).
    samples: Arc<Mutex<HashMap<String, watch::Sender<()>>>>,
}

impl PgStore {
    /// A store for `url` that connects (and migrates) on first use, so a
    /// console can start while the server is down. Connections are named
    /// `opsdeck` unless the URL sets `application_name`.
    pub fn lazy(url: &str) -> Result<PgStore> {
        let link = Link::from_url(url).map_err(|e| eyre!("the PostgreSQL URL {}: {e}", redact(url)))?;
        Ok(PgStore::with_link(link, DEFAULT_ACQUIRE_TIMEOUT))
    }

    /// A lazy store from explicit options; `acquire_timeout` bounds how long
    /// an operation waits for a connection.
    pub fn lazy_with(options: PgConnectOptions, acquire_timeout: Duration) -> PgStore {
        PgStore::with_link(Link::new(options, false), acquire_timeout)
    }

    fn with_link(link: Link, acquire_timeout: Duration) -> PgStore {
        let pool = one_connection(&link, acquire_timeout);
        PgStore {
            pool: Arc::new(RwLock::new(pool)),
            acquire_timeout,
            link: Arc::new(link),
            migrated: Arc::new(OnceCell::new()),
            turn: Arc::new(Semaphore::new(1)),
            samples: Arc::default(),
        }
    }

    /// Connects and migrates now, failing if the server cannot be reached.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let store = PgStore::lazy(url)?;
        store.ready().await?;
        Ok(store)
    }

    /// Runs the migrations once per store (retried on the next call if they failed).
    pub async fn ready(&self) -> Result<()> {
        self.migrated
            .get_or_try_init(|| async {
                let mut migrator = sqlx::migrate!("migrations/postgres");
                migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
                // A role granted only the room's tables (an operator or an
                // observer, see migrations/roles/grant.sql) cannot create
                // anything: the owner migrates, and such a role checks that
                // the owner has.
                let may_create: bool = sqlx::query_scalar("SELECT has_schema_privilege(current_schema(), 'CREATE')")
                    .fetch_one(&self.pool())
                    .await
                    .map_err(|e| self.link.explain(e))
                    .wrap_err("asking the database what this role may do")?;
                if !may_create {
                    return self.check_migrated(&migrator).await;
                }
                migrator.run(&self.pool()).await.wrap_err("running the journal migrations (PostgreSQL)")
            })
            .await?;
        Ok(())
    }

    /// Whether the role this store connects as may append to the journal
    /// (false for an observer role, see `migrations/roles/grant.sql`), and
    /// that role's name. Asks the server's privilege tables; runs no migration.
    pub async fn may_append(&self) -> Result<(bool, String)> {
        let pool = self.pool();
        let probe = sqlx::query_as(
            // Before the first migration there is nothing to ask about: the
            // owner's first console creates the tables.
            "SELECT CASE WHEN to_regclass('journal_events') IS NULL THEN true \
                    ELSE has_any_column_privilege('journal_events', 'INSERT') \
                         AND has_table_privilege('journal_rooms', 'UPDATE') END, \
                    session_user::text",
        )
        .fetch_one(&pool);
        self.guarded_unmigrated(async {
            probe.await.map_err(|e| self.link.explain(e)).wrap_err("asking the database what this role may do")
        })
        .await
    }

    /// For a role that cannot migrate: the owner must have applied every
    /// migration this version knows.
    async fn check_migrated(&self, migrator: &sqlx::migrate::Migrator) -> Result<()> {
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        // The table is MIGRATIONS_TABLE (a literal: sqlx takes no formatted SQL).
        let applied: Option<i64> = sqlx::query_scalar("SELECT max(version) FROM _opsdeck_journal_migrations WHERE success")
            .fetch_one(&self.pool())
            .await
            .wrap_err("reading which journal migrations the owner applied (grant this role migrations/roles/grant.sql)")?;
        match applied {
            Some(v) if v >= latest => Ok(()),
            _ => Err(eyre!(
                "the journal's database is not migrated to this version (have {}, need {latest}): \
                 start one console as the database's owner first",
                applied.unwrap_or(0)
            )),
        }
    }

    /// The connection pool (a handle to it: cheap to clone).
    pub fn pool(&self) -> PgPool {
        self.pool.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Runs `op` after the migrations, within [`OP_DEADLINE`], failing it
    /// as [`Unreachable`] when it has no answer by then or as soon as the
    /// server is found refusing connections while it waits.
    pub(crate) async fn guarded<T>(&self, op: impl Future<Output = Result<T>>) -> Result<T> {
        self.guarded_for(Some(OP_DEADLINE), op).await
    }

    /// [`PgStore::guarded`] within `deadline` (`None`: the caller bounds it).
    pub(crate) async fn guarded_for<T>(&self, deadline: Option<Duration>, op: impl Future<Output = Result<T>>) -> Result<T> {
        let no_answer = |d: Duration| Report::new(Unreachable(format!("no answer within {d:?}")));
        let bounded = async {
            // The turn, then the migrations (once per store), then the
            // operation. Waiting for the turn is not the store's silence: it
            // has its own, longer bound (an operation ahead is bounded itself).
            let _turn = self.take_turn().await?;
            drop_if_dead(&self.pool()).await;
            match tokio::time::timeout(MIGRATE_DEADLINE, self.ready()).await {
                Ok(done) => done?,
                Err(_) => return Err(Report::new(Unreachable(format!("the migrations had no answer within {MIGRATE_DEADLINE:?}")))),
            }
            let result = match deadline {
                Some(d) => tokio::time::timeout(d, op).await.unwrap_or_else(|_| Err(no_answer(d))),
                None => op.await,
            };
            self.settled().await;
            result
        };
        tokio::select! {
            result = bounded => result,
            why = refusal(&self.link.options) => Err(Report::new(Unreachable(why))),
        }
    }

    /// Waits until the connection the last operation used is back in the
    /// pool, so the next operation reuses it. sqlx gives a connection back
    /// in a task of its own after pinging it, without a bound: one the
    /// network lost during that ping would hold the only slot until TCP
    /// gave up. So after [`RELEASE_PATIENCE`] the pool is replaced by a
    /// fresh one (the lost connection goes with the old pool).
    async fn settled(&self) {
        let pool = self.pool();
        let deadline = tokio::time::Instant::now() + RELEASE_PATIENCE;
        let mut spins = 0u32;
        while pool.num_idle() < pool.size() as usize {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!("the journal's connection did not come back within {RELEASE_PATIENCE:?}: opening a fresh one");
                let fresh = one_connection(&self.link, self.acquire_timeout);
                let old = std::mem::replace(&mut *self.pool.write().unwrap_or_else(PoisonError::into_inner), fresh);
                tokio::spawn(async move { old.close().await });
                return;
            }
            if spins < 64 {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            spins += 1;
        }
    }

    /// This store's turn on its connection, waiting at most [`TURN_PATIENCE`].
    async fn take_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        let turn = tokio::time::timeout(TURN_PATIENCE, self.turn.acquire())
            .await
            .map_err(|_| Report::new(Unreachable(format!("the journal's connection was busy for {TURN_PATIENCE:?}"))))?;
        turn.map_err(|_| eyre!("the journal's store is closed"))
    }

    /// [`PgStore::guarded`] without the migrations (asking what this role
    /// may do must not migrate).
    async fn guarded_unmigrated<T>(&self, op: impl Future<Output = Result<T>>) -> Result<T> {
        let bounded = async {
            let _turn = self.take_turn().await?;
            drop_if_dead(&self.pool()).await;
            let result = match tokio::time::timeout(OP_DEADLINE, op).await {
                Ok(result) => result,
                Err(_) => Err(Report::new(Unreachable(format!("no answer within {OP_DEADLINE:?}")))),
            };
            self.settled().await;
            result
        };
        tokio::select! {
            result = bounded => result,
            why = refusal(&self.link.options) => Err(Report::new(Unreachable(why))),
        }
    }

    /// What the console should hear about how this store connects: that
    /// its `sslmode=prefer` connection fell back to plain text.
    pub fn notice(&self) -> Option<&'static str> {
        self.link.plaintext.note()
    }

    /// Wakes for `room` from a dedicated `LISTEN` connection, reconnecting
    /// forever with backoff; see [`Wake`] for the contract. The task ends
    /// when the receiver is dropped. The same connection hears the room's
    /// sample notifications and passes them to [`PgStore::samples_wake`]
    /// instead of the returned channel.
    pub fn subscribe(&self, room: &str) -> mpsc::Receiver<Wake> {
        listen::spawn(self.link.clone(), room::channel(room), self.samples_sender(room))
    }

    /// Changes each time `room`'s samples table was written (a sample
    /// notification, see `adapters::prober::room_samples`) and after each
    /// (re)connect of the listener (notifications sent meanwhile are lost):
    /// "read the room's samples after the last id you saw". The wakes come
    /// from the `LISTEN` connection of [`PgStore::subscribe`] (no second
    /// one is opened: a console holds at most two connections to the
    /// journal's database), so they arrive only while a subscription to the
    /// room runs, as the journal's follower keeps one; a reader polls as
    /// well, for the time the listener is reconnecting.
    pub fn samples_wake(&self, room: &str) -> watch::Receiver<()> {
        self.samples_sender(room).subscribe()
    }

    fn samples_sender(&self, room: &str) -> watch::Sender<()> {
        let mut rooms = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        rooms.entry(room.to_string()).or_insert_with(|| watch::Sender::new(())).clone()
    }

    async fn append_all(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        let Some(room) = events.first().map(|e| e.room.clone()) else {
            return Ok(Vec::new());
        };
        room::check(&room)?;
        if let Some(other) = events.iter().find(|e| e.room != room) {
            return Err(eyre!("a batch holds one room: {room:?} and {:?}", other.room));
        }
        self.ready().await?;
        let mut tx = self.pool().begin().await.wrap_err("starting a transaction")?;
        // Lock the room's counter row (creating it at 0): appenders to one
        // room queue here, so seqs are handed out in commit order, no gaps.
        let mut last: i64 = sqlx::query_scalar(
            "INSERT INTO journal_rooms (room, seq) VALUES ($1, 0) \
             ON CONFLICT (room) DO UPDATE SET seq = journal_rooms.seq RETURNING seq",
        )
        .bind(&room)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| denied_or(e, "locking the room counter"))?;
        let first = last;
        let mut out = Vec::with_capacity(events.len());
        for event in events {
            out.push(insert(&mut tx, event, &mut last).await?);
        }
        if last != first {
            sqlx::query("UPDATE journal_rooms SET seq = $2 WHERE room = $1")
                .bind(&room)
                .bind(last)
                .execute(&mut *tx)
                .await
                .wrap_err("advancing the room counter")?;
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(room::channel(&room))
                .bind(last.to_string())
                .execute(&mut *tx)
                .await
                .wrap_err("notifying listeners")?;
        }
        commit(tx).await?;
        Ok(out)
    }
}

pub(super) async fn commit(tx: Transaction<'static, Postgres>) -> Result<()> {
    tx.commit().await.wrap_err("committing")
}

/// Inserts `event` as seq `last + 1` unless its key is stored in the room;
/// returns the stored event either way.
async fn insert(conn: &mut PgConnection, event: NewEvent, last: &mut i64) -> Result<Event> {
    let (actor, payload) = store::json_parts(&event)?;
    let seq = *last + 1;
    // The server fills db_role (session_user): returned here, never sent.
    let inserted: Option<Option<String>> = sqlx::query_scalar(
        "INSERT INTO journal_events (room, seq, at_ms, actor, kind, version, payload, key) \
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8) \
         ON CONFLICT (room, key) DO NOTHING RETURNING db_role",
    )
    .bind(&event.room)
    .bind(seq)
    .bind(event.at_ms)
    .bind(&actor)
    .bind(&event.kind)
    .bind(i32::from(event.version))
    .bind(&payload)
    .bind(&event.key)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| denied_or(e, "inserting the event"))?;
    if let Some(role) = inserted {
        *last = seq;
        return Ok(event.stored(seq).vouched_by(role));
    }
    let row: PgRow = sqlx::query_as(
        "SELECT seq, at_ms, actor::text, kind, version, payload::text, key, db_role \
         FROM journal_events WHERE room = $1 AND key = $2",
    )
    .bind(&event.room)
    .bind(&event.key)
    .fetch_one(&mut *conn)
    .await
    .wrap_err("reading the event stored earlier with the same key")?;
    event_of(&event.room, row)
}

/// An event row with the role the server recorded.
type PgRow = (i64, i64, String, String, i32, String, String, Option<String>);

fn event_of(room: &str, row: PgRow) -> Result<Event> {
    let (seq, at_ms, actor, kind, version, payload, key, role) = row;
    Ok(store::event_of(room, (seq, at_ms, actor, kind, version, payload, key))?.vouched_by(role))
}

/// The server's refusal of an append, said plainly (a role that may read
/// the room but not append to it is an observer); other errors with `what`.
pub(crate) fn denied_or(e: sqlx::Error, what: &'static str) -> Report {
    // 42501: insufficient_privilege.
    let denied = e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "42501");
    if denied { Report::new(Denied) } else { Report::new(e).wrap_err(what) }
}

impl Store for PgStore {
    async fn append(&self, event: NewEvent) -> Result<Event> {
        let room = event.room.clone();
        let stored = self.guarded_for(None, self.append_all(vec![event])).await;
        let mut stored = stored.wrap_err_with(|| format!("appending to room {room:?} (PostgreSQL)"))?;
        stored.pop().ok_or_else(|| eyre!("appending to room {room:?}: the store returned nothing"))
    }

    async fn append_batch(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        let n = events.len();
        self.guarded_for(None, self.append_all(events)).await.wrap_err_with(|| format!("appending a batch of {n} events (PostgreSQL)"))
    }

    async fn since(&self, room: &str, after_seq: i64, limit: u32) -> Result<Vec<Event>> {
        self.guarded(self.read_since(room, after_seq, limit)).await
    }

    async fn latest_seq(&self, room: &str) -> Result<i64> {
        self.guarded(self.read_latest_seq(room)).await
    }

    async fn heartbeat(&self, room: &str, console_id: &str, actor: &Actor) -> Result<()> {
        self.guarded(self.record_presence(room, console_id, actor)).await
    }

    async fn present(&self, room: &str, within: Duration) -> Result<Vec<(Actor, i64)>> {
        self.guarded(self.read_presence(room, within)).await
    }
}

impl PgStore {
    async fn read_latest_seq(&self, room: &str) -> Result<i64> {
        self.ready().await?;
        sqlx::query_scalar("SELECT coalesce(max(seq), 0)::bigint FROM journal_events WHERE room = $1")
            .bind(room)
            .fetch_one(&self.pool())
            .await
            .wrap_err_with(|| format!("reading the latest seq of room {room:?} (PostgreSQL)"))
    }
}
