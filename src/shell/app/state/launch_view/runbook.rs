//! The runbook keys: switching runbooks; running, cancelling or skipping
//! the selected step (walked in order); aborting or restarting the
//! runbook; and the checklist and runbook forms' Enter.
//!
//! A runnable step is never run straight from a key: the key appends a
//! claim, and the run starts only when that claim comes back from the store
//! and holds the step's lock (see [`opsdeck_core::launch::runs`]). Two
//! consoles pressing at once get one run; the other is told who is running it.

use super::checklist::open_launch_form;
use super::{LaunchView, next_step};
use crate::adapters::journal::{Body, Subject, event::fresh_key};
use crate::shell::action::Action;
use crate::shell::app::form::{Field, Form};
use crate::shell::app::panes::Pane;
use crate::shell::app::purpose::LaunchForm;
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::Effect;
use crate::shell::app::state::runs_here::LEASE_MS;
use opsdeck_core::format::clock;
use opsdeck_core::launch::{RunbookDef, StepDef, StepStatus};

impl LaunchView {
    /// The next or previous runbook, its cursor on the room's next step.
    pub(super) fn switch_runbook(&mut self, forward: bool, cx: &mut Cx) {
        let n = self.defs.runbooks.len();
        if n == 0 {
            cx.error("the plan has no runbook");
            return;
        }
        self.runbook_touched = false;
        self.runbook_at = if forward { (self.runbook_at + 1) % n } else { (self.runbook_at + n - 1) % n };
        self.step_selected = self.current_runbook().and_then(|b| next_step(cx.progress(), b)).unwrap_or(0);
        cx.focus_pane(Pane::Runbook);
    }

