//! One incident as folded from its events: who opened it, its current
//! severity, status and roles, and the history of each, its notes, linked
//! checks and its own timeline.

use std::collections::BTreeMap;

use crate::event::{Actor, Body, Event, Role, Status};

/// An incident; its `id` is the `seq` of its `incident.opened` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    /// Current severity id (`P0`, …).
    pub severity: String,
    pub opened_at_ms: i64,
    pub opened_by: Actor,
    /// The first acknowledgement; later ones are on the timeline only.
    pub acknowledged_at_ms: Option<i64>,
    pub acknowledged_by: Option<Actor>,
    pub status: Status,
    /// Who holds each role now.
    pub roles: BTreeMap<Role, String>,
    /// Every role assignment, oldest first (hand-overs included).
    pub role_history: Vec<RoleChange>,
    pub notes: Vec<Note>,
    /// Ids of checks linked to the incident, in the order they were linked.
    pub checks: Vec<String>,
    /// Severity over time, starting with the one it was opened at.
    pub severity_history: Vec<SeverityChange>,
    /// Status over time, starting with `investigating` at opening.
    pub status_history: Vec<StatusChange>,
    /// The events that concern this incident, in journal order.
    pub timeline: Vec<Event>,
}

/// A role given to a person, replacing `previous` if someone held it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleChange {
    pub role: Role,
    pub person: String,
    pub previous: Option<String>,
    pub at_ms: i64,
    pub actor: Actor,
}

/// A note; `comms` marks the update sent to stakeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub text: String,
    pub at_ms: i64,
    pub actor: Actor,
    pub comms: bool,
}

impl Note {
    /// The action item of a note starting `TODO:` (any case), without the prefix.
    pub fn action_item(&self) -> Option<&str> {
        let text = self.text.trim_start();
        let prefix = text.get(..5)?;
        prefix.eq_ignore_ascii_case("todo:").then(|| text[5..].trim()).filter(|item| !item.is_empty())
    }
}

/// The incident is at `severity` from `from_ms`; `reason` is `None` for the
/// severity it was opened at.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityChange {
    pub severity: String,
    pub from_ms: i64,
    pub actor: Actor,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub status: Status,
    pub at_ms: i64,
    pub actor: Actor,
}

impl Incident {
    /// A new incident from its `incident.opened` event.
    pub fn opened(event: &Event, title: &str, severity: &str) -> Incident {
        Incident {
            id: event.seq,
            title: title.to_string(),
            severity: severity.to_string(),
            opened_at_ms: event.at_ms,
            opened_by: event.actor.clone(),
            acknowledged_at_ms: None,
            acknowledged_by: None,
            status: Status::Investigating,
            roles: BTreeMap::new(),
            role_history: Vec::new(),
            notes: Vec::new(),
            checks: Vec::new(),
            severity_history: vec![SeverityChange {
                severity: severity.to_string(),
                from_ms: event.at_ms,
                actor: event.actor.clone(),
                reason: None,
            }],
            status_history: vec![StatusChange { status: Status::Investigating, at_ms: event.at_ms, actor: event.actor.clone() }],
            timeline: vec![event.clone()],
        }
    }

    /// Folds one event about this incident. The journal is the record: what
    /// an event says happened is applied as it stands (the rules are checked
    /// before appending, see `lifecycle`); only a second
    /// acknowledgement leaves the first in place.
    pub fn record(&mut self, event: &Event, body: &Body) {
        let at_ms = event.at_ms;
        let actor = &event.actor;
        match body {
            Body::IncidentOpened { .. } => return,
            Body::IncidentAcknowledged { .. } => {
                if self.acknowledged_at_ms.is_none() {
                    self.acknowledged_at_ms = Some(at_ms);
                    self.acknowledged_by = Some(actor.clone());
                }
            }
            Body::IncidentSeverity { to, reason, .. } => {
                self.severity = to.clone();
                self.severity_history.push(SeverityChange {
                    severity: to.clone(),
                    from_ms: at_ms,
                    actor: actor.clone(),
                    reason: Some(reason.clone()),
                });
            }
            Body::IncidentStatus { to, .. } => {
                self.status = *to;
                self.status_history.push(StatusChange { status: *to, at_ms, actor: actor.clone() });
            }
            Body::IncidentRole { role, person, .. } => {
                let previous = self.roles.insert(*role, person.clone());
                self.role_history.push(RoleChange { role: *role, person: person.clone(), previous, at_ms, actor: actor.clone() });
            }
            Body::IncidentNote { text, comms, .. } => {
                self.notes.push(Note { text: text.clone(), at_ms, actor: actor.clone(), comms: *comms })
            }
            Body::IncidentLink { check, .. } => {
                if !self.checks.contains(check) {
                    self.checks.push(check.clone());
                }
            }
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
            | Body::AlertmanagerSilence { .. } => return,
        }
        self.timeline.push(event.clone());
    }

    /// Investigating, identified or monitoring.
    pub fn is_open(&self) -> bool {
        self.status < Status::Resolved
    }

    pub fn is_closed(&self) -> bool {
        self.status == Status::Closed
    }

    /// When the current resolution happened: the last move to `resolved`,
    /// while the incident is resolved or closed; `None` while it is open.
    pub fn resolved_at_ms(&self) -> Option<i64> {
        if self.is_open() {
            return None;
        }
        self.status_history.iter().rev().find(|c| c.status == Status::Resolved).map(|c| c.at_ms)
    }

    /// When the incident first reached `resolved` (or beyond), if ever.
    pub fn first_resolved_at_ms(&self) -> Option<i64> {
        self.status_history.iter().find(|c| c.status >= Status::Resolved).map(|c| c.at_ms)
    }

    /// When the last stakeholder update (comms note) was sent.
    pub fn last_comms_at_ms(&self) -> Option<i64> {
        self.notes.iter().rev().find(|n| n.comms).map(|n| n.at_ms)
    }

    /// The seq of the last event folded into this incident.
    pub fn last_seq(&self) -> i64 {
        self.timeline.last().map_or(self.id, |e| e.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> Note {
        Note { text: text.into(), at_ms: 0, actor: crate::testing::actor("alice"), comms: false }
    }

    #[test]
    fn todo_notes_are_action_items() {
        assert_eq!(note("TODO: add an alert").action_item(), Some("add an alert"));
        assert_eq!(note("  todo:page earlier").action_item(), Some("page earlier"));
        assert_eq!(note("TODO:").action_item(), None);
        assert_eq!(note("to do: nothing").action_item(), None);
        assert_eq!(note("é").action_item(), None);
    }
}
