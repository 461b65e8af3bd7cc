//! The default, embedded store: one SQLite file per room under
//! `<state>/rooms/<room>.db`, created on first use, migrated on open, in WAL
//! mode with `synchronous=FULL` so an acknowledged append survives a killed
//! process and a power cut. seq is the table's rowid. Also the file-opening
//! helper the offline spool shares.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc};

use super::event::{Actor, Event, NewEvent};
use super::room;
use super::sqlite_watch::WalStamp;
use super::store::{self, Row, Store, Wake};

static ROOM_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another connection (or process) holding the
/// room's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a subscription looks for a change in its room (on the
/// process's wake grid: see [`crate::adapters::wake_grid`]): another
/// console's event shows here within half a second; this console's own are
/// read as they are stored.
const POLL_EVERY: Duration = Duration::from_millis(500);

/// Longest a subscription trusts an unmoved stamp before asking SQLite
/// anyway (a safety net: a commit always moves the stamp).
const ASK_AT_LEAST: Duration = Duration::from_secs(30);

/// SQLite rooms in one directory. Cheap to clone; rooms are opened lazily
/// and kept open.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    dir: PathBuf,
    rooms: Arc<Mutex<HashMap<String, SqlitePool>>>,
}

impl SqliteStore {
    /// Rooms as files in `dir` (created when the first room is).
    pub fn new(dir: impl Into<PathBuf>) -> SqliteStore {
        SqliteStore { dir: dir.into(), rooms: Arc::default() }
    }

    /// Rooms under `<state dir>/rooms`.
    pub fn open_default() -> Result<SqliteStore> {
        let state = crate::paths::state_dir().ok_or_else(|| eyre!("no state directory (is HOME set?) for the journal"))?;
        Ok(SqliteStore::new(state.join("rooms")))
    }

    /// The directory holding the room files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `room`.
    pub fn path_of(&self, room: &str) -> Result<PathBuf> {
        room::check(room)?;
        Ok(self.dir.join(format!("{}.db", room::file_stem(room))))
    }

    /// The open pool of `room`, opening (creating, migrating) it the first time.
    async fn pool(&self, room: &str) -> Result<SqlitePool> {
        let mut rooms = self.rooms.lock().await;
        if let Some(pool) = rooms.get(room) {
            return Ok(pool.clone());
        }
        let path = self.path_of(room)?;
        let pool = open_file(&path, &ROOM_MIGRATIONS, 4).await.wrap_err_with(|| format!("opening the journal of room {room:?}"))?;
        rooms.insert(room.to_string(), pool.clone());
        Ok(pool)
    }

    /// See `AnyStore::subscribe`: looks at the room's change stamp every
    /// [`POLL_EVERY`] and reads its latest seq when the stamp moved (see
    /// [`WalStamp`]), and at least every [`ASK_AT_LEAST`] whatever it says.
    pub fn subscribe(&self, room: &str) -> mpsc::Receiver<Wake> {
        let (tx, rx) = mpsc::channel(64);
        let store = self.clone();
        let room = room.to_string();
        tokio::spawn(async move {
            if !store::signal(&tx, Wake::Resync) {
                return;
            }
            let mut stamp = store.path_of(&room).ok().map(|p| WalStamp::of(&p));
            let mut last = None;
            let mut unasked = 0;
            loop {
                // The pool opens the file (and its -shm) on the first ask.
                let moved = last.is_none() || stamp.as_mut().is_none_or(WalStamp::moved);
                unasked = if moved { 0 } else { unasked + 1 };
                let ask = moved || unasked >= ASK_AT_LEAST.as_millis() / POLL_EVERY.as_millis();
                if !ask {
                    tokio::select! {
                        () = tx.closed() => return,
                        () = crate::adapters::wake_grid::sleep_to_next(POLL_EVERY) => {}
                    }
                    continue;
                }
                unasked = 0;
                match store.latest_seq(&room).await {
                    Ok(seq) if last.is_some_and(|l| l != seq) => {
                        if !store::signal(&tx, Wake::Appended { seq }) {
                            return;
                        }
                        last = Some(seq);
                    }
                    Ok(seq) => last = Some(seq),
                    Err(err) => tracing::debug!("journal poll of room {room:?}: {err:#}"),
                }
                tokio::select! {
                    () = tx.closed() => return,
                    () = crate::adapters::wake_grid::sleep_to_next(POLL_EVERY) => {}
                }
            }
        });
        rx
    }
}

/// Opens (creating if needed) the SQLite file at `path` in WAL mode with
/// `synchronous=FULL`, and runs `migrations`. A newly created file's
/// directory is fsynced too, so the file itself survives a power cut.
pub(crate) async fn open_file(path: &Path, migrations: &Migrator, max_connections: u32) -> Result<SqlitePool> {
    let dir = path.parent().ok_or_else(|| eyre!("{} has no parent directory", path.display()))?;
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let existed = path.exists();
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .wrap_err_with(|| format!("opening {}", path.display()))?;
    migrations.run(&pool).await.wrap_err_with(|| format!("migrating {}", path.display()))?;
    if !existed {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).wrap_err_with(|| format!("syncing {}", dir.display()))?;
    }
    Ok(pool)
}

