//! The live view of a running command for the console: the last
//! [`LIVE_LINES`] cleaned lines (each at most [`LIVE_LINE_MAX`] bytes), the
//! unfinished line of each stream (a progress bar), counters, and a version
//! number that changes whenever any of it does.
//!
//! The runner updates the shared [`LiveTail`] once per read (never once per
//! line) and bumps a `tokio::sync::watch` version; a UI loop waits on
//! [`LiveView::changed`] or polls [`LiveView::version`] and redraws at its
//! own pace. Nothing queues up however fast the command prints.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// Lines kept for the live view.
pub const LIVE_LINES: usize = 1000;
/// Most bytes of one live line; longer ones end with `…`.
pub const LIVE_LINE_MAX: usize = 2048;

/// Which pipe output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout = 0,
    Stderr = 1,
}

/// The recent output of a run, as the console shows it.
#[derive(Debug, Default)]
pub struct LiveTail {
    lines: VecDeque<String>,
    pending: [Option<String>; 2],
    total_lines: u64,
    bytes_seen: u64,
    finished: bool,
}

impl LiveTail {
    /// The last finished lines, oldest first (at most [`LIVE_LINES`]).
    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.lines.iter().map(String::as_str)
    }

    /// The unfinished last line of stdout, then of stderr, when there is one
    /// (a prompt, a progress bar redrawn with `\r`).
    pub fn pending(&self) -> impl Iterator<Item = &str> {
        self.pending.iter().flatten().map(String::as_str)
    }

    /// Finished lines seen so far, including those no longer kept.
    pub fn total_lines(&self) -> u64 {
        self.total_lines
    }

    /// Raw bytes read from stdout and stderr so far.
    pub fn bytes_seen(&self) -> u64 {
        self.bytes_seen
    }

    /// The run is over: nothing more will arrive.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Adds cleaned lines, each ending with `\n`. Only the last
    /// [`LIVE_LINES`] of them are copied.
    pub(crate) fn push_lines(&mut self, text: &str, count: u64) {
        self.total_lines += count;
        let Some(body) = text.strip_suffix('\n') else { return };
        let newest: Vec<&str> = body.rsplit('\n').take(LIVE_LINES).collect();
        for line in newest.into_iter().rev() {
            if self.lines.len() == LIVE_LINES {
                self.lines.pop_front();
            }
            self.lines.push_back(clamp(line));
        }
    }

    pub(crate) fn set_pending(&mut self, stream: Stream, line: Option<String>) {
        self.pending[stream as usize] = line.map(|l| clamp(&l));
    }

    pub(crate) fn add_bytes(&mut self, n: u64) {
        self.bytes_seen += n;
    }

    pub(crate) fn finish(&mut self) {
        self.pending = [None, None];
        self.finished = true;
    }
}

