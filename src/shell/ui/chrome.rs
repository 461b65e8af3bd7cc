//! The banner (environment, deck, room, counts per state) and the status bar
//! (messages, key hints from the keymap, the open prompt, and the room's
//! nearest countdown, which a message never hides).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::View;
use crate::shell::action::Action;
use crate::shell::app::state::{Countdown, Overlay, PromptKind};
use opsdeck_core::metrics::Health;

pub fn banner(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let env_style = if s.production() { t.banner_production } else { t.banner_other };
    let mut left = vec![
        Span::styled(format!(" {} ", s.environment().to_uppercase()), env_style),
        Span::styled(format!(" {}", s.title()), t.title),
        Span::styled(format!(" · room {}", s.room().name()), t.text_dim),
    ];
    let left_width: usize = left.iter().map(|s| s.width()).sum();
    let counts: Vec<(Health, usize)> = [Health::Critical, Health::Unknown, Health::Degraded, Health::Acceptable, Health::Ok]
        .into_iter()
        .map(|h| (h, s.metrics().board().rows.iter().filter(|r| r.health() == h).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    let long: Vec<Span> = counts
        .iter()
        .map(|(h, n)| {
            // ASCII symbols are words already (`CRIT`): the label alone says it once.
            let text = if view.ascii {
                format!(" {n} {}", h.label().to_lowercase())
            } else {
                format!(" {} {n} {}", view.health_symbol(*h), h.label().to_lowercase())
            };
            Span::styled(text, view.health_style(*h))
        })
        .collect();
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let short = |gap: &str| -> Vec<Span> {
        counts.iter().map(|(h, n)| Span::styled(format!(" {}{gap}{n}", view.health_symbol(*h)), view.health_style(*h))).collect()
    };
    // On narrow screens the counts keep only their symbols (ASCII ones
    // spaced from their number while that fits).
    let fits = |spans: &[Span]| left_width + width(spans) < area.width as usize;
    let mut right = if fits(&long) {
        long
    } else if view.ascii && fits(&short(" ")) {
        short(" ")
    } else {
        short("")
    };
    let store = s.room().store();
    if !store.online && !store.kind.is_empty() {
        right.insert(0, Span::styled(format!(" OFFLINE · {} queued ", store.queued), t.critical));
    }
    right.push(Span::raw(" "));
    let right_width: usize = right.iter().map(|s| s.width()).sum();
    let gap = (area.width as usize).saturating_sub(left_width + right_width);
    left.push(Span::raw(" ".repeat(gap)));
    left.extend(right);
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

pub fn status_bar(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    if let Overlay::Prompt { kind, text } = s.overlay() {
        let (submit, cancel) = (view.key(Action::Submit), view.key(Action::Cancel));
        let (lead, hint) = match kind {
            PromptKind::Palette => {
                // Several words match what is typed: show them, the first is what Tab gives.
                let found = s.completions();
                let hint = if found.len() > 1 && !text.is_empty() {
                    format!("  {}", found.join(" "))
                } else {
                    format!("  {} completes · {submit} runs · {cancel} cancels", view.key(Action::Complete))
                };
                (":", hint)
            }
            PromptKind::Filter(_) => ("/", format!("  {submit} keeps · {cancel} clears")),
        };
        let cursor = if view.ascii { "_" } else { "▏" };
        let line = Line::from(vec![Span::styled(format!("{lead}{text}{cursor}"), t.input), Span::styled(hint, t.text_dim)]);
        frame.render_widget(Paragraph::new(line).style(t.input), area);
        return;
    }
    // What must show (the room's state, warnings) wins over key hints; the
    // sort order shows only when there is room left. The nearest countdown
    // comes first and shows even over a message.
    let pinned = s.nearest_countdown().map(|c| countdown(&c, view));
    let mut parts: Vec<String> = pinned.iter().cloned().collect();
    for p in s.rollback().rollbacks().proposals.iter().filter(|p| p.is_open()) {
        let part = match p.remaining_ms(s.now_ms()) {
            Some(left) => rollback_countdown(&p.rollback, p.on_no_answer == "run", left, view),
            None => format!("rollback {} proposed: {} to confirm", p.rollback, view.key(Action::ViewRollback)),
        };
        if pinned.as_ref() != Some(&part) {
            parts.push(part);
        }
    }
    // Advice (an `advise` trigger, or a freeze turning a proposal into advice) shows for five minutes.
    if let Some(f) = s.rollback().rollbacks().fired.iter().rev().find(|f| f.mode == "advise" && s.now_ms() - f.at_ms < 300_000) {
        parts.push(format!("advice: trigger {} fired at {}", f.trigger, crate::shell::ui::format::clock(f.at_ms, s.tz())));
    }
    if s.log_warnings() > 0 {
        parts.push(format!("{} logged to opsdeck.log", plural(s.log_warnings(), "warning")));
    }
    if s.room().read_only() {
        parts.push("read-only".into());
    }
    let store = s.room().store();
    if !store.online && !store.kind.is_empty() {
        parts.push(format!("offline — {} events queued", store.queued));
    }
    if let Some(probing) = s.room().probing().label(s.room().actor()) {
        parts.push(probing);
    }
    if !s.launch().defs().checklists.is_empty() {
        let t = s.launch_tally();
        match t.ratio() {
            Some(r) => parts.push(format!("launch {}/{} ({:.0}%)", t.done + t.skipped, t.total, r * 100.0)),
            None => parts.push("launch: no items".into()),
        }
    }
    let others = s.room().others();
    if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|a| a.name.as_str()).collect();
        parts.push(format!("with {}", names.join(", ")));
    }
    let width = area.width as usize;
    let cols = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    // The help hint and the nearest countdown always keep their place; the
    // rest of the right side gives way from its end, then the sort order.
    let ctxs = s.key_contexts();
    let help_key = ctxs.iter().find_map(|c| view.keymap.key_for(*c, Action::Help));
    let help = help_key.map(|k| (format!(" {k}"), " help ".to_string()));
    let help_cols = help.as_ref().map_or(0, |(k, l)| cols(k) + cols(l));
    let mut right_parts: Vec<String> = parts;
    let right_of = |parts: &[String]| if parts.is_empty() { String::new() } else { format!("{} ", parts.join(" · ")) };
    // The countdown is first among the parts; keep it, drop from the end.
    let keep_first = usize::from(pinned.is_some());
    while right_parts.len() > keep_first && cols(&right_of(&right_parts)) + help_cols + 1 > width {
        right_parts.pop();
    }
    let mut right = right_of(&right_parts);
    if cols(&right) + help_cols + 1 > width {
        // Even the countdown alone is too long: cut it, never the help hint.
        right = format!("{} ", crate::shell::ui::format::clip(&right, width.saturating_sub(help_cols + 2)));
    }
    // A message keeps its room: beside it, only the countdown unless everything fits.
    if let Some(m) = s.message() {
        let wanted = cols(&view.fill(&m.text)) + 2 + help_cols + cols(&right);
        if wanted > width {
            right = pinned
                .as_ref()
                .map(|p| format!("{} ", crate::shell::ui::format::clip(p, width.saturating_sub(help_cols + 2))))
                .unwrap_or_default();
        }
    }
    let room_for_left = width.saturating_sub(cols(&right));
    let mut spans: Vec<Span> = Vec::new();
    if let Some(m) = s.message() {
        // A message gives way to the help hint and the right side (it is also on the timeline or in the log).
        let text = format!(" {} ", view.fill(&m.text));
        // Where room is short the hint is its key alone.
        let help = help.map(|(k, l)| if cols(&text) + help_cols > room_for_left { (k, " ".to_string()) } else { (k, l) });
        let help_cols = help.as_ref().map_or(0, |(k, l)| cols(k) + cols(l));
        let text = crate::shell::ui::format::clip(&text, room_for_left.saturating_sub(help_cols));
        spans.push(Span::styled(text, if m.is_error { t.error } else { t.status_bar }));
        if let Some((k, l)) = help {
            spans.push(Span::styled(k, t.status_key));
            spans.push(Span::styled(l, t.status_bar));
        }
    } else {
        // Hints come from the keymap, so they show the user's own keys; help first, always.
        let hints = [
            (Action::Help, "help"),
            (Action::Palette, "commands"),
            (Action::Filter, "filter"),
            (Action::Open, "detail"),
            (Action::Close, "back"),
            (Action::FocusNext, "pane"),
            (Action::Quit, "quit"),
        ];
        for (action, label) in hints {
            if let Some(key) = ctxs.iter().find_map(|c| view.keymap.key_for(*c, action)) {
                let used: usize = spans.iter().map(|s| s.width()).sum();
                if action != Action::Help && used + cols(&key) + label.len() + 3 > room_for_left {
                    break;
                }
                spans.push(Span::styled(format!(" {key}"), t.status_key));
                spans.push(Span::styled(format!(" {label} "), t.status_bar));
            }
        }
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let sort = format!("{} · ", s.metrics().sort().label());
    if used + cols(&right) + cols(&sort) < width {
        right = if right.is_empty() { format!("{} ", s.metrics().sort().label()) } else { format!("{sort}{right}") };
    }
    let gap = width.saturating_sub(used + cols(&right));
    spans.push(Span::styled(" ".repeat(gap), t.status_bar));
    spans.push(Span::styled(right, t.status_bar));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.status_bar), area);
}

/// The status bar's words for a countdown: `ROLLBACK previous-release in
/// 42s: 4 then v vetoes`, `#3 ack in 12m`, `#3 update overdue by 5m`.
fn countdown(c: &Countdown, view: &View) -> String {
    let left = crate::shell::ui::format::due;
    match c {
        Countdown::Rollback { rollback, runs, remaining_ms } => rollback_countdown(rollback, *runs, *remaining_ms, view),
        Countdown::Ack { incident, remaining_ms } => format!("#{incident} ack {}", left(*remaining_ms)),
        Countdown::Update { incident, remaining_ms } => format!("#{incident} update {}", left(*remaining_ms)),
    }
}

/// An `auto` proposal counting down: what happens at 0, and how to veto.
fn rollback_countdown(rollback: &str, runs: bool, remaining_ms: i64, view: &View) -> String {
    format!(
        "{} {rollback} in {}s: {} then {} vetoes",
        if runs { "ROLLBACK" } else { "proposal" },
        crate::shell::ui::format::seconds_left(remaining_ms),
        view.key(Action::ViewRollback),
        view.key(Action::RollbackVeto)
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
