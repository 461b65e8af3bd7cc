//! The incidents pane: one row per incident, most urgent open ones first —
//! severity as colour and symbol, id, title, status, age, commander, and the
//! response and update deadlines counting down. Incidents this console
//! opened while the store was away come first, marked as queued: they have
//! no number until the room stores them.

use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format};
use crate::adapters::journal::Role;
use crate::shell::app::pending::PendingIncident;
use crate::shell::app::state::Pane;
use opsdeck_core::domain::{Incident, clocks};

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let open = s.room().incidents().list(s.room().severities()).filter(|i| i.is_open()).count();
    let pending = s.room().pending().incidents();
    let title = match pending.len() {
        0 => format!("Incidents ({open} open) "),
        n => format!("Incidents ({open} open, {n} queued here) "),
    };
    let block =
        view.block().borders(Borders::ALL).border_style(view.border(Pane::Incidents)).title(view.pane_title(Pane::Incidents, title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows: Vec<&Incident> = s.room().incidents().list(s.room().severities()).collect();
    if rows.is_empty() && pending.is_empty() {
        let hint = match (
            s.room().read_only(),
            view.keymap.key_for(crate::shell::keymap::Context::Incidents, crate::shell::action::Action::IncidentNew),
        ) {
            (false, Some(k)) => format!("  no incidents · {k} in this pane opens one"),
            _ => "  no incidents".to_string(),
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, t.text_dim)), inner);
        return;
    }
    let mut lines: Vec<Line> = pending.iter().map(|p| queued_row(p, view, inner.width as usize)).collect();
    lines.truncate(inner.height as usize);
    let per = lines_per_incident(inner.width) as usize;
    let capacity = (inner.height as usize).saturating_sub(lines.len()) / per;
    let offset = s.incidents().selected().saturating_sub(capacity.saturating_sub(1));
    let tz = s.tz();
    lines.extend(rows.iter().enumerate().skip(offset).take(capacity).flat_map(|(pos, i)| {
        let selected = pos == s.incidents().selected() && s.focus() == Pane::Incidents;
        row(i, view, tz, selected, inner.width as usize)
    }));
    super::plain_lines::render(frame.buffer_mut(), inner, &lines);
}

/// An incident opened here that the room does not have yet: no number, and
/// a marker saying it is queued.
fn queued_row<'a>(p: &PendingIncident, view: &View, width: usize) -> Line<'a> {
    let t = view.theme;
    let (sev_style, symbol) = severity_look(view, &p.severity);
    let (marker, id) =
        if view.ascii { (" QUEUED here, not in the room yet", " #-   ") } else { (" ⧗ QUEUED here, not in the room yet", " #…   ") };
    let age = format!(" {:>4}", format::age(view.state.now_ms() - p.at_ms));
    let fixed = 12 + marker.chars().count() + age.len();
    let title = format::fit(&p.title, width.saturating_sub(fixed).max(8));
    Line::from(vec![
        Span::styled(format!("{symbol} {:<3}", p.severity), sev_style),
        Span::styled(id, t.text_dim),
        Span::styled(format!(" {title}"), t.text),
        Span::styled(age, t.text_dim),
        Span::styled(marker, t.warning),
    ])
}

/// The style and symbol of a severity: P0 loudest; others by rank.
pub fn severity_look(view: &View, severity: &str) -> (Style, &'static str) {
    let t = view.theme;
    let rank = view.state.room().severities().iter().position(|s| s.id == severity).unwrap_or(3);
    match (rank, view.ascii) {
        (0, false) => (t.p0, "◆"),
        (1, false) => (t.p1, "▲"),
        (2, false) => (t.p2, "●"),
        (_, false) => (t.p3, "·"),
        (0, true) => (t.p0, "!!"),
        (1, true) => (t.p1, "!"),
        (_, true) => (if rank == 2 { t.p2 } else { t.p3 }, "-"),
    }
}

/// Below this width an incident takes two lines: its title on the first,
/// where it stands and its deadlines on the second.
const NARROW: usize = 100;

