//! Output of a command this console is running, as the runbook pane reads
//! it while the command prints: a window onto the runner's bounded tail.

use std::fmt;

/// A running command's output, shared with its runner.
#[derive(Clone)]
pub struct LiveOutput {
    pub started_ms: i64,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl LiveOutput {
    /// The last `n` lines printed so far.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let lines = self.lines.lock().map(|l| l.clone()).unwrap_or_default();
        lines[lines.len().saturating_sub(n)..].to_vec()
    }
}

impl fmt::Debug for LiveOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveOutput").field("started_ms", &self.started_ms).finish_non_exhaustive()
    }
}

impl PartialEq for LiveOutput {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.lines, &other.lines)
    }
}
