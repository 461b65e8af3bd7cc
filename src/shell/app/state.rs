//! The console's state and its pure reducer: the one place that changes it.
//! Actions and samples come in; effects that need the outside world (quit,
//! switch theme) go out as [`Effect`]s for the loop to carry out.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::adapters::probe::schedule::Sample;
use crate::shell::action::Action;
use opsdeck_core::config::Plan;
use opsdeck_core::metrics::board::Board;
use opsdeck_core::metrics::{Health, Transition};

use super::form::Form;
use super::live::LiveOutput;
use super::palette;
pub use super::panes::{Pane, SortMode};
use super::purpose::FormPurpose;
use super::room::RoomState;
use crate::adapters::journal::{Actor, Body, Event};
use opsdeck_core::launch::{Launch, Progress};

/// What the user is typing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Palette,
    Filter,
}

/// Something drawn over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: u16 },
    Prompt { kind: PromptKind, text: String },
    Form(Form<FormPurpose>),
}

/// One state change of one check, for the changes pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at_ms: i64,
    pub check: usize,
    pub from: Health,
    pub to: Health,
    pub reason: String,
}

/// How many changes the changes pane keeps.
pub const CHANGES_KEPT: usize = 500;

/// A line for the status bar: information or an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub is_error: bool,
}

/// Work for the loop: things the reducer cannot do itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Load and use this theme.
    SetTheme(String),
    /// Load and use the theme after the current one.
    NextTheme,
    /// Append this event to the room's journal.
    Append(Body),
    /// This console's claim holds: run the step's command now.
    StartRun(StartRun),
    /// Kill the command of this run (it must be this console's).
    CancelRun(String),
    /// Run a rollback's preview here (not claimed): its output comes back
    /// through [`State::preview_done`].
    Preview(StartRun),
    /// Stop the running preview: its form was closed.
    StopPreview,
}

/// What the loop needs to run a claimed step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRun {
    pub run: String,
    pub script: String,
    pub env: Vec<(String, String)>,
    pub cwd: Option<std::path::PathBuf>,
    pub timeout: std::time::Duration,
    pub lease_ms: i64,
}

