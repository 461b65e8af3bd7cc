//! `SampleDb`: the samples file of one room. WAL with `synchronous=NORMAL`
//! (a crash may lose the newest samples, never corrupt the file); batches
//! are written in one transaction; rows older than the retention are pruned
//! by the caller; reads come back in time order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use sqlx::Row as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use opsdeck_core::recorded::{Outcome, RecordedSample, decode_fields, encode_fields};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS samples (
    at_ms INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    fields TEXT,
    error TEXT,
    answered INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS samples_at ON samples (at_ms);";

/// Most rows in one INSERT (6 parameters each, far below SQLite's limit).
pub const ROWS_PER_INSERT: usize = 64;

/// SQLite's page cache per connection, in KiB (its `cache_size`, negative
/// for KiB). The default, 2 MiB a connection, fills as a day of samples
/// grows the file and stays in the console's resident memory; the writes
/// touch the newest pages and the reads the newest rows, which a quarter of
/// that holds, and the kernel's page cache holds the file anyway.
const CACHE_KIB: i64 = 512;

/// How many of `left` rows the next INSERT takes: a full statement, else the
/// largest power of two, so that a handful of statement texts (all cached
/// by sqlx once prepared) serve every batch size.
fn statement_rows(left: usize) -> usize {
    if left >= ROWS_PER_INSERT { ROWS_PER_INSERT } else { 1 << left.ilog2() }
}

/// One INSERT of `rows`.
fn insert_rows(rows: &[RecordedSample]) -> sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    let mut sql = String::from("INSERT INTO samples (at_ms, check_id, latency_ms, fields, error, answered) VALUES ");
    for i in 0..rows.len() {
        sql.push_str(if i == 0 { "(?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?)" });
    }
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for s in rows {
        let (fields, error, answered) = match &s.outcome {
            Outcome::Reading(values) => (Some(encode_fields(values)), None, false),
            Outcome::Failed { reason, answered } => (None, Some(reason.as_str()), *answered),
        };
        query = query.bind(s.at_ms).bind(s.check.as_str()).bind(s.latency_ms).bind(fields).bind(error).bind(answered);
    }
    query
}

/// An open samples file.
#[derive(Debug, Clone)]
pub struct SampleDb {
    pool: SqlitePool,
    path: PathBuf,
}

impl SampleDb {
    /// Opens (creating it and its directory if needed) the file at `path`.
    pub async fn open(path: &Path) -> Result<SampleDb> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .wrap_err_with(|| format!("opening samples file {}", path.display()))?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await.wrap_err_with(|| format!("creating the samples table in {}", path.display()))?;
        Ok(SampleDb { pool, path: path.to_path_buf() })
    }

    /// Opens an existing file for reading; `None` when there is none.
    pub async fn open_existing(path: &Path) -> Result<Option<SampleDb>> {
        if !path.exists() {
            return Ok(None);
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(5))
            .pragma("cache_size", format!("-{CACHE_KIB}"));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .wrap_err_with(|| format!("opening samples file {}", path.display()))?;
        Ok(Some(SampleDb { pool, path: path.to_path_buf() }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `batch` in one transaction, [`ROWS_PER_INSERT`] rows per
    /// statement: each statement is a round trip to sqlx's SQLite thread, so
    /// one per row cost more than the row itself.
    pub async fn insert(&self, batch: &[RecordedSample]) -> Result<()> {
        let mut tx = self.pool.begin().await.wrap_err("starting a samples transaction")?;
        let mut rest = batch;
        while !rest.is_empty() {
            let (now, later) = rest.split_at(statement_rows(rest.len()));
            insert_rows(now).execute(&mut *tx).await.wrap_err("inserting samples")?;
            rest = later;
        }
        tx.commit().await.wrap_err_with(|| format!("writing {} samples to {}", batch.len(), self.path.display()))
    }

    /// Deletes samples taken before `cutoff_ms`; returns how many.
    pub async fn prune_before(&self, cutoff_ms: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM samples WHERE at_ms < ?")
            .bind(cutoff_ms)
            .execute(&self.pool)
            .await
            .wrap_err_with(|| format!("pruning {}", self.path.display()))?;
        Ok(done.rows_affected())
    }

    /// Samples taken at or after `since_ms`, oldest first (ties in insertion order).
    pub async fn read_since(&self, since_ms: i64) -> Result<Vec<RecordedSample>> {
        let rows =
            sqlx::query("SELECT at_ms, check_id, latency_ms, fields, error, answered FROM samples WHERE at_ms >= ? ORDER BY at_ms, rowid")
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await
                .wrap_err_with(|| format!("reading samples from {}", self.path.display()))?;
        rows.iter()
            .map(|row| {
                let fields: Option<String> = row.try_get("fields")?;
                let error: Option<String> = row.try_get("error")?;
                let outcome = match (fields, error) {
                    (_, Some(reason)) => Outcome::Failed { reason, answered: row.try_get("answered")? },
                    (Some(f), None) => Outcome::Reading(decode_fields(&f)),
                    (None, None) => Outcome::Reading(Vec::new()),
                };
                Ok(RecordedSample {
                    check: row.try_get("check_id")?,
                    at_ms: row.try_get("at_ms")?,
                    latency_ms: row.try_get("latency_ms")?,
                    outcome,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(|e| eyre!("reading a sample row from {}: {e}", self.path.display()))
    }

    /// How many samples the file holds.
    pub async fn count(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT count(*) FROM samples").fetch_one(&self.pool).await.wrap_err("counting samples")
    }

    /// Closes the pool (so a test can read the file from another connection at once).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::{CACHE_KIB, SampleDb};

    #[tokio::test]
    async fn every_connection_keeps_a_small_page_cache() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("samples.db");
        let writer = SampleDb::open(&path).await.expect("opened");
        let reader = SampleDb::open_existing(&path).await.expect("opened").expect("the file exists");
        for db in [&writer, &reader] {
            let kib: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&db.pool).await.expect("asked");
            assert_eq!(kib, -CACHE_KIB, "cache_size of {}", db.path().display());
        }
    }
}
