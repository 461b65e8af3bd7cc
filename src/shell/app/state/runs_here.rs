//! This console's part in the room's runs: the claims it appended that have
//! not come back from the store yet, its last claim that lost (and what the
//! status bar said about it), and the output of the commands running here.
//!
//! A runnable step or rollback never runs straight from a key: the key
//! appends a claim, and the run starts only when that claim comes back from
//! the store and holds its lock (see [`opsdeck_core::launch::runs`]). A
//! claim coming back is judged here: one that lost says who runs it; one
//! that took too long to reach the room is recorded as not started; one
//! that holds goes back to the state, which asks the runbook or the
//! rollbacks what to run. When a run of this console ends, what the status
//! bar said as it started (`running …`) is taken down if it still shows
//! (the run's end is recorded without a word: the user did not append it).

use std::collections::HashMap;

use super::chrome::Chrome;
use super::effect::Effect;
use crate::adapters::journal::{Body, Event, Outcome, Subject};
use crate::shell::app::live::LiveOutput;
use opsdeck_core::format::clock;
use opsdeck_core::launch::{Claim, Progress};

/// How long a claim's lease lasts without renewal; the running console
/// renews it every third of this.
pub const LEASE_MS: i64 = 30_000;
/// A claim that took longer than this to reach the room (the store was
/// away) is not run: the moment to run it has passed.
pub(crate) const CLAIM_TOO_LATE_MS: i64 = 15_000;

/// A claim this console appended: what it is for, and when it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingClaim {
    subject: Subject,
    asked_ms: i64,
}

#[derive(Debug, Clone, Default)]
pub struct RunsHere {
    /// Runs this console claimed, waiting for the claim to come back.
    claims: HashMap<String, PendingClaim>,
    /// This console's last claim that lost, and what the status bar said
    /// about it: said again when the claim it lost to ends.
    lost_claim: Option<(String, String)>,
    /// Output of the runs this console is executing, as they print.
    live: HashMap<String, LiveOutput>,
    /// What the status bar said when each of them started.
    said: HashMap<String, String>,
}

/// What an event from the room did to this console's runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Back {
    Nothing,
    /// This console's claim came back holding, in time: start its run.
    Holds {
        run: String,
        subject: Subject,
    },
    /// Append these (a claim that came back too late is not run).
    Record(Vec<Effect>),
}

impl RunsHere {
    /// This console appended a claim of `run` for `subject`.
    pub(super) fn claim(&mut self, run: String, subject: Subject, asked_ms: i64) {
        self.claims.insert(run, PendingClaim { subject, asked_ms });
    }

    /// A claim of ours for `subject` is on its way to the room.
    pub fn is_claiming(&self, subject: &Subject) -> bool {
        self.claims.values().any(|p| p.subject == *subject)
    }

    /// The loop started `run` here, while the status bar said `said`.
    pub fn started(&mut self, run: String, live: LiveOutput, said: Option<String>) {
        if let Some(text) = said {
            self.said.insert(run.clone(), text);
        }
        self.live.insert(run, live);
    }

    /// The output of `run`, if it runs here.
    pub fn live(&self, run: &str) -> Option<&LiveOutput> {
        self.live.get(run)
    }

    pub fn is_live(&self, run: &str) -> bool {
        self.live.contains_key(run)
    }

    /// Something runs here now.
    pub fn any_live(&self) -> bool {
        !self.live.is_empty()
    }

    /// Folds an event into this console's runs: a claim of ours coming
    /// back, a run ending (its output is no longer live; a lost claim's
    /// message is corrected once the claim it lost to ends).
    pub(super) fn apply(&mut self, event: &Event, progress: &Progress, chrome: &mut Chrome) -> Back {
        let Some(body) = event.body() else { return Back::Nothing };
        match body {
            Body::RunClaimed { run, .. } => match self.claims.remove(run) {
                Some(pending) => self.came_back(run, pending, progress, chrome),
                None => Back::Nothing,
            },
            Body::RunFinished { run, .. } => {
                self.live.remove(run);
                if let Some(said) = self.said.remove(run)
                    && chrome.message().is_some_and(|m| m.text == said)
                {
                    chrome.clear_message();
                }
                self.retell_lost_claim(run, progress, chrome);
                Back::Nothing
            }
            _ => Back::Nothing,
        }
    }

    /// This console's claim is back from the room: it holds (and is not too
    /// late), or the status bar says who holds the lock.
    fn came_back(&mut self, run: &str, pending: PendingClaim, progress: &Progress, chrome: &mut Chrome) -> Back {
        let Some(claim) = progress.runs.get(run).cloned() else { return Back::Nothing };
        if claim.lost {
            let text = lost_message(&claim, progress, chrome.tz());
            chrome.error(text.clone());
            self.lost_claim = Some((run.to_string(), text));
            return Back::Nothing;
        }
        let late = chrome.now_ms() - pending.asked_ms;
        if late > CLAIM_TOO_LATE_MS {
            chrome.error("not run: the claim reached the room too late");
            let why = format!("the claim reached the room {}s after it was asked for; not run", late / 1000);
            return Back::Record(vec![not_run(run, why)]);
        }
        Back::Holds { run: run.to_string(), subject: pending.subject }
    }

    /// The claim our lost claim lost to has ended: if the status bar still
    /// names it as running, say how it ended instead.
    fn retell_lost_claim(&mut self, finished: &str, progress: &Progress, chrome: &mut Chrome) {
        let Some((mine, told)) = self.lost_claim.clone() else { return };
        let Some(claim) = progress.runs.get(&mine).cloned() else { return };
        if claim.lost_to.as_deref() != Some(finished) {
            return;
        }
        self.lost_claim = None;
        if chrome.message().is_some_and(|m| m.text == told) {
            chrome.error(lost_message(&claim, progress, chrome.tz()));
        }
    }
}

/// The `run.finished` of a claim that held but is not run, and why.
pub fn not_run(run: &str, why: String) -> Effect {
    Effect::Append(Body::RunFinished {
        run: run.to_string(),
        outcome: Outcome::NotStarted,
        exit_code: None,
        duration_ms: 0,
        output: why,
        truncated: false,
    })
}

/// Why this console's lost claim did not run: who runs it now, or, once
/// the claim it lost to has ended, who claimed it first and how that
/// ended (never naming an ended claim as running).
fn lost_message(claim: &Claim, progress: &Progress, tz: &jiff::tz::TimeZone) -> String {
    let what = match &claim.subject {
        Subject::Rollback { action } | Subject::Verify { action } => action.clone(),
        Subject::Step { .. } => "it".into(),
    };
    let first = claim.lost_to.as_deref().and_then(|r| progress.runs.get(r));
    match first {
        Some(h) if h.is_active() => format!("not run: {} is running {what} since {}", h.actor, clock(h.claimed_at_ms, tz)),
        Some(h) => match &h.finish {
            Some(f) if f.outcome == Outcome::NotStarted => {
                format!(
                    "not run: {} claimed {what} first, but that claim was not started ({}); nothing runs now",
                    h.actor,
                    clock(f.at_ms, tz)
                )
            }
            Some(f) => format!("not run: {} claimed {what} first ({} at {})", h.actor, f.outcome.name(), clock(f.at_ms, tz)),
            None => format!("not run: {} claimed {what} first; its console went quiet", h.actor),
        },
        None => "not run: another console holds the lock".into(),
    }
}
