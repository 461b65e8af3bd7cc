//! Human wording for reasons: operator symbols, compact number and duration
//! formatting, and "why is this value at this level" sentences such as
//! `latency_ms 1240 > 1000 (critical)`.

use crate::config::band::{BandLevel, CmpOp, ResolvedBand};
use crate::config::units::{Dimension, Unit};

/// The operator that holds exactly when `op` does not (for non-NaN values).
pub fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
    }
}

/// Compact number: integers as integers, others with three significant
/// digits (`1240`, `0.5`, `0.3`, `1.45`, `182`), `NaN`/`inf` as such.
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let digits = v.abs().log10().floor() as i32;
    let decimals = (2 - digits).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// A value in its unit, compact: `182ms`, `1.24s`, `0.4%`, `21.3d`,
/// `512MiB`; a plain number when there is no unit.
pub fn format_with_unit(v: f64, unit: Option<Unit>) -> String {
    let Some(u) = unit.filter(|_| v.is_finite()) else {
        return format_value(v);
    };
    match u.dimension {
        Dimension::Time => {
            let secs = v * u.scale;
            if secs.abs() < 1.0 {
                format!("{}ms", format_value(secs * 1000.0))
            } else if secs.abs() < 120.0 {
                format!("{}s", format_value(secs))
            } else if secs.abs() < 2.0 * 86_400.0 && u.symbol != "d" {
                format!("{}m", format_value(secs / 60.0))
            } else {
                format!("{}d", format_value(secs / 86_400.0))
            }
        }
        Dimension::Ratio => format!("{}%", format_value(v * u.scale * 100.0)),
        Dimension::Bytes => {
            let bytes = v * u.scale;
            let (div, sym) = [(1_073_741_824.0, "GiB"), (1_048_576.0, "MiB"), (1024.0, "KiB")]
                .into_iter()
                .find(|(d, _)| bytes.abs() >= *d)
                .unwrap_or((1.0, "B"));
            format!("{}{sym}", format_value(bytes / div))
        }
    }
}

/// Coarse human duration, rounded down: `850ms`, `45s`, `5m`, `3h`, `2d`.
pub fn format_duration_ms(ms: i64) -> String {
    let ms = ms.max(0);
    let secs = ms / 1000;
    match secs {
        0 => format!("{ms}ms"),
        1..120 => format!("{secs}s"),
        120..7_200 => format!("{}m", secs / 60),
        7_200..172_800 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// Explains why `value` sits at `level` under `band`, quoting the threshold
/// that decided it, e.g. `latency_ms 700 >= 500 (misses acceptable)`.
/// `metric` may be empty, in which case only the value is shown.
pub fn describe_level(metric: &str, unit: Option<Unit>, band: Option<&ResolvedBand>, value: f64, level: BandLevel) -> String {
    let subject = if metric.is_empty() { format_with_unit(value, unit) } else { format!("{metric} {}", format_with_unit(value, unit)) };
    let clause = |(op, threshold): (CmpOp, f64), tag: &str| format!("{subject} {} {} ({tag})", op, format_with_unit(threshold, unit));
    let negated = |(op, threshold): (CmpOp, f64)| (negate(op), threshold);
    let Some(band) = band else {
        return format!("{subject} (no band)");
    };
    let sentence = match level {
        BandLevel::Critical => band.critical.map(|b| clause(b, "critical")),
        BandLevel::Acceptable => band.acceptable.map(|b| clause(b, "acceptable")),
        BandLevel::Ok => match (band.target, band.critical) {
            (Some(target), _) => Some(clause(target, "target")),
            (None, Some(critical)) => Some(clause(negated(critical), "not critical")),
            (None, None) => Some(format!("{subject} (no thresholds)")),
        },
        BandLevel::Degraded => match (band.acceptable, band.target) {
            (Some(acceptable), _) => Some(clause(negated(acceptable), "misses acceptable")),
            (None, Some(target)) => Some(clause(negated(target), "misses target")),
            (None, None) => None,
        },
    };
    // Only reached for a level the band cannot produce; still say something.
    sentence.unwrap_or_else(|| format!("{subject} ({level:?})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band() -> ResolvedBand {
        ResolvedBand { target: Some((CmpOp::Lt, 200.0)), acceptable: Some((CmpOp::Lt, 500.0)), critical: Some((CmpOp::Gt, 1000.0)) }
    }

    #[test]
    fn values_are_compact() {
        assert_eq!(format_value(1240.0), "1240");
        assert_eq!(format_value(0.5), "0.5");
        assert_eq!(format_value(0.1 + 0.2), "0.3");
        assert_eq!(format_value(-2.25), "-2.25");
        assert_eq!(format_value(1.451549), "1.45");
        assert_eq!(format_value(182.4), "182");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "inf");
    }

    #[test]
    fn durations_are_coarse() {
        assert_eq!(format_duration_ms(850), "850ms");
        assert_eq!(format_duration_ms(45_999), "45s");
        assert_eq!(format_duration_ms(300_000), "5m");
        assert_eq!(format_duration_ms(3 * 3_600_000), "3h");
        assert_eq!(format_duration_ms(3 * 86_400_000), "3d");
        assert_eq!(format_duration_ms(-5), "0ms");
    }

    #[test]
    fn describes_each_level_with_its_threshold() {
        let b = band();
        let d = |v, l| describe_level("latency_ms", None, Some(&b), v, l);
        assert_eq!(d(1240.0, BandLevel::Critical), "latency_ms 1240 > 1000 (critical)");
        assert_eq!(d(180.0, BandLevel::Ok), "latency_ms 180 < 200 (target)");
        assert_eq!(d(300.0, BandLevel::Acceptable), "latency_ms 300 < 500 (acceptable)");
        assert_eq!(d(700.0, BandLevel::Degraded), "latency_ms 700 >= 500 (misses acceptable)");
    }

    #[test]
    fn describes_sparse_bands() {
        let only_critical = ResolvedBand { target: None, acceptable: None, critical: Some((CmpOp::Gt, 1000.0)) };
        assert_eq!(describe_level("", None, Some(&only_critical), 5.0, BandLevel::Ok), "5 <= 1000 (not critical)");
        let only_target = ResolvedBand { target: Some((CmpOp::Ge, 0.99)), acceptable: None, critical: None };
        assert_eq!(describe_level("ratio", None, Some(&only_target), 0.9, BandLevel::Degraded), "ratio 0.9 < 0.99 (misses target)");
        assert_eq!(describe_level("x", None, None, 1.0, BandLevel::Ok), "x 1 (no band)");
    }
}
