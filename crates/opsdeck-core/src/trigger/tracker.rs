//! One condition of a trigger, tracked over its check's samples: how long
//! it has held (a streak with its sample count and worst value), whether
//! its check is UNKNOWN or stale, failures in a row, and whether it has
//! cleared (see [`super::clearing`]). Pure.

use crate::config::band::{BandLevel, CmpOp, ResolvedBand};
use crate::config::condition::{Condition, DownFor, StateAtLeast};
use crate::config::units::Unit;
use crate::format::duration;
use crate::metrics::board::Row;
use crate::metrics::describe::{describe_level, format_duration_ms, format_value, format_with_unit};

use super::clearing::Clearing;
use super::observed::Observed;

/// What the engine knows about a check besides its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInfo {
    pub id: String,
    /// The check's main quantity (`latency_ms`).
    pub value_name: String,
    pub unit: Option<Unit>,
    pub band: Option<ResolvedBand>,
    /// No sample for longer than this: the check is stale (UNKNOWN). `<= 0` disables.
    pub stale_after_ms: i64,
    /// Samples in a row that must not meet a condition before it has cleared
    /// (the check's `clear_after`, or the plan's `[defaults]`).
    pub clear_after: u32,
}

impl CheckInfo {
    pub fn from_row(row: &Row) -> CheckInfo {
        let config = row.eval.config();
        CheckInfo {
            id: row.id.clone(),
            value_name: row.value_name.clone(),
            unit: row.unit,
            band: config.band.clone(),
            stale_after_ms: config.stale_after_ms,
            clear_after: config.clear_after,
        }
    }
}

/// A condition's verdict at one instant.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It holds; the text names values, thresholds and samples.
    Holds(String),
    /// It holds, but not yet for its `for` duration.
    Pending { since_ms: i64, needs_ms: i64, text: String },
    /// It does not hold.
    No,
    /// Its check is UNKNOWN or stale: it cannot hold.
    Unknown(String),
}

/// A run of samples for which the condition held.
#[derive(Debug, Clone, PartialEq)]
struct Streak {
    since_ms: i64,
    samples: u32,
    /// The last sample's value (NaN when it had none, e.g. a target failure).
    last: f64,
    /// The most extreme value in the threshold's direction.
    worst: f64,
    /// A state condition's description of the last sample.
    last_text: String,
}

/// One condition and what its check's samples have shown so far.
#[derive(Debug, Clone)]
pub struct Tracker {
    /// The condition as written in the plan.
    pub text: String,
    pub condition: Condition,
    check: CheckInfo,
    /// A comparison's threshold, in the unit of the compared value.
    threshold: f64,
    streak: Option<Streak>,
    unknown: Option<String>,
    last_at: Option<i64>,
    failed_in_a_row: u32,
    answered_failures_in_a_row: u32,
    /// When the current run of failed probes (answered or not) began.
    failing_since: Option<i64>,
    last_failure: String,
    /// The samples in a row that did not meet the condition.
    clearing: Clearing,
}

impl Tracker {
    /// A tracker for `text` over `check`; an error when a threshold's unit
    /// does not fit the compared value.
    pub fn new(text: &str, condition: Condition, check: CheckInfo) -> Result<Tracker, String> {
        let threshold = match &condition {
            Condition::Compare { field, bound, .. } => {
                // A named field other than the main value has no known unit; judge it as written.
                let unit = if field.as_deref().is_none_or(|f| f == check.value_name) { check.unit } else { None };
                bound.value_in(unit).map_err(|e| format!("{text}: {e}"))?
            }
            _ => f64::NAN,
        };
        Ok(Tracker {
            text: text.to_string(),
            condition,
            check,
            threshold,
            streak: None,
            unknown: None,
            last_at: None,
            failed_in_a_row: 0,
            answered_failures_in_a_row: 0,
            failing_since: None,
            last_failure: String::new(),
            clearing: Clearing::default(),
        })
    }

    pub fn check_id(&self) -> &str {
        &self.check.id
    }

    /// Takes in a sample of this tracker's check; older samples than the last are ignored.
    pub fn observe(&mut self, o: &Observed) {
        if self.last_at.is_some_and(|last| o.at_ms < last) {
            return;
        }
        self.last_at = Some(o.at_ms);
        match &o.failure {
            Some(f) => {
                self.failed_in_a_row = self.failed_in_a_row.saturating_add(1);
                self.answered_failures_in_a_row = if f.answered { self.answered_failures_in_a_row.saturating_add(1) } else { 0 };
                self.failing_since.get_or_insert(o.at_ms);
                self.last_failure.clone_from(&f.reason);
            }
            None => {
                self.failed_in_a_row = 0;
                self.answered_failures_in_a_row = 0;
                self.failing_since = None;
            }
        }
        match &self.condition {
            Condition::State { state, .. } => self.observe_state(o, wanted(*state)),
            Condition::Compare { field, bound, .. } => {
                let (field, op) = (field.clone(), bound.op);
                self.observe_compare(o, field.as_deref(), op);
            }
            Condition::Failed { .. } | Condition::Down { .. } => {}
        }
        let met = self.met(o);
        self.clearing.note(met, o.at_ms);
    }

