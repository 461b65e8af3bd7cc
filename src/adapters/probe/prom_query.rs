//! Reading values out of a parsed Prometheus scrape (see `prom_text`): sums
//! over plain samples, histogram/summary quantiles and counter rates, for the
//! series a [`Selector`] picks (parsed in the core crate, the same parser
//! `opsdeck check` validates with).

use super::prom_text::{MetricKind, Scrape, parse_value};
pub use opsdeck_core::metrics::selector::Selector;

impl Scrape {
    /// Sum of the counter, gauge, untyped, info, stateset and gauge
    /// histogram samples named `sel.name` whose labels match; `None` when
    /// nothing matches.
    pub fn sum(&self, sel: &Selector) -> Option<f64> {
        let plain = [
            MetricKind::Counter,
            MetricKind::Gauge,
            MetricKind::Untyped,
            MetricKind::Info,
            MetricKind::StateSet,
            MetricKind::GaugeHistogram,
        ];
        self.families
            .iter()
            .filter(|f| plain.contains(&f.kind))
            .flat_map(|f| &f.samples)
            .filter(|s| s.name == sel.name && sel.matches_labels(&s.labels))
            .map(|s| s.value)
            .reduce(|a, b| a + b)
    }

    /// Quantile `q` of the histogram or summary family named `sel.name`.
    ///
    /// Histograms: matching `_bucket` samples are summed per `le` bound and
    /// interpolated linearly like PromQL `histogram_quantile` (see
    /// [`quantile_of_buckets`]). Summaries: the value of the first matching
    /// sample whose `quantile` label equals `q`.
    pub fn histogram_quantile(&self, sel: &Selector, q: f64) -> Option<f64> {
        let fam = self.family(&sel.name)?;
        if fam.kind == MetricKind::Summary {
            return fam
                .samples
                .iter()
                .filter(|s| s.name == fam.name && sel.matches_labels(&s.labels))
                .find(|s| label_f64(&s.labels, "quantile") == Some(q))
                .map(|s| s.value);
        }
        let pairs: Vec<(f64, f64)> = self.histogram_buckets(sel)?.iter().map(|b| (b.le, b.count)).collect();
        quantile_of_buckets(q, &pairs)
    }

    /// The `_bucket` samples of the histogram family named `sel.name` whose
    /// labels match, in scrape order; `None` when that family is missing or
    /// not a histogram. Samples with an unreadable `le` are left out.
    pub fn histogram_buckets(&self, sel: &Selector) -> Option<Vec<Bucket>> {
        let fam = self.family(&sel.name)?;
        if fam.kind != MetricKind::Histogram {
            return None;
        }
        let bucket_name = format!("{}_bucket", fam.name);
        let buckets = fam
            .samples
            .iter()
            .filter(|s| s.name == bucket_name && sel.matches_labels(&s.labels))
            .filter_map(|s| {
                let le = label_f64(&s.labels, "le")?;
                let series = s.labels.iter().filter(|(n, _)| n != "le").cloned();
                Some(Bucket { series: series.collect(), le, count: s.value })
            })
            .collect();
        Some(buckets)
    }
}

/// One histogram `_bucket` sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// The series' labels without `le`, sorted by name.
    pub series: Vec<(String, String)>,
    /// Upper bound.
    pub le: f64,
    /// Cumulative count of observations `<= le`.
    pub count: f64,
}

fn label_f64(labels: &[(String, String)], key: &str) -> Option<f64> {
    labels.iter().find(|(n, _)| n == key).and_then(|(_, v)| parse_value(v))
}

