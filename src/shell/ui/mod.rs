//! Rendering: pure functions from the state, theme and keymap to a frame.
//! No I/O here; the loop decides when to draw.

mod ascii;
mod body_layout;
mod changes_pane;
mod checklist_pane;
mod chrome;
mod detail;
mod form_view;
pub mod format;
mod help;
mod incident_detail;
mod incidents_pane;
mod metrics_pane;
mod plain_lines;
mod rollback_pane;
mod run_output;
mod runbook_pane;
pub mod sparkline;
mod timeline_view;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;

use crate::shell::app::state::{Overlay, Pane, State};
use crate::shell::keymap::Keymap;
use crate::shell::theme::Theme;
use opsdeck_core::metrics::Health;

/// Everything a frame is drawn from.
/// Borders in ASCII: `+`, `-` and `|`.
const ASCII_BORDER: ratatui::symbols::border::Set = ratatui::symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub struct View<'a> {
    pub state: &'a State,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    /// ASCII-only glyphs for terminals without Unicode.
    pub ascii: bool,
}

impl View<'_> {
    pub fn health_style(&self, h: Health) -> Style {
        let t = self.theme;
        match h {
            Health::Ok => t.ok,
            Health::Acceptable => t.acceptable,
            Health::Degraded => t.degraded,
            Health::Critical => t.critical,
            Health::Unknown => t.unknown,
        }
    }

    /// A block whose borders are drawn in ASCII under `--ascii` (or a non-UTF-8 locale).
    fn block(&self) -> ratatui::widgets::Block<'static> {
        let set = if self.ascii { ASCII_BORDER } else { ratatui::symbols::border::PLAIN };
        ratatui::widgets::Block::default().border_set(set)
    }

    pub fn health_symbol(&self, h: Health) -> &'static str {
        if self.ascii { h.ascii_symbol() } else { h.symbol() }
    }

    /// A pane title; the focused pane's is marked so focus shows without colour.
    fn pane_title(&self, pane: Pane, text: String) -> ratatui::text::Span<'static> {
        if self.state.focus() == pane && *self.state.overlay() == Overlay::None {
            let mark = if self.ascii { ">" } else { "▸" };
            ratatui::text::Span::styled(format!(" {mark}{text}"), self.theme.focus)
        } else {
            ratatui::text::Span::styled(format!(" {text}"), self.theme.title)
        }
    }

    /// The key that runs `action` in the keymap in use, as a hint names it
    /// (`:name` when no key is bound).
    pub fn key(&self, action: crate::shell::action::Action) -> String {
        self.keymap.shown(&self.state.key_contexts(), action)
    }

    /// `text` (a message or hint from the reducers) with its key mentions
    /// filled in from the keymap in use.
    pub fn fill(&self, text: &str) -> String {
        self.keymap.fill(text, &self.state.key_contexts())
    }

    fn border(&self, pane: Pane) -> Style {
        if self.state.focus() == pane && *self.state.overlay() == Overlay::None { self.theme.focus } else { self.theme.border }
    }
}

/// Where things went in the last frame, so the loop can size pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub metrics_rows: usize,
    /// Whether the frame shows something that changes every second (see
    /// [`format::note_ticking`]).
    pub ticking: bool,
}

/// Draws one frame.
pub fn render(frame: &mut Frame, view: &View) -> Areas {
    format::take_ticking();
    let area = frame.area();
    let [banner, body, status] = Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(area);
    chrome::banner(frame, banner, view);
    chrome::status_bar(frame, status, view);
    let s = view.state;
    let mut areas = Areas::default();
    if s.incidents().timeline_open() {
        timeline_view::render(frame, body, view);
    } else {
        let layout = body_layout::split(body, s);
        match (s.incidents().open(), s.metrics().detail()) {
            (Some(id), _) => incident_detail::render(frame, layout.main, view, id),
            (None, Some(row)) => detail::render(frame, layout.main, view, row),
            (None, None) => match s.main() {
                Pane::Checklist => checklist_pane::render(frame, layout.main, view),
                Pane::Runbook => runbook_pane::render(frame, layout.main, view),
                Pane::Rollback => rollback_pane::render(frame, layout.main, view),
                _ => areas.metrics_rows = metrics_pane::render(frame, layout.main, view),
            },
        }
        if let Some(a) = layout.incidents {
            incidents_pane::render(frame, a, view);
        }
        if let Some(a) = layout.changes {
            changes_pane::render(frame, a, view);
        }
        if let Some(a) = layout.strip {
            incidents_pane::strip(frame, a, view);
        }
    }
    match s.overlay() {
        Overlay::Help { scroll } => help::render(frame, area, view, *scroll),
        Overlay::Form(form) => form_view::render(frame, area, view, form),
        _ => {}
    }
    if view.ascii {
        ascii::downgrade(frame.buffer_mut());
    }
    areas.ticking = format::take_ticking();
    areas
}
