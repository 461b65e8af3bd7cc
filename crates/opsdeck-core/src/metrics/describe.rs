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

/// The widest text [`format_value`] returns (`-1.8e308`, `-0.00123`), so
/// that columns of values stay aligned whatever a probe reads.
pub const VALUE_WIDTH: usize = 8;

/// Compact number in at most [`VALUE_WIDTH`] characters: integers below
/// 100000 as they are, others with three significant digits (`1240`, `0.5`,
/// `1.45`, `182`), large ones with an SI prefix (`123k`, `1.5M`, `12.3G`,
/// `999T`), beyond that and below 0.001 in scientific notation (`1.0e308`,
/// `1.0e-9`); `NaN`, `inf` and `-inf` as such.
pub fn format_value(v: f64) -> String {
    shortest_fitting(compact(v, true), v, VALUE_WIDTH)
}

/// [`format_value`] when it fits `width` characters, else scientific
/// notation with one digit, then none. Never longer than 7 characters
/// (`-5e-324`), whatever `width`.
pub fn format_value_within(v: f64, width: usize) -> String {
    shortest_fitting(format_value(v), v, width)
}

fn shortest_fitting(natural: String, v: f64, width: usize) -> String {
    if natural.len() <= width || !v.is_finite() {
        return natural;
    }
    let one_digit = format!("{v:.1e}");
    if one_digit.len() <= width { one_digit } else { format!("{v:.0e}") }
}

/// The compact form; `si` allows `k`/`M`/`G`/`T` (not after a unit: `1Gd`).
fn compact(v: f64, si: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if a < 1e-3 {
        format!("{v:.1e}")
    } else if a < 1e5 {
        if v.fract() == 0.0 { format!("{v:.0}") } else { significant(v) }
    } else if si {
        with_prefix(v)
    } else {
        format!("{v:.1e}")
    }
}

