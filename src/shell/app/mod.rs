//! The console: state and its reducer, key handling, the palette, and the
//! loop that owns the state and the terminal.

pub mod console;
pub mod form;
pub mod incident_actions;
pub mod journal_link;
pub mod keys;
pub mod launch_actions;
pub mod live;
pub mod palette;
pub mod panes;
pub mod pending;
pub mod purpose;
pub mod rollback_actions;
pub mod room;
pub mod run;
pub mod silence_actions;
pub mod state;
pub mod step_runner;
pub mod verify;
