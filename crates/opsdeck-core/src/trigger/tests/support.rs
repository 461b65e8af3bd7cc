//! Shared fixtures: two checks, trigger builders, sample feeders.

use crate::config::TimeSpan;
use crate::config::band::{Band, ResolvedBand};
use crate::config::sections::{Combine, OnNoAnswer, Trigger, TriggerMode};
use crate::config::units::Unit;
use crate::metrics::Health;
use crate::trigger::{CheckInfo, Engine, Observed, Status};

pub const SEC: i64 = 1_000;
pub const MIN: i64 = 60_000;

fn band(t: &str, a: &str, c: &str) -> ResolvedBand {
    let b = Band { target: Some(t.parse().unwrap()), acceptable: Some(a.parse().unwrap()), critical: Some(c.parse().unwrap()) };
    b.resolve(None).unwrap()
}

pub fn checks() -> Vec<CheckInfo> {
    vec![
        CheckInfo {
            id: "api".into(),
            value_name: "latency_ms".into(),
            unit: Unit::parse("ms"),
            band: Some(band("< 200", "< 500", "> 1000")),
            stale_after_ms: 30 * SEC,
            clear_after: 2,
        },
        CheckInfo {
            id: "error-rate".into(),
            value_name: "value".into(),
            unit: None,
            band: Some(band("< 0.001", "< 0.01", "> 0.05")),
            stale_after_ms: 30 * SEC,
            clear_after: 2,
        },
    ]
}

pub fn trigger(id: &str, when: &[&str]) -> Trigger {
    Trigger {
        id: id.into(),
        when: when.iter().map(|s| s.to_string()).collect(),
        combine: Combine::Any,
        propose: Some("release-previous".into()),
        mode: TriggerMode::Confirm,
        countdown: TimeSpan::from_secs(60),
        on_no_answer: OnNoAnswer::Run,
        grace: TimeSpan::default(),
        cooldown: TimeSpan::from_secs(600),
        expire_after: TimeSpan::from_secs(600),
        silence_matchers: Vec::new(),
    }
}

pub fn engine(triggers: &[Trigger]) -> Engine {
    let e = Engine::new(triggers, &checks());
    assert!(e.problems().is_empty(), "{:?}", e.problems());
    e
}

/// An api sample with its latency judged by the api band (no hysteresis here).
pub fn api(at_ms: i64, latency_ms: f64) -> Observed {
    let health = match latency_ms {
        v if v > 1000.0 => Health::Critical,
        v if v < 200.0 => Health::Ok,
        v if v < 500.0 => Health::Acceptable,
        _ => Health::Degraded,
    };
    Observed::value("api", at_ms, health, latency_ms).with_field("latency_ms", latency_ms).with_field("status", 200.0)
}

pub fn errors(at_ms: i64, health: Health, value: f64) -> Observed {
    Observed::value("error-rate", at_ms, health, value)
}

/// The status of the only trigger (or the first) after `evaluate`.
pub fn status(e: &mut Engine, now: i64) -> Status {
    e.evaluate(now).remove(0).status
}

pub fn name(e: &mut Engine, now: i64) -> &'static str {
    status(e, now).name()
}
