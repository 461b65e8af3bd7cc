//! The journal: every human or automated decision, as an event appended to
//! a store before it is shown as done. State is the plan, plus a fold of the
//! room's events, plus live samples.

pub mod event;

pub use event::{Actor, Body, Event, NewEvent, Role, Status};
