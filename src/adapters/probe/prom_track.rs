//! Turning successive scrapes into one number for the `prometheus` probe's
//! scrape mode. This module owns what is kept between scrapes and what each
//! metric type reads as:
//!
//! - gauges, untyped metrics and the OpenMetrics info, stateset and gauge
//!   histogram samples: the sum of the matching samples;
//! - counters, and the `_count`, `_sum` and `_bucket` parts of histograms and
//!   summaries: the per-second rate since the previous scrape, summed over
//!   the matching series. A decrease is a counter reset, and a series absent
//!   from the previous scrape counts from zero (so the first error of a new
//!   `code="500"` series shows). The first scrape has no rate yet: it reports
//!   `first scrape; a rate needs two`, and the next one has a value;
//! - histograms with `quantile`: that quantile of the observations made
//!   since the previous scrape (bucket increases per series and `le`, a
//!   series whose buckets went down counting as reset); the first scrape uses
//!   the cumulative buckets. An interval without observations reports
//!   `no observations since the last scrape`;
//! - summaries with `quantile`: that quantile's sample, as the exporter
//!   computed it (one series only: summary quantiles cannot be added).
//!
//! Readings: `value`, `series` (matching series), plus `total` (counter sum)
//! for rates and `observations` for histogram quantiles.

use std::collections::HashMap;

use super::prom_query::{Selector, counter_rate, quantile_of_buckets};
use super::prom_text::{MetricKind, SamplePoint, Scrape, parse_value};
use super::{ProbeError, ProbeResult, Reading};

type Labels = Vec<(String, String)>;

/// Reads the configured series out of successive scrapes.
pub struct Tracker {
    selector: Selector,
    /// The selector as written, for reasons.
    metric: String,
    quantile: Option<f64>,
    previous: Option<Snapshot>,
    /// The last scrape was the first of a rate: the next one has a value.
    awaits_rate: bool,
}

/// What one parsed scrape held of the selected series.
#[derive(Debug, Default)]
struct Snapshot {
    at_ms: i64,
    /// Counter value per series.
    counters: HashMap<Labels, f64>,
    /// `(le, cumulative count)` per histogram series (labels without `le`).
    histograms: HashMap<Labels, Vec<(f64, f64)>>,
}

/// How a metric name reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reads {
    Sum(MetricKind),
    /// A counter, or a cumulative part (`_count`, …) of the given type.
    Rate(MetricKind),
    Histogram,
    Summary,
}

impl Tracker {
    pub fn new(metric: &str, quantile: Option<f64>) -> Result<Self, ProbeError> {
        let selector = Selector::parse(metric).map_err(|e| ProbeError::new(format!("invalid metric selector: {e}")))?;
        if quantile.is_some_and(|q| !(0.0..=1.0).contains(&q)) {
            return Err(ProbeError::new("quantile must be between 0 and 1"));
        }
        Ok(Self { selector, metric: metric.trim().to_string(), quantile, previous: None, awaits_rate: false })
    }

    /// The reading for a scrape taken at `at_ms` (milliseconds on any
    /// monotonic clock). Every parsed scrape becomes the base of the next
    /// rate, even one whose reading is an error.
    pub fn observe(&mut self, scrape: &Scrape, at_ms: i64) -> ProbeResult {
        let before = self.previous.take();
        let mut now = Snapshot { at_ms, ..Snapshot::default() };
        let result = self.read(scrape, before.as_ref(), &mut now);
        // Counters were found but there was nothing to compare them with.
        self.awaits_rate = result.is_err() && before.is_none() && !now.counters.is_empty();
        self.previous = Some(now);
        result
    }

    /// True when the last scrape read a counter for the first time: it had
    /// no rate, and another scrape would give one.
    pub fn awaits_rate(&self) -> bool {
        self.awaits_rate
    }

