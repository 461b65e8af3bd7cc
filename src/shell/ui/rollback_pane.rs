//! The rollback pane: the plan's rollback actions with danger, lock and
//! their last run (or who runs it now, or that it was abandoned, or waits
//! for approval, or is proposed with a countdown, or was proposed and
//! expired or is advice under a freeze); under them the selected action:
//! its command, its output (live while this console runs it) and its
//! verification; and the triggers with their status, reason and countdown.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use super::{View, format, run_output};
use crate::adapters::journal::Subject;
use crate::shell::action::Action;
use crate::shell::app::state::{Pane, State};
use opsdeck_core::config::sections::{Danger, Rollback};
use opsdeck_core::launch::runs::{Claim, rollback_lock};
use opsdeck_core::trigger::Status;

/// Below this height or width the pane is compact: every action and every
/// trigger on one line each, the lock named in the detail instead of the list.
fn is_compact(area: Rect) -> bool {
    area.height < 30 || area.width < 100
}

pub fn render(frame: &mut Frame, area: Rect, view: &View) {
    let s = view.state;
    let t = view.theme;
    let compact = is_compact(area);
    let triggers = s.rollback().triggers().rules().len() as u16;
    let actions = s.rollback().defs().len() as u16;
    let list_cap = if compact { (area.height * 2 / 5).max(3) } else { (area.height / 3).max(3) };
    let list_height = (actions + 2).clamp(3, list_cap);
    let per_trigger = if compact { 1 } else { 2 };
    let trigger_height = if triggers == 0 { 0 } else { (triggers * per_trigger + 2).min(area.height / 3).max(3) };
    let [list_area, detail_area, trigger_area] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(3), Constraint::Length(trigger_height)]).areas(area);
    let n = s.rollback().defs().len();
    let title = format!("Rollback {n} {} ", if n == 1 { "action" } else { "actions" });
    let block = view.block().borders(Borders::ALL).border_style(view.border(Pane::Rollback)).title(view.pane_title(Pane::Rollback, title));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let mut lines: Vec<Line> = Vec::new();
    if s.rollback().defs().is_empty() {
        lines.push(Line::styled("  the plan has no rollback action", t.text_dim));
    }
    let height = inner.height as usize;
    let offset = s.rollback().selected().saturating_sub(height.saturating_sub(1));
    let id_width = s.rollback().defs().iter().map(|d| format::width(&d.id)).max().unwrap_or(0).clamp(8, 22);
    for (i, def) in s.rollback().defs().iter().enumerate().skip(offset) {
        lines.push(action_line(view, i, def, inner.width as usize, id_width, compact));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(def) = s.rollback().selected_def() {
        detail(frame, detail_area, view, def, compact);
    }
    if triggers > 0 {
        trigger_list(frame, trigger_area, view, compact);
    }
}

fn action_line(view: &View, i: usize, def: &Rollback, width: usize, id_width: usize, compact: bool) -> Line<'static> {
    let s = view.state;
    let t = view.theme;
    let selected = i == s.rollback().selected() && s.focus() == Pane::Rollback;
    let base = if selected { t.selection } else { Style::new() };
    let (danger, dstyle) = match def.danger {
        Danger::Low => ("low ", t.text_dim),
        Danger::Medium => ("med ", t.warning),
        Danger::High => ("HIGH", t.critical),
    };
    let (state, style) = action_state(view, def);
    let head = format!(" {} ", format::fit(&def.id, id_width));
    let lock = if compact { " ".to_string() } else { format!(" lock {} ", format::fit(&rollback_lock(def), 26)) };
    let room = width.saturating_sub(format::width(&head) + format::width(&lock) + 4);
    Line::from(vec![
        Span::styled(head, base.patch(t.text)),
        Span::styled(danger, base.patch(dstyle)),
        Span::styled(lock, base.patch(t.text_dim)),
        Span::styled(format::clip(&state, room), base.patch(style)),
    ])
}

