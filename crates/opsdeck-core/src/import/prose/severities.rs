//! Severity definitions read from prose, offered as `[[severity]]` entries:
//! a table with a severity/level/priority column and a response-time column,
//! or a heading (`### P1 - High`), bold line (`**SEV2: Major**`), line or
//! bullet that starts with a severity id, followed by lines one of which
//! names a response time (`Response time: 15 minutes`, `respond within 1
//! hour`, `Acknowledge in 30 min`). The other lines are the criteria
//! (`description`); a line naming updates (`Updates every 30 minutes`) is
//! `update_every`.
//!
//! Ids are `P0`–`P9` and `SEV0`–`SEV9` (also written `SEV-1`, `Sev 1`,
//! `Severity 1`, `Priority 1` → `P1`). "Immediate" (also "immediately",
//! "ASAP", "right away") is read as `5m`, the shortest deadline a person can
//! meet when paged (a deadline must be positive); "next business day" (or
//! "1 business day") is opsdeck's own `next business day`.

use std::collections::HashSet;

use super::outline::Block;
use super::words;
use crate::import::model::{SeverityOffer, Warning};

/// The deadline "immediate" stands for.
pub const IMMEDIATE: &str = "5m";

/// A severity id in `token` (`P1`, `SEV-2`, `(P0)`), upper-cased without separators.
fn id_token(token: &str) -> Option<String> {
    let t = token.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
    let upper = t.to_ascii_uppercase();
    let digit = |rest: &str| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_digit());
    if let Some(rest) = t.strip_prefix('P')
        && digit(rest)
    {
        return Some(upper);
    }
    let rest = upper.strip_prefix("SEV")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    digit(rest).then(|| format!("SEV{rest}"))
}

/// The id and name a severity head names: `P1 - High` → (`P1`, `High`),
/// `Critical (P0)` → (`P0`, `Critical`), `Severity 2: Major` → (`SEV2`, `Major`).
pub fn head(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (at, len, id) = words.iter().enumerate().find_map(|(i, w)| {
        if let Some(id) = id_token(w) {
            return Some((i, 1, id));
        }
        let next = words.get(i + 1)?;
        let n = next.trim_matches(|c: char| !c.is_alphanumeric());
        let digit = n.len() == 1 && n.chars().all(|c| c.is_ascii_digit());
        let prefix = match w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase().as_str() {
            "sev" | "severity" => "SEV",
            "priority" => "P",
            _ => return None,
        };
        digit.then(|| (i, 2, format!("{prefix}{n}")))
    })?;
    // The id leads the head (after an emoji, say), or sits in it in parentheses (`Critical (P0)`).
    let symbol = |w: &&str| !w.chars().any(char::is_alphanumeric);
    if !words[..at].iter().all(symbol) && !words[at].starts_with('(') {
        return None;
    }
    let rest: Vec<&str> = words[..at].iter().chain(&words[at + len..]).filter(|w| !symbol(w) || w.contains(['(', ')'])).copied().collect();
    let name = rest.join(" ").replace("()", "");
    let name = name.trim_matches(|c: char| c.is_whitespace() || "-–—:|/()[].,".contains(c)).to_string();
    let name = if name.is_empty() { id.clone() } else { name };
    Some((id, name))
}

/// The deadline a response line names, as `[[severity]]` writes it.
fn deadline(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if ["immediate", "asap", "right away"].iter().any(|w| lower.contains(w)) {
        return Some(IMMEDIATE.to_string());
    }
    if ["next business day", "next working day", "1 business day", "one business day"].iter().any(|w| lower.contains(w)) {
        return Some("next business day".to_string());
    }
    words::find_span(text).map(|(t, _)| t.to_string())
}

/// Whether a line is about responding (not resolving or updating).
fn is_response(lower: &str) -> bool {
    let about = ["respon", "acknowledg", "ack ", "ack:", "sla", "time to engage", "engage within", "page within"];
    let not = ["resolution", "resolve", "update"];
    (about.iter().any(|w| lower.contains(w)) || lower.starts_with("within ")) && !not.iter().any(|w| lower.contains(w))
}

