//! The room's samples table, `room_samples`: what the room's prober
//! measured, for every console of the room to read. A batch is one
//! transaction of one multi-row `INSERT` that ends with a notification on
//! the room's channel (payload `s`, heard by the journal's listener, see
//! `PgStore::samples_wake`), sent only if the batch commits.
//!
//! Ids are the readers' cursor: a batch first takes a per-room advisory
//! lock, so the ids of one room are handed out in commit order and a reader
//! that asks for everything after the last id it saw misses nothing, even
//! while a prober that lost its lease still flushes its last batch.

use color_eyre::eyre::{Result, WrapErr, eyre};

use opsdeck_core::recorded::{Outcome, RecordedSample, decode_fields, encode_fields};

use crate::adapters::journal::postgres::{LONG_DEADLINE, denied_or};
use crate::adapters::journal::{PgStore, SAMPLES_PAYLOAD, room};

/// How long the room keeps samples by default: a day, so that a console
/// joining mid-incident can chart the whole of it (the per-console samples
/// file keeps an hour). The prober's writer prunes what is older.
pub const ROOM_RETENTION_MS: i64 = 24 * 3_600_000;

/// The first key of the advisory lock that serialises a room's samples
/// writers (the second is the room's `hashtext`); PostgreSQL keeps two-key
/// locks apart from one-key locks such as sqlx's migration lock.
const WRITERS_LOCK: i32 = 0x6f70_7364;

/// One multi-row statement for a whole batch, ids in the batch's order;
/// gives the last id.
const INSERT: &str = "WITH stored AS ( \
         INSERT INTO room_samples (room, at_ms, check_id, latency_ms, fields, error, answered, console_id) \
         SELECT $1, s.at_ms, s.check_id, s.latency_ms, s.fields, s.error, s.answered, $2 \
         FROM unnest($3::bigint[], $4::text[], $5::float8[], $6::text[], $7::text[], $8::bool[]) WITH ORDINALITY \
              AS s (at_ms, check_id, latency_ms, fields, error, answered, n) \
         ORDER BY s.n \
         RETURNING id) \
     SELECT max(id) FROM stored";

/// A stored row: id, at_ms, check_id, latency_ms, fields, error, answered.
type Row = (i64, i64, String, f64, Option<String>, Option<String>, bool);

/// Writes `batch` (samples of `room`, made by console `console_id`) in one
/// transaction and notifies the room's listeners; returns the id of the
/// last sample (0 for an empty batch, which writes nothing). A role that may
/// not write samples (an observer) fails with `Denied` (`journal::is_denied`).
pub async fn insert_batch(pg: &PgStore, room: &str, console_id: &str, batch: &[RecordedSample]) -> Result<i64> {
    room::check(room)?;
    if batch.is_empty() {
        return Ok(0);
    }
    let columns = Columns::of(batch);
    let write = async {
        pg.ready().await?;
        let mut tx = pg.pool().begin().await.wrap_err("starting a transaction")?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(WRITERS_LOCK)
            .bind(room)
            .execute(&mut *tx)
            .await
            .wrap_err("waiting for the room's other samples writer")?;
        let last: Option<i64> = sqlx::query_scalar(INSERT)
            .bind(room)
            .bind(console_id)
            .bind(&columns.at_ms)
            .bind(&columns.check)
            .bind(&columns.latency_ms)
            .bind(&columns.fields)
            .bind(&columns.error)
            .bind(&columns.answered)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| denied_or(e, "inserting the samples"))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(room::channel(room))
            .bind(SAMPLES_PAYLOAD)
            .execute(&mut *tx)
            .await
            .wrap_err("notifying the room's listeners")?;
        tx.commit().await.wrap_err("committing")?;
        last.ok_or_else(|| eyre!("the store returned no id for the samples"))
    };
    pg.guarded(write).await.wrap_err_with(|| format!("writing {} samples to room {room:?} (PostgreSQL)", batch.len()))
}

/// Up to `limit` samples of `room` with an id above `after_id`, with their
/// ids, in id order (the order they were written).
pub async fn read_after(pg: &PgStore, room: &str, after_id: i64, limit: u32) -> Result<Vec<(i64, RecordedSample)>> {
    room::check(room)?;
    let read = async {
        pg.ready().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at_ms, check_id, latency_ms, fields, error, answered FROM room_samples \
             WHERE room = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(room)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&pg.pool())
        .await
        .wrap_err("reading samples")?;
        Ok(rows.into_iter().map(with_id).collect())
    };
    pg.guarded(read).await.wrap_err_with(|| format!("reading the samples of room {room:?} after id {after_id} (PostgreSQL)"))
}

/// Every sample of `room` taken at or after `since_ms`, oldest first (ties
/// in the order they were written).
pub async fn read_since_ms(pg: &PgStore, room: &str, since_ms: i64) -> Result<Vec<RecordedSample>> {
    room::check(room)?;
    let read = async {
        pg.ready().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at_ms, check_id, latency_ms, fields, error, answered FROM room_samples \
             WHERE room = $1 AND at_ms >= $2 ORDER BY at_ms, id",
        )
        .bind(room)
        .bind(since_ms)
        .fetch_all(&pg.pool())
        .await
        .wrap_err("reading samples")?;
        Ok(rows.into_iter().map(|r| with_id(r).1).collect())
    };
    // A whole window, for the command line: longer than one console's operation.
    pg.guarded_for(Some(LONG_DEADLINE), read)
        .await
        .wrap_err_with(|| format!("reading the samples of room {room:?} since {since_ms} (PostgreSQL)"))
}

