//! What the reducer asks of the loop: the work it cannot do itself (quit,
//! switch theme, append to the journal, start or stop a command).

use crate::adapters::journal::Body;

/// Work for the loop: things the reducer cannot do itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Load and use this theme.
    SetTheme(String),
    /// Load and use the theme after the current one.
    NextTheme,
    /// Append this event to the room's journal.
    Append(Body),
    /// Append this event under `key`, a key every console of the room
    /// derives alike from the journal, so that the room stores it once
    /// however many consoles (or restarts) append it: an automatic tick.
    AppendOnce {
        body: Body,
        key: String,
    },
    /// This console's claim holds: run the step's command now.
    StartRun(StartRun),
    /// Kill the command of this run (it must be this console's).
    CancelRun(String),
    /// Run a rollback's preview here (not claimed): its output comes back
    /// through `State::preview_done`.
    Preview(StartRun),
    /// Stop the running preview: its form was closed.
    StopPreview,
}

/// A step's place in its runbook's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUse {
    pub runbook: String,
    /// The runbook's first runnable step: whatever an earlier walk left is forgotten.
    pub fresh: bool,
}

/// What the loop needs to run a claimed step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRun {
    pub run: String,
    pub script: String,
    /// The command words that run the script; empty: `/bin/sh`.
    pub interpreter: Vec<String>,
    /// The runbook whose shell session the step shares (exported variables
    /// and directory carry from step to step), and whether it starts a new one.
    pub session: Option<SessionUse>,
    /// A `sql` step's database.
    pub sql: Option<opsdeck_core::launch::SqlSource>,
    pub env: Vec<(String, String)>,
    pub cwd: Option<std::path::PathBuf>,
    pub timeout: std::time::Duration,
    pub lease_ms: i64,
}
