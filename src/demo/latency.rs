//! How the simulated requests' durations spread over the latency histogram's
//! buckets: a log-normal shape fitted to the story's p50 and p95, then bent
//! so that Prometheus' linear interpolation inside the buckets gives back
//! the story's p95 (the buckets are too coarse for the raw shape to do so).

/// Upper bounds of the finite histogram buckets, in seconds.
pub const BUCKETS: [f64; 7] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// z-score of the 95th percentile of a standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Share of requests at most each bucket's bound (cumulative, non-decreasing,
/// at most 1) when the median is `p50` and the 95th percentile `p95` seconds.
pub fn cumulative_shares(p50: f64, p95: f64) -> [f64; BUCKETS.len()] {
    let shape = LogNormal::fit(p50, p95);
    let mut f = BUCKETS.map(|le| shape.cdf(le));
    let p95 = shape.quantile_95();
    let Some(j) = BUCKETS.iter().position(|&le| le >= p95) else {
        return f; // beyond the last finite bound: Prometheus reports that bound
    };
    let (lo, f_lo) = match j {
        0 => (0.0, 0.0),
        _ => (BUCKETS[j - 1], f[j - 1]),
    };
    let (hi, f_hi) = (BUCKETS[j], f[j]);
    // Interpolation inside (lo, hi] must cross 0.95 at p95.
    let u = (p95 - lo) / (hi - lo);
    if u <= 1e-9 || f_lo >= 0.95 {
        return f; // p95 sits on the lower bound already
    }
    let want_hi = f_lo + (0.95 - f_lo) / u;
    let (new_lo, new_hi) = if want_hi <= 1.0 || j == 0 {
        (f_lo, want_hi.min(1.0))
    } else {
        // Too steep: put the whole bucket's top at 1 and lift its bottom.
        ((0.95 - u) / (1.0 - u), 1.0)
    };
    for (k, share) in f.iter_mut().enumerate() {
        if k < j {
            if f_lo > 0.0 {
                *share *= new_lo / f_lo;
            }
        } else if k == j {
            *share = new_hi;
        } else if f_hi < 1.0 {
            *share = new_hi + (1.0 - new_hi) * (*share - f_hi) / (1.0 - f_hi);
        } else {
            *share = 1.0;
        }
    }
    // Guard against rounding: cumulative shares never fall, never pass 1.
    let mut floor = 0.0;
    for share in &mut f {
        *share = share.clamp(floor, 1.0);
        floor = *share;
    }
    f
}

/// Mean duration (seconds) of requests spread by [`cumulative_shares`],
/// taking each bucket's midpoint (and 7.5 s beyond the last bound).
pub fn mean_seconds(shares: &[f64; BUCKETS.len()]) -> f64 {
    let mut below = (0.0, 0.0);
    let mut mean = 0.0;
    for (&le, &share) in BUCKETS.iter().zip(shares) {
        mean += (share - below.1) * (below.0 + le) / 2.0;
        below = (le, share);
    }
    mean + (1.0 - below.1) * 1.5 * below.0
}

/// A log-normal distribution of durations: `ln(d)` is normal with mean `mu`
/// and deviation `sigma`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LogNormal {
    mu: f64,
    sigma: f64,
}

impl LogNormal {
    /// The distribution with this median and 95th percentile (seconds).
    fn fit(p50: f64, p95: f64) -> LogNormal {
        let p50 = if p50.is_finite() && p50 > 0.0 { p50 } else { 0.001 };
        let p95 = if p95.is_finite() { p95.max(p50) } else { p50 };
        LogNormal { mu: p50.ln(), sigma: (p95 / p50).ln() / Z95 }
    }

    fn quantile_95(&self) -> f64 {
        (self.mu + Z95 * self.sigma).exp()
    }

    /// Share of durations at most `x`.
    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let z = x.ln() - self.mu;
        if self.sigma < 1e-9 {
            return if z >= 0.0 { 1.0 } else { 0.0 };
        }
        normal_cdf(z / self.sigma)
    }
}

/// Standard normal CDF via the Abramowitz–Stegun 7.1.26 approximation of
/// erf (absolute error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prometheus' interpolated quantile over cumulative shares.
    fn interpolated(q: f64, shares: &[f64; BUCKETS.len()]) -> f64 {
        let mut below = (0.0, 0.0);
        for (&le, &share) in BUCKETS.iter().zip(shares) {
            if share >= q {
                return below.0 + (le - below.0) * (q - below.1) / (share - below.1);
            }
            below = (le, share);
        }
        below.0
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        for (z, p) in [(0.0, 0.5), (1.0, 0.841_344_7), (-1.0, 0.158_655_3), (Z95, 0.95)] {
            assert!((normal_cdf(z) - p).abs() < 1e-6, "Φ({z})");
        }
        let d = LogNormal::fit(0.1, 0.5);
        assert!((d.cdf(0.1) - 0.5).abs() < 1e-6);
        assert!((d.cdf(0.5) - 0.95).abs() < 1e-6);
        assert!((d.quantile_95() - 0.5).abs() < 1e-9);
        assert_eq!(LogNormal::fit(0.2, 0.1).cdf(0.19), 0.0);
        assert_eq!(LogNormal::fit(0.2, 0.1).cdf(0.2), 1.0);
    }

    #[test]
    fn interpolated_p95_is_the_story_p95() {
        for (p50, p95) in [
            (0.042, 0.12),
            (0.04, 0.1),
            (0.15, 0.45),
            (0.17, 0.5),
            (0.3, 0.9),
            (0.65, 1.5),
            (0.7, 1.65),
            (0.09, 0.26),
            (0.05, 0.3),
            (1.0, 4.0),
        ] {
            let shares = cumulative_shares(p50, p95);
            assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
            assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)), "{shares:?}");
            let got95 = interpolated(0.95, &shares);
            assert!((got95 - p95).abs() / p95 < 0.01, "p95 {got95} for {p95}: {shares:?}");
            let got50 = interpolated(0.5, &shares);
            assert!((got50 - p50).abs() / p50 < 0.25, "p50 {got50} for {p50}: {shares:?}");
            let mean = mean_seconds(&shares);
            assert!(mean > p50 * 0.5 && mean < p95, "mean {mean} for {p50}/{p95}");
        }
    }

    #[test]
    fn odd_inputs_stay_in_range() {
        for (p50, p95) in [(0.0, 0.0), (f64::NAN, 1.0), (0.01, 0.02), (8.0, 20.0), (1.0, 0.5)] {
            let shares = cumulative_shares(p50, p95);
            assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
            assert!(shares.iter().all(|s| (0.0..=1.0).contains(s)), "{shares:?}");
            assert!(mean_seconds(&shares).is_finite());
        }
    }
}
