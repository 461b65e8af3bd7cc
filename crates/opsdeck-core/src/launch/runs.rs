//! The run-lock rule and the fold that applies it: claimed command runs
//! (runbook steps, rollbacks and their verifications), who claimed what
//! under which lock, whether each claim holds, and how each run ended.
//! This is the one place that decides who holds a lock: the console (its
//! launch progress and rollback keys), the rollback pane and the notifier
//! (the binary's `adapters::notify` classifier) all fold [`Runs`] and ask it. Pure: no
//! I/O, no clock (times are event times, or `now_ms` passed in).
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
//!
//! **The boundaries** ([`Claim::holds_at`]). A lease covers its last
//! millisecond: a claim renewed (or made) at `r` with lease `l` still holds
//! at exactly `r + l` ([`Claim::lease_ends_ms`]), so a claim made then
//! loses to it and it is not yet abandoned; from `r + l + 1` it no longer
//! holds. A run that finished at `f` has ended at `f`: a claim made at
//! exactly `f` holds.
//!
//! **Repeated run ids.** A run id is claimed once: a second `run.claimed`
//! with a run id already folded (a replay, or a duplicate append) is
//! ignored whatever it says: it neither renews the lease, nor claims again
//! (even once the first claim ended or lost), nor moves its lock. Only
//! `run.renewed` renews, and only the first `run.finished` of a run counts.
//! [`Runs::apply`] says which of these an event was ([`Folded`]), so a
//! consumer reacts to a claim or finish once.

use std::collections::HashMap;

use crate::event::{Actor, Body, Event, Outcome, Subject};

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

    /// Still holds its lock at `at_ms` (an event time, or now): it did not
    /// lose, and had neither finished by then nor let its lease run out.
    /// The boundaries are the module doc's: held at exactly
    /// [`lease_ends_ms`](Self::lease_ends_ms), ended at exactly its finish.
    pub fn holds_at(&self, at_ms: i64) -> bool {
        !self.lost
            && match &self.finish {
                None => at_ms <= self.lease_ends_ms(),
                Some(f) => at_ms < f.at_ms,
            }
    }

    /// Active, but its console has not been heard from within the lease.
    pub fn is_abandoned(&self, now_ms: i64) -> bool {
        self.is_active() && !self.holds_at(now_ms)
    }
}

/// What folding one event did, under the rule of the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folded {
    /// A new claim (see [`Claim::lost`] for whether it holds).
    Claimed,
    /// A known run's lease runs on.
    Renewed,
    /// A known run's first finish.
    Finished,
    /// Nothing changed: not a run event, a repeated run id, a second
    /// finish, or a run this room never claimed.
    Ignored,
}

/// Every claimed run of the room.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Runs {
    by_id: HashMap<String, Claim>,
    /// Run ids in seq order.
    order: Vec<String>,
}

