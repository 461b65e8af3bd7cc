//! A form drawn over the panes: its fields, the focused one marked, and the
//! reason a submit was refused or the question to confirm.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Clear, Paragraph, Wrap};

use super::View;
use crate::shell::action::Action;
use crate::shell::app::form::{FieldKind, Form};

pub fn render<P>(frame: &mut Frame, area: Rect, view: &View, form: &Form<P>) {
    let t = view.theme;
    let width = area.width.saturating_sub(4).min(72);
    let width = if form.notes.is_empty() { width } else { area.width.saturating_sub(4).min(100) };
    // Notes give way (their tail is cut) so the fields and the error always show.
    let inner_width = width.saturating_sub(2).max(1) as usize;
    let fixed = form.fields.len() + 6;
    let mut budget = (area.height as usize).saturating_sub(fixed + 1);
    let mut notes: Vec<&String> = Vec::new();
    let mut notes_height = 0;
    for note in &form.notes {
        let rows = note.chars().count().div_ceil(inner_width).max(1);
        if rows > budget {
            break;
        }
        budget -= rows;
        notes_height += rows;
        notes.push(note);
    }
    let extra = if notes.is_empty() { 0 } else { notes_height + 1 };
    let height = ((fixed + extra) as u16).min(area.height);
    let [popup] = Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(area);
    let [popup] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(popup);
    let cursor = if view.ascii { "_" } else { "▏" };
    let mut lines: Vec<Line> = Vec::new();
    for note in &notes {
        let style = if note.starts_with("$ ") {
            t.header
        } else if note.starts_with("  ") {
            t.text
        } else {
            t.text_dim
        };
        lines.push(Line::styled(note.to_string(), style));
    }
    if !notes.is_empty() {
        lines.push(Line::raw(""));
    }
    // Labels in one column, each followed by at least one space, however long.
    let label_width = form.fields.iter().map(|f| f.label.chars().count() + 1).max().unwrap_or(0).max(14);
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let marker = if focused { if view.ascii { "> " } else { "▸ " } } else { "  " };
        let value = match &field.kind {
            FieldKind::Text { value } => format!("{value}{}", if focused { cursor } else { "" }),
            FieldKind::Choice { options, selected, .. } => {
                let v = options.get(*selected).cloned().unwrap_or_default();
                if focused { format!("‹ {v} ›  ({}/{} to change)", view.key(Action::Up), view.key(Action::Down)) } else { v }
            }
            FieldKind::Toggle { on } => format!("[{}]{}", if *on { "x" } else { " " }, if focused { "  (space to flip)" } else { "" }),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:<label_width$}", field.label), if focused { t.focus } else { t.header }),
            Span::styled(value, if focused { t.input } else { t.text }),
        ]));
    }
    lines.push(Line::raw(""));
    if let Some(q) = &form.confirm {
        lines.push(Line::styled(view.fill(q), t.warning));
    } else if let Some(e) = &form.error {
        lines.push(Line::styled(view.fill(e), t.error));
    } else {
        let (save, next, cancel) = (view.key(Action::Submit), view.key(Action::Complete), view.key(Action::Cancel));
        lines.push(Line::styled(format!("{save} saves to the room · {next} next field · {cancel} cancels"), t.text_dim));
    }
    let block = view.block().borders(Borders::ALL).border_style(t.focus).title(Span::styled(format!(" {} ", form.title), t.title));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), popup);
}