    /// Whether this sample met the condition (ignoring its duration);
    /// `None` when it cannot be judged.
    fn met(&self, o: &Observed) -> Option<bool> {
        match &self.condition {
            Condition::State { state, .. } => o.health.band_level().map(|level| level >= wanted(*state)),
            Condition::Compare { field, bound, .. } => {
                o.quantity(field.as_deref()).filter(|v| v.is_finite()).map(|v| bound.op.holds(v, self.threshold))
            }
            // Only failures the target reported count; one it did not answer is UNKNOWN.
            Condition::Failed { .. } => match &o.failure {
                Some(f) if f.answered => Some(true),
                Some(_) => None,
                None => Some(false),
            },
            Condition::Down { .. } => Some(o.failure.is_some()),
        }
    }

    /// The condition has cleared at `now_ms` (see [`super::clearing`]): its
    /// check's last `clear_after` samples did not meet it, none has for the
    /// condition's own duration, and the check is not stale.
    pub fn cleared(&self, now_ms: i64) -> bool {
        let stale = self.last_at.is_some_and(|last| self.check.stale_after_ms > 0 && now_ms - last > self.check.stale_after_ms);
        let hold_ms = match self.condition {
            Condition::Down { span: DownFor::Time(d), .. } => i64::try_from(d.get().as_millis()).unwrap_or(i64::MAX),
            _ => self.held_for_ms(),
        };
        !stale && self.clearing.cleared(self.check.clear_after, hold_ms, now_ms)
    }

    /// It has cleared after meeting the condition (rather than never having met it).
    pub fn recovered(&self, now_ms: i64) -> bool {
        self.cleared(now_ms) && self.clearing.recovered()
    }

    fn observe_state(&mut self, o: &Observed, wanted: BandLevel) {
        let Some(level) = o.health.band_level() else {
            self.streak = None;
            let why = o.failure.as_ref().map_or_else(|| "no value".to_string(), |f| format!("probe error: {}", f.reason));
            self.unknown = Some(format!("{} is UNKNOWN ({why})", self.check.id));
            return;
        };
        self.unknown = None;
        if level < wanted {
            self.streak = None;
            return;
        }
        let value = o.value.unwrap_or(f64::NAN);
        let text = match (&o.failure, value.is_finite()) {
            (Some(f), _) => format!("failed: {}", f.reason),
            (None, true) => describe_level(&self.check.value_name, self.check.unit, self.check.band.as_ref(), value, level),
            (None, false) => o.health.label().to_string(),
        };
        self.extend(o.at_ms, value, None, text);
    }

    fn observe_compare(&mut self, o: &Observed, field: Option<&str>, op: CmpOp) {
        let name = field.unwrap_or(&self.check.value_name).to_string();
        let Some(value) = o.quantity(field).filter(|v| v.is_finite()) else {
            self.streak = None;
            self.unknown = Some(match &o.failure {
                Some(f) => format!("{} has no {name}: the probe failed ({})", self.check.id, f.reason),
                None => format!("{} has no {name} in its reading", self.check.id),
            });
            return;
        };
        self.unknown = None;
        if op.holds(value, self.threshold) {
            self.extend(o.at_ms, value, Some(op), String::new());
        } else {
            self.streak = None;
        }
    }

    fn extend(&mut self, at_ms: i64, value: f64, op: Option<CmpOp>, last_text: String) {
        match &mut self.streak {
            Some(s) => {
                s.samples = s.samples.saturating_add(1);
                s.last = value;
                s.worst = match op {
                    Some(CmpOp::Gt | CmpOp::Ge) => s.worst.max(value),
                    Some(CmpOp::Lt | CmpOp::Le) => s.worst.min(value),
                    _ => value,
                };
                s.last_text = last_text;
            }
            None => self.streak = Some(Streak { since_ms: at_ms, samples: 1, last: value, worst: value, last_text }),
        }
    }

