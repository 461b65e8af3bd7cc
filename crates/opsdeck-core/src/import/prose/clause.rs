//! One rule sentence read into conditions over placeholder checks:
//! `Error rate > 5% for 5 minutes` → `<error-rate> > 5% for 5m`,
//! `High response times (>1s)` → `<response-time> > 1s`, `CPU above 80% for
//! 10 minutes` → `<cpu> > 80% for 10m`, `3 consecutive failed health checks` →
//! `<health-check> unreachable 3x`.
//!
//! A failed health check is one that did not pass, whether the target
//! answered that it is failing or did not answer at all, so `N consecutive
//! failed …` is `unreachable Nx` (opsdeck's `failed Nx` counts only failures
//! the target reports, and would never fire for a target that is down).
//! Thresholds relative to something else (`2x baseline`, `50% of normal`)
//! are not offered: opsdeck compares with numbers.

use super::words;
use crate::config::band::{Bound, CmpOp};
use crate::config::sections::slug;

/// A condition read from a clause: its subject (the check to bind) and the rest of the condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub subject: String,
    /// What follows the check in opsdeck's language: `> 5% for 5m`, `unreachable 3x`.
    pub rest: String,
}

/// Words that qualify a subject without naming it (`High error rates`).
const FILLER: &[&str] = &[
    "if",
    "when",
    "whenever",
    "the",
    "a",
    "an",
    "any",
    "high",
    "low",
    "elevated",
    "increased",
    "increasing",
    "sustained",
    "is",
    "are",
    "goes",
    "rises",
    "stays",
    "remains",
    "spikes",
    "spike",
    "of",
    "in",
    "on",
    "our",
    "total",
    "overall",
];

/// The placeholder check id for a subject: `<error-rate>` (the last word singular).
pub fn placeholder(subject: &str) -> Option<String> {
    let mut s = slug(subject);
    if s.ends_with('s') && !["ss", "us", "is"].iter().any(|e| s.ends_with(e)) && s.len() > 3 {
        s.pop();
    }
    (!s.is_empty()).then(|| format!("<{s}>"))
}

/// The subject left of a comparison, its qualifiers trimmed.
fn subject(before: &str) -> String {
    let cleaned: String = before.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '/' { c } else { ' ' }).collect();
    let mut ws: Vec<&str> = cleaned.split_whitespace().collect();
    while ws.first().is_some_and(|w| FILLER.contains(&w.to_lowercase().as_str())) {
        ws.remove(0);
    }
    while ws.last().is_some_and(|w| FILLER.contains(&w.to_lowercase().as_str())) {
        ws.pop();
    }
    ws.join(" ")
}

/// The hold duration after a threshold: `for 5 minutes`, `over 10 minutes`, `for more than 2m`.
fn held_for(after: &str) -> Option<String> {
    let lower = after.to_ascii_lowercase();
    for lead in ["for", "over", "lasting", "sustained for", "sustained", "during"] {
        for (i, _) in lower.match_indices(lead) {
            let boundary = i == 0 || !lower[..i].ends_with(char::is_alphanumeric);
            let rest = &after[i + lead.len()..];
            if !boundary || !rest.starts_with(' ') {
                continue;
            }
            let mut rest = rest.trim_start();
            for filler in ["more than ", "longer than ", "at least ", "over ", "the last ", "the past ", "a period of "] {
                if rest.get(..filler.len()).is_some_and(|p| p.eq_ignore_ascii_case(filler)) {
                    rest = &rest[filler.len()..];
                }
            }
            if let Some((span, _)) = words::split_span(rest) {
                return Some(span.to_string());
            }
        }
    }
    None
}

