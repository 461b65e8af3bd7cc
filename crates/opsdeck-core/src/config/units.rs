//! Units a metric value or a band threshold may carry, and conversion
//! between units of the same dimension (`2s` is `2000ms`, `80%` is `0.8`).

use std::fmt;

/// What a unit measures; only units of one dimension convert into each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Time,
    Bytes,
    Ratio,
}

/// A unit with its size in the dimension's base (seconds, bytes, ratio 0..1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    pub symbol: &'static str,
    pub dimension: Dimension,
    pub scale: f64,
}

const UNITS: &[Unit] = &[
    Unit { symbol: "us", dimension: Dimension::Time, scale: 1e-6 },
    Unit { symbol: "ms", dimension: Dimension::Time, scale: 1e-3 },
    Unit { symbol: "s", dimension: Dimension::Time, scale: 1.0 },
    Unit { symbol: "m", dimension: Dimension::Time, scale: 60.0 },
    Unit { symbol: "h", dimension: Dimension::Time, scale: 3600.0 },
    Unit { symbol: "d", dimension: Dimension::Time, scale: 86400.0 },
    Unit { symbol: "B", dimension: Dimension::Bytes, scale: 1.0 },
    Unit { symbol: "KB", dimension: Dimension::Bytes, scale: 1e3 },
    Unit { symbol: "MB", dimension: Dimension::Bytes, scale: 1e6 },
    Unit { symbol: "GB", dimension: Dimension::Bytes, scale: 1e9 },
    Unit { symbol: "KiB", dimension: Dimension::Bytes, scale: 1024.0 },
    Unit { symbol: "MiB", dimension: Dimension::Bytes, scale: 1_048_576.0 },
    Unit { symbol: "GiB", dimension: Dimension::Bytes, scale: 1_073_741_824.0 },
    Unit { symbol: "%", dimension: Dimension::Ratio, scale: 0.01 },
    Unit { symbol: "ratio", dimension: Dimension::Ratio, scale: 1.0 },
];

/// The list shown when a unit is not recognised.
pub fn known_symbols() -> String {
    UNITS.iter().map(|u| u.symbol).collect::<Vec<_>>().join(", ")
}

impl Unit {
    /// Looks a unit up by its symbol (`ms`, `MiB`, `%`; `sec`/`min` also accepted).
    pub fn parse(symbol: &str) -> Option<Unit> {
        let symbol = match symbol {
            "sec" | "secs" => "s",
            "min" | "mins" => "m",
            "days" | "day" => "d",
            other => other,
        };
        UNITS.iter().copied().find(|u| u.symbol == symbol)
    }

    /// Converts `value` written in `self` into `target`, if both measure the same thing.
    pub fn convert(self, value: f64, target: Unit) -> Option<f64> {
        (self.dimension == target.dimension).then(|| value * self.scale / target.scale)
    }

    /// The unit a well-known value name implies (`latency_ms` is in ms).
    pub fn implied_by_name(name: &str) -> Option<Unit> {
        let suffix = name.rsplit('_').next().unwrap_or(name);
        match suffix {
            "ms" => Unit::parse("ms"),
            "s" | "seconds" => Unit::parse("s"),
            "days" => Unit::parse("d"),
            "bytes" => Unit::parse("B"),
            "ratio" => Unit::parse("ratio"),
            "percent" | "pct" => Unit::parse("%"),
            _ => None,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_within_a_dimension_only() {
        let s = Unit::parse("s").unwrap();
        let ms = Unit::parse("ms").unwrap();
        let pct = Unit::parse("%").unwrap();
        let ratio = Unit::parse("ratio").unwrap();
        assert_eq!(s.convert(2.0, ms), Some(2000.0));
        assert!((pct.convert(80.0, ratio).unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(s.convert(1.0, pct), None);
    }

    #[test]
    fn value_names_imply_units() {
        assert_eq!(Unit::implied_by_name("latency_ms").map(|u| u.symbol), Some("ms"));
        assert_eq!(Unit::implied_by_name("connections_used_ratio").map(|u| u.symbol), Some("ratio"));
        assert_eq!(Unit::implied_by_name("cert_days").map(|u| u.symbol), Some("d"));
        assert_eq!(Unit::implied_by_name("count"), None);
    }
}

/// Parses a byte size such as `"512KiB"` or `"1MB"` into bytes.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let expected = "expected a size like \"512KiB\" or \"1MiB\"";
    let value: f64 = num.parse().map_err(|_| format!("invalid size \"{s}\"; {expected}"))?;
    let unit =
        Unit::parse(unit.trim()).filter(|u| u.dimension == Dimension::Bytes).ok_or_else(|| format!("invalid size \"{s}\"; {expected}"))?;
    Ok((value * unit.scale) as u64)
}

#[cfg(test)]
mod bytes_tests {
    #[test]
    fn parses_sizes() {
        assert_eq!(super::parse_bytes("1MiB"), Ok(1_048_576));
        assert_eq!(super::parse_bytes("512 KB"), Ok(512_000));
        assert!(super::parse_bytes("huge").is_err());
        assert!(super::parse_bytes("5s").is_err());
    }
}
