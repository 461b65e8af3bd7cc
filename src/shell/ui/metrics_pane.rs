//! The metrics pane: a row per check with its state (colour and symbol),
//! value, band, trend, p95 and the age of its last sample (in 10 s steps
//! under a minute, so rows do not change every second); an UNKNOWN row
//! shows why instead of numbers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Borders;

use super::format::fit;
use super::{View, format, sparkline};
use crate::shell::app::probing::Probing;
use crate::shell::app::state::{Filtered, Pane};
use opsdeck_core::metrics::Health;
use opsdeck_core::metrics::board::Row;

/// Window for the p95 column.
pub const P95_WINDOW_MS: i64 = 5 * 60_000;

struct Columns {
    name: usize,
    value: usize,
    band: usize,
    trend: usize,
    p95: usize,
    age: usize,
}

impl Columns {
    const STATE: usize = 7;

    fn for_width(w: usize) -> Columns {
        let band = match w {
            0..96 => 0,
            96..120 => 16,
            _ => 22,
        };
        let trend = if w >= 64 { 13 } else { 0 };
        let p95 = if w >= 76 { 9 } else { 0 };
        let (value, age) = (10, 5);
        let name = w.saturating_sub(Self::STATE + value + band + trend + p95 + age).max(8);
        Columns { name, value, band, trend, p95, age }
    }
}

/// Draws the pane; returns how many rows fit, for paging.
pub fn render(frame: &mut Frame, area: Rect, view: &View) -> usize {
    let s = view.state;
    let visible = s.visible_rows();
    let filter = s.filter(Filtered::Metrics);
    let title = if filter.is_empty() {
        format!("Metrics ({}) ", visible.len())
    } else {
        format!("Metrics ({} of {}, filter \"{filter}\") ", visible.len(), s.metrics().board().rows.len())
    };
    let block = view.block().borders(Borders::ALL).border_style(view.border(Pane::Metrics)).title(view.pane_title(Pane::Metrics, title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = Columns::for_width(inner.width as usize);
    let capacity = (inner.height as usize).saturating_sub(1);
    let offset = s.metrics().selected().saturating_sub(capacity.saturating_sub(1));
    let mut lines = vec![header(&cols, view)];
    if visible.is_empty() {
        let text = if s.metrics().board().rows.is_empty() {
            "  the plan has no checks".to_string()
        } else {
            format!("  no check matches the filter ({} clears it)", view.key(crate::shell::action::Action::Close))
        };
        lines.push(Line::styled(text, view.theme.text_dim));
    }
    for (pos, &i) in visible.iter().enumerate().skip(offset).take(capacity) {
        let selected = pos == s.metrics().selected() && s.focus() == Pane::Metrics;
        lines.push(row_line(&s.metrics().board().rows[i], &cols, view, selected));
    }
    super::plain_lines::render(frame.buffer_mut(), inner, &lines);
    capacity
}

fn header<'a>(c: &Columns, view: &View) -> Line<'a> {
    let mut text = format!("{:<w$}{:<n$}{:>v$}", "STATE", "CHECK", "VALUE ", w = Columns::STATE, n = c.name, v = c.value);
    if c.band > 0 {
        text.push_str(&format!(" {:<w$}", "BAND", w = c.band - 1));
    }
    if c.trend > 0 {
        text.push_str(&format!(" {:<w$}", "TREND", w = c.trend - 1));
    }
    if c.p95 > 0 {
        text.push_str(&format!("{:>w$}", "P95 ", w = c.p95));
    }
    text.push_str(&format!("{:>w$}", "AGE", w = c.age));
    Line::styled(text, view.theme.header)
}

fn row_line<'a>(r: &Row, c: &Columns, view: &View, selected: bool) -> Line<'a> {
    let s = view.state;
    let t = view.theme;
    let h = r.health();
    let hs = view.health_style(h);
    let base = if selected { t.selection } else { Style::new() };
    let state_text = if view.ascii { h.ascii_symbol().to_string() } else { format!("{} {}", h.symbol(), h.ascii_symbol()) };
    let silenced = s.room().silences().active(&opsdeck_core::domain::silences::check_target(&r.id), s.now_ms());
    let mut spans = vec![Span::styled(fit(&state_text, Columns::STATE), base.patch(hs))];
    // In a shared room a local check's reading is this console's own, not the prober's.
    let local = (r.local && *s.room().probing() != Probing::Alone).then(|| " [here]".to_string());
    let mark = silenced.map(|si| format!(" [silenced {}]", format::age(si.until_ms - s.now_ms()))).or(local);
    match mark {
        Some(mark) => {
            let name_room = c.name.saturating_sub(mark.chars().count());
            spans.push(Span::styled(format::clip(&r.name, name_room), base.patch(t.text)));
            let used = format::clip(&r.name, name_room).chars().count();
            spans.push(Span::styled(fit(&mark, c.name - used), base.patch(t.text_dim)));
        }
        None => spans.push(Span::styled(fit(&r.name, c.name), base.patch(t.text))),
    }
    let middle = c.value + c.band + c.trend + c.p95;
    let value_text = r.eval.last_value().map(|v| format::value_within(v, r.unit, c.value - 1));
    match (h, value_text) {
        (Health::Unknown, _) | (_, None) => {
            // A row following the room's judge says the judge's words.
            let own_error = r.eval.last_error().filter(|_| h == Health::Unknown && !r.eval.is_following());
            let why = own_error.map_or_else(|| r.eval.reason().to_string(), str::to_string);
            spans.push(Span::styled(fit(&format!(" {why}"), middle), base.patch(t.unknown)));
        }
        (_, Some(value)) => {
            spans.push(Span::styled(format!("{:>w$} ", value, w = c.value - 1), base.patch(hs)));
            if c.band > 0 {
                spans.push(Span::styled(fit(&r.band_text(), c.band), base.patch(t.text_dim)));
            }
            if c.trend > 0 {
                let values = r.eval.series().last_n(c.trend - 1);
                spans.push(Span::styled(fit(&sparkline::line(&values, c.trend - 1, view.ascii), c.trend), base.patch(t.chart)));
            }
            if c.p95 > 0 {
                let p95 =
                    r.eval.series().p95(s.now_ms() - P95_WINDOW_MS).map(|v| format::value_within(v, r.unit, c.p95 - 1)).unwrap_or_default();
                spans.push(Span::styled(format!("{:>w$} ", p95, w = c.p95 - 1), base.patch(t.text_dim)));
            }
        }
    }
    let age = r.eval.last_sample_at().map(|at| format::sample_age(s.now_ms() - at)).unwrap_or_else(|| "—".into());
    spans.push(Span::styled(format!("{:>w$}", age, w = c.age), base.patch(t.text_dim)));
    Line::from(spans)
}
