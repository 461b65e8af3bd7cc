//! Section anchors as GitHub makes them: the heading text lowercased, every
//! character but letters, digits, spaces, `-` and `_` dropped, spaces turned
//! into `-`; a repeated anchor gets `-1`, `-2`… in document order. A link
//! `guide.md#database-issues` names the same section on GitHub and here.

use std::collections::HashMap;

/// The anchor of one heading text, before de-duplication.
pub fn anchor(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    for c in heading.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c == ' ' {
            out.push('-');
        }
    }
    out
}

/// Whether `wanted` (as written after `#`) names `anchor`: exactly, or
/// ignoring case and the leading or trailing `-` that an emoji leaves.
pub fn names(wanted: &str, anchor: &str) -> bool {
    let wanted = wanted.trim().to_lowercase();
    wanted == anchor || wanted.trim_matches('-') == anchor.trim_matches('-')
}

/// Hands out the anchors of one document, numbering repeats as GitHub does.
#[derive(Default)]
pub struct Anchors {
    seen: HashMap<String, usize>,
}

impl Anchors {
    pub fn next(&mut self, heading: &str) -> String {
        let base = anchor(heading);
        let n = self.seen.entry(base.clone()).or_insert(0);
        let out = if *n == 0 { base } else { format!("{base}-{n}") };
        *n += 1;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("Database Issues"), "database-issues");
        assert_eq!(anchor("🎯 Production Checklist"), "-production-checklist");
        assert_eq!(anchor("Step 2: Run the migration (v1.2)"), "step-2-run-the-migration-v12");
        assert_eq!(anchor("CI/CD Pipeline"), "cicd-pipeline");
        assert_eq!(anchor("snake_case and-dash"), "snake_case-and-dash");
        let mut a = Anchors::default();
        assert_eq!([a.next("Rollback"), a.next("Rollback"), a.next("Rollback")], ["rollback", "rollback-1", "rollback-2"]);
        assert!(names("production-checklist", "-production-checklist"));
        assert!(names("Database-Issues", "database-issues"));
        assert!(!names("database", "database-issues"));
    }
}
