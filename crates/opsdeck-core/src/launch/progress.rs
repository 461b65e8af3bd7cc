//! The room's progress through the launch, folded from the journal: each
//! checklist item (open, claimed, done, skipped; by whom and when, with the
//! evidence of an automatic tick) and each runbook step (pending, running,
//! done, failed, skipped), plus the command runs behind the steps.
//!
//! Pure and order-driven like the incident fold: every console folding the
//! same events agrees. Ids the plan no longer has are kept (a doc edited
//! mid-launch) but simply not shown.

use std::collections::HashMap;

use crate::event::{Actor, Body, Event, Outcome, Subject};

use super::runs::{Folded, Runs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ItemStatus {
    #[default]
    Open,
    Done,
    Skipped,
}

/// One checklist item as the room sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemState {
    pub status: ItemStatus,
    /// Who ticked or skipped it, and when.
    pub by: Option<(Actor, i64)>,
    /// The skip reason, or the evidence of an automatic tick.
    pub note: Option<String>,
    /// Who is on it (cleared when it is done, skipped or undone).
    pub claimed: Option<(Actor, i64)>,
    /// The seq and time of its last `checklist.undone` (kept through later
    /// ticks and skips): what an automatic tick must come after (see
    /// `launch::verify`).
    pub undone: Option<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StepStatus {
    #[default]
    Pending,
    /// A run holds the step's lock (see [`Runs`] for whether it is abandoned).
    Running {
        run: String,
    },
    Done,
    Failed {
        outcome: Outcome,
    },
    Skipped,
}

/// One runbook step as the room sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StepState {
    pub status: StepStatus,
    pub by: Option<(Actor, i64)>,
    /// The skip reason.
    pub note: Option<String>,
    /// The last run that held the step, for its output and exit code.
    pub last_run: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunbookState {
    pub steps: HashMap<String, StepState>,
    /// Who gave up, when and why; cleared by a restart.
    pub aborted: Option<(Actor, i64, String)>,
}

/// Checklists, runbooks and runs of the room.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    items: HashMap<String, ItemState>,
    runbooks: HashMap<String, RunbookState>,
    pub runs: Runs,
    last_seq: i64,
}

