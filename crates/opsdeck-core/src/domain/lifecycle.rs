//! The lifecycle rules, checked before an incident event is appended: which
//! status moves are allowed, what a severity change, note or role needs,
//! and which changes a person must confirm (a downgrade).
//!
//! Status moves forward (skips allowed) through investigating → identified
//! → monitoring → resolved → closed, except that only a resolved incident
//! can be closed. The only way back is reopening: monitoring or resolved →
//! investigating. A closed incident is final.

use crate::config::Severity;
use crate::event::{Body, Status};

use super::incident::Incident;
use super::incidents::Incidents;
use super::severity::{Direction, direction, rank};

/// What an allowed intent needs before it is appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Append it.
    Ok,
    /// Append it once a person confirms; the text says what they confirm
    /// (`downgrade P0 → P2`).
    NeedsConfirmation(String),
}

/// Checks an intended incident event against the current state. `Err`
/// carries the message to show the person who asked.
pub fn check(incidents: &Incidents, severities: &[Severity], intent: &Body) -> Result<Verdict, String> {
    match intent {
        Body::IncidentOpened { title, severity } => {
            if title.trim().is_empty() {
                return Err("an incident needs a title".into());
            }
            known_severity(severities, severity)?;
            Ok(Verdict::Ok)
        }
        Body::IncidentStatus { incident, from, to } => {
            let current = existing(incidents, *incident)?;
            if current.status != *from {
                return Err(format!("incident #{incident} is {} now, not {}", current.status.name(), from.name()));
            }
            transition(*from, *to)?;
            Ok(Verdict::Ok)
        }
        Body::IncidentAcknowledged { incident } => {
            let current = not_closed(incidents, *incident)?;
            match &current.acknowledged_by {
                Some(by) => Err(format!("incident #{incident} was already acknowledged by {}", by.name)),
                None => Ok(Verdict::Ok),
            }
        }
        Body::IncidentSeverity { incident, from, to, reason } => {
            let current = not_closed(incidents, *incident)?;
            severity_change(current, severities, from, to, reason)
        }
        Body::IncidentRole { incident, role, person } => {
            let current = not_closed(incidents, *incident)?;
            let person = person.trim();
            if person.is_empty() {
                return Err(format!("the {} role needs a person", role.name()));
            }
            if current.roles.get(role).map(String::as_str) == Some(person) {
                return Err(format!("{person} is already {}", role.name()));
            }
            Ok(Verdict::Ok)
        }
        Body::IncidentNote { incident, text, .. } => {
            not_closed(incidents, *incident)?;
            if text.trim().is_empty() {
                return Err("a note needs text".into());
            }
            Ok(Verdict::Ok)
        }
        Body::IncidentLink { incident, check } => {
            let current = not_closed(incidents, *incident)?;
            if check.trim().is_empty() {
                return Err("a link needs a check id".into());
            }
            if current.checks.contains(check) {
                return Err(format!("check {check} is already linked to incident #{incident}"));
            }
            Ok(Verdict::Ok)
        }
        // Not about an incident: nothing to check here.
        Body::ChecklistTicked { .. }
        | Body::ChecklistClaimed { .. }
        | Body::ChecklistSkipped { .. }
        | Body::ChecklistUndone { .. }
        | Body::StepConfirmed { .. }
        | Body::StepSkipped { .. }
        | Body::RunbookAborted { .. }
        | Body::RunbookRestarted { .. }
        | Body::RunClaimed { .. }
        | Body::RunRenewed { .. }
        | Body::RunFinished { .. }
        | Body::Marker { .. }
        | Body::SilenceSet { .. }
        | Body::SilenceLifted { .. }
        | Body::RollbackRequested { .. }
        | Body::RollbackApproved { .. }
        | Body::TriggerFired { .. }
        | Body::RollbackProposed { .. }
        | Body::RollbackDecided { .. }
        | Body::RollbackExpired { .. }
        | Body::CheckState { .. }
        | Body::NotifyDelivery { .. }
        | Body::AlertmanagerSilence { .. } => Ok(Verdict::Ok),
    }
}

/// Whether a status may move from `from` to `to`, with the reason if not.
pub fn transition(from: Status, to: Status) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("cannot go from {} to {}: {why}", from.name(), to.name()));
    if from == to {
        return Err(format!("the incident is already {}", to.name()));
    }
    if from == Status::Closed {
        return refuse("a closed incident is final");
    }
    if to == Status::Closed && from != Status::Resolved {
        return refuse("only a resolved incident can be closed");
    }
    if to > from || is_reopening(from, to) {
        return Ok(());
    }
    if to == Status::Investigating {
        return refuse("only a monitoring or resolved incident can be reopened");
    }
    refuse("an incident only goes back to investigating")
}

/// Monitoring or resolved → investigating.
pub fn is_reopening(from: Status, to: Status) -> bool {
    to == Status::Investigating && matches!(from, Status::Monitoring | Status::Resolved)
}

