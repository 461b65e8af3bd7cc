//! Rollback keys and what comes back from the room for them.
//!
//! The guarded flow: Enter on an action opens a confirmation that says what
//! will run and where, runs the `preview` here (not claimed) and shows its
//! output; a `danger = "high"` or `confirm = "type"` action, or one whose
//! last run was abandoned, needs its id typed. Confirming appends a claim
//! on the action's lock; the command runs only when this console's claim
//! comes back holding (see [`opsdeck_core::launch::runs`]), so two consoles
//! pressing at once get one run and the other is told who runs it. A
//! `two_person` action first records a request and runs once another
//! person approves it. After a successful run, `verify` is claimed and run
//! the same way.
//!
//! Triggers: [`State::tick_triggers`] evaluates them on the clock, records
//! a firing (and a proposal) once per trigger across the room (see
//! [`opsdeck_core::rollback`]), and decides an `auto` proposal's countdown on the
//! console that recorded it. A `run` decision is acted on only once it
//! comes back from the room as the decision that counts, so a veto that
//! reached the room first wins.

use super::form::{Field, Form};
use super::launch_actions::LEASE_MS;
use super::purpose::FormPurpose;
pub use super::purpose::RollbackForm;
use super::state::{Effect, Overlay, PendingClaim, StartRun, State};
use crate::adapters::journal::{Body, Event, Subject, Verdict, event::fresh_key};
use crate::shell::action::Action;
use crate::shell::ui::format::clock;
use opsdeck_core::config::sections::{ConfirmMode, Danger, Rollback};
use opsdeck_core::trigger::{Proposal, Status};

/// The label of the typed-confirmation field.
pub const TYPE_ID: &str = "Type the action id";

/// How many lines of a preview's output the confirmation shows.
const PREVIEW_LINES: usize = 8;

/// The lock of an action: `lock`, else `rollback:<id>`.
pub fn lock_of(def: &Rollback) -> String {
    def.lock.clone().unwrap_or_else(|| format!("rollback:{}", def.id))
}

impl State {
    /// Why a run of `def` needs a second person, if it does: the action's
    /// own `two_person`, or an open incident whose severity asks for it.
    pub fn two_person_rule(&self, def: &opsdeck_core::config::sections::Rollback) -> Option<String> {
        if def.two_person {
            return Some("two-person rule".into());
        }
        let strict: Vec<&str> = self.room.severities.iter().filter(|s| s.two_person).map(|s| s.id.as_str()).collect();
        self.room
            .incidents
            .list(&self.room.severities)
            .find(|i| i.is_open() && strict.contains(&i.severity.as_str()))
            .map(|i| format!("two-person rule while {} incident #{} is open", i.severity, i.id))
    }

    /// The action under the cursor of the rollback pane.
    pub fn selected_rollback(&self) -> Option<&Rollback> {
        self.rollback_defs.get(self.rollback_selected)
    }

    pub fn rollback_def(&self, id: &str) -> Option<&Rollback> {
        self.rollback_defs.iter().find(|r| r.id == id)
    }

    /// Why the action cannot be started now: a live run, or a claim of ours on its way.
    fn busy(&self, def: &Rollback) -> Option<String> {
        let lock = lock_of(def);
        if let Some(c) = self.progress.runs.active(&lock)
            && !c.is_abandoned(self.now_ms)
        {
            return Some(format!("{} is running {} since {}", c.actor, def.id, clock(c.claimed_at_ms, &self.tz)));
        }
        let mine = self.claims.values().any(|p| matches!(&p.subject, Subject::Rollback { action } if *action == def.id));
        if mine {
            return Some(format!("{} is already claimed here; waiting for the room", def.id));
        }
        if let Some(q) = self.rollbacks.waiting_request(&def.id) {
            return Some(if q.by == self.room.actor {
                format!("waiting for a second person to approve (asked at {})", clock(q.at_ms, &self.tz))
            } else {
                format!("{} asked to run it at {}: {} approves", q.by, clock(q.at_ms, &self.tz), Action::RollbackApprove.key())
            });
        }
        None
    }

    /// The last run of this action was abandoned: its real state is unknown.
    pub fn rollback_abandoned(&self, def: &Rollback) -> bool {
        self.progress.runs.active(&lock_of(def)).is_some_and(|c| c.is_abandoned(self.now_ms))
    }

