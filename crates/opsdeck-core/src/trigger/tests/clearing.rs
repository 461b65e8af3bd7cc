//! When a trigger's conditions have cleared (what expires its proposal):
//! `clear_after` samples of the check in a row not meeting a condition, for
//! at least the condition's own duration; UNKNOWN and stale data never
//! clear; `any` needs every condition cleared, `all` one.

use super::support::*;
use crate::config::sections::Combine;
use crate::metrics::Health;
use crate::trigger::Observed;

#[test]
fn a_condition_clears_after_clear_after_samples_for_its_own_duration() {
    let mut e = engine(&[trigger("t", &["api latency_ms > 5000 for 30s"])]);
    e.observe(&api(0, 6000.0));
    e.observe(&api(40 * SEC, 6000.0));
    assert_eq!(e.rules()[0].cleared(40 * SEC), None, "it holds");
    e.observe(&api(45 * SEC, 100.0));
    assert_eq!(e.rules()[0].cleared(45 * SEC), None, "one sample of the check's two (clear_after)");
    e.observe(&api(50 * SEC, 100.0));
    assert_eq!(e.rules()[0].cleared(50 * SEC), None, "two samples, but not yet for the condition's 30s");
    e.observe(&api(75 * SEC, 100.0));
    assert_eq!(e.rules()[0].cleared(75 * SEC).as_deref(), Some("api recovered"));
    e.observe(&api(80 * SEC, 6000.0));
    assert_eq!(e.rules()[0].cleared(80 * SEC), None, "holding again ends the run");
}

#[test]
fn a_check_that_stops_answering_or_goes_stale_has_not_recovered() {
    let mut e = engine(&[trigger("t", &["api latency_ms > 5000"])]);
    e.observe(&api(0, 6000.0));
    e.observe(&api(5 * SEC, 100.0));
    e.observe(&Observed::failed("api", 10 * SEC, Health::Unknown, "connection refused", false));
    assert_eq!(e.rules()[0].cleared(10 * SEC), None, "no answer is no recovery");
    e.observe(&api(15 * SEC, 100.0));
    e.observe(&api(20 * SEC, 100.0));
    assert_eq!(e.rules()[0].cleared(20 * SEC).as_deref(), Some("api recovered"));
    assert_eq!(e.rules()[0].cleared(60 * SEC), None, "stale: nobody knows");
}

#[test]
fn down_conditions_clear_on_answers_and_state_conditions_on_the_evaluated_health() {
    let mut e = engine(&[trigger("down", &["api down for 20s"]), trigger("crit", &["error-rate critical"])]);
    e.observe(&Observed::failed("api", 0, Health::Unknown, "timeout after 2s", false));
    e.observe(&api(5 * SEC, 900.0));
    e.observe(&api(10 * SEC, 900.0));
    assert_eq!(e.rules()[0].cleared(10 * SEC), None, "answering, but not for the condition's 20s yet");
    assert_eq!(e.rules()[0].cleared(25 * SEC).as_deref(), Some("api recovered"));
    e.observe(&errors(0, Health::Critical, 0.2));
    e.observe(&errors(5 * SEC, Health::Critical, 0.01));
    assert_eq!(e.rules()[1].cleared(5 * SEC), None, "the evaluator still calls it CRITICAL");
    e.observe(&errors(10 * SEC, Health::Degraded, 0.01));
    e.observe(&errors(15 * SEC, Health::Ok, 0.0));
    assert_eq!(e.rules()[1].cleared(15 * SEC).as_deref(), Some("error-rate recovered"));
}

#[test]
fn any_needs_every_condition_cleared_and_all_needs_one() {
    let when = ["api latency_ms > 5000", "error-rate critical"];
    let mut all = trigger("all", &when);
    all.combine = Combine::All;
    let mut e = engine(&[trigger("any", &when), all]);
    for at in [0, 5 * SEC] {
        e.observe(&api(at, 100.0));
        e.observe(&errors(at, Health::Critical, 0.2));
    }
    assert_eq!(e.rules()[0].cleared(5 * SEC), None, "any: the error rate still holds");
    assert_eq!(e.rules()[1].cleared(5 * SEC).as_deref(), Some("api recovered"), "all: one condition no longer holds");
    for at in [10 * SEC, 15 * SEC] {
        e.observe(&errors(at, Health::Ok, 0.0));
    }
    assert_eq!(e.rules()[0].cleared(15 * SEC).as_deref(), Some("error-rate recovered"), "the api never was slow: it did not recover");
}
