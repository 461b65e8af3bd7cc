//! The rollback view: the plan's rollback actions (and the runbook steps
//! marked as rollbacks) with the selected one; the room's requests,
//! firings and proposals (see [`opsdeck_core::rollback`]); the triggers and
//! their last reports; and this console's own business with them — the
//! rollback runs it started, the requests and `run` decisions it is waiting
//! on, the countdowns it decided, the preview it runs.
//!
//! What the room sends back is handled here ([`RollbackView::apply`]): an
//! approval of our request, our `run` decision counting (or not), and the
//! verify after our successful run. A `run` decision is acted on only once
//! it comes back from the room as the decision that counts, so a veto that
//! reached the room first wins (and so does an expiry or a freeze, which
//! close a proposal too). A request of ours that the room withdraws (its
//! proposal closed first) is dropped, with why. The keys and the guarded
//! confirmation are in [`confirm`]; the triggers' clock (firings, expiries,
//! countdowns) in [`triggers`].

mod confirm;
mod triggers;

use std::collections::{HashMap, HashSet};

use super::cx::Cx;
use super::effect::{Effect, StartRun};
use super::runs_here::LEASE_MS;
use crate::adapters::journal::{Body, Event, Subject, Verdict, event::fresh_key};
use crate::shell::action::Action;
use crate::shell::app::room::RoomState;
use opsdeck_core::config::Plan;
use opsdeck_core::config::sections::Rollback;
use opsdeck_core::format::clock;
use opsdeck_core::launch::runs::rollback_lock;
use opsdeck_core::launch::{Launch, Progress};
use opsdeck_core::rollback::{Proposed, Rollbacks};
use opsdeck_core::trigger::{Engine, Report};

pub use confirm::TYPE_ID;

#[derive(Debug, Clone)]
pub struct RollbackView {
    /// The plan's rollback actions.
    defs: Vec<Rollback>,
    /// The selected action in the rollback pane.
    selected: usize,
    /// The room's requests, firings and proposals.
    rollbacks: Rollbacks,
    /// The plan's triggers, fed with samples and journal events.
    triggers: Engine,
    /// Every trigger's status at the last clock tick.
    trigger_reports: Vec<Report>,
    /// This console's id in the room (the journal's), for acting on proposals it recorded.
    console: String,
    /// Rollback runs this console started: run id → action (for the verify that follows).
    runs: HashMap<String, String>,
    /// Two-person requests this console made, waiting for approval: request → action.
    my_requests: HashMap<String, String>,
    /// Proposals this console answered `run`, waiting for the decision to come back: proposal seq → action.
    my_decisions: HashMap<i64, String>,
    /// Proposals whose countdown this console already decided.
    deadlines_decided: HashSet<i64>,
    /// Proposals this console has nothing more to record on: their expiry
    /// is recorded, or their countdown ended in a decision.
    settled: HashSet<i64>,
    /// The action whose preview is running here.
    previewing: Option<String>,
}

impl RollbackView {
    pub fn new(plan: &Plan) -> RollbackView {
        RollbackView {
            defs: plan.rollbacks.clone(),
            selected: 0,
            rollbacks: Rollbacks::default(),
            triggers: Engine::from_plan(plan),
            trigger_reports: Vec::new(),
            console: fresh_key()[..12].to_string(),
            runs: HashMap::new(),
            my_requests: HashMap::new(),
            my_decisions: HashMap::new(),
            deadlines_decided: HashSet::new(),
            settled: HashSet::new(),
            previewing: None,
        }
    }

    /// Adds the runbook steps marked as rollbacks to the actions.
    pub fn add_runbook_actions(&mut self, launch: &Launch) {
        for book in &launch.runbooks {
            for action in book.rollback_actions() {
                if !self.defs.iter().any(|r| r.id == action.id) {
                    self.defs.push(action);
                }
            }
        }
    }

    /// The rollback actions, in the pane's order.
    pub fn defs(&self) -> &[Rollback] {
        &self.defs
    }

    /// The selected position in the rollback pane.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The action under the cursor of the rollback pane.
    pub fn selected_def(&self) -> Option<&Rollback> {
        self.defs.get(self.selected)
    }

    pub fn def(&self, id: &str) -> Option<&Rollback> {
        self.defs.iter().find(|r| r.id == id)
    }

    /// The room's requests, firings and proposals.
    pub fn rollbacks(&self) -> &Rollbacks {
        &self.rollbacks
    }

    pub fn triggers(&self) -> &Engine {
        &self.triggers
    }

    /// Every trigger's status at the last clock tick.
    pub fn trigger_reports(&self) -> &[Report] {
        &self.trigger_reports
    }