/// Everything the console shows.
#[derive(Debug, Clone)]
pub struct State {
    pub title: String,
    pub environment: String,
    pub production: bool,
    /// The war room: its incidents, events, people and store.
    pub room: RoomState,
    pub board: Board,
    pub changes: VecDeque<Change>,
    pub focus: Pane,
    /// Selected position in the metrics pane's visible order.
    pub selected: usize,
    /// First visible change (0 = newest).
    pub changes_scroll: usize,
    /// Row index of the check whose detail is open.
    pub detail: Option<usize>,
    /// Selected position in the incidents pane.
    pub incident_selected: usize,
    /// The incident whose detail is open.
    pub incident_open: Option<i64>,
    /// The room's timeline is shown instead of the panes.
    pub timeline_open: bool,
    /// First visible timeline event (0 = newest).
    pub timeline_scroll: usize,
    pub overlay: Overlay,
    pub filter: String,
    pub sort: SortMode,
    pub message: Option<Message>,
    /// Current time (unix ms), set by the loop before each frame.
    pub now_ms: i64,
    /// The time zone wall-clock times are shown in (the system's).
    pub tz: jiff::tz::TimeZone,
    /// Rows that fit in the metrics pane, set by the loop from the last frame.
    pub page_rows: usize,
    pub theme_name: String,
    /// Warnings and errors written to the log file so far.
    pub log_warnings: usize,
    /// The plan's checklists and runbooks, and the room's progress on them.
    pub launch: Launch,
    pub progress: Progress,
    /// What the main area shows: metrics, the checklist or a runbook.
    pub main: Pane,
    /// Selected position among the checklist's visible items.
    pub item_selected: usize,
    /// Which runbook the runbook pane shows, and its selected step.
    pub runbook_at: usize,
    pub step_selected: usize,
    /// Runs this console claimed, waiting for the claim to come back.
    pub claims: HashMap<String, PendingClaim>,
    /// This console's last claim that lost, and what the status bar said
    /// about it: said again when the claim it lost to ends.
    pub lost_claim: Option<(String, String)>,
    /// Output of the runs this console is executing, as they print.
    pub live: HashMap<String, LiveOutput>,
    /// Items this console asked to tick from a check, not yet back from the room.
    pub verifying: HashSet<String>,
    /// The runbook's next step before the last event, so the cursor can follow it.
    pub(crate) next_step_before_follow: Option<usize>,
    /// Quit was pressed once while a step runs here.
    pub quit_armed: bool,
    /// The plan's rollback actions, and the selected one in the rollback pane.
    pub rollback_defs: Vec<opsdeck_core::config::sections::Rollback>,
    pub rollback_selected: usize,
    /// The room's requests, firings and proposals (see [`opsdeck_core::rollback`]).
    pub rollbacks: opsdeck_core::rollback::Rollbacks,
    /// The plan's triggers, fed with samples and journal events.
    pub triggers: opsdeck_core::trigger::Engine,
    /// Every trigger's status at the last clock tick.
    pub trigger_reports: Vec<opsdeck_core::trigger::Report>,
    /// This console's id in the room (the journal's), for acting on proposals it recorded.
    pub console: String,
    /// Rollback runs this console started: run id → action (for the verify that follows).
    pub rollback_runs: HashMap<String, String>,
    /// Two-person requests this console made, waiting for approval: request → action.
    pub my_requests: HashMap<String, String>,
    /// Proposals this console answered `run`, waiting for the decision to come back: proposal seq → action.
    pub my_decisions: HashMap<i64, String>,
    /// Proposals whose countdown this console already decided.
    pub deadlines_decided: HashSet<i64>,
    /// The action whose preview is running here.
    pub previewing: Option<String>,
    /// The user has moved in the runbook pane; before that the cursor
    /// follows the room's next step.
    pub runbook_touched: bool,
}

/// A claim this console appended: what it is for, and when it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingClaim {
    pub subject: crate::adapters::journal::Subject,
    pub asked_ms: i64,
}

impl State {
    pub fn new(plan: &Plan, theme_name: &str, now_ms: i64) -> State {
        let mut room = RoomState::new(plan.deck.room(), Actor::unknown(), false, plan.severities.clone());
        room.silences = opsdeck_core::domain::silences::Silences::planned(&plan.maintenance);
        State {
            title: plan.deck.name.clone(),
            environment: plan.deck.environment.clone(),
            production: plan.deck.is_production(),
            room,
            board: Board::from_plan(plan),
            changes: VecDeque::new(),
            focus: Pane::Metrics,
            selected: 0,
            changes_scroll: 0,
            detail: None,
            incident_selected: 0,
            incident_open: None,
            timeline_open: false,
            timeline_scroll: 0,
            overlay: Overlay::None,
            filter: String::new(),
            sort: SortMode::Worst,
            message: None,
            now_ms,
            tz: jiff::tz::TimeZone::system(),
            page_rows: 10,
            theme_name: theme_name.to_string(),
            log_warnings: 0,
            launch: Launch::default(),
            progress: Progress::default(),
            main: Pane::Metrics,
            item_selected: 0,
            runbook_at: 0,
            step_selected: 0,
            claims: HashMap::new(),
            lost_claim: None,
            live: HashMap::new(),
            verifying: HashSet::new(),
            next_step_before_follow: None,
            quit_armed: false,
            rollback_defs: plan.rollbacks.clone(),
            rollback_selected: 0,
            rollbacks: opsdeck_core::rollback::Rollbacks::default(),
            triggers: opsdeck_core::trigger::Engine::from_plan(plan),
            trigger_reports: Vec::new(),
            console: opsdeck_core::event::fresh_key()[..12].to_string(),
            rollback_runs: HashMap::new(),
            my_requests: HashMap::new(),
            my_decisions: HashMap::new(),
            deadlines_decided: HashSet::new(),
            previewing: None,
            runbook_touched: false,
        }
    }

