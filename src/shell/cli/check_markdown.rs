//! `check` reads the Markdown files a plan names, as the console will: a
//! one-line account of each (phases, items, steps) for the summary, and the
//! importer's warnings with the file and line.

use std::path::Path;

use opsdeck_core::config::{Diagnostic, Diagnostics, Plan, Source};
use opsdeck_core::import::{Imported, StepKind, import_named};

/// What `check` learned from the plan's Markdown files.
#[derive(Default)]
pub struct MarkdownReport {
    /// Summary text per checklist and runbook, in plan order.
    pub checklists: Vec<String>,
    pub runbooks: Vec<String>,
    pub diagnostics: Diagnostics,
    pub sources: Vec<Source>,
}

fn read(plan: &Plan, from: &Path, report: &mut MarkdownReport) -> Option<Imported> {
    let full = plan.resolve(from);
    let source = match std::fs::read(&full) {
        Ok(bytes) => Source::new(&full, String::from_utf8_lossy(&bytes).into_owned()),
        // A missing file was already reported by the plan's validation.
        Err(_) => return None,
    };
    let name = from.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let imported = import_named(&source.text, &name);
    for w in &imported.warnings {
        let start = line_start(&source.text, w.line);
        report.diagnostics.push(Diagnostic::warning(&full, Some(start..start), "", w.message.clone()));
    }
    report.sources.push(source);
    Some(imported)
}

fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum()
}

/// Imports every `from = "….md"` of the plan.
pub fn report(plan: &Plan) -> MarkdownReport {
    let mut report = MarkdownReport::default();
    for list in &plan.checklists {
        let line = match &list.from {
            Some(from) => match read(plan, from, &mut report) {
                Some(doc) => {
                    let items: usize = doc.phases.iter().map(|p| p.items.len()).sum();
                    let phases = doc.phases.iter().filter(|p| !p.items.is_empty()).count();
                    format!("{} ({items} items in {phases} phases)", from.display())
                }
                None => from.display().to_string(),
            },
            None => format!("{} ({} items)", list.id.as_deref().unwrap_or("inline"), list.items.len()),
        };
        report.checklists.push(line);
    }
    for book in &plan.runbooks {
        let (steps, runnable) = match &book.from {
            Some(from) => match read(plan, from, &mut report) {
                Some(doc) => {
                    let steps: Vec<_> = doc.phases.iter().flat_map(|p| &p.steps).collect();
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
