//! A check's detail: its state and why, the band, the last probe and error,
//! every quantity of the last reading, a chart of recent samples with the
//! band's thresholds, and its recent state changes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Borders, Chart, Dataset, GraphType, Paragraph, Wrap};

use super::{View, format, sparkline};
use crate::shell::app::probing::Probing;
use crate::shell::app::room::RoomState;
use crate::shell::app::state::Pane;
use opsdeck_core::config::units::Unit;
use opsdeck_core::metrics::board::Row;

/// How far back the chart looks.
const CHART_WINDOW_MS: i64 = 10 * 60_000;

pub fn render(frame: &mut Frame, area: Rect, view: &View, row: usize) {
    let Some(r) = view.state.metrics().board().rows.get(row) else {
        return;
    };
    let title = format!("{} · {} ({}) ", r.id, r.name, r.kind);
    let block = view.block().borders(Borders::ALL).border_style(view.border(Pane::Metrics)).title(view.pane_title(Pane::Metrics, title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = facts(r, view);
    let text_height = (text.len() as u16).min(inner.height / 2).max(3);
    let [top, chart_area] = Layout::vertical([Constraint::Length(text_height), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), top);
    if chart_area.height >= 5 {
        chart(frame, chart_area, r, view);
    }
}

fn facts<'a>(r: &Row, view: &View) -> Vec<Line<'a>> {
    let s = view.state;
    let t = view.theme;
    let h = r.health();
    let label = |l: &str| Span::styled(format!("{l:<11}"), t.header);
    let since = r
        .eval
        .since_ms()
        .map(|at| format!("  since {} ({} ago)", format::clock(at, s.tz()), format::age(s.now_ms() - at)))
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            label("State"),
            // In ASCII the symbol is the word already ("OK"): say it once.
            Span::styled(
                if view.ascii { h.label().to_string() } else { format!("{} {}", view.health_symbol(h), h.label()) },
                view.health_style(h),
            ),
            Span::styled(since, t.text_dim),
        ]),
        Line::from(vec![label("Why"), Span::styled(r.eval.reason().to_string(), t.text)]),
    ];
    let value = r.eval.last_value().map(|v| format::value(v, r.unit)).unwrap_or_else(|| "—".into());
    lines.push(Line::from(vec![
        label("Value"),
        Span::styled(format!("{value} "), view.health_style(h)),
        Span::styled(format!("({})", r.value_name), t.text_dim),
    ]));
    if let Some(whose) = reading_from(r, s.room()) {
        lines.push(Line::from(vec![label("Reading"), Span::styled(whose, t.text_dim)]));
    }
    if let Some(si) = s.room().silences().active(&opsdeck_core::domain::silences::check_target(&r.id), s.now_ms()) {
        let text = format!(
            "by {} until {} ({} left): {} · fires no trigger",
            si.by.name,
            format::clock(si.until_ms, s.tz()),
            format::age(si.until_ms - s.now_ms()),
            si.reason
        );
        lines.push(Line::from(vec![label("Silenced"), Span::styled(text, t.warning)]));
    }
    let marks = markers(s, s.now_ms() - CHART_WINDOW_MS);
    if !marks.is_empty() {
        let text: Vec<String> = marks
            .iter()
            .map(|(at, text)| format!("{text} at {} ({} ago)", format::clock(*at, s.tz()), format::age(s.now_ms() - at)))
            .collect();
        lines.push(Line::from(vec![label("Markers"), Span::styled(text.join(" · "), t.warning)]));
    }
    if let Some(b) = &r.band {
        let parts: Vec<String> = [("target", &b.target), ("acceptable", &b.acceptable), ("critical", &b.critical)]
            .into_iter()
            .filter_map(|(n, bound)| bound.as_ref().map(|bd| format!("{n} {bd}")))
            .collect();
        lines.push(Line::from(vec![label("Band"), Span::styled(parts.join(" · "), t.text)]));
    }
    let window = s.now_ms() - 5 * 60_000;
    let series = r.eval.series();
    let pct = |q: Option<f64>| q.map(|v| format::value(v, r.unit)).unwrap_or_else(|| "—".into());
    lines.push(Line::from(vec![
        label("Last 5 min"),
        Span::styled(
            format!(
                "p50 {} · p95 {} · p99 {} · {} samples",
                pct(series.p50(window)),
                pct(series.p95(window)),
                pct(series.p99(window)),
                series.values_since(window).len()
            ),
            t.text,
        ),
    ]));
    let probe = match (r.eval.last_sample_at(), r.last_latency_ms) {
        (Some(at), Some(ms)) => {
            let age = format::age(s.now_ms() - at);
            let when = if age == "now" { "just now".to_string() } else { format!("{age} ago") };
            format!(
                "{when}, took {} · every {}",
                format::value(ms, Unit::parse("ms")),
                crate::adapters::probe::short_duration(r.timing.every)
            )
        }
        _ => format!("not yet run · every {}", crate::adapters::probe::short_duration(r.timing.every)),
    };
    lines.push(Line::from(vec![label("Probe"), Span::styled(probe, t.text)]));
    if let Some(e) = r.eval.last_error() {
        let failures = r.eval.consecutive_failures();
        let tail = if failures > 0 { format!(" ({failures} in a row)") } else { " (recovered since)".to_string() };
        lines.push(Line::from(vec![label("Last error"), Span::styled(format!("{e}{tail}"), t.unknown)]));
    }
    let recent: Vec<String> =
        series.iter().rev().take(8).map(|p| format!("{} {}", format::value(p.value, r.unit), format::age(s.now_ms() - p.at_ms))).collect();
    if !recent.is_empty() {
        lines.push(Line::from(vec![label("Recent"), Span::styled(recent.join(" · "), t.text_dim)]));
    }
    if let Some(reading) = &r.last_reading {
        let all: Vec<String> = reading.values.iter().map(|(n, v)| format!("{n}={}", format::number(*v))).collect();
        lines.push(Line::from(vec![label("Reading"), Span::styled(all.join("  "), t.text_dim)]));
        if let Some(note) = &reading.note {
            lines.push(Line::from(vec![label("Note"), Span::styled(note.clone(), t.degraded)]));
        }
    }
    for (n, tr) in r.eval.transitions().iter().rev().take(3).enumerate() {
        lines.push(Line::from(vec![
            label(if n == 0 { "Changes" } else { "" }),
            Span::styled(format!("{} ", format::clock(tr.at_ms, s.tz())), t.text_dim),
            Span::styled(format!("{}→{} ", tr.from.ascii_symbol(), tr.to.ascii_symbol()), view.health_style(tr.to)),
            Span::styled(tr.reason.clone(), t.text_dim),
        ]));
    }
    lines
}

