//! The launch view: the plan's checklists and runbooks, and where the user
//! is in them: the selected item, the runbook shown and its selected step
//! (which follows the room's next step until the user moves), and the
//! automatic ticks this console asked for. The room's progress on them is
//! the room's fold; the keys are in [`checklist`] and [`runbook`], the
//! automatic ticks in [`verify`].

mod checklist;
mod runbook;
mod verify;

use std::collections::HashSet;

use super::cx::Cx;
use super::effect::{Effect, SessionUse, StartRun};
use super::runs_here::LEASE_MS;
use crate::adapters::journal::{Body, Event};
use crate::shell::action::Action;
use crate::shell::app::panes::Pane;
use opsdeck_core::launch::{Launch, Progress, RunbookDef, StepStatus};

pub use checklist::ItemRef;

#[derive(Debug, Clone, Default)]
pub struct LaunchView {
    /// The plan's checklists and runbooks.
    defs: Launch,
    /// Selected position among the checklist's visible items.
    item_selected: usize,
    /// Which runbook the runbook pane shows, and its selected step.
    runbook_at: usize,
    step_selected: usize,
    /// Keys of the automatic ticks this console asked for (one per item and
    /// undo; see [`opsdeck_core::launch::verify`]): each is asked for once.
    asked: HashSet<String>,
    /// The runbook's next step before the last event, so the cursor can follow it.
    next_step_before_follow: Option<usize>,
    /// The user has moved in the runbook pane; before that the cursor
    /// follows the room's next step.
    runbook_touched: bool,
}

/// The first step of a runbook that is neither done nor skipped.
/// The first step neither done nor skipped; an optional step (Runme's
/// `excludeFromRunAll`) is never the next one: it runs when chosen.
pub fn next_step(progress: &Progress, book: &RunbookDef) -> Option<usize> {
    book.steps.iter().position(|s| !s.optional && !matches!(progress.step(&book.id, &s.id).status, StepStatus::Done | StepStatus::Skipped))
}

impl LaunchView {
    /// Takes the plan's checklists and runbooks.
    pub fn load(&mut self, defs: Launch, progress: &Progress) {
        self.defs = defs;
        self.next_step_before_follow = self.current_runbook().and_then(|b| next_step(progress, b));
    }

    /// The plan's checklists and runbooks.
    pub fn defs(&self) -> &Launch {
        &self.defs
    }

    /// Selected position among the checklist's visible items.
    pub fn item_selected(&self) -> usize {
        self.item_selected
    }

    /// Which runbook the runbook pane shows.
    pub fn runbook_at(&self) -> usize {
        self.runbook_at
    }

    /// The selected step of the runbook shown.
    pub fn step_selected(&self) -> usize {
        self.step_selected
    }

    pub fn current_runbook(&self) -> Option<&RunbookDef> {
        self.defs.runbooks.get(self.runbook_at)
    }

    /// The checklist's filter changed: the cursor goes to the first item.
    pub fn to_first_item(&mut self) {
        self.item_selected = 0;
    }

    /// Keeps the cursors inside what the plan has (and the filter shows).
    pub fn clamp(&mut self, filter: &str, progress: &Progress) {
        self.item_selected = self.item_selected.min(self.visible_items(filter, progress).len().saturating_sub(1));
        self.runbook_at = self.runbook_at.min(self.defs.runbooks.len().saturating_sub(1));
        let steps = self.current_runbook().map_or(0, |r| r.steps.len());
        self.step_selected = self.step_selected.min(steps.saturating_sub(1));
    }

