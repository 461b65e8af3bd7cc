//! When the console's next frame is due. Two kinds of change wait for a
//! frame: what a person is waiting to see (a key, a resize, the journal's
//! events, a run's output, a theme switch) is drawn at once, at most one
//! frame per [`FRAME`]; what only the data changed (probe samples, the
//! clock's ages and countdowns) is coalesced, at most one frame per
//! [`DATA_FRAME`], so that fifty checks sampling every five seconds draw
//! a couple of frames a second rather than one per sample.

use std::time::{Duration, Instant};

/// Shortest time between two frames for what a person is waiting to see.
pub const FRAME: Duration = Duration::from_millis(33);

/// Shortest time between two frames when only the data changed: the
/// clock's period, so that samples ride on the frame the clock draws anyway.
pub const DATA_FRAME: Duration = Duration::from_millis(1000);

/// What changed since the last frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Only data: samples, the clock.
    Data,
    /// Something a person is waiting for.
    Prompt,
}

/// The frame clock: the last frame and what changed since.
#[derive(Debug, Clone)]
pub struct Pacer {
    last_frame: Option<Instant>,
    pending: Option<Change>,
}

impl Default for Pacer {
    /// The first frame is due at once.
    fn default() -> Pacer {
        Pacer { last_frame: None, pending: Some(Change::Prompt) }
    }
}

impl Pacer {
    /// Notes a change; the more urgent of two wins.
    pub fn changed(&mut self, change: Change) {
        self.pending = self.pending.max(Some(change));
    }

    /// What changed since the last frame, if anything.
    pub fn pending(&self) -> Option<Change> {
        self.pending
    }

    /// When the next frame is due: `None` while nothing changed; else the
    /// last frame plus the budget of the most urgent change (at once for
    /// the first frame).
    pub fn due(&self) -> Option<Instant> {
        let budget = match self.pending? {
            Change::Prompt => FRAME,
            Change::Data => DATA_FRAME,
        };
        Some(self.last_frame.map_or_else(Instant::now, |last| last + budget))
    }

    /// A frame was drawn at `at`.
    pub fn drawn(&mut self, at: Instant) {
        self.last_frame = Some(at);
        self.pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_waits_for_its_budget_and_a_prompt_change_does_not() {
        let mut p = Pacer::default();
        assert!(p.due().is_some_and(|d| d <= Instant::now()), "the first frame is due at once");
        let t = Instant::now();
        p.drawn(t);
        assert_eq!(p.due(), None);
        p.changed(Change::Data);
        assert_eq!(p.due(), Some(t + DATA_FRAME));
        p.changed(Change::Prompt);
        assert_eq!(p.due(), Some(t + FRAME));
        p.changed(Change::Data);
        assert_eq!(p.pending(), Some(Change::Prompt), "a later data change does not delay a key");
    }
}
