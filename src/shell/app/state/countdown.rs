//! The nearest countdown the room runs, which the status bar always shows:
//! an `auto` proposal counting down to its rollback, an open incident's
//! acknowledgement deadline, or its next stakeholder (comms) update;
//! whichever ends first, one already overdue before any still running.
//! Read from the room's folds (`State::nearest_countdown` hands them in).

use crate::shell::app::room::RoomState;
use opsdeck_core::domain::clocks;
use opsdeck_core::rollback::Rollbacks;

/// A countdown and the time left on it (negative once overdue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Countdown {
    /// An `auto` proposal of `rollback`: at 0 it runs (`runs`) or is
    /// cancelled, unless someone answers; never below 0.
    Rollback { rollback: String, runs: bool, remaining_ms: i64 },
    /// Incident `incident` must be acknowledged.
    Ack { incident: i64, remaining_ms: i64 },
    /// Incident `incident` owes its stakeholders an update.
    Update { incident: i64, remaining_ms: i64 },
}

impl Countdown {
    pub fn remaining_ms(&self) -> i64 {
        match self {
            Countdown::Rollback { remaining_ms, .. } | Countdown::Ack { remaining_ms, .. } | Countdown::Update { remaining_ms, .. } => {
                *remaining_ms
            }
        }
    }
}

/// The countdown that ends first at `now_ms`, if the room runs any:
/// among the open `auto` proposals of `rollbacks` and the open incidents
/// of `room` (their deadlines in `tz` where a calendar decides).
pub fn nearest(room: &RoomState, rollbacks: &Rollbacks, tz: &jiff::tz::TimeZone, now_ms: i64) -> Option<Countdown> {
    let proposals = rollbacks.proposals.iter().filter_map(|p| {
        let remaining_ms = p.remaining_ms(now_ms)?;
        Some(Countdown::Rollback { rollback: p.rollback.clone(), runs: p.on_no_answer == "run", remaining_ms })
    });
    let incidents = room.incidents().list(room.severities()).filter(|i| i.is_open()).flat_map(|i| {
        let c = clocks(i, room.severities(), tz, now_ms);
        // The acknowledgement clock runs until someone acknowledges (or it is resolved).
        let waiting = i.acknowledged_at_ms.is_none() && i.first_resolved_at_ms().is_none();
        let ack = c.respond.filter(|_| waiting).map(|r| Countdown::Ack { incident: i.id, remaining_ms: r.remaining_ms });
        let update = c.next_update.map(|u| Countdown::Update { incident: i.id, remaining_ms: u.remaining_ms });
        ack.into_iter().chain(update)
    });
    proposals.chain(incidents).min_by_key(Countdown::remaining_ms)
}
