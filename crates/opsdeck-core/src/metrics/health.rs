//! `Health`: the displayed state of a check (band levels plus `Unknown`),
//! its symbols and labels, and its "worst first" ordering.

use std::cmp::Ordering;
use std::fmt;

use crate::config::band::BandLevel;

/// Health of a check as shown to the operator.
///
/// Ordering is by severity, so `max()` is the worst and sorting descending
/// (`sort_by(|a, b| b.cmp(a))`) lists the worst first:
/// `Critical > Unknown > Degraded > Acceptable > Ok`.
///
/// `Unknown` ranks above `Degraded` because it needs attention — we cannot
/// see the check, so it might be critical — yet below `Critical`, because
/// it is not *known* to be bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Health {
    Ok,
    Acceptable,
    Degraded,
    Critical,
    Unknown,
}

impl Health {
    /// Every state, best first by severity.
    pub const ALL: [Health; 5] = [Health::Ok, Health::Acceptable, Health::Degraded, Health::Unknown, Health::Critical];

    /// Severity rank used for ordering: 0 (Ok) ..= 4 (Critical).
    pub fn severity(self) -> u8 {
        match self {
            Health::Ok => 0,
            Health::Acceptable => 1,
            Health::Degraded => 2,
            Health::Unknown => 3,
            Health::Critical => 4,
        }
    }

    /// One-character glyph, distinguishable without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Health::Ok => "✓",
            Health::Acceptable => "~",
            Health::Degraded => "▲",
            Health::Critical => "✖",
            Health::Unknown => "?",
        }
    }

    /// Short pure-ASCII tag for terminals without Unicode.
    pub fn ascii_symbol(self) -> &'static str {
        match self {
            Health::Ok => "OK",
            Health::Acceptable => "ACC",
            Health::Degraded => "DEG",
            Health::Critical => "CRIT",
            Health::Unknown => "UNKN",
        }
    }

    /// Full upper-case label.
    pub fn label(self) -> &'static str {
        match self {
            Health::Ok => "OK",
            Health::Acceptable => "ACCEPTABLE",
            Health::Degraded => "DEGRADED",
            Health::Critical => "CRITICAL",
            Health::Unknown => "UNKNOWN",
        }
    }

    /// Whether a check in this state holds: OK or ACCEPTABLE (what ticks
    /// an item the check verifies).
    pub fn holds(self) -> bool {
        matches!(self, Health::Ok | Health::Acceptable)
    }

    /// The band level this state corresponds to; `None` for `Unknown`.
    pub fn band_level(self) -> Option<BandLevel> {
        match self {
            Health::Ok => Some(BandLevel::Ok),
            Health::Acceptable => Some(BandLevel::Acceptable),
            Health::Degraded => Some(BandLevel::Degraded),
            Health::Critical => Some(BandLevel::Critical),
            Health::Unknown => None,
        }
    }
}

impl From<BandLevel> for Health {
    fn from(level: BandLevel) -> Self {
        match level {
            BandLevel::Ok => Health::Ok,
            BandLevel::Acceptable => Health::Acceptable,
            BandLevel::Degraded => Health::Degraded,
            BandLevel::Critical => Health::Critical,
        }
    }
}

impl Ord for Health {
    fn cmp(&self, other: &Self) -> Ordering {
        self.severity().cmp(&other.severity())
    }
}

impl PartialOrd for Health {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_band_level_round_trips() {
        for level in [BandLevel::Ok, BandLevel::Acceptable, BandLevel::Degraded, BandLevel::Critical] {
            assert_eq!(Health::from(level).band_level(), Some(level));
        }
        assert_eq!(Health::Unknown.band_level(), None);
    }

    #[test]
    fn worst_first_sorting() {
        let mut v = vec![Health::Ok, Health::Critical, Health::Acceptable, Health::Unknown, Health::Degraded];
        v.sort_by(|a, b| b.cmp(a));
        assert_eq!(v, vec![Health::Critical, Health::Unknown, Health::Degraded, Health::Acceptable, Health::Ok]);
        assert!(Health::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn symbols_and_labels_are_distinct() {
        for (i, a) in Health::ALL.iter().enumerate() {
            assert!(a.ascii_symbol().is_ascii());
            assert_eq!(a.to_string(), a.label());
            for b in &Health::ALL[i + 1..] {
                assert_ne!(a.symbol(), b.symbol());
                assert_ne!(a.ascii_symbol(), b.ascii_symbol());
                assert_ne!(a.label(), b.label());
            }
        }
    }
}
