//! `Evaluator`: turns a check's stream of observations into a `Health` with
//! hysteresis, staleness and human-readable transition reasons.
//!
//! Rules:
//! * Starts `Unknown` ("no data yet").
//! * Probe errors and non-finite values move to `Unknown` immediately; an
//!   error is never turned into a bad value.
//! * Out of `Unknown`, the next finite value moves straight to its band level
//!   (no hysteresis).
//! * Between known levels, the decision looks only at the last N classified
//!   values (reset whenever the state becomes `Unknown`):
//!   - **raise**: if the last `raise_after` values are *all* worse than the
//!     current level, move to the *best* level among them;
//!   - **clear**: if the last `clear_after` values are *all* better than the
//!     current level, move to the *worst* level among them.
//! * `tick(now)` marks the check `Unknown` ("stale: …") once no observation
//!   (value or error) has arrived for more than `stale_after_ms`.
//! * A `Transition` is emitted only when the health actually changes; while
//!   already `Unknown`, a new error/NaN/stale condition just updates `reason()`.
//! * Observations older than the latest one seen are ignored (return `None`).
//! * A *following* evaluator (see [`Evaluator::set_following`]) judges
//!   nothing itself: observations update its values, series and hysteresis
//!   window, but its health and reason change only when the room's judge
//!   says so ([`Evaluator::adopt`]). When it stops following it judges on
//!   from the adopted state with the window it kept, so a console that takes
//!   over as the room's judge continues where the last one left off.

use std::collections::VecDeque;

use crate::config::band::{BandLevel, ResolvedBand};
use crate::config::units::Unit;

use super::describe::{describe_level, format_duration_ms, format_value};
use super::health::Health;
use super::series::{DEFAULT_CAPACITY, Series};

/// How many transitions `Evaluator::transitions()` keeps.
pub const TRANSITION_HISTORY: usize = 50;
/// How many recent values a `Transition` carries.
pub const RECENT_VALUES: usize = 10;

/// Per-check evaluation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatorConfig {
    /// Metric name used in reasons (`latency_ms 1240 > 1000 …`); may be empty.
    pub metric: String,
    /// Unit of the values, for reasons (`1.24s`, `0.4%`).
    pub unit: Option<Unit>,
    /// `None`: any successful finite value is `Ok`.
    pub band: Option<ResolvedBand>,
    /// Consecutive worse values needed to move to a worse level (0 acts as 1).
    pub raise_after: u32,
    /// Consecutive better values needed to move to a better level (0 acts as 1).
    pub clear_after: u32,
    /// No observation for longer than this ⇒ `Unknown`. `<= 0` disables.
    pub stale_after_ms: i64,
    /// Series capacity (points kept).
    pub capacity: usize,
}

impl EvaluatorConfig {
    /// Defaults: `raise_after` 3, `clear_after` 3, `stale_after_ms` 60 000,
    /// capacity [`DEFAULT_CAPACITY`].
    pub fn new(metric: impl Into<String>, band: Option<ResolvedBand>) -> Self {
        Self { metric: metric.into(), unit: None, band, raise_after: 3, clear_after: 3, stale_after_ms: 60_000, capacity: DEFAULT_CAPACITY }
    }
}

/// One probe outcome. `Err` holds a human reason such as "connection refused".
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub at_ms: i64,
    pub result: Result<f64, String>,
    /// The error is the target reporting failure (HTTP 503, a failed
    /// assertion): judged CRITICAL like a critical value, not UNKNOWN.
    pub target_failed: bool,
    /// The reading's note (see `Reading::note`), added to reasons about the value.
    pub note: Option<String>,
}

impl Observation {
    pub fn value(at_ms: i64, value: f64) -> Self {
        Self { at_ms, result: Ok(value), target_failed: false, note: None }
    }

    pub fn error(at_ms: i64, reason: impl Into<String>) -> Self {
        Self { at_ms, result: Err(reason.into()), target_failed: false, note: None }
    }

