//! `RecordedSample`: one probe sample as stored — by check id rather than
//! plan position, so a replay survives an edited plan — and its conversion
//! to and from the live [`Sample`].

use crate::reading::Sample;
use crate::reading::{Cause, ProbeError, Reading};

/// How long samples are kept: one hour.
pub const RETENTION_MS: i64 = 3_600_000;

/// What the probe run gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every quantity read.
    Reading(Vec<(String, f64)>),
    /// No reading: why, and whether the target answered (HTTP 503) or not (timeout).
    Failed { reason: String, answered: bool },
}

/// One stored sample.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedSample {
    pub check: String,
    pub at_ms: i64,
    pub latency_ms: f64,
    pub outcome: Outcome,
}

impl RecordedSample {
    /// The live sample of check `check`.
    pub fn of(check: &str, sample: &Sample) -> RecordedSample {
        let outcome = match &sample.result {
            Ok(reading) => Outcome::Reading(reading.values.clone()),
            Err(ProbeError(reason, cause)) => Outcome::Failed { reason: reason.clone(), answered: *cause == Cause::TargetFailed },
        };
        RecordedSample { check: check.to_string(), at_ms: sample.at_ms, latency_ms: sample.latency_ms, outcome }
    }

    /// Back to a live sample of the check at position `index` in a plan.
    pub fn to_sample(&self, index: usize) -> Sample {
        let result = match &self.outcome {
            Outcome::Reading(values) => Ok(Reading { values: values.clone(), note: None }),
            Outcome::Failed { reason, answered: true } => Err(ProbeError::target_failed(reason.clone())),
            Outcome::Failed { reason, answered: false } => Err(ProbeError::new(reason.clone())),
        };
        Sample { check: index, at_ms: self.at_ms, latency_ms: self.latency_ms, result }
    }
}

/// Fields as stored: one `name<TAB>value` per line; values in Rust's
/// round-tripping notation (`NaN` and `inf` included, which JSON cannot hold).
pub fn encode_fields(values: &[(String, f64)]) -> String {
    values.iter().map(|(n, v)| format!("{}\t{v}", n.replace(['\t', '\n'], " "))).collect::<Vec<_>>().join("\n")
}

/// The inverse of [`encode_fields`]; malformed lines are skipped.
pub fn decode_fields(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.rsplit_once('\t')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_including_non_finite_values() {
        let values = vec![("latency_ms".to_string(), 182.25), ("$.ratio".to_string(), f64::INFINITY), ("status".to_string(), 200.0)];
        assert_eq!(decode_fields(&encode_fields(&values)), values);
        let nan = decode_fields(&encode_fields(&[("x".into(), f64::NAN)]));
        assert!(nan[0].1.is_nan());
        assert_eq!(decode_fields("garbage\nok\t1"), vec![("ok".to_string(), 1.0)]);
    }

    #[test]
    fn samples_convert_both_ways() {
        let live = Sample { check: 3, at_ms: 5, latency_ms: 2.0, result: Err(ProbeError::target_failed("HTTP 503")) };
        let stored = RecordedSample::of("api", &live);
        assert_eq!(stored.outcome, Outcome::Failed { reason: "HTTP 503".into(), answered: true });
        assert_eq!(stored.to_sample(3), live);
        let live = Sample { check: 0, at_ms: 9, latency_ms: 1.0, result: Ok(Reading::new().with("latency_ms", 42.0)) };
        assert_eq!(RecordedSample::of("api", &live).to_sample(0), live);
    }
}
