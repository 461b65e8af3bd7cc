//! Finding places in a parsed TOML document: the span of a key path (for
//! errors found after deserialising) and the key path at a byte offset (for
//! errors serde reports with only a span). Paths render with ids where the
//! element has one: `check[api].band.target`, else `check#3.band`.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A path to a value in the document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    pub fn key(mut self, k: &str) -> Self {
        self.0.push(Seg::Key(k.to_string()));
        self
    }

    pub fn index(mut self, i: usize) -> Self {
        self.0.push(Seg::Index(i));
        self
    }

    /// `section[i]`, the usual start of a path into an array of tables.
    pub fn item(section: &str, i: usize) -> Self {
        KeyPath::default().key(section).index(i)
    }
}

impl From<&str> for KeyPath {
    fn from(s: &str) -> Self {
        KeyPath(s.split('.').map(|k| Seg::Key(k.to_string())).collect())
    }
}

/// A parsed document with the spans of every key and value.
pub struct Located<'a> {
    pub root: &'a Spanned<DeTable<'a>>,
}

impl<'a> Located<'a> {
    /// The span of the value at `path` (or of the key, when `at_key`), falling
    /// back to the deepest ancestor that exists, then to the document start.
    pub fn span(&self, path: &KeyPath, at_key: bool) -> Range<usize> {
        let mut best = 0..0;
        let mut table: Option<&DeTable> = Some(self.root.get_ref());
        let mut value: Option<&Spanned<DeValue>> = None;
        for seg in &path.0 {
            match seg {
                Seg::Key(k) => {
                    let Some(t) = table else { break };
                    let Some((key, v)) = t.get_key_value(k.as_str()) else {
                        break;
                    };
                    best = if at_key { key.span() } else { v.span() };
                    value = Some(v);
                }
                Seg::Index(i) => {
                    let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                        break;
                    };
                    let Some(v) = items.get(*i) else { break };
                    best = v.span();
                    value = Some(v);
                }
            }
            table = value.and_then(|v| v.get_ref().as_table());
        }
        best
    }

    /// The deepest key path whose key or value contains `offset`. Tables
    /// and arrays are searched through: their own spans cover only a header.
    pub fn path_at(&self, offset: usize) -> KeyPath {
        let mut path = KeyPath::default();
        find_in_table(self.root.get_ref(), offset, &mut path);
        path
    }

    /// The top-level table `name`, when the document has one.
    pub fn root_table(&self, name: &str) -> Option<&DeTable<'_>> {
        self.root.get_ref().get(name)?.get_ref().as_table()
    }

    /// Whether the document has the top-level key `section` at all.
    pub fn has(&self, section: &str) -> bool {
        self.root.get_ref().get(section).is_some()
    }

    /// The `id` strings written in an array-of-tables section, in order.
    pub fn ids(&self, section: &str) -> Vec<String> {
        let Some(DeValue::Array(items)) = self.root.get_ref().get(section).map(|v| v.get_ref()) else {
            return Vec::new();
        };
        items.iter().filter_map(|e| e.get_ref().as_table()?.get("id")?.get_ref().as_str().map(str::to_string)).collect()
    }

    /// Renders a path, naming array elements by their `id` when they have one.
    pub fn display(&self, path: &KeyPath) -> String {
        let mut out = String::new();
        let mut value: Option<&Spanned<DeValue>> = None;
        let mut table: Option<&DeTable> = Some(self.root.get_ref());
        for seg in &path.0 {
            match seg {
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                    value = table.and_then(|t| t.get(k.as_str()));
                }
                Seg::Index(i) => {
                    let elem = match value.map(|v| v.get_ref()) {
                        Some(DeValue::Array(items)) => items.get(*i),
                        _ => None,
                    };
                    match elem.and_then(|e| e.get_ref().as_table()).and_then(|t| t.get("id")).and_then(|id| id.get_ref().as_str()) {
                        Some(id) => out.push_str(&format!("[{id}]")),
                        None => out.push_str(&format!("#{}", i + 1)),
                    }
                    value = elem;
                }
            }
            table = value.and_then(|v| v.get_ref().as_table());
        }
        out
    }
}

fn find_in_table(table: &DeTable, offset: usize, path: &mut KeyPath) -> bool {
    for (k, v) in table.iter() {
        path.0.push(Seg::Key(k.get_ref().to_string()));
        if k.span().contains(&offset) || find_in_value(v, offset, path) {
            return true;
        }
        path.0.pop();
    }
    false
}

fn find_in_value(v: &Spanned<DeValue>, offset: usize, path: &mut KeyPath) -> bool {
    match v.get_ref() {
        DeValue::Table(t) => find_in_table(t, offset, path) || v.span().contains(&offset),
        DeValue::Array(items) => {
            for (i, e) in items.iter().enumerate() {
                path.0.push(Seg::Index(i));
                if find_in_value(e, offset, path) {
                    return true;
                }
                path.0.pop();
            }
            v.span().contains(&offset)
        }
        _ => v.span().contains(&offset),
    }
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Key(k) => f.write_str(k),
            Seg::Index(i) => write!(f, "#{}", i + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[deck]\nname = \"x\"\n\n[[check]]\nid = \"api\"\nband = { target = \"< 200\" }\n\n[[check]]\nevery = \"5s\"\n";

    #[test]
    fn spans_and_paths_round_trip() {
        let root = DeTable::parse(DOC).unwrap();
        let loc = Located { root: &root };
        let path = KeyPath::item("check", 0).key("band").key("target");
        let span = loc.span(&path, false);
        assert_eq!(&DOC[span.clone()], "\"< 200\"");
        assert_eq!(loc.path_at(span.start), path);
        assert_eq!(loc.display(&path), "check[api].band.target");
        let every = loc.span(&KeyPath::item("check", 1).key("every"), true);
        assert_eq!(&DOC[every.clone()], "every");
        assert_eq!(loc.display(&loc.path_at(every.start)), "check#2.every");
    }

    #[test]
    fn missing_keys_fall_back_to_the_parent() {
        let root = DeTable::parse(DOC).unwrap();
        let loc = Located { root: &root };
        let span = loc.span(&KeyPath::from("deck.room"), false);
        assert_eq!(&DOC[span], "[deck]");
    }
}
