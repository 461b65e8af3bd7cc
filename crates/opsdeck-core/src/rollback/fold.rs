//! The fold: [`Rollbacks`] from `rollback.*` and `trigger.fired` events.

use std::collections::BTreeMap;

use crate::event::{Actor, Body, Event, Verdict};

/// Two records of the same trigger closer than this are one firing.
pub const DEDUPE_MS: i64 = 30_000;

/// A two-person request and its approval.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub request: String,
    pub action: String,
    pub by: Actor,
    /// Who asked, as the two-person rule counts people: the database role
    /// the store vouches for, else the name (see [`Event::identity`]).
    pub identity: String,
    pub at_ms: i64,
    /// The approver: a different person than `by` (a different role, where
    /// the store vouches for roles).
    pub approved: Option<(Actor, i64)>,
}

/// A recorded firing.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub seq: i64,
    pub trigger: String,
    pub reason: String,
    pub mode: String,
    pub at_ms: i64,
    pub by: Actor,
}

/// A proposal and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    /// The seq of its `rollback.proposed` event: its id in the room.
    pub seq: i64,
    pub trigger: String,
    pub rollback: String,
    pub reason: String,
    pub at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// `run` or `cancel`.
    pub on_no_answer: String,
    /// The console that recorded it (acts on no answer).
    pub console: String,
    /// The first decision: verdict, who, when, and whether the countdown decided.
    pub decided: Option<(Verdict, Actor, i64, bool)>,
    /// The seq of the decision that counts.
    pub decision_seq: Option<i64>,
}

impl Proposed {
    pub fn is_open(&self) -> bool {
        self.decided.is_none()
    }

    /// Countdown left (0 once due); `None` for a `confirm` proposal or once decided.
    pub fn remaining_ms(&self, now_ms: i64) -> Option<i64> {
        self.deadline_ms.filter(|_| self.is_open()).map(|d| d.saturating_sub(now_ms).max(0))
    }
}

/// Everything rollback-related the room has recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollbacks {
    requests: BTreeMap<String, Request>,
    /// Kept firings, oldest first.
    pub fired: Vec<Fired>,
    /// Kept proposals, oldest first.
    pub proposals: Vec<Proposed>,
    /// Seqs of firings and proposals folded as duplicates.
    pub duplicates: Vec<i64>,
}

impl Rollbacks {
    /// Folds one event; others are ignored.
    pub fn apply(&mut self, event: &Event) {
        let Some(body) = event.body().cloned() else { return };
        match body {
            Body::RollbackRequested { request, action } => {
                self.requests.entry(request.clone()).or_insert(Request {
                    request,
                    action,
                    by: event.actor.clone(),
                    identity: event.identity().to_string(),
                    at_ms: event.at_ms,
                    approved: None,
                });
            }
            Body::RollbackApproved { request, .. } => {
                if let Some(r) = self.requests.get_mut(&request)
                    && r.approved.is_none()
                    && r.identity != event.identity()
                {
                    r.approved = Some((event.actor.clone(), event.at_ms));
                }
            }
            Body::TriggerFired { trigger, reason, mode, .. } => {
                if self.last_fired(&trigger).is_some_and(|f| event.at_ms - f.at_ms < DEDUPE_MS) {
                    self.duplicates.push(event.seq);
                    return;
                }
                self.fired.push(Fired { seq: event.seq, trigger, reason, mode, at_ms: event.at_ms, by: event.actor.clone() });
            }
            Body::RollbackProposed { trigger, rollback, reason, deadline_ms, on_no_answer, console } => {
                let dup = self
                    .proposals
                    .iter()
                    .rev()
                    .find(|p| p.trigger == trigger)
                    .is_some_and(|p| p.is_open() || event.at_ms - p.at_ms < DEDUPE_MS);
                if dup {
                    self.duplicates.push(event.seq);
                    return;
                }
                self.proposals.push(Proposed {
                    seq: event.seq,
                    trigger,
                    rollback,
                    reason,
                    at_ms: event.at_ms,
                    deadline_ms,
                    on_no_answer,
                    console,
                    decided: None,
                    decision_seq: None,
                });
            }
            Body::RollbackDecided { proposal, verdict, no_answer, .. } => {
                if let Some(p) = self.proposals.iter_mut().find(|p| p.seq == proposal)
                    && p.decided.is_none()
                {
                    p.decided = Some((verdict, event.actor.clone(), event.at_ms, no_answer));
                    p.decision_seq = Some(event.seq);
                }
            }
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
            | Body::RunFinished { .. }
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::NotifyDelivery { .. } => {}
        }
    }

    pub fn request(&self, request: &str) -> Option<&Request> {
        self.requests.get(request)
    }

    /// The latest request for an action that is not yet approved.
    pub fn waiting_request(&self, action: &str) -> Option<&Request> {
        self.requests.values().filter(|r| r.action == action && r.approved.is_none()).max_by_key(|r| r.at_ms)
    }

