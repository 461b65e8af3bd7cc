//! Faults on purpose, for the tests that check what a fault does to the
//! console (a panicking probe task must end the console cleanly). Only
//! debug builds read `OPSDECK_FAULT` (a comma-separated list of fault
//! names); a release build never injects anything.

/// Whether the fault `name` is asked for by `OPSDECK_FAULT` (debug builds only).
pub fn armed(name: &str) -> bool {
    cfg!(debug_assertions) && std::env::var("OPSDECK_FAULT").is_ok_and(|v| v.split(',').any(|f| f.trim() == name))
}
