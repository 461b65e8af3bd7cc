//! Rules written in prose, read in a pass of their own over the document:
//! severity definitions offered as `[[severity]]` entries, rollback and
//! alert rules offered as `[[trigger]]` suggestions over placeholder checks,
//! and thresholds and durations written in words (also used by metric tables).

mod clause;
mod outline;
mod rules;
mod severities;
pub mod words;

use super::model::Imported;

/// The longest bullet read as a rule: a rule is a sentence, and this bounds the work on any input.
const MAX_RULE: usize = 500;

/// Adds the severities and triggers `src` offers (and warnings about
/// definitions that could not be read) to `doc`.
pub fn read(src: &str, doc: &mut Imported) {
    let blocks = outline::read(src);
    let (severities, warnings) = severities::read(&blocks);
    doc.severities = severities;
    doc.triggers = rules::read(&blocks, MAX_RULE);
    for w in warnings {
        let at = doc.warnings.partition_point(|x| x.line <= w.line);
        doc.warnings.insert(at, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_text_is_read_without_panicking() {
        let odd = [
            "## Alerts\n\n- İİİ > 5 İ for İİ\n- K above 5K for 5 K\n- > \n- ≥≥≥ 5\n- 3 consecutive\n- fails 0 times in a row\n- a > 1e400%\n",
            "## Rollback triggers\n\n- x > 5,\n- , and , or ;\n- over 5 minutes for over for\n- > 5% for 99999999999999999999 days\n",
            "### P1 - İ\n\n- Response time: İ minutes\n- Respond within 5 parsecs\n\n| Severity | Response |\n|---|---|\n| P0 |\n| | 5m |\n",
            "**P9**\n- respond in 0 minutes\n\n- **SEV-9 –** ack\n  - ack 1 hour\n",
        ];
        for doc in odd {
            let mut out = Imported::default();
            read(doc, &mut out);
            for t in &out.triggers {
                for w in &t.when {
                    assert!(w.parse::<crate::config::condition::Condition>().is_ok(), "offered condition `{w}` parses");
                }
            }
        }
    }
}
