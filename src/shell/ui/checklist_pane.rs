//! The checklist pane: each phase with a progress bar and done/skipped/total,
//! its items with their state, who ticked or skipped them and when, who is
//! on them, the evidence of an automatic tick, and under the selected item
//! its instructions from the document. A change this console
//! queued while the store was away shows at once, marked as queued.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format};
use crate::shell::app::state::{Filtered, Pane};
use opsdeck_core::launch::{ItemState, ItemStatus, Tally};

/// Width of a phase's progress bar, in cells.
const BAR: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let total = s.launch_tally();
    let filter = s.filter(Filtered::Checklist);
    let shown = if filter.is_empty() { String::new() } else { format!(", filter \"{filter}\"") };
    let title = format!("Checklist {}/{} done{}{shown} ", total.done, total.total, skipped_text(&total));
    let block =
        view.block().borders(Borders::ALL).border_style(view.border(Pane::Checklist)).title(view.pane_title(Pane::Checklist, title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible = s.visible_items();
    if visible.is_empty() {
        let why = if filter.is_empty() { "  the checklist has no items" } else { "  no item matches the filter" };
        frame.render_widget(Paragraph::new(Line::styled(why, t.text_dim)), inner);
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let several = s.launch().defs().checklists.len() > 1;
    let mut last_phase = None;
    for (pos, r) in visible.iter().enumerate() {
        let list = &s.launch().defs().checklists[r.checklist];
        let phase = &list.phases[r.phase];
        if last_phase != Some((r.checklist, r.phase)) {
            if several && last_phase.map(|(c, _)| c) != Some(r.checklist) {
                lines.push(Line::styled(format!(" {}", list.title), t.title));
            }
            lines.push(phase_line(view, s, r.checklist, r.phase, inner.width as usize));
            last_phase = Some((r.checklist, r.phase));
        }
        let item = &phase.items[r.item];
        let selected = pos == s.launch().item_selected() && s.focus() == Pane::Checklist;
        if pos == s.launch().item_selected() {
            selected_line = lines.len();
        }
        let queued = s.room().pending().item(&item.id);
        lines.push(item_line(
            view,
            &item.text,
            &s.progress().item(&item.id),
            queued,
            item.verify.as_deref(),
            selected,
            inner.width as usize,
        ));
        if pos == s.launch().item_selected() {
            lines.extend(in_full(view, &item.text, &s.progress().item(&item.id), inner.width as usize));
            lines.extend(details(view, &item.details, inner.width as usize));
        }
    }
    let height = inner.height as usize;
    let offset = selected_line.saturating_sub(height.saturating_sub(1));
    let lines: Vec<Line> = lines.into_iter().skip(offset).take(height).collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selected item's text and who (or the evidence) in full, wrapped
/// under its row, when the row had to cut them.
fn in_full(view: &View, text: &str, state: &ItemState, width: usize) -> Vec<Line<'static>> {
    let t = view.theme;
    let who = who_text(view, state, None);
    if format::width(text) + format::width(&who) + 9 <= width {
        return Vec::new();
    }
    let room = width.saturating_sub(8);
    let mut out: Vec<Line<'static>> = format::wrap(text, room).into_iter().map(|l| Line::styled(format!("       {l}"), t.text)).collect();
    out.extend(format::wrap(&who, room).into_iter().map(|l| Line::styled(format!("       {l}"), t.text_dim)));
    out
}

/// Most lines of an item's instructions shown under it when it is selected.
const DETAIL_LINES: usize = 6;

/// The selected item's instructions from its document, dimmed under it.
fn details(view: &View, details: &[String], width: usize) -> Vec<Line<'static>> {
    let t = view.theme;
    let mut out: Vec<Line<'static>> = details
        .iter()
        .take(DETAIL_LINES)
        .map(|d| Line::styled(format!("       {}", format::clip(d, width.saturating_sub(8))), t.text_dim))
        .collect();
    if details.len() > DETAIL_LINES {
        out.push(Line::styled(format!("       … {} more lines in the document", details.len() - DETAIL_LINES), t.text_dim));
    }
    out
}

fn skipped_text(t: &Tally) -> String {
    if t.skipped > 0 { format!(" · {} skipped", t.skipped) } else { String::new() }
}

fn phase_line(view: &View, s: &crate::shell::app::state::State, checklist: usize, phase: usize, width: usize) -> Line<'static> {
    let t = view.theme;
    let def = &s.launch().defs().checklists[checklist].phases[phase];
    let mut tally = Tally::default();
    for item in &def.items {
        tally.add(s.progress().item(&item.id).status);
    }
    let filled = (tally.ratio().unwrap_or(0.0) * BAR as f64).round() as usize;
    let (full, empty) = if view.ascii { ("#", "-") } else { ("█", "░") };
    let bar = format!("{}{}", full.repeat(filled), empty.repeat(BAR - filled.min(BAR)));
    let indent = "  ".repeat(def.depth.min(3));
    let counts = format!(" {}/{}{}", tally.done, tally.total, skipped_text(&tally));
    let room = width.saturating_sub(indent.len() + BAR + counts.len() + 3);
    let done = tally.done + tally.skipped == tally.total;
    let bar_style = if done { t.ok } else { t.chart };
    Line::from(vec![
        Span::styled(format!(" {indent}{} ", format::fit(&def.title, room)), t.header),
        Span::styled(bar, bar_style),
        Span::styled(counts, t.text_dim),
    ])
}

