//! The console: its state and reducer, key handling, the palette, the
//! [`console`] that owns the state and draws it, and the loop that feeds it.
//!
//! The state ([`state`]) is made of parts that own their fields: the chrome
//! (focus, overlay, message, filter, clock), the room's shared folds (the
//! [`room`] and its launch progress), this console's runs, and a view per
//! area — metrics, incidents, launch (checklists and runbooks), rollback —
//! each with its own `update` for the keys routed to it and `apply` for the
//! room's events. The [`console::Console`] changes it only through its
//! methods, handling one message at a time (a key, a sample, what the
//! journal says, news of a run, the clock) and drawing only when that
//! changed something; the loop ([`run`]) feeds it from the terminal, the
//! probes, the journal and a timer. The ui reads the state through accessors. Around it: plain vocabularies shared
//! with the ui ([`panes`], [`purpose`], [`form`], [`pending`], [`live`]),
//! whose eyes it shows ([`probing`], and the loop's side of it, [`room_eyes`]), keys to actions ([`keys`], [`palette`]), and the loop's helpers
//! ([`journal_link`], [`step_runner`], [`terminal_events`]).

pub mod console;
pub mod form;
pub mod journal_link;
pub mod keys;
pub mod live;
pub mod pacing;
pub mod palette;
pub mod panes;
pub mod pending;
pub mod probing;
pub mod purpose;
pub mod room;
pub mod room_eyes;
pub mod run;
pub mod state;
pub mod step_runner;
pub mod terminal_events;
