//! The changes pane: the most recent state changes across all checks, newest
//! first, each with its time and reason.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format};
use crate::shell::app::state::Pane;

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let block = view
        .block()
        .borders(Borders::ALL)
        .border_style(view.border(Pane::Changes))
        .title(view.pane_title(Pane::Changes, format!("Changes ({}) ", s.metrics().changes().len())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if s.metrics().changes().is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("  no state changes yet", t.text_dim)), inner);
        return;
    }
    let arrow = if view.ascii { "->" } else { "→" };
    let lines: Vec<Line> = s
        .metrics()
        .changes()
        .iter()
        .enumerate()
        .skip(s.metrics().changes_scroll().saturating_sub((inner.height as usize).saturating_sub(1)))
        .take(inner.height as usize)
        .map(|(i, c)| {
            let name = s.metrics().board().rows.get(c.check).map_or("?", |r| r.name.as_str());
            let selected = i == s.metrics().changes_scroll() && s.focus() == Pane::Changes;
            let base = if selected { t.selection } else { ratatui::style::Style::new() };
            Line::from(vec![
                Span::styled(format!("{} ", format::clock(c.at_ms, s.tz())), base.patch(t.text_dim)),
                Span::styled(format!("{name} "), base.patch(t.text)),
                Span::styled(c.from.ascii_symbol(), base.patch(view.health_style(c.from))),
                Span::styled(arrow, base.patch(t.text_dim)),
                Span::styled(format!("{} ", c.to.ascii_symbol()), base.patch(view.health_style(c.to))),
                Span::styled(c.reason.clone(), base.patch(t.text_dim)),
            ])
        })
        .collect();
    super::plain_lines::render(frame.buffer_mut(), inner, &lines);
}