    fn read(&self, scrape: &Scrape, before: Option<&Snapshot>, now: &mut Snapshot) -> ProbeResult {
        let name = &self.selector.name;
        let Some(reads) = reads_as(scrape, name) else {
            return Err(self.no_match());
        };
        match (reads, self.quantile) {
            (Reads::Sum(_), None) => self.sum(scrape),
            (Reads::Rate(_), None) => self.rate(scrape, before, now),
            (Reads::Histogram, Some(q)) => self.histogram(scrape, q, before, now),
            (Reads::Summary, Some(q)) => self.summary(scrape, q),
            (Reads::Histogram | Reads::Summary, None) => Err(ProbeError::new(format!(
                "{name} is a {}; set `quantile`, or read {name}_count or {name}_sum",
                kind_name(if reads == Reads::Histogram { MetricKind::Histogram } else { MetricKind::Summary })
            ))),
            (Reads::Sum(kind) | Reads::Rate(kind), Some(_)) => Err(ProbeError::new(if scrape.family(name).is_some() {
                format!("`quantile` is for histograms and summaries; {name} is a {}", kind_name(kind))
            } else {
                format!("`quantile` needs the {}'s own name, not {name}", kind_name(kind))
            })),
        }
    }

    fn no_match(&self) -> ProbeError {
        ProbeError::new(format!("no series matches {}", self.metric))
    }

    fn sum(&self, scrape: &Scrape) -> ProbeResult {
        let value = scrape.sum(&self.selector).ok_or_else(|| self.no_match())?;
        let series = matching(scrape, &self.selector).count();
        Ok(Reading::new().with("value", value).with("series", series as f64))
    }

    fn rate(&self, scrape: &Scrape, before: Option<&Snapshot>, now: &mut Snapshot) -> ProbeResult {
        for s in matching(scrape, &self.selector) {
            now.counters.insert(s.labels.clone(), s.value);
        }
        if now.counters.is_empty() {
            return Err(self.no_match());
        }
        let Some(before) = before else {
            return Err(ProbeError::new("first scrape; a rate needs two"));
        };
        let mut rate = 0.0;
        for (labels, &value) in &now.counters {
            let base = before.counters.get(labels).copied().unwrap_or(0.0);
            rate += counter_rate((base, before.at_ms), (value, now.at_ms))
                .ok_or_else(|| ProbeError::new("no time between two scrapes; a rate needs some"))?;
        }
        let total: f64 = now.counters.values().sum();
        Ok(Reading::new().with("value", rate).with("series", now.counters.len() as f64).with("total", total))
    }

    fn histogram(&self, scrape: &Scrape, q: f64, before: Option<&Snapshot>, now: &mut Snapshot) -> ProbeResult {
        for b in scrape.histogram_buckets(&self.selector).unwrap_or_default() {
            now.histograms.entry(b.series).or_default().push((b.le, b.count));
        }
        if now.histograms.is_empty() {
            return Err(self.no_match());
        }
        let mut increases: Vec<(f64, f64)> = Vec::new();
        for (series, counts) in &now.histograms {
            let prev = before.and_then(|b| b.histograms.get(series));
            let count_at = |p: &Vec<(f64, f64)>, le: f64| p.iter().find(|(b, _)| *b == le).map_or(0.0, |(_, c)| *c);
            let reset = prev.is_some_and(|p| counts.iter().any(|&(le, c)| c < count_at(p, le)));
            for &(le, c) in counts {
                let base = match prev {
                    Some(p) if !reset => count_at(p, le),
                    _ => 0.0,
                };
                increases.push((le, c - base));
            }
        }
        let name = &self.selector.name;
        if !increases.iter().any(|(le, _)| *le == f64::INFINITY) {
            return Err(ProbeError::new(format!("histogram {name} has no +Inf bucket")));
        }
        let observed: f64 = increases.iter().filter(|(le, _)| *le == f64::INFINITY).map(|(_, c)| c).sum();
        if observed.is_nan() || observed <= 0.0 {
            return Err(ProbeError::new(match before {
                Some(_) => "no observations since the last scrape",
                None => "no observations yet",
            }));
        }
        let value = quantile_of_buckets(q, &increases)
            .ok_or_else(|| ProbeError::new(format!("cannot compute a quantile from the buckets of {name}")))?;
        Ok(Reading::new().with("value", value).with("series", now.histograms.len() as f64).with("observations", observed))
    }

