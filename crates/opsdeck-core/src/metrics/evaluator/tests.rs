//! Tests of the parent module.
use super::*;
use crate::config::band::CmpOp;

fn latency_band() -> ResolvedBand {
    ResolvedBand { target: Some((CmpOp::Lt, 200.0)), acceptable: Some((CmpOp::Lt, 500.0)), critical: Some((CmpOp::Gt, 1000.0)) }
}

fn evaluator(raise_after: u32, clear_after: u32) -> Evaluator {
    Evaluator::new(EvaluatorConfig {
        raise_after,
        clear_after,
        stale_after_ms: 30_000,
        ..EvaluatorConfig::new("latency_ms", Some(latency_band()))
    })
}

/// Feeds values one second apart starting at `start_s`; returns the transitions.
fn feed(e: &mut Evaluator, start_s: i64, values: &[f64]) -> Vec<Transition> {
    values.iter().enumerate().filter_map(|(i, &v)| e.observe(Observation::value((start_s + i as i64) * 1000, v))).collect()
}

#[test]
fn a_target_reporting_failure_is_critical_not_unknown() {
    let mut e = evaluator(2, 2);
    let t = e.observe(Observation::failure(1000, "HTTP 503 Service Unavailable")).expect("transition");
    assert_eq!((t.from, t.to), (Health::Unknown, Health::Critical));
    assert_eq!(t.reason, "failed: HTTP 503 Service Unavailable");
    // Leaving critical takes clear_after good values.
    assert_eq!(feed(&mut e, 2, &[100.0]), vec![]);
    let t = feed(&mut e, 3, &[120.0]);
    assert_eq!(t[0].to, Health::Ok);
    // From OK, one failure is not enough with raise_after 2; two are.
    assert_eq!(e.observe(Observation::failure(4000, "HTTP 500")), None);
    let t = e.observe(Observation::failure(5000, "HTTP 500")).expect("raised");
    assert_eq!(t.to, Health::Critical);
    assert_eq!(t.reason, "failed: HTTP 500 for 2 samples");
    assert_eq!(e.consecutive_failures(), 2);
    assert_eq!(e.last_error(), Some("HTTP 500"));
}

#[test]
fn starts_unknown_with_no_data() {
    let mut e = evaluator(3, 3);
    assert_eq!(e.health(), Health::Unknown);
    assert_eq!(e.reason(), "no data yet");
    assert_eq!(e.tick(1_000_000), None);
    assert_eq!(e.last_value(), None);
    assert_eq!(e.last_sample_at(), None);
}

#[test]
fn first_value_moves_directly_to_its_level() {
    let mut e = evaluator(3, 3);
    let t = e.observe(Observation::value(1000, 1240.0));
    let t = t.expect("transition");
    assert_eq!((t.from, t.to), (Health::Unknown, Health::Critical));
    assert_eq!(t.reason, "first sample: latency_ms 1240 > 1000 (critical)");
    assert_eq!(t.value, Some(1240.0));
    assert_eq!(t.recent, vec![1240.0]);
    assert_eq!(e.since_ms(), Some(1000));

    let mut ok = evaluator(3, 3);
    let t = ok.observe(Observation::value(0, 180.0)).expect("transition");
    assert_eq!(t.to, Health::Ok);
    assert_eq!(ok.reason(), "first sample: latency_ms 180 < 200 (target)");
}

#[test]
fn raise_needs_raise_after_consecutive_worse_values() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[180.0]);
    // 2 bad out of 3: no raise.
    assert!(feed(&mut e, 1, &[1240.0, 1240.0, 180.0]).is_empty());
    assert!(feed(&mut e, 4, &[1240.0, 1240.0]).is_empty());
    assert_eq!(e.health(), Health::Ok);
    // Third consecutive bad value raises.
    let t = feed(&mut e, 6, &[1300.0]);
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].from, t[0].to), (Health::Ok, Health::Critical));
    assert_eq!(t[0].reason, "latency_ms 1300 > 1000 (critical) for 3 samples");
    assert_eq!(t[0].at_ms, 6000);
    assert_eq!(t[0].recent, vec![180.0, 1240.0, 1240.0, 180.0, 1240.0, 1240.0, 1300.0]);
}

#[test]
fn raise_moves_to_best_level_held_then_escalates() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[180.0]);
    let t = feed(&mut e, 1, &[700.0, 1240.0, 1240.0]);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].to, Health::Degraded);
    assert_eq!(t[0].reason, "latency_ms 700 >= 500 (misses acceptable) for 3 samples");
    assert_eq!(t[0].value, Some(1240.0));
    // Last three are now all critical.
    let t = feed(&mut e, 4, &[1240.0]);
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].from, t[0].to), (Health::Degraded, Health::Critical));
}

#[test]
fn clear_needs_clear_after_consecutive_better_values() {
    let mut e = evaluator(1, 3);
    feed(&mut e, 0, &[1240.0]);
    assert!(feed(&mut e, 1, &[180.0, 180.0, 1240.0, 180.0, 190.0]).is_empty());
    assert_eq!(e.health(), Health::Critical);
    let t = feed(&mut e, 6, &[150.0]);
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].from, t[0].to), (Health::Critical, Health::Ok));
    assert_eq!(t[0].reason, "back to OK: latency_ms 150 < 200 (target) for 3 samples");
    assert_eq!(e.reason(), t[0].reason);
}

