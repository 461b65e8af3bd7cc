//! A trigger's status at an instant, and a firing with its reason.

use crate::config::sections::TriggerMode;

/// A trigger fired: what it would tell the room and what it proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    pub trigger: String,
    pub at_ms: i64,
    /// The conditions that held, with values, thresholds and samples.
    pub reason: String,
    /// The mode in force: the configured one, or `Advise` under a freeze.
    pub mode: TriggerMode,
    /// The mode the plan gives the trigger.
    pub configured: TriggerMode,
    /// The rollback the plan names (`propose`), proposed only when `mode` is not `Advise`.
    pub rollback: Option<String>,
    /// The freeze marker's text when a freeze turned a proposal into advice.
    pub frozen: Option<String>,
}

impl Firing {
    /// The rollback to propose: none in `advise` mode or under a freeze.
    pub fn proposes(&self) -> Option<&str> {
        if self.mode == TriggerMode::Advise { None } else { self.rollback.as_deref() }
    }
}

/// Where a trigger stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Watching; no condition holds.
    Armed,
    /// The conditions hold but not yet for their `for` duration.
    Pending { since_ms: i64, needs_ms: i64, reason: String },
    /// A condition cannot be judged (its check is UNKNOWN or stale) and
    /// nothing else decides: information only, never a firing.
    Unknown { reason: String },
    /// Quiet after a deploy marker; `held` says what would fire otherwise.
    Grace { until_ms: i64, marker: String, held: Option<String> },
    /// The trigger, or a check it needs, is silenced; `held` says what would fire otherwise.
    Silenced { target: String, reason: String, until_ms: i64, held: Option<String> },
    /// Fired at `fired_ms`; no new firing before `until_ms`.
    CoolingDown { fired_ms: i64, until_ms: i64 },
    /// Fired, still holds, and has no cooldown: fires again once the conditions clear.
    Latched { fired_ms: i64 },
    /// Fires now (reported once per firing).
    Firing(Firing),
}

impl Status {
    /// A short, stable name: `armed`, `pending`, `unknown`, `grace`,
    /// `silenced`, `cooling_down`, `latched`, `firing`.
    pub fn name(&self) -> &'static str {
        match self {
            Status::Armed => "armed",
            Status::Pending { .. } => "pending",
            Status::Unknown { .. } => "unknown",
            Status::Grace { .. } => "grace",
            Status::Silenced { .. } => "silenced",
            Status::CoolingDown { .. } => "cooling_down",
            Status::Latched { .. } => "latched",
            Status::Firing(_) => "firing",
        }
    }

    pub fn firing(&self) -> Option<&Firing> {
        match self {
            Status::Firing(f) => Some(f),
            _ => None,
        }
    }
}

/// One trigger's status.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub trigger: String,
    pub status: Status,
}
