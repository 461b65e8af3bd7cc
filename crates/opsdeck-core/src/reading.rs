//! What one probe run gives, independent of how it was probed: the named
//! quantities it measured ([`Reading`]), or why it measured nothing
//! ([`ProbeError`] with its [`Cause`]); the [`Sample`] the scheduler sends
//! to the console; and a check's [`Timing`] (interval, timeout, staleness,
//! backoff). The probers themselves live in the binary's `adapters::probe`.

use std::fmt;
use std::time::Duration;

use crate::config::{Check, Defaults};

/// Named quantities measured by one probe run (`latency_ms`, `status`,
/// `value`, `connections_used_ratio`, `$.uptime`, …), and a note when the
/// run measured but something about how deserves saying (`connected in
/// plain text: …`): shown beside the value, never judged.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub values: Vec<(String, f64)>,
    /// What the values stand for, or how they were read, in words (the
    /// alerts an `alertmanager` check counted; `connected in plain text`):
    /// added to the check's reason and shown in its detail. Short and free of secrets.
    pub note: Option<String>,
}

impl Reading {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a quantity.
    pub fn with(mut self, name: impl Into<String>, value: f64) -> Self {
        self.set(name, value);
        self
    }

    /// Adds a note (see [`Reading::note`]).
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn set(&mut self, name: impl Into<String>, value: f64) {
        let name = name.into();
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Names of the quantities, for "no value `x` (have: a, b)" messages.
    pub fn names(&self) -> Vec<&str> {
        self.values.iter().map(|(n, _)| n.as_str()).collect()
    }
}

/// Why a probe run produced no reading: short and human (`HTTP 503`,
/// `connection refused`, `$.database was "down"`). Never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError(pub String, pub Cause);

/// Whether the target answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// No answer to judge (refused, timeout, DNS, misconfiguration): the
    /// check is UNKNOWN — we do not know how the target is.
    NoAnswer,
    /// The target answered and reported failure (an unexpected HTTP status,
    /// a failed assertion, a failing command, an expired certificate): the
    /// check is CRITICAL.
    TargetFailed,
}

impl ProbeError {
    /// A run that got no answer to judge.
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into(), Cause::NoAnswer)
    }

    /// A run whose target answered that it is failing.
    pub fn target_failed(reason: impl Into<String>) -> Self {
        Self(reason.into(), Cause::TargetFailed)
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProbeError {}

pub type ProbeResult = Result<Reading, ProbeError>;

/// One probe run's outcome, as sent to the app loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Index of the check in the plan.
    pub check: usize,
    /// When the run finished (unix milliseconds).
    pub at_ms: i64,
    /// How long the run took.
    pub latency_ms: f64,
    pub result: ProbeResult,
}

/// How often and how long a check runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub every: Duration,
    pub timeout: Duration,
    pub stale_after: Duration,
}

impl Timing {
    /// The check's own settings, else the defaults'. A timeout inherited
    /// from the defaults is cut to the check's interval (a probe ends
    /// before the next is due); one the check sets itself is validated to
    /// fit when the plan is loaded.
    pub fn for_check(check: &Check, defaults: &Defaults) -> Timing {
        let every = check.every.unwrap_or(defaults.every).get();
        Timing {
            every,
            timeout: check.timeout.map_or_else(|| defaults.timeout.get().min(every), |t| t.get()),
            stale_after: check.stale_after.unwrap_or(defaults.stale_after).get(),
        }
    }

    /// Delay before the next run after `failures` consecutive errors:
    /// the interval, doubled per failure, capped at eight intervals and at
    /// half the staleness limit (so an erroring check never looks stale).
    pub fn next_delay(&self, failures: u32) -> Duration {
        if failures <= 1 {
            return self.every;
        }
        let factor = 1u32 << (failures - 1).min(3);
        let backoff = self.every.saturating_mul(factor);
        backoff.min(self.stale_after / 2).max(self.every)
    }
}
