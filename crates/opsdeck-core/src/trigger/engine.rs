//! The trigger engine: every `[[trigger]]` of a plan, its conditions fed
//! with check samples, and its status at an instant under grace, cooldown,
//! freeze and silences. Pure: no I/O, no clock; times are unix ms.
//!
//! Order of precedence at `now`: a silenced trigger, then cooldown after a
//! firing, then grace after the latest deploy marker, then the conditions
//! (a silenced check's conditions do not hold). UNKNOWN never fires.

use std::collections::HashMap;

use crate::config::Plan;
use crate::config::condition::Condition;
use crate::config::sections::{Combine, OnNoAnswer, Trigger, TriggerMode};
use crate::event::{Body, Event};
use crate::metrics::board::Board;

use super::combine::combine;
use super::context::Context;
use super::observed::Observed;
use super::status::{Firing, Report, Status};
use super::tracker::{CheckInfo, Outcome, Tracker};

/// One `[[trigger]]` with its conditions' trackers.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub mode: TriggerMode,
    pub combine: Combine,
    /// The rollback it proposes.
    pub propose: Option<String>,
    pub grace_ms: i64,
    pub cooldown_ms: i64,
    pub countdown_ms: i64,
    pub on_no_answer: OnNoAnswer,
    /// An open proposal of this trigger expires after this long unanswered.
    pub expire_after_ms: i64,
    pub trackers: Vec<Tracker>,
    last_fired_ms: Option<i64>,
    /// Since the last firing, an evaluation found the conditions not holding.
    rearmed: bool,
}

impl Rule {
    pub fn last_fired_ms(&self) -> Option<i64> {
        self.last_fired_ms
    }

    /// Whether the conditions no longer hold at `now_ms`, naming the checks
    /// that recovered (`api recovered`: those whose condition held before
    /// it cleared, or every cleared one when none did): with `any`, every
    /// condition has cleared; with `all`, one has (see
    /// [`super::clearing`]). `None` while they may still hold, or cannot be
    /// judged.
    pub fn cleared(&self, now_ms: i64) -> Option<String> {
        let cleared: Vec<&Tracker> = self.trackers.iter().filter(|t| t.cleared(now_ms)).collect();
        let enough = match self.combine {
            Combine::Any => cleared.len() == self.trackers.len(),
            Combine::All => !cleared.is_empty(),
        };
        if !enough || cleared.is_empty() {
            return None;
        }
        let recovered: Vec<&Tracker> = cleared.iter().copied().filter(|t| t.recovered(now_ms)).collect();
        let named = if recovered.is_empty() { cleared } else { recovered };
        let mut checks: Vec<&str> = Vec::new();
        for t in named {
            if !checks.contains(&t.check_id()) {
                checks.push(t.check_id());
            }
        }
        Some(format!("{} recovered", checks.join(" and ")))
    }
}

/// All triggers of a plan and the context they are judged in.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    rules: Vec<Rule>,
    /// Check id → (rule, tracker) indices.
    by_check: HashMap<String, Vec<(usize, usize)>>,
    context: Context,
    problems: Vec<String>,
}

fn ms(d: crate::config::TimeSpan) -> i64 {
    i64::try_from(d.get().as_millis()).unwrap_or(i64::MAX)
}

impl Engine {
    /// The plan's triggers over its checks.
    pub fn from_plan(plan: &Plan) -> Engine {
        let board = Board::from_plan(plan);
        let checks: Vec<CheckInfo> = board.rows.iter().map(CheckInfo::from_row).collect();
        Engine::new(&plan.triggers, &checks)
    }

