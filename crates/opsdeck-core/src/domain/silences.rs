//! Silences folded from the journal: a check or trigger that fires nothing
//! until a time, with who set it and why. A silence expires by itself (it
//! is only ever compared with the current time); lifting it early is an
//! event too. Targets are written `check:ID` or `trigger:ID`. The plan's
//! `[[maintenance]]` windows are silences written ahead, active between
//! their two times.

use std::collections::BTreeMap;

use crate::config::recurrence::Recurrence;
use crate::event::{Actor, Body, Event};

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub until_ms: i64,
    pub reason: String,
    pub by: Actor,
    pub at_ms: i64,
}

/// The latest silence of each target, and the plan's maintenance windows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Silences {
    by_target: BTreeMap<String, Silence>,
    /// Target, start, and the silence the window makes.
    planned: Vec<(String, i64, Silence)>,
    recurring: Vec<Recurring>,
}

/// One target of a recurring maintenance window.
#[derive(Debug, Clone, PartialEq)]
struct Recurring {
    target: String,
    rule: Recurrence,
    /// The bounds `from` and `until` put on the recurrence.
    from: Option<i64>,
    until: Option<i64>,
    reason: String,
}

impl Silences {
    /// Silences holding the plan's maintenance windows (windows whose times
    /// do not read were refused by the plan's validation).
    pub fn planned(windows: &[crate::config::sections::Maintenance]) -> Silences {
        let by = Actor { name: "plan".into(), host: "maintenance".into(), from: None };
        let mut planned = Vec::new();
        let mut recurring = Vec::new();
        for w in windows {
            if let Some((from, until)) = w.window_ms() {
                for target in w.targets() {
                    planned.push((target, from, Silence { until_ms: until, reason: w.reason.clone(), by: by.clone(), at_ms: from }));
                }
            }
            if let Some((rule, from, until)) = w.recurrence() {
                for target in w.targets() {
                    recurring.push(Recurring { target, rule: rule.clone(), from, until, reason: w.reason.clone() });
                }
            }
        }
        Silences { by_target: BTreeMap::new(), planned, recurring }
    }

    /// Folds one event: a silence set or lifted; other kinds change nothing.
    pub fn apply(&mut self, event: &Event) {
        let Some(body) = event.body() else { return };
        match body {
            Body::SilenceSet { target, until_ms, reason } => {
                let silence = Silence { until_ms: *until_ms, reason: reason.clone(), by: event.actor.clone(), at_ms: event.at_ms };
                self.by_target.insert(target.clone(), silence);
            }
            Body::SilenceLifted { target } => {
                self.by_target.remove(target);
            }
            Body::IncidentOpened { .. }
            | Body::IncidentAcknowledged { .. }
            | Body::IncidentSeverity { .. }
            | Body::IncidentStatus { .. }
            | Body::IncidentRole { .. }
            | Body::IncidentNote { .. }
            | Body::IncidentLink { .. }
            | Body::ChecklistTicked { .. }
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

    /// The silence on `target` still running at `now_ms`.
    pub fn active(&self, target: &str, now_ms: i64) -> Option<Silence> {
        self.all_active(now_ms).find(|(t, _)| *t == target).map(|(_, s)| s)
    }

    /// Every silence (or maintenance window, one-off or recurring) running at `now_ms`, by target.
    pub fn all_active(&self, now_ms: i64) -> impl Iterator<Item = (&str, Silence)> {
        let set = self.by_target.iter().filter(move |(_, s)| s.until_ms > now_ms).map(|(t, s)| (t.as_str(), s.clone()));
        let planned =
            self.planned.iter().filter(move |(_, from, s)| *from <= now_ms && now_ms < s.until_ms).map(|(t, _, s)| (t.as_str(), s.clone()));
        let recurring = self.recurring.iter().filter_map(move |r| {
            let (start, end) = r.rule.at(now_ms)?;
            let inside = r.from.is_none_or(|f| now_ms >= f) && r.until.is_none_or(|u| now_ms < u);
            let by = Actor { name: "plan".into(), host: "maintenance".into(), from: None };
            let until_ms = r.until.map_or(end, |u| end.min(u));
            inside.then(|| (r.target.as_str(), Silence { until_ms, reason: r.reason.clone(), by, at_ms: start }))
        });
        set.chain(planned).chain(recurring)
    }
}

/// The silence target of a check.
pub fn check_target(id: &str) -> String {
    format!("check:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{T0, event};

    #[test]
    fn silences_expire_by_themselves_and_can_be_lifted() {
        let mut s = Silences::default();
        s.apply(&event(1, T0, "alice", Body::SilenceSet { target: "check:api".into(), until_ms: T0 + 60_000, reason: "deploying".into() }));
        let on = s.active("check:api", T0 + 59_999).expect("running");
        assert_eq!((on.by.name.as_str(), on.reason.as_str()), ("alice", "deploying"));
        assert!(s.active("check:api", T0 + 60_000).is_none(), "expired");
        assert!(s.active("check:db", T0).is_none());
        s.apply(&event(2, T0 + 1, "bob", Body::SilenceLifted { target: "check:api".into() }));
        assert!(s.active("check:api", T0 + 2).is_none(), "lifted");
        assert_eq!(s.all_active(T0).count(), 0);
    }

    #[test]
    fn maintenance_windows_silence_between_their_times() {
        let window = crate::config::sections::Maintenance {
            from: Some("2026-11-28T22:00:00Z".into()),
            until: Some("2026-11-28T23:00:00Z".into()),
            every: None,
            reason: "database upgrade".into(),
            checks: vec!["db".into()],
            triggers: vec!["errors-high".into()],
        };
        let s = Silences::planned(&[window]);
        let at = |hhmm: &str| format!("2026-11-28T{hhmm}:00Z").parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).expect("time");
        assert!(s.active("check:db", at("21:59")).is_none(), "not yet");
        let on = s.active("trigger:errors-high", at("22:30")).expect("in the window");
        assert_eq!((on.by.name.as_str(), on.reason.as_str()), ("plan", "database upgrade"));
        assert!(s.active("check:db", at("23:00")).is_none(), "over");
        assert_eq!(s.all_active(at("22:00")).count(), 2);
    }

    #[test]
    fn recurring_windows_silence_each_time_within_their_bounds() {
        let window = crate::config::sections::Maintenance {
            from: None,
            until: Some("2026-12-31T00:00:00Z".into()),
            every: Some("Sun 02:00-04:00 UTC".into()),
            reason: "weekly patching".into(),
            checks: vec!["db".into()],
            triggers: vec![],
        };
        let s = Silences::planned(&[window]);
        let at = |t: &str| t.parse::<jiff::Timestamp>().map(|t| t.as_millisecond()).expect("time");
        let on = s.active("check:db", at("2026-11-29T02:30:00Z")).expect("a Sunday at 02:30");
        assert_eq!((on.reason.as_str(), on.until_ms), ("weekly patching", at("2026-11-29T04:00:00Z")));
        assert!(s.active("check:db", at("2026-12-06T03:59:00Z")).is_some(), "the next Sunday too");
        assert!(s.active("check:db", at("2026-11-30T02:30:00Z")).is_none(), "not on a Monday");
        assert!(s.active("check:db", at("2027-01-03T02:30:00Z")).is_none(), "not after `until`");
    }
}
