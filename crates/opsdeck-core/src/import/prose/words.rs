//! Thresholds and durations written in words: `< 1 second`, `under 200 ms`,
//! `less than 2 seconds`, `above 5%`, `for 5 minutes`, `an hour`, read into
//! opsdeck's bounds (`< 1s`) and durations (`5m`). Unit words become opsdeck
//! units: seconds `s`, milliseconds `ms`, minutes `m`, hours `h`, days `d`,
//! percent `%`; a number with no unit word (or a word that is no unit, like
//! `messages`) is a bare number.

use crate::config::band::{Bound, CmpOp};
use crate::config::duration::TimeSpan;
use crate::config::units::Unit;

/// Comparison phrases, longest first so `less than or equal to` wins over `less than`.
const OPS: &[(&str, CmpOp)] = &[
    ("less than or equal to", CmpOp::Le),
    ("greater than or equal to", CmpOp::Ge),
    ("no more than", CmpOp::Le),
    ("not more than", CmpOp::Le),
    ("no less than", CmpOp::Ge),
    ("not less than", CmpOp::Ge),
    ("greater than", CmpOp::Gt),
    ("higher than", CmpOp::Gt),
    ("more than", CmpOp::Gt),
    ("larger than", CmpOp::Gt),
    ("slower than", CmpOp::Gt),
    ("less than", CmpOp::Lt),
    ("lower than", CmpOp::Lt),
    ("fewer than", CmpOp::Lt),
    ("faster than", CmpOp::Lt),
    ("smaller than", CmpOp::Lt),
    ("drops below", CmpOp::Lt),
    ("falls below", CmpOp::Lt),
    ("goes above", CmpOp::Gt),
    ("rises above", CmpOp::Gt),
    ("at most", CmpOp::Le),
    ("at least", CmpOp::Ge),
    ("up to", CmpOp::Le),
    ("maximum", CmpOp::Le),
    ("minimum", CmpOp::Ge),
    ("exceeding", CmpOp::Gt),
    ("exceeds", CmpOp::Gt),
    ("exceed", CmpOp::Gt),
    ("above", CmpOp::Gt),
    ("below", CmpOp::Lt),
    ("under", CmpOp::Lt),
    ("over", CmpOp::Gt),
    ("max", CmpOp::Le),
    ("min", CmpOp::Ge),
    ("<=", CmpOp::Le),
    (">=", CmpOp::Ge),
    ("≤", CmpOp::Le),
    ("≥", CmpOp::Ge),
    ("=<", CmpOp::Le),
    ("=>", CmpOp::Ge),
    ("<", CmpOp::Lt),
    (">", CmpOp::Gt),
];

/// The opsdeck unit symbol a unit word stands for.
fn unit_symbol(word: &str) -> Option<&'static str> {
    let w = word.trim_end_matches(['.', ',', ';', ')']).to_lowercase();
    Some(match w.as_str() {
        "%" | "percent" | "per cent" | "pct" => "%",
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => "ms",
        "us" | "µs" | "microsecond" | "microseconds" => "us",
        "s" | "sec" | "secs" | "second" | "seconds" => "s",
        "m" | "min" | "mins" | "minute" | "minutes" => "m",
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "d" | "day" | "days" => "d",
        "kb" => "KB",
        "mb" => "MB",
        "gb" => "GB",
        "kib" => "KiB",
        "mib" => "MiB",
        "gib" => "GiB",
        _ => return None,
    })
}

/// A comparison phrase at the start of `s` (case-insensitive): the operator
/// and the rest. Word phrases must end at a word boundary (`under`, not `understand`).
pub fn split_op(s: &str) -> Option<(CmpOp, &str)> {
    for (phrase, op) in OPS {
        if s.get(..phrase.len()).is_some_and(|p| p.eq_ignore_ascii_case(phrase)) {
            let rest = &s[phrase.len()..];
            let symbol = !phrase.chars().next().is_some_and(char::is_alphabetic);
            if symbol || rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric()) {
                return Some((*op, rest.trim_start()));
            }
        }
    }
    None
}

/// A number at the start of `s` (`5`, `0.5`, `1,000`, `1_000`): its value and the rest.
pub fn split_number(s: &str) -> Option<(f64, &str)> {
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            let digit_follows = s[i + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit());
            !(c.is_ascii_digit() || ((c == '.' || c == ',' || c == '_') && i > 0 && digit_follows))
        })
        .map_or(s.len(), |(i, _)| i);
    let number = &s[..end];
    if number.is_empty() {
        return None;
    }
    let value: f64 = number.replace([',', '_'], "").parse().ok()?;
    value.is_finite().then_some((value, &s[end..]))
}

/// A unit right after a number (`5%`, `5 %`, `200ms`, `2 seconds`): the unit and the rest.
/// A following word that is no unit is left in the rest.
pub fn split_unit(s: &str) -> (Option<Unit>, &str) {
    let attached = !s.starts_with(char::is_whitespace);
    let t = s.trim_start();
    let end = t.find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')' | '(' | '/')).unwrap_or(t.len());
    let word = &t[..end];
    let word_trimmed = word.trim_end_matches('.');
    // `5%` and `5 %`, but a lone `m` or `s` must touch the number (`5 m` may be a word).
    if let Some(sym) = unit_symbol(word_trimmed)
        && (attached || word_trimmed.chars().count() > 1 || sym == "%")
    {
        return (Unit::parse(sym), &t[word.len()..]);
    }
    (None, s)
}

