//! Output of a command this console is running, as the runbook pane reads
//! it while the command prints: a window onto the runner's bounded tail.

use std::fmt;

use crate::adapters::exec::LiveView;

/// A running command's output, shared with its runner.
#[derive(Clone)]
pub struct LiveOutput {
    pub started_ms: i64,
    pub view: LiveView,
}

impl LiveOutput {
    /// The last `n` lines printed so far.
    pub fn tail(&self, n: usize) -> Vec<String> {
        self.view.last_lines(n)
    }
}

impl fmt::Debug for LiveOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveOutput").field("started_ms", &self.started_ms).finish_non_exhaustive()
    }
}

impl PartialEq for LiveOutput {
    fn eq(&self, other: &Self) -> bool {
        self.started_ms == other.started_ms && self.view.version() == other.view.version()
    }
}
