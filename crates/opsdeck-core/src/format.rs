//! How times and durations read in exports and messages: UTC timestamps
//! (`2026-03-10 13:58:00`), wall-clock times in a time zone the caller
//! passes in (`14:02:07`), and compact durations (`1h12m`, `45s`). Nothing
//! here reads the system's time zone: the shell decides which one applies.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Wall-clock time `14:02:07` of a unix-ms timestamp in `tz`.
pub fn clock(at_ms: i64, tz: &TimeZone) -> String {
    match Timestamp::from_millisecond(at_ms) {
        Ok(ts) => ts.to_zoned_datetime(tz.clone()).strftime("%H:%M:%S").to_string(),
        Err(_) => "--:--:--".into(),
    }
}

/// `2026-03-10 13:58:00` (UTC, to the second).
pub fn utc(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        Err(_) => format!("@{ms}ms"),
    }
}

/// `2d3h`, `1h12m5s`, `45s`; whole seconds, rounded down; negative spans
/// are written with a leading `-`.
pub fn duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let mut secs = ms.unsigned_abs() / 1000;
    if secs == 0 {
        return format!("{sign}0s");
    }
    let mut out = String::from(sign);
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// How long a run took: `29ms` under a second, else like [`duration`].
pub fn took(ms: i64) -> String {
    if (0..1000).contains(&ms) { format!("{ms}ms") } else { duration(ms) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_run_took_milliseconds() {
        assert_eq!(took(29), "29ms");
        assert_eq!(took(12_400), "12s");
    }

    #[test]
    fn clock_reads_in_the_zone_passed_in() {
        let at = 1_773_151_080_000; // 2026-03-10 13:58:00 UTC
        assert_eq!(clock(at, &TimeZone::UTC), "13:58:00");
        assert_eq!(clock(at, &TimeZone::fixed(jiff::tz::offset(2))), "15:58:00");
        assert_eq!(clock(i64::MAX, &TimeZone::UTC), "--:--:--");
    }

    #[test]
    fn utc_times_read_to_the_second() {
        // 2026-03-10T13:58:00Z
        assert_eq!(utc(1_773_151_080_000), "2026-03-10 13:58:00");
    }

    #[test]
    fn durations_are_compact() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(999), "0s");
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(72 * 60_000), "1h12m");
        assert_eq!(duration(72 * 60_000 + 5_000), "1h12m5s");
        assert_eq!(duration((2 * 24 + 3) * 3_600_000), "2d3h");
        assert_eq!(duration(-90_000), "-1m30s");
    }
}
