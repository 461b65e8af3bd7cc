//! Who is in a PostgreSQL room: each console's heartbeat upserted on the
//! server's clock (so consoles with skewed clocks agree), old rows
//! forgotten in the same transaction, and the people seen lately.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};

use super::event::Actor;
use super::postgres::{PgStore, commit};
use super::store;

impl PgStore {
    pub(super) async fn record_presence(&self, room: &str, console_id: &str, actor: &Actor) -> Result<()> {
        self.ready().await?;
        let actor = serde_json::to_string(actor).wrap_err("encoding the actor")?;
        let mut tx = self.pool().begin().await.wrap_err("starting a transaction")?;
        // The server's clock, so consoles with skewed clocks agree.
        sqlx::query(
            "INSERT INTO journal_presence (room, console_id, actor, last_seen_ms) \
             VALUES ($1, $2, $3::jsonb, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) \
             ON CONFLICT (room, console_id) DO UPDATE \
             SET actor = excluded.actor, last_seen_ms = excluded.last_seen_ms",
        )
        .bind(room)
        .bind(console_id)
        .bind(&actor)
        .execute(&mut *tx)
        .await
        .wrap_err_with(|| format!("recording presence in room {room:?} (PostgreSQL)"))?;
        sqlx::query(
            "DELETE FROM journal_presence WHERE room = $1 \
             AND last_seen_ms < (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $2",
        )
        .bind(room)
        .bind(store::PRESENCE_KEEP_MS)
        .execute(&mut *tx)
        .await
        .wrap_err("forgetting old presence")?;
        commit(tx).await
    }

    pub(super) async fn read_presence(&self, room: &str, within: Duration) -> Result<Vec<(Actor, i64)>> {
        self.ready().await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT actor::text, max(last_seen_ms) AS seen FROM journal_presence \
             WHERE room = $1 \
             AND last_seen_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $2 \
             GROUP BY actor ORDER BY seen DESC",
        )
        .bind(room)
        .bind(store::millis(within))
        .fetch_all(&self.pool())
        .await
        .wrap_err_with(|| format!("reading presence in room {room:?} (PostgreSQL)"))?;
        store::presence_of(rows)
    }
}
