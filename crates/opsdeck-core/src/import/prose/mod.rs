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
