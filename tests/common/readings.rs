//! What a probe run gave, for the probe tests: its main value, or its
//! reason; the other outcome fails the test, saying what came instead.

use opsdeck::adapters::probe::{ProbeError, ProbeResult};

/// The run's `value`.
pub fn value(r: ProbeResult) -> f64 {
    match r {
        Ok(reading) => reading.get("value").expect("a `value` reading"),
        Err(e) => panic!("expected a value, got error: {e}"),
    }
}

/// The run's failure reason.
pub fn reason(r: ProbeResult) -> String {
    match r {
        Ok(reading) => panic!("expected an error, got {reading:?}"),
        Err(ProbeError(reason, _)) => reason,
    }
}