    /// Run, veto, approve or cancel the selected action.
    pub fn rollback_action(&mut self, action: Action) -> Vec<Effect> {
        let Some(def) = self.selected_rollback().cloned() else {
            self.error("the plan has no rollback");
            return Vec::new();
        };
        match action {
            Action::RollbackRun => self.open_rollback_form(&def),
            Action::RollbackVeto => {
                let Some(seq) = self.rollbacks.open_proposal(&def.id).map(|p| p.seq) else {
                    self.error(format!("nothing proposes {} now", def.id));
                    return Vec::new();
                };
                self.say("vetoing…");
                vec![Effect::Append(Body::RollbackDecided {
                    proposal: seq,
                    rollback: def.id.clone(),
                    verdict: Verdict::Vetoed,
                    no_answer: false,
                })]
            }
            Action::RollbackApprove => match self.rollbacks.waiting_request(&def.id).cloned() {
                None => {
                    self.error(format!("nobody is asking to run {}", def.id));
                    Vec::new()
                }
                Some(q) if q.by.name == self.room.actor.name => {
                    self.error("a different person must approve your request");
                    Vec::new()
                }
                Some(q) => {
                    self.say("approving…");
                    vec![Effect::Append(Body::RollbackApproved { request: q.request.clone(), action: def.id.clone() })]
                }
            },
            Action::RollbackCancel => {
                let run = self.progress.runs.active(&lock_of(&def)).map(|c| c.run.clone());
                match run {
                    Some(run) if self.live.contains_key(&run) => {
                        self.say("cancelling: killing the rollback's processes…");
                        vec![Effect::CancelRun(run)]
                    }
                    Some(_) => {
                        self.error("another console runs it; only that console can cancel it");
                        Vec::new()
                    }
                    None => {
                        self.error("nothing is running here");
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// The confirmation: what runs, where, the preview, and a typed id when needed.
    fn open_rollback_form(&mut self, def: &Rollback) -> Vec<Effect> {
        if let Some(why) = self.busy(def) {
            self.error(why);
            return Vec::new();
        }
        let abandoned = self.rollback_abandoned(def);
        let typed = abandoned || def.danger == Danger::High || def.confirm == ConfirmMode::Type;
        let fields = if typed { vec![Field::text(TYPE_ID)] } else { Vec::new() };
        let mut form = Form::new(
            format!("Roll back: {}", def.title.as_deref().unwrap_or(&def.id)),
            FormPurpose::Rollback(RollbackForm::Run { action: def.id.clone() }),
            fields,
        );
        for line in def.run.lines().take(4) {
            form.notes.push(format!("$ {line}"));
        }
        let cwd = def.cwd.as_ref().map_or_else(|| "the console's directory".to_string(), |c| c.display().to_string());
        let danger = match def.danger {
            Danger::Low => "low",
            Danger::Medium => "medium",
            Danger::High => "HIGH",
        };
        form.notes.push(format!("on {} in {cwd} · danger {danger} · lock {}", self.room.actor.host, lock_of(def)));
        if let Some(p) = self.rollbacks.open_proposal(&def.id) {
            form.notes.push(format!("proposed by trigger {}: {}", p.trigger, p.reason));
        }
        if let Some(why) = self.two_person_rule(def) {
            form.notes.push(format!("{why}: it runs once another person approves"));
        }
        let mut effects = Vec::new();
        if let Some(preview) = &def.preview {
            form.notes.push(format!("preview `{}`: running…", first_line(preview)));
            self.previewing = Some(def.id.clone());
            effects.push(Effect::Preview(StartRun {
                run: def.id.clone(),
                script: preview.clone(),
                env: def.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                cwd: def.cwd.clone(),
                timeout: def.timeout.get().min(std::time::Duration::from_secs(30)),
                lease_ms: LEASE_MS,
            }));
        }
        if abandoned {
            form.error = Some("its last run was abandoned: that console went quiet and the command's real state is unknown".into());
        }
        let (submit, cancel) = (Action::Submit.key(), Action::Cancel.key());
        let how = if typed { format!("type {} and {submit} runs it", def.id) } else { format!("{submit} runs it") };
        form.confirm = Some(format!("{how}; {cancel} does not"));
        self.overlay = Overlay::Form(form);
        effects
    }

    /// The preview of `action` ended here: its output goes into the open confirmation.
    pub fn preview_done(&mut self, action: &str, ok: bool, output: &str) {
        if self.previewing.as_deref() == Some(action) {
            self.previewing = None;
        }
        let Overlay::Form(form) = &mut self.overlay else { return };
        if form.purpose != FormPurpose::Rollback(RollbackForm::Run { action: action.to_string() }) {
            return;
        }
        form.notes.retain(|n| !n.ends_with(": running…"));
        let lines: Vec<&str> = output.lines().collect();
        let from = lines.len().saturating_sub(PREVIEW_LINES);
        form.notes.push(if ok { "preview:".to_string() } else { "preview FAILED:".to_string() });
        form.notes.extend(lines[from..].iter().map(|l| format!("  {l}")));
        if lines.is_empty() {
            form.notes.push("  (no output)".into());
        }
    }

    /// Enter in a rollback form.
    pub fn submit_rollback_form(&mut self, purpose: RollbackForm) -> Vec<Effect> {
        let RollbackForm::Run { action } = purpose;
        let Some(def) = self.rollback_def(&action).cloned() else { return Vec::new() };
        let busy = self.busy(&def);
        let previewing = self.previewing.as_deref() == Some(def.id.as_str());
        let Overlay::Form(form) = &mut self.overlay else { return Vec::new() };
        if form.fields.iter().any(|f| f.label == TYPE_ID) && form.get(TYPE_ID) != def.id {
            form.error = Some(format!("type {} to run it", def.id));
            return Vec::new();
        }
        if previewing {
            form.error = Some("the preview is still running: read it before confirming".into());
            return Vec::new();
        }
        if let Some(why) = busy {
            form.error = Some(why);
            return Vec::new();
        }
        self.overlay = Overlay::None;
        if self.two_person_rule(&def).is_some() {
            let request = fresh_key()[..12].to_string();
            self.my_requests.insert(request.clone(), def.id.clone());
            self.say(format!("asked the room: {} runs once another person approves (a)", def.id));
            return vec![Effect::Append(Body::RollbackRequested { request, action: def.id })];
        }
        if let Some(seq) = self.rollbacks.open_proposal(&def.id).map(|p| p.seq) {
            // Run only once this decision counts: a veto that reached the room first wins.
            self.my_decisions.insert(seq, def.id.clone());
            self.say(format!("confirming {}…", def.id));
            return vec![Effect::Append(Body::RollbackDecided {
                proposal: seq,
                rollback: def.id,
                verdict: Verdict::Run,
                no_answer: false,
            })];
        }
        self.claim_rollback(&def, false)
    }

    /// Appends a claim on the action's lock (or its verify lock).
    fn claim_rollback(&mut self, def: &Rollback, verify: bool) -> Vec<Effect> {
        if !self.room.store.online {
            self.error("the store is offline: a rollback runs only once the room grants its lock");
            return Vec::new();
        }
        let run = fresh_key()[..12].to_string();
        let (subject, lock) = if verify {
            (Subject::Verify { action: def.id.clone() }, format!("{}:verify", lock_of(def)))
        } else {
            (Subject::Rollback { action: def.id.clone() }, lock_of(def))
        };
        self.claims.insert(run.clone(), PendingClaim { subject: subject.clone(), asked_ms: self.now_ms });
        self.say(format!("claiming {}{}…", def.id, if verify { " (verify)" } else { "" }));
        let title = def.title.clone().unwrap_or_else(|| def.id.clone());
        let title = if verify { format!("verify {title}") } else { title };
        vec![Effect::Append(Body::RunClaimed { run, lock, subject, lease_ms: LEASE_MS, title })]
    }

    /// This console's claim of a rollback (or its verify) holds: what to run.
    pub(crate) fn rollback_start(&mut self, run: &str, action: &str, verify: bool) -> Result<StartRun, String> {
        let def = self.rollback_def(action).cloned().ok_or_else(|| format!("the plan no longer has rollback {action}"))?;
        let script = if verify { def.verify.clone().ok_or("this rollback has no verify command")? } else { def.run.clone() };
        if !verify {
            self.rollback_runs.insert(run.to_string(), def.id.clone());
        }
        self.say(format!("running {}{}…", def.id, if verify { " (verify)" } else { "" }));
        Ok(StartRun {
            run: run.to_string(),
            script,
            env: def.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            cwd: def.cwd.clone(),
            timeout: def.timeout.get(),
            lease_ms: LEASE_MS,
        })
    }

    /// What an event from the room sets off here: an approval of our
    /// request, our `run` decision counting (or not), a decided countdown
    /// of ours, and the verify after our successful run.
    pub(crate) fn rollback_event(&mut self, event: &Event) -> Vec<Effect> {
        let Some(body) = event.body().cloned() else { return Vec::new() };
        match body {
            Body::RollbackApproved { request, .. } => {
                let approved = self.rollbacks.request(&request).and_then(|q| q.approved.clone());
                let Some((by, _)) = approved else { return Vec::new() };
                let Some(action) = self.my_requests.remove(&request) else { return Vec::new() };
                let Some(def) = self.rollback_def(&action).cloned() else { return Vec::new() };
                let mut effects = Vec::new();
                if let Some(p) = self.rollbacks.open_proposal(&action) {
                    effects.push(Effect::Append(Body::RollbackDecided {
                        proposal: p.seq,
                        rollback: action.clone(),
                        verdict: Verdict::Run,
                        no_answer: false,
                    }));
                }
                effects.extend(self.claim_rollback(&def, false));
                self.say(format!("{} approved by {}: claiming it", action, by.name));
                effects
            }
            Body::RollbackDecided { proposal, verdict: Verdict::Run, no_answer, .. } => {
                let Some(p) = self.rollbacks.proposal(proposal).cloned() else { return Vec::new() };
                let counts = p.decision_seq == Some(event.seq);
                let mine = if no_answer {
                    p.console == self.console && event.actor == self.room.actor
                } else {
                    event.actor == self.room.actor && self.my_decisions.remove(&proposal).is_some()
                };
                if !mine {
                    return Vec::new();
                }
                if !counts {
                    let who = p.decided.as_ref().map_or_else(|| "someone".into(), |(_, a, _, _)| a.to_string());
                    self.error(format!("not run: {who} decided on this proposal first"));
                    return Vec::new();
                }
                match self.rollback_def(&p.rollback).cloned() {
                    Some(def) => self.claim_rollback(&def, false),
                    None => Vec::new(),
                }
            }
            Body::RunFinished { run, outcome, .. } => {
                let Some(action) = self.rollback_runs.remove(&run) else { return Vec::new() };
                let def = self.rollback_def(&action).cloned();
                match def {
                    Some(def) if outcome.is_success() && def.verify.is_some() => self.claim_rollback(&def, true),
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// The clock: evaluate the triggers, record a firing (and its proposal)
    /// the room does not have yet, and decide our proposals whose countdown ran out.
    pub fn tick_triggers(&mut self) -> Vec<Effect> {
        let now = self.now_ms;
        let reports = self.triggers.evaluate(now);
        let may_write = !self.room.read_only && self.room.store.online;
        let mut effects = Vec::new();
        for report in &reports {
            let Status::Firing(f) = &report.status else { continue };
            tracing::info!(trigger = f.trigger, "trigger fired: {}", f.reason);
            let Some(rule) = self.triggers.rules().iter().find(|r| r.id == f.trigger) else { continue };
            let window = rule.cooldown_ms.max(opsdeck_core::rollback::DEDUPE_MS);
            let recorded = self.rollbacks.last_fired(&f.trigger).is_some_and(|x| now - x.at_ms < window);
            if !may_write || recorded {
                continue;
            }
            let mode = match f.mode {
                opsdeck_core::config::sections::TriggerMode::Advise => "advise",
                opsdeck_core::config::sections::TriggerMode::Confirm => "confirm",
                opsdeck_core::config::sections::TriggerMode::Auto => "auto",
            };
            effects.push(Effect::Append(Body::TriggerFired {
                trigger: f.trigger.clone(),
                reason: f.reason.clone(),
                mode: mode.into(),
                rollback: f.rollback.clone(),
                frozen: f.frozen.clone(),
            }));
            if let Some(p) = Proposal::from_firing(f, rule) {
                let on_no_answer = match p.on_no_answer {
                    opsdeck_core::config::sections::OnNoAnswer::Run => "run",
                    opsdeck_core::config::sections::OnNoAnswer::Cancel => "cancel",
                };
                effects.push(Effect::Append(Body::RollbackProposed {
                    trigger: p.trigger,
                    rollback: p.rollback,
                    reason: p.reason,
                    deadline_ms: p.deadline_ms,
                    on_no_answer: on_no_answer.into(),
                    console: self.console.clone(),
                }));
            }
        }
        self.trigger_reports = reports;
        if may_write {
            let due: Vec<_> = self
                .rollbacks
                .proposals
                .iter()
                .filter(|p| p.console == self.console && p.remaining_ms(now) == Some(0) && !self.deadlines_decided.contains(&p.seq))
                .map(|p| (p.seq, p.rollback.clone(), p.on_no_answer == "cancel"))
                .collect();
            for (seq, rollback, cancel) in due {
                self.deadlines_decided.insert(seq);
                let verdict = if cancel { Verdict::Cancelled } else { Verdict::Run };
                effects.push(Effect::Append(Body::RollbackDecided { proposal: seq, rollback, verdict, no_answer: true }));
            }
        }
        effects
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
