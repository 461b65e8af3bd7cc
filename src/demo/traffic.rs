//! Simulated traffic of the demo shop: request counters and a latency
//! histogram that grow as the [`Story`] says, advanced lazily to a given
//! moment (no clock here), and written out in the Prometheus text format.
//! Durations are spread over the buckets by [`latency`](super::latency), so
//! the histogram's interpolated p95 follows the story's.

use std::fmt::Write as _;
use std::time::Duration;

use super::latency::{BUCKETS, cumulative_shares, mean_seconds};
use super::story::{Conditions, Story};

/// The longest stretch of script one simulation step covers.
const STEP_SCRIPT_SECS: f64 = 0.5;
/// A bound on the work of one catch-up after a long idle time.
const MAX_STEPS: u32 = 20_000;

/// Everything the shop has served since it started.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Traffic {
    /// How far (real time since start) the counters have been advanced.
    until: Duration,
    ok: u64,
    errors: u64,
    /// Fractions of a request not yet served (rates are not whole numbers).
    request_carry: f64,
    error_carry: f64,
    /// Expected cumulative count per finite bucket; exposed rounded down.
    bucket_expected: [f64; BUCKETS.len()],
    sum_seconds: f64,
}

impl Traffic {
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests answered with 200 / with 500 so far.
    pub fn ok(&self) -> u64 {
        self.ok
    }

    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Simulates the requests served from the last update until `now`
    /// (real time since the story started). Earlier moments change nothing.
    pub fn advance(&mut self, story: &Story, now: Duration) {
        let Some(span) = now.checked_sub(self.until).filter(|d| !d.is_zero()) else {
            return;
        };
        let script_span = span.as_secs_f64() * story.speed();
        let steps = ((script_span / STEP_SCRIPT_SECS).ceil() as u32).clamp(1, MAX_STEPS);
        let dt = span / steps;
        for i in 0..steps {
            let start = self.until + dt * i;
            self.serve(&story.at(start + dt / 2), dt.as_secs_f64());
        }
        self.until = now;
    }

    /// Serves `seconds` worth of requests under fixed conditions.
    fn serve(&mut self, c: &Conditions, seconds: f64) {
        self.request_carry += c.requests_per_sec.max(0.0) * seconds;
        let n = self.request_carry.floor();
        self.request_carry -= n;
        self.error_carry += n * c.error_ratio.clamp(0.0, 1.0);
        let e = self.error_carry.floor().min(n);
        self.error_carry -= e;
        self.ok += (n - e) as u64;
        self.errors += e as u64;
        let shares = cumulative_shares(c.latency_ms_p50 / 1000.0, c.latency_ms_p95 / 1000.0);
        for (acc, share) in self.bucket_expected.iter_mut().zip(shares) {
            *acc += n * share;
        }
        self.sum_seconds += n * mean_seconds(&shares);
    }

    /// Cumulative bucket counts (finite buckets, then `+Inf`), never
    /// decreasing from one bucket to the next.
    pub fn buckets(&self) -> [u64; BUCKETS.len() + 1] {
        let total = self.ok + self.errors;
        let mut out = [total; BUCKETS.len() + 1];
        let mut below = 0;
        for (slot, acc) in out.iter_mut().zip(self.bucket_expected) {
            below = (acc.floor() as u64).clamp(below, total);
            *slot = below;
        }
        out
    }

