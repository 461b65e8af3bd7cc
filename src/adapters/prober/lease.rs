//! The room's prober lease: at most one `room_prober` row per room, naming
//! the console that probes for the room until `expires_ms`, on the server's
//! clock (so consoles with skewed clocks agree). Taking and renewing are one
//! statement, so consoles racing for a free or expired lease get one answer:
//! exactly one of them holds it.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::adapters::journal::postgres::denied_or;
use crate::adapters::journal::store::millis;
use crate::adapters::journal::{Actor, PgStore, room};

/// How long a lease lasts after its last renewal (on the server's clock).
///
/// A prober killed without a word (SIGKILL, a lost host) renews no more, so
/// its lease ends at most `LEASE_TTL` after its last renewal; the next
/// console to ask takes it within one attempt interval ([`RENEW_EVERY`]),
/// and the first runs of its checks are spread over up to a second
/// (`probe::schedule`). Worst case: 5 s + 1.5 s + 1 s ≈ 7.5 s from the
/// prober's death to the room's next sample, within the 10 s promise. A
/// prober that quits releases the lease ([`release`]), and it is taken at
/// the next attempt instead.
pub const LEASE_TTL: Duration = Duration::from_secs(5);

/// How often the holder renews its lease and every other console asks for
/// it: over three renewals per [`LEASE_TTL`], so one or two lost or slow
/// renewals do not lose the lease.
pub const RENEW_EVERY: Duration = Duration::from_millis(1500);

/// Who holds a room's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The holder's console id (`Journal::console_id`).
    pub console_id: String,
    /// Who is at the holder's console.
    pub actor: Actor,
    /// When the holder took the lease (server clock, unix ms); constant
    /// while it keeps renewing.
    pub since_ms: i64,
    /// When the lease ends unless renewed (server clock, unix ms).
    pub expires_ms: i64,
    /// Whether the holder is the console that asked.
    pub ours: bool,
}

/// Takes the lease when it is free or expired, renews it when it is this
/// console's, and otherwise changes nothing; returns the row when this
/// console holds it now. `acquired_ms` is kept by a renewal of a lease that
/// had not expired, and set anew when the lease changes hands or this
/// console takes back its own lease after it expired (there was a gap).
const TAKE_OR_RENEW: &str = "INSERT INTO room_prober AS p (room, console_id, actor, acquired_ms, renewed_ms, expires_ms) \
     SELECT $1, $2, $3::jsonb, clock.ms, clock.ms, clock.ms + $4 \
     FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) AS clock \
     ON CONFLICT (room) DO UPDATE SET \
         console_id = excluded.console_id, \
         actor = excluded.actor, \
         acquired_ms = CASE WHEN p.console_id = excluded.console_id AND p.expires_ms >= excluded.renewed_ms \
                            THEN p.acquired_ms ELSE excluded.acquired_ms END, \
         renewed_ms = excluded.renewed_ms, \
         expires_ms = excluded.expires_ms \
     WHERE p.console_id = excluded.console_id OR p.expires_ms < excluded.renewed_ms \
     RETURNING console_id, actor::text, acquired_ms, expires_ms";

/// A lease row: console id, actor (JSON), acquired, expires.
type Row = (String, String, i64, i64);

/// Takes `room`'s prober lease for `console_id` (used by `actor`) for `ttl`
/// if it is free or expired, renews it if this console holds it, and
/// otherwise leaves it; returns who holds it now ([`Holder::ours`] says
/// whether that is this console). A server found refusing connections
/// fails at once as `Unreachable`; a role that may not take the lease (an
/// observer) fails with `Denied` (see `journal::is_denied`).
pub async fn take_or_renew(pg: &PgStore, room: &str, console_id: &str, actor: &Actor, ttl: Duration) -> Result<Holder> {
    room::check(room)?;
    let actor_json = serde_json::to_string(actor).wrap_err("encoding the actor")?;
    let asked = async {
        pg.ready().await?;
        // The holder may release between the two statements: then ask again.
        for _ in 0..3 {
            let taken: Option<Row> = sqlx::query_as(TAKE_OR_RENEW)
                .bind(room)
                .bind(console_id)
                .bind(&actor_json)
                .bind(millis(ttl))
                .fetch_optional(&pg.pool())
                .await
                .map_err(|e| denied_or(e, "taking or renewing the lease"))?;
            if let Some(row) = taken {
                return holder_of(room, row, Some(console_id));
            }
            if let Some(row) = current(pg, room).await? {
                return holder_of(room, row, Some(console_id));
            }
        }
        Err(eyre!("the lease kept changing hands while this console asked for it"))
    };
    pg.guarded(asked).await.wrap_err_with(|| format!("taking the prober lease of room {room:?} (PostgreSQL)"))
}

/// Gives `room`'s lease up if `console_id` holds it (a graceful quit: the
/// next console to ask takes it at once instead of after [`LEASE_TTL`]).
/// Releasing a lease held by another console changes nothing.
pub async fn release(pg: &PgStore, room: &str, console_id: &str) -> Result<()> {
    room::check(room)?;
    let released = async {
        pg.ready().await?;
        sqlx::query("DELETE FROM room_prober WHERE room = $1 AND console_id = $2")
            .bind(room)
            .bind(console_id)
            .execute(&pg.pool())
            .await
            .map_err(|e| denied_or(e, "deleting the lease"))?;
        Ok(())
    };
    pg.guarded(released).await.wrap_err_with(|| format!("releasing the prober lease of room {room:?} (PostgreSQL)"))
}

/// Who holds `room`'s lease now, `None` when nobody does (an expired lease
/// is held by nobody). Asks as no console: [`Holder::ours`] is false.
pub async fn holder(pg: &PgStore, room: &str) -> Result<Option<Holder>> {
    room::check(room)?;
    let asked = async {
        pg.ready().await?;
        current(pg, room).await?.map(|row| holder_of(room, row, None)).transpose()
    };
    pg.guarded(asked).await.wrap_err_with(|| format!("reading the prober lease of room {room:?} (PostgreSQL)"))
}

/// The room's unexpired lease row.
async fn current(pg: &PgStore, room: &str) -> Result<Option<Row>> {
    // The server's clock, as everywhere in the lease.
    sqlx::query_as(
        "SELECT console_id, actor::text, acquired_ms, expires_ms FROM room_prober \
         WHERE room = $1 AND expires_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    )
    .bind(room)
    .fetch_optional(&pg.pool())
    .await
    .map_err(|e| denied_or(e, "reading the lease"))
}

fn holder_of(room: &str, (console_id, actor, since_ms, expires_ms): Row, asking: Option<&str>) -> Result<Holder> {
    let actor = serde_json::from_str(&actor).wrap_err_with(|| format!("the prober lease of room {room:?}: bad actor {actor:?}"))?;
    let ours = asking == Some(console_id.as_str());
    Ok(Holder { console_id, actor, since_ms, expires_ms, ours })
}
