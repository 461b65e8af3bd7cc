//! Checks beyond syntax, run on the typed sections with the document at hand
//! so that every problem points at the key it concerns.

mod actions;
mod alertmanager;
mod checks;
mod notify;
mod procedures;
mod secrets;
mod timing;
mod tls;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::Plan;
use super::diagnostic::{Diagnostic, Diagnostics, Source};
use super::locate::{KeyPath, Located};
use super::parse::Sections;
use super::sections::{Defaults, default_severities};

/// What every validation step needs: the source, spans, and the environment.
pub struct Ctx<'a> {
    pub source: &'a Source,
    pub located: &'a Located<'a>,
    pub base_dir: &'a Path,
    pub env_is_set: &'a dyn Fn(&str) -> bool,
    /// Variables already reported unset, so each is reported once.
    pub unset_reported: RefCell<HashSet<String>>,
}

impl Ctx<'_> {
    pub fn error(&self, path: &KeyPath, message: impl Into<String>) -> Diagnostic {
        let span = self.located.span(path, false);
        Diagnostic::error(&self.source.path, Some(span), self.located.display(path), message)
    }

    pub fn warning(&self, path: &KeyPath, message: impl Into<String>) -> Diagnostic {
        let span = self.located.span(path, false);
        Diagnostic::warning(&self.source.path, Some(span), self.located.display(path), message)
    }

    /// Line of the value at `path`, for "first defined at line N".
    pub fn line_of(&self, path: &KeyPath) -> usize {
        self.source.line_col(self.located.span(path, false).start).0
    }

    /// Warns when an `*_env` variable is not set in this environment.
    pub fn env_should_be_set(&self, path: &KeyPath, var: &str, consequence: &str, diags: &mut Diagnostics) {
        if !(self.env_is_set)(var) && self.unset_reported.borrow_mut().insert(var.to_string()) {
            diags.push(self.warning(path, format!("environment variable `{var}` is not set; {consequence}")));
        }
    }
}

