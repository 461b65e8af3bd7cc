//! The help overlay, generated from the keymap: every binding of the
//! contexts in use, with its description.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Clear, Paragraph};

use super::View;
use crate::shell::action::Action;
use crate::shell::app::state::State;
use crate::shell::keymap::Context;

/// The contexts the help lists: those behind the overlay first, then the rest.
fn listed(state: &State) -> Vec<Context> {
    let mut out = state.pane_key_contexts();
    let rest: Vec<Context> = Context::ALL.iter().copied().filter(|c| !out.contains(c)).collect();
    out.extend(rest);
    out
}

pub fn render(frame: &mut Frame, area: Rect, view: &View, scroll: u16) {
    let t = view.theme;
    let width = area.width.saturating_sub(4).min(76);
    let height = area.height.saturating_sub(2);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(popup);
    let desc_width = (width as usize).saturating_sub(2 + 14);
    let mut lines: Vec<Line> = Vec::new();
    for ctx in listed(view.state) {
        // A read-only console has no keys that change the room: they vanish.
        let read_only = view.state.room().read_only();
        let bindings: Vec<_> = view.keymap.bindings(ctx).iter().filter(|b| !(read_only && b.action.changes_the_room())).collect();
        if bindings.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(format!("{ctx}"), t.header));
        for b in bindings {
            // A description longer than the line goes on under itself.
            let mut desc = super::format::wrap(&b.desc, desc_width).into_iter();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<12}", b.keys_label()), t.help_key),
                Span::styled(desc.next().unwrap_or_default(), t.help_desc),
            ]));
            lines.extend(desc.map(|l| Line::styled(format!("{:14}{l}", ""), t.help_desc)));
        }
    }
    let block = view
        .block()
        .borders(Borders::ALL)
        .border_style(t.focus)
        .title(Span::styled(format!(" Keys · keymap {} ", view.keymap.name), t.title))
        .title_bottom(Span::styled(
            format!(" scroll with {}/{} · {} closes ", view.key(Action::Up), view.key(Action::Down), view.key(Action::Close)),
            t.text_dim,
        ));
    frame.render_widget(Clear, popup);
    let max_scroll = (lines.len() as u16).saturating_sub(popup.height.saturating_sub(2));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll.min(max_scroll), 0)), popup);
}
