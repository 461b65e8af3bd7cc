//! `check` reads the Markdown files a plan names, as the console will: a
//! one-line account of each (phases, items, steps) for the summary, and the
//! importer's warnings with the file and line, each once however many
//! entries name the file; a section the file does not have is an error, an
//! empty checklist or runbook a warning.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use opsdeck_core::config::{Diagnostic, Diagnostics, DocRef, Plan, Source};
use opsdeck_core::import::{Imported, StepKind, import_named};

/// What `check` learned from the plan's Markdown files.
#[derive(Default)]
pub struct MarkdownReport {
    /// Summary text per checklist and runbook, in plan order.
    pub checklists: Vec<String>,
    pub runbooks: Vec<String>,
    pub diagnostics: Diagnostics,
    pub sources: Vec<Source>,
    /// Each file read, by its full path (`None`: it could not be read).
    docs: HashMap<PathBuf, Option<Imported>>,
}

/// Reads and imports one file once; its warnings are reported on the first reading.
fn read_file(plan: &Plan, path: &Path, report: &mut MarkdownReport) -> Option<Imported> {
    let full = plan.resolve(path);
    if let Some(doc) = report.docs.get(&full) {
        return doc.clone();
    }
    let doc = match std::fs::read(&full) {
        Ok(bytes) => {
            let source = Source::new(&full, String::from_utf8_lossy(&bytes).into_owned());
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let imported = import_named(&source.text, &name);
            for w in &imported.warnings {
                let start = line_start(&source.text, w.line);
                report.diagnostics.push(Diagnostic::warning(&full, Some(start..start), "", w.message.clone()));
            }
            report.sources.push(source);
            Some(imported)
        }
        // A missing file was already reported by the plan's validation.
        Err(_) => None,
    };
    report.docs.insert(full, doc.clone());
    doc
}

/// The document or section `from` names; a section the file does not have
/// is an error at the plan's `from`.
fn read(plan: &Plan, plan_source: Option<&Source>, from: &DocRef, report: &mut MarkdownReport) -> Option<Imported> {
    let doc = read_file(plan, from.path(), report)?;
    let Some(anchor) = &from.section else { return Some(doc) };
    match doc.section(anchor) {
        Ok(section) => Some(section),
        Err(e) => {
            let (file, span) = match plan_source {
                Some(src) => (src.path.clone(), src.text.find(&format!("#{anchor}")).map(|at| at..at + anchor.len() + 1)),
                None => (plan.resolve(from.path()), None),
            };
            report.diagnostics.push(Diagnostic::error(&file, span, "from", format!("{}: {e}", from.path().display())));
            None
        }
    }
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum()
}

/// Imports every `from = "….md"` of the plan (each file once).
pub fn report(plan: &Plan, plan_source: Option<&Source>) -> MarkdownReport {
    let mut report = MarkdownReport::default();
    for list in &plan.checklists {
        let line = match &list.from {
            Some(from) => match read(plan, plan_source, from, &mut report) {
                Some(doc) => {
                    let items: usize = doc.phases.iter().map(|p| p.items.len()).sum();
                    let phases = doc.phases.iter().filter(|p| !p.items.is_empty()).count();
                    if items == 0 {
                        let at = plan_source.map_or_else(|| plan.resolve(from.path()), |s| s.path.clone());
                        report.diagnostics.push(Diagnostic::warning(
                            &at,
                            None,
                            "from",
                            format!("{from}: no `- [ ]` items; the checklist is empty"),
                        ));
                    }
                    format!("{from} ({items} items in {phases} phases)")
                }
                None => from.to_string(),
            },
            None => format!("{} ({} items)", list.id.as_deref().unwrap_or("inline"), list.items.len()),
        };
        report.checklists.push(line);
    }
    for book in &plan.runbooks {
        let (steps, runnable) = match &book.from {
            Some(from) => match read(plan, plan_source, from, &mut report) {
                Some(doc) => {
                    let steps: Vec<_> = doc.phases.iter().flat_map(|p| &p.steps).collect();
                    if steps.is_empty() {
                        let at = plan_source.map_or_else(|| plan.resolve(from.path()), |s| s.path.clone());
                        report.diagnostics.push(Diagnostic::warning(
                            &at,
                            None,
                            "from",
                            format!("{from}: no numbered or runnable steps; runbook `{}` is empty", book.id),
                        ));
                    }
                    (steps.len(), steps.iter().filter(|s| matches!(s.kind, StepKind::Run { .. })).count())
                }
                None => (0, 0),
            },
            None => (book.steps.len(), book.steps.iter().filter(|s| s.run.is_some()).count()),
        };
        report.runbooks.push(format!("{} ({steps} steps, {runnable} runnable)", book.id));
    }
    report
}
