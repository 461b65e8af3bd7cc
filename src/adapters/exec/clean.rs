//! Turning the raw bytes of one pipe into clean display lines: split at
//! `\n`, carriage-return progress lines reduced to what a terminal would
//! end up showing, ANSI escape sequences and other control characters
//! removed, invalid UTF-8 replaced with `�`, tabs expanded, secret values
//! masked.
//!
//! [`LineCleaner`] keeps at most [`MAX_RAW_LINE`] bytes of an unfinished
//! line: a longer line is cut into pieces of about that size, each a line of
//! its own, and never in the middle of a secret value (the cut moves back
//! before any start of a secret), so masking still works on the pieces.
//!
//! Carriage returns: `a\rb` shows `b` (the progress bar's last state),
//! `a\r\n` is `a` (CRLF), a trailing `a\r` keeps `a`.

use std::borrow::Cow;
use std::sync::Arc;

use super::redact::Secrets;

/// Most bytes of one unfinished raw line kept in memory; longer lines are
/// cut into pieces of at most this size.
pub const MAX_RAW_LINE: usize = 8 * 1024;

/// Most bytes of one cleaned line (tab expansion and `�` can make a cleaned
/// line longer than its raw bytes); the rest is replaced with `…`.
pub const MAX_LINE: usize = 16 * 1024;

/// Tab stops every this many columns.
const TAB_WIDTH: usize = 8;

/// Cleaned lines, each followed by `\n` (no cleaned line holds a `\n`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Batch {
    pub text: String,
    pub lines: u64,
}

impl Batch {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.lines = 0;
    }

    fn push_line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        self.lines += 1;
    }
}

/// Splits one stream into clean lines; keeps the unfinished line between
/// reads.
#[derive(Debug)]
pub(crate) struct LineCleaner {
    /// Raw bytes of the unfinished line (at most [`MAX_RAW_LINE`]).
    line: Vec<u8>,
    /// A `\r` was the last byte seen: the next byte decides between CRLF
    /// and overwriting the line.
    after_cr: bool,
    secrets: Arc<Secrets>,
}

impl LineCleaner {
    pub(crate) fn new(secrets: Arc<Secrets>) -> LineCleaner {
        LineCleaner { line: Vec::new(), after_cr: false, secrets }
    }

    /// Appends the lines `chunk` completes to `out`, cleaned and redacted.
    pub(crate) fn feed(&mut self, chunk: &[u8], out: &mut Batch) {
        let start = out.text.len();
        let mut rest = chunk;
        while !rest.is_empty() {
            if self.line.is_empty() && !self.after_cr {
                let plain = plain_lines_len(rest);
                if plain > 0 {
                    push_plain(&rest[..plain], out);
                    rest = &rest[plain..];
                    continue;
                }
            }
            let used = self.step(rest, out);
            rest = &rest[used..];
        }
        self.secrets.redact_from(&mut out.text, start);
    }

    /// The stream ended: appends its unfinished last line, if any.
    pub(crate) fn finish(&mut self, out: &mut Batch) {
        let start = out.text.len();
        if !self.line.is_empty() {
            self.emit(out);
        }
        self.after_cr = false;
        self.secrets.redact_from(&mut out.text, start);
    }

    /// The unfinished line as it would show now (a prompt, a progress bar),
    /// cleaned and redacted, cut before anything that could be the start of
    /// a secret whose rest has not arrived yet. `None` when there is none.
    pub(crate) fn pending(&self) -> Option<String> {
        if self.line.is_empty() {
            return None;
        }
        let cleaned = clean_line(&self.line);
        let redacted = self.secrets.redact_line(&cleaned);
        // A URL still being written may not have reached the `@` that shows its password.
        let shown = crate::secrets::url::before_open_url(self.secrets.cut_dangling(&redacted));
        (!shown.is_empty()).then(|| shown.to_string())
    }

