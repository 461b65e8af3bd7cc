//! When the console's next frame is due. Two kinds of change wait for a
//! frame: what a person is waiting to see (a key, a resize, the journal's
//! events, a run's output, a theme switch) is drawn at once, at most one
//! frame per [`FRAME`]; what only the data changed (probe samples, the
//! clock's ages and countdowns) is coalesced into a frame on the whole
//! seconds of the process's wake grid (see [`crate::adapters::wake_grid`]),
//! with the clock's tick: every [`DATA_FRAME`] while the screen shows a time
//! to the second (a countdown, `opened 12s ago`), else every
//! [`QUIET_DATA_FRAME`] (as btop and k9s refresh), so that fifty checks
//! sampling every five seconds draw one frame every two seconds rather
//! than one per sample, and wake the process for it no extra time.

use std::time::{Duration, Instant};

/// Shortest time between two frames for what a person is waiting to see.
pub const FRAME: Duration = Duration::from_millis(33);

/// The period of frames when only the data changed while the screen shows
/// a time to the second: the clock's, so that samples ride on the frame the
/// clock draws anyway.
pub const DATA_FRAME: Duration = Duration::from_millis(1000);

/// The period of frames when only the data changed and nothing on screen
/// counts seconds: samples and coarse ages (`now`, `20s`, `3m`).
pub const QUIET_DATA_FRAME: Duration = Duration::from_millis(2000);

/// When a data-only change after a frame drawn at `last` is drawn, frames
/// coming `every`: at the first grid point of `every` at least
/// `every - FRAME` after it (a frame drawn just after a tick does not push
/// the next one past the next tick).
pub fn data_frame_after(last: Instant, every: Duration) -> Instant {
    let earliest = tokio::time::Instant::from_std(last + every.saturating_sub(FRAME));
    crate::adapters::wake_grid::boundary(earliest, every, true).into_std()
}

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
    /// The period of data-only frames: [`DATA_FRAME`] or [`QUIET_DATA_FRAME`].
    data_every: Duration,
}

impl Default for Pacer {
    /// The first frame is due at once.
    fn default() -> Pacer {
        Pacer { last_frame: None, pending: Some(Change::Prompt), data_every: DATA_FRAME }
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

    /// When the next frame is due: `None` while nothing changed; else one
    /// [`FRAME`] after the last for a prompt change, the next tick's for data
    /// (see [`data_frame_after`]); at once for the first frame.
    pub fn due(&self) -> Option<Instant> {
        let change = self.pending?;
        Some(self.last_frame.map_or_else(Instant::now, |last| match change {
            Change::Prompt => last + FRAME,
            Change::Data => data_frame_after(last, self.data_every),
        }))
    }

    /// A frame was drawn at `at`; `ticking`: it shows a time to the second.
    pub fn drawn(&mut self, at: Instant, ticking: bool) {
        self.last_frame = Some(at);
        self.pending = None;
        self.data_every = if ticking { DATA_FRAME } else { QUIET_DATA_FRAME };
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
        p.drawn(t, true);
        assert_eq!(p.due(), None);
        p.changed(Change::Data);
        let due = p.due().expect("due");
        assert!(due >= t + DATA_FRAME - FRAME && due < t + DATA_FRAME * 2 - FRAME, "{:?} after the frame", due - t);
        let tick = tokio::time::Instant::from_std(due);
        assert_eq!(crate::adapters::wake_grid::boundary(tick, DATA_FRAME, false), tick, "drawn with the clock's tick");
        p.changed(Change::Prompt);
        assert_eq!(p.due(), Some(t + FRAME));
        p.changed(Change::Data);
        assert_eq!(p.pending(), Some(Change::Prompt), "a later data change does not delay a key");
    }

    #[test]
    fn data_frames_come_every_two_seconds_while_nothing_counts_seconds() {
        let mut p = Pacer::default();
        let t = Instant::now();
        p.drawn(t, false);
        p.changed(Change::Data);
        let due = p.due().expect("due");
        assert!(due >= t + QUIET_DATA_FRAME - FRAME && due < t + QUIET_DATA_FRAME * 2 - FRAME, "{:?} after the frame", due - t);
        let tick = tokio::time::Instant::from_std(due);
        assert_eq!(crate::adapters::wake_grid::boundary(tick, QUIET_DATA_FRAME, false), tick, "on an even grid second");
        p.changed(Change::Prompt);
        assert_eq!(p.due(), Some(t + FRAME), "a key still draws at once");
        p.drawn(t + FRAME, true);
        p.changed(Change::Data);
        assert!(p.due().expect("due") < t + FRAME + DATA_FRAME * 2, "a frame with a countdown brings back the one-second frames");
    }
}