#[test]
fn clear_moves_to_worst_level_among_window() {
    let mut e = evaluator(1, 3);
    feed(&mut e, 0, &[1240.0]);
    let t = feed(&mut e, 1, &[300.0, 180.0, 150.0]);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].to, Health::Acceptable);
    assert_eq!(t[0].reason, "improved to ACCEPTABLE: latency_ms 300 < 500 (acceptable) for 3 samples");
}

#[test]
fn zero_thresholds_act_as_one() {
    let mut e = evaluator(0, 0);
    feed(&mut e, 0, &[180.0]);
    assert_eq!(feed(&mut e, 1, &[700.0])[0].reason, "latency_ms 700 >= 500 (misses acceptable)");
    assert_eq!(feed(&mut e, 2, &[180.0])[0].to, Health::Ok);
}

#[test]
fn error_is_unknown_immediately_and_recovers_on_first_success() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[1240.0]);
    let t = e.observe(Observation::error(1000, "connection refused")).expect("transition");
    assert_eq!((t.from, t.to), (Health::Critical, Health::Unknown));
    assert_eq!(t.reason, "probe error: connection refused");
    assert_eq!(t.value, None);
    assert_eq!(e.consecutive_failures(), 1);

    // A second, different error: no transition, reason updated.
    assert_eq!(e.observe(Observation::error(2000, "timeout after 5s")), None);
    assert_eq!(e.reason(), "probe error: timeout after 5s");
    assert_eq!(e.consecutive_failures(), 2);
    assert_eq!(e.last_error(), Some("timeout after 5s"));
    assert_eq!(e.last_value(), Some(1240.0));

    // First success goes straight to its level despite clear_after = 3.
    let t = e.observe(Observation::value(3000, 180.0)).expect("transition");
    assert_eq!((t.from, t.to), (Health::Unknown, Health::Ok));
    assert_eq!(t.reason, "back to OK: latency_ms 180 < 200 (target)");
    assert_eq!(e.consecutive_failures(), 0);
    assert_eq!(e.last_error(), Some("timeout after 5s"));
    assert_eq!(e.last_sample_at(), Some(3000));
}

#[test]
fn error_resets_hysteresis_window() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[180.0, 1240.0, 1240.0]);
    e.observe(Observation::error(3000, "reset by peer"));
    feed(&mut e, 4, &[180.0]);
    assert!(feed(&mut e, 5, &[1240.0, 1240.0]).is_empty());
    assert_eq!(e.health(), Health::Ok);
}

#[test]
fn staleness_via_tick() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[180.0]);
    assert_eq!(e.tick(30_000), None); // exactly stale_after: not yet
    let t = e.tick(45_000).expect("transition");
    assert_eq!((t.from, t.to), (Health::Ok, Health::Unknown));
    assert_eq!(t.reason, "stale: no sample for 45s");
    assert_eq!(t.at_ms, 45_000);
    // Still stale: no new transition, reason tracks the age.
    assert_eq!(e.tick(50_000), None);
    assert_eq!(e.reason(), "stale: no sample for 50s");
    // A fresh sample recovers directly.
    let t = e.observe(Observation::value(51_000, 300.0)).expect("transition");
    assert_eq!(t.to, Health::Acceptable);
    assert_eq!(e.tick(60_000), None);
}

#[test]
fn stale_disabled_when_not_positive() {
    let mut e = Evaluator::new(EvaluatorConfig { stale_after_ms: 0, ..EvaluatorConfig::new("x", None) });
    e.observe(Observation::value(0, 1.0));
    assert_eq!(e.tick(i64::MAX), None);
    assert_eq!(e.health(), Health::Ok);
}

#[test]
fn non_finite_values_are_unknown() {
    let mut e = evaluator(3, 3);
    feed(&mut e, 0, &[180.0]);
    let t = e.observe(Observation::value(1000, f64::NAN)).expect("transition");
    assert_eq!(t.to, Health::Unknown);
    assert_eq!(t.reason, "value is NaN");
    assert!(t.value.is_some_and(f64::is_nan));
    e.observe(Observation::value(2000, f64::INFINITY));
    assert_eq!(e.reason(), "value is inf");
    assert_eq!(e.series().len(), 1);
    assert_eq!(e.last_value(), Some(180.0));
    assert_eq!(e.consecutive_failures(), 0);
}

#[test]
fn band_with_only_critical() {
    let band = ResolvedBand { target: None, acceptable: None, critical: Some((CmpOp::Gt, 1000.0)) };
    let mut e = Evaluator::new(EvaluatorConfig { raise_after: 1, ..EvaluatorConfig::new("latency_ms", Some(band)) });
    let t = e.observe(Observation::value(0, 900.0)).expect("transition");
    assert_eq!(t.to, Health::Ok);
    assert_eq!(t.reason, "first sample: latency_ms 900 <= 1000 (not critical)");
    let t = e.observe(Observation::value(1000, 1500.0)).expect("transition");
    assert_eq!(t.to, Health::Critical);
    assert_eq!(t.reason, "latency_ms 1500 > 1000 (critical)");
}

