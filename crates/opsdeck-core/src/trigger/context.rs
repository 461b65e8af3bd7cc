//! What the triggers need to know besides the metrics: the latest deploy
//! marker (grace periods), a freeze (rollbacks turned into advice) and
//! silences with their expiry. Fed from journal events or directly.
//!
//! Markers are the journal's `marker` events, told apart by their text:
//! - `freeze…` (`freeze`, `freeze: migration 42 is irreversible`) freezes:
//!   `confirm` and `auto` triggers still report but propose no rollback;
//! - `unfreeze…` or `thaw…` lifts the freeze;
//! - anything else is a deploy marker and starts every trigger's grace.
//!
//! Silence targets are ids: `trigger:ID` or `check:ID`, or a bare `ID`
//! matching a trigger or a check of that name.

use std::collections::BTreeMap;

use crate::event::{Body, Event};

/// What a marker's text means to the triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerKind {
    Deploy,
    Freeze,
    Unfreeze,
}

impl MarkerKind {
    pub fn of(text: &str) -> MarkerKind {
        let lower = text.trim().to_lowercase();
        let word = |w: &str| lower.strip_prefix(w).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', ':', '-', '(', '!']));
        if word("unfreeze") || word("thaw") {
            MarkerKind::Unfreeze
        } else if word("freeze") {
            MarkerKind::Freeze
        } else {
            MarkerKind::Deploy
        }
    }
}

/// A marker at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    pub at_ms: i64,
    pub text: String,
}

/// A silence: the target fires nothing until `until_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silence {
    pub target: String,
    pub until_ms: i64,
    pub reason: String,
}

/// Markers, freeze and silences, as of the events fed so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    deploy: Option<Marked>,
    freeze: Option<Marked>,
    silences: BTreeMap<String, Silence>,
}

impl Context {
    /// Takes in a marker; a later marker replaces an earlier one of its kind.
    pub fn marker(&mut self, at_ms: i64, text: &str) {
        let marked = Marked { at_ms, text: text.trim().to_string() };
        match MarkerKind::of(text) {
            MarkerKind::Deploy => {
                if self.deploy.as_ref().is_none_or(|d| d.at_ms <= at_ms) {
                    self.deploy = Some(marked);
                }
            }
            MarkerKind::Freeze => self.freeze = Some(marked),
            MarkerKind::Unfreeze => {
                if self.freeze.as_ref().is_some_and(|f| f.at_ms <= at_ms) {
                    self.freeze = None;
                }
            }
        }
    }

    /// Silences `target` until `until_ms` (replacing an earlier silence of it).
    pub fn silence(&mut self, target: &str, until_ms: i64, reason: &str) {
        let s = Silence { target: target.to_string(), until_ms, reason: reason.to_string() };
        self.silences.insert(target.to_string(), s);
    }

    /// Ends a silence before its expiry.
    pub fn lift(&mut self, target: &str) {
        self.silences.remove(target);
    }

    /// Takes in a journal event; kinds other than markers and silences are ignored.
    pub fn apply(&mut self, event: &Event) {
        let Some(body) = event.body() else { return };
        match body {
            Body::Marker { text } => self.marker(event.at_ms, text),
            Body::SilenceSet { target, until_ms, reason } => self.silence(target, *until_ms, reason),
            Body::SilenceLifted { target } => self.lift(target),
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

    /// The latest deploy marker.
    pub fn last_deploy(&self) -> Option<&Marked> {
        self.deploy.as_ref()
    }

    /// The freeze in force, if any.
    pub fn freeze(&self) -> Option<&Marked> {
        self.freeze.as_ref()
    }

    /// The unexpired silence of trigger `id` at `now_ms`.
    pub fn trigger_silence(&self, id: &str, now_ms: i64) -> Option<&Silence> {
        self.silence_of("trigger", id, now_ms)
    }

    /// The unexpired silence of check `id` at `now_ms`.
    pub fn check_silence(&self, id: &str, now_ms: i64) -> Option<&Silence> {
        self.silence_of("check", id, now_ms)
    }

    fn silence_of(&self, kind: &str, id: &str, now_ms: i64) -> Option<&Silence> {
        [format!("{kind}:{id}"), id.to_string()]
            .iter()
            .filter_map(|key| self.silences.get(key))
            .filter(|s| now_ms < s.until_ms)
            .max_by_key(|s| s.until_ms)
    }

    /// Forgets silences that expired before `now_ms`.
    pub fn expire(&mut self, now_ms: i64) {
        self.silences.retain(|_, s| now_ms < s.until_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_told_apart_by_their_text() {
        let cases = [
            ("deploy v1.2.0", MarkerKind::Deploy),
            ("freeze", MarkerKind::Freeze),
            ("Freeze: migration 42 is irreversible", MarkerKind::Freeze),
            ("freeze - schema change", MarkerKind::Freeze),
            ("freezer firmware update", MarkerKind::Deploy),
            ("unfreeze", MarkerKind::Unfreeze),
            ("thaw: migration verified", MarkerKind::Unfreeze),
            ("  ", MarkerKind::Deploy),
        ];
        for (text, kind) in cases {
            assert_eq!(MarkerKind::of(text), kind, "{text:?}");
        }
    }

    #[test]
    fn freeze_until_unfrozen_and_latest_deploy_wins() {
        let mut c = Context::default();
        c.marker(1_000, "deploy v1");
        c.marker(500, "deploy v0 (late arrival)");
        assert_eq!(c.last_deploy().map(|m| m.text.as_str()), Some("deploy v1"));
        c.marker(2_000, "freeze: migration 42");
        assert!(c.freeze().is_some());
        assert_eq!(c.last_deploy().map(|m| m.at_ms), Some(1_000), "a freeze is not a deploy");
        c.marker(3_000, "unfreeze");
        assert!(c.freeze().is_none());
    }

    #[test]
    fn silences_match_prefixed_or_bare_ids_and_expire() {
        let mut c = Context::default();
        c.silence("check:api", 10_000, "known flaky");
        c.silence("rollback-api", 5_000, "maintenance");
        assert!(c.check_silence("api", 9_999).is_some());
        assert!(c.check_silence("api", 10_000).is_none(), "expires at until_ms");
        assert!(c.trigger_silence("api", 1).is_none(), "check: prefix only matches checks");
        assert!(c.trigger_silence("rollback-api", 1).is_some());
        assert!(c.check_silence("rollback-api", 1).is_some(), "a bare id matches both");
        c.lift("rollback-api");
        assert!(c.trigger_silence("rollback-api", 1).is_none());
        c.expire(20_000);
        assert!(c.silences.is_empty());
    }
}
