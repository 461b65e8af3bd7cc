//! Every incident of a room, folded from the journal in order, and the
//! order they are listed in.

use std::cmp::{Ordering, Reverse};
use std::collections::BTreeMap;

use crate::config::Severity;
use crate::event::{Body, Event, Status};

use super::incident::Incident;
use super::severity::rank;

/// The room's incidents, keyed by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incidents {
    by_id: BTreeMap<i64, Incident>,
}

impl Incidents {
    /// Folds one journal event. Kinds this version does not know, events
    /// about unknown incidents, and events already folded (replays) are
    /// ignored.
    pub fn apply(&mut self, event: &Event) {
        let Some(body) = event.body() else {
            return;
        };
        match body {
            Body::IncidentOpened { title, severity } => {
                self.by_id.entry(event.seq).or_insert_with(|| Incident::opened(event, title, severity));
            }
            Body::IncidentAcknowledged { incident }
            | Body::IncidentSeverity { incident, .. }
            | Body::IncidentStatus { incident, .. }
            | Body::IncidentRole { incident, .. }
            | Body::IncidentNote { incident, .. }
            | Body::IncidentLink { incident, .. } => self.record(*incident, event, body),
            // Not about an incident.
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
            | Body::AlertmanagerSilence { .. } => {}
        }
    }

    /// Folds an event about incident `id` into it, unless the incident is
    /// unknown or already has the event (a replay).
    fn record(&mut self, id: i64, event: &Event, body: &Body) {
        if let Some(incident) = self.by_id.get_mut(&id)
            && event.seq > incident.last_seq()
        {
            incident.record(event, body);
        }
    }

