//! When an open proposal expires: once its trigger's conditions have
//! cleared (see [`Rule::cleared`]), or once it has waited its trigger's
//! `expire_after` unanswered. The console that recorded the proposal asks
//! on its clock and records the answer as `rollback.expired`, so the room
//! decides it once. Pure.

use crate::config::TimeSpan;
use crate::event::Expiry;
use crate::trigger::engine::Rule;

use super::proposal::Proposed;

/// Why `p`, a proposal of `rule`'s trigger, expires at `now_ms`, with the
/// detail its event carries (`api recovered`, `10m`); `None` while it
/// stands, or once it is closed.
pub fn due(p: &Proposed, rule: &Rule, now_ms: i64) -> Option<(Expiry, String)> {
    if !p.is_open() || p.trigger != rule.id {
        return None;
    }
    if let Some(recovered) = rule.cleared(now_ms) {
        return Some((Expiry::Cleared, recovered));
    }
    let after = rule.expire_after_ms;
    (now_ms >= p.at_ms.saturating_add(after))
        .then(|| (Expiry::Unanswered, TimeSpan::from_millis(u64::try_from(after).unwrap_or(0)).to_string()))
}
