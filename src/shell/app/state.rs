//! The console's state and its pure reducer: the one place that changes it.
//! Actions, samples and the room's events come in; effects that need the
//! outside world (quit, switch theme, append, run a command) go out as
//! [`Effect`]s for the loop to carry out.
//!
//! [`State`] is made of parts that own their fields (all private; the ui
//! and the loop read through accessors and change it through methods):
//!
//! - the chrome (`chrome`): title, focus, main area, overlay, status-bar
//!   message, `/` filter, clock, time zone, page size, theme name;
//! - the room's shared folds, which every view reads: the [`RoomState`]
//!   (incidents, silences, events, store, presence, pending events) and the
//!   launch [`Progress`] (items, steps, runs);
//! - this console's runs (`runs_here`): claims on their way, the last
//!   lost claim, the output of commands running here;
//! - the views: [`MetricsView`], [`IncidentsView`], [`LaunchView`] and
//!   [`RollbackView`], each with its own `update(Action, &mut Cx)` for the
//!   keys routed to it and `apply(&Event, &mut Cx)` for the room's events
//!   (the metrics view folds samples instead).
//!
//! A view gets what it needs of the others through a [`Cx`].
//! [`State::update`] routes a key by the overlay and the focus (see
//! `input`); [`State::apply_event`] folds an event into the shared folds,
//! then hands it to this console's runs and to each view. What the loop
//! tells the state otherwise (the room it joined, the store's health, the
//! clock, a run started) has its own methods (see `from_loop`); the
//! countdown the status bar always shows is read in `countdown`.

mod chrome;
mod countdown;
mod cx;
mod effect;
mod from_loop;
mod incidents_view;
mod input;
mod launch_view;
mod metrics_view;
mod rollback_view;
mod runs_here;

pub use self::chrome::{Message, Overlay, PromptKind, QUEUED_OFFLINE};
pub use self::countdown::Countdown;
pub use self::cx::Cx;
pub use self::effect::{Effect, SessionUse, StartRun};
pub use self::incidents_view::IncidentsView;
pub use self::launch_view::{ItemRef, LaunchView};
pub use self::metrics_view::{CHANGES_KEPT, Change, MetricsView};
pub use self::rollback_view::{RollbackView, TYPE_ID};
pub use self::runs_here::{LEASE_MS, RunsHere};
pub use super::panes::{Filtered, Pane, SortMode};

use self::chrome::Chrome;
use self::runs_here::Back;
use super::probing::Probing;
use super::room::{Judged, RoomState};
use crate::adapters::journal::{Actor, Body, Event, Subject};
use crate::adapters::probe::schedule::Sample;
use crate::shell::action::Action;
use opsdeck_core::config::Plan;
use opsdeck_core::config::sections::Rollback;
use opsdeck_core::domain::silences::Silences;
use opsdeck_core::launch::{Launch, Progress, RunbookDef, Tally};

/// Everything the console shows.
#[derive(Debug, Clone)]
pub struct State {
    chrome: Chrome,
    /// The war room: its incidents, events, people and store.
    room: RoomState,
    /// The room's progress through the checklists and runbooks, and its runs.
    progress: Progress,
    runs: RunsHere,
    metrics: MetricsView,
    incidents: IncidentsView,
    launch: LaunchView,
    rollback: RollbackView,
}

/// The part a key is routed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Metrics,
    Incidents,
    Launch,
    Rollback,
}

impl State {
    pub fn new(plan: &Plan, theme_name: &str, now_ms: i64) -> State {
        let metrics = MetricsView::new(plan);
        let checks = metrics.board().rows.iter().map(|r| r.id.clone()).collect();
        let room = RoomState::new(plan.deck.room(), Actor::unknown(), false, plan.severities.clone())
            .with_silences(Silences::planned(&plan.maintenance));
        State {
            chrome: Chrome::new(plan.deck.name.clone(), plan.deck.environment.clone(), plan.deck.is_production(), theme_name, now_ms),
            room,
            progress: Progress::default(),
            runs: RunsHere::default(),
            metrics,
            incidents: IncidentsView::new(checks),
            launch: LaunchView::default(),
            rollback: RollbackView::new(plan),
        }
    }

    /// The state with the plan's checklists and runbooks.
    pub fn with_launch(mut self, launch: Launch) -> State {
        self.rollback.add_runbook_actions(&launch);
        self.launch.load(launch, &self.progress);
        self
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.chrome.say(text);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.chrome.error(text);
    }