    fn summary(&self, scrape: &Scrape, q: f64) -> ProbeResult {
        let samples: Vec<&SamplePoint> = matching(scrape, &self.selector).collect();
        if samples.is_empty() {
            return Err(self.no_match());
        }
        let hits: Vec<f64> = samples.iter().filter(|s| label_f64(s, "quantile") == Some(q)).map(|s| s.value).collect();
        match hits.as_slice() {
            [value] => Ok(Reading::new().with("value", *value).with("series", 1.0)),
            [] => {
                let mut have: Vec<&str> =
                    samples.iter().filter_map(|s| s.labels.iter().find(|(n, _)| n == "quantile")).map(|(_, v)| v.as_str()).collect();
                have.sort_unstable();
                have.dedup();
                Err(ProbeError::new(format!("summary {} has no quantile {q} (it has {})", self.selector.name, have.join(", "))))
            }
            many => Err(ProbeError::new(format!(
                "{} summary series match {}; their quantiles cannot be added (narrow the selector)",
                many.len(),
                self.metric
            ))),
        }
    }
}

/// How `name` reads in this scrape; `None` when no family has it.
fn reads_as(scrape: &Scrape, name: &str) -> Option<Reads> {
    if let Some(family) = scrape.family(name) {
        return Some(match family.kind {
            MetricKind::Counter => Reads::Rate(MetricKind::Counter),
            MetricKind::Histogram => Reads::Histogram,
            MetricKind::Summary => Reads::Summary,
            kind => Reads::Sum(kind),
        });
    }
    ["_count", "_sum", "_bucket", "_total", "_info", "_gcount", "_gsum"].into_iter().find_map(|suffix| {
        let base = scrape.family(name.strip_suffix(suffix)?)?;
        match (base.kind, suffix) {
            (MetricKind::Histogram, "_count" | "_sum" | "_bucket") => Some(Reads::Rate(MetricKind::Histogram)),
            (MetricKind::Summary, "_count" | "_sum") => Some(Reads::Rate(MetricKind::Summary)),
            // OpenMetrics names a counter `x` and its sample `x_total`.
            (MetricKind::Counter, "_total") => Some(Reads::Rate(MetricKind::Counter)),
            (MetricKind::Info, "_info") => Some(Reads::Sum(MetricKind::Info)),
            (MetricKind::GaugeHistogram, "_bucket" | "_gcount" | "_gsum") => Some(Reads::Sum(MetricKind::GaugeHistogram)),
            _ => None,
        }
    })
}

/// Samples named exactly like the selector whose labels match, in any family.
fn matching<'a>(scrape: &'a Scrape, sel: &'a Selector) -> impl Iterator<Item = &'a SamplePoint> {
    scrape.families.iter().flat_map(|f| &f.samples).filter(move |s| s.name == sel.name && sel.matches_labels(&s.labels))
}

fn label_f64(s: &SamplePoint, key: &str) -> Option<f64> {
    s.labels.iter().find(|(n, _)| n == key).and_then(|(_, v)| parse_value(v))
}

