//! What keeps a holding trigger from firing or proposing: grace after a
//! deploy marker, cooldown, freeze, silences and their expiry.

use super::support::*;
use crate::config::TimeSpan;
use crate::config::sections::TriggerMode;
use crate::event::{Actor, Body, NewEvent};
use crate::metrics::Health;
use crate::trigger::{Proposal, Status};

/// A trigger on `api latency_ms > 5000` with the api slow from t=0 on, sampled every 5s.
fn slow_api(grace_s: u64, cooldown_s: u64) -> crate::trigger::Engine {
    let mut t = trigger("rollback-api", &["api latency_ms > 5000"]);
    t.grace = TimeSpan::from_secs(grace_s);
    t.cooldown = TimeSpan::from_secs(cooldown_s);
    engine(&[t])
}

#[test]
fn no_firing_within_grace_after_a_deploy_marker() {
    let mut e = slow_api(120, 600);
    e.context_mut().marker(10 * SEC, "deploy v2.3.1");
    let table: &[(i64, &str)] = &[(15 * SEC, "grace"), (60 * SEC, "grace"), (129 * SEC, "grace"), (130 * SEC, "firing")];
    for &(at, want) in table {
        e.observe(&api(at, 6000.0));
        assert_eq!(name(&mut e, at), want, "at {}s", at / SEC);
    }
}

