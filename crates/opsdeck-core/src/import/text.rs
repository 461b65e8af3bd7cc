//! Text helpers: readable cleanup of heading and item text, normalisation for
//! ids, explicit `{#id}` suffixes, TOML string literals for plan fragments,
//! and byte offset to 1-based line lookup.

use std::fmt::Write;

/// Makes text readable: mojibake is repaired word by word (before anything
/// else, since UTF-8 read as Latin-1 holds C1 control characters that are
/// part of the damaged word), then control characters become spaces, each
/// run of U+FFFD becomes a single `?`, whitespace is collapsed and trimmed.
/// Emoji and words are kept.
pub fn clean(s: &str) -> String {
    let repaired: Vec<String> = s.split_ascii_whitespace().map(super::mojibake::repair).collect();
    let s = repaired.join(" ");
    let mut out = String::with_capacity(s.len());
    let mut last_replacement = false;
    for c in s.chars() {
        if c == '\u{FFFD}' {
            if !last_replacement {
                out.push('?');
            }
            last_replacement = true;
            continue;
        }
        last_replacement = false;
        out.push(if c.is_control() { ' ' } else { c });
    }
    collapse(&out)
}

/// Collapses whitespace runs to one space and trims.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The form ids are computed from: lowercase, whitespace collapsed, punctuation trimmed at both ends.
pub fn normalise(s: &str) -> String {
    let lower = collapse(&clean(s)).to_lowercase();
    lower.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace()).to_string()
}

/// Splits a trailing explicit id `{#my-id}` off `text`; returns the text without it and the id.
pub fn split_explicit_id(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end();
    if let Some(body) = trimmed.strip_suffix('}')
        && let Some(open) = body.rfind("{#")
    {
        let id = body.get(open + 2..).unwrap_or("").trim();
        if !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')) {
            let rest = body.get(..open).unwrap_or("");
            return (collapse(rest), Some(id.to_string()));
        }
    }
    (text.to_string(), None)
}

/// TOML basic string literal.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Maps byte offsets to 1-based line numbers.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_and_normalises() {
        assert_eq!(clean("  🚀 Launch\u{7}  day \u{FFFD}\u{FFFD}\u{FFFD} ok "), "🚀 Launch day ? ok");
        assert_eq!(normalise("  Check the DB!  "), "check the db");
        assert_eq!(split_explicit_id("Ping the db {#db-ping}"), ("Ping the db".to_string(), Some("db-ping".to_string())));
        assert_eq!(split_explicit_id("braces {# not an id}").1, None);
        assert_eq!(clean("RÃ©sumÃ© of the rollback"), "Résumé of the rollback");
        assert_eq!(clean("Itâ€™s café naïve ✅"), "It’s café naïve ✅");
        assert_eq!(clean("\u{F8FF}üöÄ Launch"), "🚀 Launch");
        assert_eq!(clean("Ü café Øre"), "Ü café Øre");
        // Latin-1 (not cp1252) keeps 0x80..0x9F as C1 controls: "✅" read as Latin-1.
        assert_eq!(clean("Done \u{e2}\u{9c}\u{85} and ready"), "Done ✅ and ready");
        assert_eq!(clean("\u{f0}\u{9f}\u{9a}\u{80} Launch"), "🚀 Launch");
        assert_eq!(clean("a\u{85}b"), "a b", "a lone C1 control is still a space");
        let l = Lines::new("a\nb\n\nc");
        assert_eq!((l.line(0), l.line(2), l.line(4), l.line(5)), (1, 2, 3, 4));
    }
}