    /// `triggers` over `checks`. A condition that cannot be read or names an
    /// unknown check is left out and listed in [`Engine::problems`] (a
    /// validated plan has none).
    pub fn new(triggers: &[Trigger], checks: &[CheckInfo]) -> Engine {
        let mut engine = Engine::default();
        for t in triggers {
            let mut trackers = Vec::new();
            for text in &t.when {
                let made = text.parse::<Condition>().and_then(|cond| {
                    let check = checks
                        .iter()
                        .find(|c| c.id == cond.check())
                        .ok_or_else(|| format!("{text}: no check `{}` in the plan", cond.check()))?;
                    Tracker::new(text, cond, check.clone())
                });
                match made {
                    Ok(tracker) => trackers.push(tracker),
                    Err(e) => engine.problems.push(format!("trigger {}: {e}", t.id)),
                }
            }
            let r = engine.rules.len();
            for (i, tr) in trackers.iter().enumerate() {
                engine.by_check.entry(tr.check_id().to_string()).or_default().push((r, i));
            }
            engine.rules.push(Rule {
                id: t.id.clone(),
                mode: t.mode,
                combine: t.combine,
                propose: t.propose.clone(),
                grace_ms: ms(t.grace),
                cooldown_ms: ms(t.cooldown),
                countdown_ms: ms(t.countdown),
                on_no_answer: t.on_no_answer,
                expire_after_ms: ms(t.expire_after),
                trackers,
                last_fired_ms: None,
                rearmed: true,
            });
        }
        engine
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Conditions left out, with why.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Markers, freeze and silences: feed journal events with `Context::apply`.
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// Takes in a journal event: markers, freezes and silences (see
    /// [`Context::apply`]), and the room's record of a firing, which starts
    /// that trigger's cooldown at the time the room stored it. The room's
    /// time is a little later than this engine's own firing, so the next
    /// firing after the cooldown is one the room has not recorded yet; and
    /// a console that did not fire itself (or took over the judging) cools
    /// down with the room.
    pub fn apply(&mut self, event: &Event) {
        self.context.apply(event);
        if let Some(Body::TriggerFired { trigger, .. }) = event.body()
            && let Some(rule) = self.rules.iter_mut().find(|r| r.id == *trigger)
            && rule.last_fired_ms.is_none_or(|at| at < event.at_ms)
        {
            rule.last_fired_ms = Some(event.at_ms);
            rule.rearmed = false;
        }
    }

    /// Takes in one check sample.
    pub fn observe(&mut self, o: &Observed) {
        let Some(targets) = self.by_check.get(&o.check) else {
            return;
        };
        for &(r, i) in targets {
            if let Some(tracker) = self.rules.get_mut(r).and_then(|rule| rule.trackers.get_mut(i)) {
                tracker.observe(o);
            }
        }
    }

    /// Every trigger's status at `now_ms`, without recording anything.
    pub fn peek(&self, now_ms: i64) -> Vec<Report> {
        self.rules.iter().map(|rule| Report { trigger: rule.id.clone(), status: self.status_of(rule, now_ms) }).collect()
    }

    /// Every trigger's status at `now_ms`. A `Firing` is reported once and
    /// starts the trigger's cooldown; the caller acts on it (journal event,
    /// proposal).
    pub fn evaluate(&mut self, now_ms: i64) -> Vec<Report> {
        let reports = self.peek(now_ms);
        for (rule, report) in self.rules.iter_mut().zip(&reports) {
            match &report.status {
                Status::Firing(_) => {
                    rule.last_fired_ms = Some(now_ms);
                    rule.rearmed = false;
                }
                Status::Latched { .. } | Status::CoolingDown { .. } => {}
                _ => rule.rearmed = true,
            }
        }
        reports
    }

    fn status_of(&self, rule: &Rule, now_ms: i64) -> Status {
        let ctx = &self.context;
        let outcomes: Vec<Outcome> = rule.trackers.iter().map(|t| t.evaluate(now_ms)).collect();
        let raw = combine(rule.combine, &outcomes);
        let held = match &raw {
            Outcome::Holds(reason) => Some(reason.clone()),
            _ => None,
        };
        if let Some(s) = ctx.trigger_silence(&rule.id, now_ms) {
            return Status::Silenced { target: s.target.clone(), reason: s.reason.clone(), until_ms: s.until_ms, held };
        }
        if let Some(fired_ms) = rule.last_fired_ms {
            let until_ms = fired_ms.saturating_add(rule.cooldown_ms);
            if now_ms < until_ms {
                return Status::CoolingDown { fired_ms, until_ms };
            }
            if rule.cooldown_ms == 0 && !rule.rearmed && held.is_some() {
                return Status::Latched { fired_ms };
            }
        }
        if let Some(deploy) = ctx.last_deploy() {
            let until_ms = deploy.at_ms.saturating_add(rule.grace_ms);
            if rule.grace_ms > 0 && deploy.at_ms <= now_ms && now_ms < until_ms {
                return Status::Grace { until_ms, marker: deploy.text.clone(), held };
            }
        }
        // A silenced check's conditions do not hold.
        let silenced: Vec<_> = rule.trackers.iter().map(|t| ctx.check_silence(t.check_id(), now_ms)).collect();
        let effective = if silenced.iter().any(Option::is_some) {
            let masked: Vec<Outcome> =
                outcomes.iter().zip(&silenced).map(|(o, s)| if s.is_some() { Outcome::No } else { o.clone() }).collect();
            combine(rule.combine, &masked)
        } else {
            raw
        };
        match effective {
            Outcome::Holds(reason) => Status::Firing(self.firing(rule, now_ms, reason)),
            _ if held.is_some() => {
                // It would fire but for a silenced check: name the silence.
                let s = silenced.iter().flatten().min_by_key(|s| s.until_ms);
                match s {
                    Some(s) => Status::Silenced { target: s.target.clone(), reason: s.reason.clone(), until_ms: s.until_ms, held },
                    None => Status::Armed,
                }
            }
            Outcome::Pending { since_ms, needs_ms, text } => Status::Pending { since_ms, needs_ms, reason: text },
            Outcome::Unknown(reason) => Status::Unknown { reason },
            Outcome::No => Status::Armed,
        }
    }

    fn firing(&self, rule: &Rule, now_ms: i64, reason: String) -> Firing {
        let freeze = self.context.freeze().filter(|f| f.at_ms <= now_ms);
        let frozen = freeze.filter(|_| rule.mode != TriggerMode::Advise).map(|f| f.text.clone());
        let mode = if frozen.is_some() { TriggerMode::Advise } else { rule.mode };
        Firing { trigger: rule.id.clone(), at_ms: now_ms, reason, mode, configured: rule.mode, rollback: rule.propose.clone(), frozen }
    }
}
