//! The one vocabulary of things a user can ask for. Keymaps bind keys to an
//! `Action` by name (`run = "focus.next"`), the command palette runs them by
//! name, and the app loop receives them as messages.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// How a key mention starts and ends inside a message: `{key:help}`.
pub const KEY_MENTION_OPEN: &str = "{key:";
pub const KEY_MENTION_CLOSE: &str = "}";

macro_rules! actions {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal),* $(,)?) => {
        /// Something the user asked the console to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymaps and the palette.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    /// Leave opsdeck (the terminal is restored).
    Quit => "quit",
    /// Show or hide the key help.
    Help => "help",
    /// Open the `:` command palette.
    Palette => "palette",
    /// Filter the focused pane's rows.
    Filter => "filter",
    /// Move focus to the next or previous pane.
    FocusNext => "focus.next",
    FocusPrev => "focus.prev",
    /// Move focus to the incidents pane (on a small screen, bring it back).
    FocusIncidents => "focus.incidents",
    /// Move the selection.
    Up => "cursor.up",
    Down => "cursor.down",
    Top => "cursor.top",
    Bottom => "cursor.bottom",
    PageUp => "cursor.page_up",
    PageDown => "cursor.page_down",
    /// Open the selected row's detail.
    Open => "open",
    /// Close the detail, overlay or prompt on top.
    Close => "close",
    /// Change the metrics sort order.
    SortCycle => "sort.cycle",
    /// Switch to the next theme.
    ThemeCycle => "theme.cycle",
    /// In a text prompt or form: accept, cancel, delete a character,
    /// complete (or go to the next field), go to the previous field.
    Submit => "input.submit",
    Cancel => "input.cancel",
    Backspace => "input.backspace",
    Complete => "input.complete",
    PrevField => "input.prev_field",
    /// Show or hide the room's timeline of every event.
    Timeline => "timeline",
    /// Incidents: open one, acknowledge, change severity or status, add a
    /// note, hand over a role, link a check.
    IncidentNew => "incident.new",
    IncidentAck => "incident.ack",
    IncidentSeverity => "incident.severity",
    IncidentStatus => "incident.status",
    IncidentNote => "incident.note",
    IncidentRole => "incident.role",
    IncidentLink => "incident.link",
    /// Silence the check for a while (with a reason), or lift its silence.
    CheckSilence => "check.silence",
    /// Show metrics, the launch checklist or the runbook in the main area.
    ViewMetrics => "view.metrics",
    ViewChecklist => "view.checklist",
    ViewRunbook => "view.runbook",
    /// Show the rollback actions and triggers in the main area.
    ViewRollback => "view.rollback",
    /// Checklist: tick the item, say you are on it, skip it with a reason,
    /// or undo any of those.
    ItemTick => "item.tick",
    ItemClaim => "item.claim",
    ItemSkip => "item.skip",
    ItemUndo => "item.undo",
    /// Runbook: run (or confirm) the current step, cancel its command,
    /// skip it with a reason; abort the runbook or start it over; switch
    /// between runbooks.
    StepRun => "step.run",
    StepCancel => "step.cancel",
    StepSkip => "step.skip",
    RunbookAbort => "runbook.abort",
    RunbookRestart => "runbook.restart",
    RunbookNext => "runbook.next",
    RunbookPrev => "runbook.prev",
    /// Rollback: run the selected action (preview, confirm, claim), veto
    /// its proposal, approve another person's request, cancel its run.
    RollbackRun => "rollback.run",
    RollbackVeto => "rollback.veto",
    RollbackApprove => "rollback.approve",
    RollbackCancel => "rollback.cancel",
}

impl Action {
    /// True for actions that write to the journal: a read-only console
    /// refuses them and leaves them out of its help.
    pub fn changes_the_room(self) -> bool {
        matches!(
            self,
            Action::IncidentNew
                | Action::IncidentAck
                | Action::IncidentSeverity
                | Action::IncidentStatus
                | Action::IncidentNote
                | Action::IncidentRole
                | Action::IncidentLink
                | Action::CheckSilence
                | Action::ItemTick
                | Action::ItemClaim
                | Action::ItemSkip
                | Action::ItemUndo
                | Action::StepRun
                | Action::StepCancel
                | Action::StepSkip
                | Action::RunbookAbort
                | Action::RunbookRestart
                | Action::RollbackRun
                | Action::RollbackVeto
                | Action::RollbackApprove
                | Action::RollbackCancel
        )
    }

    /// A mention of the key that runs this action, for a message or hint
    /// built where the keymap is not at hand: the text carries
    /// `{key:incident.new}` and the view replaces it with the key bound in
    /// the keymap in use (see `Keymap::fill` in the keymap module).
    pub fn key(self) -> String {
        format!("{KEY_MENTION_OPEN}{}{KEY_MENTION_CLOSE}", self.name())
    }

    /// Looks an action up by name, with the list of names in the error.
    pub fn parse(name: &str) -> Result<Action, String> {
        Action::ALL.iter().copied().find(|a| a.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            format!("unknown action `{name}`; expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Action::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Ok(*a));
            assert!(seen.insert(a.name()), "duplicate name {}", a.name());
        }
        assert!(Action::parse("rollback.nuke").unwrap_err().starts_with("unknown action `rollback.nuke`"));
    }
}
