//! What the war room shares, as this console knows it: the events folded
//! so far (in the store's order), the incidents they make, who else is
//! here, and how the store is doing. Events enter only from the store, so
//! nothing is shown as done before it is durable; what this console queued
//! while the store was away is kept beside them as [`Pending`], marked as
//! such, until its stored copy arrives.

use std::collections::HashMap;

use crate::adapters::journal::{Actor, Body, Event, NewEvent};
use opsdeck_core::config::Severity;
use opsdeck_core::domain::Incidents;
use opsdeck_core::domain::silences::Silences;

use super::pending::Pending;
use super::probing::Probing;
use opsdeck_core::metrics::Health;

/// A check's state as the room's judge last recorded it (`check.state`).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    pub health: Health,
    pub reason: String,
    pub since_ms: i64,
}

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
    name: String,
    /// Who this console acts as.
    actor: Actor,
    read_only: bool,
    severities: Vec<Severity>,
    incidents: Incidents,
    /// Checks and triggers silenced by someone in the room.
    silences: Silences,
    /// Every event of the room, in seq order.
    events: Vec<Event>,
    last_seq: i64,
    store: StoreStatus,
    /// Other consoles seen recently: who, and when (unix ms).
    present: Vec<(Actor, i64)>,
    /// Events this console queued that the room does not have yet.
    pending: Pending,
    /// Who probes and judges for this console.
    probing: Probing,
    /// Each check's state as the room's judge last recorded it, by check id.
    judged: HashMap<String, Judged>,
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
            probing: Probing::Alone,
            judged: HashMap::new(),
        }
    }

    /// The room with the plan's maintenance windows as its first silences.
    pub fn with_silences(mut self, silences: Silences) -> Self {
        self.silences = silences;
        self
    }

    /// This console is in room `name`, acting as `actor`.
    pub fn join(&mut self, name: String, actor: Actor, read_only: bool) {
        self.name = name;
        self.actor = actor;
        self.read_only = read_only;
    }

    /// The store as the journal's last report saw it.
    pub fn set_store(&mut self, store: StoreStatus) {
        self.store = store;
    }

    /// The store's health the moment an append or a flush found out.
    pub fn store_health(&mut self, online: bool, queued: usize) {
        self.store.online = online;
        self.store.queued = queued;
    }

    /// Who else the journal last saw in the room.
    pub fn set_present(&mut self, present: Vec<(Actor, i64)>) {
        self.present = present;
    }

    /// Who probes and judges for this console now.
    pub fn set_probing(&mut self, probing: Probing) {
        self.probing = probing;
    }

    pub fn probing(&self) -> &Probing {
        &self.probing
    }

    /// Each check's state as the room's judge last recorded it, by check id.
    pub fn judged(&self) -> &HashMap<String, Judged> {
        &self.judged
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn severities(&self) -> &[Severity] {
        &self.severities
    }

    pub fn incidents(&self) -> &Incidents {
        &self.incidents
    }

    pub fn silences(&self) -> &Silences {
        &self.silences
    }

    /// Every event of the room, in seq order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The seq of the last event folded.
    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    pub fn store(&self) -> &StoreStatus {
        &self.store
    }

    /// Other consoles seen recently: who, and when (unix ms).
    pub fn present(&self) -> &[(Actor, i64)] {
        &self.present
    }

    /// Events this console queued that the room does not have yet.
    pub fn pending(&self) -> &Pending {
        &self.pending
    }

    /// Makes room for `n` more events.
    pub fn reserve(&mut self, n: usize) {
        self.events.reserve(n);
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
        if let Some(Body::CheckState { check, to, reason, since_ms, .. }) = event.body() {
            self.judged.insert(check.clone(), Judged { health: *to, reason: reason.clone(), since_ms: *since_ms });
        }
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
