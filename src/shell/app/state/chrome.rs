//! The console's chrome: what frames the panes and belongs to none of them.
//! The deck's title and environment, which pane has focus and which fills
//! the main area, the overlay (help, a prompt, a form) and its keys, the
//! status-bar message, the `/` filter of each pane that has one, the clock and
//! time zone, the page size of the last frame, the theme's name, the log's
//! warning count, and a quit armed while a step runs here.

use crate::shell::action::Action;
use crate::shell::app::form::Form;
use crate::shell::app::palette;
use crate::shell::app::panes::{Filtered, Pane};
use crate::shell::app::purpose::FormPurpose;

/// Said when an append is queued; cleared when the spool has been stored.
pub const QUEUED_OFFLINE: &str = "the store is offline: queued here, it reaches the room when the store is back";

/// What the user is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Palette,
    /// The filter of one pane.
    Filter(Filtered),
}

/// Something drawn over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: u16 },
    Prompt { kind: PromptKind, text: String },
    Form(Form<FormPurpose>),
}

/// A line for the status bar: information or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub is_error: bool,
}

/// What a key in the open prompt asks of the rest of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompted {
    Nothing,
    /// The palette's line was submitted: run it.
    Command(String),
    /// The filter of a pane was submitted: its cursor goes to the top.
    Filtered(Filtered),
}

#[derive(Debug, Clone)]
pub struct Chrome {
    title: String,
    environment: String,
    production: bool,
    focus: Pane,
    /// What the main area shows: metrics, the checklist, a runbook or the rollbacks.
    main: Pane,
    overlay: Overlay,
    message: Option<Message>,
    /// The `/` filters, one per pane that has one.
    filters: Filters,
    /// Current time (unix ms), set by the loop before each frame.
    now_ms: i64,
    /// The time zone wall-clock times are shown in (the system's).
    tz: jiff::tz::TimeZone,
    /// Rows that fit in the metrics pane, set by the loop from the last frame.
    page_rows: usize,
    theme_name: String,
    /// Warnings and errors written to the log file so far.
    log_warnings: usize,
    /// Quit was pressed once while a step runs here.
    quit_armed: bool,
}

