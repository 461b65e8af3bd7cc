//! [`AnyStore`]: the journal backend chosen at startup (SQLite by default,
//! PostgreSQL for a shared room), behind the one [`Store`] contract.

use std::time::Duration;

use color_eyre::eyre::{Result, bail};
use tokio::sync::mpsc;

use super::event::{Actor, Event, NewEvent};
use super::postgres::PgStore;
use super::sqlite::SqliteStore;
use super::store::{Store, Wake};

/// The store chosen at startup.
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl AnyStore {
    /// The store named by `--store` / `OPSDECK_STORE`: nothing (or `sqlite`)
    /// for SQLite files under the state directory, `sqlite:DIR` for SQLite
    /// files in DIR, `postgres://…` / `postgresql://…` for the shared store.
    /// PostgreSQL is connected lazily (a console can start while it is down).
    /// Call within a tokio runtime.
    pub fn open(spec: Option<&str>) -> Result<AnyStore> {
        match spec.map(str::trim) {
            None | Some("") | Some("sqlite") => SqliteStore::open_default().map(AnyStore::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => PgStore::lazy(url).map(AnyStore::Postgres),
            Some(other) => match other.strip_prefix("sqlite:") {
                Some(dir) if !dir.is_empty() => Ok(AnyStore::Sqlite(SqliteStore::new(dir))),
                _ => bail!("unknown store {other:?}: expected postgres://…, sqlite or sqlite:DIR"),
            },
        }
    }

    /// Whether this is the shared store (and so needs an offline spool).
    pub fn is_shared(&self) -> bool {
        matches!(self, AnyStore::Postgres(_))
    }

    /// What the console should say once about how the store connects (a
    /// PostgreSQL `sslmode=prefer` connection gone plain text).
    pub fn notice(&self) -> Option<&'static str> {
        match self {
            AnyStore::Postgres(s) => s.notice(),
            AnyStore::Sqlite(_) => None,
        }
    }

    /// Wakes for `room`: PostgreSQL `LISTEN`, or for SQLite a poll of the
    /// room's latest seq every 250 ms (another local console may append).
    /// The task ends when the receiver is dropped. See [`Wake`] for the contract.
    pub fn subscribe(&self, room: &str) -> mpsc::Receiver<Wake> {
        match self {
            AnyStore::Postgres(s) => s.subscribe(room),
            AnyStore::Sqlite(s) => s.subscribe(room),
        }
    }
}

impl Store for AnyStore {
    async fn append(&self, event: NewEvent) -> Result<Event> {
        match self {
            AnyStore::Sqlite(s) => s.append(event).await,
            AnyStore::Postgres(s) => s.append(event).await,
        }
    }

    async fn append_batch(&self, events: Vec<NewEvent>) -> Result<Vec<Event>> {
        match self {
            AnyStore::Sqlite(s) => s.append_batch(events).await,
            AnyStore::Postgres(s) => s.append_batch(events).await,
        }
    }

    async fn since(&self, room: &str, after_seq: i64, limit: u32) -> Result<Vec<Event>> {
        match self {
            AnyStore::Sqlite(s) => s.since(room, after_seq, limit).await,
            AnyStore::Postgres(s) => s.since(room, after_seq, limit).await,
        }
    }

    async fn latest_seq(&self, room: &str) -> Result<i64> {
        match self {
            AnyStore::Sqlite(s) => s.latest_seq(room).await,
            AnyStore::Postgres(s) => s.latest_seq(room).await,
        }
    }

    async fn heartbeat(&self, room: &str, console_id: &str, actor: &Actor) -> Result<()> {
        match self {
            AnyStore::Sqlite(s) => s.heartbeat(room, console_id, actor).await,
            AnyStore::Postgres(s) => s.heartbeat(room, console_id, actor).await,
        }
    }

    async fn present(&self, room: &str, within: Duration) -> Result<Vec<(Actor, i64)>> {
        match self {
            AnyStore::Sqlite(s) => s.present(room, within).await,
            AnyStore::Postgres(s) => s.present(room, within).await,
        }
    }
}