/// Inserts `event` unless its key is stored; either way returns the stored event.
async fn insert(conn: &mut sqlx::SqliteConnection, event: NewEvent) -> Result<Event> {
    let (actor, payload) = store::json_parts(&event)?;
    let seq: Option<i64> = sqlx::query_scalar(
        "INSERT INTO events (at_ms, actor, kind, version, payload, key) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING RETURNING seq",
    )
    .bind(event.at_ms)
    .bind(&actor)
    .bind(&event.kind)
    .bind(i32::from(event.version))
    .bind(&payload)
    .bind(&event.key)
    .fetch_optional(&mut *conn)
    .await
    .wrap_err("inserting the event")?;
    if let Some(seq) = seq {
        return Ok(event.stored(seq));
    }
    let row: Row = sqlx::query_as("SELECT seq, at_ms, actor, kind, version, payload, key FROM events WHERE key = ?")
        .bind(&event.key)
        .fetch_one(&mut *conn)
        .await
        .wrap_err("reading the event stored earlier with the same key")?;
    store::event_of(&event.room, row)
}

impl Store for SqliteStore {
    async fn append(&self, event: NewEvent) -> Result<Event> {
        let room = event.room.clone();
        let pool = self.pool(&room).await?;
        let work = async {
            // IMMEDIATE: take the write lock now, so a busy room waits
            // (busy_timeout) instead of failing on lock upgrade.
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            let stored = insert(&mut tx, event).await?;
            tx.commit().await.wrap_err("committing")?;
            Ok::<_, color_eyre::Report>(stored)
        };
        work.await.wrap_err_with(|| format!("appending to room {room:?} (SQLite)"))
    }

    async fn append_batch(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        let Some(room) = events.first().map(|e| e.room.clone()) else {
            return Ok(Vec::new());
        };
        if let Some(other) = events.iter().find(|e| e.room != room) {
            return Err(eyre!("a batch holds one room: {room:?} and {:?}", other.room));
        }
        let pool = self.pool(&room).await?;
        let work = async {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            let mut out = Vec::with_capacity(events.len());
            for event in events {
                out.push(insert(&mut tx, event).await?);
            }
            tx.commit().await.wrap_err("committing")?;
            Ok::<_, color_eyre::Report>(out)
        };
        work.await.wrap_err_with(|| format!("appending a batch to room {room:?} (SQLite)"))
    }

    async fn since(&self, room: &str, after_seq: i64, limit: u32) -> Result<Vec<Event>> {
        let pool = self.pool(room).await?;
        let read = async {
            // The page comes back as ONE row, a JSON array of rows built by
            // SQLite itself: sqlx hands each row from its SQLite thread to
            // this task on its own, and for a replay's 100,000 rows that
            // handing over (a wake of one thread by the other per row) cost
            // more than everything else the read does. Text columns are
            // JSON strings in it, so each row decodes as the columns would.
            // The aggregate takes the rows in the order the inner query
            // gives them (an ORDER BY inside it sorted them once more, in a
            // temporary b-tree); the order is checked here all the same.
            let page: String = sqlx::query_scalar(
                "SELECT json_group_array(json_array(seq, at_ms, actor, kind, version, payload, key)) \
                 FROM (SELECT seq, at_ms, actor, kind, version, payload, key FROM events \
                       WHERE seq > ? ORDER BY seq LIMIT ?)",
            )
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_one(&pool)
            .await?;
            let mut rows: Vec<Row> = serde_json::from_str(&page).wrap_err("decoding the page of rows SQLite built")?;
            if !rows.is_sorted_by_key(|row| row.0) {
                rows.sort_by_key(|row| row.0);
            }
            let mut decoder = store::Decoder::new(room);
            rows.into_iter().map(|row| decoder.event(row)).collect::<Result<Vec<_>>>()
        };
        read.await.wrap_err_with(|| format!("reading room {room:?} after seq {after_seq} (SQLite)"))
    }

    async fn latest_seq(&self, room: &str) -> Result<i64> {
        let pool = self.pool(room).await?;
        sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM events")
            .fetch_one(&pool)
            .await
            .wrap_err_with(|| format!("reading the latest seq of room {room:?} (SQLite)"))
    }

    async fn heartbeat(&self, room: &str, console_id: &str, actor: &Actor) -> Result<()> {
        let pool = self.pool(room).await?;
        let actor_json = serde_json::to_string(actor).wrap_err("encoding the actor")?;
        let now = store::now_ms();
        sqlx::query(
            "INSERT INTO presence (console_id, actor, last_seen_ms) VALUES (?, ?, ?) \
             ON CONFLICT (console_id) DO UPDATE \
             SET actor = excluded.actor, last_seen_ms = excluded.last_seen_ms",
        )
        .bind(console_id)
        .bind(&actor_json)
        .bind(now)
        .execute(&pool)
        .await
        .wrap_err_with(|| format!("recording presence in room {room:?} (SQLite)"))?;
        sqlx::query("DELETE FROM presence WHERE last_seen_ms < ?")
            .bind(now.saturating_sub(store::PRESENCE_KEEP_MS))
            .execute(&pool)
            .await
            .wrap_err("forgetting old presence (SQLite)")?;
        Ok(())
    }

    async fn present(&self, room: &str, within: Duration) -> Result<Vec<(Actor, i64)>> {
        let pool = self.pool(room).await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT actor, max(last_seen_ms) AS seen FROM presence WHERE last_seen_ms >= ? \
             GROUP BY actor ORDER BY seen DESC",
        )
        .bind(store::now_ms().saturating_sub(store::millis(within)))
        .fetch_all(&pool)
        .await
        .wrap_err_with(|| format!("reading presence in room {room:?} (SQLite)"))?;
        store::presence_of(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rooms_are_wal_with_full_sync() {
        let dir = std::env::temp_dir().join(format!("opsdeck-sqlite-{}", super::super::event::fresh_key()));
        let store = SqliteStore::new(&dir);
        let pool = store.pool("room").await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&pool).await.unwrap();
        assert_eq!((mode.as_str(), sync), ("wal", 2), "synchronous=FULL is 2");
        pool.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
