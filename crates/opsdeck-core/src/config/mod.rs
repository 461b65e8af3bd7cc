//! The plan file: its serde types, loading with every problem reported at
//! `file:line:column`, and the checks beyond syntax (duplicate ids, band
//! order, dangling references, missing files, unset secrets).

pub mod alertmanager;
pub mod band;
pub mod check;
pub mod condition;
pub mod diagnostic;
pub mod doc_ref;
pub mod duration;
pub mod locate;
pub mod notify;
mod parse;
pub mod recurrence;
pub mod schema;
pub mod sections;
pub mod suggest;
pub mod units;
mod validate;

use std::path::{Path, PathBuf};

pub use band::{Band, BandLevel, Bound, CmpOp, ResolvedBand};
pub use check::{Check, Probe};
pub use diagnostic::{Diagnostic, Diagnostics, Level, Report, Source};
pub use doc_ref::DocRef;
pub use duration::{Deadline, TimeSpan};
pub use notify::NotifyKind;
pub use sections::{Checklist, Deck, Defaults, Notify, Rollback, Runbook, Severity, Trigger};

/// A launch or service plan, as written and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub deck: Deck,
    pub defaults: Defaults,
    pub checks: Vec<Check>,
    pub severities: Vec<Severity>,
    /// True when the plan names no severities and P0–P3 defaults are used.
    pub default_severities: bool,
    pub checklists: Vec<Checklist>,
    pub runbooks: Vec<Runbook>,
    pub rollbacks: Vec<Rollback>,
    pub triggers: Vec<Trigger>,
    pub notify: Vec<Notify>,
    pub maintenance: Vec<sections::Maintenance>,
    /// `[alertmanager]`: where silences are mirrored (none without the table).
    pub alertmanager: Option<alertmanager::AlertmanagerTable>,
    /// Directory of the plan file; relative paths in the plan start here.
    pub base_dir: PathBuf,
}

impl Plan {
    /// A path from the plan, resolved against the plan's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        resolve_relative(&self.base_dir, p)
    }
}

fn resolve_relative(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { base.join(p) }
}

/// The result of loading a plan: the plan when it is valid, and every problem found.
pub struct Loaded {
    pub plan: Option<Plan>,
    pub diagnostics: Diagnostics,
    pub source: Option<Source>,
}

/// Reads, parses and validates a plan file, reading environment variables
/// from the process environment.
pub fn load_plan(path: &Path) -> Loaded {
    load_plan_with_env(path, &|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// As [`load_plan`], with `env_is_set` telling which variables exist.
pub fn load_plan_with_env(path: &Path, env_is_set: &dyn Fn(&str) -> bool) -> Loaded {
    let source = match Source::read(path) {
        Ok(s) => s,
        Err(d) => {
            return Loaded { plan: None, diagnostics: Diagnostics { items: vec![d] }, source: None };
        }
    };
    let (plan, diagnostics) = parse_source(&source, env_is_set);
    Loaded { plan, diagnostics, source: Some(source) }
}

/// Parses and validates plan text already in memory.
pub fn parse_source(source: &Source, env_is_set: &dyn Fn(&str) -> bool) -> (Option<Plan>, Diagnostics) {
    let base_dir = source.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut diags = Diagnostics::default();
    let Some((root, sections)) = parse::parse(source, &mut diags) else {
        return (None, diags);
    };
    let located = locate::Located { root: &root };
    let ctx = validate::Ctx { source, located: &located, base_dir: &base_dir, env_is_set, unset_reported: Default::default() };
    let plan = validate::validate(&ctx, sections, &mut diags);
    diags.items.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    let plan = if diags.has_errors() { None } else { plan };
    (plan, diags)
}

/// The span of a dotted key path (`deck.theme`) in a plan's text, for
/// problems that other loaders find in values the plan names.
pub fn span_of(source: &Source, path: &str) -> Option<std::ops::Range<usize>> {
    let root = toml::de::DeTable::parse(&source.text).ok()?;
    let span = locate::Located { root: &root }.span(&locate::KeyPath::from(path), false);
    (!span.is_empty()).then_some(span)
}

/// The span of the value at `path` in a plan's text, and the key as
/// messages name it (`check[api].http.url_env`); `None` for the span when
/// the text does not parse or has no such key.
pub fn locate_key(source: &Source, path: &locate::KeyPath) -> (Option<std::ops::Range<usize>>, String) {
    let Ok(root) = toml::de::DeTable::parse(&source.text) else {
        return (None, String::new());
    };
    let located = locate::Located { root: &root };
    let span = located.span(path, false);
    (Some(span).filter(|s| !s.is_empty()), located.display(path))
}

/// The dotted key at a byte offset of a TOML text (`check[api].band`), for
/// naming the key in errors that serde reports with only a span.
pub fn key_at(text: &str, offset: usize) -> String {
    match toml::de::DeTable::parse(text) {
        Ok(root) => {
            let located = locate::Located { root: &root };
            located.display(&located.path_at(offset))
        }
        Err(_) => String::new(),
    }
}