fn clamp(line: &str) -> String {
    if line.len() <= LIVE_LINE_MAX {
        return line.to_string();
    }
    let mut end = LIVE_LINE_MAX;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

fn lock(tail: &Mutex<LiveTail>) -> MutexGuard<'_, LiveTail> {
    // A panic while holding the lock leaves plain data behind; still usable.
    tail.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A cheap, cloneable view of a run's [`LiveTail`] for the UI.
#[derive(Debug, Clone)]
pub struct LiveView {
    tail: Arc<Mutex<LiveTail>>,
    version: watch::Receiver<u64>,
}

impl LiveView {
    /// Runs `f` on the tail under its lock; keep `f` short (the runner
    /// waits for the lock to add output).
    pub fn read<R>(&self, f: impl FnOnce(&LiveTail) -> R) -> R {
        f(&lock(&self.tail))
    }

    /// The last `n` lines to draw, oldest first, ending with the unfinished
    /// lines (see [`LiveTail::pending`]).
    pub fn last_lines(&self, n: usize) -> Vec<String> {
        self.read(|t| {
            let pending: Vec<&str> = t.pending().collect();
            let from_lines = n.saturating_sub(pending.len()).min(t.lines.len());
            let mut out: Vec<String> = t.lines.iter().skip(t.lines.len() - from_lines).cloned().collect();
            out.extend(pending.iter().rev().take(n).rev().map(|s| s.to_string()));
            out
        })
    }

    /// Changes whenever the tail does (and once more when the run ends).
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    /// Waits until the tail changed since this view last looked (by
    /// [`changed`](Self::changed) or [`mark_seen`](Self::mark_seen)).
    /// Returns `false` once the run is over and nothing more will change.
    pub async fn changed(&mut self) -> bool {
        self.version.changed().await.is_ok()
    }

    /// Marks the current version as seen.
    pub fn mark_seen(&mut self) {
        self.version.borrow_and_update();
    }
}

/// The runner's side: updates the tail and bumps the version.
#[derive(Debug)]
pub(crate) struct LiveWriter {
    tail: Arc<Mutex<LiveTail>>,
    version: watch::Sender<u64>,
}

impl LiveWriter {
    pub(crate) fn new() -> (LiveWriter, LiveView) {
        let tail = Arc::new(Mutex::new(LiveTail::default()));
        let (tx, rx) = watch::channel(0);
        (LiveWriter { tail: Arc::clone(&tail), version: tx }, LiveView { tail, version: rx })
    }

    /// Changes the tail and tells the views.
    pub(crate) fn update(&self, f: impl FnOnce(&mut LiveTail)) {
        f(&mut lock(&self.tail));
        self.version.send_modify(|v| *v += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_only() {
        let (w, view) = LiveWriter::new();
        let text: String = (0..LIVE_LINES + 500).map(|i| format!("{i}\n")).collect();
        w.update(|t| t.push_lines(&text, (LIVE_LINES + 500) as u64));
        w.update(|t| t.push_lines("last\n", 1));
        view.read(|t| {
            assert_eq!(t.lines().len(), LIVE_LINES);
            assert_eq!(t.total_lines(), (LIVE_LINES + 501) as u64);
            assert_eq!(t.lines().next(), Some("501"));
            assert_eq!(t.lines().next_back(), Some("last"));
        });
        assert_eq!(view.version(), 2);
    }

    #[test]
    fn long_lines_are_clamped() {
        let (w, view) = LiveWriter::new();
        let long = "é".repeat(LIVE_LINE_MAX);
        w.update(|t| t.push_lines(&format!("{long}\n"), 1));
        w.update(|t| t.set_pending(Stream::Stderr, Some(long.clone())));
        view.read(|t| {
            let line = t.lines().next().unwrap_or_default();
            assert!(line.len() <= LIVE_LINE_MAX + '…'.len_utf8());
            assert!(line.ends_with('…'));
            assert!(t.pending().all(|p| p.len() <= LIVE_LINE_MAX + '…'.len_utf8()));
        });
    }

    #[test]
    fn last_lines_end_with_the_unfinished_ones() {
        let (w, view) = LiveWriter::new();
        w.update(|t| {
            t.push_lines("a\nb\nc\n", 3);
            t.set_pending(Stream::Stdout, Some("50%".into()));
        });
        assert_eq!(view.last_lines(3), vec!["b", "c", "50%"]);
        assert_eq!(view.last_lines(1), vec!["50%"]);
        assert_eq!(view.last_lines(0), Vec::<String>::new());
        assert_eq!(view.last_lines(10), vec!["a", "b", "c", "50%"]);
        w.update(LiveTail::finish);
        assert_eq!(view.last_lines(10), vec!["a", "b", "c"]);
        assert!(view.read(LiveTail::is_finished));
    }

    #[tokio::test]
    async fn changed_wakes_and_ends_with_the_writer() {
        let (w, mut view) = LiveWriter::new();
        w.update(|t| t.add_bytes(5));
        assert!(view.changed().await);
        assert_eq!(view.read(LiveTail::bytes_seen), 5);
        w.update(LiveTail::finish);
        drop(w);
        // The last change is still seen, then the end.
        assert!(view.changed().await);
        assert!(!view.changed().await);
    }
}