impl Progress {
    /// Folds one event; events already folded and other kinds are ignored.
    pub fn apply(&mut self, event: &Event) {
        if event.seq <= self.last_seq {
            return;
        }
        self.last_seq = event.seq;
        let Some(body) = event.body() else { return };
        let stamp = || Some((event.actor.clone(), event.at_ms));
        match body {
            Body::ChecklistTicked { item, evidence, .. } => {
                let s = self.items.entry(item.clone()).or_default();
                if s.status == ItemStatus::Open {
                    *s = ItemState { status: ItemStatus::Done, by: stamp(), note: evidence.clone(), claimed: None, undone: s.undone };
                }
            }
            Body::ChecklistSkipped { item, reason, .. } => {
                let s = self.items.entry(item.clone()).or_default();
                if s.status == ItemStatus::Open {
                    *s =
                        ItemState { status: ItemStatus::Skipped, by: stamp(), note: Some(reason.clone()), claimed: None, undone: s.undone };
                }
            }
            Body::ChecklistClaimed { item, .. } => {
                let s = self.items.entry(item.clone()).or_default();
                if s.status == ItemStatus::Open {
                    s.claimed = stamp();
                }
            }
            Body::ChecklistUndone { item, .. } => {
                self.items.insert(item.clone(), ItemState { undone: Some((event.seq, event.at_ms)), ..ItemState::default() });
            }
            Body::StepConfirmed { runbook, step, .. } => {
                let s = self.step_mut(runbook, step);
                if !matches!(s.status, StepStatus::Done | StepStatus::Running { .. }) {
                    *s = StepState { status: StepStatus::Done, by: stamp(), note: None, last_run: s.last_run.clone() };
                }
            }
            Body::StepSkipped { runbook, step, reason, .. } => {
                let s = self.step_mut(runbook, step);
                if !matches!(s.status, StepStatus::Done | StepStatus::Running { .. }) {
                    *s = StepState { status: StepStatus::Skipped, by: stamp(), note: Some(reason.clone()), last_run: s.last_run.clone() };
                }
            }
            Body::RunbookAborted { runbook, reason } => {
                self.runbooks.entry(runbook.clone()).or_default().aborted = Some((event.actor.clone(), event.at_ms, reason.clone()));
            }
            Body::RunbookRestarted { runbook } => {
                self.runbooks.insert(runbook.clone(), RunbookState::default());
            }
            Body::RunClaimed { run, subject, .. } => {
                // A repeated run id is ignored (see [`super::runs`]): it must not move the step back.
                let holds = self.runs.apply(event, body) == Folded::Claimed && self.runs.held(run).is_some();
                if let (true, Subject::Step { runbook, step }) = (holds, subject) {
                    let s = self.step_mut(runbook, step);
                    *s = StepState {
                        status: StepStatus::Running { run: run.clone() },
                        by: stamp(),
                        note: None,
                        last_run: Some(run.clone()),
                    };
                }
            }
            Body::RunRenewed { .. } => {
                self.runs.apply(event, body);
            }
            Body::RunFinished { run, outcome, .. } => {
                self.runs.apply(event, body);
                let subject = self.runs.held(run).map(|c| c.subject.clone());
                if let Some(Subject::Step { runbook, step }) = subject {
                    let s = self.step_mut(&runbook, &step);
                    // Only the run that holds the step moves it on (not a stale one after a restart).
                    if s.status == (StepStatus::Running { run: run.clone() }) {
                        s.status = if outcome.is_success() { StepStatus::Done } else { StepStatus::Failed { outcome: *outcome } };
                        s.by = stamp();
                    }
                }
            }
            Body::IncidentOpened { .. }
            | Body::IncidentAcknowledged { .. }
            | Body::IncidentSeverity { .. }
            | Body::IncidentStatus { .. }
            | Body::IncidentRole { .. }
            | Body::IncidentNote { .. }
            | Body::IncidentLink { .. }
            | Body::Marker { .. }
            | Body::SilenceSet { .. }
            | Body::SilenceLifted { .. }
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

    fn step_mut(&mut self, runbook: &str, step: &str) -> &mut StepState {
        self.runbooks.entry(runbook.to_string()).or_default().steps.entry(step.to_string()).or_default()
    }

    pub fn item(&self, id: &str) -> ItemState {
        self.items.get(id).cloned().unwrap_or_default()
    }

    pub fn step(&self, runbook: &str, step: &str) -> StepState {
        self.runbooks.get(runbook).and_then(|r| r.steps.get(step)).cloned().unwrap_or_default()
    }

    pub fn aborted(&self, runbook: &str) -> Option<&(Actor, i64, String)> {
        self.runbooks.get(runbook).and_then(|r| r.aborted.as_ref())
    }
}

/// Done, skipped and total items of a set of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub done: usize,
    pub skipped: usize,
    pub total: usize,
}

impl Tally {
    pub fn add(&mut self, status: ItemStatus) {
        self.total += 1;
        match status {
            ItemStatus::Done => self.done += 1,
            ItemStatus::Skipped => self.skipped += 1,
            ItemStatus::Open => {}
        }
    }

