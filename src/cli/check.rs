//! `opsdeck check PLAN`: validate and summarise a plan.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use crate::config::{self, Level, Plan};

/// Validates the plan; problems go to stderr, the summary to stdout.
pub fn run(path: &Path, _theme: Option<&str>, _keymap: Option<&str>) -> ExitCode {
    let loaded = config::load_plan(path);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    eprint!("{}", loaded.diagnostics.render(&sources));
    let errors = loaded.diagnostics.count(Level::Error);
    let warnings = loaded.diagnostics.count(Level::Warning);
    match loaded.plan {
        Some(plan) if errors == 0 => {
            print!("{}", summary(path, &plan, warnings));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "{}: invalid: {errors} error{}, {warnings} warning{}",
                path.display(),
                plural(errors),
                plural(warnings)
            );
            ExitCode::from(1)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The one-screen summary of a valid plan.
pub fn summary(path: &Path, plan: &Plan, warnings: usize) -> String {
    let mut out = String::new();
    let d = &plan.deck;
    out.push_str(&format!(
        "{} is valid: \"{}\" · {} · room {}\n",
        path.display(),
        d.name,
        d.environment,
        d.room()
    ));
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &plan.checks {
        *kinds.entry(c.probe.kind()).or_default() += 1;
    }
    let by_kind: Vec<String> = config::check::PROBE_KINDS
        .iter()
        .filter_map(|k| kinds.get(k).map(|n| format!("{k} {n}")))
        .collect();
    let row = |label: &str, n: usize, detail: String| format!("  {label:<11} {n:>3}   {detail}\n");
    out.push_str(&row("checks", plan.checks.len(), by_kind.join(" · ")));
    let lists: Vec<String> = plan
        .checklists
        .iter()
        .map(|c| match (&c.from, &c.id) {
            (Some(f), _) => f.display().to_string(),
            (None, Some(id)) => format!("{id} ({} items)", c.items.len()),
            (None, None) => format!("inline ({} items)", c.items.len()),
        })
        .collect();
    out.push_str(&row("checklists", plan.checklists.len(), lists.join(" · ")));
    let books: Vec<&str> = plan.runbooks.iter().map(|r| r.id.as_str()).collect();
    out.push_str(&row("runbooks", plan.runbooks.len(), books.join(" · ")));
    let rbs: Vec<&str> = plan.rollbacks.iter().map(|r| r.id.as_str()).collect();
    out.push_str(&row("rollbacks", plan.rollbacks.len(), rbs.join(" · ")));
    let trig: Vec<String> = plan
        .triggers
        .iter()
        .map(|t| format!("{} ({:?})", t.id, t.mode).to_lowercase())
        .collect();
    out.push_str(&row("triggers", plan.triggers.len(), trig.join(" · ")));
    let sev: Vec<String> = plan
        .severities
        .iter()
        .map(|s| format!("{} {}", s.id, s.respond_within))
        .collect();
    let defaulted = if plan.default_severities {
        " (defaults)"
    } else {
        ""
    };
    out.push_str(&row(
        "severities",
        plan.severities.len(),
        format!("{}{defaulted}", sev.join(" · ")),
    ));
    let hooks: Vec<String> = plan
        .notify
        .iter()
        .map(|n| n.on.len().to_string() + " events")
        .collect();
    out.push_str(&row("notify", plan.notify.len(), hooks.join(" · ")));
    if warnings > 0 {
        out.push_str(&format!(
            "  {warnings} warning{} (above)\n",
            plural(warnings)
        ));
    }
    out
}
