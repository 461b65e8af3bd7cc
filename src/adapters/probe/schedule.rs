//! Running probes: one tokio task per check with its own interval, timeout
//! and a little jitter, so a hung or slow target never delays another check;
//! runs start on shared slot boundaries (see [`SLOT`]), so many checks wake
//! the process together rather than one by one.
//! Repeated failures to reach a target back off (capped below the
//! staleness limit) and the first answer restores the normal interval; a
//! target that answers with a failure keeps its interval. Each task logs its check's failures
//! once per change (see [`super::outcome_log`]), not once per run.
//!
//! Every sample's reason has this process's secrets masked (see
//! [`crate::secrets`]) before it leaves here, for the console, the samples
//! file, the log and `opsdeck status` alike.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use super::outcome_log::OutcomeLog;
use super::{Cause, ProbeEnv, ProbeError, Prober, short_duration};
use opsdeck_core::config::{Check, Defaults};
pub use opsdeck_core::reading::{Sample, Timing};

/// The most probe runs in flight at once across all checks: a bound on
/// fan-out (sockets, processes), far above what serialises checks.
pub const MAX_IN_FLIGHT: usize = 512;

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Runs a prober once within `timeout`, timing it.
pub async fn run_once(index: usize, prober: &mut Prober, timeout: Duration) -> Sample {
    let started = Instant::now();
    let result = match tokio::time::timeout(timeout, prober.probe(timeout)).await {
        Ok(r) => r,
        Err(_) => Err(ProbeError::new(format!("timeout after {}", short_duration(timeout)))),
    };
    Sample { check: index, at_ms: now_ms(), latency_ms: started.elapsed().as_secs_f64() * 1000.0, result: result.map_err(masked) }
}

/// The error with this process's secrets masked in its reason.
fn masked(e: ProbeError) -> ProbeError {
    match crate::secrets::installed().redact(&e.0) {
        std::borrow::Cow::Borrowed(_) => e,
        std::borrow::Cow::Owned(reason) => ProbeError(reason, e.1),
    }
}

/// Builds a check's prober (for `opsdeck status`, which keeps it across
/// rounds); a failure's reason has this process's secrets masked.
pub fn build_prober(check: &Check, env: &ProbeEnv) -> Result<Prober, ProbeError> {
    Prober::build(check, env).map_err(masked)
}

/// Starts one task per check; samples arrive on `tx` until it is closed or
/// the tasks are aborted.
pub fn spawn_all(checks: &[Check], defaults: &Defaults, env: &ProbeEnv, tx: mpsc::Sender<Sample>) -> Vec<JoinHandle<()>> {
    let limit = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    checks
        .iter()
        .enumerate()
        .map(|(i, check)| {
            let timing = Timing::for_check(check, defaults);
            let built = Prober::build(check, env).map_err(masked);
            tokio::spawn(run_check(i, OutcomeLog::new(check.id.clone()), built, timing, tx.clone(), limit.clone()))
        })
        .collect()
}

/// The checks being probed now, by plan position: a console probes all of
/// them, or only its `local` ones while the room's prober probes the rest,
/// and switches between the two as the lease changes hands.
pub struct ProbeSet {
    checks: Vec<Check>,
    defaults: Defaults,
    env: ProbeEnv,
    tx: mpsc::Sender<Sample>,
    limit: Arc<Semaphore>,
    running: Vec<Option<JoinHandle<()>>>,
}

impl ProbeSet {
    /// Nothing probed yet; samples will arrive on `tx`.
    pub fn new(checks: &[Check], defaults: &Defaults, env: &ProbeEnv, tx: mpsc::Sender<Sample>) -> ProbeSet {
        ProbeSet {
            checks: checks.to_vec(),
            defaults: defaults.clone(),
            env: env.clone(),
            tx,
            limit: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            running: checks.iter().map(|_| None).collect(),
        }
    }

    /// Probes exactly the checks `wanted` picks: starts those not running,
    /// stops those running that it no longer picks.
    pub fn probe_only(&mut self, wanted: impl Fn(&Check) -> bool) {
        for (i, check) in self.checks.iter().enumerate() {
            let want = wanted(check);
            match (&self.running[i], want) {
                (None, true) => {
                    let timing = Timing::for_check(check, &self.defaults);
                    let built = Prober::build(check, &self.env).map_err(masked);
                    let log = OutcomeLog::new(check.id.clone());
                    self.running[i] = Some(tokio::spawn(run_check(i, log, built, timing, self.tx.clone(), self.limit.clone())));
                }
                (Some(_), false) => {
                    if let Some(task) = self.running[i].take() {
                        task.abort();
                    }
                }
                (Some(_), true) | (None, false) => {}
            }
        }
    }

    /// How many checks are being probed.
    pub fn running(&self) -> usize {
        self.running.iter().filter(|t| t.is_some()).count()
    }
}

impl Drop for ProbeSet {
    fn drop(&mut self) {
        for task in self.running.iter_mut().filter_map(Option::take) {
            task.abort();
        }
    }
}

