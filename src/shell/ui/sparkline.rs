//! One-line trends: block characters, or ASCII when the terminal cannot
//! show them.

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII: [char; 8] = ['_', '.', ',', '-', '~', '+', '*', '#'];

/// The last `width` values scaled between their minimum and maximum.
pub fn line(values: &[f64], width: usize, ascii: bool) -> String {
    let glyphs = if ascii { &ASCII } else { &BLOCKS };
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let tail = &finite[finite.len().saturating_sub(width)..];
    let (min, max) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
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
}
