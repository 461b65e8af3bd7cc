//! Proposals: confirm waits for a person; auto counts down, can be vetoed
//! or run now, and `on_no_answer` decides at the deadline.

use super::support::*;
use crate::config::sections::{OnNoAnswer, TriggerMode};
use crate::trigger::{AlreadyDecided, Answer, Decision, Engine, Proposal, Status};

fn proposal(mode: TriggerMode, on_no_answer: OnNoAnswer) -> (Engine, Proposal) {
    let mut t = trigger("rollback-api", &["api latency_ms > 5000"]);
    t.mode = mode;
    t.on_no_answer = on_no_answer;
    let mut e = engine(&[t]);
    e.observe(&api(100 * SEC, 6000.0));
    let Status::Firing(f) = status(&mut e, 100 * SEC) else { panic!("should fire") };
    let p = Proposal::from_firing(&f, &e.rules()[0]).expect("confirm and auto propose");
    (e, p)
}

fn run(by: Answer, at_ms: i64) -> Decision {
    Decision::Run { trigger: "rollback-api".into(), rollback: "release-previous".into(), by, at_ms }
}

#[test]
fn auto_counts_down_and_no_answer_runs_or_cancels() {
    let cases = [
        (OnNoAnswer::Run, run(Answer::NoAnswer, 160 * SEC)),
        (OnNoAnswer::Cancel, Decision::Cancelled { trigger: "rollback-api".into(), rollback: "release-previous".into(), at_ms: 160 * SEC }),
    ];
    for (on_no_answer, expected) in cases {
        let (_, mut p) = proposal(TriggerMode::Auto, on_no_answer);
        assert_eq!(p.deadline_ms, Some(160 * SEC));
        assert_eq!(p.remaining_ms(130 * SEC), Some(30 * SEC));
        assert_eq!(p.tick(159 * SEC), None);
        assert_eq!(p.tick(161 * SEC), Some(expected.clone()), "{on_no_answer:?}");
        assert!(!p.is_open());
        assert_eq!(p.tick(170 * SEC), None, "decided once");
        assert_eq!(p.remaining_ms(170 * SEC), None);
    }
}

#[test]
fn a_veto_stops_the_countdown() {
    let (_, mut p) = proposal(TriggerMode::Auto, OnNoAnswer::Run);
    let d = p.veto("alice@bastion-1", 120 * SEC).unwrap();
    assert_eq!(
        d,
        Decision::Vetoed {
            trigger: "rollback-api".into(),
            rollback: "release-previous".into(),
            by: "alice@bastion-1".into(),
            at_ms: 120 * SEC
        }
    );
    assert_eq!(p.tick(200 * SEC), None, "the deadline no longer matters");
    let late = p.run_now("bob", 130 * SEC).unwrap_err();
    assert_eq!(late, AlreadyDecided(d));
    assert_eq!(late.to_string(), "release-previous was already vetoed by alice@bastion-1");
}

#[test]
fn run_now_skips_the_rest_of_the_countdown() {
    let (_, mut p) = proposal(TriggerMode::Auto, OnNoAnswer::Cancel);
    assert_eq!(p.run_now("bob", 110 * SEC), Ok(run(Answer::Person("bob".into()), 110 * SEC)));
    assert_eq!(p.tick(200 * SEC), None);
    assert!(p.veto("carol", 111 * SEC).unwrap_err().to_string().contains("already running (bob)"));
}

#[test]
fn an_answer_before_the_deadline_is_noticed_wins() {
    let (_, mut p) = proposal(TriggerMode::Auto, OnNoAnswer::Run);
    assert!(p.veto("alice", 165 * SEC).is_ok(), "the person's word wins over an unnoticed deadline");
}

#[test]
fn confirm_waits_for_a_person() {
    let (_, mut p) = proposal(TriggerMode::Confirm, OnNoAnswer::Run);
    assert_eq!((p.mode, p.deadline_ms), (TriggerMode::Confirm, None));
    assert_eq!(p.tick(100 * 60 * SEC), None, "no countdown");
    assert!(p.is_open());
    assert_eq!(p.run_now("alice", 300 * SEC), Ok(run(Answer::Person("alice".into()), 300 * SEC)));
}

#[test]
fn advise_proposes_nothing() {
    let mut t = trigger("banner", &["api latency_ms > 5000"]);
    t.mode = TriggerMode::Advise;
    let mut e = engine(&[t]);
    e.observe(&api(0, 6000.0));
    let Status::Firing(f) = status(&mut e, 0) else { panic!("advise still fires") };
    assert_eq!(Proposal::from_firing(&f, &e.rules()[0]), None);
}
