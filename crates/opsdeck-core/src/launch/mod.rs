//! The launch: what the plan asks people to get done, and how far the room
//! has got. The definitions here are the plan's checklists and runbooks (inline or
//! read from Markdown by the binary's `launch_docs`) with stable ids; [`progress`] folds
//! the room's journal into who ticked, claimed, skipped, confirmed and ran
//! what; [`runs`] keeps the claimed command runs and who holds each lock;
//! [`verify`] says when a verifying check may tick an item, and with which key.
//!
//! Definitions come from the plan, progress only from the journal, so
//! editing a doc keeps the room's progress for every item whose id is kept.

pub mod progress;
pub mod runs;
pub mod verify;

use std::path::PathBuf;
use std::time::Duration;

pub use progress::{ItemState, ItemStatus, Progress, StepState, StepStatus, Tally};
pub use runs::{Claim, Folded, Runs};

/// Every checklist and runbook of the plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Launch {
    pub checklists: Vec<ChecklistDef>,
    pub runbooks: Vec<RunbookDef>,
    /// Problems reading the Markdown files (`deploy.md:12: …`).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistDef {
    pub id: String,
    pub title: String,
    pub phases: Vec<PhaseDef>,
}

/// A heading of the doc (or an inline `phase`) and its items.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseDef {
    pub title: String,
    /// 0 for a top-level heading.
    pub depth: usize,
    pub items: Vec<ItemDef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemDef {
    /// `checklist/item`: what journal events name.
    pub id: String,
    pub text: String,
    /// A check whose holding ticks the item.
    pub verify: Option<String>,
    /// The instructions under the item in its document (nested bullets, paragraphs).
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunbookDef {
    pub id: String,
    pub title: String,
    pub steps: Vec<StepDef>,
    /// Added to the environment of runnable steps.
    pub env: Vec<(String, String)>,
    /// Working directory of runnable steps (resolved against the plan's directory).
    pub cwd: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepDef {
    /// Stable within the runbook.
    pub id: String,
    pub title: String,
    /// The heading the step sits under, for steps read from Markdown.
    pub phase: Option<String>,
    /// A shell script; `None` for a step done by hand and confirmed.
    pub run: Option<String>,
    /// Ask before running.
    pub confirm: bool,
    pub timeout: Duration,
    /// Also offered as a rollback action (`rollback=true`).
    pub rollback: bool,
    /// The instructions under the step in its document (nested bullets, paragraphs, reference blocks).
    pub details: Vec<String>,
    /// The command that runs `run` (`["sh"]`, `["bash"]`, `["python3"]`); empty means `sh`.
    pub interpreter: Vec<String>,
    /// The step's own working directory (Runme's `cwd`, resolved), before the runbook's.
    pub cwd: Option<std::path::PathBuf>,
    /// May be left out without a reason (Runme's `excludeFromRunAll`).
    pub optional: bool,
    /// A `sql` step: the database it runs against.
    pub sql: Option<SqlSource>,
}

/// Where a `sql` step's database URL comes from: written in the plan (a
/// check's `url`) or an environment variable (`dsn_env`, a check's `url_env`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlSource {
    pub url: Option<String>,
    pub url_env: Option<String>,
}

/// How long a step may run when neither the plan nor the doc says.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(600);

impl Launch {
    pub fn is_empty(&self) -> bool {
        self.checklists.is_empty() && self.runbooks.is_empty()
    }

    /// Every item of every checklist, in order.
    pub fn items(&self) -> impl Iterator<Item = &ItemDef> {
        self.checklists.iter().flat_map(|c| c.phases.iter().flat_map(|p| p.items.iter()))
    }

    pub fn item(&self, id: &str) -> Option<&ItemDef> {
        self.items().find(|i| i.id == id)
    }

    pub fn runbook(&self, id: &str) -> Option<&RunbookDef> {
        self.runbooks.iter().find(|r| r.id == id)
    }
}

impl RunbookDef {
    pub fn step(&self, id: &str) -> Option<(usize, &StepDef)> {
        self.steps.iter().enumerate().find(|(_, s)| s.id == id)
    }

    /// Steps marked `rollback=true`, as guarded rollback actions with the
    /// runbook's environment: id `RUNBOOK/STEP` (see [`readable_step_id`]),
    /// one run at a time per action.
    pub fn rollback_actions(&self) -> Vec<crate::config::sections::Rollback> {
        use crate::config::duration::TimeSpan;
        use crate::config::sections::{ConfirmMode, Danger, Rollback};
        let mut taken: Vec<String> = Vec::new();
        self.steps
            .iter()
            .filter(|s| s.rollback)
            .filter_map(|s| {
                let mut step = readable_step_id(s);
                if taken.contains(&step) {
                    step = format!("{step}-{}", taken.len() + 1);
                }
                taken.push(step.clone());
                Some(Rollback {
                    id: format!("{}/{step}", self.id),
                    title: Some(format!("{}: {}", self.title, s.title)),
                    run: s.run.clone()?,
                    preview: None,
                    verify: None,
                    verify_check: None,
                    timeout: TimeSpan::from_secs(s.timeout.as_secs()),
                    danger: Danger::Medium,
                    confirm: if s.confirm { ConfirmMode::Type } else { ConfirmMode::Enter },
                    lock: None,
                    two_person: false,
                    env: self.env.iter().cloned().collect(),
                    cwd: self.cwd.clone(),
                })
            })
            .collect()
    }

    /// The lock a step's run holds: one run of a step at a time in the room.
    pub fn lock(&self, step: &StepDef) -> String {
        format!("runbook:{}/{}", self.id, step.id)
    }
}

/// The step's part of its rollback id, which a person may have to type to
/// confirm: the step's own name when it was given one (Runme's `name=undo`),
/// else the first words of its title (`flip-the-flag-back`) rather than the
/// hash a nameless step is known by.
pub fn readable_step_id(step: &StepDef) -> String {
    if !is_hashed(&step.id) {
        return step.id.clone();
    }
    let mut words = String::new();
    for word in crate::config::sections::slug(&step.title).split('-').filter(|w| !w.is_empty()) {
        if !words.is_empty() && words.len() + word.len() >= 32 {
            break;
        }
        if !words.is_empty() {
            words.push('-');
        }
        words.push_str(word);
    }
    if words.is_empty() { step.id.clone() } else { words }
}

/// An id made from a hash (10 hex digits, maybe `-N` to tell repeats apart).
fn is_hashed(id: &str) -> bool {
    let (hash, suffix) = id.split_once('-').unwrap_or((id, ""));
    hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && suffix.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, title: &str) -> StepDef {
        StepDef {
            id: id.into(),
            title: title.into(),
            phase: None,
            run: Some("true".into()),
            confirm: true,
            timeout: DEFAULT_STEP_TIMEOUT,
            rollback: true,
            details: Vec::new(),
            interpreter: Vec::new(),
            cwd: None,
            optional: false,
            sql: None,
        }
    }

    #[test]
    fn rollback_steps_get_ids_a_person_can_type() {
        let book = RunbookDef {
            id: "inline".into(),
            title: "Inline".into(),
            steps: vec![
                step("8d49e6a109", "Flip the flag back"),
                step("undo", "Undo the deploy"),
                step("0123456789-2", "Flip the flag back"),
                step("aaaaaaaaaa", "Drain every eu-west-1 worker pool, then page the database on-call"),
                step("bbbbbbbbbb", "!!!"),
            ],
            env: Vec::new(),
            cwd: None,
        };
        let ids: Vec<String> = book.rollback_actions().into_iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "inline/flip-the-flag-back",
                "inline/undo",
                "inline/flip-the-flag-back-3",
                "inline/drain-every-eu-west-1-worker",
                "inline/bbbbbbbbbb"
            ]
        );
    }
}