/// A page of [`read_since_ms`] as a follower warms up: up to `limit`
/// samples with an id of at most `through_id`, after the position `after`
/// (at_ms, id) in (at_ms, id) order, with their ids. Start at
/// `(since_ms, 0)` and continue from the last sample returned.
pub(super) async fn read_window(
    pg: &PgStore,
    room: &str,
    through_id: i64,
    after: (i64, i64),
    limit: u32,
) -> Result<Vec<(i64, RecordedSample)>> {
    room::check(room)?;
    let read = async {
        pg.ready().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at_ms, check_id, latency_ms, fields, error, answered FROM room_samples \
             WHERE room = $1 AND id <= $2 AND at_ms >= $3 AND (at_ms, id) > ($3, $4) \
             ORDER BY at_ms, id LIMIT $5",
        )
        .bind(room)
        .bind(through_id)
        .bind(after.0)
        .bind(after.1)
        .bind(i64::from(limit))
        .fetch_all(&pg.pool())
        .await
        .wrap_err("reading samples")?;
        Ok(rows.into_iter().map(with_id).collect())
    };
    pg.guarded(read).await.wrap_err_with(|| format!("reading the samples of room {room:?} since {} (PostgreSQL)", after.0))
}

/// The newest sample of each check of `room` (by time, then id), in check
/// id order: what the room knows now.
pub async fn latest_per_check(pg: &PgStore, room: &str) -> Result<Vec<RecordedSample>> {
    room::check(room)?;
    let read = async {
        pg.ready().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT DISTINCT ON (check_id) id, at_ms, check_id, latency_ms, fields, error, answered FROM room_samples \
             WHERE room = $1 ORDER BY check_id, at_ms DESC, id DESC",
        )
        .bind(room)
        .fetch_all(&pg.pool())
        .await
        .wrap_err("reading samples")?;
        Ok(rows.into_iter().map(|r| with_id(r).1).collect())
    };
    pg.guarded_for(Some(LONG_DEADLINE), read).await.wrap_err_with(|| format!("reading the latest samples of room {room:?} (PostgreSQL)"))
}

/// The id of `room`'s newest sample, 0 when it has none: everything up to
/// it is committed (ids are handed out in commit order within a room).
pub async fn last_id(pg: &PgStore, room: &str) -> Result<i64> {
    room::check(room)?;
    let read = async {
        pg.ready().await?;
        sqlx::query_scalar("SELECT coalesce(max(id), 0)::bigint FROM room_samples WHERE room = $1")
            .bind(room)
            .fetch_one(&pg.pool())
            .await
            .wrap_err("reading the last sample id")
    };
    pg.guarded(read).await.wrap_err_with(|| format!("reading the last sample id of room {room:?} (PostgreSQL)"))
}

/// Deletes `room`'s samples taken before `before_ms`; returns how many.
pub async fn prune(pg: &PgStore, room: &str, before_ms: i64) -> Result<u64> {
    room::check(room)?;
    let delete = async {
        pg.ready().await?;
        let done = sqlx::query("DELETE FROM room_samples WHERE room = $1 AND at_ms < $2")
            .bind(room)
            .bind(before_ms)
            .execute(&pg.pool())
            .await
            .map_err(|e| denied_or(e, "deleting old samples"))?;
        Ok(done.rows_affected())
    };
    pg.guarded(delete).await.wrap_err_with(|| format!("pruning the samples of room {room:?} before {before_ms} (PostgreSQL)"))
}

/// A batch as one array per column, for `unnest`.
struct Columns<'a> {
    at_ms: Vec<i64>,
    check: Vec<&'a str>,
    latency_ms: Vec<f64>,
    fields: Vec<Option<String>>,
    error: Vec<Option<&'a str>>,
    answered: Vec<bool>,
}

impl<'a> Columns<'a> {
    fn of(batch: &'a [RecordedSample]) -> Columns<'a> {
        let n = batch.len();
        let mut c = Columns {
            at_ms: Vec::with_capacity(n),
            check: Vec::with_capacity(n),
            latency_ms: Vec::with_capacity(n),
            fields: Vec::with_capacity(n),
            error: Vec::with_capacity(n),
            answered: Vec::with_capacity(n),
        };
        for s in batch {
            let (fields, error, answered) = match &s.outcome {
                Outcome::Reading(values) => (Some(encode_fields(values)), None, false),
                Outcome::Failed { reason, answered } => (None, Some(reason.as_str()), *answered),
            };
            c.at_ms.push(s.at_ms);
            c.check.push(&s.check);
            c.latency_ms.push(s.latency_ms);
            c.fields.push(fields);
            c.error.push(error);
            c.answered.push(answered);
        }
        c
    }
}

/// A row as a sample, with its id: a failure when it has an error, else a
/// reading (of nothing, when it has no fields either).
fn with_id((id, at_ms, check, latency_ms, fields, error, answered): Row) -> (i64, RecordedSample) {
    let outcome = match (fields, error) {
        (_, Some(reason)) => Outcome::Failed { reason, answered },
        (Some(f), None) => Outcome::Reading(decode_fields(&f)),
        (None, None) => Outcome::Reading(Vec::new()),
    };
    (id, RecordedSample { check, at_ms, latency_ms, outcome })
}