    /// The state with the plan's checklists and runbooks.
    pub fn with_launch(mut self, launch: Launch) -> State {
        for book in &launch.runbooks {
            for action in book.rollback_actions() {
                if !self.rollback_defs.iter().any(|r| r.id == action.id) {
                    self.rollback_defs.push(action);
                }
            }
        }
        self.launch = launch;
        self.next_step_before_follow = self.current_runbook().and_then(|b| self.next_step(b));
        self
    }

    /// Row indexes of the metrics pane, filtered and sorted.
    pub fn visible_rows(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..self.board.rows.len())
            .filter(|&i| {
                let r = &self.board.rows[i];
                needle.is_empty()
                    || [r.id.as_str(), r.name.as_str(), r.kind, r.group.as_deref().unwrap_or(""), r.health().label()]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect();
        let rows_ref = &self.board.rows;
        match self.sort {
            SortMode::Worst => rows.sort_by(|&a, &b| {
                let (ra, rb) = (&rows_ref[a], &rows_ref[b]);
                rb.health().severity().cmp(&ra.health().severity()).then_with(|| ra.name.cmp(&rb.name))
            }),
            SortMode::Name => rows.sort_by(|&a, &b| rows_ref[a].name.cmp(&rows_ref[b].name)),
            SortMode::Changed => rows.sort_by_key(|&i| std::cmp::Reverse(rows_ref[i].eval.since_ms().unwrap_or(i64::MIN))),
        }
        rows
    }

    /// The row index under the cursor, if any.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible_rows().get(self.selected).copied()
    }

    /// Applies a probe sample, recording any state change.
    pub fn apply_sample(&mut self, sample: &Sample) {
        let selected = self.selected_row();
        if let Some(t) = self.board.apply(sample) {
            self.record(sample.check, t);
        }
        if let Some(row) = self.board.rows.get(sample.check) {
            self.triggers.observe(&opsdeck_core::trigger::Observed::from_row(row, sample));
        }
        self.keep_selection(selected);
    }

    /// Advances the clock: staleness.
    pub fn tick(&mut self, now_ms: i64) {
        self.now_ms = now_ms;
        // Maintenance windows of the plan that are open now silence triggers too.
        let planned: Vec<(String, i64, String)> = self
            .room
            .silences
            .all_active(now_ms)
            .filter(|(_, s)| s.by.name == "plan" && s.by.host == "maintenance")
            .map(|(t, s)| (t.to_string(), s.until_ms, s.reason.clone()))
            .collect();
        for (target, until_ms, reason) in planned {
            self.triggers.context_mut().silence(&target, until_ms, &reason);
        }
        let selected = self.selected_row();
        for (i, t) in self.board.tick(now_ms) {
            self.record(i, t);
        }
        self.keep_selection(selected);
    }

    fn record(&mut self, check: usize, t: Transition) {
        let id = self.board.rows.get(check).map_or("?", |r| r.id.as_str());
        tracing::info!(check = id, from = t.from.label(), to = t.to.label(), "{}", t.reason);
        // Newest first, by the time the change happened.
        let at = self.changes.iter().position(|c| c.at_ms <= t.at_ms).unwrap_or(self.changes.len());
        self.changes.insert(at, Change { at_ms: t.at_ms, check, from: t.from, to: t.to, reason: t.reason });
        self.changes.truncate(CHANGES_KEPT);
        if self.changes_scroll > 0 {
            // Keep the user's place while they read older changes.
            self.changes_scroll = (self.changes_scroll + 1).min(self.changes.len().saturating_sub(1));
        }
    }

    /// Re-sorting must not move the cursor off the check the user was on.
    fn keep_selection(&mut self, row: Option<usize>) {
        if let Some(row) = row
            && let Some(pos) = self.visible_rows().iter().position(|&r| r == row)
        {
            self.selected = pos;
        }
    }

