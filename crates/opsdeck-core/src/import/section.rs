//! One section of an imported document: the phase whose heading anchor is
//! named (`guide.md#database-issues`) with the phases of its subsections,
//! and the bands, offers and warnings that sit between its heading and the next
//! heading of the same or a higher level.

use super::anchors::names;
use super::model::Imported;

impl Imported {
    /// The section under the heading `wanted` names; an error lists the anchors there are.
    pub fn section(&self, wanted: &str) -> Result<Imported, String> {
        let Some(at) = self.phases.iter().position(|p| p.level > 0 && names(wanted, &p.anchor)) else {
            return Err(self.no_section(wanted));
        };
        let head = &self.phases[at];
        let end = self.phases[at + 1..].iter().position(|p| p.level <= head.level).map(|n| at + 1 + n);
        let phases = self.phases[at..end.unwrap_or(self.phases.len())].to_vec();
        let last_line = end.map_or(usize::MAX, |e| self.phases[e].line);
        let within = |line: usize| line >= head.line && line < last_line;
        Ok(Imported {
            title: head.path.last().cloned(),
            phases,
            bands: self.bands.iter().filter(|b| within(b.line)).cloned().collect(),
            severities: self.severities.iter().filter(|s| within(s.line)).cloned().collect(),
            triggers: self.triggers.iter().filter(|t| within(t.line)).cloned().collect(),
            warnings: self.warnings.iter().filter(|w| within(w.line)).cloned().collect(),
            front: self.front.clone(),
        })
    }

    /// Every section anchor, in document order.
    pub fn anchors(&self) -> impl Iterator<Item = &str> {
        self.phases.iter().filter(|p| p.level > 0).map(|p| p.anchor.as_str())
    }

    fn no_section(&self, wanted: &str) -> String {
        let wanted_l = wanted.to_lowercase();
        let near: Vec<&str> = self.anchors().filter(|a| a.contains(&wanted_l) || wanted_l.contains(a.trim_matches('-'))).take(3).collect();
        let near = if near.is_empty() { crate::config::suggest::closest(wanted, self.anchors()) } else { Some(near.join("`, `")) };
        match near {
            Some(n) => format!("no section `#{wanted}`; did you mean `#{n}`?"),
            None => {
                let all: Vec<&str> = self.anchors().take(12).collect();
                if all.is_empty() {
                    format!("no section `#{wanted}`: the document has no headings")
                } else {
                    format!(
                        "no section `#{wanted}`; the sections are {}",
                        all.iter().map(|a| format!("`#{a}`")).collect::<Vec<_>>().join(", ")
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::import::import;

    const DOC: &str = "# Ops guide\n\n## Deploy\n\n1. Build\n2. Ship\n\n## Runbooks\n\n### Application Down\n\n1. Check the pods\n2. Restart\n\n#### Deeper\n\n1. Page the owner\n\n### Database Issues\n\n1. Check connections\n\n## After\n\n- [ ] Announce\n";

    #[test]
    fn takes_a_heading_with_its_subsections_only() {
        let doc = import(DOC);
        let down = doc.section("application-down").expect("a section");
        assert_eq!(down.title.as_deref(), Some("Application Down"));
        let steps: Vec<&str> = down.phases.iter().flat_map(|p| &p.steps).map(|s| s.text.as_str()).collect();
        assert_eq!(steps, ["Check the pods", "Restart", "Page the owner"]);
        let books = doc.section("runbooks").expect("a section");
        assert_eq!(books.phases.iter().map(|p| p.steps.len()).sum::<usize>(), 4);
        assert_eq!(doc.section("after").expect("a section").phases[0].items.len(), 1);
    }

    #[test]
    fn a_wrong_anchor_says_what_there_is() {
        let doc = import(DOC);
        let e = doc.section("database").expect_err("no such section");
        assert!(e.contains("did you mean `#database-issues`"), "{e}");
        let e = doc.section("zzz").expect_err("no such section");
        assert!(e.contains("`#deploy`") && e.contains("`#application-down`"), "{e}");
    }
}
