//! Recorded probe samples: the last hour of every check's samples, kept in
//! a small SQLite file per room in the state directory, so that
//! `opsdeck triggers PLAN --replay` can show what the triggers would have
//! done. Losing the newest samples in a crash is acceptable: this is a
//! convenience log, not the journal.
//!
//! - [`record`]: a sample as stored ([`RecordedSample`]);
//! - [`db`]: the file ([`SampleDb`]): batched inserts, pruning, reading in time order;
//! - [`recorder`]: the background writer the console feeds ([`Recorder`]).

pub mod db;
pub mod recorder;

use std::path::PathBuf;

pub use db::SampleDb;
pub use opsdeck_core::recorded::{Outcome, RETENTION_MS, RecordedSample};
pub use recorder::{Recorder, RecorderConfig, record_through};

/// The samples file of `room`: `<state dir>/samples-<room>.db`.
pub fn path_for(room: &str) -> Option<PathBuf> {
    crate::adapters::journal::room::check(room).ok()?;
    crate::paths::state_dir().map(|d| d.join(format!("samples-{}.db", crate::adapters::journal::room::file_stem(room))))
}
