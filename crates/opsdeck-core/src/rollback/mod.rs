//! Rollbacks as the room sees them, folded from the journal: two-person
//! requests and approvals, trigger firings, proposals and their decisions.
//! Runs themselves (claims, leases, results) are folded by
//! `launch::runs`; this module holds what surrounds them.
//!
//! **One firing per trigger across the room.** Every console evaluates the
//! triggers on its own samples, so two consoles may record the same firing
//! within a tick of each other. A console records a firing only when the
//! room has none for that trigger within the trigger's cooldown, and the
//! fold keeps the *first* `trigger.fired` (and `rollback.proposed`) of a
//! trigger and marks any other within [`DEDUPE_MS`] of it, or while its
//! proposal is still open, as a duplicate: every console folds the same
//! events the same way, so all agree on the one proposal (identified by
//! the seq of its event) that can be confirmed, vetoed or run.

//!
//! **Proposals close once for the room.** A proposal closes at the first,
//! in the room's order, of a decision (`rollback.decided`), an expiry
//! (`rollback.expired`, recorded by the console that recorded the
//! proposal once [`expiry::due`] says so: its conditions cleared, or
//! nobody answered within `expire_after`) and a freeze marker, which turns
//! it into advice for good. A closed proposal cannot be confirmed, run or
//! counted down.

pub mod expiry;
pub mod fold;
pub mod proposal;
#[cfg(test)]
mod tests;

pub use fold::{DEDUPE_MS, Fired, Request, Rollbacks};
pub use proposal::{Lapse, Proposed};
