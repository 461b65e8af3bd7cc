//! Turning the plan's `[[checklist]]` and `[[runbook]]` entries into
//! definitions: inline entries as written, `from = "….md"` (or one section,
//! `"….md#anchor"`) through the Markdown importer. Each file is read and
//! imported once, its warnings said once. A doc that cannot be read, or a
//! section it does not have, leaves a warning and an empty list rather than
//! stopping the console.

use std::collections::HashMap;
use std::path::PathBuf;

use opsdeck_core::config::duration::TimeSpan;
use opsdeck_core::config::sections::{Checklist, ChecklistItem, Runbook};
use opsdeck_core::config::{DocRef, Plan, Probe};
use opsdeck_core::import::ids::stable_id;
use opsdeck_core::import::{Imported, StepKind, import_named};

use opsdeck_core::launch::{ChecklistDef, DEFAULT_STEP_TIMEOUT, ItemDef, Launch, PhaseDef, RunbookDef, SqlSource, StepDef};

/// Reads every checklist and runbook of the plan.
pub fn load(plan: &Plan) -> Launch {
    let mut launch = Launch::default();
    let mut docs = Docs::default();
    for (n, list) in plan.checklists.iter().enumerate() {
        let def = checklist(plan, n, list, &mut docs, &mut launch.warnings);
        launch.checklists.push(def);
    }
    for book in &plan.runbooks {
        let def = runbook(plan, book, &mut docs, &mut launch.warnings);
        launch.runbooks.push(def);
    }
    launch
}

/// The plan's Markdown files, each read and imported once.
#[derive(Default)]
struct Docs {
    read: HashMap<PathBuf, Option<Imported>>,
}

impl Docs {
    /// The document (or the section) `from` names; warnings of a file are said on its first reading.
    fn get(&mut self, plan: &Plan, from: &DocRef, warnings: &mut Vec<String>) -> Option<Imported> {
        let full = plan.resolve(from.path());
        let doc = self.read.entry(full.clone()).or_insert_with(|| match std::fs::read(&full) {
            Ok(bytes) => {
                let doc = import_named(&String::from_utf8_lossy(&bytes), &from.stem().unwrap_or_default());
                warnings.extend(doc.warnings.iter().map(|w| format!("{}:{}: {}", from.path().display(), w.line, w.message)));
                Some(doc)
            }
            Err(e) => {
                warnings.push(format!("cannot read {}: {e}", full.display()));
                None
            }
        });
        let doc = doc.as_ref()?;
        match &from.section {
            None => Some(doc.clone()),
            Some(anchor) => match doc.section(anchor) {
                Ok(section) => Some(section),
                Err(e) => {
                    warnings.push(format!("{}: {e}", from.path().display()));
                    None
                }
            },
        }
    }
}

