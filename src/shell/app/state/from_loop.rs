//! What the loop tells the state besides keys, samples and the room's
//! events: who this console is and in which room; what the journal link
//! says about the store — its health the moment an append or a flush finds
//! out (the banner and the queued count), who else is here, and the events
//! this console queued, shown as pending until their stored copies arrive
//! (see [`crate::shell::app::pending`]); the clock and the page size before
//! a frame; a run started here; a theme switched.

use super::State;
use super::chrome::QUEUED_OFFLINE;
use crate::adapters::journal::{Actor, NewEvent};
use crate::shell::app::live::LiveOutput;
use crate::shell::app::room::StoreStatus;

impl State {
    /// This console is in room `name`, acting as `actor`.
    pub fn join_room(&mut self, name: String, actor: Actor, read_only: bool) {
        self.room.join(name, actor, read_only);
    }

    /// The store as the journal's last report saw it.
    pub fn set_store(&mut self, store: StoreStatus) {
        self.room.set_store(store);
    }

    /// Who else the journal last saw in the room.
    pub fn set_present(&mut self, present: Vec<(Actor, i64)>) {
        self.room.set_present(present);
    }

    /// The time before a frame, and how many warnings the log has.
    pub fn set_clock(&mut self, now_ms: i64, log_warnings: usize) {
        self.chrome.set_now(now_ms);
        self.chrome.set_log_warnings(log_warnings);
    }

    /// The time now (unix ms), without the clock's other work (see [`State::tick`]).
    pub fn set_now(&mut self, now_ms: i64) {
        self.chrome.set_now(now_ms);
    }

    /// Rows that fit in the metrics pane in the last frame: the page size.
    pub fn set_page_rows(&mut self, rows: usize) {
        self.chrome.set_page_rows(rows);
    }

    /// The loop started `run` here: its output, as it prints.
    pub fn run_started(&mut self, run: String, live: LiveOutput) {
        let said = self.chrome.message().map(|m| m.text.clone());
        self.runs.started(run, live, said);
    }

    /// The loop switched to the theme `name`.
    pub fn theme_switched(&mut self, name: &str) {
        self.chrome.set_theme_name(name);
    }

    /// The store as the journal just found it.
    pub fn store_health(&mut self, online: bool, queued: u64) {
        self.room.store_health(online, usize::try_from(queued).unwrap_or(usize::MAX));
        if online && queued == 0 && self.chrome.message().is_some_and(|m| m.text == QUEUED_OFFLINE) {
            self.chrome.clear_message();
        }
    }

    /// This console's append was queued (the store is away).
    pub fn append_queued(&mut self) {
        self.chrome.say(QUEUED_OFFLINE);
    }

    /// Events this console queued: pending here until stored.
    pub fn queued_here(&mut self, events: Vec<NewEvent>) {
        for e in events {
            self.room.queued(e);
        }
    }
}
