//! Severity order and labels, as the plan's `[[severity]]` list gives them:
//! the first severity listed is the most urgent.

use crate::config::Severity;

/// Position of a severity id in the plan (0 = most urgent); `None` if unknown.
pub fn rank(severities: &[Severity], id: &str) -> Option<usize> {
    severities.iter().position(|s| s.id == id)
}

/// The plan's entry for a severity id.
pub fn find<'a>(severities: &'a [Severity], id: &str) -> Option<&'a Severity> {
    severities.iter().find(|s| s.id == id)
}

/// `P0 Critical`, or the bare id when the plan does not know it.
pub fn label(severities: &[Severity], id: &str) -> String {
    match find(severities, id) {
        Some(s) if !s.name.is_empty() => format!("{} {}", s.id, s.name),
        _ => id.to_string(),
    }
}

/// How a change from one severity to another reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards more urgency (P1 → P0).
    Raised,
    /// Towards less urgency (P0 → P2).
    Lowered,
    /// Same severity, or one of the two is unknown to the plan.
    Changed,
}

pub fn direction(severities: &[Severity], from: &str, to: &str) -> Direction {
    match (rank(severities, from), rank(severities, to)) {
        (Some(a), Some(b)) if b < a => Direction::Raised,
        (Some(a), Some(b)) if b > a => Direction::Lowered,
        _ => Direction::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;

    #[test]
    fn first_listed_is_most_urgent() {
        let s = default_severities();
        assert_eq!(rank(&s, "P0"), Some(0));
        assert_eq!(rank(&s, "P3"), Some(3));
        assert_eq!(rank(&s, "SEV9"), None);
        assert_eq!(direction(&s, "P1", "P0"), Direction::Raised);
        assert_eq!(direction(&s, "P0", "P2"), Direction::Lowered);
        assert_eq!(direction(&s, "P0", "SEV9"), Direction::Changed);
    }

    #[test]
    fn labels_name_the_severity() {
        let s = default_severities();
        assert_eq!(label(&s, "P0"), "P0 Critical");
        assert_eq!(label(&s, "SEV9"), "SEV9");
    }
}
