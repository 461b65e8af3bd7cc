//! What each form is for: the purposes the reducer dispatches a submitted
//! form on (incident, checklist and runbook, rollback, silence forms).

/// What a form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormPurpose {
    OpenIncident,
    Note(i64),
    Severity(i64),
    Status(i64),
    Role(i64),
    Link(i64),
    /// Checklist and runbook forms (see the launch view).
    Launch(LaunchForm),
    /// Rollback forms (see the rollback view).
    Rollback(RollbackForm),
    /// Silence this check (see the metrics view).
    Silence(String),
}

/// What a checklist or runbook form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchForm {
    SkipItem(String),
    SkipStep {
        runbook: String,
        step: String,
    },
    /// A step marked `confirm`, or one whose last run was abandoned.
    RunStep {
        runbook: String,
        step: String,
    },
    Abort(String),
    Restart(String),
}

/// What a rollback form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackForm {
    /// Confirm running this action; `proposal` is the seq of the proposal
    /// it confirms, when one was open as the form opened.
    Run { action: String, proposal: Option<i64> },
}