    /// Handles `rest` up to and including its first `\n` or `\r`; returns
    /// how many bytes it used.
    fn step(&mut self, rest: &[u8], out: &mut Batch) -> usize {
        if self.after_cr {
            match rest[0] {
                b'\n' => {}
                // `\r\r\n` is still a line end.
                b'\r' => return 1,
                _ => {
                    // Something overwrites the line from its start.
                    self.line.clear();
                    self.after_cr = false;
                }
            }
        }
        match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            None => {
                self.append(rest, out);
                rest.len()
            }
            Some(at) => {
                self.append(&rest[..at], out);
                if rest[at] == b'\n' {
                    self.emit(out);
                    self.after_cr = false;
                } else {
                    self.after_cr = true;
                }
                at + 1
            }
        }
    }

    /// Adds bytes (no `\n` nor `\r`) to the unfinished line, cutting it
    /// into pieces when it grows past [`MAX_RAW_LINE`].
    fn append(&mut self, mut bytes: &[u8], out: &mut Batch) {
        while self.line.len() + bytes.len() > MAX_RAW_LINE {
            let take = MAX_RAW_LINE - self.line.len();
            self.line.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            let cut = self.safe_cut();
            let piece = clean_line(&self.line[..cut]);
            push_clamped(&piece, &self.secrets, out);
            self.line.drain(..cut);
        }
        self.line.extend_from_slice(bytes);
    }

    /// Where to cut the (full) unfinished line: not inside a possible secret
    /// value nor inside a UTF-8 character. Always more than zero.
    fn safe_cut(&self) -> usize {
        let full = self.line.len();
        let mut cut = full;
        // A few rounds: moving back can uncover the start of another secret.
        for _ in 0..8 {
            let dangling = self.secrets.dangling_prefix(&self.line[..cut]);
            if dangling == 0 {
                break;
            }
            cut -= dangling;
        }
        if cut < full / 2 {
            // Only a secret longer than half a piece gets here: cut anyway.
            cut = full;
        }
        // Do not split a UTF-8 character (the line may end inside one).
        let start = char_start(&self.line[..cut]);
        if start > 0 {
            cut = start;
        }
        cut
    }

    fn emit(&mut self, out: &mut Batch) {
        let cleaned = clean_line(&self.line);
        push_clamped(&cleaned, &self.secrets, out);
        self.line.clear();
    }
}

/// Where the last UTF-8 character of `bytes` starts if it is incomplete
/// (its rest is still to come); `bytes.len()` otherwise.
fn char_start(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(4) {
        let at = bytes.len() - back;
        let b = bytes[at];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: the start is further back
        }
        let len = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        return if back < len { at } else { bytes.len() };
    }
    bytes.len()
}

/// Appends one cleaned line, redacting and shortening it first when it is
/// longer than [`MAX_LINE`] (redacting first, so the cut never shows part of
/// a secret).
fn push_clamped(line: &str, secrets: &Secrets, out: &mut Batch) {
    if line.len() <= MAX_LINE {
        out.push_line(line);
        return;
    }
    let redacted = secrets.redact_line(line);
    let mut end = MAX_LINE.min(redacted.len());
    while !redacted.is_char_boundary(end) {
        end -= 1;
    }
    let kept = secrets.cut_dangling(&redacted[..end]);
    out.push_line(&format!("{kept}…"));
}

/// The length of the longest start of `bytes` made of whole "plain" lines,
/// which need no cleaning: each ends with `\n`, is at most
/// [`MAX_RAW_LINE`] bytes, holds no control byte (nor `\r`, `\t`, ESC, DEL,
/// nor 0xC2, the lead byte of C1 controls) and the whole is valid UTF-8.
fn plain_lines_len(bytes: &[u8]) -> usize {
    let mut end = 0;
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            if i - line_start > MAX_RAW_LINE {
                break;
            }
            end = i + 1;
            line_start = i + 1;
        } else if b < 0x20 || b == 0x7F || b == 0xC2 || i - line_start >= MAX_RAW_LINE {
            break;
        }
    }
    match std::str::from_utf8(&bytes[..end]) {
        Ok(_) => end,
        Err(e) => bytes[..e.valid_up_to()].iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1),
    }
}

