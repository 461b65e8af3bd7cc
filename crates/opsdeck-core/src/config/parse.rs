//! Turning plan text into typed sections, one table at a time, so that one
//! run reports every syntax and type error rather than only the first.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::check::Check;
use super::diagnostic::{Diagnostic, Diagnostics, Source};
use super::locate::Located;
use super::sections::{Checklist, Deck, Defaults, Notify, Rollback, Runbook, Severity, Trigger};

/// The sections of a plan as written, before cross-checks.
#[derive(Default)]
pub struct Sections {
    pub deck: Option<Deck>,
    pub deck_seen: bool,
    pub defaults: Option<Defaults>,
    pub checks: Vec<(usize, Check)>,
    pub severities: Vec<(usize, Severity)>,
    pub checklists: Vec<(usize, Checklist)>,
    pub runbooks: Vec<(usize, Runbook)>,
    pub rollbacks: Vec<(usize, Rollback)>,
    pub triggers: Vec<(usize, Trigger)>,
    pub notify: Vec<(usize, Notify)>,
    pub maintenance: Vec<(usize, super::sections::Maintenance)>,
    pub alertmanager: Option<super::alertmanager::AlertmanagerTable>,
}

const SECTIONS: &str = "deck, defaults, check, severity, checklist, runbook, rollback, trigger, notify, maintenance, alertmanager";

/// Parses the document; returns `None` when the TOML itself is broken.
pub fn parse<'s>(source: &'s Source, diags: &mut Diagnostics) -> Option<(Spanned<DeTable<'s>>, Sections)> {
    let (root, syntax_errors) = DeTable::parse_recoverable(&source.text);
    if !syntax_errors.is_empty() {
        for e in syntax_errors {
            diags.push(Diagnostic::error(&source.path, e.span(), "", format!("invalid TOML: {}", e.message().trim())));
        }
        return None;
    }
    let mut sections = Sections::default();
    {
        let located = Located { root: &root };
        let reader = Reader { source, located: &located };
        for (key, value) in root.get_ref().iter() {
            let name: &str = key.get_ref();
            match name {
                "deck" => {
                    sections.deck_seen = true;
                    sections.deck = reader.one(value, diags);
                }
                "defaults" => sections.defaults = reader.one(value, diags),
                "check" => sections.checks = reader.many(name, value, diags),
                "severity" => sections.severities = reader.many(name, value, diags),
                "checklist" => sections.checklists = reader.many(name, value, diags),
                "runbook" => sections.runbooks = reader.many(name, value, diags),
                "rollback" => sections.rollbacks = reader.many(name, value, diags),
                "trigger" => sections.triggers = reader.many(name, value, diags),
                "notify" => sections.notify = reader.many(name, value, diags),
                "maintenance" => sections.maintenance = reader.many(name, value, diags),
                "alertmanager" => sections.alertmanager = reader.one(value, diags),
                other => {
                    let near = super::suggest::closest(other, SECTIONS.split(", ").map(|s| s.trim_matches(['`', '[', ']'])));
                    let hint = near.map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
                    diags.push(Diagnostic::error(
                        &source.path,
                        Some(key.span()),
                        other,
                        format!("unknown section `{other}`; expected one of {SECTIONS}{hint}"),
                    ))
                }
            }
        }
    }
    Some((root, sections))
}

struct Reader<'a> {
    source: &'a Source,
    located: &'a Located<'a>,
}

impl Reader<'_> {
    fn error(&self, span: Range<usize>, message: String) -> Diagnostic {
        let key = self.located.display(&self.located.path_at(span.start));
        Diagnostic::error(&self.source.path, Some(span), key, message)
    }

    /// Deserialises a single table (`[deck]`).
    fn one<T: DeserializeOwned>(&self, value: &Spanned<DeValue>, diags: &mut Diagnostics) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(owned(value))) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| value.span());
                diags.push(self.error(span, super::suggest::unknown_field(e.message().trim())));
                None
            }
        }
    }

    /// Deserialises each element of an array of tables (`[[check]]`) on its
    /// own, keeping the element's index for later messages.
    fn many<T: DeserializeOwned>(&self, name: &str, value: &Spanned<DeValue>, diags: &mut Diagnostics) -> Vec<(usize, T)> {
        let Some(items) = value.get_ref().as_array() else {
            diags.push(self.error(value.span(), format!("`{name}` must be an array of tables; expected `[[{name}]]` headers")));
            return Vec::new();
        };
        items.iter().enumerate().filter_map(|(i, item)| self.one(item, diags).map(|v| (i, v))).collect()
    }
}

fn owned<'a>(value: &Spanned<DeValue<'a>>) -> Spanned<DeValue<'a>> {
    value.clone()
}
