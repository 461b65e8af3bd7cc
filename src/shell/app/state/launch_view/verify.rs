//! Checklist items verified by a check (`verify = "api"`): when the check
//! holds (OK or acceptable), this console ticks the item for the room with
//! the evidence — the value, its state and the time — on the timeline.
//!
//! Every console that is not read-only does this, so an item is ticked even
//! when only one console is open. The room's rule decides when
//! ([`opsdeck_core::launch::verify`]): an item someone undid is ticked again
//! only after its check came to hold anew, and the tick's key is the same on
//! every console, so when several see the check hold the room stores one
//! tick. A change to the item queued here (in the offline spool, from this
//! run or an earlier one) is left to reach the room first.

use super::LaunchView;
use crate::adapters::journal::Body;
use crate::shell::app::pending::Pending;
use crate::shell::app::state::effect::Effect;
use crate::shell::ui::format;
use opsdeck_core::launch::{Progress, verify};
use opsdeck_core::metrics::board::Row;

impl LaunchView {
    /// Ticks the open items whose verifying check (among `rows`) holds now
    /// and may tick them by the room's rule (a read-only console does not
    /// call this).
    pub fn verify_items(&mut self, rows: &[Row], progress: &Progress, pending: &Pending, now_ms: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let verified = self.defs.items().filter_map(|item| item.verify.as_ref().map(|check| (item, check)));
        for (item, check) in verified {
            if pending.item(&item.id).is_some() {
                continue;
            }
            let Some(row) = rows.iter().find(|r| &r.id == check) else { continue };
            let health = row.health();
            let state = progress.item(&item.id);
            if !health.holds() || !verify::may_tick(&state, row.eval.holding_since()) {
                continue;
            }
            let key = verify::tick_key(&item.id, &state);
            if !self.asked.insert(key.clone()) {
                continue;
            }
            let value = row.eval.last_value().map(|v| format!("{} ", format::value(v, row.unit))).unwrap_or_default();
            let at = row.eval.last_sample_at().unwrap_or(now_ms);
            let evidence = format!("{check} {value}{} at {} UTC", health.label(), opsdeck_core::format::utc(at));
            let body = Body::ChecklistTicked { item: item.id.clone(), text: item.text.clone(), evidence: Some(evidence) };
            effects.push(Effect::AppendOnce { body, key });
        }
        effects
    }
}