/// `N consecutive failed health checks`, `health check fails 3 times in a row`.
fn failures(clause: &str) -> Option<Cond> {
    let lower = clause.to_lowercase();
    let repeated = ["consecutive", "in a row", "successive", "times"].iter().any(|w| lower.contains(w));
    if !lower.contains("fail") || !repeated {
        return None;
    }
    let times = words::word_starts(clause).find_map(|i| {
        let first = clause[i..].split(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_ascii_lowercase();
        if first == "a" || first == "an" {
            return None;
        }
        let (n, rest) = words::split_count(&clause[i..])?;
        let not_span = words::split_span(&clause[i..]).is_none();
        (n > 0 && n < 1000 && not_span && !rest.starts_with(['%', '.'])).then_some(n)
    })?;
    let noise = ["consecutive", "successive", "in", "a", "row", "times", "time", "of", "the"];
    let kept: Vec<String> = clause
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .filter(|w| !w.is_empty())
        .filter(|w| {
            let l = w.to_lowercase();
            !l.starts_with("fail") && !noise.contains(&l.as_str()) && words::split_count(w).is_none_or(|(_, r)| !r.is_empty())
        })
        .map(String::from)
        .collect();
    let subject = subject(&kept.join(" "));
    (!subject.is_empty()).then(|| Cond { subject, rest: format!("unreachable {times}x") })
}

/// The first comparison in a clause: subject, bound and what follows.
fn comparison(clause: &str) -> Option<(String, Bound, String)> {
    for (i, c) in clause.char_indices() {
        let boundary = i == 0 || !clause[..i].ends_with(char::is_alphanumeric);
        if !boundary && c.is_alphanumeric() {
            continue;
        }
        let Some((op, rest)) = words::split_op(&clause[i..]) else { continue };
        let rest = rest.trim_start_matches('~').trim_start();
        let Some((value, after_number)) = words::split_number(rest) else { continue };
        let (unit, after) = words::split_unit(after_number);
        let next = after.trim_start().to_lowercase();
        let relative = unit.is_none() && (after.starts_with(['x', 'X', '×']) || next.starts_with("times"));
        let baseline = ["baseline", "normal", "previous", "average", "of "].iter().any(|w| next.starts_with(w))
            || next.split_whitespace().take(3).any(|w| w.starts_with("baseline"));
        if relative || baseline || op == CmpOp::Ne {
            return None;
        }
        return Some((subject(&clause[..i]), Bound { op, value, unit }, after.to_string()));
    }
    None
}

/// One clause as a condition; `inherited` is the subject of the clause before.
fn condition(clause: &str, inherited: Option<&str>) -> Option<Cond> {
    if let Some(c) = comparison(clause) {
        let (subject, bound, after) = c;
        let subject = if subject.is_empty() { inherited?.to_string() } else { subject };
        let rest = match held_for(&after) {
            Some(d) => format!("{bound} for {d}"),
            None => bound.to_string(),
        };
        return Some(Cond { subject, rest });
    }
    failures(clause)
}

/// The conditions of a rule sentence, and whether all must hold (`… and …`).
pub fn read(sentence: &str) -> (Vec<Cond>, bool) {
    // Clauses, with the word that joins each to the one before it.
    let mut clauses: Vec<(String, &str)> = Vec::new();
    let mut rest = sentence;
    let mut joiner = "";
    loop {
        let cut = [", or ", ", and ", " or ", " and ", "; ", ", "]
            .iter()
            .filter_map(|sep| rest.find(sep).map(|i| (i, *sep)))
            .min_by_key(|&(i, sep)| (i, usize::MAX - sep.len()));
        match cut {
            Some((i, sep)) => {
                clauses.push((rest[..i].to_string(), joiner));
                joiner = sep.trim().trim_start_matches(',').trim();
                rest = &rest[i + sep.len()..];
            }
            None => {
                clauses.push((rest.to_string(), joiner));
                break;
            }
        }
    }
    // A clause with no rule of its own belongs with its neighbour: `…, sustained
    // for 5 minutes` with the one before, `CPU and memory above 80%` with the one after.
    let has_rule = |c: &str| condition(c, Some("x")).is_some();
    let joined = |a: &str, join: &str, b: &str| match join {
        "" => format!("{a}, {b}"),
        ";" => format!("{a}; {b}"),
        word => format!("{a} {word} {b}"),
    };
    let mut merged: Vec<(String, &str)> = Vec::new();
    let mut pending: Option<String> = None;
    for (text, join) in clauses {
        let text = match pending.take() {
            Some(p) => joined(&p, join, &text),
            None => text,
        };
        if has_rule(&text) {
            merged.push((text, join));
        } else if let Some(last) = merged.last_mut() {
            last.0 = joined(&last.0, join, &text);
        } else {
            pending = Some(text);
        }
    }
    let all = merged.iter().skip(1).any(|(_, j)| *j == "and") && !merged.iter().skip(1).any(|(_, j)| *j == "or");
    let mut out: Vec<Cond> = Vec::new();
    for (text, _) in &merged {
        let inherited = out.last().map(|c| c.subject.clone());
        if let Some(c) = condition(text, inherited.as_deref()) {
            out.push(c);
        }
    }
    let all = all && out.len() > 1;
    (out, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conds(s: &str) -> Vec<String> {
        read(s).0.iter().map(|c| format!("{} {}", placeholder(&c.subject).unwrap_or_default(), c.rest)).collect()
    }

    #[test]
    fn comparisons_keep_threshold_and_duration() {
        assert_eq!(conds("Error rate > 5% for 5 minutes"), ["<error-rate> > 5% for 5m"]);
        assert_eq!(conds("Response time > 5 seconds"), ["<response-time> > 5s"]);
        assert_eq!(conds("CPU above 80% for 10 minutes"), ["<cpu> > 80% for 10m"]);
        assert_eq!(conds("High error rates (>5%)"), ["<error-rate> > 5%"]);
        assert_eq!(conds("p99 latency exceeds 2000ms for more than 3 minutes"), ["<p99-latency> > 2000ms for 3m"]);
        assert_eq!(conds("Error rate > 5%, sustained for 5 minutes"), ["<error-rate> > 5% for 5m"]);
        assert_eq!(conds("Queue depth over 10,000 messages"), ["<queue-depth> > 10000"]);
    }

    #[test]
    fn failures_in_a_row_count_no_answer_too() {
        assert_eq!(conds("3 consecutive failed health checks"), ["<health-check> unreachable 3x"]);
        assert_eq!(conds("Health check fails 5 times in a row"), ["<health-check> unreachable 5x"]);
        assert_eq!(conds("three consecutive health check failures"), ["<health-check> unreachable 3x"]);
    }

    #[test]
    fn several_clauses_and_inherited_subjects() {
        let (c, all) = read("Error rate > 5% for 5 minutes or > 10% for 1 minute");
        assert_eq!(c.len(), 2);
        assert_eq!((c[1].subject.as_str(), c[1].rest.as_str(), all), ("Error rate", "> 10% for 1m", false));
        let (c, all) = read("Error rate above 2% and p95 latency above 1 second");
        assert_eq!((c.len(), all), (2, true));
        assert_eq!(conds("CPU and memory above 80%"), ["<cpu-and-memory> > 80%"]);
    }

    #[test]
    fn no_comparison_or_a_relative_one_is_no_rule() {
        assert!(conds("Database connectivity issues").is_empty());
        assert!(conds("Error rate above 2x baseline").is_empty());
        assert!(conds("Latency > 50% of normal").is_empty());
        assert!(conds("Alert at 80% ($120)").is_empty());
        assert!(conds("").is_empty());
    }
}