/// The interval an updates line names (`Updates every 30 minutes`, `hourly updates`).
fn update_every(text: &str) -> Option<String> {
    text.to_lowercase().contains("update").then(|| interval(text)).flatten()
}

/// An interval: `every 30 min`, `hourly`, `daily`.
fn interval(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    if lower.contains("hourly") {
        return Some("1h".into());
    }
    if lower.contains("daily") {
        return Some("1d".into());
    }
    words::find_span(text).map(|(t, _)| t.to_string())
}

/// What one definition's lines say: its deadline, updates and criteria.
#[derive(Default)]
struct Body {
    respond: Option<String>,
    /// A line about responding whose time could not be read.
    unread: bool,
    update: Option<String>,
    criteria: Vec<String>,
}

impl Body {
    fn read(&mut self, line: &str) {
        for piece in line.split("; ").flat_map(|p| p.split(". ")) {
            let piece = piece.trim().trim_end_matches('.').trim();
            if piece.is_empty() {
                continue;
            }
            let lower = piece.to_lowercase();
            if self.respond.is_none()
                && is_response(&lower)
                && let Some(d) = deadline(piece)
            {
                self.respond = Some(d);
            } else if is_response(&lower) && self.respond.is_none() {
                self.unread = true;
                self.criteria.push(piece.to_string());
            } else if self.update.is_none()
                && let Some(u) = update_every(piece)
            {
                self.update = Some(u);
            } else {
                self.criteria.push(piece.to_string());
            }
        }
    }

    /// The offer; without a deadline, a warning when a line tried to name one
    /// (else nothing: `P0` also heads launch tasks by priority).
    fn offer(self, id: String, name: String, line: usize) -> Option<Result<SeverityOffer, Warning>> {
        let description = Some(self.criteria.join("; ")).filter(|d| !d.is_empty());
        match self.respond {
            Some(respond_within) => Some(Ok(SeverityOffer { id, name, respond_within, update_every: self.update, description, line })),
            None if self.unread => Some(Err(Warning {
                line,
                message: format!(
                    "severity {id} at line {line}: no response time could be read (like \"15 minutes\" or \"immediate\"); not offered"
                ),
            })),
            None => None,
        }
    }
}

/// The text of a block that may head a definition, and what follows the head on its line.
fn head_text(block: &Block) -> Option<(String, String)> {
    let split = |text: &str, bold: &Option<String>| match bold {
        Some(b) => (b.clone(), text.strip_prefix(b.as_str()).unwrap_or("").to_string()),
        None => match text.split_once(": ") {
            Some((h, rest)) => (h.to_string(), rest.to_string()),
            None => (text.to_string(), String::new()),
        },
    };
    match block {
        Block::Heading { text, .. } => Some((text.clone(), String::new())),
        Block::Para { text, bold, .. } | Block::Bullet { text, bold, .. } => {
            let (h, rest) = split(text, bold);
            let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || "-–—:".contains(c)).to_string();
            Some((h, rest))
        }
        Block::Table { .. } => None,
    }
}

/// Whether a block heads a definition of its own.
fn is_head(block: &Block) -> bool {
    head_text(block).is_some_and(|(h, _)| head(&h).is_some())
}

/// How many blocks after `blocks[0]` belong to its definition: up to the
/// next heading, table or definition (for a bold line, its bullets; for a
/// bullet, the bullets nested under it).
fn body_len(blocks: &[Block]) -> usize {
    let Some(first) = blocks.first() else { return 0 };
    let rest = &blocks[1..];
    let ends = |b: &Block| match first {
        Block::Heading { .. } => matches!(b, Block::Heading { .. } | Block::Table { .. }) || is_head(b),
        Block::Para { .. } => !matches!(b, Block::Bullet { .. }) || is_head(b),
        Block::Bullet { depth, .. } => !matches!(b, Block::Bullet { depth: d, .. } if d > depth),
        Block::Table { .. } => true,
    };
    rest.iter().position(ends).unwrap_or(rest.len())
}

