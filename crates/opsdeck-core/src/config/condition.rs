//! Trigger conditions, written as short sentences over checks:
//! `error-rate critical for 1m`, `api latency_ms > 5000 for 1m`, `api failed 3x`.

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
    /// The probe failed this many times in a row.
    Failed { check: String, times: u32 },
}

pub const CONDITION_EXPECTED: &str = "expected `<check> <acceptable|degraded|critical> [for <duration>]`, `<check> [<value>] <op> <number> [for <duration>]` or `<check> failed <n>x`";

impl Condition {
    pub fn check(&self) -> &str {
        match self {
            Condition::State { check, .. } | Condition::Compare { check, .. } | Condition::Failed { check, .. } => check,
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
        match rest {
            ["failed", count] | ["failed", count, "times"] => {
                if held_for.is_some() {
                    return Err(bad("`failed` counts probes, so it takes no `for`"));
                }
                let digits = count.trim_end_matches(['x', 'X']);
                let times =
                    digits.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| bad(&format!("`{count}` is not a count like `3x`")))?;
                Ok(Condition::Failed { check: check.into(), times })
            }
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
