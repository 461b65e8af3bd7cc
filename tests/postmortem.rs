//! The post-mortem export of incidents folded from journal events, compared
//! with Markdown written out by hand.

use opsdeck::adapters::journal::{Actor, Body, Event, NewEvent, Role, Status};
use opsdeck_core::config::sections::default_severities;
use opsdeck_core::domain::{Incidents, postmortem};

/// 2026-03-10 (a Tuesday) at `hms` UTC, in unix ms.
fn at(hms: &str) -> i64 {
    format!("2026-03-10T{hms}Z").parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

struct Journal {
    events: Vec<Event>,
}

impl Journal {
    fn new() -> Journal {
        Journal { events: Vec::new() }
    }

    fn add(&mut self, hms: &str, who: &str, body: Body) {
        let actor = Actor { name: who.into(), host: "bastion-1".into(), from: Some("10.0.0.5".into()) };
        let seq = self.events.len() as i64 + 1;
        let event = NewEvent::new("checkout-v2", &actor, at(hms), &body).stored(seq);
        self.events.push(event);
    }

    fn fold(&self) -> Incidents {
        let mut incidents = Incidents::default();
        for e in &self.events {
            incidents.apply(e);
        }
        incidents
    }
}

fn severity(from: &str, to: &str, reason: &str) -> Body {
    Body::IncidentSeverity { incident: 1, from: from.into(), to: to.into(), reason: reason.into() }
}

fn status(from: Status, to: Status) -> Body {
    Body::IncidentStatus { incident: 1, from, to }
}

fn role(role: Role, person: &str) -> Body {
    Body::IncidentRole { incident: 1, role, person: person.into() }
}

fn note(text: &str, comms: bool) -> Body {
    Body::IncidentNote { incident: 1, text: text.into(), comms }
}

/// Incident #1 from opening to closing, with incident #6 opened in between.
fn checkout_story() -> Journal {
    use Status::*;
    let mut j = Journal::new();
    j.add("13:58:00", "alice", Body::IncidentOpened { title: "Checkout errors in EU".into(), severity: "P1".into() });
    j.add("14:01:00", "bob", Body::IncidentAcknowledged { incident: 1 });
    j.add("14:01:30", "bob", role(Role::Commander, "bob"));
    j.add("14:05:00", "bob", severity("P1", "P0", "all regions failing"));
    j.add("14:06:00", "carol", Body::IncidentLink { incident: 1, check: "api".into() });
    j.add("14:07:00", "eve", Body::IncidentOpened { title: "Slow search".into(), severity: "P2".into() });
    j.add("14:10:00", "carol", role(Role::Comms, "carol"));
    j.add("14:12:00", "carol", note("Status page updated: checkout failing | investigating", true));
    j.add("14:20:00", "bob", role(Role::Commander, "dave"));
    j.add("14:25:00", "dave", status(Investigating, Identified));
    j.add("14:31:00", "dave", note("Bad config push in eu-west-1;\nrolling back", false));
    j.add("14:40:00", "dave", severity("P0", "P2", "EU only, failover holding"));
    j.add("14:45:00", "dave", status(Identified, Monitoring));
    j.add("14:52:00", "carol", note("TODO: alert on per-region error rate", false));
    j.add("14:58:00", "dave", status(Monitoring, Resolved));
    j.add("15:02:00", "carol", status(Resolved, Investigating));
    j.add("15:10:00", "dave", status(Investigating, Resolved));
    j.add("15:12:00", "dave", note("TODO: canary config pushes", false));
    j.add("15:30:00", "dave", status(Resolved, Closed));
    j
}

#[test]
fn a_full_incident_exports_as_markdown() {
    let incidents = checkout_story().fold();
    let incident = incidents.get(1).unwrap();
    let story = checkout_story();
    let got = postmortem(incident, &story.events, &default_severities(), "checkout-v2", at("23:00:00"));
    let expected = "\
# Incident #1: Checkout errors in EU

## Summary

- Room: checkout-v2
- Severity: P0 Critical at peak, P2 Medium at the end
- Status: closed
- Opened: 2026-03-10 13:58:00 UTC by alice
- Acknowledged: 2026-03-10 14:01:00 UTC by bob, 3m after opening
- Resolved: 2026-03-10 15:10:00 UTC
- Closed: 2026-03-10 15:30:00 UTC
- Duration: 1h12m
- Linked checks: api

## Impact window

2026-03-10 13:58:00 UTC → 2026-03-10 15:10:00 UTC (1h12m)

## Severity history

| Severity | From (UTC) | Time in severity | Set by | Reason |
| --- | --- | --- | --- | --- |
| P1 High | 2026-03-10 13:58:00 | 7m | alice | opened |
| P0 Critical | 2026-03-10 14:05:00 | 35m | bob | all regions failing |
| P2 Medium | 2026-03-10 14:40:00 | 30m | dave | EU only, failover holding |

## Responders and roles

- Commander: bob (from 2026-03-10 14:01:30 UTC), then dave (from 2026-03-10 14:20:00 UTC)
- Comms: carol (from 2026-03-10 14:10:00 UTC)
- Responders: alice, bob, carol, dave

## Timeline

| Time (UTC) | Event | Actor |
| --- | --- | --- |
| 2026-03-10 13:58:00 | Opened as P1 High: Checkout errors in EU | alice |
| 2026-03-10 14:01:00 | Acknowledged | bob |
| 2026-03-10 14:01:30 | Commander: bob | bob |
| 2026-03-10 14:05:00 | Severity raised P1 → P0: all regions failing | bob |
| 2026-03-10 14:06:00 | Linked check api | carol |
| 2026-03-10 14:10:00 | Comms: carol | carol |
| 2026-03-10 14:12:00 | Comms update: Status page updated: checkout failing \\| investigating | carol |
| 2026-03-10 14:20:00 | Commander: dave (was bob) | bob |
| 2026-03-10 14:25:00 | Status investigating → identified | dave |
| 2026-03-10 14:31:00 | Note: Bad config push in eu-west-1; rolling back | dave |
| 2026-03-10 14:40:00 | Severity lowered P0 → P2: EU only, failover holding | dave |
| 2026-03-10 14:45:00 | Status identified → monitoring | dave |
| 2026-03-10 14:52:00 | Note: TODO: alert on per-region error rate | carol |
| 2026-03-10 14:58:00 | Status monitoring → resolved | dave |
| 2026-03-10 15:02:00 | Status resolved → investigating (reopened) | carol |
| 2026-03-10 15:10:00 | Status investigating → resolved | dave |
| 2026-03-10 15:12:00 | Note: TODO: canary config pushes | dave |
| 2026-03-10 15:30:00 | Status resolved → closed | dave |

## Action items

- [ ] alert on per-region error rate (noted by carol)
- [ ] canary config pushes (noted by dave)
";
    assert_eq!(got, expected, "\n--- got ---\n{got}");
}

#[test]
fn a_severity_reached_twice_gets_its_total_time() {
    let mut j = Journal::new();
    j.add("10:00:00", "alice", Body::IncidentOpened { title: "Queue backlog".into(), severity: "P2".into() });
    j.add("10:10:00", "alice", severity("P2", "P1", "backlog growing"));
    j.add("10:25:00", "alice", severity("P1", "P2", "workers scaled"));
    let incidents = j.fold();
    let got = postmortem(incidents.get(1).unwrap(), &[], &default_severities(), "", at("10:40:00"));
    let expected = "\
# Incident #1: Queue backlog

## Summary

- Severity: P1 High at peak, P2 Medium now
- Status: investigating
- Opened: 2026-03-10 10:00:00 UTC by alice
- Duration: 40m so far

## Impact window

2026-03-10 10:00:00 UTC → ongoing (40m so far)

## Severity history

| Severity | From (UTC) | Time in severity | Set by | Reason |
| --- | --- | --- | --- | --- |
| P2 Medium | 2026-03-10 10:00:00 | 10m | alice | opened |
| P1 High | 2026-03-10 10:10:00 | 15m | alice | backlog growing |
| P2 Medium | 2026-03-10 10:25:00 | 15m | alice | workers scaled |

Total time: P2 Medium 25m, P1 High 15m.

## Timeline

| Time (UTC) | Event | Actor |
| --- | --- | --- |
| 2026-03-10 10:00:00 | Opened as P2 Medium: Queue backlog | alice |
| 2026-03-10 10:10:00 | Severity raised P2 → P1: backlog growing | alice |
| 2026-03-10 10:25:00 | Severity lowered P1 → P2: workers scaled | alice |
";
    assert_eq!(got, expected, "\n--- got ---\n{got}");
}

#[test]
fn a_minimal_incident_has_no_empty_sections() {
    let incidents = checkout_story().fold();
    let incident = incidents.get(6).unwrap();
    let got = postmortem(incident, &[], &default_severities(), "checkout-v2", at("14:37:30"));
    let expected = "\
# Incident #6: Slow search

## Summary

- Room: checkout-v2
- Severity: P2 Medium
- Status: investigating
- Opened: 2026-03-10 14:07:00 UTC by eve
- Duration: 30m30s so far

## Impact window

2026-03-10 14:07:00 UTC → ongoing (30m30s so far)

## Timeline

| Time (UTC) | Event | Actor |
| --- | --- | --- |
| 2026-03-10 14:07:00 | Opened as P2 Medium: Slow search | eve |
";
    assert_eq!(got, expected, "\n--- got ---\n{got}");
    for absent in ["Severity history", "Responders", "Action items", "Acknowledged", "Resolved"] {
        assert!(!got.contains(absent), "{absent} should be left out");
    }
    let lines: Vec<&str> = got.lines().collect();
    for (n, l) in lines.iter().enumerate() {
        if l.starts_with("## ") {
            let next = lines.get(n + 2).copied().unwrap_or("");
            assert!(!next.is_empty() && !next.starts_with('#'), "{l} is empty");
        }
    }
}
