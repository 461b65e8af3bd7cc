//! Rollback and alert rules read from prose, offered as `[[trigger]]`
//! suggestions: bullets with a comparison (see the clause module) under a
//! heading, a label (a bold line, or a paragraph or bullet ending in `:`)
//! about rollback triggers or criteria (`Rollback Triggers`, `Roll back if
//! any of these occur:`) or about alerts (`Alert Configuration`, `Critical
//! Alerts (PagerDuty)`, `Alerting`). The nearest such label or heading is
//! the rule's context; a heading's context covers its subsections.

use super::clause::{self, placeholder};
use super::outline::Block;
use crate::import::ids::Ids;
use crate::import::model::TriggerOffer;

/// What a heading or label is about: `rollback` or `alert` rules, or neither.
fn kind(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let has_word = |w: &str| lower.split(|c: char| !c.is_alphanumeric()).any(|x| x == w);
    let rollback = ["rollback", "roll back", "roll-back", "rolling back", "abort"].iter().any(|w| lower.contains(w));
    let rule = ["trigger", "criteria", "criterion", "condition", "when", "if"].iter().any(|w| has_word(w) || has_word(&format!("{w}s")));
    if rollback && rule {
        return Some("rollback");
    }
    ["alert", "alerts", "alerting", "alarm", "alarms", "paging"].iter().any(|w| has_word(w)).then_some("alert")
}

/// Whether a paragraph or bullet is a label for what follows.
fn is_label(text: &str, bold: &Option<String>) -> bool {
    text.trim_end().ends_with(':') || bold.as_deref().is_some_and(|b| b == text || b.trim_end_matches(':') == text.trim_end_matches(':'))
}

/// The label text without its colon.
fn label_text(text: &str) -> String {
    text.trim().trim_end_matches(':').trim().to_string()
}

/// Every rule the outline holds under a rollback or alert heading or label.
/// Bullets longer than `max_len` bytes are not read as rules.
pub fn read(blocks: &[Block], max_len: usize) -> Vec<TriggerOffer> {
    let mut headings: Vec<(u8, String)> = Vec::new();
    let mut para_label: Option<String> = None;
    let mut bullet_labels: Vec<(usize, String)> = Vec::new();
    let mut ids = Ids::default();
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Heading { level, text, .. } => {
                headings.retain(|(l, _)| l < level);
                headings.push((*level, text.clone()));
                para_label = None;
                bullet_labels.clear();
            }
            Block::Para { text, bold, .. } => {
                para_label = is_label(text, bold).then(|| label_text(bold.as_deref().filter(|b| kind(b).is_some()).unwrap_or(text)));
                bullet_labels.clear();
            }
            Block::Table { .. } => {
                para_label = None;
                bullet_labels.clear();
            }
            Block::Bullet { depth, text, bold, line } => {
                bullet_labels.retain(|(d, _)| d < depth);
                if is_label(text, bold) {
                    bullet_labels.push((*depth, label_text(text)));
                    continue;
                }
                let context = bullet_labels
                    .iter()
                    .rev()
                    .map(|(_, t)| t)
                    .chain(para_label.as_ref())
                    .chain(headings.iter().rev().map(|(_, t)| t))
                    .find_map(|t| kind(t).map(|k| (k, t.clone())));
                let Some((kind, context)) = context else { continue };
                if text.len() > max_len {
                    continue;
                }
                if let Some(offer) = offer(kind, &context, text, *line, &mut ids) {
                    out.push(offer);
                }
            }
        }
    }
    out
}

fn offer(kind: &str, context: &str, text: &str, line: usize, ids: &mut Ids) -> Option<TriggerOffer> {
    let (conds, all) = clause::read(text);
    let mut when = Vec::new();
    let mut checks: Vec<String> = Vec::new();
    for c in &conds {
        let Some(check) = placeholder(&c.subject) else { continue };
        when.push(format!("{check} {}", c.rest));
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
    let first = checks.first()?;
    if when.is_empty() {
        return None;
    }
    let (id, _) = ids.claim(format!("{kind}-{}", first.trim_matches(['<', '>'])));
    let combine = if all { "all" } else { "any" };
    Some(TriggerOffer {
        id,
        kind: kind.to_string(),
        context: context.to_string(),
        when,
        combine: combine.to_string(),
        checks,
        text: text.to_string(),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::super::outline;
    use super::*;

    #[test]
    fn rules_under_rollback_and_alert_headings_and_labels() {
        let doc = "## Rollback Triggers\n\n- Error rate > 5% for 5 minutes\n- Data corruption detected\n\n## Notes\n\n- Latency > 2s\n\n**Roll back if any of these occur:**\n\n- 3 consecutive failed health checks\n\n## Alert Configuration\n\n### Critical Alerts (PagerDuty)\n\n- High error rates (>5%)\n\n### Warning Alerts (Slack)\n\n- High response times (>1s)\n";
        let t = read(&outline::read(doc), 500);
        let got: Vec<(&str, &str, &str, usize)> = t.iter().map(|t| (t.id.as_str(), t.kind.as_str(), t.when[0].as_str(), t.line)).collect();
        assert_eq!(
            got,
            [
                ("rollback-error-rate", "rollback", "<error-rate> > 5% for 5m", 3),
                ("rollback-health-check", "rollback", "<health-check> unreachable 3x", 12),
                ("alert-error-rate", "alert", "<error-rate> > 5%", 18),
                ("alert-response-time", "alert", "<response-time> > 1s", 22),
            ]
        );
        assert_eq!(t[1].context, "Roll back if any of these occur");
        assert_eq!(t[2].context, "Critical Alerts (PagerDuty)");
        assert_eq!(t[0].text, "Error rate > 5% for 5 minutes");
    }

    #[test]
    fn contexts() {
        assert_eq!(kind("Rollback Triggers"), Some("rollback"));
        assert_eq!(kind("Rollback criteria"), Some("rollback"));
        assert_eq!(kind("Rollback Plan"), None);
        assert_eq!(kind("Alerting"), Some("alert"));
        assert_eq!(kind("Budget Alerts"), Some("alert"));
        assert_eq!(kind("Monitoring"), None);
    }
}
