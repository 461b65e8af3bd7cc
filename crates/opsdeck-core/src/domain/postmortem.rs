//! The post-mortem export: an incident as Markdown, with its summary,
//! impact window, severity history, responders, timeline (the incident's
//! own events and what the room's system did around it, see
//! `incident_record`), what was done, and action items.
//! A section with nothing to say is left out.

use std::fmt::Write as _;

use crate::config::Severity;
use crate::event::{Event, Role, Status};

use super::incident::Incident;
use super::incident_record::{Record, record};
use super::severity::{label, rank};
use super::severity_time::{end_ms, severity_periods, time_in_severity};
use super::timeline::{capitalised, entries};
use crate::format::{duration, utc};

/// The post-mortem of `incident` in `room`, as Markdown, with what the
/// room's `events` (its journal, in order) say happened around it; `now_ms`
/// ends the durations of an incident that is not resolved.
pub fn postmortem(incident: &Incident, events: &[Event], severities: &[Severity], room: &str, now_ms: i64) -> String {
    let record = record(incident, events, severities, now_ms);
    let sections = [
        summary(incident, severities, room, now_ms),
        impact_window(incident, now_ms),
        severity_history(incident, severities, now_ms),
        responders(incident),
        timeline(incident, &record, severities),
        what_was_done(&record),
        action_items(incident),
    ];
    let mut out = format!("# Incident #{}: {}\n", incident.id, one_line(&incident.title));
    for section in sections.into_iter().flatten() {
        out.push('\n');
        out.push_str(&section);
    }
    out
}

fn summary(incident: &Incident, severities: &[Severity], room: &str, now_ms: i64) -> Option<String> {
    let mut s = String::from("## Summary\n\n");
    if !room.is_empty() {
        line(&mut s, format_args!("- Room: {room}"));
    }
    let current = label(severities, &incident.severity);
    let peak = peak_severity(incident, severities);
    match peak {
        Some(peak) if peak != incident.severity => {
            let when = if incident.is_open() { "now" } else { "at the end" };
            let peak = label(severities, peak);
            line(&mut s, format_args!("- Severity: {peak} at peak, {current} {when}"));
        }
        _ => line(&mut s, format_args!("- Severity: {current}")),
    }
    line(&mut s, format_args!("- Status: {}", incident.status.name()));
    line(&mut s, format_args!("- Opened: {} UTC by {}", utc(incident.opened_at_ms), incident.opened_by.name));
    if let (Some(at), Some(by)) = (incident.acknowledged_at_ms, &incident.acknowledged_by) {
        let after = duration(at - incident.opened_at_ms);
        line(&mut s, format_args!("- Acknowledged: {} UTC by {}, {after} after opening", utc(at), by.name));
    }
    if let Some(at) = incident.resolved_at_ms() {
        line(&mut s, format_args!("- Resolved: {} UTC", utc(at)));
    }
    if let Some(at) = closed_at_ms(incident) {
        line(&mut s, format_args!("- Closed: {} UTC", utc(at)));
    }
    line(&mut s, format_args!("- Duration: {}", elapsed(incident, now_ms)));
    if !incident.checks.is_empty() {
        line(&mut s, format_args!("- Linked checks: {}", incident.checks.join(", ")));
    }
    Some(s)
}

fn impact_window(incident: &Incident, now_ms: i64) -> Option<String> {
    let until = match incident.resolved_at_ms() {
        Some(at) => format!("{} UTC", utc(at)),
        None => "ongoing".into(),
    };
    Some(format!("## Impact window\n\n{} UTC → {until} ({})\n", utc(incident.opened_at_ms), elapsed(incident, now_ms)))
}

/// Left out when the severity never changed: the summary says it all.
fn severity_history(incident: &Incident, severities: &[Severity], now_ms: i64) -> Option<String> {
    let periods = severity_periods(incident, now_ms);
    if periods.len() < 2 {
        return None;
    }
    let mut s = String::from("## Severity history\n\n");
    s.push_str("| Severity | From (UTC) | Time in severity | Set by | Reason |\n");
    s.push_str("| --- | --- | --- | --- | --- |\n");
    for p in &periods {
        let reason = p.reason.as_deref().unwrap_or("opened");
        row(&mut s, &[&label(severities, &p.severity), &utc(p.from_ms), &duration(p.duration_ms()), &p.actor.name, reason]);
    }
    let totals = time_in_severity(incident, now_ms);
    if totals.len() < periods.len() {
        let parts: Vec<String> = totals.iter().map(|(sev, ms)| format!("{} {}", label(severities, sev), duration(*ms))).collect();
        line(&mut s, format_args!("\nTotal time: {}.", parts.join(", ")));
    }
    Some(s)
}

