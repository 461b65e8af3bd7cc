//! `Series`: a fixed-capacity ring buffer of timestamped samples, with window
//! queries (values, quantiles, counter rates) and sparkline helpers.
//!
//! Memory is bounded: the buffer is allocated once at construction and the
//! oldest point is dropped before a new one is pushed when it is full.
//! Window queries (`*_since`) select points with `at_ms >= since_ms` by
//! filtering, so they stay correct even if points arrive slightly out of order.

use std::collections::VecDeque;

/// Default number of points a series keeps.
pub const DEFAULT_CAPACITY: usize = 512;

/// One sample: when it was taken and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at_ms: i64,
    pub value: f64,
}

/// Bounded ring buffer of [`Point`]s, oldest first.
#[derive(Debug, Clone)]
pub struct Series {
    points: VecDeque<Point>,
    capacity: usize,
}

impl Default for Series {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl Series {
    /// A series holding at most [`DEFAULT_CAPACITY`] points.
    pub fn new() -> Self {
        Self::default()
    }

    /// A series holding at most `capacity` points (a capacity of 0 is treated as 1).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self { points: VecDeque::with_capacity(capacity), capacity }
    }

    /// Maximum number of points kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends a point, evicting the oldest one when full.
    pub fn push(&mut self, at_ms: i64, value: f64) {
        if self.points.len() >= self.capacity {
            self.points.pop_front();
        }
        self.points.push_back(Point { at_ms, value });
    }

    /// The most recently pushed point.
    pub fn latest(&self) -> Option<Point> {
        self.points.back().copied()
    }

    /// All points, oldest first.
    pub fn iter(&self) -> std::collections::vec_deque::Iter<'_, Point> {
        self.points.iter()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    fn window(&self, since_ms: i64) -> impl Iterator<Item = &Point> {
        self.points.iter().filter(move |p| p.at_ms >= since_ms)
    }

    /// Values of points with `at_ms >= since_ms`, oldest first.
    pub fn values_since(&self, since_ms: i64) -> Vec<f64> {
        self.window(since_ms).map(|p| p.value).collect()
    }

    /// The `q`-quantile (`0.0..=1.0`) of values with `at_ms >= since_ms`.
    ///
    /// Uses **linear interpolation between closest ranks** (Hyndman & Fan
    /// type 7, numpy's default): with sorted values `x[0..n]`, `h = q·(n−1)`,
    /// the result is `x[⌊h⌋] + (h−⌊h⌋)·(x[⌈h⌉]−x[⌊h⌋])`. NaN values are
    /// ignored. Returns `None` if `q` is outside `0..=1` (or NaN) or the
    /// window holds no non-NaN values.
    pub fn quantile_since(&self, since_ms: i64, q: f64) -> Option<f64> {
        if !(0.0..=1.0).contains(&q) {
            return None;
        }
        let mut values: Vec<f64> = self.window(since_ms).map(|p| p.value).filter(|v| !v.is_nan()).collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let rank = q * (values.len() - 1) as f64;
        let lo = rank.floor() as usize;
        let hi = rank.ceil() as usize;
        if lo == hi {
            return Some(values[lo]);
        }
        let frac = rank - lo as f64;
        Some(values[lo] + (values[hi] - values[lo]) * frac)
    }

    /// Median of the window; see [`Series::quantile_since`].
    pub fn p50(&self, since_ms: i64) -> Option<f64> {
        self.quantile_since(since_ms, 0.50)
    }

    /// 95th percentile of the window; see [`Series::quantile_since`].
    pub fn p95(&self, since_ms: i64) -> Option<f64> {
        self.quantile_since(since_ms, 0.95)
    }

    /// 99th percentile of the window; see [`Series::quantile_since`].
    pub fn p99(&self, since_ms: i64) -> Option<f64> {
        self.quantile_since(since_ms, 0.99)
    }

    /// Per-second rate of a monotonically increasing counter over the points
    /// with `at_ms >= since_ms` (non-finite values skipped).
    ///
    /// A decrease between consecutive points is a counter reset: the counter
    /// is assumed to have restarted from zero, so the new value itself is the
    /// increase since the reset. The total increase is divided by the time
    /// between the first and last point. `None` with fewer than two points or
    /// a non-positive time span.
    pub fn rate_per_sec_since(&self, since_ms: i64) -> Option<f64> {
        let mut points = self.window(since_ms).filter(|p| p.value.is_finite());
        let first = *points.next()?;
        let mut prev = first;
        let mut increase = 0.0;
        for &p in points {
            increase += if p.value >= prev.value { p.value - prev.value } else { p.value.max(0.0) };
            prev = p;
        }
        let span_ms = prev.at_ms.saturating_sub(first.at_ms);
        if span_ms <= 0 {
            return None;
        }
        Some(increase * 1000.0 / span_ms as f64)
    }