    fn clamp(&mut self) {
        let n = self.visible_rows().len();
        self.selected = self.selected.min(n.saturating_sub(1));
        self.changes_scroll = self.changes_scroll.min(self.changes.len().saturating_sub(1));
        self.incident_selected = self.incident_selected.min(self.room.incidents.len().saturating_sub(1));
        self.timeline_scroll = self.timeline_scroll.min(self.room.events.len().saturating_sub(1));
        self.item_selected = self.item_selected.min(self.visible_items().len().saturating_sub(1));
        self.runbook_at = self.runbook_at.min(self.launch.runbooks.len().saturating_sub(1));
        let steps = self.current_runbook().map_or(0, |r| r.steps.len());
        self.step_selected = self.step_selected.min(steps.saturating_sub(1));
        self.rollback_selected = self.rollback_selected.min(self.rollback_defs.len().saturating_sub(1));
    }

    /// Panes in Tab order: the checklist and runbook only when the plan has them.
    pub fn panes(&self) -> Vec<Pane> {
        Pane::ALL
            .into_iter()
            .filter(|p| match p {
                Pane::Checklist => !self.launch.checklists.is_empty(),
                Pane::Runbook => !self.launch.runbooks.is_empty(),
                Pane::Rollback => !self.rollback_defs.is_empty() || !self.triggers.rules().is_empty(),
                _ => true,
            })
            .collect()
    }

    /// Focuses a pane; a main pane also takes the main area.
    pub fn focus_pane(&mut self, pane: Pane) {
        self.focus = pane;
        if pane.is_main() {
            self.main = pane;
        }
        self.detail = None;
        self.incident_open = None;
        self.timeline_open = false;
    }

    /// Folds an event from the store; returns what it sets off here (a
    /// claim of this console that holds starts its run).
    pub fn apply_event(&mut self, event: Event) -> Vec<Effect> {
        let opened_by_me = event.kind == "incident.opened" && event.actor == self.room.actor;
        let seq = event.seq;
        if event.seq <= self.room.last_seq {
            return Vec::new();
        }
        self.progress.apply(&event);
        self.rollbacks.apply(&event);
        self.triggers.context_mut().apply(&event);
        let mut effects = self.launch_event(&event);
        effects.extend(self.rollback_event(&event));
        if self.room.apply(event) && opened_by_me {
            // Put the cursor on the incident this console just opened.
            if let Some(pos) = self.incident_rows().iter().position(|id| *id == seq) {
                self.incident_selected = pos;
            }
        }
        effects
    }

    /// Handles one action; returns the effects for the loop.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.message = None;
        if action != Action::Quit {
            self.quit_armed = false;
        }
        let mut effects = Vec::new();
        match (&mut self.overlay, action) {
            (_, Action::Quit) if !self.live.is_empty() && !self.quit_armed => {
                self.quit_armed = true;
                self.error(format!(
                    "a step is running here: quitting kills it and the room sees it abandoned; {} again to quit, {} cancels it",
                    Action::Quit.key(),
                    Action::StepCancel.key()
                ));
            }
            (_, Action::Quit) => effects.push(Effect::Quit),
            (Overlay::Prompt { .. }, a) => effects.extend(self.prompt_action(a)),
            (Overlay::Form(_), a) => effects.extend(self.form_action(a)),
            (Overlay::Help { .. }, Action::Help | Action::Close) => self.overlay = Overlay::None,
            (Overlay::Help { scroll }, a) => {
                *scroll = match a {
                    Action::Up => scroll.saturating_sub(1),
                    Action::Down => scroll.saturating_add(1),
                    Action::PageUp => scroll.saturating_sub(10),
                    Action::PageDown => scroll.saturating_add(10),
                    Action::Top => 0,
                    _ => *scroll,
                }
            }
            (Overlay::None, a) => effects.extend(self.pane_action(a)),
        }
        self.clamp();
        effects
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: false });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), is_error: true });
    }
}

mod input;
mod offline;

pub use offline::QUEUED_OFFLINE;

#[cfg(test)]
mod tests;