    /// The last kept firing of a trigger.
    pub fn last_fired(&self, trigger: &str) -> Option<&Fired> {
        self.fired.iter().rev().find(|f| f.trigger == trigger)
    }

    /// The open proposal of a rollback, if any.
    pub fn open_proposal(&self, rollback: &str) -> Option<&Proposed> {
        self.proposals.iter().rev().find(|p| p.rollback == rollback && p.is_open())
    }

    /// The last proposal made by a trigger.
    pub fn last_proposal(&self, trigger: &str) -> Option<&Proposed> {
        self.proposals.iter().rev().find(|p| p.trigger == trigger)
    }

    pub fn proposal(&self, seq: i64) -> Option<&Proposed> {
        self.proposals.iter().find(|p| p.seq == seq)
    }

    pub fn is_duplicate(&self, seq: i64) -> bool {
        self.duplicates.contains(&seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NewEvent;

    fn ev(seq: i64, at: i64, who: &str, body: Body) -> Event {
        let actor = Actor { name: who.into(), host: "h".into(), from: None };
        NewEvent::new("room", &actor, at, &body).stored(seq)
    }

    fn proposed(trigger: &str) -> Body {
        Body::RollbackProposed {
            trigger: trigger.into(),
            rollback: "prev".into(),
            reason: "errors".into(),
            deadline_ms: Some(61_000),
            on_no_answer: "run".into(),
            console: "c1".into(),
        }
    }

    fn fired(trigger: &str) -> Body {
        Body::TriggerFired { trigger: trigger.into(), reason: "errors".into(), mode: "auto".into(), rollback: None, frozen: None }
    }

    #[test]
    fn two_consoles_recording_one_firing_make_one_proposal() {
        let mut r = Rollbacks::default();
        for e in [
            ev(1, 1_000, "alice", fired("t")),
            ev(2, 1_000, "alice", proposed("t")),
            ev(3, 1_900, "bob", fired("t")),
            ev(4, 1_900, "bob", proposed("t")),
        ] {
            r.apply(&e);
        }
        assert_eq!(r.fired.len(), 1);
        assert_eq!(r.proposals.len(), 1);
        assert_eq!(r.duplicates, vec![3, 4]);
        assert_eq!(r.open_proposal("prev").map(|p| p.seq), Some(2));
    }

    #[test]
    fn the_first_decision_counts_and_a_later_firing_is_kept() {
        let mut r = Rollbacks::default();
        r.apply(&ev(1, 1_000, "alice", proposed("t")));
        let decide = |v| Body::RollbackDecided { proposal: 1, rollback: "prev".into(), verdict: v, no_answer: false };
        r.apply(&ev(2, 2_000, "bob", decide(Verdict::Vetoed)));
        r.apply(&ev(3, 2_500, "carol", decide(Verdict::Run)));
        let (v, who, _, _) = r.proposals[0].decided.clone().unwrap();
        assert_eq!((v, who.name.as_str()), (Verdict::Vetoed, "bob"));
        assert!(r.open_proposal("prev").is_none());
        r.apply(&ev(4, 100_000, "alice", proposed("t")));
        assert_eq!(r.open_proposal("prev").map(|p| p.seq), Some(4), "a decided proposal long ago does not block a new one");
    }

    #[test]
    fn only_another_person_approves_a_request() {
        let mut r = Rollbacks::default();
        r.apply(&ev(1, 1_000, "alice", Body::RollbackRequested { request: "q".into(), action: "prev".into() }));
        r.apply(&ev(2, 2_000, "alice", Body::RollbackApproved { request: "q".into(), action: "prev".into() }));
        assert!(r.request("q").unwrap().approved.is_none(), "alice cannot approve her own request");
        assert_eq!(r.waiting_request("prev").map(|q| q.request.as_str()), Some("q"));
        r.apply(&ev(3, 3_000, "bob", Body::RollbackApproved { request: "q".into(), action: "prev".into() }));
        assert_eq!(r.request("q").unwrap().approved.as_ref().map(|(a, _)| a.name.as_str()), Some("bob"));
        assert!(r.waiting_request("prev").is_none());
    }

    #[test]
    fn where_the_store_vouches_for_roles_a_second_name_is_not_a_second_person() {
        let mut r = Rollbacks::default();
        let as_role = |e: Event, role: &str| e.vouched_by(Some(role.into()));
        r.apply(&as_role(ev(1, 1_000, "alice", Body::RollbackRequested { request: "q".into(), action: "prev".into() }), "ops_alice"));
        // alice again, calling herself bob with --as: the same role.
        r.apply(&as_role(ev(2, 2_000, "bob", Body::RollbackApproved { request: "q".into(), action: "prev".into() }), "ops_alice"));
        assert!(r.request("q").unwrap().approved.is_none(), "one role cannot approve its own request under another name");
        r.apply(&as_role(ev(3, 3_000, "bob", Body::RollbackApproved { request: "q".into(), action: "prev".into() }), "ops_bob"));
        assert_eq!(r.request("q").unwrap().approved.as_ref().map(|(a, _)| a.name.as_str()), Some("bob"));
    }
}