impl Runs {
    /// Folds a run event and says what it did; other events are ignored.
    pub fn apply(&mut self, event: &Event, body: &Body) -> Folded {
        match body {
            Body::RunClaimed { run, lock, subject, lease_ms, .. } => {
                if self.by_id.contains_key(run) {
                    return Folded::Ignored;
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
                Folded::Claimed
            }
            Body::RunRenewed { run } => match self.by_id.get_mut(run) {
                Some(c) => {
                    c.renewed_at_ms = c.renewed_at_ms.max(event.at_ms);
                    Folded::Renewed
                }
                None => Folded::Ignored,
            },
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
                    Folded::Finished
                } else {
                    Folded::Ignored
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
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
            | Body::RollbackRequested { .. }
            | Body::RollbackApproved { .. }
            | Body::TriggerFired { .. }
            | Body::RollbackProposed { .. }
            | Body::RollbackDecided { .. }
            | Body::RollbackExpired { .. }
            | Body::CheckState { .. }
            | Body::NotifyDelivery { .. }
            | Body::AlertmanagerSilence { .. } => Folded::Ignored,
        }
    }

    /// The first claim folded so far that held `lock` and had not ended by
    /// `at_ms`: unfinished with a live lease then, or finished after it
    /// (which includes every claim made after `at_ms`).
    fn held_at(&self, lock: &str, at_ms: i64) -> Option<&Claim> {
        self.in_order().find(|c| c.lock == lock && c.holds_at(at_ms))
    }

    /// The active run of a lock, live or abandoned.
    pub fn active(&self, lock: &str) -> Option<&Claim> {
        self.in_order().rev().find(|c| c.lock == lock && c.is_active())
    }

    pub fn get(&self, run: &str) -> Option<&Claim> {
        self.by_id.get(run)
    }

    /// The claim of `run` if it took its lock (did not lose).
    pub fn held(&self, run: &str) -> Option<&Claim> {
        self.get(run).filter(|c| !c.lost)
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

/// The lock a rollback action's run holds: its `lock`, else `rollback:<id>`.
pub fn rollback_lock(def: &crate::config::sections::Rollback) -> String {
    def.lock.clone().unwrap_or_else(|| format!("rollback:{}", def.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NewEvent;

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

    fn claim_at(seq: i64, at: i64, who: &str, run: &str) -> (Event, Body) {
        ev(seq, at, who, claim(run))
    }

    #[test]
    fn at_the_lease_boundary_the_holder_still_holds() {
        // Alice claims at 1s with a 30s lease: it ends at 31s, inclusive.
        let first = claim_at(1, 1000, "alice", "a");
        assert_eq!(fold(std::slice::from_ref(&first)).get("a").unwrap().lease_ends_ms(), 31_000);
        for (at, loses) in [(30_999, true), (31_000, true), (31_001, false)] {
            let runs = fold(&[first.clone(), claim_at(2, at, "bob", "b")]);
            let b = runs.get("b").unwrap();
            assert_eq!(b.lost, loses, "bob's claim at {at}");
            assert_eq!(b.lost_to.as_deref(), loses.then_some("a"));
            let a = runs.get("a").unwrap();
            assert_eq!((a.holds_at(at), a.is_abandoned(at)), (loses, !loses), "alice's claim at {at}");
        }
        // A renewal moves the boundary: renewed at 20s, the lease ends at 50s.
        let renewed = ev(2, 20_000, "alice", Body::RunRenewed { run: "a".into() });
        assert!(fold(&[first.clone(), renewed.clone(), claim_at(3, 50_000, "bob", "b")]).get("b").unwrap().lost);
        assert!(!fold(&[first.clone(), renewed, claim_at(3, 50_001, "bob", "b")]).get("b").unwrap().lost);
        // A finish at 5s has ended the run at 5s.
        let finished = ev(2, 5000, "alice", finish("a"));
        for (at, loses) in [(4999, true), (5000, false), (5001, false)] {
            let runs = fold(&[first.clone(), finished.clone(), claim_at(3, at, "bob", "b")]);
            assert_eq!(runs.get("b").unwrap().lost, loses, "bob's claim at {at}, alice finished at 5000");
        }
    }

    #[test]
    fn a_repeated_run_id_is_ignored() {
        let mut runs = Runs::default();
        let (e, b) = claim_at(1, 1000, "alice", "a");
        assert_eq!(runs.apply(&e, &b), Folded::Claimed);
        // Repeated after the lease ran out: no renewal, no second claim.
        let (e, b) = claim_at(2, 40_000, "alice", "a");
        assert_eq!(runs.apply(&e, &b), Folded::Ignored);
        let a = runs.get("a").unwrap();
        assert_eq!((a.seq, a.claimed_at_ms, a.renewed_at_ms), (1, 1000, 1000));
        assert!(a.is_abandoned(40_000), "a repeated claim is no sign of life");
        let (e, b) = claim_at(3, 40_000, "bob", "b");
        assert_eq!(runs.apply(&e, &b), Folded::Claimed);
        assert!(!runs.get("b").unwrap().lost, "the lock is free: alice's lease ran out at 31s");
        // Repeated under another lock, or after the run lost: still ignored.
        let other = Body::RunClaimed {
            title: String::new(),
            run: "b".into(),
            lock: "rollback:db".into(),
            subject: Subject::Rollback { action: "db".into() },
            lease_ms: 30_000,
        };
        assert_eq!(runs.apply(&ev(4, 41_000, "bob", other.clone()).0, &other), Folded::Ignored);
        assert_eq!(runs.get("b").unwrap().lock, "rollback:api");
        let (e, b) = claim_at(5, 41_000, "carol", "c");
        assert_eq!(runs.apply(&e, &b), Folded::Claimed);
        assert!(runs.get("c").unwrap().lost);
        let (e, b) = claim_at(6, 200_000, "carol", "c");
        assert_eq!(runs.apply(&e, &b), Folded::Ignored);
        assert!(runs.held("c").is_none(), "a lost claim stays lost");
        // Only the first finish counts, and a finished run is not claimed again.
        let (e, b) = ev(7, 45_000, "bob", finish("b"));
        assert_eq!(runs.apply(&e, &b), Folded::Finished);
        assert_eq!(runs.apply(&ev(8, 46_000, "bob", not_started("b")).0, &not_started("b")), Folded::Ignored);
        assert_eq!(runs.get("b").unwrap().finish.as_ref().unwrap().outcome, Outcome::Succeeded);
        let (e, b) = claim_at(9, 50_000, "bob", "b");
        assert_eq!(runs.apply(&e, &b), Folded::Ignored);
        assert!(runs.active("rollback:api").is_some_and(|c| c.run == "a"), "only alice's abandoned claim is active");
        assert_eq!(
            runs.apply(&ev(10, 50_000, "x", Body::RunRenewed { run: "zz".into() }).0, &Body::RunRenewed { run: "zz".into() }),
            Folded::Ignored
        );
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
