//! Text output of an import: the human summary (phases with counts, bands,
//! warnings) and a plan fragment (`[[checklist]]`, `[[runbook]]`) to paste.

use std::fmt::Write;

use super::model::{Imported, Phase, Threshold};
use crate::config::sections::slug;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn threshold(label: &str, t: Option<&Threshold>) -> Option<String> {
    let t = t?;
    let note = if t.bound.is_some() { "parsed" } else { "text only" };
    Some(format!("{label} \"{}\" ({note})", t.text))
}

/// TOML basic string literal.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The human summary followed by the plan fragment; `from` is the document path as given.
pub fn summary(doc: &Imported, from: &str) -> String {
    let mut s = String::new();
    if let Some(t) = &doc.title {
        let _ = writeln!(s, "{t}");
    }
    let _ = writeln!(s, "Phases:");
    for p in &doc.phases {
        let indent = "  ".repeat(p.depth() + 1);
        let name = p.path.last().map_or("", String::as_str);
        let _ = writeln!(s, "{indent}{name} ({}, {})", plural(p.items.len(), "item", "items"), plural(p.steps.len(), "step", "steps"));
    }
    if !doc.bands.is_empty() {
        let _ = writeln!(s, "Bands:");
        for b in &doc.bands {
            let parts: Vec<String> = [
                threshold("target", b.target.as_ref()),
                threshold("acceptable", b.acceptable.as_ref()),
                threshold("critical", b.critical.as_ref()),
            ]
            .into_iter()
            .flatten()
            .collect();
            let _ = writeln!(s, "  {} (line {}): {}", b.name, b.line, parts.join(", "));
        }
    }
    if !doc.warnings.is_empty() {
        let _ = writeln!(s, "Warnings:");
        for w in &doc.warnings {
            let _ = writeln!(s, "  line {}: {}", w.line, w.message);
        }
    }
    let _ = writeln!(s, "\n# Plan fragment:\n");
    s.push_str(&fragment(doc, from));
    s
}

/// `[[checklist]]` for the document and one `[[runbook]]` per section that
/// holds steps (`from = "doc.md#anchor"`): the outermost heading with steps of
/// its own, taking its subsections with it. Steps above every heading, or
/// under the document's title only, make a runbook of the whole document.
pub fn fragment(doc: &Imported, from: &str) -> String {
    let mut s = String::new();
    if doc.phases.iter().any(|p| !p.items.is_empty()) {
        let _ = writeln!(s, "[[checklist]]\nfrom = {}\n", quoted(from));
    }
    let mut used = std::collections::HashSet::new();
    for (p, whole) in runbook_sections(doc) {
        let base = slug(&p.path.join(" "));
        let base = if base.is_empty() { "runbook".to_string() } else { base };
        let mut id = base.clone();
        let mut n = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let source = if whole { from.to_string() } else { format!("{from}#{}", p.anchor) };
        let _ = writeln!(s, "[[runbook]]\nid = {}\ntitle = {}\nfrom = {}\n", quoted(&id), quoted(&p.path.join(" / ")), quoted(&source));
    }
    s
}

/// The phases that start a runbook, each with whether it stands for the whole document.
pub fn runbook_sections(doc: &Imported) -> Vec<(&Phase, bool)> {
    let is_title =
        |p: &Phase| p.level == 0 || (doc.title.is_some() && p.level == 1 && p.path.len() == 1 && doc.title.as_ref() == p.path.first());
    let mut out: Vec<(&Phase, bool)> = Vec::new();
    // The level of the section being taken whole, while inside it.
    let mut inside: Option<u8> = None;
    for p in &doc.phases {
        if inside.is_some_and(|level| p.level > level) {
            continue;
        }
        inside = None;
        if !p.has_steps() {
            continue;
        }
        if is_title(p) {
            continue;
        }
        out.push((p, false));
        inside = Some(p.level);
    }
    let loose = doc.phases.iter().any(|p| is_title(p) && p.has_steps());
    if loose
        && out.is_empty()
        && let Some(p) = doc.phases.iter().find(|p| p.has_steps())
    {
        out.push((p, true));
    }
    out
}
