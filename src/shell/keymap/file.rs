//! Reading one keymap file (a preset or an overlay) with spans, and applying
//! it to a keymap: replace, prepend or append, refusing duplicate bindings.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, ValueDeserializer};

use super::{Binding, Context, Key, Keymap};
use crate::shell::action::Action;
use opsdeck_core::config::{Diagnostic, Diagnostics, Report, Source};

/// A keymap file as written.
pub struct KeymapFile {
    pub extends: Option<String>,
    pub sections: Vec<(Context, Section)>,
}

/// One context's lists.
#[derive(Default)]
pub struct Section {
    pub keymap: Option<Vec<RawBinding>>,
    pub prepend: Vec<RawBinding>,
    pub append: Vec<RawBinding>,
}

/// A binding with the span of its `on` value, for messages.
pub struct RawBinding {
    pub binding: Binding,
    pub span: Range<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionToml {
    keymap: Option<Vec<BindingToml>>,
    prepend_keymap: Option<Vec<BindingToml>>,
    append_keymap: Option<Vec<BindingToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingToml {
    on: Spanned<OnToml>,
    run: Spanned<String>,
    desc: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OnToml {
    One(String),
    Sequence(Vec<String>),
}

/// Parses a keymap file, reporting every problem it finds.
pub fn parse(source: &Source) -> Result<KeymapFile, Report> {
    let mut diags = Diagnostics::default();
    let err = |span: Option<Range<usize>>, key: &str, msg: String| Diagnostic::error(&source.path, span, key, msg);
    let report = |diags: Diagnostics| Report { diagnostics: diags, sources: vec![source.clone()] };
    let root = DeTable::parse(&source.text)
        .map_err(|e| report(Diagnostics { items: vec![err(e.span(), "", format!("invalid TOML: {}", e.message().trim()))] }))?;
    let mut file = KeymapFile { extends: None, sections: Vec::new() };
    for (key, value) in root.get_ref().iter() {
        let name: &str = key.get_ref();
        match name {
            "extends" | "description" => match value.get_ref().as_str() {
                Some(s) if name == "extends" => file.extends = Some(s.to_string()),
                Some(_) => {}
                None => diags.push(err(Some(value.span()), name, format!("`{name}` must be a string"))),
            },
            _ => {
                let ctx = match Context::parse(name) {
                    Ok(c) => c,
                    Err(m) => {
                        diags.push(err(Some(key.span()), name, m));
                        continue;
                    }
                };
                match SectionToml::deserialize(ValueDeserializer::from(value.clone())) {
                    Ok(t) => {
                        let mut convert = |list: Option<Vec<BindingToml>>, which: &str| -> Option<Vec<RawBinding>> {
                            list.map(|l| l.into_iter().filter_map(|b| convert(b, source, &format!("{name}.{which}"), &mut diags)).collect())
                        };
                        let section = Section {
                            keymap: convert(t.keymap, "keymap"),
                            prepend: convert(t.prepend_keymap, "prepend_keymap").unwrap_or_default(),
                            append: convert(t.append_keymap, "append_keymap").unwrap_or_default(),
                        };
                        file.sections.push((ctx, section));
                    }
                    Err(e) => diags.push(err(e.span().or(Some(value.span())), name, e.message().trim().to_string())),
                }
            }
        }
    }
    if diags.has_errors() { Err(report(diags)) } else { Ok(file) }
}

fn convert(b: BindingToml, source: &Source, key: &str, diags: &mut Diagnostics) -> Option<RawBinding> {
    let span = b.on.span();
    let words = match b.on.into_inner() {
        OnToml::One(s) => vec![s],
        OnToml::Sequence(v) => v,
    };
    if words.is_empty() {
        diags.push(Diagnostic::error(
            &source.path,
            Some(span),
            format!("{key}.on"),
            "no keys; expected a key like \"q\" or a sequence like [\"g\", \"g\"]",
        ));
        return None;
    }
    let mut keys = Vec::new();
    for w in &words {
        match w.parse::<Key>() {
            Ok(k) => keys.push(k),
            Err(m) => {
                diags.push(Diagnostic::error(&source.path, Some(span.clone()), format!("{key}.on"), m));
                return None;
            }
        }
    }
    let action = match Action::parse(b.run.get_ref()) {
        Ok(a) => a,
        Err(m) => {
            diags.push(Diagnostic::error(&source.path, Some(b.run.span()), format!("{key}.run"), m));
            return None;
        }
    };
    if b.desc.trim().is_empty() {
        diags.push(Diagnostic::error(
            &source.path,
            Some(span),
            format!("{key}.desc"),
            "empty description; every binding says what it does",
        ));
        return None;
    }
    Some(RawBinding { binding: Binding { keys, action, desc: b.desc }, span })
}

/// Applies a parsed file to `map`, checking that no key is bound twice.
pub fn overlay(map: &mut Keymap, file: &KeymapFile, source: &Source) -> Result<(), Report> {
    let mut diags = Diagnostics::default();
    let line = |span: &Range<usize>| source.line_col(span.start).0;
    for (ctx, section) in &file.sections {
        let at =
            |b: &RawBinding, list: &str, msg: String| Diagnostic::error(&source.path, Some(b.span.clone()), format!("{ctx}.{list}"), msg);
        // Duplicates within this file's lists for the context.
        let mut seen: Vec<&RawBinding> = Vec::new();
        for (list, bindings) in
            [("keymap", section.keymap.as_deref().unwrap_or(&[])), ("prepend_keymap", &section.prepend), ("append_keymap", &section.append)]
        {
            for b in bindings {
                if let Some(first) = seen.iter().find(|s| s.binding.keys == b.binding.keys) {
                    diags.push(at(
                        b,
                        list,
                        format!("key `{}` is bound twice in [{ctx}]; first at line {}", b.binding.keys_label(), line(&first.span)),
                    ));
                } else {
                    seen.push(b);
                }
            }
        }
        let target = map.bindings_mut(*ctx);
        if let Some(list) = &section.keymap {
            *target = list.iter().map(|b| b.binding.clone()).collect();
        }
        for b in section.prepend.iter().rev() {
            target.retain(|t| t.keys != b.binding.keys);
            target.insert(0, b.binding.clone());
        }
        for b in &section.append {
            if let Some(existing) = target.iter().find(|t| t.keys == b.binding.keys) {
                diags.push(at(
                    b,
                    "append_keymap",
                    format!(
                        "key `{}` is already bound to `{}` in [{ctx}]; use prepend_keymap to replace it",
                        b.binding.keys_label(),
                        existing.action
                    ),
                ));
            } else {
                target.push(b.binding.clone());
            }
        }
        // A key that is also the start of a longer sequence could never wait for it.
        for b in seen {
            if let Some(longer) = target.iter().find(|t| {
                t.keys.len() != b.binding.keys.len() && (t.keys.starts_with(&b.binding.keys) || b.binding.keys.starts_with(&t.keys))
            }) {
                diags.push(at(
                    b,
                    "keymap",
                    format!(
                        "key `{}` clashes with `{}` in [{ctx}]: one is the start of the other",
                        b.binding.keys_label(),
                        longer.keys_label()
                    ),
                ));
            }
        }
    }
    if diags.has_errors() { Err(Report { diagnostics: diags, sources: vec![source.clone()] }) } else { Ok(()) }
}

impl std::fmt::Debug for RawBinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {}", self.binding.keys_label(), self.binding.action)
    }
}