/// The room's markers since `from_ms`: when, and what they say.
fn markers(s: &crate::shell::app::state::State, from_ms: i64) -> Vec<(i64, String)> {
    s.room()
        .events()
        .iter()
        .rev()
        .take_while(|e| e.at_ms >= from_ms)
        .filter_map(|e| match e.body() {
            Some(crate::adapters::journal::Body::Marker { text }) => Some((e.at_ms, text.clone())),
            _ => None,
        })
        .collect()
}

/// The chart's vertical range for `values`, and which of the band's
/// `thresholds` are near enough to draw. The data's range is widened to a
/// minimum relative span (see the sparkline module), so a move of a few
/// percent does not fill the height; thresholds far outside the data would
/// squash it flat, so only those near it count; then 5% of padding.
fn y_bounds(values: &[f64], thresholds: &[f64]) -> ((f64, f64), Vec<f64>) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut lo, mut hi) = sparkline::widened(lo, hi);
    let reach = (hi - lo).max(hi.abs() * 0.5).max(f64::EPSILON);
    let near: Vec<f64> = thresholds.iter().copied().filter(|v| *v >= lo - reach && *v <= hi + reach).collect();
    for v in &near {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if (hi - lo).abs() < f64::EPSILON {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    let lo = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
    ((lo, hi + pad), near)
}

fn chart(frame: &mut Frame, area: Rect, r: &Row, view: &View) {
    // The chart's axis is seconds before now: it slides with the clock.
    super::format::note_ticking();
    let now = view.state.now_ms();
    let points: Vec<(f64, f64)> =
        r.eval.series().iter().filter(|p| p.at_ms >= now - CHART_WINDOW_MS).map(|p| ((p.at_ms - now) as f64 / 1000.0, p.value)).collect();
    let t = view.theme;
    if points.is_empty() {
        frame.render_widget(Paragraph::new(Line::styled("no samples yet", t.text_dim)), area);
        return;
    }
    let x_min = points.first().map_or(-60.0, |p| p.0).min(-60.0);
    let thresholds: Vec<(f64, Style)> = r
        .eval
        .config()
        .band
        .iter()
        .flat_map(|b| [(b.target, t.ok), (b.critical, t.critical)])
        .filter_map(|(b, style)| b.map(|(_, v)| (v, style)))
        .collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let ((lo, hi), near) = y_bounds(&values, &thresholds.iter().map(|t| t.0).collect::<Vec<_>>());
    let thresholds: Vec<(f64, Style)> = thresholds.into_iter().filter(|(v, _)| near.contains(v)).collect();
    let marker = if view.ascii { Marker::Dot } else { Marker::Braille };
    let lines: Vec<Vec<(f64, f64)>> = thresholds.iter().map(|(v, _)| vec![(x_min, *v), (0.0, *v)]).collect();
    // Deploy (and other) markers of the room as vertical lines.
    let marks: Vec<Vec<(f64, f64)>> = markers(view.state, now + (x_min * 1000.0) as i64)
        .into_iter()
        .map(|(at, _)| {
            let x = (at - now) as f64 / 1000.0;
            vec![(x, lo), (x, hi)]
        })
        .collect();
    let mut datasets = vec![Dataset::default().marker(marker).graph_type(GraphType::Line).style(t.chart).data(&points)];
    for (line, (_, style)) in lines.iter().zip(&thresholds) {
        datasets.push(Dataset::default().marker(marker).graph_type(GraphType::Line).style(*style).data(line));
    }
    for line in &marks {
        datasets.push(Dataset::default().marker(marker).graph_type(GraphType::Line).style(t.warning).data(line));
    }
    let fmt = |v: f64| format::value(v, r.unit);
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default().bounds([x_min, 0.0]).labels([Line::from(format!("{}s", x_min as i64)), Line::from("now")]).style(t.text_dim),
        )
        .y_axis(Axis::default().bounds([lo, hi]).labels([Line::from(fmt(lo)), Line::from(fmt(hi))]).style(t.text_dim));
    frame.render_widget(chart, area);
}