/// PromQL `histogram_quantile` over `(upper_bound, cumulative_count)` pairs in
/// any order; pairs with the same bound (several series) are added first. The
/// counts may be increases over an interval rather than totals since start.
/// `q < 0` gives -Inf, `q > 1` gives +Inf; `None` for a NaN `q`, without a
/// `+Inf` bucket, with fewer than two buckets or with a zero total.
pub fn quantile_of_buckets(q: f64, pairs: &[(f64, f64)]) -> Option<f64> {
    if q.is_nan() {
        return None;
    }
    let mut buckets: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
    for &(le, count) in pairs {
        match buckets.iter_mut().find(|(b, _)| *b == le) {
            Some(entry) => entry.1 += count,
            None => buckets.push((le, count)),
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    bucket_quantile(q, &buckets)
}

/// Prometheus' bucket interpolation over `(upper_bound, cumulative_count)`
/// pairs sorted by bound.
fn bucket_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let (&(last_le, total), _) = buckets.split_last()?;
    if last_le != f64::INFINITY || buckets.len() < 2 || total.is_nan() || total <= 0.0 {
        return None;
    }
    if q < 0.0 {
        return Some(f64::NEG_INFINITY);
    }
    if q > 1.0 {
        return Some(f64::INFINITY);
    }
    // Cumulative counts must not decrease; repair like Prometheus does.
    let mut counts: Vec<f64> = Vec::with_capacity(buckets.len());
    for &(_, c) in buckets {
        counts.push(counts.last().map_or(c, |&prev: &f64| prev.max(c)));
    }
    let total = counts[counts.len() - 1];
    let rank = q * total;
    let b = counts[..counts.len() - 1].iter().position(|&c| c >= rank).unwrap_or(counts.len() - 1);
    if b == buckets.len() - 1 {
        return Some(buckets[b - 1].0);
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return Some(buckets[0].0);
    }
    let (start, below) = if b == 0 { (0.0, 0.0) } else { (buckets[b - 1].0, counts[b - 1]) };
    let in_bucket = counts[b] - below;
    if in_bucket <= 0.0 {
        return Some(start);
    }
    Some(start + (buckets[b].0 - start) * ((rank - below) / in_bucket))
}

/// Per-second rate between two counter readings `(value, at_ms)`. A decrease is
/// treated as a counter reset (rate = `now.0` / elapsed). `None` when the
/// elapsed time is not positive.
pub fn counter_rate(prev: (f64, i64), now: (f64, i64)) -> Option<f64> {
    let elapsed_ms = i128::from(now.1) - i128::from(prev.1);
    if elapsed_ms <= 0 {
        return None;
    }
    let increase = if now.0 < prev.0 { now.0 } else { now.0 - prev.0 };
    Some(increase / (elapsed_ms as f64 / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::super::prom_text::{Format, parse, tests::EXAMPLE, tests::OPENMETRICS};
    use super::*;

    fn sel(s: &str) -> Selector {
        Selector::parse(s).unwrap()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn sums_plain_samples() {
        let s = parse(EXAMPLE).unwrap();
        assert_eq!(s.sum(&sel("jobs_total")), Some(1037.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{status="ok"}"#)), Some(1034.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{status!="ok"}"#)), Some(3.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{queue=~"ma.*",status=~"ok|failed"}"#)), Some(1030.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{queue!~"mail"}"#)), Some(7.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{missing=""}"#)), Some(1037.0));
        assert_eq!(s.sum(&sel(r#"jobs_total{status="gone"}"#)), None);
        assert_eq!(s.sum(&sel("plain_untyped")), Some(1500.0));
        assert_eq!(s.sum(&sel(r#"queue_depth{queue="batch"}"#)), Some(f64::INFINITY));
        assert_eq!(s.sum(&sel("rpc_seconds_count")), None, "histogram parts are not plain");
        assert_eq!(s.sum(&sel("nothing")), None);
    }

    #[test]
    fn sums_openmetrics_samples() {
        let s = super::super::prom_text::parse_as(OPENMETRICS, Format::OpenMetrics).unwrap();
        assert_eq!(s.sum(&sel("http_requests_total")), Some(1030.0));
        assert_eq!(s.sum(&sel(r#"http_requests_total{code=~"5.."}"#)), Some(3.0));
        assert_eq!(s.sum(&sel("http_requests_created")), None, "_created is not a value");
        assert_eq!(s.sum(&sel(r#"build_info{version="1.4.2"}"#)), Some(1.0));
        assert_eq!(s.sum(&sel(r#"feature{feature="beta"}"#)), Some(1.0));
        assert_eq!(s.sum(&sel("queue_wait_gcount")), Some(6.0));
        assert!(close(s.histogram_quantile(&sel("rpc_seconds"), 0.5), 0.1 + 0.9 * 10.0 / 20.0));
    }

    #[test]
    fn histogram_and_summary_quantiles() {
        let s = parse(EXAMPLE).unwrap();
        let get = sel(r#"rpc_seconds{method="GET"}"#);
        // GET: 40 obs, rank 20 lies in (0.1, 0.5] holding 20 → 0.1 + 0.4 * 10/20.
        assert!(close(s.histogram_quantile(&get, 0.5), 0.3));
        // rank 2 in the first bucket, lower bound 0 → 0.1 * 2/10.
        assert!(close(s.histogram_quantile(&get, 0.05), 0.02));
        // rank 39.6 > 38 falls in +Inf → last finite bound.
        assert!(close(s.histogram_quantile(&get, 0.99), 1.0));
        // All methods: buckets 10/40/50/60, rank 30 → 0.1 + 0.4 * 20/30.
        let all = sel("rpc_seconds");
        assert!(close(s.histogram_quantile(&all, 0.5), 0.1 + 0.4 * 20.0 / 30.0));
        assert_eq!(s.histogram_quantile(&all, 1.5), Some(f64::INFINITY));
        assert_eq!(s.histogram_quantile(&all, -0.1), Some(f64::NEG_INFINITY));
        assert_eq!(s.histogram_quantile(&sel(r#"rpc_seconds{method="PUT"}"#), 0.5), None);
        assert_eq!(s.histogram_quantile(&sel("jobs_total"), 0.5), None);
        let gc = sel("gc_pause_seconds");
        assert_eq!(s.histogram_quantile(&gc, 0.99), Some(0.02));
        assert_eq!(s.histogram_quantile(&gc, 0.9), None);
        let empty = parse("# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0").unwrap();
        assert_eq!(empty.histogram_quantile(&sel("h"), 0.5), None);
        let neg = parse("# TYPE h histogram\nh_bucket{le=\"-1\"} 5\nh_bucket{le=\"+Inf\"} 6").unwrap();
        assert_eq!(neg.histogram_quantile(&sel("h"), 0.5), Some(-1.0));
    }

    #[test]
    fn quantiles_from_bucket_pairs_in_any_order() {
        // Two series' increases, unsorted: bounds are added, then interpolated.
        let pairs = [(f64::INFINITY, 6.0), (0.5, 4.0), (1.0, 2.0), (f64::INFINITY, 4.0), (0.5, 4.0)];
        // Totals: 0.5 → 8, 1 → 2 (repaired to 8), +Inf → 10; rank 9 → +Inf → 1.
        assert_eq!(quantile_of_buckets(0.9, &pairs), Some(1.0));
        // rank 4 in the first bucket → 0.5 * 4/8.
        assert!(close(quantile_of_buckets(0.4, &pairs), 0.25));
        assert_eq!(quantile_of_buckets(f64::NAN, &pairs), None);
        assert_eq!(quantile_of_buckets(0.5, &[(1.0, 3.0)]), None);
        assert_eq!(quantile_of_buckets(0.5, &[(1.0, 0.0), (f64::INFINITY, 0.0)]), None);
    }

    #[test]
    fn counter_rates() {
        assert_eq!(counter_rate((100.0, 0), (160.0, 60_000)), Some(1.0));
        assert_eq!(counter_rate((100.0, 1_000), (30.0, 11_000)), Some(3.0), "reset");
        assert_eq!(counter_rate((1.0, 5_000), (2.0, 5_000)), None);
        assert_eq!(counter_rate((1.0, 5_000), (2.0, 4_000)), None);
        assert_eq!(counter_rate((0.0, i64::MAX), (1.0, i64::MIN)), None);
    }
}