fn item_line(
    view: &View,
    text: &str,
    state: &ItemState,
    queued: Option<ItemStatus>,
    verify: Option<&str>,
    selected: bool,
    width: usize,
) -> Line<'static> {
    let t = view.theme;
    let base = if selected { t.selection } else { Style::new() };
    if let Some(status) = queued {
        let what = match status {
            ItemStatus::Done => "done",
            ItemStatus::Skipped => "skipped",
            ItemStatus::Open => "reopened",
        };
        let mark = (if view.ascii { "?" } else { "⧗" }, t.warning);
        let text_style = if status == ItemStatus::Skipped { t.text_dim } else { t.text };
        return item_row(text, text_style, mark, (format!("QUEUED here: {what}, not in the room yet"), t.warning), base, width, view);
    }
    let (mark, style) = match (state.status, &state.claimed, view.ascii) {
        (ItemStatus::Done, _, false) => ("✓", t.ok),
        (ItemStatus::Done, _, true) => ("x", t.ok),
        (ItemStatus::Skipped, _, false) => ("⤼", t.text_dim),
        (ItemStatus::Skipped, _, true) => ("~", t.text_dim),
        (ItemStatus::Open, Some(_), false) => ("◐", t.degraded),
        (ItemStatus::Open, Some(_), true) => ("o", t.degraded),
        (ItemStatus::Open, None, _) => (" ", t.text),
    };
    let who = who_text(view, state, verify);
    let who_style = if state.status == ItemStatus::Open { t.degraded } else { t.text_dim };
    let text_style = if state.status == ItemStatus::Skipped { t.text_dim } else { t.text };
    item_row(text, text_style, (mark, style), (who, who_style), base, width, view)
}

/// Who ticked, skipped or is on the item and when (with the evidence of an
/// automatic tick), or what ticks it.
fn who_text(view: &View, state: &ItemState, verify: Option<&str>) -> String {
    let tz = view.state.tz();
    match (state.status, &state.by, &state.claimed) {
        (ItemStatus::Done, Some((a, at)), _) => match &state.note {
            Some(evidence) => format!("{} {} · verified: {evidence}", a.name, format::clock(*at, tz)),
            None => format!("{} {}", a.name, format::clock(*at, tz)),
        },
        (ItemStatus::Skipped, Some((a, at)), _) => {
            format!("skipped by {} {}: {}", a.name, format::clock(*at, tz), state.note.as_deref().unwrap_or(""))
        }
        (ItemStatus::Open, _, Some((a, at))) => format!("{} is on this since {}", a.name, format::clock(*at, tz)),
        (ItemStatus::Open, _, None) => verify.map(|c| format!("ticks itself when {c} holds")).unwrap_or_default(),
        _ => String::new(),
    }
}

/// `   [mark] text      who`, fitted to `width`.
fn item_row(
    text: &str,
    text_style: Style,
    (mark, style): (&'static str, Style),
    (who, who_style): (String, Style),
    base: Style,
    width: usize,
    view: &View,
) -> Line<'static> {
    let t = view.theme;
    let cols = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let inner = width.saturating_sub(9);
    // The item's own words come first: who and the evidence get what is
    // left, at most two fifths of the row (the full evidence is on the timeline).
    let who_room = (inner * 2 / 5).max(inner.saturating_sub(cols(text)));
    let who = format::clip(&who, who_room.min(inner));
    let text_room = inner.saturating_sub(cols(&who)).max(12);
    let text = format::clip(text, text_room);
    let pad = width.saturating_sub(cols(&text) + cols(&who) + 8);
    Line::from(vec![
        Span::styled("   [", base.patch(t.text_dim)),
        Span::styled(mark, base.patch(style)),
        Span::styled("] ", base.patch(t.text_dim)),
        Span::styled(text, base.patch(text_style)),
        Span::styled(" ".repeat(pad), base),
        Span::styled(who, base.patch(who_style)),
    ])
}