    /// Why a run of `def` needs a second person, if it does: the action's
    /// own `two_person`, or an open incident whose severity asks for it.
    pub fn two_person_rule(def: &Rollback, room: &RoomState) -> Option<String> {
        if def.two_person {
            return Some("two-person rule".into());
        }
        let strict: Vec<&str> = room.severities().iter().filter(|s| s.two_person).map(|s| s.id.as_str()).collect();
        room.incidents()
            .list(room.severities())
            .find(|i| i.is_open() && strict.contains(&i.severity.as_str()))
            .map(|i| format!("two-person rule while {} incident #{} is open", i.severity, i.id))
    }

    /// The last proposal of `action` when it closed without a decision
    /// (expired, or frozen into advice) less than its trigger's
    /// `expire_after` ago: the pane and the confirmation still tell of it.
    pub fn lapsed_proposal(&self, action: &str, now_ms: i64) -> Option<&Proposed> {
        let p = self.rollbacks.last_proposal_of(action)?;
        let lapsed_ms = p.lapsed.as_ref()?.at_ms().max(p.at_ms);
        let window = self.triggers.rules().iter().find(|r| r.id == p.trigger).map_or(10 * 60_000, |r| r.expire_after_ms);
        (now_ms < lapsed_ms.saturating_add(window)).then_some(p)
    }

    /// The last run of this action was abandoned: its real state is unknown.
    pub fn abandoned(def: &Rollback, progress: &Progress, now_ms: i64) -> bool {
        progress.runs.active(&rollback_lock(def)).is_some_and(|c| c.is_abandoned(now_ms))
    }

