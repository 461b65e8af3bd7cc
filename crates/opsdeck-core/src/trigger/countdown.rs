//! Proposals: what a firing `confirm` or `auto` trigger asks of the room.
//! A `confirm` proposal waits for a person; an `auto` proposal counts down
//! to a deadline, anyone can veto it or run it now, and when the deadline
//! passes unanswered `on_no_answer` decides (run or cancel). Pure: the
//! decisions are data the app turns into journal events and runs.
//!
//! An answer counts while the proposal is open, even if it arrives after
//! the deadline but before the deadline was noticed: a person's word wins.

use std::fmt;

use crate::config::sections::{OnNoAnswer, TriggerMode};

use super::engine::Rule;
use super::status::Firing;

/// Who decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A person (the actor's display name).
    Person(String),
    /// Nobody answered before the deadline.
    NoAnswer,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Person(p) => f.write_str(p),
            Answer::NoAnswer => f.write_str("no answer"),
        }
    }
}

/// What became of a proposal: the app records it in the journal, and runs
/// the rollback for `Run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Run the rollback: a person said so, or the countdown ended with `on_no_answer = "run"`.
    Run { trigger: String, rollback: String, by: Answer, at_ms: i64 },
    /// A person stopped it.
    Vetoed { trigger: String, rollback: String, by: String, at_ms: i64 },
    /// The countdown ended unanswered and `on_no_answer = "cancel"`.
    Cancelled { trigger: String, rollback: String, at_ms: i64 },
}

impl Decision {
    pub fn at_ms(&self) -> i64 {
        match self {
            Decision::Run { at_ms, .. } | Decision::Vetoed { at_ms, .. } | Decision::Cancelled { at_ms, .. } => *at_ms,
        }
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalState {
    Waiting,
    Decided(Decision),
}

/// An answer to a proposal that is already decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyDecided(pub Decision);

impl fmt::Display for AlreadyDecided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Decision::Run { rollback, by, .. } => write!(f, "{rollback} is already running ({by})"),
            Decision::Vetoed { rollback, by, .. } => write!(f, "{rollback} was already vetoed by {by}"),
            Decision::Cancelled { rollback, .. } => write!(f, "{rollback} was already cancelled: nobody answered in time"),
        }
    }
}

impl std::error::Error for AlreadyDecided {}

/// A rollback proposed by a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub trigger: String,
    pub rollback: String,
    pub reason: String,
    /// `Confirm` (waits for a person) or `Auto` (counts down).
    pub mode: TriggerMode,
    pub created_ms: i64,
    /// `Auto` only: when `on_no_answer` decides.
    pub deadline_ms: Option<i64>,
    pub on_no_answer: OnNoAnswer,
    pub state: ProposalState,
}

impl Proposal {
    /// The proposal of a firing; `None` when it proposes nothing (advise
    /// mode, a freeze, no rollback named).
    pub fn from_firing(firing: &Firing, rule: &Rule) -> Option<Proposal> {
        let rollback = firing.proposes()?;
        let deadline_ms = (firing.mode == TriggerMode::Auto).then(|| firing.at_ms.saturating_add(rule.countdown_ms));
        Some(Proposal {
            trigger: firing.trigger.clone(),
            rollback: rollback.to_string(),
            reason: firing.reason.clone(),
            mode: firing.mode,
            created_ms: firing.at_ms,
            deadline_ms,
            on_no_answer: rule.on_no_answer,
            state: ProposalState::Waiting,
        })
    }

    pub fn is_open(&self) -> bool {
        self.state == ProposalState::Waiting
    }

    /// Time left on the countdown (0 once due); `None` for `confirm` or once decided.
    pub fn remaining_ms(&self, now_ms: i64) -> Option<i64> {
        self.deadline_ms.filter(|_| self.is_open()).map(|d| d.saturating_sub(now_ms).max(0))
    }

    /// A person stops the rollback.
    pub fn veto(&mut self, by: &str, at_ms: i64) -> Result<Decision, AlreadyDecided> {
        let d = Decision::Vetoed { trigger: self.trigger.clone(), rollback: self.rollback.clone(), by: by.to_string(), at_ms };
        self.decide(d)
    }

    /// A person runs the rollback now (the confirmation of `confirm` mode,
    /// or skipping the rest of an `auto` countdown).
    pub fn run_now(&mut self, by: &str, at_ms: i64) -> Result<Decision, AlreadyDecided> {
        let d = Decision::Run { trigger: self.trigger.clone(), rollback: self.rollback.clone(), by: Answer::Person(by.to_string()), at_ms };
        self.decide(d)
    }

    /// The clock: once an open `auto` proposal's deadline has passed,
    /// `on_no_answer` decides. `None` when nothing changed.
    pub fn tick(&mut self, now_ms: i64) -> Option<Decision> {
        let deadline = self.deadline_ms?;
        if !self.is_open() || now_ms < deadline {
            return None;
        }
        let (trigger, rollback) = (self.trigger.clone(), self.rollback.clone());
        let d = match self.on_no_answer {
            OnNoAnswer::Run => Decision::Run { trigger, rollback, by: Answer::NoAnswer, at_ms: deadline },
            OnNoAnswer::Cancel => Decision::Cancelled { trigger, rollback, at_ms: deadline },
        };
        self.decide(d).ok()
    }

    fn decide(&mut self, d: Decision) -> Result<Decision, AlreadyDecided> {
        match &self.state {
            ProposalState::Decided(earlier) => Err(AlreadyDecided(earlier.clone())),
            ProposalState::Waiting => {
                self.state = ProposalState::Decided(d.clone());
                Ok(d)
            }
        }
    }
}
