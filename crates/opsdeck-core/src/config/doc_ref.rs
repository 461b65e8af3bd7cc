//! [`DocRef`]: what a `from = "…"` of a checklist or runbook names: a
//! Markdown file, relative to the plan, and optionally one section of it
//! (`guide.md#database-issues`, the heading's GitHub-style anchor).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};

/// A Markdown file and, after `#`, the anchor of one of its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRef {
    pub path: PathBuf,
    /// The section's anchor (`database-issues`), when only one section is taken.
    pub section: Option<String>,
}

impl DocRef {
    /// Reads `guide.md` or `guide.md#slug` (the last `#` starts the anchor).
    pub fn parse(s: &str) -> DocRef {
        match s.rsplit_once('#') {
            Some((path, anchor)) if !path.is_empty() => {
                DocRef { path: PathBuf::from(path), section: Some(anchor.trim().to_string()).filter(|a| !a.is_empty()) }
            }
            _ => DocRef { path: PathBuf::from(s), section: None },
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's name without extension, for ids and fallback phase names.
    pub fn stem(&self) -> Option<String> {
        self.path.file_stem().map(|s| s.to_string_lossy().into_owned())
    }
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.section {
            Some(s) => write!(f, "{}#{s}", self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

impl<'de> Deserialize<'de> for DocRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(DocRef::parse(&s))
    }
}

impl From<&str> for DocRef {
    fn from(s: &str) -> Self {
        DocRef::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_anchor_off_the_last_hash() {
        let r = DocRef::parse("docs/guide.md#database-issues");
        assert_eq!((r.path, r.section.as_deref()), (PathBuf::from("docs/guide.md"), Some("database-issues")));
        assert_eq!(DocRef::parse("guide.md").section, None);
        assert_eq!(DocRef::parse("guide.md#").section, None);
        assert_eq!(DocRef::parse("a#b.md#c").path, PathBuf::from("a#b.md"));
        assert_eq!(DocRef::parse("guide.md#x").to_string(), "guide.md#x");
    }
}
