//! Recurring maintenance windows: `every = "Sun 02:00-04:00 UTC"`, also
//! `"Mon,Thu 22:00-23:30 Europe/Berlin"`, `"daily 01:00-01:30 UTC"` and
//! `"weekdays 12:00-13:00 America/New_York"`. Days name when a window
//! starts; a window whose end is before its start ends the next day
//! (`Sat 23:00-01:00`). Times are wall-clock times in the zone given (an
//! IANA name or `UTC`), so a window keeps its local hour across daylight
//! saving changes.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime};

/// A weekly (or daily) window.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    /// The days a window starts on; all seven for `daily`.
    pub days: Vec<Weekday>,
    pub start: Time,
    pub end: Time,
    pub zone: TimeZone,
    written: String,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

const EXPECTED: &str = "expected days, a time range and a zone, like \"Sun 02:00-04:00 UTC\", \"Mon,Thu 22:00-23:30 Europe/Berlin\" or \"daily 01:00-01:30 UTC\"";

fn day(word: &str) -> Option<Weekday> {
    let lower = word.to_lowercase();
    // "Sundays" as people write it.
    let w = lower.strip_suffix("days").map(|stem| format!("{stem}day")).unwrap_or(lower);
    DAYS.iter()
        .find(|(name, _)| w.starts_with(name) && (w.len() == 3 || format!("{name}day").starts_with(&w) || w.ends_with("day")))
        .map(|(_, d)| *d)
}

fn days(word: &str) -> Result<Vec<Weekday>, String> {
    match word.to_lowercase().as_str() {
        "daily" | "everyday" | "day" => return Ok(DAYS.iter().map(|(_, d)| *d).collect()),
        "weekdays" => return Ok(DAYS[..5].iter().map(|(_, d)| *d).collect()),
        "weekends" => return Ok(DAYS[5..].iter().map(|(_, d)| *d).collect()),
        _ => {}
    }
    word.split(',')
        .map(|d| day(d.trim()).ok_or_else(|| format!("`{d}` is not a day (Mon … Sun, daily, weekdays, weekends); {EXPECTED}")))
        .collect()
}

fn time(s: &str) -> Result<Time, String> {
    let (h, m) = s.split_once(':').ok_or_else(|| format!("`{s}` is not a time of day (HH:MM); {EXPECTED}"))?;
    let (h, m): (i8, i8) = (
        h.parse().map_err(|_| format!("`{s}` is not a time of day (HH:MM)"))?,
        m.parse().map_err(|_| format!("`{s}` is not a time of day (HH:MM)"))?,
    );
    Time::new(h, m, 0, 0).map_err(|_| format!("`{s}` is not a time of day (00:00 to 23:59)"))
}

