//! An incident's detail: who is on it, its deadlines, linked checks, action
//! items and its timeline in sentences.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Wrap};

use super::incidents_pane::severity_look;
use super::{View, format};
use crate::adapters::journal::Role;
use crate::shell::app::state::Pane;
use opsdeck_core::domain::{clocks, timeline};

pub fn render(frame: &mut Frame, area: Rect, view: &View, id: i64) {
    let s = view.state;
    let t = view.theme;
    let Some(i) = s.room().incidents().get(id) else { return };
    let (sev_style, symbol) = severity_look(view, &i.severity);
    let block = view
        .block()
        .borders(Borders::ALL)
        .border_style(view.border(Pane::Incidents))
        .title(view.pane_title(Pane::Incidents, format!("#{} {} ", i.id, i.title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let label = |l: &str| Span::styled(format!("{l:<11}"), t.header);
    let mut lines = Vec::new();
    // A title too long for the border is said in full (wrapped) first.
    if format::width(&i.title) + format::width(&i.id.to_string()) + 6 > area.width as usize {
        lines.push(Line::from(vec![label("Title"), Span::styled(i.title.clone(), t.text)]));
    }
    lines.push(Line::from(vec![
        label("Severity"),
        Span::styled(format!("{symbol} {}", i.severity), sev_style),
        Span::styled(
            format!(
                "  status {} · opened {} by {} ({} ago)",
                i.status.name(),
                format::clock(i.opened_at_ms, s.tz()),
                i.opened_by.name,
                format::age(s.now_ms() - i.opened_at_ms)
            ),
            t.text,
        ),
    ]));
    let roles: Vec<String> = Role::ALL.iter().map(|r| format!("{} {}", r.name(), i.roles.get(r).map_or("—", String::as_str))).collect();
    lines.push(Line::from(vec![label("Roles"), Span::styled(roles.join(" · "), t.text)]));
    let c = clocks(i, s.room().severities(), s.tz(), s.now_ms());
    let mut due = Vec::new();
    match (&i.acknowledged_by, c.respond) {
        (Some(by), _) => due.push(format!("acknowledged by {}", by.name)),
        (None, Some(r)) if r.remaining_ms >= 0 => due.push(format!("acknowledge within {}", format::age(r.remaining_ms))),
        (None, Some(r)) => due.push(format!("acknowledgement overdue by {}", format::age(-r.remaining_ms))),
        (None, None) => {}
    }
    if let Some(u) = c.next_update.filter(|_| i.is_open()) {
        due.push(if u.overdue {
            format!("comms update overdue by {}", format::age(-u.remaining_ms))
        } else {
            format!("next comms update in {}", format::age(u.remaining_ms))
        });
    }
    if !due.is_empty() {
        lines.push(Line::from(vec![label("Deadlines"), Span::styled(due.join(" · "), t.warning)]));
    }
    if !i.checks.is_empty() {
        lines.push(Line::from(vec![label("Checks"), Span::styled(i.checks.join(", "), t.text)]));
    }
    let todos: Vec<String> = i.notes.iter().filter_map(|n| n.action_item().map(str::to_string)).collect();
    if !todos.is_empty() {
        lines.push(Line::from(vec![label("To do"), Span::styled(todos.join(" · "), t.text)]));
    }
    lines.push(Line::styled("Timeline", t.header));
    for e in timeline::entries(i, s.room().severities()).iter().rev() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", format::clock(e.at_ms, s.tz())), t.text_dim),
            Span::styled(format!("{:<10} ", e.actor), t.text_dim),
            Span::styled(e.text.clone(), t.text),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