/// One phrase for where the action stands, most urgent first.
fn action_state(view: &View, def: &Rollback) -> (String, Style) {
    let s = view.state;
    let t = view.theme;
    let lock = rollback_lock(def);
    if let Some(c) = s.progress().runs.active(&lock) {
        if c.is_abandoned(s.now_ms()) {
            return (format!("ABANDONED: {} went quiet at {}", c.actor, format::clock(c.renewed_at_ms, s.tz())), t.critical);
        }
        return (format!("running {} · {}", format::age(s.now_ms() - c.claimed_at_ms), c.actor), t.degraded);
    }
    if let Some(p) = s.rollback().rollbacks().open_proposal(&def.id) {
        if let Some(q) = p.request.as_deref().and_then(|q| s.rollback().rollbacks().request(q)) {
            return (
                format!(
                    "waiting for a second person's approval · proposed by {}, {} asked at {} · {} approves",
                    p.trigger,
                    q.by.name,
                    format::clock(q.at_ms, s.tz()),
                    view.key(Action::RollbackApprove)
                ),
                t.warning,
            );
        }
        return match p.remaining_ms(s.now_ms()) {
            Some(left) => (
                format!(
                    "PROPOSED by {}: {} in {}s · {} vetoes",
                    p.trigger,
                    p.on_no_answer,
                    format::seconds_left(left),
                    view.key(Action::RollbackVeto)
                ),
                t.critical,
            ),
            None => (format!("PROPOSED by {}: {} to confirm", p.trigger, view.key(Action::RollbackRun)), t.warning),
        };
    }
    if let Some(q) = s.rollback().rollbacks().waiting_request(&def.id) {
        return (format!("waiting for approval: {} asked at {}", q.by.name, format::clock(q.at_ms, s.tz())), t.warning);
    }
    let last = s.progress().runs.last_for(&Subject::Rollback { action: def.id.clone() });
    if let Some(p) = s.rollback().lapsed_proposal(&def.id, s.now_ms())
        && let Some(lapse) = &p.lapsed
        && last.is_none_or(|c| c.claimed_at_ms < lapse.at_ms().max(p.at_ms))
    {
        return match p.frozen() {
            Some(text) => {
                (format!("ADVICE from {}: frozen by “{text}”; {} rolls back by hand", p.trigger, view.key(Action::RollbackRun)), t.warning)
            }
            None => (format!("proposed by {}, {lapse}", p.trigger), t.text_dim),
        };
    }
    match last {
        Some(c) => {
            (last_run(c, view.state.tz()), if c.finish.as_ref().is_some_and(|f| f.outcome.is_success()) { t.ok } else { t.critical })
        }
        None => ("never run".into(), t.text_dim),
    }
}

/// `succeeded exit 0 · alice 14:02`.
fn last_run(c: &Claim, tz: &jiff::tz::TimeZone) -> String {
    match &c.finish {
        Some(f) => {
            let code = f.exit_code.map_or_else(String::new, |c| format!(" exit {c}"));
            format!("{}{code} · {} {}", f.outcome.name(), c.actor.name, format::clock(f.at_ms, tz))
        }
        None => format!("running · {}", c.actor),
    }
}