    /// With the reading's note.
    pub fn with_note(mut self, note: Option<String>) -> Self {
        self.note = note;
        self
    }

    /// The target answered and reported failure.
    pub fn failure(at_ms: i64, reason: impl Into<String>) -> Self {
        Self { at_ms, result: Err(reason.into()), target_failed: true, note: None }
    }
}

/// A change of health.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub from: Health,
    pub to: Health,
    pub at_ms: i64,
    /// Human sentence, e.g. `latency_ms 1240 > 1000 (critical) for 3 samples`.
    pub reason: String,
    /// The observed value that triggered it (`None` for errors and staleness;
    /// may be NaN/inf for a non-finite sample).
    pub value: Option<f64>,
    /// Up to the last [`RECENT_VALUES`] finite values, oldest first.
    pub recent: Vec<f64>,
}

/// Health state machine for one check.
#[derive(Debug, Clone)]
pub struct Evaluator {
    config: EvaluatorConfig,
    health: Health,
    reason: String,
    since_ms: Option<i64>,
    /// When the check came to hold (see [`Evaluator::holding_since`]).
    holding_since: Option<i64>,
    /// Recent classified values since the last `Unknown`, newest last.
    window: VecDeque<(BandLevel, f64)>,
    series: Series,
    last_value: Option<f64>,
    last_sample_at: Option<i64>,
    last_error: Option<String>,
    consecutive_failures: u32,
    seen_value: bool,
    transitions: VecDeque<Transition>,
    /// Health and reason come from the room's judge, not from here.
    following: bool,
    /// The note of the last value's reading, ending reasons about values.
    note: Option<String>,
}

impl Evaluator {
    pub fn new(config: EvaluatorConfig) -> Self {
        let window_len = config.raise_after.max(config.clear_after).max(1) as usize;
        Self {
            series: Series::with_capacity(config.capacity),
            config,
            health: Health::Unknown,
            reason: "no data yet".to_string(),
            since_ms: None,
            holding_since: None,
            window: VecDeque::with_capacity(window_len),
            last_value: None,
            last_sample_at: None,
            last_error: None,
            consecutive_failures: 0,
            seen_value: false,
            transitions: VecDeque::with_capacity(TRANSITION_HISTORY),
            following: false,
            note: None,
        }
    }

    /// Whether health and reason come from the room's judge ([`Evaluator::adopt`])
    /// instead of from this evaluator's own judgment.
    pub fn set_following(&mut self, following: bool) {
        self.following = following;
    }

    pub fn is_following(&self) -> bool {
        self.following
    }

    /// Takes the state the room's judge decided (`to`, because of
    /// `reason`, since `at_ms`): a transition when it changes the health,
    /// else only the reason is refreshed. Works whether or not following.
    pub fn adopt(&mut self, to: Health, reason: String, at_ms: i64) -> Option<Transition> {
        if to == self.health {
            self.reason = reason;
            return None;
        }
        let following = std::mem::replace(&mut self.following, false);
        let transition = self.transition(to, at_ms, reason, self.last_value);
        self.following = following;
        transition
    }