    /// Keeps the cursor on an action.
    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.defs.len().saturating_sub(1));
    }

    /// The confirmation closed: true when its preview still runs (and must be stopped).
    pub fn stop_preview(&mut self) -> bool {
        self.previewing.take().is_some()
    }

    /// Keys of the rollback pane: run, veto, approve or cancel the selected
    /// action, and moving.
    pub fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        match action {
            Action::RollbackRun | Action::RollbackVeto | Action::RollbackApprove | Action::RollbackCancel => {
                self.rollback_action(action, cx)
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                self.selected = cx.moved(action, self.selected, self.defs.len());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Folds an event into the room's rollbacks and the triggers' context;
    /// returns what it sets off here: an approval of our request, our `run`
    /// decision counting (or not), a decided countdown of ours, and the
    /// verify after our successful run.
    pub fn apply(&mut self, event: &Event, cx: &mut Cx) -> Vec<Effect> {
        self.rollbacks.apply(event);
        self.triggers.apply(event);
        self.drop_withdrawn(cx);
        let Some(body) = event.body() else { return Vec::new() };
        let me = cx.room().actor();
        match body {
            Body::RollbackApproved { request, .. } => {
                let Some(q) = self.rollbacks.request(request).cloned() else { return Vec::new() };
                if event.actor == *me && q.identity == event.identity() {
                    cx.error(format!("not approved: the database records you as {}, who asked; a second person must approve", q.identity));
                    return Vec::new();
                }
                let Some((by, _)) = q.approved else { return Vec::new() };
                let Some(action) = self.my_requests.remove(request) else { return Vec::new() };
                let Some(def) = self.def(&action).cloned() else { return Vec::new() };
                let mut effects = Vec::new();
                // The proposal the request was made for, or (made before it) the one open now.
                let proposal = match q.proposal {
                    Some(seq) => self.rollbacks.proposal(seq).filter(|p| p.is_open()),
                    None => self.rollbacks.open_proposal(&action),
                };
                if let Some(p) = proposal {
                    effects.push(Effect::Append(Body::RollbackDecided {
                        proposal: p.seq,
                        rollback: action.clone(),
                        verdict: Verdict::Run,
                        no_answer: false,
                    }));
                }
                effects.extend(claim(&def, false, cx));
                cx.say(format!("{} approved by {}: claiming it", action, by.name));
                effects
            }
            Body::RollbackDecided { proposal, verdict: Verdict::Run, no_answer, .. } => {
                let Some(p) = self.rollbacks.proposal(*proposal).cloned() else { return Vec::new() };
                let counts = p.decision_seq == Some(event.seq);
                let mine = if *no_answer {
                    // The judge that decided the countdown runs it.
                    self.deadlines_decided.contains(proposal) && event.actor == *me
                } else {
                    event.actor == *me && self.my_decisions.remove(proposal).is_some()
                };
                if !mine {
                    return Vec::new();
                }
                if !counts {
                    cx.error(match (&p.lapsed, &p.decided) {
                        (Some(lapse), _) => format!("not run: the proposal closed first ({lapse})"),
                        (None, Some((_, who, _, _))) => format!("not run: {who} decided on this proposal first"),
                        (None, None) => "not run: someone decided on this proposal first".to_string(),
                    });
                    return Vec::new();
                }
                match self.def(&p.rollback).cloned() {
                    Some(def) => claim(&def, false, cx),
                    None => Vec::new(),
                }
            }
            Body::RunFinished { run, outcome, .. } => {
                let Some(action) = self.runs.remove(run) else { return Vec::new() };
                match self.def(&action).cloned() {
                    Some(def) if outcome.is_success() && def.verify.is_some() => claim(&def, true, cx),
                    _ => Vec::new(),
                }
            }
            Body::RollbackDecided { .. } | Body::RollbackExpired { .. } => Vec::new(),
            // Nothing to set off here.
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
            | Body::StepConfirmed { .. }
            | Body::StepSkipped { .. }
            | Body::RunbookAborted { .. }
            | Body::RunbookRestarted { .. }
            | Body::RunClaimed { .. }
            | Body::RunRenewed { .. }
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::RollbackRequested { .. }
            | Body::TriggerFired { .. }
            | Body::RollbackProposed { .. }
            | Body::CheckState { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => Vec::new(),
        }
    }

    /// Forgets our requests the room withdrew (their proposal closed first), saying why.
    fn drop_withdrawn(&mut self, cx: &mut Cx) {
        let withdrawn: Vec<(String, String)> = self
            .my_requests
            .keys()
            .filter_map(|r| self.rollbacks.request(r).and_then(|q| q.withdrawn.clone()).map(|why| (r.clone(), why)))
            .collect();
        for (request, why) in withdrawn {
            if let Some(action) = self.my_requests.remove(&request) {
                cx.say(format!("{action} no longer waits for approval: {why}"));
            }
        }
    }

    /// This console's claim of a rollback (or its verify) holds: what to run.
    pub fn start(&mut self, run: &str, action: &str, verify: bool, cx: &mut Cx) -> Result<StartRun, String> {
        let def = self.def(action).cloned().ok_or_else(|| format!("the plan no longer has rollback {action}"))?;
        let script = if verify { def.verify.clone().ok_or("this rollback has no verify command")? } else { def.run.clone() };
        if !verify {
            self.runs.insert(run.to_string(), def.id.clone());
        }
        cx.say(format!("running {}{}…", def.id, if verify { " (verify)" } else { "" }));
        Ok(StartRun {
            run: run.to_string(),
            script,
            interpreter: Vec::new(),
            session: None,
            sql: None,
            env: def.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            cwd: def.cwd.clone(),
            timeout: def.timeout.get(),
            lease_ms: LEASE_MS,
        })
    }

    /// Why the action cannot be started now: a live run, a claim of ours on
    /// its way, or a request waiting for approval.
    fn busy(&self, def: &Rollback, cx: &Cx) -> Option<String> {
        let lock = rollback_lock(def);
        if let Some(c) = cx.progress().runs.active(&lock)
            && !c.is_abandoned(cx.now_ms())
        {
            return Some(format!("{} is running {} since {}", c.actor, def.id, clock(c.claimed_at_ms, cx.tz())));
        }
        if cx.runs().is_claiming(&Subject::Rollback { action: def.id.clone() }) {
            return Some(format!("{} is already claimed here; waiting for the room", def.id));
        }
        if let Some(q) = self.rollbacks.waiting_request(&def.id) {
            return Some(if q.by == *cx.room().actor() {
                format!("waiting for a second person to approve (asked at {})", clock(q.at_ms, cx.tz()))
            } else {
                format!("{} asked to run it at {}: {} approves", q.by, clock(q.at_ms, cx.tz()), Action::RollbackApprove.key())
            });
        }
        None
    }
}

/// Appends a claim on the action's lock (or its verify lock).
fn claim(def: &Rollback, verify: bool, cx: &mut Cx) -> Vec<Effect> {
    if !cx.room().store().online {
        cx.error("the store is offline: a rollback runs only once the room grants its lock");
        return Vec::new();
    }
    let run = fresh_key()[..12].to_string();
    let (subject, lock) = if verify {
        (Subject::Verify { action: def.id.clone() }, format!("{}:verify", rollback_lock(def)))
    } else {
        (Subject::Rollback { action: def.id.clone() }, rollback_lock(def))
    };
    cx.claim(run.clone(), subject.clone());
    cx.say(format!("claiming {}{}…", def.id, if verify { " (verify)" } else { "" }));
    let title = def.title.clone().unwrap_or_else(|| def.id.clone());
    let title = if verify { format!("verify {title}") } else { title };
    vec![Effect::Append(Body::RunClaimed { run, lock, subject, lease_ms: LEASE_MS, title })]
}
