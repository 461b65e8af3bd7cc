//! The two clocks of an incident: respond-within (from opening until
//! someone acknowledges) and update-every (from the last stakeholder
//! update, while the incident is open), both from its current severity.

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::config::{Deadline, Severity, TimeSpan};

use super::incident::Incident;
use super::severity::find;

/// The respond-within clock. It stops at the acknowledgement, or at the
/// first resolution of an incident nobody acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RespondClock {
    pub due_ms: i64,
    /// Time left when the clock stopped, or at `now` while it runs;
    /// negative when overdue.
    pub remaining_ms: i64,
    /// Responded to on or before the due time.
    pub met: bool,
}

/// The update-every clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateClock {
    pub due_ms: i64,
    /// Negative once the update is late.
    pub remaining_ms: i64,
    /// The due time has passed with no update.
    pub overdue: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// `None` when the plan does not know the incident's severity.
    pub respond: Option<RespondClock>,
    /// `None` once resolved, or when the severity asks for no updates.
    pub next_update: Option<UpdateClock>,
}

/// Both clocks of `incident` at `now_ms`; a next-business-day deadline is
/// 09:00 in `tz`.
pub fn clocks(incident: &Incident, severities: &[Severity], tz: &TimeZone, now_ms: i64) -> Clocks {
    let Some(severity) = find(severities, &incident.severity) else {
        return Clocks { respond: None, next_update: None };
    };
    Clocks {
        respond: respond_clock(incident, severity.respond_within, tz, now_ms),
        next_update: update_clock(incident, severity.update_every, now_ms),
    }
}

fn respond_clock(incident: &Incident, deadline: Deadline, tz: &TimeZone, now_ms: i64) -> Option<RespondClock> {
    let due_ms = respond_due_ms(incident.opened_at_ms, deadline, tz)?;
    let responded_at = incident.acknowledged_at_ms.or_else(|| incident.first_resolved_at_ms());
    let stopped_at = responded_at.unwrap_or(now_ms);
    Some(RespondClock { due_ms, remaining_ms: due_ms.saturating_sub(stopped_at), met: responded_at.is_some_and(|at| at <= due_ms) })
}

fn update_clock(incident: &Incident, every: Option<TimeSpan>, now_ms: i64) -> Option<UpdateClock> {
    let every = every.filter(|e| !e.is_zero())?;
    if !incident.is_open() {
        return None;
    }
    let since = incident.last_comms_at_ms().or(incident.acknowledged_at_ms).unwrap_or(incident.opened_at_ms);
    let due_ms = since.saturating_add(span_ms(every));
    let remaining_ms = due_ms.saturating_sub(now_ms);
    Some(UpdateClock { due_ms, remaining_ms, overdue: remaining_ms < 0 })
}

/// When an incident opened at `opened_at_ms` must be responded to; `None`
/// only for times outside what a calendar can represent.
pub fn respond_due_ms(opened_at_ms: i64, deadline: Deadline, tz: &TimeZone) -> Option<i64> {
    match deadline {
        Deadline::Within(span) => Some(opened_at_ms.saturating_add(span_ms(span))),
        Deadline::NextBusinessDay => next_business_morning_ms(opened_at_ms, tz),
    }
}

/// 09:00 in `tz` on the first weekday (Monday–Friday) after the local date
/// of `at_ms`.
pub fn next_business_morning_ms(at_ms: i64, tz: &TimeZone) -> Option<i64> {
    let local = tz.to_datetime(Timestamp::from_millisecond(at_ms).ok()?);
    let mut day = local.date().tomorrow().ok()?;
    while matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        day = day.tomorrow().ok()?;
    }
    let morning = day.at(9, 0, 0, 0).to_zoned_datetime(tz.clone()).ok()?;
    Some(morning.timestamp().as_millisecond())
}

