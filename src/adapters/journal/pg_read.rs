//! Reading a PostgreSQL room's events: a page of seqs read as a window
//! bounded on both ends, decoded as the rows arrive.

use color_eyre::eyre::{Report, Result, WrapErr};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::postgres::PgPool;

use super::event::Event;
use super::postgres::PgStore;
use super::store;

impl PgStore {
    /// Up to `limit` events of `room` after `after_seq`, in seq order (the
    /// `Store::since` of PostgreSQL).
    pub(super) async fn read_since(&self, room: &str, after_seq: i64, limit: u32) -> Result<Vec<Event>> {
        self.ready().await?;
        let pool = self.pool();
        let read = async {
            let limit = i64::from(limit);
            let mut decoder = store::Decoder::new(room);
            let mut out = Vec::with_capacity(limit.min(i64::from(store::PAGE_RESERVE)) as usize);
            let mut from = after_seq;
            loop {
                let wanted = limit - out.len() as i64;
                read_window(&pool, &mut decoder, room, from, wanted, &mut out).await?;
                if out.len() as i64 >= limit {
                    return Ok::<_, Report>(out);
                }
                // Short: the room's end, or a gap in its seqs (the append
                // path leaves none; a hand-edited table might). Continue
                // after the gap, if there is anything beyond the window.
                let beyond: Option<i64> = sqlx::query_scalar("SELECT min(seq) FROM journal_events WHERE room = $1 AND seq > $2")
                    .bind(room)
                    .bind(from.saturating_add(wanted))
                    .fetch_one(&pool)
                    .await?;
                match beyond {
                    Some(next) => from = next - 1,
                    None => return Ok(out),
                }
            }
        };
        read.await.wrap_err_with(|| format!("reading room {room:?} after seq {after_seq} (PostgreSQL)"))
    }
}

/// The events of `room` with seq in `(from, from + wanted]`, appended to
/// `out` as they arrive.
///
/// The window is bounded on both ends, not `seq > from LIMIT wanted`: seqs
/// are dense, so the bound is the page, and the server reads only the
/// page's rows whatever its statistics say. With a LIMIT alone, a room
/// freshly loaded (no ANALYZE yet) was planned as a bitmap scan that read
/// and sorted EVERY row after `from` for each page, and a replay of
/// 100,000 events read about a million rows.
async fn read_window(
    pool: &PgPool,
    decoder: &mut store::Decoder<'_>,
    room: &str,
    from: i64,
    wanted: i64,
    out: &mut Vec<Event>,
) -> Result<()> {
    // Rows are decoded as they arrive, not after the last one: the
    // server's sending and the decoding overlap. The actor's and the
    // payload's text are parsed where the row holds them, not copied
    // into strings of their own first.
    let mut rows = sqlx::query(
        "SELECT seq, at_ms, actor::text, kind, version, payload::text, key, db_role \
         FROM journal_events WHERE room = $1 AND seq > $2 AND seq <= $3 ORDER BY seq",
    )
    .bind(room)
    .bind(from)
    .bind(from.saturating_add(wanted))
    .fetch(pool);
    while let Some(row) = rows.try_next().await? {
        let (actor, payload): (&str, &str) = (row.try_get(2)?, row.try_get(5)?);
        let event =
            decoder.event_of(row.try_get(0)?, row.try_get(1)?, actor, row.try_get(3)?, row.try_get(4)?, payload, row.try_get(6)?)?;
        out.push(event.vouched_by(row.try_get(7)?));
    }
    Ok(())
}
