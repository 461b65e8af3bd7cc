//! Checklist and runbook keys: what each asks for (an event, or a form for
//! a reason or a confirmation), and the claims this console is waiting on.
//!
//! A runnable step is never run straight from a key: the key appends a
//! claim, and the run starts only when that claim comes back from the store
//! and holds the step's lock (see [`opsdeck_core::launch::runs`]). Two consoles
//! pressing at once get one run; the other is told who is running it.

use super::form::{Field, Form};
pub use super::purpose::LaunchForm;
use super::state::{Effect, Overlay, PendingClaim, StartRun, State};
use crate::adapters::journal::{Body, Event, Outcome, Subject, event::fresh_key};
use crate::shell::action::Action;
use crate::shell::ui::format::clock;
use opsdeck_core::launch::{ItemDef, ItemStatus, RunbookDef, StepDef, StepStatus};

/// How long a claim's lease lasts without renewal; the running console
/// renews it every third of this.
pub const LEASE_MS: i64 = 30_000;
/// A claim that took longer than this to reach the room (the store was
/// away) is not run: the moment to run it has passed.
pub(crate) const CLAIM_TOO_LATE_MS: i64 = 15_000;

/// An item of the checklist pane: checklist, phase and item positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    pub checklist: usize,
    pub phase: usize,
    pub item: usize,
}

impl State {
    /// Items the checklist pane lists, filtered by the `/` text (matched
    /// against the item, its phase, its state and who is on it).
    pub fn visible_items(&self) -> Vec<ItemRef> {
        let needle = self.filter.to_lowercase();
        let mut out = Vec::new();
        for (c, list) in self.launch.checklists.iter().enumerate() {
            for (p, phase) in list.phases.iter().enumerate() {
                for (i, item) in phase.items.iter().enumerate() {
                    if needle.is_empty() || self.item_matches(item, &phase.title, &needle) {
                        out.push(ItemRef { checklist: c, phase: p, item: i });
                    }
                }
            }
        }
        out
    }

    fn item_matches(&self, item: &ItemDef, phase: &str, needle: &str) -> bool {
        let s = self.progress.item(&item.id);
        let status = match s.status {
            ItemStatus::Open if s.claimed.is_some() => "claimed",
            ItemStatus::Open => "open",
            ItemStatus::Done => "done",
            ItemStatus::Skipped => "skipped",
        };
        let who = s.by.as_ref().or(s.claimed.as_ref()).map(|(a, _)| a.name.as_str()).unwrap_or("");
        [item.text.as_str(), phase, status, who].iter().any(|t| t.to_lowercase().contains(needle))
    }

    pub fn item_at(&self, r: ItemRef) -> Option<&ItemDef> {
        self.launch.checklists.get(r.checklist)?.phases.get(r.phase)?.items.get(r.item)
    }

    /// The item under the cursor.
    pub fn selected_item(&self) -> Option<&ItemDef> {
        self.visible_items().get(self.item_selected).and_then(|r| self.item_at(*r))
    }

