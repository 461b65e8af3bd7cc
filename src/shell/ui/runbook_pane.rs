//! The runbook pane: numbered steps with their state (the next one marked),
//! and under them the selected step: its command, and its output — live
//! while this console runs it, else the last run's output with its exit
//! code, duration and who ran it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format, run_output};
use crate::adapters::journal::Outcome;
use crate::shell::action::Action;
use crate::shell::app::state::{Pane, State};
use opsdeck_core::launch::{RunbookDef, StepState, StepStatus};

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let Some(book) = s.launch().current_runbook() else {
        let block = view
            .block()
            .borders(Borders::ALL)
            .border_style(view.border(Pane::Runbook))
            .title(view.pane_title(Pane::Runbook, "Runbook ".into()));
        frame.render_widget(Paragraph::new(Line::styled("  the plan has no runbook", t.text_dim)).block(block), area);
        return;
    };
    let done =
        book.steps.iter().filter(|st| matches!(s.progress().step(&book.id, &st.id).status, StepStatus::Done | StepStatus::Skipped)).count();
    let mut title = format!("Runbook: {} {done}/{} steps ", book.title, book.steps.len());
    if s.launch().defs().runbooks.len() > 1 {
        title.push_str(&format!("({} of {}) ", s.launch().runbook_at() + 1, s.launch().defs().runbooks.len()));
    }
    let list_height = (book.steps.len() as u16 + 3).min(area.height / 2).max(4);
    let [list_area, detail_area] = Layout::vertical([Constraint::Length(list_height), Constraint::Min(3)]).areas(area);
    let block = view.block().borders(Borders::ALL).border_style(view.border(Pane::Runbook)).title(view.pane_title(Pane::Runbook, title));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let mut lines: Vec<Line> = Vec::new();
    if let Some((actor, at, reason)) = s.progress().aborted(&book.id) {
        lines.push(Line::styled(format!("  aborted by {} at {}: {reason}", actor.name, format::clock(*at, s.tz())), t.critical));
    }
    let next = s.next_step(book);
    let height = inner.height as usize;
    let offset = s.launch().step_selected().saturating_sub(height.saturating_sub(1 + lines.len()));
    for (i, step) in book.steps.iter().enumerate().skip(offset) {
        let state = s.progress().step(&book.id, &step.id);
        let title = if step.optional { format!("{} (optional)", step.title) } else { step.title.clone() };
        lines.push(step_line(view, s, i, &title, step.run.is_some(), &state, next == Some(i), inner.width as usize));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    detail(frame, detail_area, view, book);
}

#[allow(clippy::too_many_arguments)]
fn step_line(
    view: &View,
    s: &State,
    i: usize,
    title: &str,
    runnable: bool,
    state: &StepState,
    is_next: bool,
    width: usize,
) -> Line<'static> {
    let t = view.theme;
    let selected = i == s.launch().step_selected() && s.focus() == Pane::Runbook;
    let base = if selected { t.selection } else { Style::new() };
    let ascii = view.ascii;
    let (mark, style) = match &state.status {
        StepStatus::Done => (if ascii { "ok" } else { "✓" }, t.ok),
        StepStatus::Skipped => (if ascii { "~" } else { "⤼" }, t.text_dim),
        StepStatus::Failed { .. } => (if ascii { "!!" } else { "✗" }, t.critical),
        StepStatus::Running { .. } => (if ascii { ">>" } else { "▶" }, t.degraded),
        StepStatus::Pending if is_next => (if ascii { "->" } else { "→" }, t.focus),
        StepStatus::Pending => (if ascii { "." } else { "·" }, t.text_dim),
    };
    let kind = if runnable { "$ " } else { "" };
    let who = step_who(s, state);
    let room = width.saturating_sub(who.chars().count() + 10).max(10);
    let text = format::clip(&format!("{kind}{title}"), room);
    let pad = width.saturating_sub(text.chars().count() + who.chars().count() + 9);
    Line::from(vec![
        Span::styled(format!(" {:>3} ", i + 1), base.patch(t.text_dim)),
        Span::styled(format!("{mark:<2} "), base.patch(style)),
        Span::styled(text, base.patch(if is_next { t.text } else { t.text_dim.patch(t.text) })),
        Span::styled(" ".repeat(pad), base),
        Span::styled(who, base.patch(style)),
    ])
}

