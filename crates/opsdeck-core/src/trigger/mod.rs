//! Trigger rules over the metrics, as a pure core: conditions tracked over
//! check samples, combined with `any`/`all`, judged under grace, cooldown,
//! freeze and silences, each firing with its reason; the proposals a
//! firing makes and their countdowns; and a shadow replay over recorded
//! samples. No I/O and no clock: times are unix milliseconds passed in.
//!
//! - [`observed`]: what the engine learns from a sample ([`Observed`]);
//! - [`tracker`]: one condition over its check ([`Tracker`], [`Outcome`]);
//! - [`clearing`]: whether a condition has cleared (for a proposal's expiry);
//! - [`combine`](mod@combine): `any`/`all`;
//! - [`context`]: markers, freeze, silences ([`Context`]);
//! - [`engine`]: every trigger's [`Status`] at an instant ([`Engine`]);
//! - [`status`]: [`Status`] and [`Firing`];
//! - [`countdown`]: [`Proposal`]s and their [`Decision`]s;
//! - [`replay`]: the timeline of what would have happened.
//!
//! In the console: after `Board::apply(sample)`, feed
//! `Observed::from_row(row, sample)` to [`Engine::observe`]; feed journal
//! events to `engine.context_mut().apply(event)`; call
//! [`Engine::evaluate`] on the clock tick. A `Status::Firing` is reported
//! once; `Proposal::from_firing` turns it into a proposal when it proposes
//! a rollback. UNKNOWN data never fires a trigger.

pub mod clearing;
pub mod combine;
pub mod context;
pub mod countdown;
pub mod engine;
pub mod observed;
pub mod replay;
pub mod status;
pub mod tracker;

#[cfg(test)]
mod tests;

pub use context::{Context, MarkerKind, Silence};
pub use countdown::{AlreadyDecided, Answer, Decision, Proposal, ProposalState};
pub use engine::{Engine, Rule};
pub use observed::{Failure, Observed};
pub use replay::{Happening, Replay, replay};
pub use status::{Firing, Report, Status};
pub use tracker::{CheckInfo, Outcome, Tracker};
