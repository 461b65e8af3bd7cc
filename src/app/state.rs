//! The console's state and its pure reducer: the one place that changes it.
//! Actions and samples come in; effects that need the outside world (quit,
//! switch theme) go out as [`Effect`]s for the loop to carry out.

use std::collections::VecDeque;

use crate::action::Action;
use crate::config::Plan;
use crate::metrics::board::Board;
use crate::metrics::{Health, Transition};
use crate::probe::schedule::Sample;

use super::form::Form;
use super::incident_actions::FormPurpose;
use super::palette;
use super::room::RoomState;
use crate::journal::{Actor, Body, Event};

/// The panes that can have focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Metrics,
    Incidents,
    Changes,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Metrics, Pane::Incidents, Pane::Changes];

    pub fn name(self) -> &'static str {
        match self {
            Pane::Metrics => "metrics",
            Pane::Incidents => "incidents",
            Pane::Changes => "changes",
        }
    }
}

/// How the metrics rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// Worst state first, then by name.
    Worst,
    Name,
    /// Most recently changed first.
    Changed,
}

impl SortMode {
    pub fn label(self) -> &'static str {
        match self {
            SortMode::Worst => "worst first",
            SortMode::Name => "by name",
            SortMode::Changed => "recently changed",
        }
    }

    fn next(self) -> SortMode {
        match self {
            SortMode::Worst => SortMode::Name,
            SortMode::Name => SortMode::Changed,
            SortMode::Changed => SortMode::Worst,
        }
    }
}

/// What the user is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Palette,
    Filter,
}

/// Something drawn over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: u16 },
    Prompt { kind: PromptKind, text: String },
    Form(Form<FormPurpose>),
}

/// One state change of one check, for the changes pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at_ms: i64,
    pub check: usize,
    pub from: Health,
    pub to: Health,
    pub reason: String,
}

/// How many changes the changes pane keeps.
pub const CHANGES_KEPT: usize = 500;

/// A line for the status bar: information or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub is_error: bool,
}

/// Work for the loop: things the reducer cannot do itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Load and use this theme.
    SetTheme(String),
    /// Load and use the theme after the current one.
    NextTheme,
    /// Append this event to the room's journal.
    Append(Body),
}

/// Everything the console shows.
#[derive(Debug, Clone)]
pub struct State {
    pub title: String,
    pub environment: String,
    pub production: bool,
    /// The war room: its incidents, events, people and store.
    pub room: RoomState,
    pub board: Board,
    pub changes: VecDeque<Change>,
    pub focus: Pane,
    /// Selected position in the metrics pane's visible order.
    pub selected: usize,
    /// First visible change (0 = newest).
    pub changes_scroll: usize,
    /// Row index of the check whose detail is open.
    pub detail: Option<usize>,
    /// Selected position in the incidents pane.
    pub incident_selected: usize,
    /// The incident whose detail is open.
    pub incident_open: Option<i64>,
    /// The room's timeline is shown instead of the panes.
    pub timeline_open: bool,
    /// First visible timeline event (0 = newest).
    pub timeline_scroll: usize,
    pub overlay: Overlay,
    pub filter: String,
    pub sort: SortMode,
    pub message: Option<Message>,
    /// Current time (unix ms), set by the loop before each frame.
    pub now_ms: i64,
    /// Rows that fit in the metrics pane, set by the loop from the last frame.
    pub page_rows: usize,
    pub theme_name: String,
    /// Warnings and errors written to the log file so far.
    pub log_warnings: usize,
}

impl State {
    pub fn new(plan: &Plan, theme_name: &str, now_ms: i64) -> State {
        State {
            title: plan.deck.name.clone(),
            environment: plan.deck.environment.clone(),
            production: plan.deck.is_production(),
            room: RoomState::new(plan.deck.room(), Actor::unknown(), false, plan.severities.clone()),
            board: Board::from_plan(plan),
            changes: VecDeque::new(),
            focus: Pane::Metrics,
            selected: 0,
            changes_scroll: 0,
            detail: None,
            incident_selected: 0,
            incident_open: None,
            timeline_open: false,
            timeline_scroll: 0,
            overlay: Overlay::None,
            filter: String::new(),
            sort: SortMode::Worst,
            message: None,
            now_ms,
            page_rows: 10,
            theme_name: theme_name.to_string(),
            log_warnings: 0,
        }
    }

    /// Row indexes of the metrics pane, filtered and sorted.
    pub fn visible_rows(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..self.board.rows.len())
            .filter(|&i| {
                let r = &self.board.rows[i];
                needle.is_empty()
                    || [r.id.as_str(), r.name.as_str(), r.kind, r.group.as_deref().unwrap_or(""), r.health().label()]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect();
        let rows_ref = &self.board.rows;
        match self.sort {
            SortMode::Worst => rows.sort_by(|&a, &b| {
                let (ra, rb) = (&rows_ref[a], &rows_ref[b]);
                rb.health().severity().cmp(&ra.health().severity()).then_with(|| ra.name.cmp(&rb.name))
            }),
            SortMode::Name => rows.sort_by(|&a, &b| rows_ref[a].name.cmp(&rows_ref[b].name)),
            SortMode::Changed => rows.sort_by_key(|&i| std::cmp::Reverse(rows_ref[i].eval.since_ms().unwrap_or(i64::MIN))),
        }
        rows
    }

    /// The row index under the cursor, if any.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible_rows().get(self.selected).copied()
    }