/// An incident's row: one line when wide, two when narrow.
fn row<'a>(i: &Incident, view: &View, tz: &TimeZone, selected: bool, width: usize) -> Vec<Line<'a>> {
    let s = view.state;
    let t = view.theme;
    let base = if selected { t.selection } else { Style::new() };
    let (sev_style, symbol) = severity_look(view, &i.severity);
    let head = vec![
        Span::styled(format!("{symbol} {:<3}", i.severity), base.patch(sev_style)),
        Span::styled(format!(" #{:<4}", i.id), base.patch(t.text_dim)),
    ];
    let narrow = width < NARROW;
    let status = if narrow { format!(" {}", i.status.name()) } else { format!(" {:<13}", i.status.name()) };
    let age = if narrow {
        format!(" · {} ago", format::age(s.now_ms() - i.opened_at_ms))
    } else {
        format!(" {:>4}", format::age(s.now_ms() - i.opened_at_ms))
    };
    let cmdr = i.roles.get(&Role::Commander).map(|p| format!(" cmdr {p}")).unwrap_or_else(|| " no commander".into());
    let cmdr = if narrow { format!(" ·{cmdr}") } else { cmdr };
    let c = clocks(i, s.room().severities(), tz, s.now_ms());
    let mut clock_spans = Vec::new();
    if i.is_open() {
        if let Some(r) = c.respond.filter(|r| !r.met) {
            let style = if r.remaining_ms < 0 { t.critical } else { t.warning };
            let sep = if narrow { " ·" } else { "" };
            clock_spans.push(Span::styled(format!("{sep} ack {}", format::due_short(r.remaining_ms)), base.patch(style)));
        }
        if let Some(u) = c.next_update {
            let style = if u.overdue { t.critical } else { t.text_dim };
            clock_spans.push(Span::styled(format!(" update {}", format::due_short(u.remaining_ms)), base.patch(style)));
        }
    }
    let status_style = if i.is_open() { t.text } else { t.text_dim };
    if narrow {
        let mut first = head;
        first.push(Span::styled(format!(" {}", format::fit(&i.title, width.saturating_sub(12))), base.patch(t.text)));
        let mut second = vec![Span::styled(" ".repeat(11), base), Span::styled(status, base.patch(status_style))];
        second.push(Span::styled(age, base.patch(t.text_dim)));
        second.push(Span::styled(cmdr, base.patch(t.text_dim)));
        second.extend(clock_spans);
        return vec![Line::from(first), Line::from(second)];
    }
    let fixed: usize = 12 + status.len() + age.len() + cmdr.chars().count() + clock_spans.iter().map(|s| s.width()).sum::<usize>();
    let title = format::fit(&i.title, width.saturating_sub(fixed).max(8));
    let mut spans = head;
    spans.push(Span::styled(format!(" {title}"), base.patch(t.text)));
    spans.push(Span::styled(status, base.patch(status_style)));
    spans.push(Span::styled(age, base.patch(t.text_dim)));
    spans.push(Span::styled(cmdr, base.patch(t.text_dim)));
    spans.extend(clock_spans);
    vec![Line::from(spans)]
}

/// How many lines an incident takes at this inner width.
pub fn lines_per_incident(width: u16) -> u16 {
    if (width as usize) < NARROW { 2 } else { 1 }
}

/// One line under a tall pane on a small screen: how many incidents are
/// open and the most urgent one, with the key that brings the pane back.
pub fn strip(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let open: Vec<&Incident> = s.room().incidents().list(s.room().severities()).filter(|i| i.is_open()).collect();
    let queued = s.room().pending().incidents().len();
    let mut spans = vec![Span::styled(
        match (open.len(), queued) {
            (n, 0) => format!(" {n} open {}", if n == 1 { "incident" } else { "incidents" }),
            (n, q) => format!(" {n} open, {q} queued here"),
        },
        t.header,
    )];
    let hint = format!(" · {} shows them", view.key(crate::shell::action::Action::FocusIncidents));
    if let Some(i) = open.first() {
        let (style, symbol) = severity_look(view, &i.severity);
        spans.push(Span::styled(format!(" · {symbol} {} #{}", i.severity, i.id), style));
        let used: usize = spans.iter().map(|s| s.width()).sum::<usize>() + hint.chars().count() + 1;
        spans.push(Span::styled(format!(" {}", format::clip(&i.title, (area.width as usize).saturating_sub(used))), t.text));
    }
    spans.push(Span::styled(hint, t.text_dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
