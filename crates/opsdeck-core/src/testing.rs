//! Helpers to build actors and stored events in tests (the core's and the binary's).

use crate::event::{Actor, Body, Event, NewEvent};

/// 2026-03-10 13:58:00 UTC, a Tuesday.
pub const T0: i64 = 1_773_151_080_000;

pub const MINUTE: i64 = 60_000;

pub fn actor(name: &str) -> Actor {
    Actor { name: name.into(), host: "bastion-1".into(), from: None }
}

/// A stored event in room `test`.
pub fn event(seq: i64, at_ms: i64, who: &str, body: Body) -> Event {
    NewEvent::new("test", &actor(who), at_ms, &body).stored(seq)
}