    /// The `/metrics` page: counters, histogram, and gauges for `now`.
    pub fn exposition(&self, now: &Conditions) -> String {
        let mut out = String::with_capacity(2048);
        let total = self.ok + self.errors;
        let _ = write!(
            out,
            "# HELP http_requests_total Requests answered by the demo shop, by status code.\n\
             # TYPE http_requests_total counter\n\
             http_requests_total{{code=\"200\"}} {}\n\
             http_requests_total{{code=\"500\"}} {}\n\
             # HELP http_request_duration_seconds Time taken to answer a request.\n\
             # TYPE http_request_duration_seconds histogram\n",
            self.ok, self.errors
        );
        let counts = self.buckets();
        let bounds = BUCKETS.iter().map(f64::to_string);
        for (le, count) in bounds.chain(["+Inf".to_string()]).zip(counts) {
            let _ = writeln!(out, "http_request_duration_seconds_bucket{{le=\"{le}\"}} {count}");
        }
        let _ = write!(
            out,
            "http_request_duration_seconds_sum {}\n\
             http_request_duration_seconds_count {total}\n\
             # HELP demo_error_ratio Share of requests currently failing with a 5xx.\n\
             # TYPE demo_error_ratio gauge\n\
             demo_error_ratio {}\n\
             # HELP demo_queue_depth Jobs waiting in the demo shop's queue.\n\
             # TYPE demo_queue_depth gauge\n\
             demo_queue_depth {}\n",
            finite(self.sum_seconds),
            finite(now.error_ratio),
            now.queue_depth
        );
        out
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::super::story::conditions_at;
    use super::*;
    use crate::adapters::probe::prom_query::Selector;
    use crate::adapters::probe::prom_text::parse;

    #[test]
    fn counts_follow_rate_and_error_ratio() {
        let story = Story::new(1.0).starting_at(Duration::from_secs(100));
        let mut t = Traffic::new();
        t.advance(&story, Duration::from_secs(20));
        let total = t.ok() + t.errors();
        // ~125 requests/s for 20 s, 8 % of them failing.
        assert!((2200..2800).contains(&total), "{total}");
        let ratio = t.errors() as f64 / total as f64;
        assert!((0.07..0.09).contains(&ratio), "{ratio}");
        let before = t.clone();
        t.advance(&story, Duration::from_secs(10));
        assert_eq!(t, before, "going back in time changes nothing");
    }

    #[test]
    fn small_updates_add_up_like_one_big_one() {
        let story = Story::new(5.0);
        let (mut many, mut one) = (Traffic::new(), Traffic::new());
        for ms in (0..=30_000).step_by(700) {
            many.advance(&story, Duration::from_millis(ms));
        }
        one.advance(&story, Duration::from_millis(29_400));
        let diff = (many.ok() + many.errors()).abs_diff(one.ok() + one.errors());
        assert!(diff <= 2, "{diff}");
    }

    fn p95_of(t: &Traffic, story_at: f64) -> Option<f64> {
        let text = t.exposition(&conditions_at(story_at));
        let scrape = parse(&text).ok()?;
        let sel = Selector::parse("http_request_duration_seconds").ok()?;
        scrape.histogram_quantile(&sel, 0.95)
    }

    #[test]
    fn histogram_p95_tracks_the_story() {
        // A stretch of the healthy phase, then one of the spike's plateau.
        let healthy = Story::new(1.0);
        let mut t = Traffic::new();
        t.advance(&healthy, Duration::from_secs(40));
        let p95 = p95_of(&t, 20.0);
        assert!(p95.is_some_and(|v| (0.08..0.2).contains(&v)), "{p95:?}");

        let spike = Story::new(1.0).starting_at(Duration::from_secs(59));
        let mut t = Traffic::new();
        t.advance(&spike, Duration::from_secs(10));
        let p95 = p95_of(&t, 64.0);
        assert!(p95.is_some_and(|v| (1.1..2.0).contains(&v)), "{p95:?}");
    }

    #[test]
    fn exposition_is_well_formed() {
        let mut t = Traffic::new();
        t.advance(&Story::new(3.0), Duration::from_secs(60));
        let text = t.exposition(&conditions_at(0.0));
        let scrape = parse(&text).expect("parses");
        let names: Vec<_> = scrape.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["http_requests_total", "http_request_duration_seconds", "demo_error_ratio", "demo_queue_depth"]);
        let b = t.buckets();
        assert!(b.windows(2).all(|w| w[0] <= w[1]), "{b:?}");
        assert_eq!(b[BUCKETS.len()], t.ok() + t.errors());
        assert!(text.contains("http_request_duration_seconds_bucket{le=\"0.05\"} "));
        assert!(text.contains("http_request_duration_seconds_bucket{le=\"1\"} "));
        assert!(text.contains("http_request_duration_seconds_bucket{le=\"+Inf\"} "));
        assert!(text.ends_with('\n'));
    }
}
