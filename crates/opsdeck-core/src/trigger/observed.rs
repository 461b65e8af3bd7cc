//! `Observed`: what the trigger engine learns from one probe sample — the
//! check's health after the metrics evaluator judged it, its values, and
//! whether the probe failed (and whether the target answered).

use crate::metrics::Health;
use crate::metrics::board::Row;
use crate::reading::Sample;
use crate::reading::{Cause, ProbeError};

/// A failed probe run.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Short and human: `HTTP 503`, `connection refused`, `timeout after 2s`.
    pub reason: String,
    /// The target answered and reported failure (HTTP 503, a failed
    /// assertion). `false` means no answer at all: the check is UNKNOWN.
    pub answered: bool,
}

/// One check's sample as the trigger engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The check's id in the plan.
    pub check: String,
    pub at_ms: i64,
    /// Health after the metrics evaluator took this sample in.
    pub health: Health,
    /// The check's main quantity (its `value`), when the reading had it.
    pub value: Option<f64>,
    /// Every quantity of the reading (`latency_ms`, `status`, `$.uptime` …).
    pub fields: Vec<(String, f64)>,
    pub failure: Option<Failure>,
}

impl Observed {
    /// A successful reading of the main value, for tests and simulations.
    pub fn value(check: &str, at_ms: i64, health: Health, value: f64) -> Observed {
        Observed { check: check.into(), at_ms, health, value: Some(value), fields: Vec::new(), failure: None }
    }

    /// A failed probe run.
    pub fn failed(check: &str, at_ms: i64, health: Health, reason: &str, answered: bool) -> Observed {
        Observed {
            check: check.into(),
            at_ms,
            health,
            value: None,
            fields: Vec::new(),
            failure: Some(Failure { reason: reason.into(), answered }),
        }
    }

    /// Adds a named quantity.
    pub fn with_field(mut self, name: &str, value: f64) -> Observed {
        self.fields.push((name.into(), value));
        self
    }

    /// The sample as the board's `row` sees it, after `Board::apply` took it in.
    pub fn from_row(row: &Row, sample: &Sample) -> Observed {
        let (value, fields, failure) = match &sample.result {
            Ok(reading) => (reading.get(&row.value_name), reading.values.clone(), None),
            Err(ProbeError(reason, cause)) => {
                (None, Vec::new(), Some(Failure { reason: reason.clone(), answered: *cause == Cause::TargetFailed }))
            }
        };
        Observed { check: row.id.clone(), at_ms: sample.at_ms, health: row.health(), value, fields, failure }
    }

    /// A named quantity, or the main value when `name` is `None`.
    pub fn quantity(&self, name: Option<&str>) -> Option<f64> {
        match name {
            None => self.value,
            Some(n) => self.fields.iter().find(|(f, _)| f == n).map(|(_, v)| *v),
        }
    }
}