#[test]
fn grace_shows_its_end_the_marker_and_what_it_holds_back() {
    let mut e = slow_api(120, 600);
    e.context_mut().marker(10 * SEC, "deploy v2.3.1");
    e.observe(&api(15 * SEC, 6000.0));
    match status(&mut e, 15 * SEC) {
        Status::Grace { until_ms, marker, held } => {
            assert_eq!(until_ms, 130 * SEC);
            assert_eq!(marker, "deploy v2.3.1");
            assert!(held.is_some_and(|h| h.contains("6000 > 5000")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_later_deploy_restarts_grace_and_a_freeze_marker_does_not() {
    let mut e = slow_api(60, 600);
    e.context_mut().marker(0, "deploy v1");
    e.context_mut().marker(30 * SEC, "freeze: migration 42");
    e.observe(&api(70 * SEC, 6000.0));
    assert_eq!(name(&mut e, 70 * SEC), "firing", "grace counted from the deploy, not the freeze");
    let mut e = slow_api(60, 600);
    e.context_mut().marker(0, "deploy v1");
    e.context_mut().marker(30 * SEC, "deploy v2");
    e.observe(&api(70 * SEC, 6000.0));
    assert_eq!(name(&mut e, 70 * SEC), "grace");
}

#[test]
fn cooldown_spaces_firings() {
    let mut e = slow_api(0, 600);
    let mut seen = Vec::new();
    for at in (0..=1300).step_by(50).map(|s| s * SEC) {
        e.observe(&api(at, 6000.0));
        if let Status::Firing(f) = status(&mut e, at) {
            seen.push(f.at_ms / SEC);
        }
    }
    assert_eq!(seen, [0, 600, 1200]);
    assert_eq!(e.rules()[0].last_fired_ms(), Some(1200 * SEC));
    match status(&mut e, 1250 * SEC) {
        Status::CoolingDown { fired_ms, until_ms } => assert_eq!((fired_ms, until_ms), (1200 * SEC, 1800 * SEC)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_cooldown_a_firing_latches_until_the_conditions_clear() {
    let mut e = slow_api(0, 0);
    let table: &[(i64, f64, &str)] =
        &[(0, 6000.0, "firing"), (5 * SEC, 6000.0, "latched"), (10 * SEC, 100.0, "armed"), (15 * SEC, 6000.0, "firing")];
    for &(at, v, want) in table {
        e.observe(&api(at, v));
        assert_eq!(name(&mut e, at), want, "at {}s", at / SEC);
    }
}

#[test]
fn a_freeze_turns_rollbacks_into_advice() {
    for mode in [TriggerMode::Confirm, TriggerMode::Auto, TriggerMode::Advise] {
        let mut t = trigger("rollback-api", &["api latency_ms > 5000"]);
        t.mode = mode;
        let mut e = engine(&[t]);
        e.context_mut().marker(0, "freeze: migration 42 is irreversible");
        e.observe(&api(SEC, 6000.0));
        let Status::Firing(f) = status(&mut e, SEC) else { panic!("a frozen trigger still reports") };
        assert_eq!(f.mode, TriggerMode::Advise, "{mode:?}");
        assert_eq!(f.configured, mode);
        assert_eq!(f.proposes(), None, "{mode:?}: no rollback under a freeze");
        assert_eq!(Proposal::from_firing(&f, &e.rules()[0]), None);
        let expect_frozen = (mode != TriggerMode::Advise).then(|| "freeze: migration 42 is irreversible".to_string());
        assert_eq!(f.frozen, expect_frozen, "{mode:?}");
    }
}

#[test]
fn unfreezing_restores_the_mode() {
    let mut e = slow_api(0, 0);
    e.context_mut().marker(0, "freeze");
    e.context_mut().marker(5 * SEC, "unfreeze: migration verified");
    e.observe(&api(10 * SEC, 6000.0));
    let Status::Firing(f) = status(&mut e, 10 * SEC) else { panic!("should fire") };
    assert_eq!((f.mode, f.frozen.as_deref(), f.proposes()), (TriggerMode::Confirm, None, Some("release-previous")));
}

#[test]
fn a_silenced_trigger_fires_nothing_until_the_silence_expires() {
    let mut e = slow_api(0, 600);
    e.context_mut().silence("trigger:rollback-api", 60 * SEC, "known: CDN warming up");
    e.observe(&api(0, 6000.0));
    match status(&mut e, 0) {
        Status::Silenced { target, reason, until_ms, held } => {
            assert_eq!((target.as_str(), reason.as_str(), until_ms), ("trigger:rollback-api", "known: CDN warming up", 60 * SEC));
            assert!(held.is_some());
        }
        other => panic!("{other:?}"),
    }
    e.observe(&api(59 * SEC, 6000.0));
    assert_eq!(name(&mut e, 59 * SEC), "silenced");
    e.observe(&api(60 * SEC, 6000.0));
    assert_eq!(name(&mut e, 60 * SEC), "firing", "silences expire by themselves");
}

#[test]
fn a_silenced_check_counts_for_nothing() {
    let mut e = engine(&[trigger("t", &["api latency_ms > 5000", "error-rate critical"])]);
    e.context_mut().silence("check:api", 60 * SEC, "load test");
    e.observe(&api(0, 6000.0));
    e.observe(&errors(0, Health::Ok, 0.0));
    match status(&mut e, 0) {
        Status::Silenced { target, .. } => assert_eq!(target, "check:api"),
        other => panic!("{other:?}"),
    }
    e.observe(&errors(SEC, Health::Critical, 0.2));
    let Status::Firing(f) = status(&mut e, SEC) else { panic!("the other condition still fires") };
    assert!(!f.reason.contains("api latency"), "the silenced check is not a reason: {}", f.reason);
}

#[test]
fn lifting_a_silence_and_journal_events_feed_the_context() {
    let actor = Actor::unknown();
    let ev = |at, body: Body| NewEvent::new("r", &actor, at, &body).stored(1);
    let mut e = slow_api(120, 600);
    e.context_mut().apply(&ev(0, Body::SilenceSet { target: "rollback-api".into(), until_ms: 10 * MIN, reason: "drill".into() }));
    e.observe(&api(SEC, 6000.0));
    assert_eq!(name(&mut e, SEC), "silenced");
    e.context_mut().apply(&ev(2 * SEC, Body::SilenceLifted { target: "rollback-api".into() }));
    e.context_mut().apply(&ev(2 * SEC, Body::Marker { text: "deploy v9".into() }));
    e.observe(&api(3 * SEC, 6000.0));
    assert_eq!(name(&mut e, 3 * SEC), "grace");
}

#[test]
fn peek_records_nothing() {
    let mut e = slow_api(0, 600);
    e.observe(&api(0, 6000.0));
    assert_eq!(e.peek(0)[0].status.name(), "firing");
    assert_eq!(e.peek(0)[0].status.name(), "firing");
    assert_eq!(e.rules()[0].last_fired_ms(), None);
    assert_eq!(name(&mut e, 0), "firing");
    assert_eq!(e.peek(SEC)[0].status.name(), "cooling_down");
}

/// The room's record of a firing of `rollback-api`, stored at `at_ms`.
fn room_fired(seq: i64, at_ms: i64) -> crate::event::Event {
    let who = Actor { name: "alice".into(), host: "bastion-1".into(), from: None };
    let body = Body::TriggerFired {
        trigger: "rollback-api".into(),
        reason: "api latency_ms 6000 > 5000".into(),
        mode: "advise".into(),
        rollback: None,
        frozen: None,
    };
    NewEvent::new("test", &who, at_ms, &body).stored(seq)
}

#[test]
fn the_cooldown_runs_from_the_rooms_record_of_the_firing() {
    // The engine fires at 0; the room stores the firing a millisecond later.
    let mut e = slow_api(0, 600);
    e.observe(&api(0, 6000.0));
    assert_eq!(name(&mut e, 0), "firing");
    e.apply(&room_fired(1, 1));
    // At the engine's own cooldown end the room's record is not 10 minutes
    // old yet: a firing now would be taken for the one already recorded
    // and swallowed. The engine waits for the room's cooldown instead.
    e.observe(&api(600 * SEC, 6000.0));
    let Status::CoolingDown { fired_ms, until_ms } = status(&mut e, 600 * SEC) else { panic!("still cooling down") };
    assert_eq!((fired_ms, until_ms), (1, 600 * SEC + 1));
    e.observe(&api(601 * SEC, 6000.0));
    let Status::Firing(f) = status(&mut e, 601 * SEC) else { panic!("fires again once the room's cooldown is over") };
    assert!(f.at_ms > 600 * SEC, "the second firing is a cooldown after the room's record of the first");
}

#[test]
fn a_console_that_did_not_fire_cools_down_with_the_room() {
    let mut e = slow_api(0, 600);
    e.apply(&room_fired(1, 10 * SEC));
    e.observe(&api(20 * SEC, 6000.0));
    assert_eq!(name(&mut e, 20 * SEC), "cooling_down", "another console already fired it");
    // An older record does not move the cooldown back.
    e.apply(&room_fired(2, 5 * SEC));
    let Status::CoolingDown { fired_ms, .. } = status(&mut e, 30 * SEC) else { panic!("cooling down") };
    assert_eq!(fired_ms, 10 * SEC);
}
