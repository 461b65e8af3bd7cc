//! This console's pending events: appended while the store was away (kept
//! in the spool, not yet in the room), shown here at once, marked as
//! queued, beside the stored events. Each is replaced by its stored copy
//! when an event with the same idempotency key comes back from the store,
//! so nothing shows twice. Pure: the loop feeds it, render reads it.

use crate::adapters::journal::{Body, Event, NewEvent};
use opsdeck_core::launch::ItemStatus;

/// An incident opened here that the room does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIncident {
    pub key: String,
    pub title: String,
    pub severity: String,
    pub at_ms: i64,
}

/// Pending events, in the order this console made them, each with its
/// decoded body (decoded once: render reads them every frame).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pending {
    events: Vec<(NewEvent, Option<Body>)>,
}

impl Pending {
    /// Adds a queued event; a key already pending is kept once.
    pub fn add(&mut self, event: NewEvent) {
        if !self.events.iter().any(|(e, _)| e.key == event.key) {
            // Body::of reads a stored event; the seq plays no part in decoding.
            let body = Body::of(&event.clone().stored(0));
            self.events.push((event, body));
        }
    }

    /// The stored copy of `stored` arrived: it is pending no more. True when
    /// it was pending.
    pub fn settle(&mut self, stored: &Event) -> bool {
        let before = self.events.len();
        self.events.retain(|(e, _)| e.key != stored.key);
        self.events.len() != before
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The pending events, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &NewEvent> {
        self.events.iter().map(|(e, _)| e)
    }

    fn bodies(&self) -> impl Iterator<Item = (&NewEvent, &Body)> {
        self.events.iter().filter_map(|(e, b)| b.as_ref().map(|b| (e, b)))
    }

    /// Incidents opened here and not yet stored, oldest first.
    pub fn incidents(&self) -> Vec<PendingIncident> {
        self.bodies()
            .filter_map(|(e, b)| match b {
                Body::IncidentOpened { title, severity } => {
                    Some(PendingIncident { key: e.key.clone(), title: title.clone(), severity: severity.clone(), at_ms: e.at_ms })
                }
                _ => None,
            })
            .collect()
    }

    /// What the last pending checklist change of `item` would make it:
    /// done, skipped, open (undone), or `None` when nothing is pending for
    /// it. A pending claim counts as open.
    pub fn item(&self, item: &str) -> Option<ItemStatus> {
        self.bodies()
            .filter_map(|(_, b)| {
                let (i, status) = match b {
                    Body::ChecklistTicked { item, .. } => (item, ItemStatus::Done),
                    Body::ChecklistSkipped { item, .. } => (item, ItemStatus::Skipped),
                    Body::ChecklistUndone { item, .. } | Body::ChecklistClaimed { item, .. } => (item, ItemStatus::Open),
                    // Not about a checklist item.
                    Body::IncidentOpened { .. }
                    | Body::IncidentAcknowledged { .. }
                    | Body::IncidentSeverity { .. }
                    | Body::IncidentStatus { .. }
                    | Body::IncidentRole { .. }
                    | Body::IncidentNote { .. }
                    | Body::IncidentLink { .. }
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
                    | Body::AlertmanagerSilence { .. } => return None,
                };
                (i == item).then_some(status)
            })
            .last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::journal::Actor;

    fn made(at: i64, body: &Body) -> NewEvent {
        NewEvent::new("room", &Actor { name: "alice".into(), host: "h".into(), from: None }, at, body)
    }

    fn opened(title: &str) -> Body {
        Body::IncidentOpened { title: title.into(), severity: "P1".into() }
    }

    fn tick(item: &str) -> Body {
        Body::ChecklistTicked { item: item.into(), text: String::new(), evidence: None }
    }

    #[test]
    fn queued_events_show_until_their_stored_copy_arrives() {
        let mut p = Pending::default();
        let a = made(1_000, &opened("Checkout errors"));
        let b = made(2_000, &tick("launch/tag"));
        p.add(a.clone());
        p.add(b.clone());
        p.add(a.clone());
        assert_eq!(p.len(), 2, "a retried append is pending once");
        let incidents = p.incidents();
        assert_eq!(incidents.len(), 1);
        assert_eq!((incidents[0].title.as_str(), incidents[0].severity.as_str(), incidents[0].at_ms), ("Checkout errors", "P1", 1_000));
        assert_eq!(p.item("launch/tag"), Some(ItemStatus::Done));
        assert_eq!(p.item("launch/other"), None);
        // The stored copy keeps the key; it replaces the pending one.
        assert!(p.settle(&a.clone().stored(7)));
        assert!(p.incidents().is_empty());
        assert!(!p.settle(&a.stored(7)), "a replay settles nothing");
        assert!(p.settle(&b.stored(8)));
        assert!(p.is_empty());
    }

    #[test]
    fn the_last_pending_change_of_an_item_wins() {
        let mut p = Pending::default();
        p.add(made(1, &tick("x")));
        p.add(made(2, &Body::ChecklistUndone { item: "x".into(), text: String::new() }));
        assert_eq!(p.item("x"), Some(ItemStatus::Open));
        p.add(made(3, &Body::ChecklistSkipped { item: "x".into(), text: String::new(), reason: "n/a".into() }));
        assert_eq!(p.item("x"), Some(ItemStatus::Skipped));
    }
}
