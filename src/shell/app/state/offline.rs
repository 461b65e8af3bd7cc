//! What the journal link says about the store, folded into the state: its
//! health the moment an append or a flush finds out (the banner and the
//! queued count), and the events this console queued, shown as pending
//! until their stored copies arrive (see [`crate::shell::app::pending`]).

use super::*;
use crate::adapters::journal::NewEvent;

/// Said when an append is queued; cleared when the spool has been stored.
pub const QUEUED_OFFLINE: &str = "the store is offline: queued here, it reaches the room when the store is back";

impl State {
    /// The store as the journal just found it.
    pub fn store_health(&mut self, online: bool, queued: u64) {
        let store = &mut self.room.store;
        store.online = online;
        store.queued = usize::try_from(queued).unwrap_or(usize::MAX);
        if online && queued == 0 && self.message.as_ref().is_some_and(|m| m.text == QUEUED_OFFLINE) {
            self.message = None;
        }
    }

    /// This console's append was queued (the store is away).
    pub fn append_queued(&mut self) {
        self.say(QUEUED_OFFLINE);
    }

    /// Events this console queued: pending here until stored.
    pub fn queued_here(&mut self, events: Vec<NewEvent>) {
        for e in events {
            self.room.queued(e);
        }
    }
}