    /// Run, cancel or skip the selected step; abort or restart the runbook.
    pub(super) fn runbook_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        self.runbook_touched = true;
        let progress = cx.progress();
        let Some(book) = self.current_runbook().cloned() else {
            cx.error("the plan has no runbook");
            return Vec::new();
        };
        match action {
            Action::RunbookAbort => {
                let form = Form::new(format!("Abort {}", book.title), LaunchForm::Abort(book.id), vec![Field::text("Reason")]);
                open_launch_form(form, cx);
                return Vec::new();
            }
            Action::RunbookRestart => {
                if let Some(step) = book.steps.iter().find(|s| matches!(progress.step(&book.id, &s.id).status, StepStatus::Running { .. }))
                {
                    cx.error(format!("“{}” is running; cancel it before starting over", step.title));
                    return Vec::new();
                }
                let mut form = Form::new(format!("Start {} over", book.title), LaunchForm::Restart(book.id), Vec::new());
                form.confirm = Some(format!(
                    "Every step goes back to pending for the whole room. {} starts over, {} keeps the progress.",
                    Action::Submit.key(),
                    Action::Cancel.key()
                ));
                open_launch_form(form, cx);
                return Vec::new();
            }
            _ => {}
        }
        let Some(step) = book.steps.get(self.step_selected).cloned() else {
            cx.error("this runbook has no steps");
            return Vec::new();
        };
        let state = progress.step(&book.id, &step.id);
        if action == Action::StepCancel {
            return match state.status {
                StepStatus::Running { run } if cx.runs().is_live(&run) => {
                    cx.say("cancelling: killing the step's processes…");
                    vec![Effect::CancelRun(run)]
                }
                StepStatus::Running { run } => {
                    let who = progress.runs.get(&run).map_or_else(|| "another console".into(), |c| c.actor.to_string());
                    cx.error(format!("{who} is running this step; only that console can cancel it"));
                    Vec::new()
                }
                _ => {
                    cx.error("nothing is running here");
                    Vec::new()
                }
            };
        }
        if let Some((actor, _, reason)) = progress.aborted(&book.id) {
            cx.error(format!("{} aborted this runbook: {reason}; {} starts it over", actor.name, Action::RunbookRestart.key()));
            return Vec::new();
        }
        let next = next_step(progress, &book);
        if action == Action::StepRun
            && matches!(state.status, StepStatus::Done | StepStatus::Skipped)
            && let Some(n) = next.filter(|n| *n > self.step_selected)
        {
            self.step_selected = n;
            let what = if book.steps[n].run.is_some() { "runs it" } else { "confirms it is done" };
            cx.say(format!("step {} is next: {} {what}", n + 1, Action::StepRun.key()));
            return Vec::new();
        }
        if next != Some(self.step_selected) {
            let msg = match (next, &state.status) {
                (None, _) => format!("every step is done or skipped; {} starts the runbook over", Action::RunbookRestart.key()),
                (_, StepStatus::Done) => format!("step {} is done", self.step_selected + 1),
                (_, StepStatus::Skipped) => format!("step {} was skipped", self.step_selected + 1),
                (Some(n), _) => format!("step {} comes first; walk the runbook in order", n + 1),
            };
            cx.error(msg);
            return Vec::new();
        }
        if let StepStatus::Running { run } = &state.status {
            let claim = progress.runs.get(run).cloned();
            let abandoned = claim.as_ref().is_some_and(|c| c.is_abandoned(cx.now_ms()));
            if !(action == Action::StepRun && abandoned) && action != Action::StepSkip {
                let who = claim.map_or_else(|| "someone".into(), |c| format!("{} since {}", c.actor, clock(c.claimed_at_ms, cx.tz())));
                cx.error(format!("{who} is running this step"));
                return Vec::new();
            }
            if action == Action::StepRun {
                let mut form = Form::new(
                    format!("Run step {} again", self.step_selected + 1),
                    LaunchForm::RunStep { runbook: book.id, step: step.id },
                    vec![Field::text("Type the step number")],
                );
                form.error = Some("its last run was abandoned: that console went quiet and the command's real state is unknown".into());
                open_launch_form(form, cx);
                return Vec::new();
            }
        }
        match action {
            Action::StepSkip => {
                let form = Form::new(
                    format!("Skip step {}: {}", self.step_selected + 1, step.title),
                    LaunchForm::SkipStep { runbook: book.id, step: step.id },
                    vec![Field::text("Reason")],
                );
                open_launch_form(form, cx);
                Vec::new()
            }
            Action::StepRun if step.run.is_none() => {
                cx.say("saving…");
                vec![Effect::Append(Body::StepConfirmed { runbook: book.id, step: step.id, title: step.title })]
            }
            Action::StepRun if step.confirm => {
                let mut form = Form::new(
                    format!("Run step {}: {}", self.step_selected + 1, step.title),
                    LaunchForm::RunStep { runbook: book.id, step: step.id },
                    Vec::new(),
                );
                let first = step.run.as_deref().unwrap_or("").lines().next().unwrap_or("").to_string();
                form.confirm = Some(format!("It runs `{first}`. {} runs it, {} does not.", Action::Submit.key(), Action::Cancel.key()));
                open_launch_form(form, cx);
                Vec::new()
            }
            Action::StepRun => claim_step(&book, &step, cx),
            _ => Vec::new(),
        }
    }

    /// Enter in a checklist or runbook form.
    pub fn submit(&mut self, purpose: LaunchForm, cx: &mut Cx) -> Vec<Effect> {
        let Some(form) = cx.form_mut() else { return Vec::new() };
        let reason = form.get("Reason");
        let needs_reason = matches!(purpose, LaunchForm::SkipItem(_) | LaunchForm::SkipStep { .. } | LaunchForm::Abort(_));
        if needs_reason && reason.is_empty() {
            form.error = Some("a reason is needed: the room will read it".into());
            return Vec::new();
        }
        let body = match purpose {
            LaunchForm::SkipItem(item) => {
                let text = self.defs.item(&item).map(|i| i.text.clone()).unwrap_or_default();
                Body::ChecklistSkipped { item, text, reason }
            }
            LaunchForm::SkipStep { runbook, step } => {
                let title = self.defs.runbook(&runbook).and_then(|b| b.step(&step)).map(|(_, s)| s.title.clone()).unwrap_or_default();
                Body::StepSkipped { runbook, step, title, reason }
            }
            LaunchForm::Abort(runbook) => Body::RunbookAborted { runbook, reason },
            LaunchForm::Restart(runbook) => Body::RunbookRestarted { runbook },
            LaunchForm::RunStep { runbook, step } => {
                let typed = form.get("Type the step number");
                let Some(book) = self.defs.runbook(&runbook) else { return Vec::new() };
                let Some((index, def)) = book.step(&step) else { return Vec::new() };
                if form.fields.iter().any(|f| f.label == "Type the step number") && typed != (index + 1).to_string() {
                    form.error = Some(format!("type {} to run it again", index + 1));
                    return Vec::new();
                }
                cx.close_overlay();
                return claim_step(book, def, cx);
            }
        };
        cx.close_overlay();
        cx.say("saving…");
        vec![Effect::Append(body)]
    }
}

/// Appends a claim for the step; the run starts when it comes back holding.
fn claim_step(book: &RunbookDef, step: &StepDef, cx: &mut Cx) -> Vec<Effect> {
    if !cx.room().store().online {
        cx.error("the store is offline: a step runs only once the room grants its lock");
        return Vec::new();
    }
    let run = fresh_key()[..12].to_string();
    let subject = Subject::Step { runbook: book.id.clone(), step: step.id.clone() };
    cx.claim(run.clone(), subject.clone());
    cx.say(format!("claiming step “{}”…", step.title));
    vec![Effect::Append(Body::RunClaimed { run, lock: book.lock(step), subject, lease_ms: LEASE_MS, title: step.title.clone() })]
}
