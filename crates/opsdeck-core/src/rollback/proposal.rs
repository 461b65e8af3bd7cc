//! A proposal as the room folded it ([`Proposed`]): open until the first of
//! a decision (run, veto, no answer), an expiry, or a freeze that turns it
//! into advice ([`Lapse`]); and, while open, the two-person request that
//! waits for approval to run it.

use std::fmt;

use crate::event::{Actor, Expiry, Verdict};

/// How a proposal closed without a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lapse {
    /// Its conditions cleared, or nobody answered within `expire_after`
    /// (the `rollback.expired` event at `seq`).
    Expired { cause: Expiry, detail: String, at_ms: i64, seq: i64 },
    /// A freeze marker (at `seq`) turned it into advice; an unfreeze does not reopen it.
    Frozen { text: String, at_ms: i64, seq: i64 },
}

impl fmt::Display for Lapse {
    /// `expired: api recovered`, `expired after 10m unanswered`,
    /// `advice only: frozen by “freeze: migration 42”`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lapse::Expired { cause, detail, .. } => f.write_str(&cause.describe(detail)),
            Lapse::Frozen { text, .. } => write!(f, "advice only: frozen by “{text}”"),
        }
    }
}

impl Lapse {
    /// When it lapsed: the expiry's or the freeze marker's time.
    pub fn at_ms(&self) -> i64 {
        match self {
            Lapse::Expired { at_ms, .. } | Lapse::Frozen { at_ms, .. } => *at_ms,
        }
    }
}

/// A proposal and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposed {
    /// The seq of its `rollback.proposed` event: its id in the room.
    pub seq: i64,
    pub trigger: String,
    pub rollback: String,
    pub reason: String,
    pub at_ms: i64,
    pub deadline_ms: Option<i64>,
    /// `run` or `cancel`.
    pub on_no_answer: String,
    /// The console that recorded it (acts on no answer, and on its expiry).
    pub console: String,
    /// The first decision: verdict, who, when, and whether the countdown decided.
    pub decided: Option<(Verdict, Actor, i64, bool)>,
    /// The seq of the decision that counts.
    pub decision_seq: Option<i64>,
    /// It closed without a decision: expired, or frozen into advice.
    pub lapsed: Option<Lapse>,
    /// The two-person request made to run it (a person pressing run, or its
    /// countdown ending under the rule), waiting for a second person: its
    /// countdown no longer counts.
    pub request: Option<String>,
}

impl Proposed {
    /// Not decided, not expired, not frozen.
    pub fn is_open(&self) -> bool {
        self.decided.is_none() && self.lapsed.is_none()
    }

    /// Open, with a two-person request waiting for approval.
    pub fn waits_for_approval(&self) -> bool {
        self.is_open() && self.request.is_some()
    }

    /// Countdown left (0 once due); `None` for a `confirm` proposal, once
    /// closed, or while a two-person request waits for approval.
    pub fn remaining_ms(&self, now_ms: i64) -> Option<i64> {
        self.deadline_ms.filter(|_| self.is_open() && self.request.is_none()).map(|d| d.saturating_sub(now_ms).max(0))
    }

    /// The freeze marker's text, when a freeze turned it into advice.
    pub fn frozen(&self) -> Option<&str> {
        match &self.lapsed {
            Some(Lapse::Frozen { text, .. }) => Some(text),
            Some(Lapse::Expired { .. }) | None => None,
        }
    }
}
