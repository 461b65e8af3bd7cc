//! An incident's timeline told in sentences ("Severity raised P1 → P0: all
//! regions failing", "Commander: bob (was alice)"), for exports and views.

use std::collections::BTreeMap;

use crate::config::Severity;
use crate::event::{Body, Role};

use super::incident::Incident;
use super::lifecycle::is_reopening;
use super::severity::{Direction, direction, label};

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The event's place in the room's order.
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub text: String,
}

/// The incident's events as sentences, in order.
pub fn entries(incident: &Incident, severities: &[Severity]) -> Vec<Entry> {
    let mut roles: BTreeMap<Role, String> = BTreeMap::new();
    let mut entries = Vec::new();
    for event in &incident.timeline {
        let Some(body) = event.body() else {
            continue;
        };
        entries.push(Entry {
            seq: event.seq,
            at_ms: event.at_ms,
            actor: event.actor.name.clone(),
            text: sentence(body, severities, &mut roles),
        });
    }
    entries
}

/// One event body as a sentence; `roles` is who held each role before it
/// (a role change names who it replaces).
pub(super) fn sentence(body: &Body, severities: &[Severity], roles: &mut BTreeMap<Role, String>) -> String {
    match body {
        Body::IncidentOpened { title, severity } => {
            format!("Opened as {}: {title}", label(severities, severity))
        }
        Body::IncidentAcknowledged { .. } => "Acknowledged".into(),
        Body::IncidentSeverity { from, to, reason, .. } => {
            let verb = match direction(severities, from, to) {
                Direction::Raised => "raised",
                Direction::Lowered => "lowered",
                Direction::Changed => "changed",
            };
            format!("Severity {verb} {from} → {to}: {reason}")
        }
        Body::IncidentStatus { from, to, .. } => {
            let reopened = if is_reopening(*from, *to) { " (reopened)" } else { "" };
            format!("Status {} → {}{reopened}", from.name(), to.name())
        }
        Body::IncidentRole { role, person, .. } => {
            let previous = roles.insert(*role, person.clone());
            match previous {
                Some(was) if was != *person => {
                    format!("{}: {person} (was {was})", capitalised(role.name()))
                }
                _ => format!("{}: {person}", capitalised(role.name())),
            }
        }
        Body::IncidentNote { text, comms, .. } => {
            let kind = if *comms { "Comms update" } else { "Note" };
            format!("{kind}: {}", text.trim())
        }
        Body::IncidentLink { check, .. } => format!("Linked check {check}"),
        Body::ChecklistTicked { item, text, evidence: Some(evidence) } => format!("Ticked “{}” (verified: {evidence})", or(text, item)),
        Body::ChecklistTicked { item, text, evidence: None } => format!("Ticked “{}”", or(text, item)),
        Body::ChecklistClaimed { item, text } => format!("Is on “{}”", or(text, item)),
        Body::ChecklistSkipped { item, text, reason } => format!("Skipped “{}”: {reason}", or(text, item)),
        Body::ChecklistUndone { item, text } => format!("Reopened “{}”", or(text, item)),
        Body::StepConfirmed { runbook, step, title } => format!("Runbook {runbook}: “{}” confirmed done", or(title, step)),
        Body::StepSkipped { runbook, step, title, reason } => format!("Runbook {runbook}: “{}” skipped: {reason}", or(title, step)),
        Body::RunbookAborted { runbook, reason } => format!("Runbook {runbook} aborted: {reason}"),
        Body::RunbookRestarted { runbook } => format!("Runbook {runbook} started over"),
        Body::RunClaimed { subject, title, .. } => match subject {
            crate::event::Subject::Step { runbook, step } => format!("Runbook {runbook}: running “{}”", or(title, step)),
            crate::event::Subject::Rollback { action } => format!("Rollback {action}: running"),
            crate::event::Subject::Verify { action } => format!("Rollback {action}: verifying"),
        },
        Body::RunRenewed { run } => format!("Run {run} still running"),
        Body::RunFinished { outcome, exit_code, duration_ms, .. } => {
            let exit = exit_code.map(|c| format!(", exit {c}")).unwrap_or_default();
            format!("Run {}{exit} after {}", outcome.name(), crate::format::took(*duration_ms))
        }
        Body::Marker { text } => format!("Marker: {text}"),
        Body::SilenceSet { target, until_ms, reason } => {
            format!("Silenced {target} until {}: {reason}", crate::format::utc(*until_ms))
        }
        Body::SilenceLifted { target } => format!("Silence on {target} lifted"),
        Body::RollbackRequested { action, .. } => format!("Asked to run rollback {action}: waiting for a second person to approve"),
        Body::RollbackApproved { action, .. } => format!("Approved rollback {action}"),
        Body::TriggerFired { trigger, reason, mode, rollback, frozen } => {
            let then = match (rollback, frozen) {
                (Some(r), Some(f)) => format!(" (would propose {r}, but frozen: {f})"),
                (Some(r), None) if mode != "advise" => format!(" ({mode}: proposes {r})"),
                (Some(r), None) => format!(" (advice: consider {r})"),
                (None, _) => String::new(),
            };
            format!("Trigger {trigger} fired{then}: {reason}")
        }
        Body::RollbackProposed { trigger, rollback, deadline_ms: Some(d), on_no_answer, .. } => {
            format!("Trigger {trigger} proposes rollback {rollback}: {on_no_answer}s at {} unless vetoed", crate::format::utc(*d))
        }
        Body::RollbackProposed { trigger, rollback, .. } => format!("Trigger {trigger} proposes rollback {rollback}: waiting for a person"),
        Body::RollbackDecided { rollback, verdict, no_answer, .. } => match (verdict, no_answer) {
            (crate::event::Verdict::Run, false) => format!("Confirmed rollback {rollback}"),
            (crate::event::Verdict::Run, true) => format!("Nobody answered: rollback {rollback} runs"),
            (crate::event::Verdict::Vetoed, _) => format!("Vetoed rollback {rollback}"),
            (crate::event::Verdict::Cancelled, _) => format!("Nobody answered: rollback {rollback} cancelled"),
        },
        Body::RollbackExpired { rollback, cause, detail, .. } => {
            format!("The proposal of rollback {rollback} {}", cause.describe(detail))
        }
        Body::CheckState { check, from, to, reason, .. } => format!("Check {check} {} → {}: {reason}", from.label(), to.label()),
        Body::NotifyDelivery { notify, about, ok: true, .. } => format!("Notified {notify} of #{about}"),
        Body::NotifyDelivery { notify, about, ok: false, detail } => format!("Could not notify {notify} of #{about}: {detail}"),
        Body::AlertmanagerSilence { target, action, ok, silence, detail, .. } => mirror_sentence(target, *action, *ok, silence, detail),
    }
}

