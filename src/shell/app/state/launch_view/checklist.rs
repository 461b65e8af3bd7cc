//! The checklist's items as the pane lists them (filtered by the `/` text),
//! the launch tally, and the checklist keys: tick, claim, skip (with a
//! reason) or undo the selected item.

use super::LaunchView;
use crate::adapters::journal::{Actor, Body};
use crate::shell::action::Action;
use crate::shell::app::form::{Field, Form};
use crate::shell::app::purpose::LaunchForm;
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::Effect;
use opsdeck_core::format::clock;
use opsdeck_core::launch::{ItemDef, ItemStatus, Progress, Tally};

/// An item of the checklist pane: checklist, phase and item positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    pub checklist: usize,
    pub phase: usize,
    pub item: usize,
}

impl LaunchView {
    /// Items the checklist pane lists, filtered by the `/` text (matched
    /// against the item, its phase, its state and who is on it).
    pub fn visible_items(&self, filter: &str, progress: &Progress) -> Vec<ItemRef> {
        let needle = filter.to_lowercase();
        let mut out = Vec::new();
        for (c, list) in self.defs.checklists.iter().enumerate() {
            for (p, phase) in list.phases.iter().enumerate() {
                for (i, item) in phase.items.iter().enumerate() {
                    if needle.is_empty() || item_matches(progress, item, &phase.title, &needle) {
                        out.push(ItemRef { checklist: c, phase: p, item: i });
                    }
                }
            }
        }
        out
    }

    pub fn item_at(&self, r: ItemRef) -> Option<&ItemDef> {
        self.defs.checklists.get(r.checklist)?.phases.get(r.phase)?.items.get(r.item)
    }

    /// The item under the cursor.
    pub fn selected_item(&self, filter: &str, progress: &Progress) -> Option<&ItemDef> {
        self.visible_items(filter, progress).get(self.item_selected).and_then(|r| self.item_at(*r))
    }

    /// Done, skipped and total items over every checklist.
    pub fn tally(&self, progress: &Progress) -> Tally {
        let mut t = Tally::default();
        for item in self.defs.items() {
            t.add(progress.item(&item.id).status);
        }
        t
    }

    /// Tick, claim, skip or undo the selected item.
    pub(super) fn checklist_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let progress = cx.progress();
        let Some(item) = self.selected_item(cx.filter(crate::shell::app::panes::Filtered::Checklist), progress).cloned() else {
            cx.error("no item selected");
            return Vec::new();
        };
        if cx.room().pending().item(&item.id).is_some() {
            cx.error("a change to this item is queued here: it reaches the room when the store is back");
            return Vec::new();
        }
        let state = progress.item(&item.id);
        let body = match (action, state.status) {
            (Action::ItemTick, ItemStatus::Open) => Body::ChecklistTicked { item: item.id, text: item.text, evidence: None },
            (Action::ItemTick | Action::ItemSkip, ItemStatus::Done) => {
                cx.error(format!("already done by {}; {} reopens it", by(&state.by, cx.tz()), Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemTick | Action::ItemSkip, ItemStatus::Skipped) => {
                cx.error(format!("skipped by {}; {} reopens it", by(&state.by, cx.tz()), Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemClaim, ItemStatus::Open) => {
                if state.claimed.as_ref().is_some_and(|(a, _)| a == cx.room().actor()) {
                    cx.error("you are already on this item");
                    return Vec::new();
                }
                Body::ChecklistClaimed { item: item.id, text: item.text }
            }
            (Action::ItemClaim, _) => {
                cx.error(format!("this item is not open; {} reopens it", Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemSkip, ItemStatus::Open) => {
                let form = Form::new(format!("Skip: {}", item.text), LaunchForm::SkipItem(item.id), vec![Field::text("Reason")]);
                open_launch_form(form, cx);
                return Vec::new();
            }
            (Action::ItemUndo, ItemStatus::Open) if state.claimed.is_none() => {
                cx.error("nothing to undo: the item is open");
                return Vec::new();
            }
            (Action::ItemUndo, _) => Body::ChecklistUndone { item: item.id, text: item.text },
            _ => return Vec::new(),
        };
        cx.say("saving…");
        vec![Effect::Append(body)]
    }
}

/// Whether an item matches the filter's `needle`: its text, its phase,
/// its state or who is on it.
fn item_matches(progress: &Progress, item: &ItemDef, phase: &str, needle: &str) -> bool {
    let s = progress.item(&item.id);
    let status = match s.status {
        ItemStatus::Open if s.claimed.is_some() => "claimed",
        ItemStatus::Open => "open",
        ItemStatus::Done => "done",
        ItemStatus::Skipped => "skipped",
    };
    let who = s.by.as_ref().or(s.claimed.as_ref()).map(|(a, _)| a.name.as_str()).unwrap_or("");
    [item.text.as_str(), phase, status, who].iter().any(|t| t.to_lowercase().contains(needle))
}

/// `alice at 14:02`: who did it and when.
fn by(s: &Option<(Actor, i64)>, tz: &jiff::tz::TimeZone) -> String {
    s.as_ref().map(|(a, at)| format!("{} at {}", a.name, clock(*at, tz))).unwrap_or_default()
}

/// Opens a checklist or runbook form.
pub(super) fn open_launch_form(form: Form<LaunchForm>, cx: &mut Cx) {
    let Form { title, purpose, fields, focus, error, confirm, notes } = form;
    let purpose = crate::shell::app::purpose::FormPurpose::Launch(purpose);
    cx.open_form(Form { title, purpose, fields, focus, error, confirm, notes });
}
