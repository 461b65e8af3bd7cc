//! The rules of `opsdeck status --for …` as a deploy gate, modelled on Argo
//! Rollouts' AnalysisRun: what the flags may be ([`Policy`]), what one round
//! of probes counts as ([`RoundOutcome`]), and when a run ends and how
//! ([`Tally`], [`Verdict`]). Pure: the polling itself is in the `rounds` module.

use std::time::Duration;

use serde::Serialize;

use opsdeck_core::metrics::Health;

/// `--every` when not given.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(10);

/// How a gate polls and when it gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// `--for`: how long the gate watches.
    pub span: Duration,
    /// `--every`: the time between the starts of two rounds.
    pub every: Duration,
    /// `--failure-limit`: failed rounds tolerated; one more fails the run.
    pub failure_limit: u32,
    /// `--inconclusive-limit`: inconclusive rounds tolerated; one more ends
    /// the run inconclusive.
    pub inconclusive_limit: u32,
}

impl Policy {
    /// The policy, or a usage error saying what is wrong with the flags.
    pub fn new(span: Duration, every: Duration, failure_limit: u32, inconclusive_limit: u32) -> Result<Policy, String> {
        if every.is_zero() {
            return Err("--every must be longer than 0".into());
        }
        if span < every {
            return Err(format!(
                "--for ({}) must be at least --every ({}): a gate polls once every --every for as long as --for",
                humantime::format_duration(span),
                humantime::format_duration(every)
            ));
        }
        Ok(Policy { span, every, failure_limit, inconclusive_limit })
    }

    /// How many rounds the run has when nothing ends it early: one every
    /// `--every`, the first at once, as many as fit in `--for` (10m every
    /// 10s: 60).
    pub fn rounds(&self) -> u32 {
        let n = self.span.as_nanos() / self.every.as_nanos();
        u32::try_from(n).unwrap_or(u32::MAX).max(1)
    }
}

/// What one round (every check probed once) counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundOutcome {
    Successful,
    /// Some check was UNKNOWN, none CRITICAL.
    Inconclusive,
    /// Some check was CRITICAL.
    Failed,
}

impl RoundOutcome {
    /// CRITICAL anywhere fails the round; else UNKNOWN anywhere makes it
    /// inconclusive; else it succeeded (DEGRADED included).
    pub fn of(states: impl IntoIterator<Item = Health>) -> RoundOutcome {
        let mut outcome = RoundOutcome::Successful;
        for h in states {
            match h {
                Health::Critical => return RoundOutcome::Failed,
                Health::Unknown => outcome = RoundOutcome::Inconclusive,
                Health::Ok | Health::Acceptable | Health::Degraded => {}
            }
        }
        outcome
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Successful,
    Failed,
    Inconclusive,
}

impl Verdict {
    /// 0 successful, 2 failed, 3 inconclusive.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Successful => 0,
            Verdict::Failed => 2,
            Verdict::Inconclusive => 3,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Successful => "successful",
            Verdict::Failed => "failed",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

impl From<RoundOutcome> for Verdict {
    /// A run of one round: its outcome.
    fn from(o: RoundOutcome) -> Verdict {
        match o {
            RoundOutcome::Successful => Verdict::Successful,
            RoundOutcome::Inconclusive => Verdict::Inconclusive,
            RoundOutcome::Failed => Verdict::Failed,
        }
    }
}

/// The rounds of a run so far, counted by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub rounds: u32,
    pub failures: u32,
    pub inconclusive: u32,
}

impl Tally {
    /// Counts a round, whatever the limits.
    pub fn count(&mut self, outcome: RoundOutcome) {
        self.rounds += 1;
        match outcome {
            RoundOutcome::Successful => {}
            RoundOutcome::Failed => self.failures += 1,
            RoundOutcome::Inconclusive => self.inconclusive += 1,
        }
    }

    /// Counts a round; `Some` when the run must end now: failed once
    /// failures exceed the limit, inconclusive once inconclusive rounds do
    /// (Argo: `count > limit`).
    pub fn record(&mut self, outcome: RoundOutcome, policy: &Policy) -> Option<Verdict> {
        self.count(outcome);
        if self.failures > policy.failure_limit {
            Some(Verdict::Failed)
        } else if self.inconclusive > policy.inconclusive_limit {
            Some(Verdict::Inconclusive)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(failure_limit: u32, inconclusive_limit: u32) -> Policy {
        Policy::new(Duration::from_secs(60), Duration::from_secs(10), failure_limit, inconclusive_limit).unwrap()
    }

    #[test]
    fn critical_outranks_unknown_in_a_round() {
        use Health::*;
        assert_eq!(RoundOutcome::of([Ok, Degraded, Acceptable]), RoundOutcome::Successful);
        assert_eq!(RoundOutcome::of([Ok, Unknown]), RoundOutcome::Inconclusive);
        assert_eq!(RoundOutcome::of([Unknown, Critical]), RoundOutcome::Failed);
        assert_eq!(RoundOutcome::of([Critical, Unknown]), RoundOutcome::Failed);
        assert_eq!(RoundOutcome::of([]), RoundOutcome::Successful);
    }

    #[test]
    fn limits_are_exceeded_not_reached() {
        let p = policy(1, 0);
        let mut t = Tally::default();
        assert_eq!(t.record(RoundOutcome::Failed, &p), None, "one failure is within a limit of 1");
        assert_eq!(t.record(RoundOutcome::Successful, &p), None);
        assert_eq!(t.record(RoundOutcome::Failed, &p), Some(Verdict::Failed));
        assert_eq!(t, Tally { rounds: 3, failures: 2, inconclusive: 0 });

        let mut t = Tally::default();
        assert_eq!(t.record(RoundOutcome::Inconclusive, &p), Some(Verdict::Inconclusive), "default limit 0");
    }

    #[test]
    fn flags_are_checked() {
        let s = Duration::from_secs;
        assert!(Policy::new(s(10), s(0), 0, 0).unwrap_err().contains("--every must be longer than 0"));
        assert!(Policy::new(s(5), s(10), 0, 0).unwrap_err().contains("--for (5s) must be at least --every (10s)"));
        assert_eq!(Policy::new(s(600), s(10), 0, 0).unwrap().rounds(), 60);
        assert_eq!(Policy::new(Duration::from_millis(2000), Duration::from_millis(300), 0, 0).unwrap().rounds(), 6);
        assert_eq!(Policy::new(s(10), s(10), 0, 0).unwrap().rounds(), 1);
    }

    #[test]
    fn verdicts_exit_by_argo_phase() {
        assert_eq!([Verdict::Successful, Verdict::Failed, Verdict::Inconclusive].map(Verdict::exit_code), [0, 2, 3]);
        assert_eq!(serde_json::to_string(&Verdict::Inconclusive).unwrap(), "\"inconclusive\"");
    }
}
