//! What the room's system did around an incident, folded from the room's
//! journal for the post-mortem: trigger firings, rollback proposals and what
//! became of them (confirmed, vetoed, no answer, expired), rollback runs
//! with their result and duration, markers (deploys), silences, and the
//! state changes of the checks linked to the incident.
//!
//! An event counts when it happened from [`LEAD_MS`] before the incident was
//! opened (what led to it: the deploy, the firing) until it was resolved
//! (or now, while it is not); the end of a run or of a proposal that began
//! in that window counts even when it came later.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::config::Severity;
use crate::event::{Body, Event, Expiry, Subject, Verdict};
use crate::format::{duration, took, utc};

use super::incident::Incident;
use super::severity_time::end_ms;
use super::timeline::{Entry, sentence};

/// How long before the opening the record starts: 15 minutes.
pub const LEAD_MS: i64 = 15 * 60 * 1000;

/// The room's side of an incident's story.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Timeline lines, in journal order, to merge with the incident's own.
    pub entries: Vec<Entry>,
    /// "What was done": one line per action in the order it happened, then
    /// one per trigger that fired and one per linked check that changed.
    pub done: Vec<String>,
}

/// The record of `incident` from the room's `events` (in journal order).
pub fn record(incident: &Incident, events: &[Event], severities: &[Severity], now_ms: i64) -> Record {
    let from = incident.opened_at_ms.saturating_sub(LEAD_MS);
    let to = end_ms(incident, now_ms);
    let within = |e: &Event| e.at_ms >= from && e.at_ms <= to;
    let mut runs: HashMap<&str, &Subject> = HashMap::new();
    let mut proposals: HashSet<i64> = HashSet::new();
    let mut out = Record::default();
    let mut done = Done::default();
    for event in events {
        let Some(body) = event.body() else {
            continue;
        };
        let text = match body {
            Body::TriggerFired { trigger, reason, .. } if within(event) => {
                done.fired(trigger, event.at_ms, reason);
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RollbackProposed { trigger, rollback, reason, .. } if within(event) => {
                proposals.insert(event.seq);
                done.proposed(
                    event.seq,
                    format!("{} Trigger {trigger} proposed rollback {rollback} ({reason})", utc(event.at_ms)),
                    event.at_ms,
                );
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RollbackDecided { proposal, verdict, no_answer, .. } if proposals.contains(proposal) => {
                let how = match (verdict, no_answer) {
                    (Verdict::Run, false) => format!("confirmed by {}", event.actor.name),
                    (Verdict::Run, true) => "nobody answered, so it ran".to_string(),
                    (Verdict::Vetoed, _) => format!("vetoed by {}", event.actor.name),
                    (Verdict::Cancelled, _) => "nobody answered, so it was cancelled".to_string(),
                };
                done.answered(*proposal, how, event.at_ms);
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RollbackExpired { proposal, cause, detail, .. } if proposals.contains(proposal) => {
                let how = match cause {
                    Expiry::Cleared => format!("expired ({detail})"),
                    Expiry::Unanswered => format!("expired unanswered ({detail})"),
                };
                done.answered(*proposal, how, event.at_ms);
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RunClaimed { run, subject, .. } if within(event) && !matches!(subject, Subject::Step { .. }) => {
                runs.insert(run, subject);
                done.started(run, event, subject);
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RunFinished { run, outcome, exit_code, duration_ms, .. } => runs.get(run.as_str()).map(|subject| {
                let exit = exit_code.map(|c| format!(", exit {c}")).unwrap_or_default();
                let result = format!("{}{exit} after {}", outcome.name(), took(*duration_ms));
                done.finished(run, &result);
                format!("{} {result}", run_name(subject))
            }),
            Body::RollbackRequested { action, .. } if within(event) => {
                done.line(format!("{} {} asked to run rollback {action} (two-person rule)", utc(event.at_ms), event.actor.name));
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::RollbackApproved { action, .. } if within(event) => {
                done.line(format!("{} {} approved rollback {action}", utc(event.at_ms), event.actor.name));
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::Marker { text } if within(event) => {
                done.line(format!("{} Marker by {}: {text}", utc(event.at_ms), event.actor.name));
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::SilenceSet { target, until_ms, reason } if within(event) => {
                let line = format!("{} {} silenced {target} until {} UTC: {reason}", utc(event.at_ms), event.actor.name, utc(*until_ms));
                done.line(line);
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::SilenceLifted { target } if within(event) => {
                done.line(format!("{} {} lifted the silence on {target}", utc(event.at_ms), event.actor.name));
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            Body::CheckState { check, from, to, .. } if within(event) && incident.checks.contains(check) => {
                done.check(check, format!("{} → {} at {}", from.label(), to.label(), utc(event.at_ms)));
                Some(sentence(body, severities, &mut BTreeMap::new()))
            }
            // Outside the window, not a linked check, or not part of the
            // room's story (incident events are the incident's own).
            Body::TriggerFired { .. }
            | Body::RollbackProposed { .. }
            | Body::RollbackDecided { .. }
            | Body::RollbackExpired { .. }
            | Body::RunClaimed { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackApproved { .. }
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::CheckState { .. }
            | Body::IncidentOpened { .. }
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
            | Body::RunRenewed { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => None,
        };
        if let Some(text) = text {
            out.entries.push(Entry { seq: event.seq, at_ms: event.at_ms, actor: event.actor.name.clone(), text });
        }
    }
    out.done = done.lines();
    out
}

/// `Rollback flag-off` or `Verify of rollback flag-off`.
fn run_name(subject: &Subject) -> String {
    match subject {
        Subject::Rollback { action } => format!("Rollback {action}"),
        Subject::Verify { action } => format!("Verify of rollback {action}"),
        Subject::Step { runbook, step } => format!("Runbook {runbook} step {step}"),
    }
}

/// The "What was done" lines being gathered.
#[derive(Default)]
struct Done {
    /// Actions in order; a proposal's or a run's line is completed later.
    actions: Vec<Action>,
    proposal_at: HashMap<i64, (usize, i64)>,
    run_at: HashMap<String, usize>,
    /// Per trigger: firings, first and last time, the first reason.
    triggers: Vec<(String, usize, i64, i64, String)>,
    /// Per linked check: its changes in order.
    checks: Vec<(String, Vec<String>)>,
}

struct Action {
    text: String,
    /// How it ended; `None` while it has not.
    end: Option<String>,
    pending: &'static str,
}

impl Done {
    fn line(&mut self, text: String) {
        self.actions.push(Action { text, end: Some(String::new()), pending: "" });
    }

    fn proposed(&mut self, seq: i64, text: String, at_ms: i64) {
        self.proposal_at.insert(seq, (self.actions.len(), at_ms));
        self.actions.push(Action { text, end: None, pending: "no decision recorded" });
    }

    /// The first answer counts, as in the rollback fold.
    fn answered(&mut self, proposal: i64, how: String, at_ms: i64) {
        if let Some(&(n, proposed_at)) = self.proposal_at.get(&proposal)
            && self.actions[n].end.is_none()
        {
            self.actions[n].end = Some(format!(": {how} at {} UTC, {} later", utc(at_ms), duration(at_ms - proposed_at)));
        }
    }

    fn started(&mut self, run: &str, event: &Event, subject: &Subject) {
        self.run_at.insert(run.to_string(), self.actions.len());
        let text = format!("{} {} run by {}", utc(event.at_ms), run_name(subject), event.actor.name);
        self.actions.push(Action { text, end: None, pending: "no result recorded" });
    }

    fn finished(&mut self, run: &str, result: &str) {
        if let Some(&n) = self.run_at.get(run)
            && self.actions[n].end.is_none()
        {
            self.actions[n].end = Some(format!(": {result}"));
        }
    }

    fn fired(&mut self, trigger: &str, at_ms: i64, reason: &str) {
        match self.triggers.iter_mut().find(|t| t.0 == trigger) {
            Some(t) => {
                t.1 += 1;
                t.3 = at_ms;
            }
            None => self.triggers.push((trigger.to_string(), 1, at_ms, at_ms, reason.to_string())),
        }
    }

    fn check(&mut self, check: &str, change: String) {
        match self.checks.iter_mut().find(|c| c.0 == check) {
            Some(c) => c.1.push(change),
            None => self.checks.push((check.to_string(), vec![change])),
        }
    }

    fn lines(self) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for a in self.actions {
            match a.end {
                Some(end) => lines.push(format!("{}{end}", a.text)),
                None => lines.push(format!("{}: {}", a.text, a.pending)),
            }
        }
        for (trigger, times, first, last, reason) in &self.triggers {
            lines.push(match times {
                1 => format!("Trigger {trigger} fired at {} UTC: {reason}", utc(*first)),
                n => format!("Trigger {trigger} fired {n} times, first at {} UTC ({reason}), last at {} UTC", utc(*first), utc(*last)),
            });
        }
        for (check, changes) in &self.checks {
            lines.push(format!("Check {check}: {}", changes.join(", ")));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;
    use crate::domain::Incidents;
    use crate::testing::{MINUTE, T0, event};

    fn proposed(rollback: &str) -> Body {
        Body::RollbackProposed {
            trigger: "errors".into(),
            rollback: rollback.into(),
            reason: "5xx above 5%".into(),
            deadline_ms: Some(T0 + 2 * MINUTE),
            on_no_answer: "run".into(),
            console: "c1".into(),
        }
    }

    fn fired() -> Body {
        Body::TriggerFired { trigger: "errors".into(), reason: "5xx above 5%".into(), mode: "auto".into(), rollback: None, frozen: None }
    }

    #[test]
    fn no_answer_repeats_and_what_never_ended_are_told() {
        let bodies = [
            (T0, "alice", Body::IncidentOpened { title: "Errors".into(), severity: "P1".into() }), // 1
            (T0 + MINUTE, "opsdeck", fired()),                                                     // 2
            (T0 + MINUTE, "opsdeck", proposed("flag-off")),                                        // 3
            (
                T0 + 3 * MINUTE,
                "opsdeck",
                Body::RollbackDecided { proposal: 3, rollback: "flag-off".into(), verdict: Verdict::Run, no_answer: true },
            ), // 4
            (T0 + 4 * MINUTE, "opsdeck", fired()),                                                 // 5
            (T0 + 4 * MINUTE, "opsdeck", proposed("scale-up")),                                    // 6
            (
                T0 + 14 * MINUTE,
                "opsdeck",
                Body::RollbackExpired { proposal: 6, rollback: "scale-up".into(), cause: Expiry::Unanswered, detail: "10m".into() },
            ), // 7
            (
                T0 + 15 * MINUTE,
                "opsdeck",
                Body::RollbackDecided { proposal: 6, rollback: "scale-up".into(), verdict: Verdict::Vetoed, no_answer: false },
            ), // 8: too late
            (
                T0 + 16 * MINUTE,
                "bob",
                Body::RunClaimed {
                    run: "r9".into(),
                    lock: "l".into(),
                    subject: Subject::Verify { action: "flag-off".into() },
                    lease_ms: 30_000,
                    title: String::new(),
                },
            ), // 9
            (T0 + 17 * MINUTE, "opsdeck", proposed("drain")),                                      // 10
        ];
        let events: Vec<Event> = bodies.into_iter().enumerate().map(|(n, (at, who, b))| event(n as i64 + 1, at, who, b)).collect();
        let mut incidents = Incidents::default();
        for e in &events {
            incidents.apply(e);
        }
        let incident = incidents.get(1).expect("incident 1");
        let got = record(incident, &events, &default_severities(), T0 + 20 * MINUTE);
        assert_eq!(
            got.done,
            [
                "2026-03-10 13:59:00 Trigger errors proposed rollback flag-off (5xx above 5%): nobody answered, so it ran at 2026-03-10 14:01:00 UTC, 2m later",
                "2026-03-10 14:02:00 Trigger errors proposed rollback scale-up (5xx above 5%): expired unanswered (10m) at 2026-03-10 14:12:00 UTC, 10m later",
                "2026-03-10 14:14:00 Verify of rollback flag-off run by bob: no result recorded",
                "2026-03-10 14:15:00 Trigger errors proposed rollback drain (5xx above 5%): no decision recorded",
                "Trigger errors fired 2 times, first at 2026-03-10 13:59:00 UTC (5xx above 5%), last at 2026-03-10 14:02:00 UTC",
            ]
        );
        assert_eq!(got.entries.len(), 9, "every event but the opening (the incident's own) is on the timeline");
    }
}
