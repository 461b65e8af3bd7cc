//! `opsdeck status PLAN --store postgres://… [--room R]`: the room's
//! current states without probing anything: each check's state and reason
//! as the room's one judge last recorded them (`check.state` events), with
//! the value of the room's latest sample. A check the room has no fresh
//! sample of (its prober is gone, or nobody has probed it yet) is UNKNOWN
//! with why. `local` checks are left out: each console probes them itself.

use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::adapters::journal::{AnyStore, Body, read_all};
use crate::adapters::probe::schedule::now_ms;
use crate::adapters::prober::{lease, room_samples};
use opsdeck_core::config::Plan;
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::Board;
use opsdeck_core::metrics::describe::format_duration_ms;

/// The room's board, and a line saying who probes it (for stderr).
pub async fn room_board(plan: &Plan, store: &AnyStore, room: &str) -> Result<(Board, String)> {
    let AnyStore::Postgres(pg) = store else {
        return Err(eyre!("the room's states are kept by a shared store: pass --store postgres://…"));
    };
    let events = read_all(store, room, 0, 1000).await.wrap_err_with(|| format!("reading the journal of room {room}"))?;
    let latest = room_samples::latest_per_check(pg, room).await.wrap_err_with(|| format!("reading the samples of room {room}"))?;
    let holder = lease::holder(pg, room).await.wrap_err_with(|| format!("asking room {room} who probes"))?;
    let mut board = Board::from_plan(plan);
    board.rows.retain(|r| !r.local);
    board.follow_room(true);
    for sample in &latest {
        if let Some(i) = board.rows.iter().position(|r| r.id == sample.check) {
            board.apply(&sample.to_sample(i));
        }
    }
    for e in &events {
        if let Some(Body::CheckState { check, to, reason, since_ms, .. }) = e.body() {
            board.adopt(check, *to, reason, *since_ms);
        }
    }
    let now = now_ms();
    let stale: Vec<(String, String)> = board
        .rows
        .iter()
        .filter_map(|r| {
            let why = match r.eval.last_sample_at() {
                None => "the room's prober has not probed it yet".to_string(),
                Some(at) if now - at > r.timing.stale_after.as_millis() as i64 => {
                    format!("stale: the room's last sample is {} old", format_duration_ms(now - at))
                }
                Some(_) if r.eval.since_ms().is_none() => "the room's prober has not judged it yet".to_string(),
                Some(_) => return None,
            };
            Some((r.id.clone(), why))
        })
        .collect();
    for (id, why) in stale {
        board.adopt(&id, Health::Unknown, &why, now);
    }
    let who = match holder {
        Some(h) => format!("room {room}: probed by {}@{}, read from the room (nothing probed here)", h.actor.name, h.actor.host),
        None => format!("room {room}: no console probes for it now; states as last recorded (nothing probed here)"),
    };
    Ok((board, who))
}
