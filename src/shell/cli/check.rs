//! `opsdeck check PLAN`: validate and summarise a plan.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use super::check_markdown::{self, MarkdownReport};
use super::check_secrets;
use crate::secrets::Redactor;
use crate::shell::look::{self, Look};
use crate::shell::theme::Origin;
use opsdeck_core::config::{self, Level, Plan};

/// Validates the plan; problems go to stderr, the summary to stdout.
pub fn run(path: &Path, theme: Option<&str>, keymap: Option<&str>) -> ExitCode {
    let loaded = config::load_plan(path);
    let sources: Vec<&config::Source> = loaded.source.iter().collect();
    eprint!("{}", loaded.diagnostics.render(&sources));
    let mut errors = loaded.diagnostics.count(Level::Error);
    let warnings = loaded.diagnostics.count(Level::Warning);
    // The theme and keymap are checked even when the plan is broken.
    let deck = loaded.plan.as_ref().map(|p| &p.deck);
    let plan_dir = path.parent().unwrap_or(Path::new("."));
    let look =
        match look::load(theme, keymap, deck.and_then(|d| d.theme.as_deref()), deck.and_then(|d| d.keymap.as_deref()), plan_dir, None) {
            Ok(look) => Some(look),
            Err(mut report) => {
                if let (Some(source), Some(deck)) = (&loaded.source, deck) {
                    point_at_plan(&mut report, source, deck);
                }
                eprint!("{}", report.render());
                errors += report.diagnostics.count(Level::Error);
                None
            }
        };
    match (loaded.plan, look) {
        (Some(plan), Some(look)) if errors == 0 => {
            let markdown = check_markdown::report(&plan, loaded.source.as_ref());
            let mut sources: Vec<&config::Source> = markdown.sources.iter().collect();
            sources.extend(loaded.source.as_ref());
            eprint!("{}", markdown.diagnostics.render(&sources));
            if markdown.diagnostics.has_errors() {
                let errors = markdown.diagnostics.count(Level::Error);
                let warnings = warnings + markdown.diagnostics.count(Level::Warning);
                eprintln!("{}: invalid: {errors} error{}, {warnings} warning{}", path.display(), plural(errors), plural(warnings));
                return ExitCode::from(1);
            }
            let mut warnings = warnings + markdown.diagnostics.count(Level::Warning);
            if let Some(source) = &loaded.source {
                let short = check_secrets::warnings(source, &Redactor::for_process(Some(&plan)));
                eprint!("{}", short.render(&[source]));
                warnings += short.count(Level::Warning);
            }
            print!("{}", summary(path, &plan, &look, &markdown, warnings));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{}: invalid: {errors} error{}, {warnings} warning{}", path.display(), plural(errors), plural(warnings));
            ExitCode::from(1)
        }
    }
}

/// A theme or keymap the plan names but that cannot be found is the plan's
/// problem: point at the plan's `deck.theme` / `deck.keymap` line.
fn point_at_plan(report: &mut config::Report, source: &config::Source, deck: &config::Deck) {
    for d in report.diagnostics.items.iter_mut().filter(|d| d.span.is_none()) {
        let named = d.file.to_str();
        let key = if named.is_some() && named == deck.theme.as_deref() {
            "deck.theme"
        } else if named.is_some() && named == deck.keymap.as_deref() {
            "deck.keymap"
        } else {
            continue;
        };
        if let Some(span) = config::span_of(source, key) {
            d.file = source.path.clone();
            d.span = Some(span);
            d.key = key.to_string();
        }
    }
    if !report.sources.iter().any(|s| s.path == source.path) {
        report.sources.push(source.clone());
    }
}

/// `pagerduty: 4 events`, `webhook (signed): 2 events`.
fn notify_summary(n: &config::Notify) -> String {
    use opsdeck_core::config::NotifyKind;
    let kind = match n.kind() {
        Some(NotifyKind::Slack) => "slack",
        Some(NotifyKind::Webhook) if n.secret_env.is_some() => "webhook (signed)",
        Some(NotifyKind::Webhook) => "webhook",
        Some(NotifyKind::PagerDuty) => "pagerduty",
        Some(NotifyKind::Grafana) => "grafana",
        None => "?",
    };
    let events = n.events().len();
    format!("{kind}: {events} event{}", plural(events))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The one-screen summary of a valid plan.
pub fn summary(path: &Path, plan: &Plan, look: &Look, markdown: &MarkdownReport, warnings: usize) -> String {
    let mut out = String::new();
    let d = &plan.deck;
    out.push_str(&format!("{} is valid: \"{}\" · {} · room {}\n", path.display(), d.name, d.environment, d.room()));
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &plan.checks {
        *kinds.entry(c.probe.kind()).or_default() += 1;
    }
    let by_kind: Vec<String> = config::check::PROBE_KINDS.iter().filter_map(|k| kinds.get(k).map(|n| format!("{k} {n}"))).collect();
    let row = |label: &str, n: usize, detail: String| format!("  {label:<11} {n:>3}   {detail}\n");
    out.push_str(&row("checks", plan.checks.len(), by_kind.join(" · ")));
    out.push_str(&row("checklists", plan.checklists.len(), markdown.checklists.join(" · ")));
    out.push_str(&row("runbooks", plan.runbooks.len(), markdown.runbooks.join(" · ")));
    let rbs: Vec<&str> = plan.rollbacks.iter().map(|r| r.id.as_str()).collect();
    out.push_str(&row("rollbacks", plan.rollbacks.len(), rbs.join(" · ")));
    let trig: Vec<String> = plan.triggers.iter().map(|t| format!("{} ({:?})", t.id, t.mode).to_lowercase()).collect();
    out.push_str(&row("triggers", plan.triggers.len(), trig.join(" · ")));
    let sev: Vec<String> = plan.severities.iter().map(|s| format!("{} {}", s.id, s.respond_within)).collect();
    let defaulted = if plan.default_severities { " (defaults)" } else { "" };
    out.push_str(&row("severities", plan.severities.len(), format!("{}{defaulted}", sev.join(" · "))));
    let hooks: Vec<String> = plan.notify.iter().map(notify_summary).collect();
    out.push_str(&row("notify", plan.notify.len(), hooks.join(" · ")));
    if !plan.maintenance.is_empty() {
        let windows: Vec<String> = plan.maintenance.iter().map(|m| m.describe()).collect();
        out.push_str(&row("maintenance", plan.maintenance.len(), windows.join(" · ")));
    }
    if let Some(am) = &plan.alertmanager {
        // Never the URL itself: it may carry a secret, and `url_env` names where it is.
        let at = am.url_env.as_ref().map_or_else(|| "url in the plan".to_string(), |var| format!("url from {var}"));
        let mirrored = plan.checks.iter().filter(|c| !c.silence_matchers.is_empty()).count()
            + plan.triggers.iter().filter(|t| !t.silence_matchers.is_empty()).count();
        out.push_str(&row("silences", mirrored, format!("targets mirrored to Alertmanager ({at})")));
    }
    let theme_from = match &look.theme_origin {
        Origin::Shipped => "shipped".to_string(),
        Origin::File(p) => p.display().to_string(),
    };
    out.push_str(&format!("  {:<11}       {} ({theme_from}) · keymap {}\n", "theme", look.theme.name, look.keymap.name));
    if warnings > 0 {
        out.push_str(&format!("  {warnings} warning{} (above)\n", plural(warnings)));
    }
    out
}