impl FromStr for Recurrence {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let [d, range, zone] = words.as_slice() else { return Err(EXPECTED.to_string()) };
        let days = days(d)?;
        let (a, b) = range.split_once('-').ok_or_else(|| format!("`{range}` is not a time range (HH:MM-HH:MM); {EXPECTED}"))?;
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!("`{range}` is empty: the window must end after it starts"));
        }
        let zone = if zone.eq_ignore_ascii_case("utc") {
            TimeZone::UTC
        } else {
            TimeZone::get(zone).map_err(|_| format!("`{zone}` is not a time zone (an IANA name like Europe/Berlin, or UTC)"))?
        };
        Ok(Recurrence { days, start, end, zone, written: s.trim().to_string() })
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl Recurrence {
    /// The window running at `now_ms`, as unix milliseconds `(start, end)`.
    pub fn at(&self, now_ms: i64) -> Option<(i64, i64)> {
        let now = Timestamp::from_millisecond(now_ms).ok()?.to_zoned_datetime(self.zone.clone());
        // A window running now started today or, crossing midnight, yesterday.
        [0i64, -1].into_iter().find_map(|back| {
            let date = now.date().checked_add(back.days()).ok()?;
            let (start, end) = self.window_on(date)?;
            (start <= now_ms && now_ms < end).then_some((start, end))
        })
    }

    /// The next window starting after `now_ms` (within a week and a day).
    pub fn next_after(&self, now_ms: i64) -> Option<(i64, i64)> {
        let now = Timestamp::from_millisecond(now_ms).ok()?.to_zoned_datetime(self.zone.clone());
        (0i64..=8).find_map(|ahead| {
            let date = now.date().checked_add(ahead.days()).ok()?;
            self.window_on(date).filter(|(start, _)| *start > now_ms)
        })
    }

    /// The window starting on `date` (in the zone), if the day is one of its days.
    fn window_on(&self, date: jiff::civil::Date) -> Option<(i64, i64)> {
        if !self.days.contains(&date.weekday()) {
            return None;
        }
        let start: ZonedDateTime = date.to_datetime(self.start).to_zoned_datetime(self.zone.clone()).ok()?;
        let end_date = if self.end <= self.start { date.checked_add(1.days()).ok()? } else { date };
        let end: ZonedDateTime = end_date.to_datetime(self.end).to_zoned_datetime(self.zone.clone()).ok()?;
        Some((start.timestamp().as_millisecond(), end.timestamp().as_millisecond()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().expect("a time").as_millisecond()
    }

    #[test]
    fn a_weekly_window_runs_on_its_day_and_hours() {
        let r: Recurrence = "Sun 02:00-04:00 UTC".parse().expect("valid");
        // 2026-11-29 is a Sunday.
        assert_eq!(r.at(ms("2026-11-29T03:00:00Z")), Some((ms("2026-11-29T02:00:00Z"), ms("2026-11-29T04:00:00Z"))));
        assert_eq!(r.at(ms("2026-11-29T04:00:00Z")), None, "the end is outside");
        assert_eq!(r.at(ms("2026-11-30T03:00:00Z")), None, "a Monday");
        assert_eq!(r.next_after(ms("2026-11-30T03:00:00Z")).map(|w| w.0), Some(ms("2026-12-06T02:00:00Z")));
    }

    #[test]
    fn windows_cross_midnight_and_keep_local_time() {
        let r: Recurrence = "Sat 23:00-01:00 UTC".parse().expect("valid");
        assert_eq!(r.at(ms("2026-11-29T00:30:00Z")), Some((ms("2026-11-28T23:00:00Z"), ms("2026-11-29T01:00:00Z"))));
        let berlin: Recurrence = "daily 02:00-03:00 Europe/Berlin".parse().expect("valid");
        // Winter: Berlin is UTC+1; summer: UTC+2.
        assert!(berlin.at(ms("2026-12-01T01:30:00Z")).is_some());
        assert!(berlin.at(ms("2026-07-01T00:30:00Z")).is_some());
        let weekdays: Recurrence = "weekdays 12:00-13:00 UTC".parse().expect("valid");
        assert!(weekdays.at(ms("2026-11-28T12:30:00Z")).is_none(), "a Saturday");
        assert!("Mon,Thursday 22:00-23:30 UTC".parse::<Recurrence>().is_ok());
        assert_eq!("Sundays 02:00-04:00 UTC".parse::<Recurrence>().map(|r| r.days), Ok(vec![Weekday::Sunday]));
    }

    #[test]
    fn mistakes_are_named() {
        let e = |s: &str| s.parse::<Recurrence>().expect_err("invalid");
        assert!(e("Sunday at two").contains("expected days"));
        assert!(e("Sun 02:00-04:00 Mars/Olympus").contains("not a time zone"));
        assert!(e("Sun 25:00-04:00 UTC").contains("not a time of day"));
        assert!(e("Funday 02:00-04:00 UTC").contains("`Funday` is not a day"));
        assert!(e("Sun 02:00-02:00 UTC").contains("empty"));
    }
}
