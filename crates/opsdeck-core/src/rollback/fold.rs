//! The fold: [`Rollbacks`] from `rollback.*`, `trigger.fired` and freeze
//! markers. A proposal closes at the first of a decision, an expiry and a
//! freeze, in the room's order, so every console closes it the same way;
//! a two-person request made while a proposal is open belongs to it, and
//! is withdrawn when the proposal closes without it.

use std::collections::BTreeMap;

use crate::event::{Actor, Body, Event, Verdict};
use crate::trigger::context::MarkerKind;

use super::proposal::{Lapse, Proposed};

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
    /// The proposal open when it was made: the request runs that proposal.
    pub proposal: Option<i64>,
    /// Why it no longer waits (`its proposal expired: api recovered`): its
    /// proposal closed before anyone approved.
    pub withdrawn: Option<String>,
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
    /// The freeze in force: its marker's seq, time and text.
    freeze: Option<(i64, i64, String)>,
}

impl Rollbacks {
    /// Folds one event; others are ignored.
    pub fn apply(&mut self, event: &Event) {
        let Some(body) = event.body() else { return };
        match body {
            Body::RollbackRequested { request, action } => {
                if self.requests.contains_key(request) {
                    return;
                }
                let proposal = self.proposals.iter_mut().rev().find(|p| p.rollback == *action && p.is_open()).map(|p| {
                    p.request.get_or_insert_with(|| request.clone());
                    p.seq
                });
                let r = Request {
                    request: request.clone(),
                    action: action.clone(),
                    by: event.actor.clone(),
                    identity: event.identity().to_string(),
                    at_ms: event.at_ms,
                    approved: None,
                    proposal,
                    withdrawn: None,
                };
                self.requests.insert(request.clone(), r);
            }
            Body::RollbackApproved { request, .. } => {
                if let Some(r) = self.requests.get_mut(request)
                    && r.approved.is_none()
                    && r.withdrawn.is_none()
                    && r.identity != event.identity()
                {
                    r.approved = Some((event.actor.clone(), event.at_ms));
                }
            }
            Body::TriggerFired { trigger, reason, mode, .. } => {
                if self.last_fired(trigger).is_some_and(|f| event.at_ms - f.at_ms < DEDUPE_MS) {
                    self.duplicates.push(event.seq);
                    return;
                }
                self.fired.push(Fired {
                    seq: event.seq,
                    trigger: trigger.clone(),
                    reason: reason.clone(),
                    mode: mode.clone(),
                    at_ms: event.at_ms,
                    by: event.actor.clone(),
                });
            }
            Body::RollbackProposed { trigger, rollback, reason, deadline_ms, on_no_answer, console } => {
                let dup = self
                    .proposals
                    .iter()
                    .rev()
                    .find(|p| p.trigger == *trigger)
                    .is_some_and(|p| p.is_open() || event.at_ms - p.at_ms < DEDUPE_MS);
                if dup {
                    self.duplicates.push(event.seq);
                    return;
                }
                // Recorded after a freeze (by a console that had not seen it yet): advice from the start.
                let lapsed = self.freeze.as_ref().map(|(seq, at_ms, text)| Lapse::Frozen { text: text.clone(), at_ms: *at_ms, seq: *seq });
                self.proposals.push(Proposed {
                    seq: event.seq,
                    trigger: trigger.clone(),
                    rollback: rollback.clone(),
                    reason: reason.clone(),
                    at_ms: event.at_ms,
                    deadline_ms: *deadline_ms,
                    on_no_answer: on_no_answer.clone(),
                    console: console.clone(),
                    decided: None,
                    decision_seq: None,
                    lapsed,
                    request: None,
                });
            }
            Body::RollbackDecided { proposal, verdict, no_answer, .. } => {
                let Some(p) = self.proposals.iter_mut().find(|p| p.seq == *proposal && p.is_open()) else { return };
                p.decided = Some((*verdict, event.actor.clone(), event.at_ms, *no_answer));
                p.decision_seq = Some(event.seq);
                let why = match verdict {
                    Verdict::Run => format!("its proposal was already confirmed by {}", event.actor.name),
                    Verdict::Vetoed => format!("its proposal was vetoed by {}", event.actor.name),
                    Verdict::Cancelled => "its proposal was cancelled: nobody answered in time".to_string(),
                };
                self.withdraw(*proposal, &why);
            }
            Body::RollbackExpired { proposal, cause, detail, .. } => {
                let Some(p) = self.proposals.iter_mut().find(|p| p.seq == *proposal && p.is_open()) else { return };
                let lapse = Lapse::Expired { cause: *cause, detail: detail.clone(), at_ms: event.at_ms, seq: event.seq };
                let why = format!("its proposal {lapse}");
                p.lapsed = Some(lapse);
                self.withdraw(*proposal, &why);
            }
            Body::Marker { text } => self.marker(event, text),
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
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::CheckState { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => {}
        }
    }

    /// A freeze closes every open proposal as advice (an unfreeze reopens
    /// none); one recorded while frozen is advice from the start.
    fn marker(&mut self, event: &Event, text: &str) {
        match MarkerKind::of(text) {
            MarkerKind::Freeze => {
                let text = text.trim().to_string();
                let mut closed = Vec::new();
                for p in self.proposals.iter_mut().filter(|p| p.is_open()) {
                    p.lapsed = Some(Lapse::Frozen { text: text.clone(), at_ms: event.at_ms, seq: event.seq });
                    closed.push(p.seq);
                }
                let why = format!("its proposal is advice only under the freeze “{text}”");
                for seq in closed {
                    self.withdraw(seq, &why);
                }
                self.freeze = Some((event.seq, event.at_ms, text));
            }
            MarkerKind::Unfreeze => {
                if self.freeze.as_ref().is_some_and(|(_, at_ms, _)| *at_ms <= event.at_ms) {
                    self.freeze = None;
                }
            }
            MarkerKind::Deploy => {}
        }
    }

    /// The requests made to run proposal `seq` that nobody approved no longer wait.
    fn withdraw(&mut self, seq: i64, why: &str) {
        for r in self.requests.values_mut().filter(|r| r.proposal == Some(seq) && r.approved.is_none() && r.withdrawn.is_none()) {
            r.withdrawn = Some(why.to_string());
        }
    }

    pub fn request(&self, request: &str) -> Option<&Request> {
        self.requests.get(request)
    }

    /// The latest request for an action that is neither approved nor withdrawn.
    pub fn waiting_request(&self, action: &str) -> Option<&Request> {
        self.requests.values().filter(|r| r.action == action && r.approved.is_none() && r.withdrawn.is_none()).max_by_key(|r| r.at_ms)
    }

    /// The latest request for an action, whatever became of it.
    pub fn last_request(&self, action: &str) -> Option<&Request> {
        self.requests.values().filter(|r| r.action == action).max_by_key(|r| r.at_ms)
    }

    /// The freeze marker's text while the room is frozen.
    pub fn frozen(&self) -> Option<&str> {
        self.freeze.as_ref().map(|(_, _, text)| text.as_str())
    }

    /// The last kept firing of a trigger.
    pub fn last_fired(&self, trigger: &str) -> Option<&Fired> {
        self.fired.iter().rev().find(|f| f.trigger == trigger)
    }

    /// The last proposal of a rollback, whatever became of it.
    pub fn last_proposal_of(&self, rollback: &str) -> Option<&Proposed> {
        self.proposals.iter().rev().find(|p| p.rollback == rollback)
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
