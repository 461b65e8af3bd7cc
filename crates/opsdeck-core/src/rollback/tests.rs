//! Proposals closing once for the room: by expiry (its conditions cleared,
//! or `expire_after` unanswered), by a freeze (advice for good), and the
//! two-person request made to run one, withdrawn when it closes.

use super::expiry::due;
use super::*;
use crate::config::TimeSpan;
use crate::config::sections::{Combine, OnNoAnswer, Trigger, TriggerMode};
use crate::event::{Actor, Body, Event, Expiry, NewEvent, Verdict};
use crate::metrics::Health;
use crate::trigger::{CheckInfo, Engine, Observed};

fn ev(seq: i64, at: i64, who: &str, body: Body) -> Event {
    let actor = Actor { name: who.into(), host: "h".into(), from: None };
    NewEvent::new("room", &actor, at, &body).stored(seq)
}

fn proposed(trigger: &str, rollback: &str) -> Body {
    Body::RollbackProposed {
        trigger: trigger.into(),
        rollback: rollback.into(),
        reason: "api latency_ms 6000 > 5000".into(),
        deadline_ms: Some(61_000),
        on_no_answer: "run".into(),
        console: "c1".into(),
    }
}

fn expired(proposal: i64, cause: Expiry, detail: &str) -> Body {
    Body::RollbackExpired { proposal, rollback: "prev".into(), cause, detail: detail.into() }
}

fn decided(proposal: i64, verdict: Verdict) -> Body {
    Body::RollbackDecided { proposal, rollback: "prev".into(), verdict, no_answer: false }
}

fn marker(text: &str) -> Body {
    Body::Marker { text: text.into() }
}

fn fold(events: &[Event]) -> Rollbacks {
    let mut r = Rollbacks::default();
    for e in events {
        r.apply(e);
    }
    r
}

#[test]
fn an_expired_proposal_is_closed_and_nothing_after_decides_it() {
    let r = fold(&[
        ev(1, 1_000, "alice", proposed("t", "prev")),
        ev(2, 30_000, "alice", expired(1, Expiry::Cleared, "api recovered")),
        ev(3, 31_000, "bob", decided(1, Verdict::Run)),
        ev(4, 700_000, "alice", expired(1, Expiry::Unanswered, "10m")),
    ]);
    let p = &r.proposals[0];
    assert!(!p.is_open());
    assert_eq!(p.lapsed.as_ref().map(ToString::to_string).as_deref(), Some("expired: api recovered"), "the first expiry counts");
    assert_eq!((&p.decided, p.decision_seq), (&None, None), "a confirmation after the expiry does not count");
    assert_eq!(p.remaining_ms(31_000), None, "no countdown left");
    assert!(r.open_proposal("prev").is_none());
    let r = fold(&[ev(1, 1_000, "alice", proposed("t", "prev")), ev(2, 700_000, "alice", expired(1, Expiry::Unanswered, "10m"))]);
    assert_eq!(r.proposals[0].lapsed.as_ref().map(ToString::to_string).as_deref(), Some("expired after 10m unanswered"));
}

#[test]
fn a_decision_that_came_first_is_not_undone_by_an_expiry() {
    let r = fold(&[
        ev(1, 1_000, "alice", proposed("t", "prev")),
        ev(2, 5_000, "bob", decided(1, Verdict::Vetoed)),
        ev(3, 6_000, "alice", expired(1, Expiry::Cleared, "api recovered")),
    ]);
    assert_eq!(r.proposals[0].lapsed, None);
    assert_eq!(r.proposals[0].decision_seq, Some(2));
}

#[test]
fn a_freeze_turns_open_proposals_into_advice_and_an_unfreeze_does_not_reopen_them() {
    let r = fold(&[
        ev(1, 1_000, "alice", proposed("t", "prev")),
        ev(2, 1_000, "alice", proposed("u", "other")),
        ev(3, 2_000, "bob", Body::RollbackDecided { proposal: 2, rollback: "other".into(), verdict: Verdict::Vetoed, no_answer: false }),
        ev(4, 3_000, "carol", marker("deploy v2")),
        ev(5, 4_000, "carol", marker("freeze: migration 42 is irreversible")),
        ev(6, 5_000, "bob", decided(1, Verdict::Run)),
        ev(7, 6_000, "carol", marker("unfreeze: migration verified")),
    ]);
    let p = &r.proposals[0];
    assert_eq!(p.frozen(), Some("freeze: migration 42 is irreversible"));
    assert_eq!(
        p.lapsed.as_ref().map(ToString::to_string).as_deref(),
        Some("advice only: frozen by “freeze: migration 42 is irreversible”")
    );
    assert_eq!(p.decided, None, "a frozen proposal cannot be confirmed");
    assert_eq!(p.remaining_ms(5_000), None, "nor counted down");
    assert!(r.open_proposal("prev").is_none(), "the unfreeze did not reopen it");
    assert_eq!(r.frozen(), None);
    assert_eq!(r.proposals[1].lapsed, None, "a decided proposal stays decided");
}