fn span_ms(span: TimeSpan) -> i64 {
    i64::try_from(span.get().as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::default_severities;
    use crate::domain::Incidents;
    use crate::event::{Body, Event, Status};
    use crate::testing::{MINUTE, T0, event};

    fn fold(events: &[Event]) -> Incident {
        let mut incidents = Incidents::default();
        for e in events {
            incidents.apply(e);
        }
        incidents.get(1).cloned().unwrap()
    }

    fn opened(severity: &str) -> Event {
        event(1, T0, "alice", Body::IncidentOpened { title: "Checkout errors".into(), severity: severity.into() })
    }

    fn ack(seq: i64, at: i64) -> Event {
        event(seq, at, "bob", Body::IncidentAcknowledged { incident: 1 })
    }

    fn note(seq: i64, at: i64, comms: bool) -> Event {
        event(seq, at, "carol", Body::IncidentNote { incident: 1, text: "Customers informed".into(), comms })
    }

    fn at(incident: &Incident, now_ms: i64) -> Clocks {
        clocks(incident, &default_severities(), &TimeZone::UTC, now_ms)
    }

    #[test]
    fn respond_clock_counts_down_from_opening() {
        // P0: respond within 15m, update every 30m.
        let i = fold(&[opened("P0")]);
        let due = T0 + 15 * MINUTE;
        let c = at(&i, T0 + 10 * MINUTE);
        assert_eq!(c.respond, Some(RespondClock { due_ms: due, remaining_ms: 5 * MINUTE, met: false }));
        let late = at(&i, T0 + 17 * MINUTE).respond.unwrap();
        assert_eq!(late.remaining_ms, -2 * MINUTE);
        assert!(!late.met);
    }

    #[test]
    fn acknowledging_stops_the_respond_clock() {
        let i = fold(&[opened("P0"), ack(2, T0 + 12 * MINUTE)]);
        let c = at(&i, T0 + 3 * 60 * MINUTE).respond.unwrap();
        assert_eq!(c.remaining_ms, 3 * MINUTE);
        assert!(c.met);

        let late = fold(&[opened("P0"), ack(2, T0 + 20 * MINUTE)]);
        let c = at(&late, T0 + 3 * 60 * MINUTE).respond.unwrap();
        assert_eq!(c.remaining_ms, -5 * MINUTE);
        assert!(!c.met);
    }

    #[test]
    fn acknowledging_exactly_at_the_deadline_meets_it() {
        let i = fold(&[opened("P0"), ack(2, T0 + 15 * MINUTE)]);
        let c = at(&i, T0 + 60 * MINUTE).respond.unwrap();
        assert_eq!((c.remaining_ms, c.met), (0, true));
    }

    #[test]
    fn resolving_without_acknowledgement_stops_the_respond_clock() {
        let i = fold(&[
            opened("P0"),
            event(2, T0 + 9 * MINUTE, "bob", Body::IncidentStatus { incident: 1, from: Status::Investigating, to: Status::Resolved }),
        ]);
        let c = at(&i, T0 + 60 * MINUTE);
        assert_eq!(c.respond.map(|r| (r.remaining_ms, r.met)), Some((6 * MINUTE, true)));
        assert_eq!(c.next_update, None);
    }

    #[test]
    fn update_clock_runs_from_opening_then_acknowledgement_then_comms() {
        let opened_only = fold(&[opened("P0")]);
        let u = at(&opened_only, T0 + 10 * MINUTE).next_update.unwrap();
        assert_eq!(u, UpdateClock { due_ms: T0 + 30 * MINUTE, remaining_ms: 20 * MINUTE, overdue: false });

        let acked = fold(&[opened("P0"), ack(2, T0 + 5 * MINUTE)]);
        let u = at(&acked, T0 + 10 * MINUTE).next_update.unwrap();
        assert_eq!((u.due_ms, u.remaining_ms), (T0 + 35 * MINUTE, 25 * MINUTE));

        // An ordinary note does not restart the clock; a comms note does.
        let noted = fold(&[opened("P0"), ack(2, T0 + 5 * MINUTE), note(3, T0 + 20 * MINUTE, false)]);
        assert_eq!(at(&noted, T0 + 21 * MINUTE).next_update.unwrap().due_ms, T0 + 35 * MINUTE);
        let updated = fold(&[opened("P0"), ack(2, T0 + 5 * MINUTE), note(3, T0 + 20 * MINUTE, false), note(4, T0 + 22 * MINUTE, true)]);
        let u = at(&updated, T0 + 40 * MINUTE).next_update.unwrap();
        assert_eq!(u, UpdateClock { due_ms: T0 + 52 * MINUTE, remaining_ms: 12 * MINUTE, overdue: false });
    }

    #[test]
    fn a_missed_update_is_overdue() {
        let i = fold(&[opened("P0"), note(2, T0 + 10 * MINUTE, true)]);
        let on_time = at(&i, T0 + 40 * MINUTE).next_update.unwrap();
        assert_eq!((on_time.remaining_ms, on_time.overdue), (0, false));
        let late = at(&i, T0 + 40 * MINUTE + 1).next_update.unwrap();
        assert_eq!((late.remaining_ms, late.overdue), (-1, true));
    }

    #[test]
    fn severities_without_updates_have_no_update_clock() {
        let i = fold(&[opened("P3")]);
        assert_eq!(at(&i, T0).next_update, None);
        let unknown = fold(&[opened("SEV9")]);
        assert_eq!(at(&unknown, T0), Clocks { respond: None, next_update: None });
    }

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn next_business_day_skips_the_weekend_in_local_time() {
        // Central European time with its summer-time rule, fixed here so the
        // test does not depend on the host's time zone database.
        let paris = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let next = |at: &str| next_business_morning_ms(ms(at), &paris).map(|t| Timestamp::from_millisecond(t).unwrap().to_string());
        // Friday 2026-03-13 18:30 in Paris → Monday 09:00 CET (08:00 UTC).
        assert_eq!(next("2026-03-13T17:30:00Z").as_deref(), Some("2026-03-16T08:00:00Z"));
        // Saturday and Sunday → Monday too.
        assert_eq!(next("2026-03-14T10:00:00Z").as_deref(), Some("2026-03-16T08:00:00Z"));
        assert_eq!(next("2026-03-15T22:00:00Z").as_deref(), Some("2026-03-16T08:00:00Z"));
        // Sunday 23:30 UTC is already Monday 00:30 in Paris → Tuesday.
        assert_eq!(next("2026-03-15T23:30:00Z").as_deref(), Some("2026-03-17T08:00:00Z"));
        // Friday 27 March → Monday 30 March, after the switch to summer time (07:00 UTC).
        assert_eq!(next("2026-03-27T12:00:00Z").as_deref(), Some("2026-03-30T07:00:00Z"));
        // A weekday morning → the next day, even before 09:00.
        assert_eq!(next("2026-03-10T06:00:00Z").as_deref(), Some("2026-03-11T08:00:00Z"));
    }

    #[test]
    fn a_p3_is_due_the_next_business_morning() {
        let tz = TimeZone::fixed(jiff::tz::offset(-5));
        // Opened Friday 2026-03-13 16:00 at UTC-5.
        let mut i = fold(&[opened("P3")]);
        i.opened_at_ms = ms("2026-03-13T21:00:00Z");
        let c = clocks(&i, &default_severities(), &tz, ms("2026-03-14T21:00:00Z"));
        let r = c.respond.unwrap();
        assert_eq!(r.due_ms, ms("2026-03-16T14:00:00Z"));
        assert_eq!(r.remaining_ms, 41 * 60 * MINUTE);
    }
}
