//! Trigger conditions, written as short sentences over checks:
//! `error-rate critical for 1m`, `api latency_ms > 5000 for 1m`, `api failed 3x`,
//! and the two that count a target that does not answer as failing:
//! `api down for 30s`, `api unreachable 3x`.

use super::band::{Bound, CmpOp};
use super::duration::TimeSpan;

/// A state a condition can wait for; a check in a worse state also matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateAtLeast {
    Acceptable,
    Degraded,
    Critical,
}

/// One parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The check is in (at least) a state, for a while.
    State { check: String, state: StateAtLeast, held_for: Option<TimeSpan> },
    /// A measured quantity compares to a threshold, for a while.
    Compare { check: String, field: Option<String>, bound: Bound, held_for: Option<TimeSpan> },
    /// The target answered that it is failing this many times in a row
    /// (HTTP 503, a failed assertion). No answer is UNKNOWN: it never counts.
    Failed { check: String, times: u32 },
    /// Every probe failed, for a while or this many times in a row, whether
    /// the target answered that it is failing or did not answer at all
    /// (refused, timeout, DNS): `api down for 30s`, `api unreachable 3x`.
    Down { check: String, span: DownFor },
}

/// How long a [`Condition::Down`] must last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DownFor {
    /// Every probe since at least this long ago failed (`down for 30s`).
    Time(TimeSpan),
    /// This many probes in a row failed (`unreachable 3x`).
    Times(u32),
}

pub const CONDITION_EXPECTED: &str = "expected `<check> <acceptable|degraded|critical> [for <duration>]`, `<check> [<value>] <op> <number> [for <duration>]`, `<check> failed <n>x`, `<check> down for <duration>` or `<check> unreachable <n>x`";

impl Condition {
    pub fn check(&self) -> &str {
        match self {
            Condition::State { check, .. }
            | Condition::Compare { check, .. }
            | Condition::Failed { check, .. }
            | Condition::Down { check, .. } => check,
        }
    }
}

impl std::str::FromStr for Condition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("cannot read condition \"{s}\": {why}; {CONDITION_EXPECTED}");
        let (body, held_for) = match s.split_once(" for ") {
            Some((body, dur)) => (body, Some(dur.trim().parse::<TimeSpan>().map_err(|e| bad(&e))?)),
            None => (s, None),
        };
        let words: Vec<&str> = body.split_whitespace().collect();
        let Some((&check, rest)) = words.split_first() else {
            return Err(bad("it is empty"));
        };
        let count = |count: &str| {
            let digits = count.trim_end_matches(['x', 'X']);
            digits.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| bad(&format!("`{count}` is not a count like `3x`")))
        };
        match rest {
            [word @ ("failed" | "unreachable"), n] | [word @ ("failed" | "unreachable"), n, "times"] => {
                if held_for.is_some() {
                    return Err(bad(&format!("`{word}` counts probes, so it takes no `for`")));
                }
                let times = count(n)?;
                Ok(match *word {
                    "failed" => Condition::Failed { check: check.into(), times },
                    _ => Condition::Down { check: check.into(), span: DownFor::Times(times) },
                })
            }
            ["down"] => match held_for {
                Some(d) => Ok(Condition::Down { check: check.into(), span: DownFor::Time(d) }),
                None => Err(bad("`down` needs a duration, like `down for 30s`")),
            },
            [state] => {
                let state = match *state {
                    "acceptable" => StateAtLeast::Acceptable,
                    "degraded" => StateAtLeast::Degraded,
                    "critical" => StateAtLeast::Critical,
                    other => return Err(bad(&format!("`{other}` is not a state"))),
                };
                Ok(Condition::State { check: check.into(), state, held_for })
            }
            _ => {
                let text = rest.join(" ");
                let (field, threshold) = match CmpOp::split(&text) {
                    Some(_) => (None, text.as_str()),
                    None => match text.split_once(' ') {
                        Some((field, threshold)) => (Some(field.to_string()), threshold),
                        None => return Err(bad("it has no comparison")),
                    },
                };
                if CmpOp::split(threshold).is_none() {
                    return Err(bad(&format!(
                        "`{text}` is neither a state (acceptable, degraded, critical) nor a comparison like `> 500`"
                    )));
                }
                let bound: Bound = threshold.parse().map_err(|e: String| bad(e.split("; expected").next().unwrap_or(&e)))?;
                if bound.op == CmpOp::Ne {
                    return Err(bad("`!=` is not supported here; use <, <=, >, >= or =="));
                }
                Ok(Condition::Compare { check: check.into(), field, bound, held_for })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_forms() {
        let c: Condition = "error-rate critical for 1m".parse().unwrap();
        assert_eq!(
            c,
            Condition::State { check: "error-rate".into(), state: StateAtLeast::Critical, held_for: Some(TimeSpan::from_secs(60)) }
        );
        let c: Condition = "api latency_ms > 5000 for 1m".parse().unwrap();
        let Condition::Compare { check, field, bound, held_for } = c else { panic!("not a comparison") };
        assert_eq!(
            (check.as_str(), field.as_deref(), bound.value, held_for),
            ("api", Some("latency_ms"), 5000.0, Some(TimeSpan::from_secs(60)))
        );
        let c: Condition = "api > 5s".parse().unwrap();
        assert!(matches!(c, Condition::Compare { field: None, .. }));
        let c: Condition = "api failed 3x".parse().unwrap();
        assert_eq!(c, Condition::Failed { check: "api".into(), times: 3 });
    }

    #[test]
    fn reads_the_forms_that_count_no_answer_as_failing() {
        let c: Condition = "api down for 30s".parse().unwrap();
        assert_eq!(c, Condition::Down { check: "api".into(), span: DownFor::Time(TimeSpan::from_secs(30)) });
        let c: Condition = "api unreachable 3x".parse().unwrap();
        assert_eq!(c, Condition::Down { check: "api".into(), span: DownFor::Times(3) });
        let e = "api down".parse::<Condition>().unwrap_err();
        assert!(e.contains("`down` needs a duration"), "{e}");
        let e = "api unreachable 3x for 1m".parse::<Condition>().unwrap_err();
        assert!(e.contains("`unreachable` counts probes"), "{e}");
        let e = "api unreachable 0x".parse::<Condition>().unwrap_err();
        assert!(e.contains("`0x` is not a count"), "{e}");
    }

    #[test]
    fn explains_what_it_could_not_read() {
        let e = "api is sad".parse::<Condition>().unwrap_err();
        assert!(e.contains("cannot read condition \"api is sad\""), "{e}");
        let e = "api failed lots".parse::<Condition>().unwrap_err();
        assert!(e.contains("`lots` is not a count"), "{e}");
        let e = "api critical for ever".parse::<Condition>().unwrap_err();
        assert!(e.contains("invalid duration"), "{e}");
        assert!("".parse::<Condition>().is_err());
    }
}
