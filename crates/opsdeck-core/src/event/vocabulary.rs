//! The small shared words events carry: incident roles and statuses, what
//! a command run is for, the verdict on a proposal, why a proposal expired
//! how a run ended, and what was done to an Alertmanager silence.

use serde::{Deserialize, Serialize};

/// Incident roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commander,
    Scribe,
    Comms,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Commander, Role::Scribe, Role::Comms];

    pub fn name(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Scribe => "scribe",
            Role::Comms => "comms",
        }
    }
}

/// Incident lifecycle, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Investigating, Status::Identified, Status::Monitoring, Status::Resolved, Status::Closed];

    pub fn name(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }
}

/// What a command run is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// A runnable step of a runbook.
    Step { runbook: String, step: String },
    /// A rollback action.
    Rollback { action: String },
    /// The `verify` command run after a rollback.
    Verify { action: String },
}

/// A decision on a proposed rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Run it (a person confirmed, or nobody answered and `on_no_answer = "run"`).
    Run,
    /// A person stopped it.
    Vetoed,
    /// Nobody answered and `on_no_answer = "cancel"`.
    Cancelled,
}

/// Why a proposal expired without a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// Its trigger's conditions cleared; the detail names what recovered.
    Cleared,
    /// Nobody answered within the trigger's `expire_after`; the detail is that duration.
    Unanswered,
}

impl Expiry {
    /// `expired: api recovered`, `expired after 10m unanswered`.
    pub fn describe(self, detail: &str) -> String {
        match self {
            Expiry::Cleared => format!("expired: {detail}"),
            Expiry::Unanswered => format!("expired after {detail} unanswered"),
        }
    }
}

/// How a command run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Exit code 0.
    Succeeded,
    /// Non-zero exit code or killed by a signal.
    Failed,
    /// Killed at its timeout.
    TimedOut,
    /// Killed by a person.
    Cancelled,
    /// Could not start (no shell, bad working directory, …).
    NotStarted,
    /// Stopped because the console itself was ended by a signal (SIGTERM,
    /// SIGHUP, SIGINT) while the command ran.
    Interrupted,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed out",
            Outcome::Cancelled => "cancelled",
            Outcome::NotStarted => "not started",
            Outcome::Interrupted => "interrupted",
        }
    }

    pub fn is_success(self) -> bool {
        self == Outcome::Succeeded
    }
}

/// What mirroring a silence to Alertmanager did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MirrorAction {
    /// A silence was created (a silence set in opsdeck, or a maintenance window).
    Created,
    /// Silences were expired (the silence was lifted in opsdeck).
    Expired,
}
