//! [`Policy`]: how hard a notification is tried (timeouts, attempts,
//! backoff) and how many may wait. Production defaults; tests shrink them.

use std::time::Duration;

/// Delivery settings shared by every target of a [`Notifier`](super::Notifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// One request's whole time budget (connect, send, response headers).
    pub timeout: Duration,
    /// Tries per notification, the first included (at least 1).
    pub attempts: u32,
    /// Wait before the second try; doubled before each later one, plus up
    /// to a quarter of it as random jitter.
    pub backoff: Duration,
    /// Notifications that may wait per target; more are dropped (and recorded as failed).
    pub queue: usize,
}

impl Default for Policy {
    /// 5 s per request, 3 attempts (waits of about 1 s, then 2 s), 64 queued.
    fn default() -> Policy {
        Policy { timeout: Duration::from_secs(5), attempts: 3, backoff: Duration::from_secs(1), queue: 64 }
    }
}

impl Policy {
    /// The wait after failed attempt `n` (1-based): `backoff × 2^(n-1)`
    /// plus jitter in `[0, that/4]`.
    pub fn wait_after(&self, n: u32) -> Duration {
        let base = self.backoff.saturating_mul(1u32 << n.saturating_sub(1).min(16));
        let quarter = u64::try_from(base.as_millis() / 4).unwrap_or(u64::MAX);
        base + Duration::from_millis(fastrand::u64(0..=quarter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let p = Policy::default();
        for (n, base) in [(1, 1000), (2, 2000), (3, 4000)] {
            let w = p.wait_after(n).as_millis();
            assert!(w >= base && w <= base + base / 4, "attempt {n}: {w} ms");
        }
        assert_eq!(p.attempts, 3);
        assert_eq!(p.timeout, Duration::from_secs(5));
    }
}