    pub fn get(&self, id: i64) -> Option<&Incident> {
        self.by_id.get(&id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Open incidents first, most urgent severity first, oldest first within
    /// a severity (severities the plan does not know come last); then
    /// resolved, then closed ones, newest first.
    pub fn list<'a>(&'a self, severities: &[Severity]) -> impl Iterator<Item = &'a Incident> + use<'a> {
        let mut all: Vec<&Incident> = self.by_id.values().collect();
        all.sort_by(|a, b| listing_order(a, b, severities));
        all.into_iter()
    }
}

/// The incident an event body is about (`None` for `incident.opened`).
pub fn incident_of(body: &Body) -> Option<i64> {
    match body {
        Body::IncidentOpened { .. } => None,
        Body::IncidentAcknowledged { incident }
        | Body::IncidentSeverity { incident, .. }
        | Body::IncidentStatus { incident, .. }
        | Body::IncidentRole { incident, .. }
        | Body::IncidentNote { incident, .. }
        | Body::IncidentLink { incident, .. } => Some(*incident),
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
        | Body::AlertmanagerSilence { .. } => None,
    }
}

fn listing_order(a: &Incident, b: &Incident, severities: &[Severity]) -> Ordering {
    let group = |i: &Incident| match i.status {
        Status::Resolved => 1,
        Status::Closed => 2,
        _ => 0,
    };
    group(a).cmp(&group(b)).then_with(|| {
        if a.is_open() {
            let urgency = |i: &Incident| rank(severities, &i.severity).unwrap_or(usize::MAX);
            urgency(a).cmp(&urgency(b)).then(a.opened_at_ms.cmp(&b.opened_at_ms)).then(a.id.cmp(&b.id))
        } else {
            Reverse((a.opened_at_ms, a.id)).cmp(&Reverse((b.opened_at_ms, b.id)))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;
    use crate::event::Role;
    use crate::testing::{MINUTE, T0, actor, event};

    fn opened(seq: i64, at: i64, title: &str, severity: &str) -> Event {
        event(seq, at, "alice", Body::IncidentOpened { title: title.into(), severity: severity.into() })
    }

    /// A realistic incident: opened P1, acknowledged, raised to P0, roles
    /// handed over, notes, a linked check, resolved and closed.
    fn checkout_story() -> (Incidents, Vec<Event>) {
        let m = |n: i64| T0 + n * MINUTE;
        let events = vec![
            opened(1, m(0), "Checkout errors", "P1"),
            event(2, m(2), "bob", Body::IncidentAcknowledged { incident: 1 }),
            event(3, m(3), "bob", Body::IncidentRole { incident: 1, role: Role::Commander, person: "bob".into() }),
            event(
                4,
                m(5),
                "bob",
                Body::IncidentSeverity { incident: 1, from: "P1".into(), to: "P0".into(), reason: "all regions failing".into() },
            ),
            event(5, m(6), "carol", Body::IncidentLink { incident: 1, check: "api".into() }),
            event(6, m(10), "carol", Body::IncidentNote { incident: 1, text: "Customers informed".into(), comms: true }),
            event(7, m(20), "bob", Body::IncidentRole { incident: 1, role: Role::Commander, person: "dave".into() }),
            event(8, m(25), "dave", Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Identified }),
            event(9, m(40), "dave", Body::IncidentStatus { incident: 1, from: Status::Identified, to: Status::Resolved }),
            event(10, m(45), "dave", Body::IncidentStatus { incident: 1, from: Status::Resolved, to: Status::Closed }),
        ];
        let mut incidents = Incidents::default();
        for e in &events {
            incidents.apply(e);
        }
        (incidents, events)
    }

    #[test]
    fn folds_a_realistic_incident() {
        let (incidents, events) = checkout_story();
        let i = incidents.get(1).unwrap();
        assert_eq!(i.title, "Checkout errors");
        assert_eq!(i.severity, "P0");
        assert_eq!(i.status, Status::Closed);
        assert_eq!(i.opened_at_ms, T0);
        assert_eq!(i.opened_by, actor("alice"));
        assert_eq!(i.acknowledged_at_ms, Some(T0 + 2 * MINUTE));
        assert_eq!(i.acknowledged_by, Some(actor("bob")));
        assert_eq!(i.roles.get(&Role::Commander).map(String::as_str), Some("dave"));
        let handover = &i.role_history[1];
        assert_eq!(handover.previous.as_deref(), Some("bob"));
        assert_eq!(handover.person, "dave");
        assert_eq!(handover.actor, actor("bob"));
        assert_eq!(i.checks, ["api"]);
        assert_eq!(i.notes.len(), 1);
        assert!(i.notes[0].comms);
        assert_eq!(i.last_comms_at_ms(), Some(T0 + 10 * MINUTE));
        let sev: Vec<_> = i.severity_history.iter().map(|c| (c.severity.as_str(), c.from_ms - T0, c.reason.as_deref())).collect();
        assert_eq!(sev, [("P1", 0, None), ("P0", 5 * MINUTE, Some("all regions failing"))]);
        let statuses: Vec<_> = i.status_history.iter().map(|c| c.status).collect();
        assert_eq!(statuses, [Status::Investigating, Status::Identified, Status::Resolved, Status::Closed]);
        assert_eq!(i.resolved_at_ms(), Some(T0 + 40 * MINUTE));
        assert_eq!(i.timeline, events);
    }

    #[test]
    fn ignores_unknown_kinds_unknown_incidents_and_replays() {
        let (mut incidents, events) = checkout_story();
        let before = incidents.clone();
        let mut unknown = events[1].clone();
        unknown.seq = 11;
        unknown.kind = "rollback.started".into();
        let unknown = unknown.redecode();
        incidents.apply(&unknown);
        incidents.apply(&event(12, T0, "eve", Body::IncidentNote { incident: 99, text: "lost".into(), comms: false }));
        for e in &events {
            incidents.apply(e);
        }
        assert_eq!(incidents, before);
        assert_eq!(incidents.len(), 1);
    }

    #[test]
    fn a_second_acknowledgement_keeps_the_first() {
        let mut incidents = Incidents::default();
        incidents.apply(&opened(1, T0, "Slow search", "P2"));
        incidents.apply(&event(2, T0 + 1, "bob", Body::IncidentAcknowledged { incident: 1 }));
        incidents.apply(&event(3, T0 + 2, "carol", Body::IncidentAcknowledged { incident: 1 }));
        let i = incidents.get(1).unwrap();
        assert_eq!(i.acknowledged_by, Some(actor("bob")));
        assert_eq!(i.acknowledged_at_ms, Some(T0 + 1));
        assert_eq!(i.timeline.len(), 3);
    }

    #[test]
    fn lists_open_by_severity_then_age_then_resolved_and_closed() {
        let mut incidents = Incidents::default();
        incidents.apply(&opened(1, T0, "old P2", "P2"));
        incidents.apply(&opened(2, T0 + 1, "P0", "P0"));
        incidents.apply(&opened(3, T0 + 2, "newer P2", "P2"));
        incidents.apply(&opened(4, T0 + 3, "unknown severity", "SEV9"));
        incidents.apply(&opened(5, T0 + 4, "resolved P0", "P0"));
        incidents.apply(&opened(6, T0 + 5, "closed", "P0"));
        incidents.apply(&opened(7, T0 + 6, "resolved later", "P3"));
        let to = |seq, incident, from, to| event(seq, T0 + 10, "bob", Body::IncidentStatus { incident, from, to });
        incidents.apply(&to(8, 5, Status::Investigating, Status::Resolved));
        incidents.apply(&to(9, 6, Status::Investigating, Status::Resolved));
        incidents.apply(&to(10, 6, Status::Resolved, Status::Closed));
        incidents.apply(&to(11, 7, Status::Investigating, Status::Resolved));
        let order: Vec<_> = incidents.list(&default_severities()).map(|i| i.title.as_str()).collect();
        assert_eq!(order, ["P0", "old P2", "newer P2", "unknown severity", "resolved later", "resolved P0", "closed"]);
    }
}
