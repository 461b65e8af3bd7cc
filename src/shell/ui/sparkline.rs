//! One-line trends: block characters, or ASCII when the terminal cannot
//! show them; and the vertical range trends and charts are drawn in, so
//! that noise looks like noise.

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII: [char; 8] = ['_', '.', ',', '-', '~', '+', '*', '#'];

/// The smallest range drawn, as a share of the values' magnitude: a move
/// of 2% of the value (0.00375 % → 0.00384 %) fills a tenth of the height,
/// not all of it.
pub const MIN_RELATIVE_SPAN: f64 = 0.25;

/// The range `lo..hi` widened, when narrower, to [`MIN_RELATIVE_SPAN`] of
/// the larger magnitude, around its middle (never below zero for values
/// that are not negative). Values that are all equal keep a zero span.
pub fn widened(lo: f64, hi: f64) -> (f64, f64) {
    let least = lo.abs().max(hi.abs()) * MIN_RELATIVE_SPAN;
    if hi - lo >= least || hi <= lo {
        return (lo, hi);
    }
    let mut from = (lo + hi) / 2.0 - least / 2.0;
    if lo >= 0.0 && from < 0.0 {
        from = 0.0;
    }
    (from, from + least)
}

/// The last `width` values scaled between their minimum and maximum,
/// widened to a minimum relative span (see [`widened`]).
pub fn line(values: &[f64], width: usize, ascii: bool) -> String {
    let glyphs = if ascii { &ASCII } else { &BLOCKS };
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let tail = &finite[finite.len().saturating_sub(width)..];
    let (min, max) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let (min, max) = widened(min, max);
    let span = max - min;
    tail.iter()
        .map(|v| {
            let level = if span > 0.0 { ((v - min) / span * 7.0).round() as usize } else { 3 };
            glyphs[level.min(7)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_between_min_and_max() {
        assert_eq!(line(&[0.0, 7.0, 3.5], 10, false), "▁█▅");
        assert_eq!(line(&[1.0, 1.0], 10, true), "--");
        assert_eq!(line(&[1.0, 2.0, 3.0, 4.0], 2, true), "_#");
        assert_eq!(line(&[], 5, false), "");
    }

    #[test]
    fn noise_looks_like_noise() {
        // 0.00375 % → 0.00384 % as ratios: two neighbouring levels, not ▁ and █.
        assert_eq!(line(&[0.0000375, 0.0000380, 0.0000384], 10, false), "▄▅▅");
        let (lo, hi) = widened(0.0000375, 0.0000384);
        assert!((hi - lo - 0.0000384 * MIN_RELATIVE_SPAN).abs() < 1e-12, "{lo}..{hi}");
        // A real move keeps its full height.
        assert_eq!(line(&[120.0, 260.0, 1400.0], 10, false), "▁▂█");
        let (lo, hi) = widened(-2.0, -1.9);
        assert!((lo + 2.2).abs() < 1e-9 && (hi + 1.7).abs() < 1e-9, "{lo}..{hi}");
        assert_eq!(widened(5.0, 5.0), (5.0, 5.0), "equal values stay flat");
    }
}
