//! A command run's output as the runbook and rollback panes show it: the
//! live tail while this console runs it, or the finished run's heading
//! (outcome, exit code, duration, who, when) and the end of its output.

use ratatui::text::Line;

use super::{View, format};
use crate::shell::action::Action;
use crate::shell::app::live::LiveOutput;
use opsdeck_core::launch::runs::{Claim, Finish};

/// A command as the panes show it: each line after `$ `, wrapped to
/// `width` with its continuation indented, at most `max` lines in all (the
/// last saying how many more there are).
pub fn command(view: &View, script: &str, width: usize, max: usize) -> Vec<Line<'static>> {
    let t = view.theme;
    let mut out: Vec<String> = Vec::new();
    for l in script.lines() {
        let mut parts = format::wrap(l, width.saturating_sub(4).max(8)).into_iter();
        out.push(format!("$ {}", parts.next().unwrap_or_default()));
        out.extend(parts.map(|p| format!("    {p}")));
    }
    let max = max.max(1);
    if out.len() > max {
        let more = out.len() - (max - 1);
        out.truncate(max - 1);
        out.push(format!("  … {more} more lines of the command"));
    }
    out.into_iter().map(|l| Line::styled(l, t.header)).collect()
}

/// `── output (running 12s; x cancels) ──` and the last `room` lines;
/// `cancel` is the action that cancels this run (its key is named).
pub fn live(view: &View, live: &LiveOutput, cancel: Action, room: usize) -> Vec<Line<'static>> {
    let t = view.theme;
    let age = format::age(view.state.now_ms() - live.started_ms);
    let mut lines = vec![Line::styled(format!("── output (running {age}; {} cancels) ──", view.key(cancel)), t.degraded)];
    lines.extend(live.tail(room).into_iter().map(|l| Line::styled(l, t.text)));
    lines
}

/// `── failed exit 2 after 4s · bob@bastion-1 at 13:51:00 ──` and the last `room` lines.
pub fn finished(view: &View, claim: &Claim, f: &Finish, room: usize) -> Vec<Line<'static>> {
    let t = view.theme;
    let code = f.exit_code.map_or_else(String::new, |c| format!(" exit {c}"));
    let head = format!(
        "── {}{code} after {} · {} at {} ──",
        f.outcome.name(),
        format::took(f.duration_ms),
        claim.actor,
        format::clock(f.at_ms, view.state.tz())
    );
    let mut lines = vec![Line::styled(head, if f.outcome.is_success() { t.ok } else { t.critical })];
    let out: Vec<&str> = f.output.lines().collect();
    let from = out.len().saturating_sub(room);
    lines.extend(out[from..].iter().map(|l| Line::styled(l.to_string(), t.text)));
    lines
}

/// `── abandoned: alice@vm's console went quiet at 14:02:10 ──` for a run
/// whose console stopped renewing its lease (nothing runs it now), then
/// that its real state is unknown and `again`, what to do.
pub fn abandoned(view: &View, claim: &Claim, again: &str) -> Vec<Line<'static>> {
    let quiet = format::clock(claim.renewed_at_ms, view.state.tz());
    vec![
        Line::styled(format!("── abandoned: {}'s console went quiet at {quiet} ──", claim.actor), view.theme.critical),
        Line::styled(format!("the command's real state is unknown; {again}"), view.theme.warning),
    ]
}

/// `── running on alice@bastion-1's console; … ──` for a run elsewhere.
pub fn elsewhere(view: &View, claim: &Claim) -> Line<'static> {
    Line::styled(format!("── running on {}'s console; its output shows here when it ends ──", claim.actor), view.theme.degraded)
}
