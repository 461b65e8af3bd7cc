//! What the war room shares, as this console knows it: the events folded
//! so far (in the store's order), the incidents they make, who else is
//! here, and how the store is doing. Events enter only from the store, so
//! nothing is shown as done before it is durable; what this console queued
//! while the store was away is kept beside them as [`Pending`], marked as
//! such, until its stored copy arrives.

use crate::adapters::journal::{Actor, Event, NewEvent};
use opsdeck_core::config::Severity;
use opsdeck_core::domain::Incidents;
use opsdeck_core::domain::silences::Silences;

use super::pending::Pending;

/// How the journal store is doing, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreStatus {
    /// `sqlite` or `postgres`.
    pub kind: String,
    pub online: bool,
    /// Appends waiting in the offline spool.
    pub queued: usize,
    /// The last problem talking to the store, if any.
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RoomState {
    pub name: String,
    /// Who this console acts as.
    pub actor: Actor,
    pub read_only: bool,
    pub severities: Vec<Severity>,
    pub incidents: Incidents,
    /// Checks and triggers silenced by someone in the room.
    pub silences: Silences,
    /// Every event of the room, in seq order.
    pub events: Vec<Event>,
    pub last_seq: i64,
    pub store: StoreStatus,
    /// Other consoles seen recently: who, and when (unix ms).
    pub present: Vec<(Actor, i64)>,
    /// Events this console queued that the room does not have yet.
    pub pending: Pending,
}

impl RoomState {
    pub fn new(name: String, actor: Actor, read_only: bool, severities: Vec<Severity>) -> Self {
        RoomState {
            name,
            actor,
            read_only,
            severities,
            incidents: Incidents::default(),
            silences: Silences::default(),
            events: Vec::new(),
            last_seq: 0,
            store: StoreStatus::default(),
            present: Vec::new(),
            pending: Pending::default(),
        }
    }

    /// Folds one event from the store; events already seen are ignored, so
    /// replays and overlapping reads are harmless.
    pub fn apply(&mut self, event: Event) -> bool {
        self.pending.settle(&event);
        if event.seq <= self.last_seq {
            return false;
        }
        self.last_seq = event.seq;
        self.incidents.apply(&event);
        self.silences.apply(&event);
        self.events.push(event);
        true
    }

    /// An event this console queued: pending until its stored copy is
    /// folded (ignored if that copy is already here).
    pub fn queued(&mut self, event: NewEvent) {
        if !self.events.iter().rev().any(|e| e.key == event.key) {
            self.pending.add(event);
        }
    }

    /// Other people in the room (not this console's actor).
    pub fn others(&self) -> Vec<&Actor> {
        let mut v: Vec<&Actor> = self.present.iter().map(|(a, _)| a).filter(|a| **a != self.actor).collect();
        v.dedup();
        v
    }
}