/// Three significant digits, trailing zeros dropped: `0.3`, `1.45`, `182`.
fn significant(v: f64) -> String {
    let digits = v.abs().log10().floor() as i32;
    let decimals = (2 - digits).clamp(0, 5) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// `123k`, `1.5M`, `12.3G`, `999T`; scientific from 1000T on.
fn with_prefix(v: f64) -> String {
    let mut scale = 1e3;
    for prefix in ["k", "M", "G", "T"] {
        let mantissa = significant(v / scale);
        // Rounding may reach 1000 (999.96k): that is the next prefix's 1.
        if mantissa.trim_start_matches('-').parse::<f64>().is_ok_and(|m| m < 1000.0) {
            return format!("{mantissa}{prefix}");
        }
        scale *= 1e3;
    }
    format!("{v:.1e}")
}

/// A value in its unit, compact: `182ms`, `1.24s`, `0.4%`, `21.3d`,
/// `512MiB`; a plain number when there is no unit. At most
/// [`VALUE_WIDTH`] characters and the unit's symbol.
pub fn format_with_unit(v: f64, unit: Option<Unit>) -> String {
    match in_unit(v, unit) {
        Some((n, symbol)) => format!("{}{symbol}", shortest_fitting(compact(n, false), n, VALUE_WIDTH)),
        None => format_value(v),
    }
}

/// [`format_with_unit`] when it fits `width` characters (a column), else
/// with fewer digits rather than without the unit; cut only when even the
/// shortest form of the number and the symbol do not fit.
pub fn format_with_unit_within(v: f64, unit: Option<Unit>, width: usize) -> String {
    let text = match in_unit(v, unit) {
        Some((n, symbol)) => {
            let number = shortest_fitting(compact(n, false), n, VALUE_WIDTH);
            format!("{}{symbol}", shortest_fitting(number, n, width.saturating_sub(symbol.len())))
        }
        None => format_value_within(v, width),
    };
    if text.chars().count() <= width { text } else { text.chars().take(width).collect() }
}

/// The number to show and the symbol after it: times in the largest
/// fitting of ms, s, m and d, ratios as percent, bytes in binary
/// multiples. A value too large to convert stays in its own unit.
fn in_unit(v: f64, unit: Option<Unit>) -> Option<(f64, &'static str)> {
    let u = unit.filter(|_| v.is_finite())?;
    let base = v * u.scale;
    let shown = match u.dimension {
        Dimension::Time => {
            let secs = base;
            if secs.abs() < 1.0 {
                (secs * 1000.0, "ms")
            } else if secs.abs() < 120.0 {
                (secs, "s")
            } else if secs.abs() < 2.0 * 86_400.0 && u.symbol != "d" {
                (secs / 60.0, "m")
            } else {
                (secs / 86_400.0, "d")
            }
        }
        Dimension::Ratio => (base * 100.0, "%"),
        Dimension::Bytes => {
            const KIB: f64 = 1024.0;
            [(KIB.powi(6), "EiB"), (KIB.powi(5), "PiB"), (KIB.powi(4), "TiB"), (KIB.powi(3), "GiB"), (KIB.powi(2), "MiB"), (KIB, "KiB")]
                .into_iter()
                .find(|(d, _)| base.abs() >= *d)
                .map_or((base, "B"), |(d, sym)| (base / d, sym))
        }
    };
    Some(if shown.0.is_finite() { shown } else { (v, u.symbol) })
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
    fn large_values_get_a_prefix_then_an_exponent() {
        assert_eq!(format_value(99_999.0), "99999");
        assert_eq!(format_value(123_456.0), "123k");
        assert_eq!(format_value(1_500_000.0), "1.5M");
        assert_eq!(format_value(12_345_678_901.0), "12.3G");
        assert_eq!(format_value(999e12), "999T");
        assert_eq!(format_value(1e15), "1.0e15");
        assert_eq!(format_value(1e308), "1.0e308");
        assert_eq!(format_value(f64::MAX), "1.8e308");
        // Rounding up to 1000 moves to the next prefix.
        assert_eq!(format_value(999_960.0), "1M");
        assert_eq!(format_value(999.96e12), "1.0e15");
    }

    #[test]
    fn negative_tiny_and_odd_values() {
        assert_eq!(format_value(-123_456_789.0), "-123M");
        assert_eq!(format_value(-1e308), "-1.0e308");
        assert_eq!(format_value(f64::MIN), "-1.8e308");
        assert_eq!(format_value(1e-9), "1.0e-9");
        assert_eq!(format_value(-1.5e-5), "-1.5e-5");
        assert_eq!(format_value(0.00123), "0.00123");
        assert_eq!(format_value(f64::MIN_POSITIVE), "2.2e-308");
        assert_eq!(format_value(-5e-324), "-5e-324");
        assert_eq!(format_value(0.0), "0");
        assert_eq!(format_value(-0.0), "0");
        assert_eq!(format_value(f64::NEG_INFINITY), "-inf");
    }

    /// Every f64 kind: zero, subnormal, each power of ten, both signs, odd mantissas.
    fn all_magnitudes() -> Vec<f64> {
        let mut values = vec![0.0, 5e-324, f64::MIN_POSITIVE, f64::MAX, f64::NAN, f64::INFINITY];
        for exp in -324..=308 {
            for mantissa in [1.0, 1.5, 4.99, 9.999_9] {
                values.push(mantissa * 10f64.powi(exp));
            }
        }
        let negatives: Vec<f64> = values.iter().map(|v| -v).collect();
        values.extend(negatives);
        values
    }

    #[test]
    fn every_value_fits_the_width() {
        for v in all_magnitudes() {
            let text = format_value(v);
            assert!(text.len() <= VALUE_WIDTH, "{v:e} is {text:?}");
            for width in 7..=VALUE_WIDTH {
                let narrow = format_value_within(v, width);
                assert!(narrow.len() <= width, "{v:e} in {width} is {narrow:?}");
            }
            assert_eq!(format_value_within(v, 20), text, "a wide column shows what reasons show");
        }
    }

    #[test]
    fn values_with_units_fit_too() {
        let u = |s| Unit::parse(s);
        assert_eq!(format_with_unit(1e308, u("ms")), "1.2e300d");
        assert_eq!(format_with_unit(1e-9, u("ms")), "1.0e-9ms");
        assert_eq!(format_with_unit(-1500.0, u("ms")), "-1.5s");
        assert_eq!(format_with_unit(5.0 * 1024f64.powi(4), u("B")), "5TiB");
        assert_eq!(format_with_unit(3.0 * 1024f64.powi(6), u("B")), "3EiB");
        assert_eq!(format_with_unit(1e300, u("B")), "8.7e281EiB");
        assert_eq!(format_with_unit(2e6, u("ratio")), "2.0e8%");
        // Too large to convert: shown in its own unit rather than as `inf`.
        assert_eq!(format_with_unit(f64::MAX, u("d")), "1.8e308d");
        assert_eq!(format_with_unit(f64::MAX, u("ratio")), "1.8e308ratio");
        assert_eq!(format_with_unit(f64::NAN, u("ms")), "NaN");
        for unit in ["ms", "s", "d", "B", "GiB", "%", "ratio"] {
            for v in all_magnitudes() {
                let text = format_with_unit(v, u(unit));
                assert!(text.len() <= VALUE_WIDTH + "ratio".len(), "{v:e} {unit} is {text:?}");
                let column = format_with_unit_within(v, u(unit), 9);
                assert!(column.chars().count() <= 9, "{v:e} {unit} in 9 is {column:?}");
                if text.len() <= 9 {
                    assert_eq!(column, text, "the same text when it fits");
                }
            }
        }
        assert_eq!(format_with_unit_within(-4.9e-321, u("s"), 9), "-5e-318ms");
        assert_eq!(format_with_unit_within(1e300, u("B"), 9), "9e281EiB");
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