    // What the ui reads.

    pub fn title(&self) -> &str {
        self.chrome.title()
    }

    pub fn environment(&self) -> &str {
        self.chrome.environment()
    }

    pub fn production(&self) -> bool {
        self.chrome.production()
    }

    pub fn focus(&self) -> Pane {
        self.chrome.focus()
    }

    /// What the main area shows: metrics, the checklist, a runbook or the rollbacks.
    pub fn main(&self) -> Pane {
        self.chrome.main()
    }

    pub fn overlay(&self) -> &Overlay {
        self.chrome.overlay()
    }

    pub fn message(&self) -> Option<&Message> {
        self.chrome.message()
    }

    /// The `/` filter of one pane (empty when it has none).
    pub fn filter(&self, pane: Filtered) -> &str {
        self.chrome.filter(pane)
    }

    /// Whose filter `/` edits: the timeline's while it is open, else the
    /// focused pane's; `None` for a pane without one.
    pub fn filter_target(&self) -> Option<Filtered> {
        if self.incidents.timeline_open() {
            return Some(Filtered::Timeline);
        }
        match self.chrome.focus() {
            Pane::Metrics | Pane::Changes => Some(Filtered::Metrics),
            Pane::Checklist => Some(Filtered::Checklist),
            Pane::Runbook | Pane::Rollback | Pane::Incidents => None,
        }
    }

    /// A pane's filter changed: its cursor goes to the top.
    fn filtered(&mut self, pane: Filtered) {
        match pane {
            Filtered::Metrics => self.metrics.to_first_row(),
            Filtered::Checklist => self.launch.to_first_item(),
            Filtered::Timeline => self.incidents.to_newest(),
        }
    }

    /// Current time (unix ms), set by the loop before each frame.
    pub fn now_ms(&self) -> i64 {
        self.chrome.now_ms()
    }

    /// The time zone wall-clock times are shown in (the system's).
    pub fn tz(&self) -> &jiff::tz::TimeZone {
        self.chrome.tz()
    }

    /// The state showing wall-clock times in `tz` instead of the system's zone.
    pub fn with_time_zone(mut self, tz: jiff::tz::TimeZone) -> State {
        self.chrome.set_tz(tz);
        self
    }

    pub fn page_rows(&self) -> usize {
        self.chrome.page_rows()
    }

    pub fn theme_name(&self) -> &str {
        self.chrome.theme_name()
    }

    /// Warnings and errors written to the log file so far.
    pub fn log_warnings(&self) -> usize {
        self.chrome.log_warnings()
    }

    /// Quit was pressed once while a step runs here.
    pub fn quit_armed(&self) -> bool {
        self.chrome.quit_armed()
    }

    /// The war room: its incidents, events, people and store.
    pub fn room(&self) -> &RoomState {
        &self.room
    }

    /// The room's progress through the checklists and runbooks, and its runs.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// This console's claims and the commands running here.
    pub fn runs(&self) -> &RunsHere {
        &self.runs
    }

    pub fn metrics(&self) -> &MetricsView {
        &self.metrics
    }

    pub fn incidents(&self) -> &IncidentsView {
        &self.incidents
    }

    pub fn launch(&self) -> &LaunchView {
        &self.launch
    }

    pub fn rollback(&self) -> &RollbackView {
        &self.rollback
    }

    /// Row indexes of the metrics pane, filtered and sorted.
    pub fn visible_rows(&self) -> Vec<usize> {
        self.metrics.visible_rows(self.chrome.filter(Filtered::Metrics))
    }

    /// The row index under the metrics cursor, if any.
    pub fn selected_row(&self) -> Option<usize> {
        self.metrics.selected_row(self.chrome.filter(Filtered::Metrics))
    }

    /// Items the checklist pane lists, filtered by the `/` text.
    pub fn visible_items(&self) -> Vec<ItemRef> {
        self.launch.visible_items(self.chrome.filter(Filtered::Checklist), &self.progress)
    }

    /// Done, skipped and total items over every checklist.
    pub fn launch_tally(&self) -> Tally {
        self.launch.tally(&self.progress)
    }

    /// The first step of a runbook that is neither done nor skipped.
    pub fn next_step(&self, book: &RunbookDef) -> Option<usize> {
        launch_view::next_step(&self.progress, book)
    }