impl Chrome {
    pub fn new(title: String, environment: String, production: bool, theme_name: &str, now_ms: i64) -> Chrome {
        Chrome {
            title,
            environment,
            production,
            focus: Pane::Metrics,
            main: Pane::Metrics,
            overlay: Overlay::None,
            message: None,
            filters: Filters::default(),
            now_ms,
            tz: jiff::tz::TimeZone::system(),
            page_rows: 10,
            theme_name: theme_name.to_string(),
            log_warnings: 0,
            quit_armed: false,
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }

    pub fn production(&self) -> bool {
        self.production
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn main(&self) -> Pane {
        self.main
    }

    /// Focuses a pane; a main pane also takes the main area.
    pub fn focus_on(&mut self, pane: Pane) {
        self.focus = pane;
        if pane.is_main() {
            self.main = pane;
        }
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn open(&mut self, overlay: Overlay) {
        self.overlay = overlay;
    }

    pub fn close(&mut self) {
        self.overlay = Overlay::None;
    }

    /// The open form, if a form is open.
    pub fn form(&self) -> Option<&Form<FormPurpose>> {
        match &self.overlay {
            Overlay::Form(form) => Some(form),
            _ => None,
        }
    }

    pub fn form_mut(&mut self) -> Option<&mut Form<FormPurpose>> {
        match &mut self.overlay {
            Overlay::Form(form) => Some(form),
            _ => None,
        }
    }

    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: false });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: true });
    }

    pub fn clear_message(&mut self) {
        self.message = None;
    }

    /// The filter of one pane (empty when none).
    pub fn filter(&self, pane: Filtered) -> &str {
        self.filters.get(pane)
    }

    pub fn set_filter(&mut self, pane: Filtered, filter: String) {
        *self.filters.get_mut(pane) = filter;
    }

    pub fn clear_filter(&mut self, pane: Filtered) {
        self.filters.get_mut(pane).clear();
    }

    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    pub fn set_now(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
    }

    pub fn tz(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }

    pub fn set_tz(&mut self, tz: jiff::tz::TimeZone) {
        self.tz = tz;
    }

    pub fn page_rows(&self) -> usize {
        self.page_rows
    }

    pub fn set_page_rows(&mut self, rows: usize) {
        self.page_rows = rows;
    }

    pub fn theme_name(&self) -> &str {
        &self.theme_name
    }

    pub fn set_theme_name(&mut self, name: &str) {
        self.theme_name = name.to_string();
    }

    pub fn log_warnings(&self) -> usize {
        self.log_warnings
    }

    pub fn set_log_warnings(&mut self, n: usize) {
        self.log_warnings = n;
    }

    pub fn quit_armed(&self) -> bool {
        self.quit_armed
    }

    pub fn set_quit_armed(&mut self, armed: bool) {
        self.quit_armed = armed;
    }

    /// Keys while the help is open: scrolling, and closing it.
    pub fn help_key(&mut self, action: Action) {
        let Overlay::Help { scroll } = &mut self.overlay else { return };
        if matches!(action, Action::Help | Action::Close) {
            self.overlay = Overlay::None;
            return;
        }
        *scroll = match action {
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll.saturating_add(1),
            Action::PageUp => scroll.saturating_sub(10),
            Action::PageDown => scroll.saturating_add(10),
            Action::Top => 0,
            _ => *scroll,
        }
    }

    /// Keys while a prompt is open: the filter follows what is typed.
    pub fn prompt_key(&mut self, action: Action) -> Prompted {
        let Overlay::Prompt { kind, text } = &mut self.overlay else { return Prompted::Nothing };
        let kind = *kind;
        match action {
            Action::Cancel | Action::Close => {
                if let PromptKind::Filter(pane) = kind {
                    self.filters.get_mut(pane).clear();
                }
                self.overlay = Overlay::None;
            }
            Action::Backspace => {
                text.pop();
                if let PromptKind::Filter(pane) = kind {
                    *self.filters.get_mut(pane) = text.clone();
                }
            }
            Action::Complete if kind == PromptKind::Palette => *text = palette::complete(text),
            Action::Submit => {
                let text = std::mem::take(text);
                self.overlay = Overlay::None;
                match kind {
                    PromptKind::Palette => return Prompted::Command(text),
                    PromptKind::Filter(pane) => {
                        *self.filters.get_mut(pane) = text;
                        return Prompted::Filtered(pane);
                    }
                }
            }
            _ => {}
        }
        Prompted::Nothing
    }

    /// Keys that edit the open form (submitting and closing it are the state's).
    pub fn form_key(&mut self, action: Action) {
        let Some(form) = self.form_mut() else { return };
        match action {
            Action::Backspace => form.backspace(),
            Action::Complete | Action::FocusNext => form.next_field(),
            Action::PrevField | Action::FocusPrev => form.prev_field(),
            Action::Up => form.cycle(false),
            Action::Down => form.cycle(true),
            _ => {}
        }
    }

    /// A typed character goes to the open prompt or form; the pane whose
    /// filter it changed, if it did (that pane's cursor goes to the top).
    pub fn type_char(&mut self, c: char) -> Option<Filtered> {
        match &mut self.overlay {
            Overlay::Form(form) => {
                form.type_char(c);
                None
            }
            Overlay::Prompt { kind, text } => {
                text.push(c);
                let PromptKind::Filter(pane) = *kind else { return None };
                *self.filters.get_mut(pane) = text.clone();
                Some(pane)
            }
            _ => None,
        }
    }

    /// The palette words that complete the typed command, for the status bar.
    pub fn completions(&self) -> Vec<&'static str> {
        match &self.overlay {
            Overlay::Prompt { kind: PromptKind::Palette, text } => palette::matches(text),
            _ => Vec::new(),
        }
    }
}

/// The `/` filter of each pane that has one: typed in one pane, it narrows
/// that pane only.
#[derive(Debug, Clone, Default)]
struct Filters {
    metrics: String,
    checklist: String,
    timeline: String,
}

impl Filters {
    fn get(&self, pane: Filtered) -> &str {
        match pane {
            Filtered::Metrics => &self.metrics,
            Filtered::Checklist => &self.checklist,
            Filtered::Timeline => &self.timeline,
        }
    }

    fn get_mut(&mut self, pane: Filtered) -> &mut String {
        match pane {
            Filtered::Metrics => &mut self.metrics,
            Filtered::Checklist => &mut self.checklist,
            Filtered::Timeline => &mut self.timeline,
        }
    }
}
