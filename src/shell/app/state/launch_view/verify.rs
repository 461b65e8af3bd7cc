//! Checklist items verified by a check (`verify = "api"`): when the check
//! holds (OK or acceptable), this console ticks the item for the room with
//! the evidence — the value, its state and the time — on the timeline.
//!
//! Every console that is not read-only does this, so an item is ticked even
//! when only one console is open; when two see the check hold together both
//! append, the first tick wins the fold and the second changes nothing.

use super::LaunchView;
use crate::adapters::journal::Body;
use crate::shell::app::state::effect::Effect;
use crate::shell::ui::format;
use opsdeck_core::launch::{ItemStatus, Progress};
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::Row;

impl LaunchView {
    /// Ticks the open items whose verifying check (among `rows`) holds now
    /// (a read-only console does not call this).
    pub fn verify_items(&mut self, rows: &[Row], progress: &Progress, now_ms: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let due: Vec<(String, String, String)> = self
            .defs
            .items()
            .filter_map(|item| item.verify.as_ref().map(|check| (item.id.clone(), item.text.clone(), check.clone())))
            .filter(|(id, _, _)| !self.verifying.contains(id) && progress.item(id).status == ItemStatus::Open)
            .collect();
        for (item, text, check) in due {
            let Some(row) = rows.iter().find(|r| r.id == check) else { continue };
            let health = row.health();
            if !matches!(health, Health::Ok | Health::Acceptable) {
                continue;
            }
            let value = row.eval.last_value().map(|v| format!("{} ", format::value(v, row.unit))).unwrap_or_default();
            let at = row.eval.last_sample_at().unwrap_or(now_ms);
            let evidence = format!("{check} {value}{} at {} UTC", health.label(), opsdeck_core::format::utc(at));
            self.verifying.insert(item.clone());
            effects.push(Effect::Append(Body::ChecklistTicked { item, text, evidence: Some(evidence) }));
        }
        effects
    }
}