    /// Tick, claim, skip or undo the selected item.
    pub fn checklist_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(item) = self.selected_item().cloned() else {
            self.error("no item selected");
            return Vec::new();
        };
        if self.room.pending.item(&item.id).is_some() {
            self.error("a change to this item is queued here: it reaches the room when the store is back");
            return Vec::new();
        }
        let state = self.progress.item(&item.id);
        let by = |s: &Option<(crate::adapters::journal::Actor, i64)>| {
            s.as_ref().map(|(a, at)| format!("{} at {}", a.name, clock(*at, &self.tz))).unwrap_or_default()
        };
        let body = match (action, state.status) {
            (Action::ItemTick, ItemStatus::Open) => Body::ChecklistTicked { item: item.id, text: item.text, evidence: None },
            (Action::ItemTick | Action::ItemSkip, ItemStatus::Done) => {
                self.error(format!("already done by {}; {} reopens it", by(&state.by), Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemTick | Action::ItemSkip, ItemStatus::Skipped) => {
                self.error(format!("skipped by {}; {} reopens it", by(&state.by), Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemClaim, ItemStatus::Open) => {
                if state.claimed.as_ref().is_some_and(|(a, _)| *a == self.room.actor) {
                    self.error("you are already on this item");
                    return Vec::new();
                }
                Body::ChecklistClaimed { item: item.id, text: item.text }
            }
            (Action::ItemClaim, _) => {
                self.error(format!("this item is not open; {} reopens it", Action::ItemUndo.key()));
                return Vec::new();
            }
            (Action::ItemSkip, ItemStatus::Open) => {
                let form = Form::new(format!("Skip: {}", item.text), LaunchForm::SkipItem(item.id), vec![Field::text("Reason")]);
                self.open_launch_form(form);
                return Vec::new();
            }
            (Action::ItemUndo, ItemStatus::Open) if state.claimed.is_none() => {
                self.error("nothing to undo: the item is open");
                return Vec::new();
            }
            (Action::ItemUndo, _) => Body::ChecklistUndone { item: item.id, text: item.text },
            _ => return Vec::new(),
        };
        self.say("saving…");
        vec![Effect::Append(body)]
    }

    /// Done, skipped and total items over every checklist.
    pub fn launch_tally(&self) -> opsdeck_core::launch::Tally {
        let mut t = opsdeck_core::launch::Tally::default();
        for item in self.launch.items() {
            t.add(self.progress.item(&item.id).status);
        }
        t
    }

    pub fn current_runbook(&self) -> Option<&RunbookDef> {
        self.launch.runbooks.get(self.runbook_at)
    }

    /// The first step of a runbook that is neither done nor skipped.
    pub fn next_step(&self, book: &RunbookDef) -> Option<usize> {
        book.steps.iter().position(|s| !matches!(self.progress.step(&book.id, &s.id).status, StepStatus::Done | StepStatus::Skipped))
    }

    pub fn switch_runbook(&mut self, forward: bool) {
        let n = self.launch.runbooks.len();
        if n == 0 {
            self.error("the plan has no runbook");
            return;
        }
        self.runbook_touched = false;
        self.runbook_at = if forward { (self.runbook_at + 1) % n } else { (self.runbook_at + n - 1) % n };
        self.step_selected = self.current_runbook().and_then(|b| self.next_step(b)).unwrap_or(0);
        self.focus_pane(crate::shell::app::state::Pane::Runbook);
    }

    /// Run, cancel or skip the selected step; abort or restart the runbook.
    pub fn runbook_action(&mut self, action: Action) -> Vec<Effect> {
        self.runbook_touched = true;
        let Some(book) = self.current_runbook().cloned() else {
            self.error("the plan has no runbook");
            return Vec::new();
        };
        match action {
            Action::RunbookAbort => {
                let form = Form::new(format!("Abort {}", book.title), LaunchForm::Abort(book.id), vec![Field::text("Reason")]);
                self.open_launch_form(form);
                return Vec::new();
            }
            Action::RunbookRestart => {
                if let Some(step) =
                    book.steps.iter().find(|s| matches!(self.progress.step(&book.id, &s.id).status, StepStatus::Running { .. }))
                {
                    self.error(format!("“{}” is running; cancel it before starting over", step.title));
                    return Vec::new();
                }
                let mut form = Form::new(format!("Start {} over", book.title), LaunchForm::Restart(book.id), Vec::new());
                form.confirm = Some(format!(
                    "Every step goes back to pending for the whole room. {} starts over, {} keeps the progress.",
                    Action::Submit.key(),
                    Action::Cancel.key()
                ));
                self.open_launch_form(form);
                return Vec::new();
            }
            _ => {}
        }
        let Some(step) = book.steps.get(self.step_selected).cloned() else {
            self.error("this runbook has no steps");
            return Vec::new();
        };
        let state = self.progress.step(&book.id, &step.id);
        if action == Action::StepCancel {
            return match state.status {
                StepStatus::Running { run } if self.live.contains_key(&run) => {
                    self.say("cancelling: killing the step's processes…");
                    vec![Effect::CancelRun(run)]
                }
                StepStatus::Running { run } => {
                    let who = self.progress.runs.get(&run).map_or_else(|| "another console".into(), |c| c.actor.to_string());
                    self.error(format!("{who} is running this step; only that console can cancel it"));
                    Vec::new()
                }
                _ => {
                    self.error("nothing is running here");
                    Vec::new()
                }
            };
        }
        if let Some((actor, _, reason)) = self.progress.aborted(&book.id) {
            self.error(format!("{} aborted this runbook: {reason}; {} starts it over", actor.name, Action::RunbookRestart.key()));
            return Vec::new();
        }
        let next = self.next_step(&book);
        if action == Action::StepRun
            && matches!(state.status, StepStatus::Done | StepStatus::Skipped)
            && let Some(n) = next.filter(|n| *n > self.step_selected)
        {
            self.step_selected = n;
            let what = if book.steps[n].run.is_some() { "runs it" } else { "confirms it is done" };
            self.say(format!("step {} is next: {} {what}", n + 1, Action::StepRun.key()));
            return Vec::new();
        }
        if next != Some(self.step_selected) {
            let msg = match (next, &state.status) {
                (None, _) => format!("every step is done or skipped; {} starts the runbook over", Action::RunbookRestart.key()),
                (_, StepStatus::Done) => format!("step {} is done", self.step_selected + 1),
                (_, StepStatus::Skipped) => format!("step {} was skipped", self.step_selected + 1),
                (Some(n), _) => format!("step {} comes first; walk the runbook in order", n + 1),
            };
            self.error(msg);
            return Vec::new();
        }
        if let StepStatus::Running { run } = &state.status {
            let claim = self.progress.runs.get(run).cloned();
            let abandoned = claim.as_ref().is_some_and(|c| c.is_abandoned(self.now_ms));
            if !(action == Action::StepRun && abandoned) && action != Action::StepSkip {
                let who = claim.map_or_else(|| "someone".into(), |c| format!("{} since {}", c.actor, clock(c.claimed_at_ms, &self.tz)));
                self.error(format!("{who} is running this step"));
                return Vec::new();
            }
            if action == Action::StepRun {
                let mut form = Form::new(
                    format!("Run step {} again", self.step_selected + 1),
                    LaunchForm::RunStep { runbook: book.id, step: step.id },
                    vec![Field::text("Type the step number")],
                );
                form.error = Some("its last run was abandoned: that console went quiet and the command's real state is unknown".into());
                self.open_launch_form(form);
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
                self.open_launch_form(form);
                Vec::new()
            }
            Action::StepRun if step.run.is_none() => {
                self.say("saving…");
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
                self.open_launch_form(form);
                Vec::new()
            }
            Action::StepRun => self.claim_step(&book, &step),
            _ => Vec::new(),
        }
    }

    fn open_launch_form(&mut self, form: Form<LaunchForm>) {
        let Form { title, purpose, fields, focus, error, confirm, notes } = form;
        self.overlay =
            Overlay::Form(Form { title, purpose: super::purpose::FormPurpose::Launch(purpose), fields, focus, error, confirm, notes });
    }

    /// Appends a claim for the step; the run starts when it comes back holding.
    fn claim_step(&mut self, book: &RunbookDef, step: &StepDef) -> Vec<Effect> {
        if !self.room.store.online {
            self.error("the store is offline: a step runs only once the room grants its lock");
            return Vec::new();
        }
        let run = fresh_key()[..12].to_string();
        let subject = Subject::Step { runbook: book.id.clone(), step: step.id.clone() };
        self.claims.insert(run.clone(), PendingClaim { subject: subject.clone(), asked_ms: self.now_ms });
        self.say(format!("claiming step “{}”…", step.title));
        vec![Effect::Append(Body::RunClaimed { run, lock: book.lock(step), subject, lease_ms: LEASE_MS, title: step.title.clone() })]
    }

    /// Enter in a checklist or runbook form.
    pub fn submit_launch_form(&mut self, purpose: LaunchForm) -> Vec<Effect> {
        let Overlay::Form(form) = &mut self.overlay else { return Vec::new() };
        let reason = form.get("Reason");
        let needs_reason = matches!(purpose, LaunchForm::SkipItem(_) | LaunchForm::SkipStep { .. } | LaunchForm::Abort(_));
        if needs_reason && reason.is_empty() {
            form.error = Some("a reason is needed: the room will read it".into());
            return Vec::new();
        }
        let body = match purpose {
            LaunchForm::SkipItem(item) => {
                let text = self.launch.item(&item).map(|i| i.text.clone()).unwrap_or_default();
                Body::ChecklistSkipped { item, text, reason }
            }
            LaunchForm::SkipStep { runbook, step } => {
                let title = self.launch.runbook(&runbook).and_then(|b| b.step(&step)).map(|(_, s)| s.title.clone()).unwrap_or_default();
                Body::StepSkipped { runbook, step, title, reason }
            }
            LaunchForm::Abort(runbook) => Body::RunbookAborted { runbook, reason },
            LaunchForm::Restart(runbook) => Body::RunbookRestarted { runbook },
            LaunchForm::RunStep { runbook, step } => {
                let typed = form.get("Type the step number");
                let Some(book) = self.launch.runbook(&runbook).cloned() else { return Vec::new() };
                let Some((index, def)) = book.step(&step).map(|(i, s)| (i, s.clone())) else { return Vec::new() };
                if form.fields.iter().any(|f| f.label == "Type the step number") && typed != (index + 1).to_string() {
                    form.error = Some(format!("type {} to run it again", index + 1));
                    return Vec::new();
                }
                self.overlay = Overlay::None;
                return self.claim_step(&book, &def);
            }
        };
        self.overlay = Overlay::None;
        self.say("saving…");
        vec![Effect::Append(body)]
    }

    /// What an event from the store sets off here: this console's claim
    /// coming back (run it, or say who holds the lock), and the cursor
    /// following the runbook as steps finish.
    pub(crate) fn launch_event(&mut self, event: &Event) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(body) = event.body() else { return effects };
        match &body {
            Body::RunClaimed { run, .. } => {
                if let Some(pending) = self.claims.remove(run) {
                    effects.extend(self.claim_came_back(run, pending, event.at_ms));
                }
            }
            // After a run the cursor stays, so its output stays in view; Enter moves on.
            Body::RunFinished { run, .. } => {
                self.live.remove(run);
                self.retell_lost_claim(run);
            }
            Body::StepConfirmed { .. } | Body::StepSkipped { .. } => self.follow_runbook(false),
            Body::RunbookRestarted { .. } => self.follow_runbook(true),
            _ => {}
        }
        if let Some(book) = self.current_runbook() {
            let next = self.next_step(book);
            if !self.runbook_touched {
                // Until the user moves, the cursor sits on where the room is.
                self.step_selected = next.unwrap_or(book.steps.len().saturating_sub(1));
            }
            self.next_step_before_follow = next;
        }
        effects
    }

    /// Moves the cursor on when the step it was on (the next one) is done.
    fn follow_runbook(&mut self, restarted: bool) {
        if let Some(book) = self.current_runbook() {
            let next = self.next_step(book);
            if restarted || self.next_step_before_follow == Some(self.step_selected) {
                self.step_selected = next.unwrap_or(self.step_selected);
            }
        }
    }

    /// Why this console's lost claim did not run: who runs it now, or, once
    /// the claim it lost to has ended, who claimed it first and how that
    /// ended (never naming an ended claim as running).
    pub(crate) fn lost_message(&self, claim: &opsdeck_core::launch::Claim) -> String {
        let what = match &claim.subject {
            Subject::Rollback { action } | Subject::Verify { action } => action.clone(),
            Subject::Step { .. } => "it".into(),
        };
        let first = claim.lost_to.as_deref().and_then(|r| self.progress.runs.get(r));
        match first {
            Some(h) if h.is_active() => format!("not run: {} is running {what} since {}", h.actor, clock(h.claimed_at_ms, &self.tz)),
            Some(h) => match &h.finish {
                Some(f) if f.outcome == Outcome::NotStarted => {
                    format!(
                        "not run: {} claimed {what} first, but that claim was not started ({}); nothing runs now",
                        h.actor,
                        clock(f.at_ms, &self.tz)
                    )
                }
                Some(f) => format!("not run: {} claimed {what} first ({} at {})", h.actor, f.outcome.name(), clock(f.at_ms, &self.tz)),
                None => format!("not run: {} claimed {what} first; its console went quiet", h.actor),
            },
            None => "not run: another console holds the lock".into(),
        }
    }

    /// The claim our lost claim lost to has ended: if the status bar still
    /// names it as running, say how it ended instead.
    fn retell_lost_claim(&mut self, finished: &str) {
        let Some((mine, told)) = self.lost_claim.clone() else { return };
        let Some(claim) = self.progress.runs.get(&mine).cloned() else { return };
        if claim.lost_to.as_deref() != Some(finished) {
            return;
        }
        self.lost_claim = None;
        if self.message.as_ref().is_some_and(|m| m.text == told) {
            self.error(self.lost_message(&claim));
        }
    }

    /// This console's claim is back from the room: run it if it holds (and
    /// is not too late), else say who holds the lock.
    fn claim_came_back(&mut self, run: &str, pending: PendingClaim, _at_ms: i64) -> Vec<Effect> {
        let Some(claim) = self.progress.runs.get(run).cloned() else { return Vec::new() };
        if claim.lost {
            let text = self.lost_message(&claim);
            self.error(text.clone());
            self.lost_claim = Some((run.to_string(), text));
            return Vec::new();
        }
        let not_run = |why: String| {
            vec![Effect::Append(Body::RunFinished {
                run: run.to_string(),
                outcome: Outcome::NotStarted,
                exit_code: None,
                duration_ms: 0,
                output: why,
                truncated: false,
            })]
        };
        let late = self.now_ms - pending.asked_ms;
        if late > CLAIM_TOO_LATE_MS {
            self.error("not run: the claim reached the room too late");
            return not_run(format!("the claim reached the room {}s after it was asked for; not run", late / 1000));
        }
        let (runbook, step) = match &pending.subject {
            Subject::Step { runbook, step } => (runbook.clone(), step.clone()),
            Subject::Rollback { action } | Subject::Verify { action } => {
                let verify = matches!(pending.subject, Subject::Verify { .. });
                return match self.rollback_start(run, action, verify) {
                    Ok(start) => vec![Effect::StartRun(start)],
                    Err(why) => not_run(why),
                };
            }
        };
        let def = self.launch.runbook(&runbook).and_then(|b| b.step(&step).map(|(_, s)| (b.clone(), s.clone())));
        let Some((book, step)) = def else {
            return not_run("the plan no longer has this step".into());
        };
        let Some(script) = step.run.clone() else {
            return not_run("this step has no command".into());
        };
        self.say(format!("running “{}”…", step.title));
        vec![Effect::StartRun(StartRun {
            run: run.to_string(),
            script,
            env: book.env.clone(),
            cwd: book.cwd.clone(),
            timeout: step.timeout,
            lease_ms: LEASE_MS,
        })]
    }
}
