//! Claimed command runs (runbook steps now, rollbacks too): who claimed
//! what, under which lock, whether the claim holds, and how the run ended.
//!
//! Exactly one run per lock is active across the room because every
//! console folds the same events in the same order and decides the same
//! way: a claim holds when every earlier claim of the lock that held had
//! ended before the claim was made: finished before its event time, or its
//! lease run out by then. So a claim made while the store was away, which
//! reaches the room after the race was decided (even after the winner
//! finished), loses rather than running a second time. A console executes only after its
//! own claim comes back from the store and holds; a claim that lost is
//! kept (and shown) but never runs. Lease expiry is judged by event times,
//! so all consoles agree; a holder whose lease ran out without a finish is
//! *abandoned*: its console died and the command's real state is unknown.

use std::collections::HashMap;

use crate::journal::{Actor, Body, Event, Outcome, Subject};

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    pub outcome: Outcome,
    pub exit_code: Option<i32>,
    pub duration_ms: i64,
    pub output: String,
    pub truncated: bool,
    pub at_ms: i64,
}

/// One claim and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub run: String,
    pub lock: String,
    pub subject: Subject,
    pub actor: Actor,
    pub seq: i64,
    pub claimed_at_ms: i64,
    pub lease_ms: i64,
    /// The last sign of life: the claim or its last renewal.
    pub renewed_at_ms: i64,
    /// Another run held the lock when this one was claimed: it never runs.
    pub lost: bool,
    /// The run it lost to.
    pub lost_to: Option<String>,
    pub finish: Option<Finish>,
}

impl Claim {
    /// Holds the lock and has not finished (it may still be abandoned).
    pub fn is_active(&self) -> bool {
        !self.lost && self.finish.is_none()
    }

    /// When the lease runs out unless renewed.
    pub fn lease_ends_ms(&self) -> i64 {
        self.renewed_at_ms.saturating_add(self.lease_ms)
    }

    /// Active, but its console has not been heard from within the lease.
    pub fn is_abandoned(&self, now_ms: i64) -> bool {
        self.is_active() && now_ms > self.lease_ends_ms()
    }
}

/// Every claimed run of the room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Runs {
    by_id: HashMap<String, Claim>,
    /// Run ids in seq order.
    order: Vec<String>,
}

impl Runs {
    /// Folds a run event; other events are ignored.
    pub fn apply(&mut self, event: &Event, body: &Body) {
        match body {
            Body::RunClaimed { run, lock, subject, lease_ms, .. } => {
                if self.by_id.contains_key(run) {
                    return;
                }
                let lost_to = self.held_at(lock, event.at_ms).map(|c| c.run.clone());
                let claim = Claim {
                    run: run.clone(),
                    lock: lock.clone(),
                    subject: subject.clone(),
                    actor: event.actor.clone(),
                    seq: event.seq,
                    claimed_at_ms: event.at_ms,
                    lease_ms: *lease_ms,
                    renewed_at_ms: event.at_ms,
                    lost: lost_to.is_some(),
                    lost_to,
                    finish: None,
                };
                self.by_id.insert(run.clone(), claim);
                self.order.push(run.clone());
            }
            Body::RunRenewed { run } => {
                if let Some(c) = self.by_id.get_mut(run) {
                    c.renewed_at_ms = c.renewed_at_ms.max(event.at_ms);
                }
            }
            Body::RunFinished { run, outcome, exit_code, duration_ms, output, truncated } => {
                if let Some(c) = self.by_id.get_mut(run)
                    && c.finish.is_none()
                {
                    c.finish = Some(Finish {
                        outcome: *outcome,
                        exit_code: *exit_code,
                        duration_ms: *duration_ms,
                        output: output.clone(),
                        truncated: *truncated,
                        at_ms: event.at_ms,
                    });
                }
            }
            _ => {}
        }
    }

    /// The first claim folded so far that held `lock` and had not ended by
    /// `at_ms`: unfinished with a live lease then, or finished after it
    /// (which includes every claim made after `at_ms`).
    fn held_at(&self, lock: &str, at_ms: i64) -> Option<&Claim> {
        self.in_order().find(|c| {
            c.lock == lock
                && !c.lost
                && match &c.finish {
                    None => at_ms <= c.lease_ends_ms(),
                    Some(f) => at_ms < f.at_ms,
                }
        })
    }

    /// The active run of a lock, live or abandoned.
    pub fn active(&self, lock: &str) -> Option<&Claim> {
        self.in_order().rev().find(|c| c.lock == lock && c.is_active())
    }

    pub fn get(&self, run: &str) -> Option<&Claim> {
        self.by_id.get(run)
    }

    /// Claims in seq order.
    pub fn in_order(&self) -> impl DoubleEndedIterator<Item = &Claim> {
        self.order.iter().filter_map(|r| self.by_id.get(r))
    }