fn checklist(plan: &Plan, n: usize, list: &Checklist, docs: &mut Docs, warnings: &mut Vec<String>) -> ChecklistDef {
    let stem = list.from.as_ref().and_then(|f| match &f.section {
        Some(anchor) => Some(anchor.trim_matches('-').to_string()),
        None => f.stem(),
    });
    let id = list.id.clone().or(stem).unwrap_or_else(|| format!("checklist-{}", n + 1));
    let full_id = |item: &str| format!("{id}/{item}");
    let mut phases: Vec<PhaseDef> = Vec::new();
    let mut title = list.title.clone();
    if let Some(from) = &list.from {
        if let Some(doc) = docs.get(plan, from, warnings) {
            title = title.or(doc.title.clone());
            for phase in doc.phases.iter().filter(|p| !p.items.is_empty()) {
                let items = phase
                    .items
                    .iter()
                    .map(|i| ItemDef {
                        id: full_id(&i.id),
                        text: i.text.clone(),
                        verify: list.verify.get(&i.id).cloned(),
                        details: i.details.clone(),
                    })
                    .collect();
                let heading = phase.path.last().cloned().unwrap_or_else(|| "Items".into());
                phases.push(PhaseDef { title: heading, depth: phase.depth(), items });
            }
            for wanted in list.verify.keys() {
                if !doc.phases.iter().flat_map(|p| &p.items).any(|i| i.id == *wanted) {
                    warnings.push(format!("{from}: no item with id `{wanted}` to verify; mark it `{{#{wanted}}}` in the doc"));
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
            let def = ItemDef { id: full_id(&item_id), text, verify, details: Vec::new() };
            match phases.iter_mut().find(|p| p.title == phase_title) {
                Some(p) => p.items.push(def),
                None => phases.push(PhaseDef { title: phase_title, depth: 0, items: vec![def] }),
            }
        }
    }
    ChecklistDef { title: title.unwrap_or_else(|| id.clone()), id, phases }
}

fn runbook(plan: &Plan, book: &Runbook, docs: &mut Docs, warnings: &mut Vec<String>) -> RunbookDef {
    let mut steps = Vec::new();
    let mut title = book.title.clone();
    // Steps read from a document run in the document's directory unless the runbook says otherwise.
    let doc_dir = book.from.as_ref().and_then(|f| plan.resolve(f.path()).parent().map(std::path::Path::to_path_buf)).unwrap_or_default();
    if let Some(from) = &book.from {
        if let Some(doc) = docs.get(plan, from, warnings) {
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
                    let (interpreter, cwd, optional) = match &s.kind {
                        StepKind::Manual => (Vec::new(), None, false),
                        StepKind::Run { interpreter, cwd, optional, .. } => {
                            (interpreter.clone(), cwd.as_deref().map(|c| doc_dir.join(c)), *optional)
                        }
                    };
                    let sql = match &s.kind {
                        StepKind::Run { lang, dsn_env, check, .. } if lang == "sql" => sql_source(
                            plan,
                            dsn_env.as_deref(),
                            check.as_deref(),
                            &format!("{}:{}", from.path().display(), s.line),
                            warnings,
                        ),
                        _ => None,
                    };
                    // A sql step whose database cannot be found is done by hand, never run by a shell.
                    let is_sql = matches!(&s.kind, StepKind::Run { lang, .. } if lang == "sql");
                    let run = if is_sql && sql.is_none() { None } else { run };
                    let timeout = match timeout.as_deref().map(str::parse::<TimeSpan>) {
                        Some(Ok(t)) => t.get(),
                        Some(Err(e)) => {
                            warnings.push(format!(
                                "{}:{}: step timeout: {e}; using {}s",
                                from.path().display(),
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
                        details: s.details.clone(),
                        interpreter,
                        cwd,
                        optional,
                        sql,
                    });
                }
            }
            if steps.is_empty() {
                warnings.push(format!("{from}: no numbered or runnable steps found for runbook {}", book.id));
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
                details: Vec::new(),
                interpreter: Vec::new(),
                cwd: None,
                optional: false,
                sql: None,
            });
        }
    }
    RunbookDef {
        id: book.id.clone(),
        title: title.unwrap_or_else(|| book.id.clone()),
        steps,
        env: book.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        cwd: match (&book.cwd, &book.from) {
            (Some(c), _) => Some(plan.resolve(c)),
            (None, Some(_)) => Some(doc_dir),
            (None, None) => None,
        },
    }
}

/// A `sql` step's database: its `dsn_env`, or the `postgres` check it borrows from.
fn sql_source(plan: &Plan, dsn_env: Option<&str>, check: Option<&str>, at: &str, warnings: &mut Vec<String>) -> Option<SqlSource> {
    if let Some(var) = dsn_env {
        return Some(SqlSource { url: None, url_env: Some(var.to_string()) });
    }
    let id = check?;
    match plan.checks.iter().find(|c| c.id == id).map(|c| &c.probe) {
        Some(Probe::Postgres(p)) => Some(SqlSource { url: p.url.clone(), url_env: p.url_env.clone() }),
        Some(other) => {
            warnings.push(format!("{at}: check `{id}` is a {} check; a sql step borrows a postgres check's database", other.kind()));
            None
        }
        None => {
            warnings.push(format!("{at}: no check `{id}` to borrow a database from"));
            None
        }
    }
}