    /// Applies a probe sample, recording any state change.
    pub fn apply_sample(&mut self, sample: &Sample) {
        let selected = self.selected_row();
        if let Some(t) = self.board.apply(sample) {
            self.record(sample.check, t);
        }
        self.keep_selection(selected);
    }

    /// Advances the clock: staleness.
    pub fn tick(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        let selected = self.selected_row();
        for (i, t) in self.board.tick(now_ms) {
            self.record(i, t);
        }
        self.keep_selection(selected);
    }

    fn record(&mut self, check: usize, t: Transition) {
        let id = self.board.rows.get(check).map_or("?", |r| r.id.as_str());
        tracing::info!(check = id, from = t.from.label(), to = t.to.label(), "{}", t.reason);
        // Newest first, by the time the change happened.
        let at = self.changes.iter().position(|c| c.at_ms <= t.at_ms).unwrap_or(self.changes.len());
        self.changes.insert(at, Change { at_ms: t.at_ms, check, from: t.from, to: t.to, reason: t.reason });
        self.changes.truncate(CHANGES_KEPT);
        if self.changes_scroll > 0 {
            // Keep the user's place while they read older changes.
            self.changes_scroll = (self.changes_scroll + 1).min(self.changes.len().saturating_sub(1));
        }
    }

    /// Re-sorting must not move the cursor off the check the user was on.
    fn keep_selection(&mut self, row: Option<usize>) {
        if let Some(row) = row
            && let Some(pos) = self.visible_rows().iter().position(|&r| r == row)
        {
            self.selected = pos;
        }
    }

    fn clamp(&mut self) {
        let n = self.visible_rows().len();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.changes_scroll = self.changes_scroll.min(self.changes.len().saturating_sub(1));
        self.incident_selected = self.incident_selected.min(self.room.incidents.len().saturating_sub(1));
        self.timeline_scroll = self.timeline_scroll.min(self.room.events.len().saturating_sub(1));
    }

    /// Folds an event from the store.
    pub fn apply_event(&mut self, event: Event) {
        let opened_by_me = event.kind == "incident.opened" && event.actor == self.room.actor;
        let seq = event.seq;
        if self.room.apply(event) && opened_by_me {
            // Put the cursor on the incident this console just opened.
            if let Some(pos) = self.incident_rows().iter().position(|id| *id == seq) {
                self.incident_selected = pos;
            }
        }
    }

