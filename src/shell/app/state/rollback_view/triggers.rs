//! The triggers on the clock: [`RollbackView::tick`] evaluates them on
//! every console (for the rollback pane), but only the room's judge — the
//! console that probes for the room, or the only console of its journal —
//! records a firing (and a proposal) once per trigger across the room (see
//! [`opsdeck_core::rollback`]), records a proposal's expiry (its
//! conditions cleared, or `expire_after` passed unanswered) and decides its
//! countdown, whichever console recorded the proposal: a judge that takes
//! over mid-countdown continues it from the journal. A countdown that ends
//! unanswered with `on_no_answer = "run"` stands in for a person pressing
//! run: under the two-person rule (the rollback's own, or an open
//! incident's severity) it records a request and waits for a second
//! person's approval, never a run. Samples feed the triggers
//! ([`RollbackView::observe`]), and the plan's maintenance windows silence
//! them while open.

use super::RollbackView;
use crate::adapters::journal::{Body, Verdict, event::fresh_key};
use crate::adapters::probe::schedule::Sample;
use crate::shell::app::state::cx::Cx;
use crate::shell::app::state::effect::Effect;
use opsdeck_core::config::sections::{OnNoAnswer, TriggerMode};
use opsdeck_core::domain::silences::Silences;
use opsdeck_core::metrics::board::Row;
use opsdeck_core::rollback::expiry;
use opsdeck_core::trigger::{Observed, Proposal, Status};

impl RollbackView {
    /// Whether the plan has a trigger `id`.
    pub fn has_trigger(&self, id: &str) -> bool {
        self.triggers.rules().iter().any(|r| r.id == id)
    }

    /// A check's sample, for the triggers watching it.
    pub fn observe(&mut self, row: &Row, sample: &Sample) {
        self.triggers.observe(&Observed::from_row(row, sample));
    }

    /// Maintenance windows of the plan that are open now silence triggers too.
    pub fn silence_planned(&mut self, silences: &Silences, now_ms: i64) {
        let planned: Vec<(String, i64, String)> = silences
            .all_active(now_ms)
            .filter(|(_, s)| s.by.name == "plan" && s.by.host == "maintenance")
            .map(|(t, s)| (t.to_string(), s.until_ms, s.reason.clone()))
            .collect();
        for (target, until_ms, reason) in planned {
            self.triggers.context_mut().silence(&target, until_ms, &reason);
        }
    }

    /// The clock: evaluate the triggers, record a firing (and its proposal)
    /// the room does not have yet, record the expiry of our proposals that
    /// expired, and decide those whose countdown ran out.
    pub fn tick(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let now = cx.now_ms();
        // One judge per room: only the console that probes for it decides.
        let may_write = !cx.room().read_only() && cx.room().store().online && cx.room().probing().decides();
        // A console that may not record only looks: evaluating would start
        // a cooldown of its own for a firing nobody recorded, and a follower
        // that takes over the judging would then never fire it.
        let reports = if may_write { self.triggers.evaluate(now) } else { self.triggers.peek(now) };
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
                TriggerMode::Advise => "advise",
                TriggerMode::Confirm => "confirm",
                TriggerMode::Auto => "auto",
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
                    OnNoAnswer::Run => "run",
                    OnNoAnswer::Cancel => "cancel",
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
            effects.extend(self.expire(now));
            effects.extend(self.countdowns_over(cx));
        }
        effects
    }

    /// Our open proposals that expire now: their `rollback.expired`, once.
    /// An expiry comes before a countdown ending at the same tick: the
    /// rollback of a recovered service does not run.
    fn expire(&mut self, now: i64) -> Vec<Effect> {
        let due: Vec<_> = self
            .rollbacks
            .proposals
            .iter()
            .filter(|p| !self.settled.contains(&p.seq) && !self.my_decisions.contains_key(&p.seq))
            .filter_map(|p| {
                let rule = self.triggers.rules().iter().find(|r| r.id == p.trigger)?;
                let (cause, detail) = expiry::due(p, rule, now)?;
                Some(Body::RollbackExpired { proposal: p.seq, rollback: p.rollback.clone(), cause, detail })
            })
            .collect();
        due.into_iter()
            .map(|body| {
                if let Body::RollbackExpired { proposal, .. } = &body {
                    self.settled.insert(*proposal);
                    self.deadlines_decided.insert(*proposal);
                }
                Effect::Append(body)
            })
            .collect()
    }

    /// Our proposals whose countdown ran out unanswered: `on_no_answer`
    /// decides, except that a run under the two-person rule becomes a
    /// request waiting for a second person's approval.
    fn countdowns_over(&mut self, cx: &mut Cx) -> Vec<Effect> {
        let now = cx.now_ms();
        let due: Vec<_> = self
            .rollbacks
            .proposals
            .iter()
            .filter(|p| p.remaining_ms(now) == Some(0) && !self.deadlines_decided.contains(&p.seq))
            .map(|p| (p.seq, p.rollback.clone(), p.on_no_answer == "cancel"))
            .collect();
        let mut effects = Vec::new();
        for (seq, rollback, cancel) in due {
            self.deadlines_decided.insert(seq);
            let rule = self.def(&rollback).and_then(|def| RollbackView::two_person_rule(def, cx.room()));
            if let (false, Some(why)) = (cancel, rule) {
                let request = fresh_key()[..12].to_string();
                self.my_requests.insert(request.clone(), rollback.clone());
                cx.say(format!("countdown over, nobody answered: {rollback} waits for a second person's approval ({why})"));
                effects.push(Effect::Append(Body::RollbackRequested { request, action: rollback }));
                continue;
            }
            self.settled.insert(seq);
            let verdict = if cancel { Verdict::Cancelled } else { Verdict::Run };
            effects.push(Effect::Append(Body::RollbackDecided { proposal: seq, rollback, verdict, no_answer: true }));
        }
        effects
    }
}
