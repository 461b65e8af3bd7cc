//! The offline spool: events accepted while the shared store was
//! unreachable, kept in order in a local SQLite file
//! (`<state>/spool/<room>.db`, `synchronous=FULL`) until the store has
//! acknowledged each one. Keys are unique here too, so a retried append
//! while offline is spooled once.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqlitePool;

use super::event::NewEvent;
use super::{room, sqlite};

static SPOOL_MIGRATIONS: Migrator = sqlx::migrate!("migrations/spool");

/// A room's spool file.
#[derive(Debug, Clone)]
pub struct Spool {
    pool: SqlitePool,
    path: PathBuf,
}

impl Spool {
    /// `<state dir>/spool/<room>.db`.
    pub fn default_path(room_name: &str) -> Result<PathBuf> {
        room::check(room_name)?;
        let state = crate::paths::state_dir().ok_or_else(|| eyre!("no state directory (is HOME set?) for the journal spool"))?;
        Ok(state.join("spool").join(format!("{}.db", room::file_stem(room_name))))
    }

    /// Opens (creating) the spool at `path`.
    pub async fn open(path: impl AsRef<Path>) -> Result<Spool> {
        let path = path.as_ref().to_path_buf();
        let pool = sqlite::open_file(&path, &SPOOL_MIGRATIONS, 1).await.wrap_err("opening the journal spool")?;
        Ok(Spool { pool, path })
    }

    /// The spool file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds `event` at the end (a key already spooled is left where it is).
    /// Durable when it returns.
    pub async fn push(&self, event: &NewEvent) -> Result<()> {
        let json = serde_json::to_string(event).wrap_err("encoding the event for the spool")?;
        sqlx::query("INSERT INTO spooled (key, event) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(&event.key)
            .bind(&json)
            .execute(&self.pool)
            .await
            .wrap_err_with(|| format!("spooling an event to {}", self.path.display()))?;
        Ok(())
    }

    /// How many events wait.
    pub async fn len(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM spooled")
            .fetch_one(&self.pool)
            .await
            .wrap_err_with(|| format!("counting {}", self.path.display()))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Whether nothing waits.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// The oldest waiting event and its spool id.
    pub async fn oldest(&self) -> Result<Option<(i64, NewEvent)>> {
        let row: Option<(i64, String)> = sqlx::query_as("SELECT id, event FROM spooled ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .wrap_err_with(|| format!("reading {}", self.path.display()))?;
        row.map(|(id, json)| {
            let event = serde_json::from_str(&json).wrap_err_with(|| format!("spooled event {id} in {}", self.path.display()))?;
            Ok((id, event))
        })
        .transpose()
    }

    /// Every waiting event, oldest first.
    pub async fn all(&self) -> Result<Vec<NewEvent>> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, event FROM spooled ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .wrap_err_with(|| format!("reading {}", self.path.display()))?;
        rows.into_iter()
            .map(|(id, json)| serde_json::from_str(&json).wrap_err_with(|| format!("spooled event {id} in {}", self.path.display())))
            .collect()
    }

    /// Forgets spooled event `id` (after the store acknowledged it).
    pub async fn remove(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM spooled WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .wrap_err_with(|| format!("removing event {id} from {}", self.path.display()))?;
        Ok(())
    }
}