fn detail(frame: &mut Frame, area: Rect, view: &View, def: &Rollback, compact: bool) {
    let s = view.state;
    let t = view.theme;
    let title = format!(" {} ", format::clip(def.title.as_deref().unwrap_or(&def.id), area.width.saturating_sub(6) as usize));
    let block = view.block().borders(Borders::ALL).border_style(t.border).title(Span::styled(title, t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    let command_lines = if compact { 3 } else { 6 };
    lines.extend(run_output::command(view, &def.run, inner.width as usize, command_lines));
    let mut about = vec![format!("timeout {}", format::age(def.timeout.get().as_millis() as i64))];
    if compact {
        about.push(format!("lock {}", rollback_lock(def)));
    }
    if def.preview.is_some() {
        about.push("preview first".into());
    }
    if def.danger == Danger::High || def.confirm == opsdeck_core::config::sections::ConfirmMode::Type {
        about.push("type the id to confirm".into());
    }
    if let Some(why) = s.two_person_rule(def) {
        about.push(format!("{why} ({} approves)", view.key(Action::RollbackApprove)));
    }
    for l in format::joined_within(&about, " · ", inner.width as usize) {
        lines.push(Line::styled(l, t.text_dim));
    }
    let (state, style) = action_state(view, def);
    lines.push(Line::styled(state, style));
    let claim =
        s.progress().runs.active(&rollback_lock(def)).or_else(|| s.progress().runs.last_for(&Subject::Rollback { action: def.id.clone() }));
    // What is left under the heading of the output, after the verification lines.
    let room = |lines: &Vec<Line>, below: usize| (inner.height as usize).saturating_sub(lines.len() + 1 + below).max(1);
    match claim {
        Some(c) if s.runs().is_live(&c.run) => {
            if let Some(live) = s.runs().live(&c.run) {
                let room = room(&lines, 0);
                lines.extend(run_output::live(view, live, Action::RollbackCancel, room));
            }
        }
        Some(c) => match &c.finish {
            Some(f) => {
                let checks = verification(s, def, f.at_ms, view);
                let room = room(&lines, checks.len());
                lines.extend(run_output::finished(view, c, f, room));
                lines.extend(checks);
            }
            None if c.is_abandoned(s.now_ms()) => lines.push(Line::styled(
                format!(
                    "── its console went quiet: the command's real state is unknown; {} runs it again after typing its id ──",
                    view.key(Action::RollbackRun)
                ),
                t.critical,
            )),
            None => lines.push(run_output::elsewhere(view, c)),
        },
        None => lines.push(Line::styled(
            format!("{} previews and confirms; one run at a time across the room", view.key(Action::RollbackRun)),
            t.text_dim,
        )),
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The verify command's run, or the verify check's state now.
fn verification(s: &State, def: &Rollback, finished_ms: i64, view: &View) -> Vec<Line<'static>> {
    let t = view.theme;
    let mut out = Vec::new();
    if def.verify.is_some() {
        let v = s.progress().runs.last_for(&Subject::Verify { action: def.id.clone() }).filter(|c| c.claimed_at_ms >= finished_ms);
        out.push(match v.and_then(|c| c.finish.as_ref().map(|f| (c, f))) {
            Some((_, f)) => {
                let last = f.output.lines().last().unwrap_or("").to_string();
                Line::styled(format!("verify: {} {last}", f.outcome.name()), if f.outcome.is_success() { t.ok } else { t.critical })
            }
            None if v.is_some() => Line::styled("verify: running…", t.degraded),
            None => Line::styled("verify: not run (only after a successful rollback on the console that ran it)", t.text_dim),
        });
    }
    if let Some(check) = &def.verify_check
        && let Some(row) = s.metrics().board().rows.iter().find(|r| r.id == *check)
    {
        let h = row.health();
        let since = format::age(s.now_ms() - finished_ms);
        out.push(Line::from(vec![
            Span::styled(format!("verify check {check}: "), t.text_dim),
            Span::styled(
                if view.ascii { h.label().to_string() } else { format!("{} {}", view.health_symbol(h), h.label()) },
                view.health_style(h),
            ),
            Span::styled(format!(" ({since} after the rollback)"), t.text_dim),
        ]));
    }
    out
}

fn trigger_list(frame: &mut Frame, area: Rect, view: &View, compact: bool) {
    let s = view.state;
    let t = view.theme;
    let block = view.block().borders(Borders::ALL).border_style(t.border).title(Span::styled(" Triggers ", t.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    for report in s.rollback().triggers().peek(s.now_ms()) {
        let rule = s.rollback().triggers().rules().iter().find(|r| r.id == report.trigger);
        let mode = rule.map_or("?", |r| match r.mode {
            opsdeck_core::config::sections::TriggerMode::Advise => "advise",
            opsdeck_core::config::sections::TriggerMode::Confirm => "confirm",
            opsdeck_core::config::sections::TriggerMode::Auto => "auto",
        });
        let proposal = s.rollback().rollbacks().last_proposal(&report.trigger);
        let (state, why, style) = match &report.status {
            _ if proposal.is_some_and(|p| p.is_open()) => {
                let p = proposal.map(|p| (p.remaining_ms(s.now_ms()), p.waits_for_approval(), p.reason.clone(), p.rollback.clone()));
                let (left, waits, reason, rb) = p.unwrap_or((None, false, String::new(), String::new()));
                let state = match left {
                    Some(l) => format!("PROPOSED {rb}: {}s left", format::seconds_left(l)),
                    None if waits => format!("PROPOSED {rb}: waiting for a second person's approval"),
                    None => format!("PROPOSED {rb}: waiting to be confirmed"),
                };
                (state, reason, t.critical)
            }
            // A freeze turned this firing's proposal into advice.
            Status::CoolingDown { .. } | Status::Latched { .. } if proposal.is_some_and(|p| p.frozen().is_some()) => {
                let p = proposal.map(|p| (p.frozen().unwrap_or_default().to_string(), p.reason.clone(), p.rollback.clone()));
                let (text, reason, rb) = p.unwrap_or_default();
                (format!("ADVICE (frozen by “{text}”): consider {rb}"), reason, t.warning)
            }
            Status::Armed => ("armed".into(), String::new(), t.ok),
            Status::Pending { since_ms, needs_ms, reason } => (fires_in(since_ms + needs_ms - s.now_ms()), reason.clone(), t.warning),
            Status::Unknown { reason } => ("unknown (never fires)".into(), reason.clone(), t.unknown),
            Status::Grace { until_ms, marker, .. } => {
                (format!("grace {} after “{marker}”", format::age(until_ms - s.now_ms())), String::new(), t.text_dim)
            }
            Status::Silenced { until_ms, reason, .. } => {
                (format!("silenced for {}", format::age(until_ms - s.now_ms())), reason.clone(), t.text_dim)
            }
            Status::CoolingDown { fired_ms, until_ms } => {
                let decided = proposal.and_then(|p| p.decided.as_ref()).map(|(v, who, _, no_answer)| {
                    let by = if *no_answer { "no answer".to_string() } else { who.name.clone() };
                    format!(" · {} by {by}", verdict_name(*v))
                });
                let decided = decided.or_else(|| proposal.and_then(|p| p.lapsed.as_ref()).map(|lapse| format!(" · {lapse}")));
                (
                    format!(
                        "fired at {}{}, cooling down {}",
                        format::clock(*fired_ms, s.tz()),
                        decided.unwrap_or_default(),
                        format::age(until_ms - s.now_ms())
                    ),
                    s.rollback().rollbacks().last_fired(&report.trigger).map(|f| f.reason.clone()).unwrap_or_default(),
                    t.degraded,
                )
            }
            Status::Latched { fired_ms } => {
                (format!("fired at {}, still holds", format::clock(*fired_ms, s.tz())), String::new(), t.degraded)
            }
            Status::Firing(f) => ("FIRING".into(), f.reason.clone(), t.critical),
        };
        let head = format!(" {} [{mode}] ", report.trigger);
        let room = width.saturating_sub(format::width(&head));
        if compact {
            // One line: the state, then as much of the reason as fits.
            let state = format::clip(&state, room);
            let left = room.saturating_sub(format::width(&state) + 3);
            let mut spans = vec![Span::styled(head, t.header), Span::styled(state, style)];
            if !why.is_empty() && left >= 8 {
                spans.push(Span::styled(format!(" · {}", format::clip(&why, left)), t.text_dim));
            }
            lines.push(Line::from(spans));
            continue;
        }
        lines.push(Line::from(vec![Span::styled(head, t.header), Span::styled(format::clip(&state, room), style)]));
        if !why.is_empty() {
            lines.push(Line::styled(format!("   {}", format::clip(&why, width.saturating_sub(3))), t.text_dim));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn verdict_name(v: crate::adapters::journal::Verdict) -> &'static str {
    match v {
        crate::adapters::journal::Verdict::Run => "run",
        crate::adapters::journal::Verdict::Vetoed => "vetoed",
        crate::adapters::journal::Verdict::Cancelled => "cancelled",
    }
}

/// `pending, fires in 12s` (a part second counts as a second), `pending,
/// fires now` once its time has come.
fn fires_in(left_ms: i64) -> String {
    if left_ms <= 0 {
        return "pending, fires now".into();
    }
    let whole_seconds = (left_ms + 999) / 1000 * 1000;
    format!("pending, fires in {}", format::age(whole_seconds))
}

#[cfg(test)]
mod tests {
    use super::fires_in;

    #[test]
    fn a_pending_trigger_fires_in_whole_seconds_or_now() {
        assert_eq!(fires_in(12_300), "pending, fires in 13s");
        assert_eq!(fires_in(400), "pending, fires in 1s");
        assert_eq!(fires_in(0), "pending, fires now");
        assert_eq!(fires_in(-50), "pending, fires now");
    }
}