    /// Feeds one probe outcome; returns the transition if health changed.
    pub fn observe(&mut self, sample: Observation) -> Option<Transition> {
        let at_ms = sample.at_ms;
        if self.last_sample_at.is_some_and(|last| at_ms < last) {
            return None;
        }
        self.last_sample_at = Some(at_ms);
        match sample.result {
            Err(error) if sample.target_failed => self.on_failure(at_ms, error),
            Err(error) => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                let reason = format!("probe error: {error}");
                self.last_error = Some(error);
                self.enter_unknown(at_ms, reason, None)
            }
            Ok(value) if !value.is_finite() => {
                let reason = format!("value is {}", format_value(value));
                self.enter_unknown(at_ms, reason, Some(value))
            }
            Ok(value) => {
                self.note = sample.note;
                let transition = self.on_value(at_ms, value);
                if transition.is_none() {
                    self.refresh_note(value);
                }
                transition
            }
        }
    }

    /// Checks staleness at `now_ms`; returns the transition if health changed.
    /// While stale, `reason()` is refreshed with the current age.
    pub fn tick(&mut self, now_ms: i64) -> Option<Transition> {
        if self.config.stale_after_ms <= 0 {
            return None;
        }
        let age = now_ms.saturating_sub(self.last_sample_at?);
        if age <= self.config.stale_after_ms {
            return None;
        }
        let reason = format!("stale: no sample for {}", format_duration_ms(age));
        self.enter_unknown(now_ms, reason, None)
    }

    pub fn health(&self) -> Health {
        self.health
    }

    /// Why the check is in its current state.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// When the current state was entered (`None` before the first transition).
    pub fn since_ms(&self) -> Option<i64> {
        self.since_ms
    }

    /// When the check came to hold (OK or ACCEPTABLE) from a state seen not
    /// to hold (DEGRADED, CRITICAL, or UNKNOWN after a first state): the
    /// start of the current hold as a transition this evaluator saw.
    /// `None` while the check does not hold, and while it has held since
    /// its first state (its first sample is no transition to OK); moves
    /// between OK and ACCEPTABLE keep it.
    pub fn holding_since(&self) -> Option<i64> {
        self.holding_since
    }

    /// Last finite value observed.
    pub fn last_value(&self) -> Option<f64> {
        self.last_value
    }

    /// Time of the last observation (value or error).
    pub fn last_sample_at(&self) -> Option<i64> {
        self.last_sample_at
    }

    /// Most recent probe error message; kept after recovery.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Probe errors in a row; reset by a finite value (non-finite values leave it unchanged).
    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }

    /// Finite values only.
    pub fn series(&self) -> &Series {
        &self.series
    }

    /// Last [`TRANSITION_HISTORY`] transitions, oldest first.
    pub fn transitions(&self) -> &VecDeque<Transition> {
        &self.transitions
    }

    pub fn config(&self) -> &EvaluatorConfig {
        &self.config
    }

    fn raise_after(&self) -> usize {
        self.config.raise_after.max(1) as usize
    }

    fn clear_after(&self) -> usize {
        self.config.clear_after.max(1) as usize
    }

    fn describe(&self, value: f64, level: BandLevel) -> String {
        let sentence = describe_level(&self.config.metric, self.config.unit, self.config.band.as_ref(), value, level);
        match &self.note {
            Some(note) => format!("{sentence}: {note}"),
            None => sentence,
        }
    }

    /// A reading with a note says what the value stands for now (which
    /// alerts fire): the reason follows it while the state holds, when the
    /// value is at the state's own level.
    fn refresh_note(&mut self, value: f64) {
        let level = self.config.band.as_ref().map_or(BandLevel::Ok, |band| band.classify(value));
        if self.note.is_some() && !self.following && self.health.band_level() == Some(level) {
            self.reason = self.describe(value, level);
        }
    }

    fn on_value(&mut self, at_ms: i64, value: f64) -> Option<Transition> {
        self.consecutive_failures = 0;
        self.series.push(at_ms, value);
        self.last_value = Some(value);
        let level = self.config.band.as_ref().map_or(BandLevel::Ok, |band| band.classify(value));
        let first = !self.seen_value;
        self.seen_value = true;
        if self.window.len() >= self.raise_after().max(self.clear_after()) {
            self.window.pop_front();
        }
        self.window.push_back((level, value));

        let Some(current) = self.health.band_level() else {
            let desc = self.describe(value, level);
            let reason = if first {
                format!("first sample: {desc}")
            } else if level == BandLevel::Ok {
                format!("back to OK: {desc}")
            } else {
                desc
            };
            return self.transition(level.into(), at_ms, reason, Some(value));
        };

        let raise = self.raise_after();
        if let Some((to, quoted)) = self.settle(raise, |l| l > current, Iterator::min) {
            let reason = with_count(self.describe(quoted, to), raise);
            return self.transition(to.into(), at_ms, reason, Some(value));
        }
        let clear = self.clear_after();
        if let Some((to, quoted)) = self.settle(clear, |l| l < current, Iterator::max) {
            let desc = self.describe(quoted, to);
            let reason = if to == BandLevel::Ok {
                format!("back to OK: {desc}")
            } else {
                format!("improved to {}: {desc}", Health::from(to).label())
            };
            return self.transition(to.into(), at_ms, with_count(reason, clear), Some(value));
        }
        None
    }

    /// The target reported failure: it counts as a critical evaluation
    /// (subject to `raise_after`, like a critical value), never as a value.
    fn on_failure(&mut self, at_ms: i64, error: String) -> Option<Transition> {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        self.last_error = Some(error.clone());
        if self.window.len() >= self.raise_after().max(self.clear_after()) {
            self.window.pop_front();
        }
        self.window.push_back((BandLevel::Critical, f64::NAN));
        let failed = format!("failed: {error}");
        let Some(current) = self.health.band_level() else {
            return self.transition(Health::Critical, at_ms, failed, None);
        };
        if current == BandLevel::Critical {
            if !self.following {
                self.reason = failed;
            }
            return None;
        }
        let raise = self.raise_after();
        let (to, quoted) = self.settle(raise, |l| l > current, Iterator::min)?;
        let reason = if quoted.is_nan() { with_count(failed, raise) } else { with_count(self.describe(quoted, to), raise) };
        self.transition(to.into(), at_ms, reason, None)
    }

    /// If the last `n` window entries all satisfy `beyond`, returns the level
    /// chosen by `pick` among them and the newest value at that level.
    fn settle(
        &self,
        n: usize,
        beyond: impl Fn(BandLevel) -> bool,
        pick: impl FnOnce(std::vec::IntoIter<BandLevel>) -> Option<BandLevel>,
    ) -> Option<(BandLevel, f64)> {
        if self.window.len() < n || !self.window.iter().rev().take(n).all(|&(l, _)| beyond(l)) {
            return None;
        }
        let levels: Vec<BandLevel> = self.window.iter().rev().take(n).map(|&(l, _)| l).collect();
        let to = pick(levels.into_iter())?;
        let quoted = self.window.iter().rev().take(n).find(|&&(l, _)| l == to).map(|&(_, v)| v)?;
        Some((to, quoted))
    }

    fn enter_unknown(&mut self, at_ms: i64, reason: String, value: Option<f64>) -> Option<Transition> {
        self.window.clear();
        if self.health == Health::Unknown {
            if !self.following {
                self.reason = reason;
            }
            return None;
        }
        self.transition(Health::Unknown, at_ms, reason, value)
    }

    fn transition(&mut self, to: Health, at_ms: i64, reason: String, value: Option<f64>) -> Option<Transition> {
        if self.following {
            return None;
        }
        let transition =
            Transition { from: self.health, to, at_ms, reason: reason.clone(), value, recent: self.series.last_n(RECENT_VALUES) };
        let first = self.since_ms.is_none();
        if !to.holds() {
            self.holding_since = None;
        } else if !self.health.holds() && !first {
            self.holding_since = Some(at_ms);
        }
        self.health = to;
        self.reason = reason;
        self.since_ms = Some(at_ms);
        if self.transitions.len() >= TRANSITION_HISTORY {
            self.transitions.pop_front();
        }
        self.transitions.push_back(transition.clone());
        Some(transition)
    }
}

fn with_count(reason: String, n: usize) -> String {
    if n > 1 { format!("{reason} for {n} samples") } else { reason }
}

#[cfg(test)]
mod tests;
