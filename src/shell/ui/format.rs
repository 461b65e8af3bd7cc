//! Text for numbers, units, ages and times as the console shows them.
//!
//! Whatever here writes a time to the second (`4s`, `in 12s`) notes that
//! the frame shows a clock that ticks every second ([`note_ticking`]); the
//! console reads that after each frame ([`take_ticking`]) to choose how
//! often data-only changes are drawn (see `app::pacing`).

use std::cell::Cell;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use opsdeck_core::config::units::Unit;
use opsdeck_core::metrics::describe::{format_value, format_with_unit, format_with_unit_within};

/// A value in its unit, compact: `182ms`, `1.24s`, `0.40%`, `21.3d`,
/// `512MiB`, `1240`, `1.5M`, `1.0e308`: never more than eight characters
/// and the unit's symbol.
pub fn value(v: f64, unit: Option<Unit>) -> String {
    format_with_unit(v, unit)
}

/// [`value`] in at most `width` characters, for a column: fewer digits
/// rather than a wider column (`-4.9e-324` in 8 is `-5e-324`).
pub fn value_within(v: f64, unit: Option<Unit>, width: usize) -> String {
    format_with_unit_within(v, unit, width)
}

/// A plain number: integers as integers, others with three significant
/// digits, huge and tiny ones shortened like [`value`].
pub fn number(v: f64) -> String {
    format_value(v)
}

thread_local! {
    /// Whether the frame being drawn on this thread shows a time to the second.
    static TICKING: Cell<bool> = const { Cell::new(false) };
}

/// Notes that the frame being drawn shows something that changes every
/// second (a time to the second, a chart sliding with the clock).
pub fn note_ticking() {
    TICKING.with(|t| t.set(true));
}

/// Whether anything drawn on this thread since the last call noted
/// [`note_ticking`]; resets it.
pub fn take_ticking() -> bool {
    TICKING.with(|t| t.replace(false))
}

/// Whole seconds in `ms`, a part second counting as one (`in 3s` until it
/// is due), for a countdown: notes that the frame ticks every second.
pub fn seconds_left(ms: i64) -> i64 {
    note_ticking();
    (ms + 999) / 1000
}

/// Age of something that happened `ms` ago: `now`, `4s`, `3m`, `2h`, `5d`.
/// Under a minute it changes every second (see [`note_ticking`]).
pub fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    if s < 60 {
        note_ticking();
    }
    match s {
        0 => "now".into(),
        1..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// A deadline `remaining_ms` away as people say it: `in 12m`, `due now`,
/// `overdue by 12s`.
pub fn due(remaining_ms: i64) -> String {
    match remaining_ms {
        ms if ms >= 1000 => format!("in {}", age(ms)),
        ms if ms > -1000 => "due now".into(),
        ms => format!("overdue by {}", age(-ms)),
    }
}

/// Like [`due`] where room is short (a row of the incidents pane): a
/// deadline ahead is just its time, `12m`.
pub fn due_short(remaining_ms: i64) -> String {
    if remaining_ms >= 1000 { age(remaining_ms) } else { due(remaining_ms) }
}

/// Age of a check's last sample, coarser than [`age`] so that a row does
/// not change every second: `now` under 10 s, then 10 s steps (`10s`,
/// `20s` … `50s`), then minutes, hours and days like [`age`].
pub fn sample_age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..10 => "now".into(),
        10..60 => format!("{}s", s / 10 * 10),
        _ => age(ms),
    }
}

/// How long something took: `340ms` under a second, else like [`age`] (`12s`, `3m`).
pub fn took(ms: i64) -> String {
    if ms < 1000 { format!("{}ms", ms.max(0)) } else { age(ms) }
}

/// `s` cut to `width` characters (with `…` when cut) and padded to it.
pub fn fit(s: &str, width: usize) -> String {
    let cut = clip(s, width);
    let pad = width.saturating_sub(UnicodeWidthStr::width(cut.as_str()));
    format!("{cut}{}", " ".repeat(pad))
}