async fn run_check(
    index: usize,
    mut log: OutcomeLog,
    mut prober: Result<Prober, ProbeError>,
    timing: Timing,
    tx: mpsc::Sender<Sample>,
    limit: Arc<Semaphore>,
) {
    // Spread the first runs so that many checks do not fire in one burst.
    let spread = timing.every.min(Duration::from_secs(1));
    let mut due = slot_boundary(tokio::time::Instant::now() + spread.mul_f64(fastrand::f64()), timing.every, true);
    tokio::time::sleep_until(due).await;
    // Plan durations are bounded when read (see `config::validate::timing`);
    // the jitter saturates anyway, so no interval can panic here.
    let mut failures = 0u32;
    let panic_on_purpose = crate::fault::armed("probe-panic");
    loop {
        let sample = match &mut prober {
            Ok(p) => {
                let Ok(_permit) = limit.acquire().await else {
                    return;
                };
                run_once(index, p, timing.timeout).await
            }
            Err(e) => Sample { check: index, at_ms: now_ms(), latency_ms: 0.0, result: Err(e.clone()) },
        };
        // Only a target that cannot be reached backs off: one that answers
        // with a failure (HTTP 500) keeps its interval, so its recovery is
        // seen when it happens.
        failures = match &sample.result {
            Err(ProbeError(_, Cause::NoAnswer)) => failures.saturating_add(1),
            Ok(_) | Err(ProbeError(_, Cause::TargetFailed)) => 0,
        };
        log.record(&sample.result);
        if tx.send(sample).await.is_err() {
            return;
        }
        if panic_on_purpose {
            panic!("fault injected: probe-panic in check #{index}");
        }
        // Up to 5% jitter keeps checks with one interval from lining up.
        let delay = timing.next_delay(failures);
        due = next_due(due, delay, delay.div_f64(20.0).mul_f64(fastrand::f64()), timing.every);
        tokio::time::sleep_until(due).await;
    }
}

/// Runs fall due on slot boundaries of the process's wake grid (see
/// [`crate::adapters::wake_grid`]): a slot is a twentieth of the check's
/// interval, at most [`SLOT`], so that checks due within one slot start
/// together and the process wakes once for a group of them instead of once
/// per check: 1,000 checks at 1 s woke it 1,000 times a second for the
/// timers alone, and as often again for the answers; fifty checks at 5 s
/// share four slots a second (with the clock and the room's poll, which
/// fall on the same grid) instead of taking twenty.
pub const SLOT: Duration = Duration::from_millis(250);

/// A check's slot: a twentieth of its interval, at most [`SLOT`].
fn slot_of(every: Duration) -> Duration {
    SLOT.min(every / 20)
}

/// When the run after the one due at `due` is due: `delay` later, rounded
/// up to a slot boundary, then later by the `jitter` in whole slots (so a
/// check's runs stay `delay` apart from start to start, however long each
/// took), and never before the current slot (when a run went past it).
fn next_due(due: tokio::time::Instant, delay: Duration, jitter: Duration, every: Duration) -> tokio::time::Instant {
    let earliest = slot_boundary(due + delay, every, true);
    let jittered = slot_boundary(due + delay + jitter, every, false);
    earliest.max(jittered).max(slot_boundary(tokio::time::Instant::now(), every, true))
}

/// The slot boundary at or after `at` (`up`), else at or before it, for a
/// check run every `every`.
fn slot_boundary(at: tokio::time::Instant, every: Duration, up: bool) -> tokio::time::Instant {
    crate::adapters::wake_grid::boundary(at, slot_of(every), up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_fall_on_slot_boundaries_an_interval_apart() {
        let second = Duration::from_secs(1);
        let slot = slot_of(second);
        assert_eq!(slot, Duration::from_millis(50), "a twentieth of a second");
        let t0 = slot_boundary(tokio::time::Instant::now() + second, second, true);
        assert_eq!(slot_boundary(t0, second, true), t0, "a boundary is its own slot");
        let a = slot_boundary(t0 + Duration::from_millis(3), second, true);
        let b = slot_boundary(t0 + Duration::from_millis(41), second, true);
        assert_eq!((a, b), (t0 + slot, t0 + slot), "runs due within one slot start together");
        assert_eq!(slot_boundary(t0 + Duration::from_millis(41), second, false), t0);

        // Start to start: a jitter under a slot keeps the interval exact.
        assert_eq!(next_due(t0, second, Duration::from_millis(49), second), t0 + second);
        let off = t0 + Duration::from_millis(7);
        assert_eq!(next_due(off, second, Duration::ZERO, second), t0 + second + slot, "never before the interval");

        // Slow checks share slots of at most SLOT, on the same grid as the clock.
        let slow = Duration::from_secs(5);
        assert_eq!(slot_of(slow), SLOT);
        let s0 = slot_boundary(t0, slow, true);
        assert_eq!(next_due(s0, slow, Duration::from_millis(600), slow), s0 + slow + SLOT * 2, "jitter in whole slots");
        let whole = crate::adapters::wake_grid::next(second);
        assert_eq!(slot_boundary(whole, slow, true), whole, "every clock tick is a slot boundary");

        let fast = Duration::from_millis(100);
        assert_eq!(slot_of(fast), Duration::from_millis(5), "a fast check's slot is a twentieth of its interval");
        let c = slot_boundary(t0 + Duration::from_millis(203), fast, true);
        assert_eq!(c, t0 + Duration::from_millis(205));
    }

    #[test]
    fn backoff_doubles_and_is_capped_below_staleness() {
        let t = Timing { every: Duration::from_secs(1), timeout: Duration::from_secs(1), stale_after: Duration::from_secs(30) };
        let delays: Vec<u64> = (0..7).map(|f| t.next_delay(f).as_secs()).collect();
        assert_eq!(delays, [1, 1, 2, 4, 8, 8, 8]);
        let slow = Timing { every: Duration::from_secs(10), timeout: Duration::from_secs(2), stale_after: Duration::from_secs(30) };
        assert_eq!(slow.next_delay(4), Duration::from_secs(15));
        let long = Timing { every: Duration::from_secs(60), timeout: Duration::from_secs(2), stale_after: Duration::from_secs(30) };
        assert_eq!(long.next_delay(5), Duration::from_secs(60), "never faster than the interval");
    }
}
