//! Waiting for a condition instead of sleeping and hoping: poll it until it
//! holds, with a deadline generous enough for a small machine busy with other
//! tests, and fail naming what was awaited. The deadline only bounds a
//! failure; a passing test waits no longer than the condition takes.

use std::time::{Duration, Instant};

/// How long to wait for something that normally takes milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// How often a condition is polled.
pub const POLL: Duration = Duration::from_millis(20);

/// Polls `probe` until it gives a value, for at most `within`; panics
/// saying it waited for `what` in vain.
pub fn wait_for_some<T>(what: &str, within: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {within:?} for {what}, in vain");
        std::thread::sleep(POLL);
    }
}

/// Polls `cond` until it holds, for at most `within`; panics naming `what`.
pub fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    wait_for_some(what, within, || cond().then_some(()));
}

/// [`wait_for_some`] for a probe that awaits (a query, a request).
pub async fn wait_for_some_async<T>(what: &str, within: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {within:?} for {what}, in vain");
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_until`] for a condition that awaits.
pub async fn wait_until_async(what: &str, within: Duration, mut cond: impl AsyncFnMut() -> bool) {
    wait_for_some_async(what, within, async || cond().await.then_some(())).await;
}