/// Whose reading a row shows in a shared room: the room's prober's, or (a
/// `local` check, or while the room cannot be reached) this console's own.
fn reading_from(r: &Row, room: &RoomState) -> Option<String> {
    let me = room.actor();
    let here = format!("{}@{}", me.name, me.host);
    match room.probing() {
        Probing::Alone => None,
        _ if r.local => Some(format!("this console's own ({here}): a local check")),
        Probing::ForRoom { .. } => Some(format!("this console ({here}) probes and judges for the room")),
        Probing::Following { prober, .. } => Some(format!("from {}@{}, the room's prober, who judges it", prober.name, prober.host)),
        Probing::Asking => Some("waiting to hear who probes for the room".into()),
        Probing::Local { reason } => Some(format!("this console's own ({here}): {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::y_bounds;

    /// The share of the chart's height the values fill.
    fn filled(values: &[f64], thresholds: &[f64]) -> f64 {
        let ((lo, hi), _) = y_bounds(values, thresholds);
        let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
        (max - min) / (hi - lo)
    }

    #[test]
    fn noise_fills_a_sliver_not_the_height() {
        // 0.00375 % → 0.00384 % as a ratio, with a band of < 0.1 % and > 5 %.
        let share = filled(&[0.0000375, 0.0000379, 0.0000384], &[0.001, 0.05]);
        assert!(share < 0.1, "noise fills {share} of the height");
        // A real move still fills most of it.
        let share = filled(&[120.0, 140.0, 900.0, 1400.0], &[200.0, 1000.0]);
        assert!(share > 0.8, "a real move fills only {share}");
    }

    #[test]
    fn thresholds_near_the_data_are_drawn() {
        let (_, near) = y_bounds(&[150.0, 180.0], &[200.0, 100_000.0]);
        assert_eq!(near, vec![200.0]);
    }
}
