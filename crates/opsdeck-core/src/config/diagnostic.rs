//! Diagnostics for files a user writes (plan, theme, keymap): each problem
//! carries the file, a byte span, the key it concerns and what was expected,
//! and renders as `file:line:column: level: key: message` plus the source line.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A user-written text file kept in memory so diagnostics can quote it.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as the user gave it (shown in messages).
    pub path: PathBuf,
    /// The file's full text.
    pub text: String,
}

impl Source {
    /// Reads a file, with the path in the error.
    pub fn read(path: &Path) -> Result<Self, Diagnostic> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self { path: path.to_path_buf(), text }),
            Err(e) => Err(Diagnostic::error(path, None, "", format!("cannot read file: {e}"))),
        }
    }

    /// A source from text already in memory (embedded presets, tests).
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self { path: path.into(), text: text.into() }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// How bad a problem is: errors make a file invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub level: Level,
    pub file: PathBuf,
    /// Byte range in the file, when the problem has a place.
    pub span: Option<Range<usize>>,
    /// The key the problem concerns, as a dotted path (`check[api].band.target`).
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: &Path, span: Option<Range<usize>>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { level: Level::Error, file: file.to_path_buf(), span, key: key.into(), message: message.into() }
    }

    pub fn warning(file: &Path, span: Option<Range<usize>>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { level: Level::Warning, ..Self::error(file, span, key, message) }
    }

    /// Renders the headline (`file:line:col: error: key: message`) and, when the
    /// source is given, the offending line with a caret under the span.
    pub fn render(&self, source: Option<&Source>) -> String {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let key = if self.key.is_empty() { String::new() } else { format!("{}: ", self.key) };
        let located = match (source, &self.span) {
            (Some(src), Some(span)) => Some((src, span, src.line_col(span.start))),
            _ => None,
        };
        let Some((src, span, (line, col))) = located else {
            return format!("{}: {level}: {key}{}\n", self.file.display(), self.message);
        };
        let mut out = format!("{}:{line}:{col}: {level}: {key}{}\n", self.file.display(), self.message);
        let text = src.line_text(line);
        let gutter = line.to_string().len();
        let (end_line, end_col) = src.line_col(span.end.max(span.start + 1).min(src.text.len()));
        let width = if end_line == line { end_col.saturating_sub(col).max(1) } else { text.chars().count().saturating_sub(col - 1).max(1) };
        out.push_str(&format!("{:gutter$} |\n", ""));
        out.push_str(&format!("{line} | {text}\n"));
        out.push_str(&format!("{:gutter$} | {}{}\n", "", " ".repeat(col - 1), "^".repeat(width)));
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(None).trim_end())
    }
}

/// Problems gathered while loading one or more files.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.level == Level::Error)
    }

    pub fn count(&self, level: Level) -> usize {
        self.items.iter().filter(|d| d.level == level).count()
    }

    /// Renders every diagnostic, quoting whichever of `sources` it belongs to.
    pub fn render(&self, sources: &[&Source]) -> String {
        let mut out = String::new();
        for d in &self.items {
            let src = sources.iter().copied().find(|s| s.path == d.file);
            out.push_str(&d.render(src));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = Source::new("p.toml", "a = 1\nbé = \"x\"\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(6), (2, 1));
        // 'é' is two bytes; the '=' after "bé " is column 4.
        assert_eq!(src.line_col(10), (2, 4));
    }

    #[test]
    fn render_points_at_the_span() {
        let src = Source::new("p.toml", "[deck]\nnmae = \"x\"\n");
        let d = Diagnostic::error(&src.path, Some(7..11), "deck.nmae", "unknown key");
        let text = d.render(Some(&src));
        assert!(text.starts_with("p.toml:2:1: error: deck.nmae: unknown key\n"), "{text}");
        assert!(text.contains("2 | nmae = \"x\"\n"), "{text}");
        assert!(text.contains("  | ^^^^\n"), "{text}");
    }
}

/// Problems together with the files they quote: what a loader returns on failure.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub diagnostics: Diagnostics,
    pub sources: Vec<Source>,
}

impl Report {
    /// A report with one problem that has no place in a file.
    pub fn single(d: Diagnostic) -> Self {
        Report { diagnostics: Diagnostics { items: vec![d] }, sources: Vec::new() }
    }

    pub fn render(&self) -> String {
        let sources: Vec<&Source> = self.sources.iter().collect();
        self.diagnostics.render(&sources)
    }
}
