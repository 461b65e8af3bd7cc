//! Conditions: `for` durations, comparisons, failures in a row, any/all,
//! UNKNOWN never firing, and the reasons firings carry.

use super::support::*;
use crate::config::sections::Combine;
use crate::metrics::Health;
use crate::trigger::{Observed, Status};

#[test]
fn a_comparison_must_hold_for_its_duration_and_a_break_resets_it() {
    let mut e = engine(&[trigger("slow", &["api latency_ms > 5000 for 1m"])]);
    // (at, latency, status after the sample)
    let table: &[(i64, f64, &str)] = &[
        (0, 6000.0, "pending"),
        (30 * SEC, 6500.0, "pending"),
        (55 * SEC, 7000.0, "pending"),
        (58 * SEC, 120.0, "armed"), // broken: the streak starts over
        (60 * SEC, 6000.0, "pending"),
        (115 * SEC, 6000.0, "pending"),
        (120 * SEC, 6000.0, "firing"),
        (125 * SEC, 6000.0, "cooling_down"),
    ];
    for &(at, v, want) in table {
        e.observe(&api(at, v));
        assert_eq!(name(&mut e, at), want, "at {}s", at / SEC);
    }
}

#[test]
fn pending_says_how_long_is_left() {
    let mut e = engine(&[trigger("slow", &["api latency_ms > 5000 for 1m"])]);
    e.observe(&api(0, 6000.0));
    e.observe(&api(20 * SEC, 6000.0));
    match status(&mut e, 20 * SEC) {
        Status::Pending { since_ms, needs_ms, reason } => {
            assert_eq!((since_ms, needs_ms), (0, 40 * SEC));
            assert!(reason.contains("held 20s of 1m"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_state_condition_counts_worse_states_and_needs_its_duration() {
    let mut e = engine(&[trigger("errors", &["error-rate degraded for 1m"])]);
    let table: &[(i64, Health, f64, &str)] = &[
        (0, Health::Ok, 0.0005, "armed"),
        (10 * SEC, Health::Degraded, 0.02, "pending"),
        (40 * SEC, Health::Critical, 0.08, "pending"), // worse still counts
        (70 * SEC, Health::Critical, 0.09, "firing"),
    ];
    for &(at, h, v, want) in table {
        e.observe(&errors(at, h, v));
        assert_eq!(name(&mut e, at), want, "at {}s", at / SEC);
    }
}

#[test]
fn without_for_a_condition_holds_at_once() {
    let mut e = engine(&[trigger("now", &["api > 2s"])]);
    e.observe(&api(0, 1500.0));
    assert_eq!(name(&mut e, 0), "armed");
    e.observe(&api(5 * SEC, 2500.0));
    let Status::Firing(f) = status(&mut e, 5 * SEC) else { panic!("should fire") };
    assert_eq!(f.reason, "api latency_ms 2.5s > 2s (1 sample)", "speaks in the threshold's unit");
}

#[test]
fn any_and_all_combine_conditions() {
    // (api latency, error-rate health, fires with any, fires with all)
    let table: &[(f64, Health, &str, &str)] = &[
        (6000.0, Health::Ok, "firing", "armed"),
        (100.0, Health::Critical, "firing", "armed"),
        (6000.0, Health::Critical, "firing", "firing"),
        (100.0, Health::Ok, "armed", "armed"),
    ];
    for &(latency, health, any, all) in table {
        for (combine, want) in [(Combine::Any, any), (Combine::All, all)] {
            let mut t = trigger("t", &["api latency_ms > 5000", "error-rate critical"]);
            t.combine = combine;
            let mut e = engine(&[t]);
            e.observe(&api(0, latency));
            e.observe(&errors(0, health, 0.1));
            assert_eq!(name(&mut e, 0), want, "{combine:?} with latency {latency} and error-rate {health}");
        }
    }
}

#[test]
fn all_waits_for_the_slowest_condition() {
    let mut t = trigger("t", &["api latency_ms > 5000 for 1m", "error-rate critical for 2m"]);
    t.combine = Combine::All;
    let mut e = engine(&[t]);
    for at in (0..=120).step_by(10).map(|s| s * SEC) {
        e.observe(&api(at, 6000.0));
        e.observe(&errors(at, Health::Critical, 0.1));
        let s = status(&mut e, at);
        if at < 120 * SEC {
            let Status::Pending { needs_ms, reason, .. } = &s else { panic!("at {at}: {s:?}") };
            assert_eq!(*needs_ms, 120 * SEC - at);
            assert!(reason.contains(" and "), "{reason}");
        } else {
            assert_eq!(s.name(), "firing");
        }
    }
}

#[test]
fn unknown_data_never_fires() {
    // Each case: what arrives, the trigger's condition, and the status.
    let refused = |at| Observed::failed("api", at, Health::Unknown, "connection refused", false);
    let cases: Vec<(&str, Vec<Observed>, i64)> = vec![
        ("api critical", vec![refused(0)], 0),
        ("api latency_ms > 5000", vec![refused(0)], 0),
        ("api failed 3x", (0..5).map(|i| refused(i * 5 * SEC)).collect(), 20 * SEC),
        ("api critical for 1m", vec![], 0),
        // Critical, then silence: stale after 30s.
        ("api critical", vec![api(0, 9000.0)], 31 * SEC),
        ("api latency_ms > 5000", vec![Observed::value("api", 0, Health::Unknown, f64::NAN)], 0),
        ("api latency_ms > 5000", vec![Observed::value("api", 0, Health::Ok, 1.0)], 0), // no latency_ms field
    ];
    for (cond, samples, now) in cases {
        let mut e = engine(&[trigger("t", &[cond])]);
        for s in &samples {
            e.observe(s);
        }
        let s = status(&mut e, now);
        assert!(matches!(s, Status::Unknown { .. }), "{cond} over {samples:?}: {s:?}");
    }
}

#[test]
fn unknown_is_reported_only_when_it_is_the_only_reason() {
    let mut t = trigger("t", &["api latency_ms > 5000", "error-rate critical"]);
    t.combine = Combine::All;
    let mut e = engine(&[t.clone()]);
    e.observe(&api(0, 6000.0));
    e.observe(&Observed::failed("error-rate", 0, Health::Unknown, "prometheus: timeout", false));
    let Status::Unknown { reason } = status(&mut e, 0) else { panic!("unknown expected") };
    assert!(reason.contains("error-rate is UNKNOWN (probe error: prometheus: timeout)"), "{reason}");
    let mut e = engine(&[t]);
    e.observe(&api(0, 100.0));
    e.observe(&Observed::failed("error-rate", 0, Health::Unknown, "timeout", false));
    assert_eq!(name(&mut e, 0), "armed", "api alone already rules it out");
}

#[test]
fn failures_in_a_row_count_only_answered_failures() {
    let mut e = engine(&[trigger("down", &["api failed 3x"])]);
    let http503 = |at| Observed::failed("api", at, Health::Critical, "HTTP 503", true);
    let refused = |at| Observed::failed("api", at, Health::Unknown, "connection refused", false);
    let table: Vec<(Observed, &str)> = vec![
        (http503(0), "armed"),
        (http503(5 * SEC), "armed"),
        // Three failures in a row, one without an answer: cannot tell, so no firing.
        (refused(10 * SEC), "unknown"),
        (http503(15 * SEC), "unknown"),
        (http503(20 * SEC), "unknown"),
        // Three answered failures in a row since the unanswered one.
        (http503(25 * SEC), "firing"),
    ];
    for (o, want) in table {
        let at = o.at_ms;
        e.observe(&o);
        assert_eq!(name(&mut e, at), want, "at {}s", at / SEC);
    }
}

#[test]
fn a_success_ends_a_run_of_failures() {
    let mut e = engine(&[trigger("down", &["api failed 2x"])]);
    e.observe(&Observed::failed("api", 0, Health::Critical, "HTTP 500", true));
    e.observe(&api(SEC, 100.0));
    e.observe(&Observed::failed("api", 2 * SEC, Health::Critical, "HTTP 500", true));
    assert_eq!(name(&mut e, 2 * SEC), "armed");
}

#[test]
fn reasons_name_values_thresholds_and_samples() {
    let mut e = engine(&[trigger("slow", &["api latency_ms > 5000 for 1m"])]);
    let values = [5200.0, 7400.0, 6800.0, 6100.0, 5900.0, 6300.0, 6000.0, 6400.0, 6050.0, 5800.0, 6200.0, 6120.0];
    for (i, v) in values.iter().enumerate() {
        e.observe(&api(i as i64 * 6 * SEC, *v));
    }
    e.observe(&api(66 * SEC, 6120.0));
    let Status::Firing(f) = status(&mut e, 66 * SEC) else { panic!("should fire") };
    assert_eq!(f.reason, "api latency_ms 6120 > 5000 for 1m (13 samples, worst 7400)");

    let mut e = engine(&[trigger("errors", &["error-rate critical for 1m"])]);
    e.observe(&errors(0, Health::Critical, 0.07));
    e.observe(&errors(60 * SEC, Health::Critical, 0.08));
    let Status::Firing(f) = status(&mut e, 60 * SEC) else { panic!("should fire") };
    assert_eq!(f.reason, "error-rate CRITICAL for 1m (2 samples, last value 0.08 > 0.05 (critical))");

    let mut e = engine(&[trigger("down", &["api failed 3x"])]);
    for i in 0..3 {
        e.observe(&Observed::failed("api", i * SEC, Health::Critical, "HTTP 503", true));
    }
    let Status::Firing(f) = status(&mut e, 3 * SEC) else { panic!("should fire") };
    assert_eq!(f.reason, "api failed 3x in a row (last: HTTP 503)");
}

#[test]
fn any_names_every_condition_that_holds() {
    let mut e = engine(&[trigger("t", &["api latency_ms > 5000", "error-rate critical"])]);
    e.observe(&api(0, 6000.0));
    e.observe(&errors(0, Health::Critical, 0.2));
    let Status::Firing(f) = status(&mut e, 0) else { panic!("should fire") };
    assert!(f.reason.contains("api latency_ms 6000 > 5000") && f.reason.contains("; error-rate CRITICAL"), "{}", f.reason);
}

#[test]
fn older_samples_than_the_last_are_ignored() {
    let mut e = engine(&[trigger("t", &["api latency_ms > 5000"])]);
    e.observe(&api(10 * SEC, 100.0));
    e.observe(&api(5 * SEC, 9000.0));
    assert_eq!(name(&mut e, 10 * SEC), "armed");
}

#[test]
fn unusable_conditions_are_listed_not_panicked_on() {
    let t = trigger("t", &["nope critical", "api latency_ms > 5%", "api is sad", "api critical"]);
    let e = crate::trigger::Engine::new(&[t], &checks());
    assert_eq!(e.problems().len(), 3, "{:?}", e.problems());
    assert!(e.problems()[0].contains("no check `nope`"), "{:?}", e.problems());
    assert_eq!(e.rules()[0].trackers.len(), 1);
}

#[test]
fn unreachable_counts_probes_with_no_answer_as_failures() {
    let mut e = engine(&[trigger("unreachable", &["api unreachable 3x"])]);
    let refused = |at| Observed::failed("api", at, Health::Unknown, "connection refused", false);
    let timeout = |at| Observed::failed("api", at, Health::Unknown, "timeout after 2s", false);
    let http503 = |at| Observed::failed("api", at, Health::Critical, "HTTP 503", true);
    let table: Vec<(Observed, &str)> = vec![
        (refused(0), "armed"),
        (timeout(5 * SEC), "armed"),
        (api(10 * SEC, 120.0), "armed"), // an answer that works starts the count over
        (refused(15 * SEC), "armed"),
        (http503(20 * SEC), "armed"), // an answer that fails counts too
        (timeout(25 * SEC), "firing"),
    ];
    let reason = run_table(&mut e, table);
    assert!(reason.contains("api failed 3x in a row, answered or not (last: timeout after 2s)"), "{reason}");
}

#[test]
fn down_for_a_while_fires_on_a_target_that_stopped_answering() {
    let mut e = engine(&[trigger("down", &["api down for 30s"])]);
    let refused = |at| Observed::failed("api", at, Health::Unknown, "connection refused", false);
    let table: Vec<(Observed, &str)> = vec![
        (api(0, 120.0), "armed"),
        (refused(5 * SEC), "pending"),
        (refused(20 * SEC), "pending"),
        (api(25 * SEC, 130.0), "armed"), // back: the clock starts over
        (refused(30 * SEC), "pending"),
        (refused(45 * SEC), "pending"),
        (refused(60 * SEC), "firing"),
    ];
    let reason = run_table(&mut e, table);
    assert!(reason.contains("api down for 30s (3 failed probes, last: connection refused)"), "{reason}");
}

#[test]
fn down_does_not_fire_on_a_check_nobody_probes() {
    // The last probe failed, then nothing more came: stale, so UNKNOWN.
    let mut e = engine(&[trigger("down", &["api down for 10s"])]);
    e.observe(&Observed::failed("api", 0, Health::Unknown, "connection refused", false));
    assert!(matches!(status(&mut e, 31 * SEC), Status::Unknown { .. }), "stale data never fires");
}

/// Feeds each sample and checks the status after it; returns the firing's reason.
fn run_table(e: &mut crate::trigger::Engine, table: Vec<(Observed, &str)>) -> String {
    let mut reason = String::new();
    for (o, want) in table {
        let at = o.at_ms;
        e.observe(&o);
        let s = status(e, at);
        assert_eq!(s.name(), want, "at {}s: {s:?}", at / SEC);
        if let Status::Firing(f) = s {
            reason = f.reason;
        }
    }
    reason
}
