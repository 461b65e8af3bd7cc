//! Metric tables offered as bands: a header like `Metric | Target | Acceptable |
//! Critical`, `Metric | Target | Warning | Critical` or `Metric | Target | Alert
//! Threshold`; the alert column counts as critical. Thresholds may be written
//! in words (`under 200 ms`, `> 90 percent`).
//!
//! A `Warning` cell names where warning starts, so it becomes the acceptable
//! boundary: with lower is better (a `<` target or a `>` critical), `> 500ms`
//! in the Warning column is `acceptable = "<= 500ms"` (up to 500 ms is still
//! acceptable; above it the check is degraded, above critical, critical); a
//! bare `500ms` is `< 500ms`. A Warning cell already written in the good
//! direction (`< 500ms`) is taken as it is.

use super::model::{BandRow, Threshold};
use super::prose::words;
use super::text::clean;
use crate::config::band::{Bound, CmpOp};

/// Which column holds which threshold.
struct Columns {
    target: Option<usize>,
    acceptable: Option<usize>,
    critical: Option<usize>,
    /// The acceptable column is a `Warning` column.
    warning: bool,
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
    let written = find(&|k| k.starts_with("acceptable"));
    let warning_col = find(&|k| k.starts_with("warn"));
    let acceptable = written.or(warning_col);
    let critical = find(&|k| k.starts_with("critical")).or_else(|| find(&|k| k.starts_with("alert")));
    let full = acceptable.is_some() && critical.is_some();
    let alert = acceptable.is_none() && critical.is_some();
    let warning = written.is_none() && warning_col.is_some();
    (target.is_some() && (full || alert)).then_some(Columns { target, acceptable, critical, warning })
}

fn cell(row: &[String], col: Option<usize>) -> Option<(String, Option<Bound>)> {
    let text = clean(row.get(col?)?);
    if text.is_empty() {
        return None;
    }
    let bound = words::bound(&text);
    Some((text, bound))
}

fn threshold(cell: Option<(String, Option<Bound>)>) -> Option<Threshold> {
    cell.map(|(text, bound)| Threshold { text, bound: bound.map(|b| b.to_string()), note: None })
}

fn is_below(op: CmpOp) -> bool {
    matches!(op, CmpOp::Lt | CmpOp::Le)
}

/// The acceptable boundary a Warning cell names, given which way is good.
fn from_warning(cell: Option<(String, Option<Bound>)>, good_is_below: Option<bool>) -> Option<Threshold> {
    let (text, bound) = cell?;
    let flip = |op| match op {
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        other => other,
    };
    let derived = match (bound, good_is_below) {
        (Some(b), Some(below)) if matches!(b.op, CmpOp::Eq | CmpOp::Ne) || is_below(b.op) == below => Some(b),
        (Some(b), Some(_)) => Some(Bound { op: flip(b.op), ..b }),
        (Some(_), None) | (None, None) => None,
        // A bare value (`500ms`): warning starts there.
        (None, Some(below)) => {
            let op = if below { "<" } else { ">" };
            words::bound(&format!("{op} {}", text.trim_matches(|c: char| c == '*' || c == '_' || c.is_whitespace())))
        }
    };
    let note = derived.as_ref().map(|_| format!("from Warning \"{text}\""));
    Some(Threshold { text, bound: derived.map(|b| b.to_string()), note })
}

/// Band rows of a table, or nothing when its header is not a metric header.
pub fn from_table(header: &[String], rows: &[(usize, Vec<String>)]) -> Vec<BandRow> {
    let Some(cols) = columns(header) else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|(line, row)| {
            let name = clean(row.first()?);
            if name.is_empty() {
                return None;
            }
            let target = cell(row, cols.target);
            let critical = cell(row, cols.critical);
            let good_is_below = match (&target, &critical) {
                (Some((_, Some(t))), _) if !matches!(t.op, CmpOp::Eq | CmpOp::Ne) => Some(is_below(t.op)),
                (_, Some((_, Some(c)))) if !matches!(c.op, CmpOp::Eq | CmpOp::Ne) => Some(!is_below(c.op)),
                _ => None,
            };
            let acceptable =
                if cols.warning { from_warning(cell(row, cols.acceptable), good_is_below) } else { threshold(cell(row, cols.acceptable)) };
            Some(BandRow { name, line: *line, target: threshold(target), acceptable, critical: threshold(critical) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::band::Band;
    use crate::config::units::Unit;

    fn row(cells: &[&str]) -> (usize, Vec<String>) {
        (3, cells.iter().map(|c| c.to_string()).collect())
    }

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_warning_column_is_the_acceptable_boundary_and_the_band_is_valid() {
        let h = header(&["Metric", "Target", "Warning", "Critical"]);
        let rows = [
            row(&["Latency", "< 200ms", "> 500ms", "> 1 second"]),
            row(&["Uptime", "at least 99.9%", "below 99.5%", "< 99%"]),
            row(&["Queue", "under 100", "1000", "above 5000"]),
            row(&["Errors", "< 1%", "< 2%", "> 5%"]),
        ];
        let bands = from_table(&h, &rows);
        let bound = |t: &Option<Threshold>| t.as_ref().and_then(|t| t.bound.clone());
        let got: Vec<_> = bands.iter().map(|b| (bound(&b.target), bound(&b.acceptable), bound(&b.critical))).collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            got,
            [
                (s("< 200ms"), s("<= 500ms"), s("> 1s")),
                (s(">= 99.9%"), s(">= 99.5%"), s("< 99%")),
                (s("< 100"), s("< 1000"), s("> 5000")),
                (s("< 1%"), s("< 2%"), s("> 5%")),
            ]
        );
        assert_eq!(bands[0].acceptable.as_ref().and_then(|t| t.note.clone()).as_deref(), Some("from Warning \"> 500ms\""));
        assert_eq!(bands[3].acceptable.as_ref().and_then(|t| t.note.clone()).as_deref(), Some("from Warning \"< 2%\""));
        // Each offered band is one opsdeck accepts, judging values the way the table means.
        let units = [Unit::parse("ms"), Unit::parse("%"), None, Unit::parse("%")];
        for (b, unit) in bands.iter().zip(units) {
            let parse = |t: &Option<Threshold>| bound(t).map(|s| s.parse().expect("a bound"));
            let band = Band { target: parse(&b.target), acceptable: parse(&b.acceptable), critical: parse(&b.critical) };
            let resolved = band.resolve(unit).unwrap_or_else(|e| panic!("{}: {e:?}", b.name));
            if b.name == "Latency" {
                use crate::config::band::BandLevel::*;
                let levels: Vec<_> = [100.0, 400.0, 500.0, 700.0, 1500.0].iter().map(|v| resolved.classify(*v)).collect();
                assert_eq!(levels, [Ok, Acceptable, Acceptable, Degraded, Critical]);
            }
        }
    }

    #[test]
    fn without_a_direction_a_bare_warning_stays_text() {
        let bands = from_table(&header(&["Metric", "Target", "Warning", "Critical"]), &[row(&["Uptime", "99.9%", "99.5%", "99%"])]);
        assert_eq!(bands[0].acceptable, Some(Threshold { text: "99.5%".into(), bound: None, note: None }));
    }
}