    /// Keys of the checklist and runbook panes.
    pub fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        match action {
            Action::ItemTick | Action::ItemClaim | Action::ItemSkip | Action::ItemUndo => self.checklist_action(action, cx),
            Action::StepRun | Action::StepCancel | Action::StepSkip | Action::RunbookAbort | Action::RunbookRestart => {
                self.runbook_action(action, cx)
            }
            Action::RunbookNext | Action::RunbookPrev => {
                self.switch_runbook(action == Action::RunbookNext, cx);
                Vec::new()
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                match cx.focus() {
                    Pane::Checklist => {
                        let n = self.visible_items(cx.filter(crate::shell::app::panes::Filtered::Checklist), cx.progress()).len();
                        self.item_selected = cx.moved(action, self.item_selected, n);
                    }
                    Pane::Runbook => {
                        let n = self.current_runbook().map_or(0, |r| r.steps.len());
                        self.step_selected = cx.moved(action, self.step_selected, n);
                        self.runbook_touched = true;
                    }
                    _ => {}
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// An event the room folded: the runbook's cursor follows the room's
    /// next step as steps finish (after a run it stays, so its output stays
    /// in view; Enter moves on).
    pub fn apply(&mut self, event: &Event, cx: &mut Cx) -> Vec<Effect> {
        let Some(body) = event.body() else { return Vec::new() };
        let progress = cx.progress();
        match body {
            Body::StepConfirmed { .. } | Body::StepSkipped { .. } => self.follow_runbook(false, progress),
            Body::RunbookRestarted { .. } => self.follow_runbook(true, progress),
            // The cursor follows only these.
            Body::IncidentOpened { .. }
            | Body::IncidentAcknowledged { .. }
            | Body::IncidentSeverity { .. }
            | Body::IncidentStatus { .. }
            | Body::IncidentRole { .. }
            | Body::IncidentNote { .. }
            | Body::IncidentLink { .. }
            | Body::ChecklistTicked { .. }
            | Body::ChecklistClaimed { .. }
            | Body::ChecklistSkipped { .. }
            | Body::ChecklistUndone { .. }
            | Body::RunbookAborted { .. }
            | Body::RunClaimed { .. }
            | Body::RunRenewed { .. }
            | Body::RunFinished { .. }
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackApproved { .. }
            | Body::TriggerFired { .. }
            | Body::RollbackProposed { .. }
            | Body::RollbackDecided { .. }
            | Body::RollbackExpired { .. }
            | Body::CheckState { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => {}
        }
        if let Some(book) = self.current_runbook() {
            let next = next_step(progress, book);
            if !self.runbook_touched {
                // Until the user moves, the cursor sits on where the room is.
                self.step_selected = next.unwrap_or(book.steps.len().saturating_sub(1));
            }
            self.next_step_before_follow = next;
        }
        Vec::new()
    }

    /// Moves the cursor on when the step it was on (the next one) is done.
    fn follow_runbook(&mut self, restarted: bool, progress: &Progress) {
        if let Some(book) = self.current_runbook() {
            let next = next_step(progress, book);
            if restarted || self.next_step_before_follow == Some(self.step_selected) {
                self.step_selected = next.unwrap_or(self.step_selected);
            }
        }
    }

    /// This console's claim of a step holds: what to run (or why not).
    pub fn start_step(&self, run: &str, runbook: &str, step: &str, cx: &mut Cx) -> Result<StartRun, String> {
        let def = self.defs.runbook(runbook).and_then(|b| b.step(step).map(|(_, s)| (b, s)));
        let Some((book, step)) = def else {
            return Err("the plan no longer has this step".into());
        };
        let Some(script) = step.run.clone() else {
            return Err("this step has no command".into());
        };
        cx.say(format!("running “{}”…", step.title));
        // The runbook's first runnable step opens its session afresh.
        let fresh = book.steps.iter().find(|s| s.run.is_some()).is_some_and(|first| first.id == step.id);
        Ok(StartRun {
            run: run.to_string(),
            script,
            interpreter: step.interpreter.clone(),
            session: Some(SessionUse { runbook: book.id.clone(), fresh }),
            sql: step.sql.clone(),
            env: book.env.clone(),
            cwd: step.cwd.clone().or_else(|| book.cwd.clone()),
            timeout: step.timeout,
            lease_ms: LEASE_MS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::launch::StepDef;

    fn step(id: &str, optional: bool) -> StepDef {
        StepDef {
            id: id.into(),
            title: id.into(),
            phase: None,
            run: Some("true".into()),
            confirm: false,
            timeout: std::time::Duration::from_secs(5),
            rollback: false,
            details: Vec::new(),
            interpreter: Vec::new(),
            cwd: None,
            optional,
            sql: None,
        }
    }

    #[test]
    fn an_optional_step_is_never_next() {
        let book = RunbookDef {
            id: "b".into(),
            title: "B".into(),
            steps: vec![step("look", true), step("act", false), step("extra", true)],
            env: Vec::new(),
            cwd: None,
        };
        let progress = Progress::default();
        assert_eq!(next_step(&progress, &book), Some(1));
        let only_optional = RunbookDef { steps: vec![step("look", true)], ..book };
        assert_eq!(next_step(&progress, &only_optional), None, "nothing left that must be done");
    }
}