/// Cross-checks the sections and assembles the plan.
pub fn validate(ctx: &Ctx, s: Sections, diags: &mut Diagnostics) -> Option<Plan> {
    if !s.deck_seen {
        diags.push(Diagnostic::error(
            &ctx.source.path,
            Some(0..0),
            "deck",
            "missing `[deck]` section; expected `[deck]` with at least `name = \"…\"`",
        ));
    }
    let defaults = s.defaults.unwrap_or_default();
    defaults_ok(ctx, &defaults, diags);
    timing::defaults_ok(ctx, &defaults, diags);
    for (i, sev) in &s.severities {
        timing::severity_ok(ctx, *i, sev, diags);
        notify::severity_ok(ctx, *i, sev, diags);
    }

    unique_ids(ctx, "check", s.checks.iter().map(|(i, c)| (*i, Some(c.id.as_str()))), diags);
    unique_ids(ctx, "severity", s.severities.iter().map(|(i, c)| (*i, Some(c.id.as_str()))), diags);
    unique_ids(ctx, "checklist", s.checklists.iter().map(|(i, c)| (*i, c.id.as_deref())), diags);
    unique_ids(ctx, "runbook", s.runbooks.iter().map(|(i, c)| (*i, Some(c.id.as_str()))), diags);
    unique_ids(ctx, "rollback", s.rollbacks.iter().map(|(i, c)| (*i, Some(c.id.as_str()))), diags);
    unique_ids(ctx, "trigger", s.triggers.iter().map(|(i, c)| (*i, Some(c.id.as_str()))), diags);

    let has_alertmanager = s.alertmanager.is_some();
    if let Some(t) = &s.alertmanager {
        alertmanager::table_ok(ctx, t, diags);
    }
    for (i, check) in &s.checks {
        checks::check_ok(ctx, *i, check, diags);
        timing::check_ok(ctx, *i, check, &defaults, diags);
        let at = KeyPath::item("check", *i).key("silence_matchers");
        alertmanager::silence_matchers_ok(ctx, &at, &check.silence_matchers, has_alertmanager, diags);
    }
    // Ids as written, including those of entries that failed to load, so a
    // broken check is not reported again as "unknown" wherever it is named.
    let check_ids = ctx.located.ids("check");
    let check_ids: Vec<&str> = check_ids.iter().map(String::as_str).collect();
    let rollback_ids = ctx.located.ids("rollback");
    let rollback_ids: Vec<&str> = rollback_ids.iter().map(String::as_str).collect();
    for (i, list) in &s.checklists {
        procedures::checklist_ok(ctx, *i, list, &check_ids, diags);
    }
    for (i, book) in &s.runbooks {
        procedures::runbook_ok(ctx, *i, book, diags);
    }
    for (i, rb) in &s.rollbacks {
        actions::rollback_ok(ctx, *i, rb, &check_ids, diags);
    }
    for (i, t) in &s.triggers {
        actions::trigger_ok(ctx, *i, t, &check_ids, &rollback_ids, diags);
        let at = KeyPath::item("trigger", *i).key("silence_matchers");
        alertmanager::silence_matchers_ok(ctx, &at, &t.silence_matchers, has_alertmanager, diags);
    }
    let trigger_ids: Vec<&str> = s.triggers.iter().map(|(_, t)| t.id.as_str()).collect();
    for (i, m) in &s.maintenance {
        actions::maintenance_ok(ctx, *i, m, &check_ids, &trigger_ids, diags);
    }
    let severity_ids: Vec<String> = if s.severities.is_empty() {
        default_severities().into_iter().map(|sev| sev.id).collect()
    } else {
        s.severities.iter().map(|(_, sev)| sev.id.clone()).collect()
    };
    let severity_ids: Vec<&str> = severity_ids.iter().map(String::as_str).collect();
    for (i, n) in &s.notify {
        notify::notify_ok(ctx, *i, n, &severity_ids, &trigger_ids, diags);
    }

    // Said only of an otherwise valid plan: beside real errors it is noise.
    if !ctx.located.has("check") && s.deck_seen && diags.count(super::diagnostic::Level::Error) == 0 {
        diags.push(ctx.warning(
            &KeyPath::from("deck"),
            "the plan has no `[[check]]`: nothing is watched, and `opsdeck status` verifies nothing (it exits 3)",
        ));
    }
    let default_sev = s.severities.is_empty();
    Some(Plan {
        deck: s.deck?,
        defaults,
        checks: strip(s.checks),
        severities: if default_sev { default_severities() } else { strip(s.severities) },
        default_severities: default_sev,
        checklists: strip(s.checklists),
        runbooks: strip(s.runbooks),
        rollbacks: strip(s.rollbacks),
        triggers: strip(s.triggers),
        notify: strip(s.notify),
        maintenance: strip(s.maintenance),
        alertmanager: s.alertmanager,
        base_dir: ctx.base_dir.to_path_buf(),
    })
}

fn defaults_ok(ctx: &Ctx, d: &Defaults, diags: &mut Diagnostics) {
    let path = |k: &str| KeyPath::from("defaults").key(k);
    for (key, n) in [("raise_after", d.raise_after), ("clear_after", d.clear_after)] {
        if n == 0 {
            diags.push(ctx.error(&path(key), format!("`{key}` is 0; expected a count of evaluations, at least 1")));
        }
    }
}

fn strip<T>(v: Vec<(usize, T)>) -> Vec<T> {
    v.into_iter().map(|(_, x)| x).collect()
}

/// Reports every id that an earlier element of the same section already used.
fn unique_ids<'a>(ctx: &Ctx, section: &str, ids: impl Iterator<Item = (usize, Option<&'a str>)>, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids {
        let Some(id) = id else { continue };
        let path = KeyPath::item(section, i).key("id");
        if id.trim().is_empty() {
            diags.push(ctx.error(&path, format!("empty {section} id; expected a short name like \"api\"")));
            continue;
        }
        match seen.get(id) {
            Some(first) => {
                let line = ctx.line_of(&KeyPath::item(section, *first).key("id"));
                diags.push(ctx.error(&path, format!("duplicate {section} id `{id}`; it is already used at line {line}")));
            }
            None => {
                seen.insert(id, i);
            }
        }
    }
}
