//! Turning the plan's `[[checklist]]` and `[[runbook]]` entries into
//! definitions: inline entries as written, `from = "….md"` through the
//! Markdown importer. A doc that cannot be read leaves a warning and an
//! empty list rather than stopping the console.

use std::path::Path;

use opsdeck_core::config::Plan;
use opsdeck_core::config::duration::TimeSpan;
use opsdeck_core::config::sections::{Checklist, ChecklistItem, Runbook};
use opsdeck_core::import::ids::stable_id;
use opsdeck_core::import::{Imported, StepKind, import_named};

use opsdeck_core::launch::{ChecklistDef, DEFAULT_STEP_TIMEOUT, ItemDef, Launch, PhaseDef, RunbookDef, StepDef};

/// Reads every checklist and runbook of the plan.
pub fn load(plan: &Plan) -> Launch {
    let mut launch = Launch::default();
    for (n, list) in plan.checklists.iter().enumerate() {
        let def = checklist(plan, n, list, &mut launch.warnings);
        launch.checklists.push(def);
    }
    for book in &plan.runbooks {
        let def = runbook(plan, book, &mut launch.warnings);
        launch.runbooks.push(def);
    }
    launch
}

fn read_doc(plan: &Plan, from: &Path, warnings: &mut Vec<String>) -> Option<Imported> {
    let full = plan.resolve(from);
    match std::fs::read(&full) {
        Ok(bytes) => {
            let name = from.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let doc = import_named(&String::from_utf8_lossy(&bytes), &name);
            warnings.extend(doc.warnings.iter().map(|w| format!("{}:{}: {}", from.display(), w.line, w.message)));
            Some(doc)
        }
        Err(e) => {
            warnings.push(format!("cannot read {}: {e}", full.display()));
            None
        }
    }
}

fn checklist(plan: &Plan, n: usize, list: &Checklist, warnings: &mut Vec<String>) -> ChecklistDef {
    let stem = list.from.as_deref().and_then(Path::file_stem).map(|s| s.to_string_lossy().into_owned());
    let id = list.id.clone().or(stem).unwrap_or_else(|| format!("checklist-{}", n + 1));
    let full_id = |item: &str| format!("{id}/{item}");
    let mut phases: Vec<PhaseDef> = Vec::new();
    let mut title = list.title.clone();
    if let Some(from) = &list.from {
        if let Some(doc) = read_doc(plan, from, warnings) {
            title = title.or(doc.title.clone());
            for phase in doc.phases.iter().filter(|p| !p.items.is_empty()) {
                let items = phase
                    .items
                    .iter()
                    .map(|i| ItemDef { id: full_id(&i.id), text: i.text.clone(), verify: list.verify.get(&i.id).cloned() })
                    .collect();
                let heading = phase.path.last().cloned().unwrap_or_else(|| "Items".into());
                phases.push(PhaseDef { title: heading, depth: phase.depth(), items });
            }
            for wanted in list.verify.keys() {
                if !doc.phases.iter().flat_map(|p| &p.items).any(|i| i.id == *wanted) {
                    warnings.push(format!("{}: no item with id `{wanted}` to verify; mark it `{{#{wanted}}}` in the doc", from.display()));
                }
            }
        }
    } else {
        for item in &list.items {
            let (text, explicit, phase, verify) = match item {
                ChecklistItem::Text(t) => (t.clone(), None, None, None),
                ChecklistItem::Detailed(d) => (d.text.clone(), d.id.clone(), d.phase.clone(), d.verify.clone()),
            };
            let phase_title = phase.unwrap_or_else(|| "Items".into());
            let item_id = explicit.unwrap_or_else(|| stable_id(std::slice::from_ref(&phase_title), &text));
            let def = ItemDef { id: full_id(&item_id), text, verify };
            match phases.iter_mut().find(|p| p.title == phase_title) {
                Some(p) => p.items.push(def),
                None => phases.push(PhaseDef { title: phase_title, depth: 0, items: vec![def] }),
            }
        }
    }
    ChecklistDef { title: title.unwrap_or_else(|| id.clone()), id, phases }
}

fn runbook(plan: &Plan, book: &Runbook, warnings: &mut Vec<String>) -> RunbookDef {
    let mut steps = Vec::new();
    let mut title = book.title.clone();
    if let Some(from) = &book.from {
        if let Some(doc) = read_doc(plan, from, warnings) {
            title = title.or(doc.title.clone());
            for phase in &doc.phases {
                let heading = phase.path.last().cloned();
                for s in &phase.steps {
                    let (run, confirm, timeout, rollback) = match &s.kind {
                        StepKind::Manual => (None, false, None, false),
                        StepKind::Run { script, timeout, confirm, rollback, .. } => {
                            (Some(script.clone()), *confirm, timeout.clone(), *rollback)
                        }
                    };
                    let timeout = match timeout.as_deref().map(str::parse::<TimeSpan>) {
                        Some(Ok(t)) => t.get(),
                        Some(Err(e)) => {
                            warnings.push(format!(
                                "{}:{}: step timeout: {e}; using {}s",
                                from.display(),
                                s.line,
                                DEFAULT_STEP_TIMEOUT.as_secs()
                            ));
                            DEFAULT_STEP_TIMEOUT
                        }
                        None => DEFAULT_STEP_TIMEOUT,
                    };
                    steps.push(StepDef {
                        id: s.id.clone(),
                        title: s.text.clone(),
                        phase: heading.clone(),
                        run,
                        confirm,
                        timeout,
                        rollback,
                    });
                }
            }
            if steps.is_empty() {
                warnings.push(format!("{}: no numbered or runnable steps found for runbook {}", from.display(), book.id));
            }
        }
    } else {
        let mut seen = std::collections::HashSet::new();
        for (n, s) in book.steps.iter().enumerate() {
            let mut id = stable_id(std::slice::from_ref(&book.id), &s.title);
            if !seen.insert(id.clone()) {
                id = format!("{id}-{}", n + 1);
            }
            steps.push(StepDef {
                id,
                title: s.title.clone(),
                phase: None,
                run: s.run.clone(),
                confirm: s.confirm,
                timeout: s.timeout.map_or(DEFAULT_STEP_TIMEOUT, TimeSpan::get),
                rollback: s.rollback && s.run.is_some(),
            });
        }
    }
    RunbookDef {
        id: book.id.clone(),
        title: title.unwrap_or_else(|| book.id.clone()),
        steps,
        env: book.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        cwd: book.cwd.as_deref().map(|c| plan.resolve(c)),
    }
}