/// Left out when nobody took a role and only the opener acted.
fn responders(incident: &Incident) -> Option<String> {
    let mut people: Vec<&str> = Vec::new();
    for event in &incident.timeline {
        add_person(&mut people, &event.actor.name);
    }
    for change in &incident.role_history {
        add_person(&mut people, &change.person);
    }
    if incident.role_history.is_empty() && people.len() < 2 {
        return None;
    }
    let mut s = String::from("## Responders and roles\n\n");
    for role in Role::ALL {
        let holders: Vec<String> =
            incident.role_history.iter().filter(|c| c.role == role).map(|c| format!("{} (from {} UTC)", c.person, utc(c.at_ms))).collect();
        if !holders.is_empty() {
            let name = capitalised(role.name());
            line(&mut s, format_args!("- {name}: {}", holders.join(", then ")));
        }
    }
    line(&mut s, format_args!("- Responders: {}", people.join(", ")));
    Some(s)
}

fn timeline(incident: &Incident, record: &Record, severities: &[Severity]) -> Option<String> {
    let mut entries = entries(incident, severities);
    entries.extend(record.entries.iter().cloned());
    entries.sort_by_key(|e| e.seq);
    if entries.is_empty() {
        return None;
    }
    let mut s = String::from("## Timeline\n\n| Time (UTC) | Event | Actor |\n| --- | --- | --- |\n");
    for e in &entries {
        row(&mut s, &[&utc(e.at_ms), &e.text, &e.actor]);
    }
    Some(s)
}

/// Proposals and their decisions, rollback runs and their results,
/// markers, silences, triggers fired and linked checks' changes.
fn what_was_done(record: &Record) -> Option<String> {
    if record.done.is_empty() {
        return None;
    }
    let lines: Vec<String> = record.done.iter().map(|l| format!("- {}", one_line(l))).collect();
    Some(format!(
        "## What was done

{}
",
        lines.join(
            "
"
        )
    ))
}

fn action_items(incident: &Incident) -> Option<String> {
    let items: Vec<String> = incident
        .notes
        .iter()
        .filter_map(|n| {
            let item = n.action_item()?;
            Some(format!("- [ ] {} (noted by {})", one_line(item), n.actor.name))
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    Some(format!("## Action items\n\n{}\n", items.join("\n")))
}

/// The most urgent severity the incident was ever at.
fn peak_severity<'a>(incident: &'a Incident, severities: &[Severity]) -> Option<&'a str> {
    incident
        .severity_history
        .iter()
        .filter_map(|c| Some((rank(severities, &c.severity)?, c.severity.as_str())))
        .min_by_key(|(r, _)| *r)
        .map(|(_, id)| id)
}

fn closed_at_ms(incident: &Incident) -> Option<i64> {
    if !incident.is_closed() {
        return None;
    }
    incident.status_history.iter().rev().find(|c| c.status == Status::Closed).map(|c| c.at_ms)
}

/// `1h12m`, or `1h12m so far` while the incident is not resolved.
fn elapsed(incident: &Incident, now_ms: i64) -> String {
    let took = duration(end_ms(incident, now_ms) - incident.opened_at_ms);
    if incident.resolved_at_ms().is_some() { took } else { format!("{took} so far") }
}

fn add_person<'a>(people: &mut Vec<&'a str>, name: &'a str) {
    if !people.contains(&name) {
        people.push(name);
    }
}

fn line(s: &mut String, args: std::fmt::Arguments<'_>) {
    let _ = s.write_fmt(args);
    s.push('\n');
}

/// One table row; each cell on one line with `|` escaped.
fn row(s: &mut String, cells: &[&str]) {
    let cells: Vec<String> = cells.iter().map(|c| one_line(c).replace('|', "\\|")).collect();
    line(s, format_args!("| {} |", cells.join(" | ")));
}

/// Line breaks folded into spaces, so text stays on its line.
fn one_line(text: &str) -> String {
    text.split(['\n', '\r']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_escape_pipes_and_line_breaks() {
        let mut s = String::new();
        row(&mut s, &["a|b", "two\nlines", "x"]);
        assert_eq!(s, "| a\\|b | two lines | x |\n");
    }
}
