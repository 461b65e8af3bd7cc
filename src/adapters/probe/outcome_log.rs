//! What the log says about a check's probe runs: one line when the check
//! starts failing, when it fails differently (no answer ↔ the target
//! answering that it fails), and when it recovers; never one line per
//! failed poll. Each check's task keeps one [`OutcomeLog`].
//!
//! The lines are info, not warnings: the console already shows every
//! check's state, and some no-answers are routine (a rate's first scrape),
//! so warning on them would keep the status bar's "warnings logged" count,
//! meant for opsdeck's own troubles, up all the time.

use super::{Cause, ProbeResult};

/// A probe run's outcome as far as the log is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed(Cause),
}

/// The last outcome logged for one check.
#[derive(Debug)]
pub struct OutcomeLog {
    check: String,
    last: Option<Outcome>,
}

impl OutcomeLog {
    pub fn new(check: impl Into<String>) -> Self {
        Self { check: check.into(), last: None }
    }

    /// The line to log for a run's result (`api: UNKNOWN: connection
    /// refused`, `api: CRITICAL: self-signed certificate`, `api:
    /// recovered`), when it changes what the log last said. A check that
    /// starts healthy says nothing.
    pub fn note(&mut self, result: &ProbeResult) -> Option<String> {
        let now = match result {
            Ok(_) => Outcome::Ok,
            Err(e) => Outcome::Failed(e.1),
        };
        let before = self.last.replace(now);
        if before == Some(now) {
            return None;
        }
        match (result, before) {
            (Ok(_), None) => None,
            (Ok(_), Some(_)) => Some(format!("{}: recovered", self.check)),
            (Err(e), _) => {
                let state = match e.1 {
                    Cause::NoAnswer => "UNKNOWN",
                    Cause::TargetFailed => "CRITICAL",
                };
                Some(format!("{}: {state}: {}", self.check, e.0))
            }
        }
    }

    /// Notes a run's result and writes its line, if any.
    pub fn record(&mut self, result: &ProbeResult) {
        if let Some(line) = self.note(result) {
            tracing::info!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::probe::{ProbeError, Reading};

    #[test]
    fn one_line_per_change_not_per_poll() {
        let mut log = OutcomeLog::new("api");
        let ok = || Ok(Reading::new().with("latency_ms", 1.0));
        let refused = || Err(ProbeError::new("connection refused"));
        let timeout = || Err(ProbeError::new("timeout after 2s"));
        let expired = || Err(ProbeError::target_failed("certificate expired 3 days ago"));
        let runs = [ok(), ok(), refused(), refused(), timeout(), refused(), expired(), expired(), ok(), ok(), refused()];
        let lines: Vec<String> = runs.iter().filter_map(|r| log.note(r)).collect();
        assert_eq!(
            lines,
            [
                "api: UNKNOWN: connection refused",
                "api: CRITICAL: certificate expired 3 days ago",
                "api: recovered",
                "api: UNKNOWN: connection refused",
            ]
        );
    }

    #[test]
    fn a_check_failing_from_the_start_says_so_once() {
        let mut log = OutcomeLog::new("db");
        let unset = || Err(ProbeError::new("environment variable DATABASE_URL is not set"));
        let lines: Vec<String> = (0..50).filter_map(|_| log.note(&unset())).collect();
        assert_eq!(lines, ["db: UNKNOWN: environment variable DATABASE_URL is not set"]);
    }
}
