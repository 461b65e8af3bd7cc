//! Alertmanager: its HTTP API ([`api`]), used by the `alertmanager`
//! probe, and the mirror of opsdeck's silences into the plan's
//! `[alertmanager]` ([`mirror`] for silences set in the console, [`windows`]
//! for `[[maintenance]]` windows).
//!
//! **Who mirrors.** As with notifications, *the console that appended a
//! `silence.set` or `silence.lifted` mirrors it*: it claims the event's key
//! before appending and acts when the room's follower reads it back. A
//! read-only console appends nothing and mirrors nothing. Only targets
//! (`check:ID`, `trigger:ID`) with `silence_matchers` are mirrored.
//!
//! **Finding a silence again.** A mirrored silence's comment ends with a
//! marker naming the room and the target (and, for a window, its times):
//! lifting a silence expires every live silence with its marker, whichever
//! console (or run of this one) created it; setting a new silence on a
//! target first expires the one it replaces. No id has to survive a restart.
//!
//! **Maintenance windows, once per room.** Each console that can append
//! looks, when it starts, for a live silence with each window's marker and
//! creates one only when there is none; right after creating it looks
//! again and keeps the one with the smallest id, expiring the others, so
//! two consoles starting at once still leave one silence. Only the console
//! whose silence is kept records it.
//!
//! **On the timeline.** Every outcome is appended as
//! `silence.mirrored` (created with the silence id, expired, or the
//! failure's reason) and logged; the work runs in background tasks, so an
//! Alertmanager that is down never holds up the console.

pub mod api;
pub mod mirror;
mod outlet;
pub mod windows;

pub use mirror::Mirror;
