//! One grid of wake-up instants for the whole process. Periodic work (probe
//! runs, the one-second clock, the look for a change in a SQLite room, the
//! journal's status and upkeep) falls due on whole multiples of its period
//! counted from one epoch, so that work of different periods due at the same
//! moment wakes the process once rather than once per timer: an idle console
//! spends more of its CPU on being woken than on the work it is woken for.
//!
//! The epoch is the last whole second of the wall clock before the grid was
//! first used, so that a one-second period ticks as the wall clock's seconds
//! turn and a clock drawn at each tick is never most of a second late.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// The grid's origin (see the module doc).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(|| {
        let into_second =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(Duration::ZERO, |d| Duration::from_nanos(u64::from(d.subsec_nanos())));
        let now = Instant::now();
        now.checked_sub(into_second).unwrap_or(now)
    })
}

/// The grid point of `period` at or after `at` (`up`), else at or before it;
/// `at` itself for a zero period.
pub fn boundary(at: Instant, period: Duration, up: bool) -> Instant {
    let step = period.as_nanos();
    if step == 0 {
        return at;
    }
    let origin = epoch();
    if at < origin {
        return origin;
    }
    let since = at.duration_since(origin).as_nanos();
    let steps = if up { since.div_ceil(step) } else { since / step };
    origin + Duration::from_nanos(u64::try_from(steps.saturating_mul(step)).unwrap_or(u64::MAX))
}

/// The first grid point of `period` strictly after now.
pub fn next(period: Duration) -> Instant {
    let now = Instant::now();
    let at = boundary(now, period, true);
    if at > now || period.is_zero() { at } else { at + period }
}

/// Sleeps until the first grid point of `period` after now.
pub async fn sleep_to_next(period: Duration) {
    tokio::time::sleep_until(next(period)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_of_different_periods_coincide() {
        let second = Duration::from_secs(1);
        let quarter = Duration::from_millis(250);
        let s = next(second);
        assert!(s > Instant::now());
        assert_eq!(boundary(s, quarter, true), s, "every whole second is also a quarter-second point");
        assert_eq!(boundary(s + Duration::from_millis(1), quarter, true), s + quarter);
        assert_eq!(boundary(s + Duration::from_millis(249), quarter, false), s);
        assert_eq!(boundary(s, Duration::ZERO, true), s);
        let q = next(quarter);
        assert!(q > Instant::now() && q <= Instant::now() + quarter);
    }

    #[test]
    fn whole_seconds_turn_with_the_wall_clock() {
        let s = next(Duration::from_secs(1));
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let until = s.duration_since(Instant::now());
        let landing = (wall + until).subsec_millis();
        assert!(!(20..=980).contains(&landing), "a grid second lands {landing} ms into a wall-clock second");
    }
}