/// A threshold cell or phrase as a bound: `< 200ms` as opsdeck writes it, or
/// in words (`under 200 ms`, `less than 2 seconds`, `> 90 percent`); a
/// trailing note in parentheses (`< 1s (p95)`) is ignored. `None` when the
/// whole text is not one comparison.
pub fn bound(text: &str) -> Option<Bound> {
    let t = text.trim();
    let t = match t.find('(') {
        Some(i) if i > 0 && t.ends_with(')') => t[..i].trim_end(),
        _ => t,
    };
    let t = t.trim_matches(|c: char| c == '*' || c == '_' || c == '`').trim();
    if let Ok(b) = t.parse::<Bound>() {
        return Some(b);
    }
    let (op, rest) = split_op(t)?;
    let rest = rest.trim_start_matches('~').trim_start();
    let (value, rest) = split_number(rest)?;
    let (unit, rest) = split_unit(rest);
    rest.trim().is_empty().then_some(Bound { op, value, unit })
}

/// Small numbers written as words (`three consecutive failures`, `an hour`).
fn number_word(w: &str) -> Option<u64> {
    Some(match w.to_lowercase().as_str() {
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "fifteen" => 15,
        "twenty" => 20,
        "thirty" => 30,
        "sixty" => 60,
        _ => return None,
    })
}

/// A count at the start of `s`, in digits or words: the count and the rest.
pub fn split_count(s: &str) -> Option<(u64, &str)> {
    if let Some((v, rest)) = split_number(s) {
        return (v.fract() == 0.0 && (0.0..1e9).contains(&v)).then_some((v as u64, rest));
    }
    let end = s.find(|c: char| !c.is_alphabetic()).unwrap_or(s.len());
    number_word(&s[..end]).map(|n| (n, &s[end..]))
}

/// A duration at the start of `s` (`5 minutes`, `30s`, `an hour`, `1.5 hours`,
/// `10+ minutes`): the span and the rest.
pub fn split_span(s: &str) -> Option<(TimeSpan, &str)> {
    let s = s.trim_start();
    let (value, rest) = match split_number(s) {
        Some(v) => v,
        None => {
            let (n, rest) = split_count(s)?;
            (n as f64, rest)
        }
    };
    let rest = rest.strip_prefix('+').unwrap_or(rest);
    let (unit, rest) = split_unit(rest);
    let unit = unit?;
    let secs = unit.convert(value, Unit::parse("s")?)?;
    if !(secs > 0.0 && secs <= crate::config::duration::MAX_SPAN.as_secs_f64()) {
        return None;
    }
    let ms = (secs * 1000.0).round() as u64;
    Some((TimeSpan::from_millis(ms), rest))
}

/// The first duration anywhere in `s`, with what follows it.
pub fn find_span(s: &str) -> Option<(TimeSpan, &str)> {
    word_starts(s).find_map(|i| split_span(&s[i..]))
}

/// Byte offsets where a word or number starts in `s`.
pub fn word_starts(s: &str) -> impl Iterator<Item = usize> + '_ {
    s.char_indices()
        .filter(move |&(i, c)| c.is_alphanumeric() && !s[..i].ends_with(|p: char| p.is_alphanumeric() || p == '.'))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Option<String> {
        bound(s).map(|b| b.to_string())
    }

    #[test]
    fn thresholds_in_words_become_bounds() {
        assert_eq!(b("< 1 second").as_deref(), Some("< 1s"));
        assert_eq!(b("under 200 ms").as_deref(), Some("< 200ms"));
        assert_eq!(b("> 90%").as_deref(), Some("> 90%"));
        assert_eq!(b("less than 2 seconds").as_deref(), Some("< 2s"));
        assert_eq!(b("above 5%").as_deref(), Some("> 5%"));
        assert_eq!(b("Above 5 percent").as_deref(), Some("> 5%"));
        assert_eq!(b("at least 99.9%").as_deref(), Some(">= 99.9%"));
        assert_eq!(b("≤ 500 milliseconds").as_deref(), Some("<= 500ms"));
        assert_eq!(b("< 1,000").as_deref(), Some("< 1000"));
        assert_eq!(b("**< 1s** (p95)").as_deref(), Some("< 1s"));
        assert_eq!(b("<300ms").as_deref(), Some("< 300ms"));
        assert_eq!(b("> 2 minutes").as_deref(), Some("> 2m"));
    }

    #[test]
    fn what_is_not_one_comparison_stays_text() {
        assert_eq!(b("99.95%"), None);
        assert_eq!(b("under review"), None);
        assert_eq!(b("understood 5"), None);
        assert_eq!(b("< 2x baseline"), None);
        assert_eq!(b("fast"), None);
        assert_eq!(b(""), None);
    }

    #[test]
    fn durations_in_words() {
        let span = |s: &str| split_span(s).map(|(t, rest)| (t.to_string(), rest.to_string()));
        assert_eq!(span("5 minutes in a row"), Some(("5m".into(), " in a row".into())));
        assert_eq!(span("an hour"), Some(("1h".into(), String::new())));
        assert_eq!(span("30s"), Some(("30s".into(), String::new())));
        assert_eq!(span("10+ minutes"), Some(("10m".into(), String::new())));
        assert_eq!(span("1.5 hours"), Some(("1h30m".into(), String::new())));
        assert_eq!(span("500ms"), Some(("500ms".into(), String::new())));
        assert_eq!(span("5 errors"), None);
        assert_eq!(span("0 minutes"), None);
        assert_eq!(find_span("Acknowledge in 30 min").map(|(t, _)| t.to_string()).as_deref(), Some("30m"));
        assert_eq!(split_count("three consecutive").map(|(n, _)| n), Some(3));
    }
}
