//! Metric tables offered as bands: a header like `Metric | Target | Acceptable |
//! Critical` or `Metric | Target | Alert Threshold`; the alert column counts as critical.

use super::model::{BandRow, Threshold};
use super::text::clean;
use crate::config::band::Bound;

/// Which column holds which threshold.
struct Columns {
    target: Option<usize>,
    acceptable: Option<usize>,
    critical: Option<usize>,
}

fn header_key(cell: &str) -> String {
    clean(cell).trim_matches(|c: char| c == '*' || c == '_' || c == ':' || c.is_whitespace()).to_lowercase()
}

fn columns(header: &[String]) -> Option<Columns> {
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    if !keys.first()?.starts_with("metric") {
        return None;
    }
    let find = |pred: &dyn Fn(&str) -> bool| keys.iter().skip(1).position(|k| pred(k)).map(|i| i + 1);
    let target = find(&|k| k.starts_with("target"));
    let acceptable = find(&|k| k.starts_with("acceptable"));
    let critical = find(&|k| k.starts_with("critical")).or_else(|| find(&|k| k.starts_with("alert")));
    let full = acceptable.is_some() && critical.is_some();
    let alert = acceptable.is_none() && critical.is_some();
    (target.is_some() && (full || alert)).then_some(Columns { target, acceptable, critical })
}

fn threshold(row: &[String], col: Option<usize>) -> Option<Threshold> {
    let text = clean(row.get(col?)?);
    if text.is_empty() {
        return None;
    }
    let bound = text.parse::<Bound>().ok().map(|b| b.to_string());
    Some(Threshold { text, bound })
}

/// Band rows of a table, or nothing when its header is not a metric header.
pub fn from_table(header: &[String], rows: &[(usize, Vec<String>)]) -> Vec<BandRow> {
    let Some(cols) = columns(header) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|(line, row)| {
            let name = clean(row.first()?);
            (!name.is_empty()).then(|| BandRow {
                name,
                line: *line,
                target: threshold(row, cols.target),
                acceptable: threshold(row, cols.acceptable),
                critical: threshold(row, cols.critical),
            })
        })
        .collect()
}