/// Severities offered by definitions written as headings, bold lines, lines or bullets.
fn from_definitions(blocks: &[Block], out: &mut Vec<Result<SeverityOffer, Warning>>) {
    let mut i = 0;
    while i < blocks.len() {
        let Some((h, rest)) = head_text(&blocks[i]) else {
            i += 1;
            continue;
        };
        let Some((id, name)) = head(&h) else {
            i += 1;
            continue;
        };
        let mut body = Body::default();
        body.read(&rest);
        let n = body_len(&blocks[i..]);
        for b in &blocks[i + 1..=i + n] {
            if let Block::Para { text, .. } | Block::Bullet { text, .. } = b {
                body.read(text);
            }
        }
        out.extend(body.offer(id, name, blocks[i].line()));
        i += n + 1;
    }
}

fn key(cell: &str) -> String {
    cell.trim().to_lowercase()
}

/// Severities offered by a table with a severity and a response-time column.
fn from_table(header: &[String], rows: &[(usize, Vec<String>)], out: &mut Vec<Result<SeverityOffer, Warning>>) {
    let keys: Vec<String> = header.iter().map(|h| key(h)).collect();
    let find = |pred: &dyn Fn(&str) -> bool| keys.iter().position(|k| pred(k));
    let Some(id_col) = find(&|k| k.contains("severity") || k.contains("priority") || k.starts_with("level") || k == "sev") else {
        return;
    };
    let Some(respond_col) = find(&|k| is_response(k) || k.starts_with("ack") || k.starts_with("time to")) else { return };
    let prefix = if keys[id_col].contains("priority") { "P" } else { "SEV" };
    let name_col = find(&|k| matches!(k, "name" | "label" | "title" | "category"));
    let update_col = find(&|k| k.contains("update"));
    let described: Vec<usize> = (0..keys.len())
        .filter(|&c| c != id_col && c != respond_col && Some(c) != name_col && Some(c) != update_col)
        .filter(|&c| ["descr", "criteri", "defin", "example", "impact", "when", "meaning", "scope"].iter().any(|w| keys[c].contains(w)))
        .collect();
    for (line, row) in rows {
        let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        let id_cell = cell(id_col);
        let (id, head_name) = match head(id_cell) {
            Some(n) => n,
            None if id_cell.len() == 1 && id_cell.chars().all(|c| c.is_ascii_digit()) => (format!("{prefix}{id_cell}"), String::new()),
            None => continue,
        };
        let name = name_col.map(cell).filter(|n| !n.is_empty()).map(String::from).unwrap_or(head_name);
        let name = if name.is_empty() || name == id { id.clone() } else { name };
        let respond = deadline(cell(respond_col));
        let criteria = described.iter().map(|&c| cell(c).to_string()).filter(|s| !s.is_empty()).collect();
        let body = Body { unread: respond.is_none(), respond, update: update_col.and_then(|c| interval(cell(c))), criteria };
        out.extend(body.offer(id, name, *line));
    }
}

/// Every severity the outline defines (the first definition of an id wins),
/// with a warning for each definition that names no response time or repeats an id.
pub fn read(blocks: &[Block]) -> (Vec<SeverityOffer>, Vec<Warning>) {
    let mut found = Vec::new();
    for b in blocks {
        if let Block::Table { header, rows, .. } = b {
            from_table(header, rows, &mut found);
        }
    }
    from_definitions(blocks, &mut found);
    let mut seen = HashSet::new();
    let (mut offers, mut warnings) = (Vec::new(), Vec::new());
    for f in found {
        match f {
            Ok(s) if seen.insert(s.id.clone()) => offers.push(s),
            Ok(s) => warnings.push(Warning {
                line: s.line,
                message: format!("severity {} at line {} is defined again; the first definition is offered", s.id, s.line),
            }),
            Err(w) => warnings.push(w),
        }
    }
    offers.sort_by_key(|s| s.line);
    (offers, warnings)
}

#[cfg(test)]
mod tests {
    use super::super::outline;
    use super::*;