    /// Why a run of `def` needs a second person now, if it does.
    pub fn two_person_rule(&self, def: &Rollback) -> Option<String> {
        RollbackView::two_person_rule(def, &self.room)
    }

    /// The incident the user is on: the open one, or the selected row.
    pub fn current_incident(&self) -> Option<i64> {
        self.incidents.current(&self.room)
    }

    /// The countdown the status bar always shows: the one that ends first
    /// (see `countdown`), if the room runs any.
    pub fn nearest_countdown(&self) -> Option<Countdown> {
        countdown::nearest(&self.room, self.rollback.rollbacks(), self.chrome.tz(), self.chrome.now_ms())
    }

    /// The palette words that complete the typed command, for the status bar.
    pub fn completions(&self) -> Vec<&'static str> {
        self.chrome.completions()
    }

    /// Panes in Tab order: the checklist and runbook only when the plan has them.
    pub fn panes(&self) -> Vec<Pane> {
        let launch = self.launch.defs();
        Pane::ALL
            .into_iter()
            .filter(|p| match p {
                Pane::Checklist => !launch.checklists.is_empty(),
                Pane::Runbook => !launch.runbooks.is_empty(),
                Pane::Rollback => !self.rollback.defs().is_empty() || !self.rollback.triggers().rules().is_empty(),
                _ => true,
            })
            .collect()
    }

    // Samples and the clock.

    /// Applies a probe sample, recording any state change.
    pub fn apply_sample(&mut self, sample: &Sample) -> Vec<Effect> {
        let change = self.metrics.apply_sample(sample, self.chrome.filter(Filtered::Metrics));
        if let Some(row) = self.metrics.board().rows.get(sample.check) {
            self.rollback.observe(row, sample);
        }
        self.judged_for_room(change.into_iter().collect())
    }

    /// Advances the clock: staleness, and the maintenance windows that
    /// silence triggers; returns the stale changes to record for the room.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Effect> {
        self.chrome.set_now(now_ms);
        self.rollback.silence_planned(self.room.silences(), now_ms);
        let changes = self.metrics.tick(now_ms, self.chrome.filter(Filtered::Metrics));
        self.judged_for_room(changes)
    }

    /// Who probes and judges for this console now: the rows probed for the
    /// room follow the room's judge unless this console judges, and a
    /// console that starts following shows the room's last recorded states.
    pub fn set_probing(&mut self, probing: Probing) {
        let following = !probing.judges_here();
        self.room.set_probing(probing);
        self.metrics.follow_room(following);
        if following {
            let judged: Vec<(String, Judged)> = self.room.judged().iter().map(|(id, j)| (id.clone(), j.clone())).collect();
            for (id, j) in judged {
                self.metrics.adopt(&id, j.health, &j.reason, j.since_ms, self.chrome.filter(Filtered::Metrics));
            }
        }
    }

    /// The state changes this console judged, recorded for the room when it
    /// is the room's judge (not those of `local` checks: each console judges
    /// its own).
    fn judged_for_room(&self, changes: Vec<Change>) -> Vec<Effect> {
        if !self.room.probing().records_states() || self.room.read_only() {
            return Vec::new();
        }
        let rows = &self.metrics.board().rows;
        changes
            .into_iter()
            .filter_map(|c| {
                let row = rows.get(c.check).filter(|r| !r.local)?;
                Some(Effect::Append(Body::CheckState {
                    check: row.id.clone(),
                    from: c.from,
                    to: c.to,
                    reason: c.reason,
                    since_ms: c.at_ms,
                }))
            })
            .collect()
    }

    /// The clock for the triggers: firings to record, countdowns to decide.
    pub fn tick_triggers(&mut self) -> Vec<Effect> {
        let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        self.rollback.tick(&mut cx)
    }

    /// Ticks the open items whose verifying check holds now, by the room's
    /// rule (see `launch_view::verify`).
    pub fn verify_items(&mut self) -> Vec<Effect> {
        if self.room.read_only() || !self.room.probing().judges_here() {
            return Vec::new();
        }
        self.launch.verify_items(&self.metrics.board().rows, &self.progress, self.room.pending(), self.chrome.now_ms())
    }

    /// The preview of `action` ended here: its output goes into the open confirmation.
    pub fn preview_done(&mut self, action: &str, ok: bool, output: &str) {
        let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        self.rollback.preview_done(action, ok, output, &mut cx);
    }

    // The room's events.

    /// Makes room for `n` more events from the store (a replay brings the
    /// room's whole history at once).
    pub fn expect_events(&mut self, n: usize) {
        self.room.reserve(n);
    }

    /// Folds an event from the store; returns what it sets off here (a
    /// claim of this console that holds starts its run).
    pub fn apply_event(&mut self, event: Event) -> Vec<Effect> {
        if event.seq <= self.room.last_seq() {
            return Vec::new();
        }
        self.progress.apply(&event);
        let mut effects = match self.runs.apply(&event, &self.progress, &mut self.chrome) {
            Back::Nothing => Vec::new(),
            Back::Record(effects) => effects,
            Back::Holds { run, subject } => self.start_held(&run, &subject),
        };
        let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        effects.extend(self.launch.apply(&event, &mut cx));
        effects.extend(self.rollback.apply(&event, &mut cx));
        if let Some(Body::CheckState { check, to, reason, since_ms, .. }) = event.body() {
            self.metrics.adopt(check, *to, reason, *since_ms, self.chrome.filter(Filtered::Metrics));
        }
        if self.room.apply(event)
            && let Some(event) = self.room.events().last()
        {
            let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
            effects.extend(self.incidents.apply(event, &mut cx));
        }
        effects
    }

    /// This console's claim came back holding: the runbook or the
    /// rollbacks say what to run; if they cannot, it is recorded not started.
    fn start_held(&mut self, run: &str, subject: &Subject) -> Vec<Effect> {
        let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        let start = match subject {
            Subject::Step { runbook, step } => self.launch.start_step(run, runbook, step, &mut cx),
            Subject::Rollback { action } => self.rollback.start(run, action, false, &mut cx),
            Subject::Verify { action } => self.rollback.start(run, action, true, &mut cx),
        };
        match start {
            Ok(start) => vec![Effect::StartRun(start)],
            Err(why) => vec![runs_here::not_run(run, why)],
        }
    }

    // Keys.

    /// Handles one action; returns the effects for the loop.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.chrome.clear_message();
        if action != Action::Quit {
            self.chrome.set_quit_armed(false);
        }
        let mut effects = Vec::new();
        match (self.chrome.overlay(), action) {
            (_, Action::Quit) if self.runs.any_live() && !self.chrome.quit_armed() => {
                self.chrome.set_quit_armed(true);
                self.chrome.error(format!(
                    "a step is running here: quitting kills it and the room sees it abandoned; {} again to quit, {} cancels it",
                    Action::Quit.key(),
                    Action::StepCancel.key()
                ));
            }
            (_, Action::Quit) => effects.push(Effect::Quit),
            (Overlay::Prompt { .. }, a) => effects.extend(self.prompt_action(a)),
            (Overlay::Form(_), a) => effects.extend(self.form_action(a)),
            (Overlay::Help { .. }, a) => self.chrome.help_key(a),
            (Overlay::None, a) => effects.extend(self.pane_action(a)),
        }
        self.clamp();
        effects
    }

    /// Hands a key to a view; focuses the pane it asks for once it is done.
    fn to(&mut self, part: Part, action: Action) -> Vec<Effect> {
        let mut cx = Cx::new(&mut self.chrome, &self.room, &self.progress, &mut self.runs);
        let effects = match part {
            Part::Metrics => self.metrics.update(action, &mut cx),
            Part::Incidents => self.incidents.update(action, &mut cx),
            Part::Launch => self.launch.update(action, &mut cx),
            Part::Rollback => self.rollback.update(action, &mut cx),
        };
        if let Some(pane) = cx.into_focus() {
            self.focus_pane(pane);
        }
        effects
    }

    /// Focuses a pane; a main pane also takes the main area. Details and the
    /// timeline close.
    pub fn focus_pane(&mut self, pane: Pane) {
        self.chrome.focus_on(pane);
        self.metrics.close_detail();
        self.incidents.close_all();
    }

    /// Keeps every cursor inside what there is.
    fn clamp(&mut self) {
        self.metrics.clamp(self.chrome.filter(Filtered::Metrics));
        self.incidents.clamp(&self.room);
        self.launch.clamp(self.chrome.filter(Filtered::Checklist), &self.progress);
        self.rollback.clamp();
    }
}

#[cfg(test)]
mod tests;
