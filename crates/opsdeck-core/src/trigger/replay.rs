//! Shadow replay: the metrics evaluation and the trigger engine re-run over
//! recorded samples and journal events, in time order, producing a
//! timeline of what the triggers would have done. Nothing is run or
//! appended. Pure: the clock formatter is passed in.
//!
//! Between samples the replay steps once a second, as the console's clock
//! does, so staleness, grace and cooldown ends and countdown deadlines
//! land on time.

use std::collections::HashMap;

use crate::config::Plan;
use crate::config::sections::{OnNoAnswer, TriggerMode};
use crate::event::Event;
use crate::metrics::board::Board;
use crate::metrics::describe::format_duration_ms;
use crate::recorded::RecordedSample;

use super::countdown::{Answer, Decision, Proposal};
use super::engine::Engine;
use super::observed::Observed;
use super::status::{Firing, Status};

/// The console's clock step.
const STEP_MS: i64 = 1_000;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Happening {
    pub at_ms: i64,
    pub trigger: String,
    /// The status entered (see [`Status::name`]), or `proposal` for what a proposal would do.
    pub status: &'static str,
    pub text: String,
}

/// What a replay saw and would have done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replay {
    pub timeline: Vec<Happening>,
    /// Samples replayed.
    pub samples: usize,
    /// Recorded check ids the plan no longer has (their samples were skipped).
    pub unknown_checks: Vec<String>,
    /// Conditions the engine could not use.
    pub problems: Vec<String>,
}

/// Replays `samples` (any order; sorted here) with the journal `events`
/// (markers and silences; earlier ones apply from the start). `clock`
/// formats a time for the text (`14:02:11`).
pub fn replay(plan: &Plan, samples: &[RecordedSample], events: &[Event], clock: &dyn Fn(i64) -> String) -> Replay {
    let mut samples: Vec<&RecordedSample> = samples.iter().collect();
    samples.sort_by_key(|s| s.at_ms);
    let mut events: Vec<&Event> = events.iter().collect();
    events.sort_by_key(|e| (e.at_ms, e.seq));
    let index: HashMap<&str, usize> = plan.checks.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();

    let mut run = Run {
        board: Board::from_plan(plan),
        engine: Engine::from_plan(plan),
        events,
        next_event: 0,
        last: HashMap::new(),
        proposals: Vec::new(),
        out: Replay::default(),
        clock,
    };
    run.out.problems = run.engine.problems().to_vec();
    let Some(first) = samples.first() else {
        return run.out;
    };
    let mut next_tick = first.at_ms - first.at_ms.rem_euclid(STEP_MS) + STEP_MS;
    for s in &samples {
        // The clock between samples; a gap longer than an hour is skipped over.
        if s.at_ms - next_tick > crate::recorded::RETENTION_MS {
            next_tick = s.at_ms - s.at_ms.rem_euclid(STEP_MS);
        }
        while next_tick < s.at_ms {
            run.board.tick(next_tick);
            run.step(next_tick);
            next_tick += STEP_MS;
        }
        let Some(&i) = index.get(s.check.as_str()) else {
            if !run.out.unknown_checks.contains(&s.check) {
                run.out.unknown_checks.push(s.check.clone());
            }
            continue;
        };
        let sample = s.to_sample(i);
        run.board.apply(&sample);
        if let Some(row) = run.board.rows.get(i) {
            run.engine.observe(&Observed::from_row(row, &sample));
        }
        run.out.samples += 1;
        run.step(s.at_ms);
    }
    // Let open countdowns end, as they would have.
    if let Some(last) = samples.last() {
        let end = run.proposals.iter().filter_map(|p| p.deadline_ms).max().unwrap_or(last.at_ms).min(last.at_ms + 10 * 60_000);
        while next_tick <= end {
            run.step_proposals(next_tick);
            next_tick += STEP_MS;
        }
    }
    run.out
}

/// A grace or silence that holds back a firing: worth a line of its own.
fn holds_back(status: &Status) -> bool {
    matches!(status, Status::Grace { held: Some(_), .. } | Status::Silenced { held: Some(_), .. })
}

struct Run<'a> {
    board: Board,
    engine: Engine,
    events: Vec<&'a Event>,
    next_event: usize,
    /// Each trigger's last status name, and whether it held something back.
    last: HashMap<String, (&'static str, bool)>,
    proposals: Vec<Proposal>,
    out: Replay,
    clock: &'a dyn Fn(i64) -> String,
}