/// What mirroring a silence to Alertmanager did, as the timeline says it.
fn mirror_sentence(target: &str, action: crate::event::MirrorAction, ok: bool, silence: &str, detail: &str) -> String {
    use crate::event::MirrorAction::{Created, Expired};
    let ids = if silence.is_empty() { String::new() } else { format!(" {silence}") };
    match (action, ok) {
        (Created, true) => format!("Silenced {target} in Alertmanager (silence{ids}): {detail}"),
        (Created, false) => format!("Could not silence {target} in Alertmanager: {detail}"),
        (Expired, true) => format!("Expired the Alertmanager silence of {target}{ids}: {detail}"),
        (Expired, false) => format!("Could not expire the Alertmanager silence of {target}: {detail}"),
    }
}

/// One event of the room as a sentence, naming its incident in words
/// (`incident #42 · Severity raised P1 → P0: …`), so that an incident's
/// number is never taken for the event's (the timeline shows that in its
/// own column); what this version cannot read (an unknown kind, a corrupt
/// payload) is shown as unreadable, with why.
pub fn describe(event: &crate::event::Event, severities: &[Severity]) -> String {
    let Some(body) = event.body() else {
        let why = event.unreadable().unwrap_or_default();
        return format!("unreadable {} event: {why}", event.kind);
    };
    let text = sentence(body, severities, &mut BTreeMap::new());
    match (super::incidents::incident_of(body), body) {
        (Some(id), _) => format!("incident #{id} · {text}"),
        (None, Body::IncidentOpened { .. }) => format!("incident #{} · {text}", event.seq),
        (None, _) => text,
    }
}

/// The text an event carried, or the id when it carried none (older events).
fn or<'a>(text: &'a str, id: &'a str) -> &'a str {
    if text.is_empty() { id } else { text }
}

/// `commander` → `Commander`.
pub fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;
    use crate::domain::Incidents;
    use crate::testing::{T0, event};

    #[test]
    fn an_unreadable_event_is_shown_as_such_not_dropped() {
        let actor = crate::event::Actor { name: "alice".into(), host: "h".into(), from: None };
        let corrupt = crate::event::Event::decode(
            7,
            "room".into(),
            T0,
            actor.clone(),
            "incident.opened".into(),
            1,
            serde_json::json!({ "title": 5 }),
            "k1".into(),
        );
        assert!(corrupt.body().is_none());
        let text = describe(&corrupt, &default_severities());
        assert!(text.starts_with("unreadable incident.opened event: "), "{text}");
        let unknown = crate::event::Event::decode(8, "room".into(), T0, actor, "deploy.gate".into(), 9, serde_json::json!({}), "k2".into());
        assert!(describe(&unknown, &default_severities()).starts_with("unreadable deploy.gate event: unknown variant"));
    }

    #[test]
    fn sentences_follow_the_running_state() {
        let mut incidents = Incidents::default();
        let bodies = [
            Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() },
            Body::IncidentRole { incident: 1, role: Role::Scribe, person: "carol".into() },
            Body::IncidentRole { incident: 1, role: Role::Scribe, person: "erin".into() },
            Body::IncidentSeverity { incident: 1, from: "P1".into(), to: "SEV9".into(), reason: "renamed".into() },
        ];
        for (n, body) in bodies.into_iter().enumerate() {
            incidents.apply(&event(n as i64 + 1, T0, "alice", body));
        }
        let texts: Vec<String> = entries(incidents.get(1).unwrap(), &default_severities()).into_iter().map(|e| e.text).collect();
        assert_eq!(
            texts,
            ["Opened as P1 High: Checkout errors", "Scribe: carol", "Scribe: erin (was carol)", "Severity changed P1 → SEV9: renamed"]
        );
    }
}
