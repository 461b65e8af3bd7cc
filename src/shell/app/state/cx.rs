//! What a sub-state's `update` and `apply` get from the rest of the
//! console: the clock, the time zone, the page size and the `/` filter;
//! the room and its launch progress, read-only; this console's runs (a
//! claim it appends is recorded there); and the chrome's status bar and
//! overlay, for what it says and the form it opens. A sub-state that moves
//! the focus asks here; the state focuses that pane once it is done.

use super::chrome::{Chrome, Message, Overlay};
use super::runs_here::RunsHere;
use crate::adapters::journal::Subject;
use crate::shell::action::Action;
use crate::shell::app::form::Form;
use crate::shell::app::panes::Pane;
use crate::shell::app::purpose::FormPurpose;
use crate::shell::app::room::RoomState;
use opsdeck_core::launch::Progress;

pub struct Cx<'a> {
    chrome: &'a mut Chrome,
    room: &'a RoomState,
    progress: &'a Progress,
    runs: &'a mut RunsHere,
    /// The pane a sub-state asked to focus.
    focus: Option<Pane>,
}

impl<'a> Cx<'a> {
    pub(super) fn new(chrome: &'a mut Chrome, room: &'a RoomState, progress: &'a Progress, runs: &'a mut RunsHere) -> Cx<'a> {
        Cx { chrome, room, progress, runs, focus: None }
    }

    /// The pane the sub-state asked to focus, for the state to focus.
    pub fn into_focus(self) -> Option<Pane> {
        self.focus
    }

    pub fn now_ms(&self) -> i64 {
        self.chrome.now_ms()
    }

    pub fn tz(&self) -> &jiff::tz::TimeZone {
        self.chrome.tz()
    }

    /// The `/` filter of one pane.
    pub fn filter(&self, pane: crate::shell::app::panes::Filtered) -> &str {
        self.chrome.filter(pane)
    }

    /// The pane that has focus.
    pub fn focus(&self) -> Pane {
        self.chrome.focus()
    }

    /// Focus `pane` (and close the details) once the sub-state is done.
    pub fn focus_pane(&mut self, pane: Pane) {
        self.focus = Some(pane);
    }

    pub fn room(&self) -> &'a RoomState {
        self.room
    }

    pub fn progress(&self) -> &'a Progress {
        self.progress
    }

    pub fn runs(&self) -> &RunsHere {
        self.runs
    }

    /// This console appends a claim of `run` for `subject`, now.
    pub fn claim(&mut self, run: String, subject: Subject) {
        let now = self.chrome.now_ms();
        self.runs.claim(run, subject, now);
    }

    pub fn message(&self) -> Option<&Message> {
        self.chrome.message()
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.chrome.say(text);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.chrome.error(text);
    }

    pub fn open_form(&mut self, form: Form<FormPurpose>) {
        self.chrome.open(Overlay::Form(form));
    }

    pub fn form(&self) -> Option<&Form<FormPurpose>> {
        self.chrome.form()
    }

    pub fn form_mut(&mut self) -> Option<&mut Form<FormPurpose>> {
        self.chrome.form_mut()
    }

    pub fn close_overlay(&mut self) {
        self.chrome.close();
    }

    /// Where a cursor key moves a cursor at `pos` in a list of `len`, with
    /// the last frame's page size.
    pub fn moved(&self, action: Action, pos: usize, len: usize) -> usize {
        let page = self.chrome.page_rows().max(1);
        let last = len.saturating_sub(1);
        match action {
            Action::Up => pos.saturating_sub(1),
            Action::Down => (pos + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => pos.saturating_sub(page),
            _ => (pos + page).min(last),
        }
    }
}