    /// The condition's verdict at `now_ms`.
    pub fn evaluate(&self, now_ms: i64) -> Outcome {
        let id = &self.check.id;
        let Some(last) = self.last_at else {
            return Outcome::Unknown(format!("no data from {id} yet"));
        };
        let age = now_ms.saturating_sub(last);
        if self.check.stale_after_ms > 0 && age > self.check.stale_after_ms {
            return Outcome::Unknown(format!("{id} is stale: no sample for {}", format_duration_ms(age)));
        }
        if let Condition::Failed { times, .. } = self.condition {
            return if self.answered_failures_in_a_row >= times {
                Outcome::Holds(format!("{id} failed {}x in a row (last: {})", self.answered_failures_in_a_row, self.last_failure))
            } else if self.failed_in_a_row >= times {
                Outcome::Unknown(format!(
                    "{id} failed {}x in a row, not every time with an answer (last: {}): UNKNOWN, which never fires",
                    self.failed_in_a_row, self.last_failure
                ))
            } else {
                Outcome::No
            };
        }
        if let Condition::Down { span, .. } = self.condition {
            return self.evaluate_down(span, now_ms);
        }
        if let Some(why) = &self.unknown {
            return Outcome::Unknown(why.clone());
        }
        let Some(streak) = &self.streak else {
            return Outcome::No;
        };
        let need = self.held_for_ms();
        let held = now_ms.saturating_sub(streak.since_ms);
        if held >= need {
            Outcome::Holds(self.describe(streak))
        } else {
            let text = format!("{} (held {} of {})", self.describe(streak), duration(held), duration(need));
            Outcome::Pending { since_ms: streak.since_ms, needs_ms: need - held, text }
        }
    }

    /// `down for 30s` / `unreachable 3x`: a failed probe counts whether
    /// the target answered or not; a success ends the run.
    fn evaluate_down(&self, span: DownFor, now_ms: i64) -> Outcome {
        let id = &self.check.id;
        let Some(since) = self.failing_since else {
            return Outcome::No;
        };
        let last = &self.last_failure;
        match span {
            DownFor::Times(times) if self.failed_in_a_row >= times => {
                Outcome::Holds(format!("{id} failed {}x in a row, answered or not (last: {last})", self.failed_in_a_row))
            }
            DownFor::Times(_) => Outcome::No,
            DownFor::Time(d) => {
                let need = i64::try_from(d.get().as_millis()).unwrap_or(i64::MAX);
                let held = now_ms.saturating_sub(since);
                let text = format!("{id} down for {} ({} failed probes, last: {last})", duration(held), self.failed_in_a_row);
                if held >= need {
                    Outcome::Holds(text)
                } else {
                    Outcome::Pending { since_ms: since, needs_ms: need - held, text: format!("{text} (needs {d})") }
                }
            }
        }
    }

    fn held_for_ms(&self) -> i64 {
        match &self.condition {
            Condition::State { held_for, .. } | Condition::Compare { held_for, .. } => {
                held_for.map_or(0, |d| i64::try_from(d.get().as_millis()).unwrap_or(i64::MAX))
            }
            Condition::Failed { .. } | Condition::Down { .. } => 0,
        }
    }

    /// `api latency_ms 6120 > 5000 for 1m (12 samples, worst 7400)`,
    /// `error-rate CRITICAL for 1m (13 samples, last error_rate 0.08 > 0.05 (critical))`.
    fn describe(&self, s: &Streak) -> String {
        let id = &self.check.id;
        let samples = if s.samples == 1 { "1 sample".to_string() } else { format!("{} samples", s.samples) };
        match &self.condition {
            Condition::State { state, held_for, .. } => {
                let state = match state {
                    StateAtLeast::Critical => "CRITICAL",
                    StateAtLeast::Degraded => "DEGRADED or worse",
                    StateAtLeast::Acceptable => "ACCEPTABLE or worse",
                };
                let held = held_for.map(|d| format!(" for {d}")).unwrap_or_default();
                format!("{id} {state}{held} ({samples}, last {})", s.last_text)
            }
            Condition::Compare { field, bound, held_for, .. } => {
                let name = field.as_deref().unwrap_or(&self.check.value_name);
                // Speak in the threshold's terms: plain numbers unless it was written with a unit.
                let show = |v: f64| if bound.unit.is_some() { format_with_unit(v, self.check.unit) } else { format_value(v) };
                let held = held_for.map(|d| format!(" for {d}")).unwrap_or_default();
                let worst = if s.samples > 1 && s.worst != s.last { format!(", worst {}", show(s.worst)) } else { String::new() };
                format!("{id} {name} {} {bound}{held} ({samples}{worst})", show(s.last))
            }
            Condition::Failed { .. } | Condition::Down { .. } => String::new(),
        }
    }
}

fn wanted(state: StateAtLeast) -> BandLevel {
    match state {
        StateAtLeast::Acceptable => BandLevel::Acceptable,
        StateAtLeast::Degraded => BandLevel::Degraded,
        StateAtLeast::Critical => BandLevel::Critical,
    }
}