    /// The share done or skipped; `None` when there is nothing to do (never "100 %").
    pub fn ratio(&self) -> Option<f64> {
        (self.total > 0).then(|| (self.done + self.skipped) as f64 / self.total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NewEvent;

    fn ev(seq: i64, who: &str, body: Body) -> Event {
        let actor = Actor { name: who.into(), host: "h".into(), from: None };
        NewEvent::new("room", &actor, 1000 * seq, &body).stored(seq)
    }

    fn fold(bodies: Vec<(&str, Body)>) -> Progress {
        let mut p = Progress::default();
        for (n, (who, b)) in bodies.into_iter().enumerate() {
            p.apply(&ev(n as i64 + 1, who, b));
        }
        p
    }

    #[test]
    fn items_are_claimed_ticked_skipped_and_undone() {
        let item = || "launch/backups".to_string();
        let p = fold(vec![("bob", Body::ChecklistClaimed { text: String::new(), item: item() })]);
        assert_eq!(p.item(&item()).claimed.unwrap().0.name, "bob");
        let p = fold(vec![
            ("bob", Body::ChecklistClaimed { text: String::new(), item: item() }),
            ("alice", Body::ChecklistTicked { text: String::new(), item: item(), evidence: None }),
            ("carol", Body::ChecklistSkipped { text: String::new(), item: item(), reason: "late".into() }),
        ]);
        let s = p.item(&item());
        assert_eq!(s.status, ItemStatus::Done, "a skip after a tick changes nothing");
        assert_eq!(s.by.unwrap().0.name, "alice");
        assert!(s.claimed.is_none());
        let p = fold(vec![
            ("alice", Body::ChecklistTicked { text: String::new(), item: item(), evidence: None }),
            ("alice", Body::ChecklistUndone { text: String::new(), item: item() }),
            ("bob", Body::ChecklistSkipped { text: String::new(), item: item(), reason: "no backups on staging".into() }),
        ]);
        let s = p.item(&item());
        assert_eq!(s.status, ItemStatus::Skipped);
        assert_eq!(s.note.as_deref(), Some("no backups on staging"));
        assert_eq!(s.undone, Some((2, 2_000)), "the undo is remembered through the skip after it");
        assert_eq!(
            fold(vec![("alice", Body::ChecklistTicked { text: String::new(), item: item(), evidence: None })]).item(&item()).undone,
            None
        );
    }

    fn step_claim(run: &str, step: &str) -> Body {
        Body::RunClaimed {
            title: String::new(),
            run: run.into(),
            lock: format!("runbook:deploy/{step}"),
            subject: Subject::Step { runbook: "deploy".into(), step: step.into() },
            lease_ms: 30_000,
        }
    }

    fn step_finish(run: &str, outcome: Outcome, code: i32) -> Body {
        Body::RunFinished { run: run.into(), outcome, exit_code: Some(code), duration_ms: 10, output: String::new(), truncated: false }
    }

    #[test]
    fn steps_run_fail_retry_and_succeed() {
        let p = fold(vec![("alice", step_claim("r1", "migrate"))]);
        assert_eq!(p.step("deploy", "migrate").status, StepStatus::Running { run: "r1".into() });
        let p = fold(vec![("alice", step_claim("r1", "migrate")), ("alice", step_finish("r1", Outcome::Failed, 2))]);
        assert_eq!(p.step("deploy", "migrate").status, StepStatus::Failed { outcome: Outcome::Failed });
        let p = fold(vec![
            ("alice", step_claim("r1", "migrate")),
            ("alice", step_finish("r1", Outcome::Failed, 2)),
            ("bob", step_claim("r2", "migrate")),
            ("bob", step_finish("r2", Outcome::Succeeded, 0)),
        ]);
        let s = p.step("deploy", "migrate");
        assert_eq!(s.status, StepStatus::Done);
        assert_eq!(s.last_run.as_deref(), Some("r2"));
        assert_eq!(s.by.unwrap().0.name, "bob");
    }

    #[test]
    fn a_losing_claim_does_not_touch_the_step() {
        let p = fold(vec![("alice", step_claim("r1", "migrate")), ("bob", step_claim("r2", "migrate"))]);
        assert_eq!(p.step("deploy", "migrate").status, StepStatus::Running { run: "r1".into() });
        assert!(p.runs.get("r2").unwrap().lost);
    }

    #[test]
    fn a_repeated_claim_of_a_finished_run_leaves_the_step_done() {
        let p = fold(vec![
            ("alice", step_claim("r1", "migrate")),
            ("alice", step_finish("r1", Outcome::Succeeded, 0)),
            ("alice", step_claim("r1", "migrate")),
        ]);
        assert_eq!(p.step("deploy", "migrate").status, StepStatus::Done);
        assert!(p.runs.active("runbook:deploy/migrate").is_none());
    }

    #[test]
    fn manual_steps_abort_and_restart() {
        let confirm = |s: &str| Body::StepConfirmed { title: String::new(), runbook: "deploy".into(), step: s.into() };
        let p = fold(vec![
            ("alice", confirm("announce")),
            ("alice", Body::StepSkipped { title: String::new(), runbook: "deploy".into(), step: "cdn".into(), reason: "no CDN".into() }),
            ("alice", Body::RunbookAborted { runbook: "deploy".into(), reason: "db down".into() }),
        ]);
        assert_eq!(p.step("deploy", "announce").status, StepStatus::Done);
        assert_eq!(p.step("deploy", "cdn").status, StepStatus::Skipped);
        assert_eq!(p.aborted("deploy").unwrap().2, "db down");
        let p = fold(vec![("alice", confirm("announce")), ("bob", Body::RunbookRestarted { runbook: "deploy".into() })]);
        assert_eq!(p.step("deploy", "announce").status, StepStatus::Pending);
        assert!(p.aborted("deploy").is_none());
    }

    #[test]
    fn tallies_count_skips_as_progress() {
        let mut t = Tally::default();
        for s in [ItemStatus::Done, ItemStatus::Skipped, ItemStatus::Open, ItemStatus::Open] {
            t.add(s);
        }
        assert_eq!((t.done, t.skipped, t.total), (1, 1, 4));
        assert!((t.ratio().unwrap_or(0.0) - 0.5).abs() < 1e-9);
        assert_eq!(Tally::default().ratio(), None);
    }
}
