//! Human durations in plan files (`"5s"`, `"2m"`, `"1h30m"`) and response
//! deadlines (`"15m"` or `"next business day"`).

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A non-negative duration written the way people say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeSpan(pub Duration);

impl TimeSpan {
    pub const fn from_secs(secs: u64) -> Self {
        Self(Duration::from_secs(secs))
    }

    pub const fn from_millis(ms: u64) -> Self {
        Self(Duration::from_millis(ms))
    }

    pub fn get(self) -> Duration {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

/// The longest duration a plan may write anywhere (a year): longer ones are
/// typos, and bounding them here keeps every later computation with
/// instants and deadlines from overflowing.
pub const MAX_SPAN: Duration = Duration::from_secs(365 * 24 * 3600);

/// What a duration must look like, used in every duration error.
pub const DURATION_EXPECTED: &str = "expected a number with a unit, like \"500ms\", \"5s\", \"2m\" or \"1h30m\"";

impl std::str::FromStr for TimeSpan {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return Err(format!("empty duration; {DURATION_EXPECTED}"));
        }
        if trimmed.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(format!("duration \"{s}\" has no unit; {DURATION_EXPECTED}"));
        }
        let span = humantime::parse_duration(trimmed).map_err(|_| format!("invalid duration \"{s}\"; {DURATION_EXPECTED}"))?;
        if span > MAX_SPAN {
            return Err(format!("duration \"{s}\" is too long; expected at most {}", TimeSpan(MAX_SPAN)));
        }
        Ok(TimeSpan(span))
    }
}

impl fmt::Display for TimeSpan {
    /// Compact form: `15m`, `1h30m`, `2s`, `250ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total_ms = self.0.as_millis();
        if total_ms == 0 {
            return f.write_str("0s");
        }
        if !total_ms.is_multiple_of(1000) {
            return write!(f, "{total_ms}ms");
        }
        let mut secs = self.0.as_secs();
        let mut out = String::new();
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if secs >= size {
                out.push_str(&format!("{}{unit}", secs / size));
                secs %= size;
            }
        }
        f.write_str(&out)
    }
}

impl<'de> Deserialize<'de> for TimeSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How soon an incident of a severity must be responded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Within(TimeSpan),
    /// 09:00 local time on the next weekday.
    NextBusinessDay,
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Deadline::Within(t) => write!(f, "{t}"),
            Deadline::NextBusinessDay => f.write_str("next business day"),
        }
    }
}

impl<'de> Deserialize<'de> for Deadline {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let norm = s.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        if norm == "next business day" {
            return Ok(Deadline::NextBusinessDay);
        }
        s.parse::<TimeSpan>().map(Deadline::Within).map_err(|e| serde::de::Error::custom(format!("{e}, or \"next business day\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!("5s".parse::<TimeSpan>(), Ok(TimeSpan::from_secs(5)));
        assert_eq!("2m".parse::<TimeSpan>(), Ok(TimeSpan::from_secs(120)));
        assert_eq!("1h30m".parse::<TimeSpan>(), Ok(TimeSpan::from_secs(5400)));
        assert_eq!("250ms".parse::<TimeSpan>(), Ok(TimeSpan::from_millis(250)));
    }

    #[test]
    fn rejects_unknown_units_and_bare_numbers() {
        let e = "5 parsecs".parse::<TimeSpan>().unwrap_err();
        assert_eq!(e, format!("invalid duration \"5 parsecs\"; {DURATION_EXPECTED}"));
        let e = "30".parse::<TimeSpan>().unwrap_err();
        assert!(e.starts_with("duration \"30\" has no unit"), "{e}");
        assert!("".parse::<TimeSpan>().is_err());
    }

    #[test]
    fn rejects_durations_longer_than_a_year() {
        let e = "18446744073709551615s".parse::<TimeSpan>().unwrap_err();
        assert_eq!(e, "duration \"18446744073709551615s\" is too long; expected at most 365d");
        assert_eq!("365d".parse::<TimeSpan>(), Ok(TimeSpan(MAX_SPAN)));
        assert!("366d".parse::<TimeSpan>().is_err());
    }

    #[test]
    fn displays_compactly() {
        assert_eq!(TimeSpan::from_secs(5400).to_string(), "1h30m");
        assert_eq!(TimeSpan::from_secs(900).to_string(), "15m");
        assert_eq!(TimeSpan::from_millis(1500).to_string(), "1500ms");
    }

    #[test]
    fn deadline_accepts_next_business_day() {
        #[derive(Deserialize, schemars::JsonSchema)]
        struct W {
            d: Deadline,
        }
        let w: W = toml::from_str("d = \"Next business day\"").unwrap();
        assert_eq!(w.d, Deadline::NextBusinessDay);
        let w: W = toml::from_str("d = \"4h\"").unwrap();
        assert_eq!(w.d, Deadline::Within(TimeSpan::from_secs(4 * 3600)));
    }
}
