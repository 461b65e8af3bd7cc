//! Silences folded from the journal: a check or trigger that fires nothing
//! until a time, with who set it and why. A silence expires by itself (it
//! is only ever compared with the current time); lifting it early is an
//! event too. Targets are written `check:ID` or `trigger:ID`.

use std::collections::BTreeMap;

use crate::journal::{Actor, Body, Event};

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub until_ms: i64,
    pub reason: String,
    pub by: Actor,
    pub at_ms: i64,
}

/// The latest silence of each target.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Silences {
    by_target: BTreeMap<String, Silence>,
}

impl Silences {
    pub fn apply(&mut self, event: &Event) {
        match Body::of(event) {
            Some(Body::SilenceSet { target, until_ms, reason }) => {
                self.by_target.insert(target, Silence { until_ms, reason, by: event.actor.clone(), at_ms: event.at_ms });
            }
            Some(Body::SilenceLifted { target }) => {
                self.by_target.remove(&target);
            }
            _ => {}
        }
    }

    /// The silence on `target` still running at `now_ms`.
    pub fn active(&self, target: &str, now_ms: i64) -> Option<&Silence> {
        self.by_target.get(target).filter(|s| s.until_ms > now_ms)
    }

    /// Every silence still running at `now_ms`, by target.
    pub fn all_active(&self, now_ms: i64) -> impl Iterator<Item = (&str, &Silence)> {
        self.by_target.iter().filter(move |(_, s)| s.until_ms > now_ms).map(|(t, s)| (t.as_str(), s))
    }
}

/// The silence target of a check.
pub fn check_target(id: &str) -> String {
    format!("check:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{T0, event};

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
}