fn kind_name(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Counter => "counter",
        MetricKind::Gauge => "gauge",
        MetricKind::Histogram => "histogram",
        MetricKind::Summary => "summary",
        MetricKind::Untyped => "untyped metric",
        MetricKind::Info => "info metric",
        MetricKind::StateSet => "stateset",
        MetricKind::GaugeHistogram => "gauge histogram",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::probe::prom_text;

    fn tracker(metric: &str, quantile: Option<f64>) -> Tracker {
        Tracker::new(metric, quantile).unwrap()
    }

    fn scrape(text: &str) -> Scrape {
        prom_text::parse(text).unwrap()
    }

    fn value(r: ProbeResult) -> f64 {
        r.unwrap().get("value").unwrap()
    }

    fn reason(r: ProbeResult) -> String {
        r.unwrap_err().0
    }

    fn jobs(ok: f64, failed: f64) -> Scrape {
        scrape(&format!("# TYPE jobs_total counter\njobs_total{{status=\"ok\"}} {ok}\njobs_total{{status=\"failed\"}} {failed}\n"))
    }

    #[test]
    fn gauges_sum_matching_series() {
        let s = scrape("# TYPE depth gauge\ndepth{q=\"a\"} 3\ndepth{q=\"b\"} 4\nplain 2\n");
        let r = tracker("depth", None).observe(&s, 0).unwrap();
        assert_eq!((r.get("value"), r.get("series")), (Some(7.0), Some(2.0)));
        assert_eq!(value(tracker("depth{q=\"b\"}", None).observe(&s, 0)), 4.0);
        assert_eq!(value(tracker("plain", None).observe(&s, 0)), 2.0);
        assert_eq!(reason(tracker(" depth{q=\"z\"} ", None).observe(&s, 0)), "no series matches depth{q=\"z\"}");
        assert_eq!(reason(tracker("depth", Some(0.5)).observe(&s, 0)), "`quantile` is for histograms and summaries; depth is a gauge");
    }

    #[test]
    fn counters_become_rates_summed_per_series() {
        let mut t = tracker("jobs_total", None);
        assert_eq!(reason(t.observe(&jobs(100.0, 10.0), 0)), "first scrape; a rate needs two");
        assert!(t.awaits_rate());
        let r = t.observe(&jobs(130.0, 20.0), 10_000).unwrap();
        assert_eq!(r.get("value"), Some(4.0));
        assert_eq!((r.get("series"), r.get("total")), (Some(2.0), Some(150.0)));
        // `failed` resets to 5: it counts 5, `ok` counts 20, over 5 s.
        assert_eq!(value(t.observe(&jobs(150.0, 5.0), 15_000)), 5.0);
        assert_eq!(reason(t.observe(&jobs(150.0, 5.0), 15_000)), "no time between two scrapes; a rate needs some");
    }

    #[test]
    fn a_series_that_appears_counts_from_zero() {
        let mut t = tracker("http_requests_total{code=\"500\"}", None);
        let before = scrape("# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 9\n");
        assert_eq!(reason(t.observe(&before, 0)), "no series matches http_requests_total{code=\"500\"}");
        let after =
            scrape("# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 19\nhttp_requests_total{code=\"500\"} 3\n");
        assert_eq!(value(t.observe(&after, 2_000)), 1.5);
    }

    const HIST: &str = "# TYPE rpc_seconds histogram\n";

    fn rpc(method: &str, counts: [u32; 4]) -> String {
        let les = ["0.1", "0.5", "1", "+Inf"];
        les.iter().zip(counts).map(|(le, c)| format!("rpc_seconds_bucket{{method=\"{method}\",le=\"{le}\"}} {c}\n")).collect()
    }

    #[test]
    fn histogram_quantiles_use_the_interval_only() {
        let mut t = tracker("rpc_seconds", Some(0.5));
        // Cumulative at first: 40 observations, rank 20 in (0.1, 0.5] → 0.3.
        let first = scrape(&format!("{HIST}{}", rpc("GET", [10, 30, 38, 40])));
        let r = t.observe(&first, 0).unwrap();
        assert!((r.get("value").unwrap() - 0.3).abs() < 1e-9);
        assert_eq!(r.get("observations"), Some(40.0));
        // Then 10 slow observations in (0.5, 1]: the median is 0.75, not 0.5-ish.
        let slow = scrape(&format!("{HIST}{}", rpc("GET", [10, 30, 48, 50])));
        let r = t.observe(&slow, 1_000).unwrap();
        assert!((r.get("value").unwrap() - 0.75).abs() < 1e-9, "{r:?}");
        assert_eq!(r.get("observations"), Some(10.0));
        assert_eq!(reason(t.observe(&slow, 2_000)), "no observations since the last scrape");
        // A restart (counts went down) reads the new counts whole; a new
        // series counts from zero.
        let reset = scrape(&format!("{HIST}{}{}", rpc("GET", [4, 4, 4, 4]), rpc("PUT", [0, 4, 4, 4])));
        let r = t.observe(&reset, 3_000).unwrap();
        assert_eq!((r.get("observations"), r.get("series")), (Some(8.0), Some(2.0)));
        assert!((r.get("value").unwrap() - 0.1).abs() < 1e-9, "{r:?}");
        let put = tracker("rpc_seconds{method=\"PUT\"}", Some(0.5)).observe(&reset, 0);
        assert!((value(put) - 0.3).abs() < 1e-9);
    }

    #[test]
    fn histogram_edge_cases() {
        let empty = scrape(&format!("{HIST}{}", rpc("GET", [0, 0, 0, 0])));
        assert_eq!(reason(tracker("rpc_seconds", Some(0.9)).observe(&empty, 0)), "no observations yet");
        let no_inf = scrape(&format!("{HIST}rpc_seconds_bucket{{le=\"1\"}} 3\n"));
        assert_eq!(reason(tracker("rpc_seconds", Some(0.9)).observe(&no_inf, 0)), "histogram rpc_seconds has no +Inf bucket");
        let s = scrape(&format!("{HIST}{}rpc_seconds_count{{method=\"GET\"}} 40\n", rpc("GET", [10, 30, 38, 40])));
        assert_eq!(
            reason(tracker("rpc_seconds", None).observe(&s, 0)),
            "rpc_seconds is a histogram; set `quantile`, or read rpc_seconds_count or rpc_seconds_sum"
        );
        assert_eq!(
            reason(tracker("rpc_seconds{method=\"PUT\"}", Some(0.5)).observe(&s, 0)),
            "no series matches rpc_seconds{method=\"PUT\"}"
        );
        let mut count = tracker("rpc_seconds_count", None);
        assert_eq!(reason(count.observe(&s, 0)), "first scrape; a rate needs two");
        assert_eq!(value(count.observe(&s, 1_000)), 0.0);
        assert_eq!(
            reason(tracker("rpc_seconds_count", Some(0.5)).observe(&s, 0)),
            "`quantile` needs the histogram's own name, not rpc_seconds_count"
        );
    }

    #[test]
    fn summaries_read_the_exported_quantile() {
        let s = scrape(
            "# TYPE gc summary\ngc{quantile=\"0.5\"} 0.004\ngc{quantile=\"0.99\"} 0.02\ngc_sum 1.7\ngc_count 250\n\
             # TYPE rpc summary\nrpc{m=\"a\",quantile=\"0.5\"} 1\nrpc{m=\"b\",quantile=\"0.5\"} 2\n",
        );
        assert_eq!(value(tracker("gc", Some(0.99)).observe(&s, 0)), 0.02);
        assert_eq!(reason(tracker("gc", Some(0.9)).observe(&s, 0)), "summary gc has no quantile 0.9 (it has 0.5, 0.99)");
        assert_eq!(value(tracker("rpc{m=\"b\"}", Some(0.5)).observe(&s, 0)), 2.0);
        assert!(reason(tracker("rpc", Some(0.5)).observe(&s, 0)).starts_with("2 summary series match rpc;"));
    }

    #[test]
    fn bad_settings_fail_when_built() {
        assert!(Tracker::new("a{b=}", None).is_err());
        assert!(Tracker::new("a", Some(1.5)).is_err());
    }
}
