//! The incidents view: where the user is among the room's incidents (the
//! selected row, the incident whose detail is open) and in the room's
//! timeline (shown instead of the panes, and its scroll). The incidents
//! themselves are the room's fold; the cursor follows an incident this
//! console opened. The incident keys and forms are in [`forms`].

mod forms;

use super::cx::Cx;
use super::effect::Effect;
use crate::adapters::journal::{Body, Event};
use crate::shell::action::Action;
use crate::shell::app::room::RoomState;

#[derive(Debug, Clone)]
pub struct IncidentsView {
    /// The plan's check ids, offered by the link form.
    checks: Vec<String>,
    /// Selected position in the incidents pane.
    selected: usize,
    /// The incident whose detail is open.
    open: Option<i64>,
    /// The room's timeline is shown instead of the panes.
    timeline_open: bool,
    /// First visible timeline event (0 = newest).
    timeline_scroll: usize,
}

/// Incident ids in the pane's order.
pub fn rows(room: &RoomState) -> Vec<i64> {
    room.incidents().list(room.severities()).map(|i| i.id).collect()
}

impl IncidentsView {
    /// The view of a plan with these check ids.
    pub fn new(checks: Vec<String>) -> IncidentsView {
        IncidentsView { checks, selected: 0, open: None, timeline_open: false, timeline_scroll: 0 }
    }

    /// Selected position in the incidents pane.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The incident whose detail is open.
    pub fn open(&self) -> Option<i64> {
        self.open
    }

    pub fn timeline_open(&self) -> bool {
        self.timeline_open
    }

    /// First visible timeline event (0 = newest).
    pub fn timeline_scroll(&self) -> usize {
        self.timeline_scroll
    }

    /// The timeline's filter changed: back to the newest event.
    pub fn to_newest(&mut self) {
        self.timeline_scroll = 0;
    }

    /// The incident the user is on: the open one, or the selected row.
    pub fn current(&self, room: &RoomState) -> Option<i64> {
        self.open.or_else(|| self.current_row(room))
    }

    /// The incident under the cursor of the incidents pane.
    fn current_row(&self, room: &RoomState) -> Option<i64> {
        rows(room).get(self.selected).copied()
    }

    /// Another pane took the focus: the detail and the timeline close.
    pub fn close_all(&mut self) {
        self.open = None;
        self.timeline_open = false;
    }

    /// `:timeline`: shows the timeline where it was.
    pub fn show_timeline(&mut self) {
        self.timeline_open = true;
    }

    /// Keeps the cursor and the scroll inside what the room has.
    pub fn clamp(&mut self, room: &RoomState) {
        self.selected = self.selected.min(room.incidents().len().saturating_sub(1));
        self.timeline_scroll = self.timeline_scroll.min(room.events().len().saturating_sub(1));
    }

    /// Keys of the incidents pane and the timeline: showing and closing
    /// them, opening a detail, moving, and the incident actions.
    pub fn update(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let room = cx.room();
        match action {
            Action::Timeline => {
                self.timeline_open = !self.timeline_open;
                self.timeline_scroll = 0;
            }
            Action::Close if self.timeline_open => self.timeline_open = false,
            Action::Close => self.open = None,
            Action::Open => self.open = self.current(room),
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                if self.timeline_open {
                    self.timeline_scroll = cx.moved(action, self.timeline_scroll, room.events().len());
                } else {
                    self.selected = cx.moved(action, self.selected, room.incidents().len());
                    if self.open.is_some() {
                        self.open = self.current_row(room);
                    }
                }
            }
            a if a.changes_the_room() => return self.incident_action(a, cx),
            _ => {}
        }
        Vec::new()
    }

    /// An event the room just folded: the cursor goes to an incident this
    /// console opened.
    pub fn apply(&mut self, event: &Event, cx: &mut Cx) -> Vec<Effect> {
        let room = cx.room();
        if matches!(event.body(), Some(Body::IncidentOpened { .. }))
            && event.actor == *room.actor()
            && let Some(pos) = rows(room).iter().position(|id| *id == event.seq)
        {
            self.selected = pos;
        }
        Vec::new()
    }
}