/// `alice 14:02 · exit 0 · 3s`, `running 42s · bob@bastion-1`, `skipped: reason`.
fn step_who(s: &State, state: &StepState) -> String {
    let claim = state.last_run.as_deref().and_then(|r| s.progress().runs.get(r));
    match (&state.status, claim) {
        (StepStatus::Running { .. }, Some(c)) if c.is_abandoned(s.now_ms()) => {
            format!("abandoned: {} went quiet at {}", c.actor, format::clock(c.renewed_at_ms, s.tz()))
        }
        (StepStatus::Running { .. }, Some(c)) => format!("running {} · {}", format::age(s.now_ms() - c.claimed_at_ms), c.actor),
        (StepStatus::Skipped, _) => format!("skipped: {}", state.note.as_deref().unwrap_or("")),
        (StepStatus::Done | StepStatus::Failed { .. }, Some(c)) if c.finish.is_some() => {
            let f = c.finish.as_ref().map(|f| (f.outcome, f.exit_code, f.duration_ms));
            let (outcome, code, ms) = f.unwrap_or((Outcome::Failed, None, 0));
            let code = code.map_or_else(|| outcome.name().to_string(), |c| format!("exit {c}"));
            format!("{code} · {} · {}", format::took(ms), c.actor.name)
        }
        (StepStatus::Done, _) => state.by.as_ref().map(|(a, at)| format!("{} {}", a.name, format::clock(*at, s.tz()))).unwrap_or_default(),
        _ => String::new(),
    }
}

fn detail(frame: &mut Frame, area: Rect, view: &View, book: &RunbookDef) {
    let s = view.state;
    let t = view.theme;
    let Some(step) = book.steps.get(s.launch().step_selected()) else { return };
    let state = s.progress().step(&book.id, &step.id);
    let title = format!("Step {}: {} ", s.launch().step_selected() + 1, format::clip(&step.title, area.width.saturating_sub(14) as usize));
    let block = view.block().borders(Borders::ALL).border_style(t.border).title(Span::styled(format!(" {title}"), t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(phase) = &step.phase {
        lines.push(Line::styled(format!("under “{phase}”"), t.text_dim));
    }
    let width = inner.width as usize;
    let shown = step.details.len().min((inner.height as usize / 3).max(2));
    let mut prose: Vec<String> = step.details.iter().take(shown).flat_map(|d| format::wrap(d, width)).collect();
    prose.truncate(shown + 2);
    lines.extend(prose.into_iter().map(|d| Line::styled(d, t.text)));
    if step.details.len() > shown {
        lines.push(Line::styled(format!("… {} more lines in the document", step.details.len() - shown), t.text_dim));
    }
    match &step.run {
        None => lines.push(Line::styled(format!("done by hand: {} confirms it is done", view.key(Action::StepRun)), t.text_dim)),
        Some(script) => {
            lines.extend(run_output::command(view, script, width, 6));
            let mut about = format!("timeout {}", format::age(step.timeout.as_millis() as i64));
            if step.confirm {
                about.push_str(" · asks before running");
            }
            lines.push(Line::styled(about, t.text_dim));
        }
    }
    let claim = state.last_run.as_deref().and_then(|r| s.progress().runs.get(r));
    let room = (inner.height as usize).saturating_sub(lines.len() + 1);
    let live = state.last_run.as_deref().and_then(|r| s.runs().live(r));
    match (live, claim) {
        (Some(live), _) => lines.extend(run_output::live(view, live, Action::StepCancel, room)),
        (None, Some(c)) => match &c.finish {
            Some(f) => {
                lines.extend(run_output::finished(view, c, f, room));
                if matches!(state.status, StepStatus::Failed { .. }) {
                    let (run, skip, abort) = (view.key(Action::StepRun), view.key(Action::StepSkip), view.key(Action::RunbookAbort));
                    lines.push(Line::styled(format!("{run} retries · {skip} skips with a reason · {abort} aborts the runbook"), t.warning));
                }
            }
            None if c.is_abandoned(s.now_ms()) => {
                let again = format!(
                    "{} runs it again after typing its number · {} skips it with a reason",
                    view.key(Action::StepRun),
                    view.key(Action::StepSkip)
                );
                lines.extend(run_output::abandoned(view, c, &again));
            }
            None => lines.push(run_output::elsewhere(view, c)),
        },
        (None, None) => {}
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
