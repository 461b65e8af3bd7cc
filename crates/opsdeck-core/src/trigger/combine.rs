//! `any`/`all`: the verdicts of a trigger's conditions folded into one.
//!
//! - `any` holds when one condition holds; otherwise it is pending when one
//!   is pending (the soonest to fire), unknown when one cannot be judged.
//! - `all` holds when every condition holds; a condition that does not hold
//!   decides first, then one that cannot be judged (so UNKNOWN is the only
//!   reason it is not firing), then the slowest pending one.

use crate::config::sections::Combine;

use super::tracker::Outcome;

pub fn combine(how: Combine, outcomes: &[Outcome]) -> Outcome {
    let holds: Vec<&str> = outcomes.iter().filter_map(|o| if let Outcome::Holds(t) = o { Some(t.as_str()) } else { None }).collect();
    let unknown: Vec<&str> = outcomes.iter().filter_map(|o| if let Outcome::Unknown(t) = o { Some(t.as_str()) } else { None }).collect();
    let pending = outcomes.iter().filter_map(|o| match o {
        Outcome::Pending { since_ms, needs_ms, text } => Some((*since_ms, *needs_ms, text.as_str())),
        _ => None,
    });
    match how {
        Combine::Any => {
            if !holds.is_empty() {
                return Outcome::Holds(holds.join("; "));
            }
            if let Some((since_ms, needs_ms, text)) = pending.min_by_key(|p| p.1) {
                return Outcome::Pending { since_ms, needs_ms, text: text.to_string() };
            }
            if !unknown.is_empty() {
                return Outcome::Unknown(unknown.join("; "));
            }
            Outcome::No
        }
        Combine::All => {
            if outcomes.is_empty() || outcomes.contains(&Outcome::No) {
                return Outcome::No;
            }
            if !unknown.is_empty() {
                return Outcome::Unknown(unknown.join("; "));
            }
            let pending: Vec<_> = pending.collect();
            if let Some(&(_, needs_ms, _)) = pending.iter().max_by_key(|p| p.1) {
                let since_ms = pending.iter().map(|p| p.0).max().unwrap_or_default();
                let mut parts: Vec<&str> = pending.iter().map(|p| p.2).collect();
                parts.extend(&holds);
                return Outcome::Pending { since_ms, needs_ms, text: parts.join(" and ") };
            }
            Outcome::Holds(holds.join(" and "))
        }
    }
}