/// `parts` joined by `sep` into lines of at most `width` columns, breaking
/// only between parts (a part wider than a line is clipped).
pub fn joined_within(parts: &[String], sep: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in parts {
        match lines.last_mut() {
            Some(line)
                if UnicodeWidthStr::width(line.as_str()) + UnicodeWidthStr::width(sep) + UnicodeWidthStr::width(part.as_str()) <= width =>
            {
                line.push_str(sep);
                line.push_str(part);
            }
            _ => lines.push(clip(part, width)),
        }
    }
    lines
}

/// `s` broken into lines of at most `width` columns at spaces only (by
/// display width; never at a hyphen, which would change a command read off
/// the screen; a word longer than a line is split).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(1)).word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(s, options).into_iter().map(|l| l.into_owned()).collect()
}

/// How many terminal columns `s` takes (a CJK character or an emoji takes two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `width` terminal columns (a CJK character or an emoji
/// takes two), ending in `…` when cut.
pub fn clip(s: &str, width: usize) -> String {
    if UnicodeWidthStr::width(s) <= width {
        return s.to_string();
    }
    let room = width.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Wall-clock times are the core's, in the zone the state holds.
pub use opsdeck_core::format::clock;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_are_measured_by_their_columns() {
        assert_eq!(fit("支付网关", 10), "支付网关  ");
        assert_eq!(clip("支付网关健康", 7), "支付网…");
        assert_eq!(UnicodeWidthStr::width(fit("🚀 launch", 12).as_str()), 12);
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
    }

    fn u(s: &str) -> Option<Unit> {
        Unit::parse(s)
    }

    #[test]
    fn deadlines_read_as_people_say_them() {
        assert_eq!(due(125_000), "in 2m");
        assert_eq!(due(400), "due now");
        assert_eq!(due(-400), "due now");
        assert_eq!(due(-12_000), "overdue by 12s");
        assert_eq!(due(-3_700_000), "overdue by 1h");
        assert_eq!(due_short(125_000), "2m");
        assert_eq!(due_short(-12_000), "overdue by 12s");
    }

    #[test]
    fn formats_values_in_their_units() {
        assert_eq!(value(182.4, u("ms")), "182ms");
        assert_eq!(value(1240.0, u("ms")), "1.24s");
        assert_eq!(value(0.85, u("s")), "850ms");
        assert_eq!(value(0.004, u("ratio")), "0.4%");
        assert_eq!(value(21.34, u("d")), "21.3d");
        assert_eq!(value(536_870_912.0, u("B")), "512MiB");
        assert_eq!(value(1240.0, None), "1240");
        assert_eq!(value(0.12345, None), "0.123");
        assert_eq!(value(f64::NAN, None), "NaN");
    }

    #[test]
    fn values_fit_a_bounded_width() {
        assert_eq!(value(1e308, None), "1.0e308");
        assert_eq!(value(-1.7e308, None), "-1.7e308");
        assert_eq!(value(1e-9, None), "1.0e-9");
        assert_eq!(value(123_456_789.0, None), "123M");
        assert_eq!(value(f64::INFINITY, None), "inf");
        assert_eq!(value(1e308, u("ms")), "1.2e300d");
        assert_eq!(number(1e308), "1.0e308");
        // A column gets the same text when it fits, fewer digits when not.
        assert_eq!(value_within(1e308, None, 9), "1.0e308");
        assert_eq!(value_within(-4.9e-324, None, 8), "-5e-324");
        assert_eq!(value_within(1e300, u("B"), 8), "9e281EiB");
        assert_eq!(value_within(182.4, u("ms"), 8), "182ms");
    }

    #[test]
    fn ages_are_coarse() {
        assert_eq!(age(400), "now");
        assert_eq!(age(4_200), "4s");
        assert_eq!(age(200_000), "3m");
        assert_eq!(age(-5), "now");
    }

    #[test]
    fn sample_ages_tick_in_ten_second_steps() {
        assert_eq!(sample_age(9_900), "now");
        assert_eq!(sample_age(10_000), "10s");
        assert_eq!(sample_age(19_999), "10s");
        assert_eq!(sample_age(59_000), "50s");
        assert_eq!(sample_age(200_000), "3m");
    }
}