    /// The last claim that held for this subject (running or finished).
    pub fn last_for(&self, subject: &Subject) -> Option<&Claim> {
        self.in_order().rev().find(|c| !c.lost && c.subject == *subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::NewEvent;

    fn ev(seq: i64, at: i64, who: &str, body: Body) -> (Event, Body) {
        let actor = Actor { name: who.into(), host: "h".into(), from: None };
        (NewEvent::new("room", &actor, at, &body).stored(seq), body)
    }

    fn claim(run: &str) -> Body {
        Body::RunClaimed {
            title: String::new(),
            run: run.into(),
            lock: "rollback:api".into(),
            subject: Subject::Rollback { action: "api".into() },
            lease_ms: 30_000,
        }
    }

    fn finish(run: &str) -> Body {
        Body::RunFinished {
            run: run.into(),
            outcome: Outcome::Succeeded,
            exit_code: Some(0),
            duration_ms: 5,
            output: "ok".into(),
            truncated: false,
        }
    }

    fn fold(events: &[(Event, Body)]) -> Runs {
        let mut runs = Runs::default();
        for (e, b) in events {
            runs.apply(e, b);
        }
        runs
    }

    #[test]
    fn the_first_claim_holds_and_the_second_loses() {
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 1001, "bob", claim("b"))]);
        assert!(!runs.get("a").unwrap().lost);
        assert!(runs.get("b").unwrap().lost);
        assert_eq!(runs.active("rollback:api").unwrap().actor.name, "alice");
    }

    #[test]
    fn a_finished_run_frees_the_lock_but_a_lost_claim_never_takes_it() {
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 1001, "bob", claim("b")), ev(3, 2000, "alice", finish("a"))]);
        assert!(runs.active("rollback:api").is_none(), "bob's lost claim must not become active");
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 2000, "alice", finish("a")), ev(3, 3000, "bob", claim("b"))]);
        assert!(!runs.get("b").unwrap().lost);
    }

    #[test]
    fn an_expired_lease_is_abandoned_and_can_be_claimed_again() {
        let runs = fold(&[ev(1, 1000, "alice", claim("a"))]);
        let a = runs.get("a").unwrap();
        assert!(!a.is_abandoned(31_000));
        assert!(a.is_abandoned(31_001));
        let runs = fold(&[
            ev(1, 1000, "alice", claim("a")),
            ev(2, 20_000, "alice", Body::RunRenewed { run: "a".into() }),
            ev(3, 40_000, "bob", claim("b")),
        ]);
        assert!(runs.get("b").unwrap().lost, "renewed at 20s, the lease lasts until 50s");
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 40_000, "bob", claim("b"))]);
        assert!(!runs.get("b").unwrap().lost, "alice's lease ran out at 31s");
    }

    fn not_started(run: &str) -> Body {
        Body::RunFinished {
            run: run.into(),
            outcome: Outcome::NotStarted,
            exit_code: None,
            duration_ms: 0,
            output: "the claim reached the room too late; not run".into(),
            truncated: false,
        }
    }

    #[test]
    fn a_claim_made_offline_that_reaches_the_room_after_the_race_was_decided_loses() {
        // Alice claimed at 1s while her store was away; bob claimed at 2s,
        // ran it and finished at 5s; alice's claim reaches the room at seq 3.
        let runs = fold(&[ev(1, 2000, "bob", claim("b")), ev(2, 5000, "bob", finish("b")), ev(3, 1000, "alice", claim("a"))]);
        let a = runs.get("a").unwrap();
        assert!(a.lost, "the lock was taken and used while alice's claim was on its way");
        assert_eq!(a.lost_to.as_deref(), Some("b"));
        assert_eq!(runs.in_order().filter(|c| !c.lost).count(), 1, "one claim held");
        assert_eq!(runs.last_for(&Subject::Rollback { action: "api".into() }).unwrap().run, "b");
        // Made while bob was running (he finished after it was made): it loses too.
        let runs = fold(&[ev(1, 1000, "bob", claim("b")), ev(2, 5000, "bob", finish("b")), ev(3, 3000, "alice", claim("a"))]);
        assert!(runs.get("a").unwrap().lost);
        // Made after bob finished: it holds.
        let runs = fold(&[ev(1, 1000, "bob", claim("b")), ev(2, 5000, "bob", finish("b")), ev(3, 6000, "alice", claim("a"))]);
        assert!(!runs.get("a").unwrap().lost);
    }

    #[test]
    fn a_claim_that_ended_is_never_the_holder() {
        // Alice's stale claim reached the room first and held; bob's lost to
        // it; then alice's console ended it not_started.
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 20_000, "bob", claim("b")), ev(3, 20_100, "alice", not_started("a"))]);
        assert_eq!(runs.get("b").unwrap().lost_to.as_deref(), Some("a"));
        assert!(runs.active("rollback:api").is_none(), "nothing holds the lock");
        // A later claim takes the lock.
        let runs = fold(&[ev(1, 1000, "alice", claim("a")), ev(2, 20_100, "alice", not_started("a")), ev(3, 20_200, "bob", claim("b"))]);
        assert!(!runs.get("b").unwrap().lost);
        assert_eq!(runs.active("rollback:api").unwrap().run, "b");
    }

    #[test]
    fn replays_change_nothing() {
        let events = [ev(1, 1000, "alice", claim("a")), ev(2, 2000, "alice", finish("a"))];
        let mut runs = fold(&events);
        let before = runs.clone();
        for (e, b) in &events {
            runs.apply(e, b);
        }
        assert_eq!(runs, before);
    }
}
