//! How long an incident spent at each severity: the periods between its
//! severity changes, ending at its resolution (or at `now` while open).

use crate::event::Actor;

use super::incident::Incident;

/// One stretch of time at one severity.
#[derive(Debug, Clone, PartialEq)]
pub struct SeverityPeriod {
    pub severity: String,
    pub from_ms: i64,
    /// When the next change came, or the end of the incident.
    pub until_ms: i64,
    pub actor: Actor,
    /// `None` for the severity the incident was opened at.
    pub reason: Option<String>,
}

impl SeverityPeriod {
    pub fn duration_ms(&self) -> i64 {
        self.until_ms.saturating_sub(self.from_ms).max(0)
    }
}

/// The end of the incident for durations: its resolution while it is
/// resolved or closed, otherwise `now_ms`.
pub fn end_ms(incident: &Incident, now_ms: i64) -> i64 {
    incident.resolved_at_ms().unwrap_or(now_ms)
}

/// Every severity period in order. A change after the end (a correction
/// made once resolved) gives a period of zero length.
pub fn severity_periods(incident: &Incident, now_ms: i64) -> Vec<SeverityPeriod> {
    let end = end_ms(incident, now_ms);
    let history = &incident.severity_history;
    history
        .iter()
        .enumerate()
        .map(|(n, change)| {
            let next = history.get(n + 1).map_or(end, |c| c.from_ms.min(end));
            SeverityPeriod {
                severity: change.severity.clone(),
                from_ms: change.from_ms,
                until_ms: next.max(change.from_ms),
                actor: change.actor.clone(),
                reason: change.reason.clone(),
            }
        })
        .collect()
}

/// Total time at each severity, in the order each was first reached.
pub fn time_in_severity(incident: &Incident, now_ms: i64) -> Vec<(String, i64)> {
    let mut totals: Vec<(String, i64)> = Vec::new();
    for period in severity_periods(incident, now_ms) {
        let ms = period.duration_ms();
        match totals.iter_mut().find(|(s, _)| *s == period.severity) {
            Some((_, total)) => *total += ms,
            None => totals.push((period.severity, ms)),
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Incidents;
    use crate::event::{Body, Event, Status};
    use crate::testing::{T0, event};

    fn severity(seq: i64, at: i64, from: &str, to: &str) -> Event {
        event(seq, at, "bob", Body::IncidentSeverity { incident: 1, from: from.into(), to: to.into(), reason: "changed".into() })
    }

    fn status(seq: i64, at: i64, from: Status, to: Status) -> Event {
        event(seq, at, "bob", Body::IncidentStatus { incident: 1, from, to })
    }

    fn fold(events: &[Event]) -> Incident {
        let mut incidents = Incidents::default();
        incidents.apply(&event(1, T0, "alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: "P2".into() }));
        for e in events {
            incidents.apply(e);
        }
        incidents.get(1).cloned().unwrap()
    }

    #[test]
    fn time_in_each_severity_to_the_millisecond() {
        // P2 for 61_001 ms, P0 for 120_500 ms, P1 for 30_250 ms, P0 again
        // until resolution 45_000 ms later.
        let i = fold(&[
            severity(2, T0 + 61_001, "P2", "P0"),
            severity(3, T0 + 181_501, "P0", "P1"),
            severity(4, T0 + 211_751, "P1", "P0"),
            status(5, T0 + 256_751, Status::Investigating, Status::Resolved),
            status(6, T0 + 300_000, Status::Resolved, Status::Closed),
        ]);
        let now = T0 + 10_000_000;
        assert_eq!(time_in_severity(&i, now), [("P2".to_string(), 61_001), ("P0".to_string(), 165_500), ("P1".to_string(), 30_250)]);
        let periods: Vec<_> = severity_periods(&i, now).iter().map(|p| (p.severity.clone(), p.from_ms - T0, p.until_ms - T0)).collect();
        assert_eq!(
            periods,
            [
                ("P2".to_string(), 0, 61_001),
                ("P0".to_string(), 61_001, 181_501),
                ("P1".to_string(), 181_501, 211_751),
                ("P0".to_string(), 211_751, 256_751)
            ]
        );
    }

    #[test]
    fn an_open_incident_counts_until_now() {
        let i = fold(&[severity(2, T0 + 1_000, "P2", "P1")]);
        assert_eq!(time_in_severity(&i, T0 + 5_500), [("P2".to_string(), 1_000), ("P1".to_string(), 4_500)]);
    }

    #[test]
    fn reopening_counts_until_now_again() {
        let i = fold(&[
            status(2, T0 + 1_000, Status::Investigating, Status::Resolved),
            status(3, T0 + 3_000, Status::Resolved, Status::Investigating),
        ]);
        assert_eq!(time_in_severity(&i, T0 + 7_000), [("P2".to_string(), 7_000)]);
    }

    #[test]
    fn a_change_after_resolution_takes_no_time() {
        let i = fold(&[status(2, T0 + 1_000, Status::Investigating, Status::Resolved), severity(3, T0 + 2_000, "P2", "P3")]);
        assert_eq!(time_in_severity(&i, T0 + 9_000), [("P2".to_string(), 1_000), ("P3".to_string(), 0)]);
    }
}