/// Appends plain lines (see [`plain_lines_len`]) as they are.
fn push_plain(lines: &[u8], out: &mut Batch) {
    // plain_lines_len checked them; this never fails, but stay lossy if it did.
    out.text.push_str(&String::from_utf8_lossy(lines));
    out.lines += lines.iter().filter(|&&b| b == b'\n').count() as u64;
}

/// One raw line (no `\n`, no `\r`) as it should be shown: invalid UTF-8
/// replaced, ANSI escape sequences and control characters removed, tabs
/// expanded to the next multiple of [`TAB_WIDTH`] columns.
pub(crate) fn clean_line(raw: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(raw);
    if !text.chars().any(|c| c.is_control()) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut column = 0;
    for (i, piece) in text.split('\t').enumerate() {
        if i > 0 {
            let spaces = TAB_WIDTH - column % TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        }
        let stripped: Cow<'_, str> = if piece.chars().any(|c| c.is_control()) {
            Cow::Owned(String::from_utf8_lossy(&strip_ansi_escapes::strip(piece.as_bytes())).into_owned())
        } else {
            Cow::Borrowed(piece)
        };
        for c in stripped.chars().filter(|c| !c.is_control()) {
            out.push(c);
            column += 1;
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaner(secrets: &[&str]) -> LineCleaner {
        let secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
        LineCleaner::new(Arc::new(Secrets::new(&secrets)))
    }

    /// Feeds `input` in chunks of `size` bytes, then ends the stream.
    fn run(secrets: &[&str], input: &[u8], size: usize) -> Batch {
        let mut c = cleaner(secrets);
        let mut out = Batch::default();
        for chunk in input.chunks(size) {
            c.feed(chunk, &mut out);
        }
        c.finish(&mut out);
        out
    }

    fn lines(secrets: &[&str], input: &[u8], size: usize) -> Vec<String> {
        run(secrets, input, size).text.lines().map(str::to_string).collect()
    }

    #[test]
    fn plain_lines_pass_through() {
        let out = run(&[], b"one\ntwo\nthree", 1024);
        assert_eq!(out.text, "one\ntwo\nthree\n");
        assert_eq!(out.lines, 3);
    }

    #[test]
    fn ansi_colours_and_controls_are_stripped() {
        let input = b"\x1b[31mred\x1b[0m and \x1b[1;32mbold green\x1b[m\x07\n\x1b]0;title\x07plain\n";
        assert_eq!(lines(&[], input, 1024), vec!["red and bold green", "plain"]);
        assert_eq!(clean_line("a\u{9b}b".as_bytes()), "ab", "C1 controls go too");
    }

    #[test]
    fn tabs_are_expanded_to_tab_stops() {
        assert_eq!(clean_line(b"a\tb"), "a       b");
        assert_eq!(clean_line(b"abcdefgh\tx"), "abcdefgh        x");
        assert_eq!(clean_line(b"\x1b[1mab\x1b[0m\tc"), "ab      c");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(lines(&[], b"ok \xff\xfe end\n", 1024), vec!["ok \u{FFFD}\u{FFFD} end"]);
        // A character split across reads is joined again.
        assert_eq!(lines(&[], "é\n".as_bytes(), 1), vec!["é"]);
    }

    #[test]
    fn carriage_returns_keep_the_last_state_of_the_line() {
        let input = b"10%\r50%\r100%\ndone\r\n\r\nlast\r";
        for size in [1, 2, 3, 1024] {
            assert_eq!(lines(&[], input, size), vec!["100%", "done", "", "last"], "chunk size {size}");
        }
        assert_eq!(lines(&[], b"a\r\r\nb\n", 1), vec!["a", "b"]);
    }

    #[test]
    fn same_lines_whatever_the_chunking() {
        let mut input = "α\tβ\n\x1b[33mwarn\x1b[0m\nplain hunter22 line\nprogress 1\rprogress 2\nbad \u{85} c1 ".as_bytes().to_vec();
        input.extend_from_slice(b"\xff\nend");
        let whole = run(&["hunter22"], &input, input.len());
        assert_eq!(whole.text, "α       β\nwarn\nplain *** line\nprogress 2\nbad  c1 \u{FFFD}\nend\n");
        for size in [1, 2, 3, 5, 7, 64] {
            assert_eq!(run(&["hunter22"], &input, size), whole, "chunk size {size}");
        }
    }

    #[test]
    fn secrets_are_masked_across_read_boundaries() {
        let input = b"token=hunter22 again hunter22\nhunter22\n";
        for size in 1..=input.len() {
            assert_eq!(lines(&["hunter22"], input, size), vec!["token=*** again ***", "***"], "chunk size {size}");
        }
    }

    #[test]
    fn secrets_hidden_by_colour_codes_are_still_masked() {
        assert_eq!(lines(&["hunter22"], b"pw: \x1b[1mhunter22\x1b[0m\n", 4), vec!["pw: ***"]);
    }

    #[test]
    fn long_lines_are_cut_into_bounded_pieces() {
        let input = vec![b'x'; MAX_RAW_LINE * 5 + 10];
        let out = run(&[], &input, 4096);
        let pieces: Vec<&str> = out.text.lines().collect();
        assert_eq!(pieces.len(), 6);
        assert!(pieces.iter().all(|p| p.len() <= MAX_RAW_LINE));
        assert_eq!(pieces.iter().map(|p| p.len()).sum::<usize>(), input.len());
    }

    #[test]
    fn a_cut_never_splits_a_secret() {
        let secret = "s3cr3t-value";
        for offset in 0..secret.len() + 2 {
            let mut input = vec![b'x'; MAX_RAW_LINE - offset];
            input.extend_from_slice(secret.as_bytes());
            input.extend_from_slice(b" tail\n");
            let out = run(&[secret], &input, 1000);
            assert!(!out.text.contains("s3cr"), "offset {offset}: secret start leaked");
            assert!(!out.text.contains("value"), "offset {offset}: secret end leaked");
            assert!(out.text.contains("***"), "offset {offset}");
            assert!(out.text.contains("tail"), "offset {offset}");
        }
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut input = vec![b'x'; MAX_RAW_LINE - 1];
        input.extend_from_slice("é".repeat(10).as_bytes());
        input.push(b'\n');
        let out = run(&[], &input, 333);
        assert!(!out.text.contains('\u{FFFD}'));
        assert_eq!(out.text.chars().filter(|&c| c == 'é').count(), 10);
    }

    #[test]
    fn char_start_finds_an_incomplete_last_character() {
        let e = "é".as_bytes();
        assert_eq!(char_start(b"abc"), 3);
        assert_eq!(char_start(b""), 0);
        assert_eq!(char_start(&[b'a', e[0]]), 1);
        assert_eq!(char_start(&[b'a', e[0], e[1]]), 3);
        let euro = "€".as_bytes();
        assert_eq!(char_start(&[b'a', euro[0], euro[1]]), 1);
        assert_eq!(char_start(&[0x80, 0x80]), 2, "stray continuation bytes are left to the lossy decoding");
    }

    #[test]
    fn cleaned_lines_are_clamped() {
        let input = "\t".repeat(MAX_RAW_LINE - 1);
        let out = run(&[], format!("{input}\n").as_bytes(), 4096);
        assert!(out.text.len() <= MAX_LINE + "…\n".len());
        assert!(out.text.ends_with("…\n"));
    }

    #[test]
    fn pending_shows_the_unfinished_line_without_a_dangling_secret() {
        let mut c = cleaner(&["hunter22"]);
        let mut out = Batch::default();
        c.feed(b"\x1b[32mdownloading 10%\rdownloading 20%", &mut out);
        assert_eq!(out.lines, 0);
        assert_eq!(c.pending().as_deref(), Some("downloading 20%"));
        c.feed(b"\rpassword: hunt", &mut out);
        assert_eq!(c.pending().as_deref(), Some("password: "));
        c.feed(b"er22 ok", &mut out);
        assert_eq!(c.pending().as_deref(), Some("password: *** ok"));
        c.feed(b"\n", &mut out);
        assert_eq!(c.pending(), None);
        assert_eq!(out.text, "password: *** ok\n");
    }
}
