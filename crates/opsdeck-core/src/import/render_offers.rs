//! The summary lines and plan fragment of what prose offers: `[[severity]]`
//! entries as read, and `[[trigger]]` suggestions whose checks are
//! placeholders (`<error-rate>`). A pasted suggestion never silently does the
//! wrong thing: `opsdeck check` rejects the plan until each placeholder names
//! one of its checks, and a suggestion only advises (a banner) until someone
//! adds `propose` and a mode.

use std::fmt::Write;

use super::model::Imported;
use super::text::quoted;

/// "Severities offered" and "Triggers offered", each with its source line.
pub fn summary(s: &mut String, doc: &Imported) {
    if !doc.severities.is_empty() {
        let _ = writeln!(s, "Severities offered:");
        for v in &doc.severities {
            let mut facts = vec![format!("respond within {}", v.respond_within)];
            facts.extend(v.update_every.as_ref().map(|u| format!("update every {u}")));
            let _ = write!(s, "  {} {} (line {}): {}", v.id, v.name, v.line, facts.join(", "));
            match &v.description {
                Some(d) => {
                    let _ = writeln!(s, " — {d}");
                }
                None => s.push('\n'),
            }
        }
    }
    if !doc.triggers.is_empty() {
        let _ = writeln!(s, "Triggers offered (bind each <placeholder> to one of the plan's checks):");
        for t in &doc.triggers {
            let joiner = if t.combine == "all" { " and " } else { " or " };
            let _ = writeln!(s, "  {} (line {}, {}): {} ← \"{}\"", t.id, t.line, t.context, t.when.join(joiner), t.text);
        }
    }
}

/// `[[severity]]` entries and `[[trigger]]` suggestions, after the checklists and runbooks.
pub fn fragment(s: &mut String, doc: &Imported) {
    for v in &doc.severities {
        let _ = writeln!(s, "# line {}", v.line);
        let _ =
            writeln!(s, "[[severity]]\nid = {}\nname = {}\nrespond_within = {}", quoted(&v.id), quoted(&v.name), quoted(&v.respond_within));
        if let Some(u) = &v.update_every {
            let _ = writeln!(s, "update_every = {}", quoted(u));
        }
        if let Some(d) = &v.description {
            let _ = writeln!(s, "description = {}", quoted(d));
        }
        s.push('\n');
    }
    if doc.triggers.is_empty() {
        return;
    }
    s.push_str(
        "# Triggers read from the document. Each <placeholder> stands for the check that\n\
         # measures it: replace it with that check's id (`opsdeck check` rejects the plan\n\
         # until every placeholder is bound). They advise (a banner); to have one propose\n\
         # a rollback, add propose = \"<rollback id>\" and mode = \"confirm\".\n\n",
    );
    for t in &doc.triggers {
        let _ = writeln!(s, "# line {} ({}): {}", t.line, t.context, t.text);
        let when: Vec<String> = t.when.iter().map(|w| quoted(w)).collect();
        let _ = writeln!(s, "[[trigger]]\nid = {}\nwhen = [{}]", quoted(&t.id), when.join(", "));
        if t.combine == "all" {
            let _ = writeln!(s, "match = \"all\"");
        }
        let _ = writeln!(s, "mode = \"advise\"\n");
    }
}
