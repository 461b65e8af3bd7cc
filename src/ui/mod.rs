//! Rendering: pure functions from the state, theme and keymap to a frame.
//! No I/O here; the loop decides when to draw.

mod changes_pane;
mod chrome;
mod detail;
pub mod format;
mod help;
mod metrics_pane;
pub mod sparkline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;

use crate::app::state::{Overlay, Pane, State};
use crate::keymap::Keymap;
use crate::metrics::Health;
use crate::theme::Theme;

/// Everything a frame is drawn from.
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

    pub fn health_symbol(&self, h: Health) -> &'static str {
        if self.ascii {
            h.ascii_symbol()
        } else {
            h.symbol()
        }
    }

    /// A pane title; the focused pane's is marked so focus shows without colour.
    fn pane_title(&self, pane: Pane, text: String) -> ratatui::text::Span<'static> {
        if self.state.focus == pane && self.state.overlay == Overlay::None {
            let mark = if self.ascii { ">" } else { "▸" };
            ratatui::text::Span::styled(format!(" {mark}{text}"), self.theme.focus)
        } else {
            ratatui::text::Span::styled(format!(" {text}"), self.theme.title)
        }
    }

    fn border(&self, pane: Pane) -> Style {
        if self.state.focus == pane && self.state.overlay == Overlay::None {
            self.theme.focus
        } else {
            self.theme.border
        }
    }
}

/// Where things went in the last frame, so the loop can size pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub metrics_rows: usize,
}

/// Draws one frame.
pub fn render(frame: &mut Frame, view: &View) -> Areas {
    let area = frame.area();
    let [banner, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::banner(frame, banner, view);
    chrome::status_bar(frame, status, view);
    let (main, side) = split_body(body, view.state.detail.is_some());
    let mut areas = Areas::default();
    match view.state.detail {
        Some(row) => detail::render(frame, main, view, row),
        None => areas.metrics_rows = metrics_pane::render(frame, main, view),
    }
    if let Some(side) = side {
        changes_pane::render(frame, side, view);
    }
    if let Overlay::Help { scroll } = view.state.overlay {
        help::render(frame, area, view, scroll);
    }
    areas
}

/// Metrics (or a detail) and the changes pane: side by side when wide,
/// stacked otherwise; a detail on a small screen takes the whole body.
fn split_body(body: Rect, detail_open: bool) -> (Rect, Option<Rect>) {
    if body.width >= 150 {
        let [main, side] =
            Layout::horizontal([Constraint::Percentage(64), Constraint::Percentage(36)])
                .areas(body);
        return (main, Some(side));
    }
    if detail_open && body.height < 30 {
        return (body, None);
    }
    let side_height = (body.height / 3).clamp(4, 12);
    let [main, side] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(side_height)]).areas(body);
    (main, Some(side))
}
