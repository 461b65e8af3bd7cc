//! The bounded copy of a run's output that goes into the journal: the first
//! [`HEAD_LIMIT`] bytes of cleaned lines and the last [`TAIL_LIMIT`] bytes,
//! with one marker line where the middle was dropped
//! (`… 49.8 MB (812 lines) omitted …`). Memory stays bounded whatever the
//! command prints: the tail is compacted as it grows.

/// Bytes kept from the start of the output.
pub const HEAD_LIMIT: usize = 16 * 1024;
/// Bytes kept from the end of the output.
pub const TAIL_LIMIT: usize = 48 * 1024;
/// The tail buffer is compacted back to [`TAIL_LIMIT`] once it holds this
/// much more.
const COMPACT_SLACK: usize = 64 * 1024;

/// Whole cleaned lines: a head, a sliding tail, and what fell out between.
#[derive(Debug, Default)]
pub(crate) struct Capture {
    head: String,
    /// No more lines go to the head (one did not fit).
    head_full: bool,
    tail: String,
    omitted_bytes: u64,
    omitted_lines: u64,
}

impl Capture {
    /// Adds cleaned lines, each ending with `\n`.
    pub(crate) fn push(&mut self, mut text: &str) {
        if text.is_empty() {
            return;
        }
        if !self.head_full {
            let room = HEAD_LIMIT - self.head.len();
            if text.len() <= room {
                self.head.push_str(text);
                return;
            }
            // Whole lines only; `\n` is ASCII, so the cut is a char boundary.
            let fits = text.as_bytes()[..room].iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
            self.head.push_str(&text[..fits]);
            text = &text[fits..];
            self.head_full = true;
        }
        self.tail.push_str(text);
        if self.tail.len() > TAIL_LIMIT + COMPACT_SLACK {
            self.compact();
        }
    }

    /// Drops the oldest whole lines of the tail until it fits [`TAIL_LIMIT`].
    fn compact(&mut self) {
        if self.tail.len() <= TAIL_LIMIT {
            return;
        }
        let excess = self.tail.len() - TAIL_LIMIT;
        // The first line end at or after the excess: drop through it.
        let cut = self.tail.as_bytes()[excess - 1..].iter().position(|&b| b == b'\n').map_or(self.tail.len(), |at| excess + at);
        let dropped = &self.tail.as_bytes()[..cut];
        self.omitted_lines += dropped.iter().filter(|&&b| b == b'\n').count() as u64;
        self.omitted_bytes += cut as u64;
        self.tail.drain(..cut);
    }

    /// The kept output (no trailing newline) and whether anything was
    /// omitted.
    pub(crate) fn finish(mut self) -> (String, bool) {
        self.compact();
        let truncated = self.omitted_bytes > 0;
        let mut out = self.head;
        if truncated {
            out.push_str(&format!("… {} ({} lines) omitted …\n", human_bytes(self.omitted_bytes), self.omitted_lines));
        }
        out.push_str(&self.tail);
        if out.ends_with('\n') {
            out.pop();
        }
        (out, truncated)
    }
}

/// `512 bytes`, `1.5 kB`, `49.8 MB`, `2.1 GB` (decimal units).
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return if n == 1 { "1 byte".into() } else { format!("{n} bytes") };
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut c = Capture::default();
        c.push("one\ntwo\n");
        c.push("");
        c.push("three\n");
        assert_eq!(c.finish(), ("one\ntwo\nthree".to_string(), false));
        assert_eq!(Capture::default().finish(), (String::new(), false));
    }

    #[test]
    fn big_output_keeps_head_and_tail_with_a_marker() {
        let mut c = Capture::default();
        let total_lines = 100_000;
        for i in 0..total_lines {
            c.push(&format!("line {i:06}\n"));
        }
        let (out, truncated) = c.finish();
        assert!(truncated);
        assert!(out.len() <= HEAD_LIMIT + TAIL_LIMIT + 100, "{}", out.len());
        assert!(out.starts_with("line 000000\nline 000001\n"));
        assert!(out.ends_with("line 099999"));
        let marker: Vec<&str> = out.lines().filter(|l| l.starts_with('…')).collect();
        assert_eq!(marker.len(), 1);
        // 12 bytes a line: what is not kept is what the marker says.
        let kept = out.lines().filter(|l| l.starts_with("line")).count();
        let omitted = total_lines - kept;
        assert_eq!(marker[0], format!("… {} ({omitted} lines) omitted …", human_bytes(omitted as u64 * 12)));
        // Whole lines only, in order, none missing around the marker.
        let numbers: Vec<usize> = out.lines().filter_map(|l| l.strip_prefix("line ")).map(|n| n.parse().unwrap()).collect();
        let gap = numbers.windows(2).filter(|w| w[1] != w[0] + 1).count();
        assert_eq!(gap, 1);
    }

    #[test]
    fn one_big_push_is_split_at_line_ends() {
        let mut c = Capture::default();
        let text: String = (0..20_000).map(|i| format!("{i:09}\n")).collect();
        c.push(&text);
        let (out, truncated) = c.finish();
        assert!(truncated);
        assert!(out.lines().all(|l| l.len() == 9 || l.starts_with('…')));
        assert!(out.starts_with("000000000\n"));
        assert!(out.ends_with("000019999"));
    }

    #[test]
    fn memory_stays_bounded() {
        let mut c = Capture::default();
        let chunk = "x".repeat(1000) + "\n";
        for _ in 0..10_000 {
            c.push(&chunk);
            assert!(c.tail.len() <= TAIL_LIMIT + COMPACT_SLACK + chunk.len());
        }
    }

    #[test]
    fn human_bytes_reads_well() {
        assert_eq!(human_bytes(0), "0 bytes");
        assert_eq!(human_bytes(1), "1 byte");
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1500), "1.5 kB");
        assert_eq!(human_bytes(49_800_000), "49.8 MB");
        assert_eq!(human_bytes(999_999), "1.0 MB");
        assert_eq!(human_bytes(2_100_000_000), "2.1 GB");
    }
}
