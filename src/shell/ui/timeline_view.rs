//! The room's timeline: every event, newest first, as a sentence with its
//! time and actor. The filter narrows it: `kind:incident.note`,
//! `actor:alice`, and free words.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format};
use crate::adapters::journal::Event;
use crate::shell::app::state::Filtered;
use opsdeck_core::domain::timeline::describe;

/// True when the event matches every token of the filter.
pub fn matches(event: &Event, sentence: &str, filter: &str) -> bool {
    filter.split_whitespace().all(|token| {
        let token = token.to_lowercase();
        if let Some(kind) = token.strip_prefix("kind:") {
            event.kind.to_lowercase().contains(kind)
        } else if let Some(actor) = token.strip_prefix("actor:") {
            event.actor.to_string().to_lowercase().contains(actor)
        } else {
            sentence.to_lowercase().contains(&token) || event.actor.name.to_lowercase().contains(&token)
        }
    })
}

/// Below this inner width the timeline is narrow.
const NARROW: u16 = 110;

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let mut matched = 0;
    // Without a filter only the visible window is described: a room with
    // 100,000 events costs a screenful of sentences per frame, not the room.
    let capacity = area.height.saturating_sub(2) as usize;
    let offset = s.incidents().timeline_scroll().saturating_sub(capacity.saturating_sub(1));
    let filter = s.filter(Filtered::Timeline);
    let entries: Vec<(&Event, String)> = if filter.is_empty() {
        s.room().events().iter().rev().skip(offset).take(capacity).map(|e| (e, describe(e, s.room().severities()))).collect()
    } else {
        let all: Vec<(&Event, String)> = s
            .room()
            .events()
            .iter()
            .rev()
            .map(|e| (e, describe(e, s.room().severities())))
            .filter(|(e, text)| matches(e, text, filter))
            .collect();
        matched = all.len();
        all.into_iter().skip(offset).take(capacity).collect()
    };
    let title = if filter.is_empty() {
        format!(" Timeline · room {} ({} events) ", s.room().name(), s.room().events().len())
    } else {
        format!(" Timeline · room {} ({} of {} events, filter \"{filter}\") ", s.room().name(), matched, s.room().events().len())
    };
    let block = view.block().borders(Borders::ALL).border_style(t.focus).title(Span::styled(title, t.focus));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if entries.is_empty() {
        let text = if s.room().events().is_empty() {
            "  nothing has happened in this room yet"
        } else {
            "  no event matches the filter (kind:… actor:… words)"
        };
        frame.render_widget(Paragraph::new(Line::styled(text, t.text_dim)), inner);
        return;
    }
    // Columns as wide as what they hold here: the event's number, and a
    // kind as long as `runbook.step_confirmed` never runs into the actor.
    let seq_width = entries.iter().map(|(e, _)| e.seq.to_string().len() + 1).max().unwrap_or(2);
    // A narrow screen drops the kind column (the sentence says it) and
    // wraps the selected event's sentence under its row.
    let narrow = inner.width < NARROW;
    let kind_width = entries.iter().map(|(e, _)| e.kind.chars().count()).max().unwrap_or(0).max(12);
    let lead = 9 + seq_width + 1 + if narrow { 0 } else { kind_width + 1 } + 13;
    let mut lines: Vec<Line> = Vec::new();
    for (i, (e, text)) in entries.iter().enumerate() {
        let pos = offset + i;
        let selected = pos == s.incidents().timeline_scroll();
        let base = if selected { t.selection } else { Style::new() };
        let mut spans = vec![
            Span::styled(format!("{} ", format::clock(e.at_ms, s.tz())), base.patch(t.text_dim)),
            Span::styled(format!("{:>seq_width$} ", format!("#{}", e.seq)), base.patch(t.text_dim)),
        ];
        if !narrow {
            spans.push(Span::styled(format!("{:<kind_width$} ", e.kind), base.patch(t.text_dim)));
        }
        spans.push(Span::styled(format!("{} ", format::fit(&e.actor.name, 12)), base.patch(t.text)));
        let room = (inner.width as usize).saturating_sub(lead).max(8);
        if selected && narrow && format::width(text) > room {
            let mut wrapped = format::wrap(text, room).into_iter();
            spans.push(Span::styled(wrapped.next().unwrap_or_default(), base.patch(t.text)));
            lines.push(Line::from(spans));
            lines.extend(wrapped.map(|l| Line::styled(format!("{}{l}", " ".repeat(lead)), t.text)));
        } else {
            spans.push(Span::styled(format::clip(text, room), base.patch(t.text)));
            lines.push(Line::from(spans));
        }
    }
    lines.truncate(inner.height as usize);
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::journal::{Actor, Body, NewEvent};

    #[test]
    fn filters_by_kind_actor_and_words() {
        let actor = Actor { name: "alice".into(), host: "bastion".into(), from: None };
        let e = NewEvent::new("r", &actor, 0, &Body::IncidentNote { incident: 1, text: "db failover".into(), comms: false }).stored(2);
        assert!(matches(&e, "#1 Note: db failover", "kind:note actor:alice failover"));
        assert!(!matches(&e, "#1 Note: db failover", "kind:severity"));
        assert!(!matches(&e, "#1 Note: db failover", "actor:bob"));
        assert!(matches(&e, "#1 Note: db failover", ""));
    }
}