#[test]
fn a_proposal_recorded_after_the_freeze_is_advice_from_the_start() {
    let r = fold(&[ev(1, 1_000, "carol", marker("freeze")), ev(2, 1_500, "alice", proposed("t", "prev"))]);
    assert_eq!(r.frozen(), Some("freeze"));
    assert_eq!(r.proposals[0].frozen(), Some("freeze"), "a console that had not seen the freeze yet proposed it");
    let r = fold(&[
        ev(1, 1_000, "carol", marker("freeze")),
        ev(2, 2_000, "carol", marker("thaw")),
        ev(3, 3_000, "alice", proposed("t", "prev")),
    ]);
    assert!(r.open_proposal("prev").is_some(), "after the unfreeze proposals are proposals again");
}

#[test]
fn a_request_made_while_a_proposal_is_open_stops_its_countdown_and_is_withdrawn_when_it_expires() {
    let mut r = fold(&[
        ev(1, 1_000, "alice", proposed("t", "prev")),
        ev(2, 2_000, "alice", Body::RollbackRequested { request: "q".into(), action: "prev".into() }),
    ]);
    let p = &r.proposals[0];
    assert!(p.waits_for_approval());
    assert_eq!(p.remaining_ms(2_000), None, "waiting for a second person: the countdown no longer counts");
    assert_eq!(r.request("q").and_then(|q| q.proposal), Some(1));
    r.apply(&ev(3, 30_000, "alice", expired(1, Expiry::Cleared, "api recovered")));
    assert!(r.waiting_request("prev").is_none());
    assert_eq!(r.last_request("prev").and_then(|q| q.withdrawn.as_deref()), Some("its proposal expired: api recovered"));
    r.apply(&ev(4, 31_000, "bob", Body::RollbackApproved { request: "q".into(), action: "prev".into() }));
    assert!(r.request("q").is_some_and(|q| q.approved.is_none()), "a withdrawn request cannot be approved");
}

#[test]
fn a_request_not_made_for_a_proposal_waits_as_before() {
    let r = fold(&[
        ev(1, 1_000, "alice", Body::RollbackRequested { request: "q".into(), action: "prev".into() }),
        ev(2, 2_000, "carol", marker("freeze")),
        ev(3, 3_000, "bob", Body::RollbackApproved { request: "q".into(), action: "prev".into() }),
    ]);
    let q = r.request("q").expect("the request");
    assert_eq!((q.proposal, q.withdrawn.as_deref()), (None, None));
    assert!(q.approved.is_some(), "a freeze turns proposals into advice; a person's own run still needs only its approval");
}

const SEC: i64 = 1_000;

/// A trigger on the api's latency, over a check with `clear_after = 2`.
fn engine(expire_after: TimeSpan) -> Engine {
    let t = Trigger {
        id: "t".into(),
        when: vec!["api latency_ms > 5000".into()],
        combine: Combine::Any,
        propose: Some("prev".into()),
        mode: TriggerMode::Confirm,
        countdown: TimeSpan::from_secs(60),
        on_no_answer: OnNoAnswer::Run,
        grace: TimeSpan::default(),
        cooldown: TimeSpan::from_secs(600),
        expire_after,
        silence_matchers: Vec::new(),
    };
    let api =
        CheckInfo { id: "api".into(), value_name: "latency_ms".into(), unit: None, band: None, stale_after_ms: 30 * SEC, clear_after: 2 };
    Engine::new(&[t], &[api])
}

fn latency(at_ms: i64, ms: f64) -> Observed {
    Observed::value("api", at_ms, Health::Ok, ms).with_field("latency_ms", ms)
}

/// The proposal of trigger `t` recorded at `at_ms`.
fn open_at(at_ms: i64) -> Proposed {
    fold(&[ev(1, at_ms, "alice", proposed("t", "prev"))]).proposals.remove(0)
}

#[test]
fn a_proposal_expires_once_its_conditions_cleared_for_clear_after_samples() {
    let mut e = engine(TimeSpan::from_secs(600));
    let p = open_at(0);
    e.observe(&latency(0, 6000.0));
    e.observe(&latency(5 * SEC, 100.0));
    assert_eq!(due(&p, &e.rules()[0], 5 * SEC), None, "one good sample of two");
    e.observe(&latency(10 * SEC, 100.0));
    assert_eq!(due(&p, &e.rules()[0], 10 * SEC), Some((Expiry::Cleared, "api recovered".into())));
}

#[test]
fn a_proposal_expires_after_expire_after_unanswered_and_a_closed_one_never() {
    let mut e = engine(TimeSpan::from_secs(600));
    let p = open_at(0);
    for at in (0..=600).step_by(10).map(|s| s * SEC) {
        e.observe(&latency(at, 6000.0));
    }
    assert_eq!(due(&p, &e.rules()[0], 599 * SEC), None);
    assert_eq!(due(&p, &e.rules()[0], 600 * SEC), Some((Expiry::Unanswered, "10m".into())));
    let vetoed = fold(&[ev(1, 0, "alice", proposed("t", "prev")), ev(2, SEC, "bob", decided(1, Verdict::Vetoed))]).proposals.remove(0);
    assert_eq!(due(&vetoed, &e.rules()[0], 900 * SEC), None);
}