    /// The last `n` values (fewer if the series is shorter), oldest first —
    /// ready for a sparkline.
    pub fn last_n(&self, n: usize) -> Vec<f64> {
        let skip = self.points.len().saturating_sub(n);
        self.points.iter().skip(skip).map(|p| p.value).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    fn one_to_hundred() -> Series {
        let mut s = Series::new();
        // Deliberately unsorted values: quantiles must sort.
        for i in (1..=100).rev() {
            s.push(i64::from(101 - i) * 1000, f64::from(i));
        }
        s
    }

    #[test]
    fn ring_buffer_never_grows_past_capacity() {
        let mut s = Series::new();
        let allocated = s.points.capacity();
        for i in 0..10_000 {
            s.push(i, i as f64);
        }
        assert_eq!(s.len(), DEFAULT_CAPACITY);
        assert_eq!(s.capacity(), DEFAULT_CAPACITY);
        assert_eq!(s.points.capacity(), allocated);
        assert_eq!(s.latest().map(|p| p.at_ms), Some(9_999));
        assert_eq!(s.iter().next().map(|p| p.at_ms), Some(10_000 - 512));
    }

    #[test]
    fn zero_capacity_keeps_one_point() {
        let mut s = Series::with_capacity(0);
        s.push(1, 1.0);
        s.push(2, 2.0);
        assert_eq!(s.len(), 1);
        assert_eq!(s.latest(), Some(Point { at_ms: 2, value: 2.0 }));
    }

    #[test]
    fn quantiles_on_known_data() {
        let s = one_to_hundred();
        assert!(close(s.p50(0), 50.5));
        assert!(close(s.p95(0), 95.05));
        assert!(close(s.p99(0), 99.01));
        assert!(close(s.quantile_since(0, 0.0), 1.0));
        assert!(close(s.quantile_since(0, 1.0), 100.0));
        assert_eq!(s.quantile_since(0, 1.5), None);
        assert_eq!(s.quantile_since(0, f64::NAN), None);
        assert_eq!(Series::new().p50(0), None);
    }

    #[test]
    fn quantile_respects_window_and_ignores_nan() {
        let mut s = Series::new();
        s.push(0, 1000.0);
        s.push(10, 1.0);
        s.push(20, f64::NAN);
        s.push(30, 3.0);
        assert!(close(s.p50(10), 2.0));
        assert_eq!(s.values_since(20).len(), 2);
        assert_eq!(s.quantile_since(40, 0.5), None);
        let mut only_nan = Series::new();
        only_nan.push(0, f64::NAN);
        assert_eq!(only_nan.p50(0), None);
    }

    #[test]
    fn values_since_is_inclusive_and_ordered() {
        let mut s = Series::new();
        for i in 0..5 {
            s.push(i * 100, i as f64);
        }
        assert_eq!(s.values_since(200), vec![2.0, 3.0, 4.0]);
    }

    #[test]
    fn rate_of_steady_counter() {
        let mut s = Series::new();
        s.push(0, 0.0);
        s.push(1000, 10.0);
        s.push(2000, 20.0);
        assert!(close(s.rate_per_sec_since(0), 10.0));
        assert!(close(s.rate_per_sec_since(1000), 10.0));
    }

    #[test]
    fn rate_handles_counter_reset() {
        let mut s = Series::new();
        s.push(0, 0.0);
        s.push(1000, 100.0);
        s.push(2000, 200.0);
        s.push(3000, 50.0); // reset: restarted from 0, now at 50
        s.push(4000, 150.0);
        // 100 + 100 + 50 + 100 = 350 over 4 s
        assert!(close(s.rate_per_sec_since(0), 87.5));
    }

    #[test]
    fn rate_needs_two_points_and_positive_span() {
        let mut s = Series::new();
        assert_eq!(s.rate_per_sec_since(0), None);
        s.push(1000, 5.0);
        assert_eq!(s.rate_per_sec_since(0), None);
        s.push(1000, 6.0);
        assert_eq!(s.rate_per_sec_since(0), None);
    }

    #[test]
    fn last_n_for_sparklines() {
        let mut s = Series::with_capacity(4);
        assert!(s.last_n(3).is_empty());
        for i in 0..6 {
            s.push(i, i as f64);
        }
        assert_eq!(s.last_n(3), vec![3.0, 4.0, 5.0]);
        assert_eq!(s.last_n(10), vec![2.0, 3.0, 4.0, 5.0]);
    }
}