    /// Handles one action; returns the effects for the loop.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.message = None;
        let mut effects = Vec::new();
        match (&mut self.overlay, action) {
            (_, Action::Quit) => effects.push(Effect::Quit),
            (Overlay::Prompt { .. }, a) => effects.extend(self.prompt_action(a)),
            (Overlay::Form(_), a) => effects.extend(self.form_action(a)),
            (Overlay::Help { .. }, Action::Help | Action::Close) => self.overlay = Overlay::None,
            (Overlay::Help { scroll }, a) => {
                *scroll = match a {
                    Action::Up => scroll.saturating_sub(1),
                    Action::Down => scroll.saturating_add(1),
                    Action::PageUp => scroll.saturating_sub(10),
                    Action::PageDown => scroll.saturating_add(10),
                    Action::Top => 0,
                    _ => *scroll,
                }
            }
            (Overlay::None, a) => effects.extend(self.pane_action(a)),
        }
        self.clamp();
        effects
    }

    fn pane_action(&mut self, action: Action) -> Vec<Effect> {
        let page = self.page_rows.max(1);
        match action {
            Action::Help => self.overlay = Overlay::Help { scroll: 0 },
            Action::Palette => self.overlay = Overlay::Prompt { kind: PromptKind::Palette, text: String::new() },
            Action::Filter => self.overlay = Overlay::Prompt { kind: PromptKind::Filter, text: self.filter.clone() },
            Action::FocusNext | Action::FocusPrev => {
                let i = Pane::ALL.iter().position(|p| *p == self.focus).unwrap_or(0);
                let n = Pane::ALL.len();
                let next = if action == Action::FocusNext { (i + 1) % n } else { (i + n - 1) % n };
                self.focus = Pane::ALL[next];
                self.detail = None;
                self.incident_open = None;
            }
            Action::SortCycle => {
                let row = self.selected_row();
                self.sort = self.sort.next();
                self.keep_selection(row);
                self.say(format!("sorted {}", self.sort.label()));
            }
            Action::ThemeCycle => return vec![Effect::NextTheme],
            a if a.changes_the_room() => return self.incident_action(a),
            Action::Timeline => {
                self.timeline_open = !self.timeline_open;
                self.timeline_scroll = 0;
            }
            Action::Close if self.timeline_open => self.timeline_open = false,
            Action::Close if self.incident_open.is_some() => self.incident_open = None,
            Action::Close if self.detail.is_some() => self.detail = None,
            Action::Close if !self.filter.is_empty() => self.filter.clear(),
            Action::Open => match self.focus {
                Pane::Metrics => self.detail = self.selected_row(),
                Pane::Incidents => self.incident_open = self.current_incident(),
                Pane::Changes => {
                    if let Some(c) = self.changes.get(self.changes_scroll) {
                        self.detail = Some(c.check);
                        self.focus = Pane::Metrics;
                    }
                }
            },
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                let (pos, len) = match (self.timeline_open, self.focus) {
                    (true, _) => (self.timeline_scroll, self.room.events.len()),
                    (false, Pane::Metrics) => (self.selected, self.visible_rows().len()),
                    (false, Pane::Incidents) => (self.incident_selected, self.room.incidents.len()),
                    (false, Pane::Changes) => (self.changes_scroll, self.changes.len()),
                };
                let last = len.saturating_sub(1);
                let new = match action {
                    Action::Up => pos.saturating_sub(1),
                    Action::Down => (pos + 1).min(last),
                    Action::Top => 0,
                    Action::Bottom => last,
                    Action::PageUp => pos.saturating_sub(page),
                    _ => (pos + page).min(last),
                };
                match (self.timeline_open, self.focus) {
                    (true, _) => self.timeline_scroll = new,
                    (false, Pane::Metrics) => {
                        self.selected = new;
                        if self.detail.is_some() {
                            self.detail = self.selected_row();
                        }
                    }
                    (false, Pane::Incidents) => {
                        self.incident_selected = new;
                        if self.incident_open.is_some() {
                            self.incident_open = self.current_incident_row();
                        }
                    }
                    (false, Pane::Changes) => self.changes_scroll = new,
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn prompt_action(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Prompt { kind, text } = &mut self.overlay else {
            return Vec::new();
        };
        let kind = *kind;
        match action {
            Action::Cancel | Action::Close => {
                if kind == PromptKind::Filter {
                    self.filter.clear();
                }
                self.overlay = Overlay::None;
            }
            Action::Backspace => {
                text.pop();
                if kind == PromptKind::Filter {
                    self.filter = text.clone();
                }
            }
            Action::Complete if kind == PromptKind::Palette => *text = palette::complete(text),
            Action::Submit => {
                let text = std::mem::take(text);
                self.overlay = Overlay::None;
                if kind == PromptKind::Palette {
                    return self.run_command(&text);
                }
                self.filter = text;
                self.selected = 0;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Keys while a form is open.
    fn form_action(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Form(form) = &mut self.overlay else { return Vec::new() };
        match action {
            Action::Cancel | Action::Close => self.overlay = Overlay::None,
            Action::Submit => return self.submit_form(),
            Action::Backspace => form.backspace(),
            Action::Complete | Action::FocusNext => form.next_field(),
            Action::PrevField | Action::FocusPrev => form.prev_field(),
            Action::Up => form.cycle(false),
            Action::Down => form.cycle(true),
            _ => {}
        }
        Vec::new()
    }

    /// The incident under the cursor of the incidents pane.
    fn current_incident_row(&self) -> Option<i64> {
        self.incident_rows().get(self.incident_selected).copied()
    }

    /// Typed characters go to the open prompt or form.
    pub fn type_char(&mut self, c: char) {
        if let Overlay::Form(form) = &mut self.overlay {
            form.type_char(c);
            return;
        }
        if let Overlay::Prompt { kind, text } = &mut self.overlay {
            text.push(c);
            if *kind == PromptKind::Filter {
                self.filter = text.clone();
                self.selected = 0;
            }
        }
    }

    fn run_command(&mut self, line: &str) -> Vec<Effect> {
        match palette::parse(line) {
            Ok(palette::Command::Quit) => return vec![Effect::Quit],
            Ok(palette::Command::Help) => self.overlay = Overlay::Help { scroll: 0 },
            Ok(palette::Command::Focus(p)) => {
                self.focus = p;
                self.detail = None;
                self.incident_open = None;
                self.timeline_open = false;
            }
            Ok(palette::Command::Timeline) => self.timeline_open = true,
            Ok(palette::Command::Filter(f)) => {
                self.filter = f;
                self.selected = 0;
            }
            Ok(palette::Command::Sort(s)) => self.sort = s,
            Ok(palette::Command::Theme(t)) => return vec![Effect::SetTheme(t)],
            Ok(palette::Command::Open(id)) => match self.board.rows.iter().position(|r| r.id == id) {
                Some(i) => {
                    self.filter.clear();
                    self.focus = Pane::Metrics;
                    self.detail = Some(i);
                    self.keep_selection(Some(i));
                }
                None => self.error(format!("no check `{id}`")),
            },
            Err(e) => self.error(e),
        }
        Vec::new()
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: false });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: true });
    }
}

#[cfg(test)]
mod tests;