impl Run<'_> {
    fn step(&mut self, now: i64) {
        while let Some(e) = self.events.get(self.next_event).filter(|e| e.at_ms <= now) {
            self.engine.context_mut().apply(e);
            self.next_event += 1;
        }
        for report in self.engine.evaluate(now) {
            let key = (report.status.name(), holds_back(&report.status));
            let previous = self.last.insert(report.trigger.clone(), key);
            let before = previous.map(|k| k.0);
            let changed = previous != Some(key);
            if let Status::Firing(f) = &report.status {
                self.fired(f);
            } else if changed
                && !(before.is_none() && report.status == Status::Armed)
                && before != Some("firing")
                && let Some(text) = self.describe(&report.status, before)
            {
                self.push(now, &report.trigger, report.status.name(), text);
            }
        }
        self.step_proposals(now);
    }

    fn step_proposals(&mut self, now: i64) {
        let decided: Vec<Decision> = self.proposals.iter_mut().filter_map(|p| p.tick(now)).collect();
        for d in decided {
            let (trigger, text) = match d {
                Decision::Run { trigger, rollback, by: Answer::NoAnswer, .. } => {
                    (trigger, format!("countdown over, nobody answered: would run {rollback}"))
                }
                Decision::Cancelled { trigger, rollback, .. } => {
                    (trigger, format!("countdown over, nobody answered: would drop the proposal of {rollback}"))
                }
                // A replay has nobody to answer.
                Decision::Run { trigger, .. } | Decision::Vetoed { trigger, .. } => (trigger, String::new()),
            };
            if !text.is_empty() {
                self.push(now, &trigger, "proposal", text);
            }
        }
        self.proposals.retain(Proposal::is_open);
    }

    fn fired(&mut self, f: &Firing) {
        let mode = match (f.mode, &f.frozen) {
            (_, Some(freeze)) => format!("advise only, frozen by \"{freeze}\""),
            (TriggerMode::Advise, None) => "advise".into(),
            (TriggerMode::Confirm, None) => "confirm".into(),
            (TriggerMode::Auto, None) => "auto".into(),
        };
        let Some(rule) = self.engine.rules().iter().find(|r| r.id == f.trigger).cloned() else {
            return;
        };
        let cooldown = if rule.cooldown_ms > 0 {
            format!(" (no new firing before {})", (self.clock)(f.at_ms.saturating_add(rule.cooldown_ms)))
        } else {
            String::new()
        };
        self.push(f.at_ms, &f.trigger, "firing", format!("would fire ({mode}): {}{cooldown}", f.reason));
        let Some(p) = Proposal::from_firing(f, &rule) else {
            return;
        };
        let text = match (p.mode, p.deadline_ms) {
            (TriggerMode::Auto, Some(deadline)) => {
                let then = match p.on_no_answer {
                    OnNoAnswer::Run => "run it",
                    OnNoAnswer::Cancel => "drop it",
                };
                format!(
                    "would start a {} countdown to run {} (anyone can veto; at {} with no answer: {then})",
                    format_duration_ms(deadline - f.at_ms),
                    p.rollback,
                    (self.clock)(deadline)
                )
            }
            _ => format!("would propose {} and wait for a person to confirm", p.rollback),
        };
        self.push(f.at_ms, &f.trigger, "proposal", text);
        self.proposals.push(p);
    }

    fn describe(&self, status: &Status, before: Option<&str>) -> Option<String> {
        let clock = self.clock;
        let otherwise = |held: &Option<String>| held.as_ref().map(|h| format!("; would otherwise fire: {h}")).unwrap_or_default();
        Some(match status {
            Status::Armed => match before {
                Some("cooling_down") => "cooled down, armed again".into(),
                Some("grace") => "grace over, armed".into(),
                Some("silenced") => "silence over, armed".into(),
                Some("latched") => "conditions cleared, armed again".into(),
                _ => "conditions clear, armed".into(),
            },
            Status::Pending { needs_ms, reason, .. } => format!("pending: {reason}; would fire in {}", format_duration_ms(*needs_ms)),
            Status::Unknown { reason } => format!("cannot judge, will not fire: {reason}"),
            Status::Grace { until_ms, marker, held } => {
                format!("would be in grace until {} after marker \"{marker}\"{}", clock(*until_ms), otherwise(held))
            }
            Status::Silenced { target, reason, until_ms, held } => {
                format!("silenced ({target}: {reason}) until {}{}", clock(*until_ms), otherwise(held))
            }
            Status::CoolingDown { until_ms, .. } => format!("cooling down until {}", clock(*until_ms)),
            Status::Latched { .. } => "still holding; fires again once the conditions clear".into(),
            Status::Firing(_) => return None,
        })
    }

    fn push(&mut self, at_ms: i64, trigger: &str, status: &'static str, text: String) {
        self.out.timeline.push(Happening { at_ms, trigger: trigger.to_string(), status, text });
    }
}