    fn offers(doc: &str) -> Vec<(String, String, String, Option<String>, usize)> {
        read(&outline::read(doc)).0.into_iter().map(|s| (s.id, s.name, s.respond_within, s.description, s.line)).collect()
    }

    fn o(id: &str, name: &str, respond: &str, description: Option<&str>, line: usize) -> (String, String, String, Option<String>, usize) {
        (id.into(), name.into(), respond.into(), description.map(String::from), line)
    }

    #[test]
    fn heads_name_an_id_and_a_name() {
        let h = |s: &str| head(s).map(|(a, b)| format!("{a}/{b}"));
        assert_eq!(h("P1 - High").as_deref(), Some("P1/High"));
        assert_eq!(h("SEV2: Major").as_deref(), Some("SEV2/Major"));
        assert_eq!(h("SEV-1 – Customer-facing outage").as_deref(), Some("SEV1/Customer-facing outage"));
        assert_eq!(h("Critical (P0)").as_deref(), Some("P0/Critical"));
        assert_eq!(h("Severity 3 (Minor)").as_deref(), Some("SEV3/Minor"));
        assert_eq!(h("Priority 2").as_deref(), Some("P2/P2"));
        assert_eq!(h("🔴 P0 Critical").as_deref(), Some("P0/Critical"));
        assert_eq!(h("P95 latency"), None);
        assert_eq!(h("S3 Storage"), None);
        assert_eq!(h("Monitoring P1 services"), None);
    }

    #[test]
    fn deadlines_in_words() {
        assert_eq!(deadline("Immediate (page)").as_deref(), Some(IMMEDIATE));
        assert_eq!(deadline("respond within 1 hour").as_deref(), Some("1h"));
        assert_eq!(deadline("Acknowledge in 30 min").as_deref(), Some("30m"));
        assert_eq!(deadline("< 15 minutes").as_deref(), Some("15m"));
        assert_eq!(deadline("1 business day").as_deref(), Some("next business day"));
        assert_eq!(deadline("soon"), None);
        assert!(is_response("response time: 15 minutes") && !is_response("resolution time: 4 hours"));
    }

    #[test]
    fn tables_headings_bold_lines_and_bullets() {
        let table = "| Priority | Description | Time to respond |\n|---|---|---|\n| 1 | Outage | 15 min |\n| **P2 - High** | Degraded | 1 hour |\n| 3 | Minor | whenever |\n";
        let (found, warnings) = read(&outline::read(table));
        assert_eq!(
            found.iter().map(|s| (s.id.as_str(), s.name.as_str(), s.respond_within.as_str())).collect::<Vec<_>>(),
            [("P1", "P1", "15m"), ("P2", "High", "1h")]
        );
        assert_eq!(
            warnings[0].message,
            "severity P3 at line 5: no response time could be read (like \"15 minutes\" or \"immediate\"); not offered"
        );

        let doc = "## Levels\n\n#### SEV2: Major\n\nCustomers see errors.\n\n- Respond within 1 hour\n\n**P3 - Low**\n- Cosmetic issues\n- Response time: next business day\n\n- **P1 (High)**: Checkout broken. Response: 15 minutes.\n  - Updates every 30 minutes\n";
        assert_eq!(
            offers(doc),
            [
                o("SEV2", "Major", "1h", Some("Customers see errors"), 3),
                o("P3", "Low", "next business day", Some("Cosmetic issues"), 9),
                o("P1", "High", "15m", Some("Checkout broken"), 13),
            ]
        );
        let (found, _) = read(&outline::read(doc));
        assert_eq!(found[2].update_every.as_deref(), Some("30m"));
    }

    #[test]
    fn a_mention_is_no_definition_and_an_id_is_offered_once() {
        assert!(offers("## P0 tasks\n\n- [ ] Migrate the database\n").is_empty());
        let (found, warnings) = read(&outline::read("### P1 - High\n\n- Respond in 1h\n\n### P1 - Again\n\n- Respond in 2h\n"));
        assert_eq!(found.len(), 1);
        assert_eq!(warnings[0].message, "severity P1 at line 5 is defined again; the first definition is offered");
    }
}
