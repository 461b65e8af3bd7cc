//! Cutting a large document into pieces the Markdown parser reads one at a
//! time, so that the importer's memory is bounded by the piece, not the
//! document: pulldown-cmark builds a tree of the whole input before the
//! first event, at up to ~70 bytes per `[`, `<` or `]` (10 MB of `[` took
//! 661 MB).
//!
//! A document up to [`MAX_CHUNK`] is one piece, read exactly as before.
//! Beyond that, a piece ends at the first line past the limit that starts a
//! new top-level block without changing what the importer reads: an
//! unindented line outside a fenced code block that is an ATX heading, a
//! list item (the list goes on as a second list: the same items, steps and
//! phases), or the first line after a blank line. Only when no such line
//! comes within another [`MAX_CHUNK`] (one giant paragraph or line) is the
//! piece cut anyway, at a line end if there is one, else inside the line,
//! and the caller warns.

use std::ops::Range;

/// The largest piece the parser is given when it can be helped.
pub const MAX_CHUNK: usize = 256 << 10;

/// One piece: its byte range in the document, and whether it was cut
/// where no block starts (the reading of the text around the cut may differ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub range: Range<usize>,
    pub forced: bool,
}

/// The pieces of `src`, in order, covering it exactly.
pub fn split(src: &str) -> Vec<Chunk> {
    split_at(src, MAX_CHUNK, 2 * MAX_CHUNK)
}

/// Pieces end at a block start once over `max` bytes, or anywhere over `hard`.
fn split_at(src: &str, max: usize, hard: usize) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut fence: Option<(u8, usize)> = None;
    let mut prev_blank = false;
    let mut line_start = 0;
    while line_start < src.len() {
        let line_end = src[line_start..].find('\n').map_or(src.len(), |i| line_start + i + 1);
        let line = &src[line_start..line_end];
        let size = line_start - start;
        if size >= max && fence.is_none() && starts_block(line, prev_blank) {
            chunks.push(Chunk { range: start..line_start, forced: false });
            start = line_start;
        } else if line_end - start > hard {
            // No block starts for too long: cut at this line's start when
            // the piece already holds something, else inside this line.
            let cut = if line_start > start { line_start } else { char_floor(src, start + hard) };
            chunks.push(Chunk { range: start..cut, forced: true });
            start = cut;
            fence = None;
            if cut > line_start {
                // The rest of the long line is scanned again as a line.
                line_start = cut;
                prev_blank = false;
                continue;
            }
        }
        fence = next_fence(fence, line);
        prev_blank = line.trim().is_empty();
        line_start = line_end;
    }
    if start < src.len() || chunks.is_empty() {
        chunks.push(Chunk { range: start..src.len(), forced: false });
    }
    chunks
}

/// Whether an unindented `line` begins a top-level block that no earlier
/// line can continue.
fn starts_block(line: &str, prev_blank: bool) -> bool {
    let Some(first) = line.bytes().next() else { return false };
    if first == b' ' || first == b'\t' || line.trim().is_empty() {
        return false;
    }
    if prev_blank {
        return true;
    }
    let heading = line.trim_start_matches('#');
    let hashes = line.len() - heading.len();
    if (1..=6).contains(&hashes) && (heading.is_empty() || heading.starts_with([' ', '\t', '\n', '\r'])) {
        return true;
    }
    if let Some(rest) = line.strip_prefix(['-', '*', '+']) {
        return rest.starts_with([' ', '\t']);
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    (1..=9).contains(&digits) && line[digits..].starts_with(['.', ')']) && line[digits + 1..].starts_with([' ', '\t'])
}

/// The fence open after `line`, given the one open before it: a line of
/// three or more backticks or tildes (at any indentation: being cautious
/// only means fewer places to cut) opens one, and the same character at
/// least as many times, alone on its line, closes it.
fn next_fence(open: Option<(u8, usize)>, line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start();
    let Some(c) = t.bytes().next().filter(|c| *c == b'`' || *c == b'~') else { return open };
    let run = t.bytes().take_while(|b| *b == c).count();
    if run < 3 {
        return open;
    }
    match open {
        Some((oc, on)) if oc == c && run >= on && t[run..].trim().is_empty() => None,
        Some(o) => Some(o),
        None => Some((c, run)),
    }
}

fn char_floor(src: &str, mut at: usize) -> usize {
    at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(src: &str, max: usize) -> Vec<(String, bool)> {
        split_at(src, max, 1000).into_iter().map(|c| (src[c.range].to_string(), c.forced)).collect()
    }

    #[test]
    fn a_small_document_is_one_piece() {
        assert_eq!(split("# A\n- [ ] x\n"), vec![Chunk { range: 0..12, forced: false }]);
        assert_eq!(split(""), vec![Chunk { range: 0..0, forced: false }]);
    }

    #[test]
    fn pieces_cover_the_document_and_end_where_blocks_start() {
        let src = "# A\n- [ ] one\n- [ ] two\n\ntext\n# B\n- [ ] three\n";
        let parts = ranges(src, 8);
        assert_eq!(parts.iter().map(|(t, _)| t.as_str()).collect::<String>(), src);
        assert!(
            parts.iter().all(|(t, forced)| !forced && (t.starts_with('#') || t.starts_with('-') || t.starts_with("text"))),
            "{parts:?}"
        );
    }

    #[test]
    fn never_inside_a_fence_or_an_indented_continuation() {
        let src = "1. step\n\n   ```sh\n   echo a\n\n- not an item\n   ```\n\n   more of the step\n2. next\n";
        let parts = ranges(src, 4);
        let cuts: Vec<&str> = parts.iter().map(|(t, _)| t.lines().next().unwrap_or("")).collect();
        assert_eq!(cuts, ["1. step", "2. next"], "{parts:?}");
    }

    #[test]
    fn a_giant_line_is_cut_by_force_on_char_boundaries() {
        let src = "é".repeat(50);
        let parts: Vec<(String, bool)> = split_at(&src, 8, 15).into_iter().map(|c| (src[c.range].to_string(), c.forced)).collect();
        assert!(parts.len() > 1, "{parts:?}");
        assert!(parts[..parts.len() - 1].iter().all(|(_, forced)| *forced), "every cut but the end is forced: {parts:?}");
        assert_eq!(parts.iter().map(|(t, _)| t.as_str()).collect::<String>(), src);
    }
}