fn severity_change(current: &Incident, severities: &[Severity], from: &str, to: &str, reason: &str) -> Result<Verdict, String> {
    let id = current.id;
    if reason.trim().is_empty() {
        return Err("a severity change needs a reason".into());
    }
    known_severity(severities, to)?;
    if current.severity != from {
        return Err(format!("incident #{id} is {} now, not {from}", current.severity));
    }
    if from == to {
        return Err(format!("incident #{id} is already {to}"));
    }
    Ok(match direction(severities, from, to) {
        Direction::Lowered => Verdict::NeedsConfirmation(format!("downgrade {from} → {to}")),
        Direction::Raised | Direction::Changed => Verdict::Ok,
    })
}

fn known_severity(severities: &[Severity], id: &str) -> Result<(), String> {
    if rank(severities, id).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = severities.iter().map(|s| s.id.as_str()).collect();
    Err(format!("unknown severity {id:?}; the plan has {}", known.join(", ")))
}

fn existing(incidents: &Incidents, id: i64) -> Result<&Incident, String> {
    incidents.get(id).ok_or_else(|| format!("no incident #{id}"))
}

fn not_closed(incidents: &Incidents, id: i64) -> Result<&Incident, String> {
    let incident = existing(incidents, id)?;
    if incident.is_closed() {
        return Err(format!("incident #{id} is closed: a closed incident is final"));
    }
    Ok(incident)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;
    use crate::event::{Event, Role};
    use crate::testing::{T0, event};
    use Status::*;

    /// Incident #1 (P1) at `status`, reached through allowed moves.
    fn incident_at(status: Status) -> Incidents {
        let mut events: Vec<Event> =
            vec![event(1, T0, "alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P1".into() })];
        let path: &[Status] = match status {
            Investigating => &[],
            Identified => &[Identified],
            Monitoring => &[Monitoring],
            Resolved => &[Resolved],
            Closed => &[Resolved, Closed],
        };
        let mut from = Investigating;
        for (n, to) in path.iter().enumerate() {
            let seq = n as i64 + 2;
            events.push(event(seq, T0 + seq, "bob", Body::IncidentStatus { incident: 1, from, to: *to }));
            from = *to;
        }
        let mut incidents = Incidents::default();
        for e in &events {
            incidents.apply(e);
        }
        incidents
    }

    fn check_on(incidents: &Incidents, intent: Body) -> Result<Verdict, String> {
        check(incidents, &default_severities(), &intent)
    }

    #[test]
    fn every_status_move_is_allowed_or_refused_with_a_reason() {
        let final_ = "a closed incident is final";
        let close = "only a resolved incident can be closed";
        let reopen = "only a monitoring or resolved incident can be reopened";
        let back = "an incident only goes back to investigating";
        let expected: [(Status, Status, Option<&str>); 20] = [
            (Investigating, Identified, None),
            (Investigating, Monitoring, None),
            (Investigating, Resolved, None),
            (Investigating, Closed, Some(close)),
            (Identified, Investigating, Some(reopen)),
            (Identified, Monitoring, None),
            (Identified, Resolved, None),
            (Identified, Closed, Some(close)),
            (Monitoring, Investigating, None),
            (Monitoring, Identified, Some(back)),
            (Monitoring, Resolved, None),
            (Monitoring, Closed, Some(close)),
            (Resolved, Investigating, None),
            (Resolved, Identified, Some(back)),
            (Resolved, Monitoring, Some(back)),
            (Resolved, Closed, None),
            (Closed, Investigating, Some(final_)),
            (Closed, Identified, Some(final_)),
            (Closed, Monitoring, Some(final_)),
            (Closed, Resolved, Some(final_)),
        ];
        for (from, to, refusal) in expected {
            let want = match refusal {
                None => Ok(Verdict::Ok),
                Some(why) => Err(format!("cannot go from {} to {}: {why}", from.name(), to.name())),
            };
            let got = check_on(&incident_at(from), Body::IncidentStatus { incident: 1, from, to });
            assert_eq!(got, want, "{from:?} → {to:?}");
            assert_eq!(transition(from, to).is_ok(), refusal.is_none(), "{from:?} → {to:?}");
        }
        for status in Status::ALL {
            assert_eq!(transition(status, status), Err(format!("the incident is already {}", status.name())));
        }
    }

    #[test]
    fn the_closed_message_reads_plainly() {
        assert_eq!(transition(Closed, Identified), Err("cannot go from closed to identified: a closed incident is final".into()));
        assert!(is_reopening(Resolved, Investigating));
        assert!(is_reopening(Monitoring, Investigating));
        assert!(!is_reopening(Identified, Investigating));
    }

    #[test]
    fn a_status_move_from_a_stale_status_is_refused() {
        let got = check_on(&incident_at(Identified), Body::IncidentStatus { incident: 1, from: Investigating, to: Monitoring });
        assert_eq!(got, Err("incident #1 is identified now, not investigating".into()));
    }

    fn severity(from: &str, to: &str, reason: &str) -> Body {
        Body::IncidentSeverity { incident: 1, from: from.into(), to: to.into(), reason: reason.into() }
    }

    #[test]
    fn raising_severity_is_allowed_and_lowering_needs_confirmation() {
        let open = incident_at(Investigating);
        assert_eq!(check_on(&open, severity("P1", "P0", "all regions")), Ok(Verdict::Ok));
        assert_eq!(check_on(&open, severity("P1", "P3", "only one tenant")), Ok(Verdict::NeedsConfirmation("downgrade P1 → P3".into())));
        // A resolved incident's severity can still be corrected.
        assert_eq!(
            check_on(&incident_at(Resolved), severity("P1", "P2", "smaller than thought")),
            Ok(Verdict::NeedsConfirmation("downgrade P1 → P2".into()))
        );
    }

    #[test]
    fn a_severity_change_needs_a_reason_a_known_target_and_the_current_severity() {
        let open = incident_at(Investigating);
        assert_eq!(check_on(&open, severity("P1", "P0", "  ")), Err("a severity change needs a reason".into()));
        assert_eq!(check_on(&open, severity("P1", "SEV0", "worse")), Err("unknown severity \"SEV0\"; the plan has P0, P1, P2, P3".into()));
        assert_eq!(check_on(&open, severity("P2", "P0", "worse")), Err("incident #1 is P1 now, not P2".into()));
        assert_eq!(check_on(&open, severity("P1", "P1", "same")), Err("incident #1 is already P1".into()));
    }

    #[test]
    fn acknowledging_twice_is_refused() {
        let mut incidents = incident_at(Investigating);
        let ack = Body::IncidentAcknowledged { incident: 1 };
        assert_eq!(check_on(&incidents, ack.clone()), Ok(Verdict::Ok));
        incidents.apply(&event(5, T0 + 5, "bob", ack.clone()));
        assert_eq!(check_on(&incidents, ack), Err("incident #1 was already acknowledged by bob".into()));
    }

    #[test]
    fn notes_need_text_and_roles_need_a_person() {
        let mut incidents = incident_at(Investigating);
        let note = |text: &str| Body::IncidentNote { incident: 1, text: text.into(), comms: false };
        assert_eq!(check_on(&incidents, note("rolled back")), Ok(Verdict::Ok));
        assert_eq!(check_on(&incidents, note(" \n")), Err("a note needs text".into()));

        let role = |person: &str| Body::IncidentRole { incident: 1, role: Role::Commander, person: person.into() };
        assert_eq!(check_on(&incidents, role("")), Err("the commander role needs a person".into()));
        assert_eq!(check_on(&incidents, role("bob")), Ok(Verdict::Ok));
        incidents.apply(&event(5, T0 + 5, "bob", role("bob")));
        assert_eq!(check_on(&incidents, role("bob")), Err("bob is already commander".into()));
        assert_eq!(check_on(&incidents, role("carol")), Ok(Verdict::Ok));
    }

    #[test]
    fn links_need_a_check_and_are_made_once() {
        let mut incidents = incident_at(Investigating);
        let link = |check: &str| Body::IncidentLink { incident: 1, check: check.into() };
        assert_eq!(check_on(&incidents, link("")), Err("a link needs a check id".into()));
        assert_eq!(check_on(&incidents, link("api")), Ok(Verdict::Ok));
        incidents.apply(&event(5, T0 + 5, "bob", link("api")));
        assert_eq!(check_on(&incidents, link("api")), Err("check api is already linked to incident #1".into()));
    }

    #[test]
    fn a_closed_incident_refuses_every_action() {
        let closed = incident_at(Closed);
        let refusal = Err("incident #1 is closed: a closed incident is final".to_string());
        let intents = [
            Body::IncidentAcknowledged { incident: 1 },
            severity("P1", "P0", "worse"),
            Body::IncidentRole { incident: 1, role: Role::Scribe, person: "carol".into() },
            Body::IncidentNote { incident: 1, text: "late note".into(), comms: false },
            Body::IncidentLink { incident: 1, check: "api".into() },
        ];
        for intent in intents {
            assert_eq!(check_on(&closed, intent.clone()), refusal, "{intent:?}");
        }
    }

    #[test]
    fn unknown_incidents_and_bad_openings_are_refused() {
        let none = Incidents::default();
        assert_eq!(check_on(&none, Body::IncidentAcknowledged { incident: 7 }), Err("no incident #7".into()));
        let open = |title: &str, severity: &str| Body::IncidentOpened { title: title.into(), severity: severity.into() };
        assert_eq!(check_on(&none, open("Checkout errors", "P0")), Ok(Verdict::Ok));
        assert_eq!(check_on(&none, open(" ", "P0")), Err("an incident needs a title".into()));
        assert_eq!(check_on(&none, open("Checkout errors", "P9")), Err("unknown severity \"P9\"; the plan has P0, P1, P2, P3".into()));
    }
}