#[test]
fn no_band_means_any_value_is_ok() {
    let mut e = Evaluator::new(EvaluatorConfig::new("queue_depth", None));
    let t = e.observe(Observation::value(0, 1e9)).expect("transition");
    assert_eq!(t.to, Health::Ok);
    assert_eq!(t.reason, "first sample: queue_depth 1G (no band)");
    assert!(feed(&mut e, 1, &[-5.0, 0.0, 42.0]).is_empty());
    assert_eq!(e.observe(Observation::error(9000, "dns failure")).map(|t| t.to), Some(Health::Unknown));
}

#[test]
fn out_of_order_samples_are_ignored() {
    let mut e = evaluator(1, 1);
    feed(&mut e, 10, &[180.0]);
    assert_eq!(e.observe(Observation::value(5000, 1240.0)), None);
    assert_eq!(e.health(), Health::Ok);
    assert_eq!(e.series().len(), 1);
    assert_eq!(e.last_sample_at(), Some(10_000));
}

#[test]
fn history_and_recent_are_bounded() {
    let mut e = evaluator(1, 1);
    let values: Vec<f64> = (0..200).map(|i| if i % 2 == 0 { 180.0 } else { 1240.0 }).collect();
    let all = feed(&mut e, 0, &values);
    assert_eq!(all.len(), 200);
    assert!(all.iter().all(|t| t.recent.len() <= RECENT_VALUES));
    assert_eq!(e.transitions().len(), TRANSITION_HISTORY);
    assert_eq!(e.transitions().back(), all.last());
    assert_eq!(e.series().len(), 200);
}

#[test]
fn holding_since_is_the_last_transition_to_holding_not_the_first_sample() {
    let mut e = evaluator(1, 1);
    feed(&mut e, 1, &[120.0]);
    assert_eq!(e.holding_since(), None, "held from its first sample: no transition to OK was seen");
    feed(&mut e, 2, &[300.0, 150.0]);
    assert_eq!(e.holding_since(), None, "OK and ACCEPTABLE both hold: no new hold");
    feed(&mut e, 4, &[1500.0]);
    assert_eq!(e.holding_since(), None, "critical does not hold");
    feed(&mut e, 5, &[450.0, 100.0]);
    assert_eq!(e.holding_since(), Some(5_000), "came to hold at the ACCEPTABLE value; OK after it keeps it");
    assert!(e.observe(Observation::error(7_000, "connection refused")).is_some());
    assert_eq!(e.holding_since(), None);
    feed(&mut e, 8, &[100.0]);
    assert_eq!(e.holding_since(), Some(8_000), "back from UNKNOWN after a first state is a transition to OK");

    let mut late = evaluator(1, 1);
    assert_eq!(late.observe(Observation::error(1_000, "connection refused")), None, "no data yet, still UNKNOWN");
    feed(&mut late, 2, &[100.0]);
    assert_eq!(late.holding_since(), None, "its first state holds");
}

#[test]
fn a_follower_judges_nothing_itself_and_a_judge_continues_from_what_it_adopted() {
    // The judge and the follower see the same samples.
    let mut judge = evaluator(2, 2);
    let mut follower = evaluator(2, 2);
    follower.set_following(true);
    let values = [100.0, 1500.0, 1500.0, 1500.0];
    let judged = feed(&mut judge, 1, &values);
    assert!(feed(&mut follower, 1, &values).is_empty(), "a follower makes no transition of its own");
    assert_eq!(follower.health(), Health::Unknown);
    assert_eq!(follower.reason(), "no data yet");
    assert_eq!(follower.last_value(), Some(1500.0), "but it keeps the values");
    assert_eq!(follower.series().len(), 4);
    assert!(follower.tick(999_000).is_none(), "nor a stale one");
    assert!(follower.observe(Observation::error(5_000, "connection refused")).is_none());
    assert_eq!(follower.reason(), "no data yet", "errors do not rewrite the room's reason");

    // It shows what the judge decided, in the judge's words.
    let mut follower = evaluator(2, 2);
    follower.set_following(true);
    feed(&mut follower, 1, &values);
    for t in &judged {
        let adopted = follower.adopt(t.to, t.reason.clone(), t.at_ms).expect("a change of health");
        assert_eq!((adopted.from, adopted.to), (t.from, t.to));
    }
    assert_eq!((follower.health(), follower.reason(), follower.since_ms()), (judge.health(), judge.reason(), judge.since_ms()));
    assert!(follower.adopt(Health::Critical, "refreshed".into(), 9_000).is_none(), "the same health only refreshes the reason");
    assert_eq!(follower.reason(), "refreshed");

    // Taking over: it judges on from the adopted state and its window.
    follower.set_following(false);
    let back = feed(&mut follower, 10, &[100.0, 100.0]);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].from, Health::Critical);
    assert_eq!(back[0].to, Health::Ok);
}
